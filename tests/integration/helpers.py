"""Small builders the integration tests share: a user to act as, and patients."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import Role
from clinic_app.domain.nhs_number import check_digit
from clinic_app.domain.patient_details import PatientDetails
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.users import create_first_user, create_user
from clinic_app.services.queries.users import UserSummary, list_active_users


def make_actor(uow: UnitOfWork, name: str = "Amira Patel", role: Role = Role.NURSE) -> Actor:
    return add_user(uow, name, role).as_actor()


def add_user(uow: UnitOfWork, name: str, role: Role) -> UserSummary:
    """A user added as the app would: the first by the set-up, later ones by the first."""
    existing = list_active_users(uow)
    if not existing:
        return create_first_user(uow, name, role)
    return create_user(uow, existing[0].as_actor(), name, role)


def valid_nhs_number(seed: int) -> str:
    stem = 999_000_000 + seed
    while True:
        digit = check_digit(f"{stem:09d}")
        if digit is not None:
            return f"{stem:09d}{digit}"
        stem += 1


def details(seed: int = 1, **changes: object) -> PatientDetails:
    base = PatientDetails(
        nhs_number=valid_nhs_number(seed * 7),
        given_name="Margaret",
        family_name="Smith",
        date_of_birth=dt.date(1950, 4, 3),
        phone="07700 900123",
    )
    return replace(base, **changes)  # type: ignore[arg-type]
