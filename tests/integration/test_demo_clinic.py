"""The demo clinic: realistic enough to explore every screen, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.codes import AppointmentStatus, LabTest, Role
from clinic_app.domain.errors import UserError
from clinic_app.domain.nhs_number import is_valid
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    ClinicSession,
    LabResult,
    Lot,
    Patient,
    Slot,
    User,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.patients import create_patient

TODAY = dt.date(2026, 11, 21)


def test_demo_clinic_has_what_a_clinic_has(uow: UnitOfWork) -> None:
    summary = create_demo_clinic(uow, patients=120, today=TODAY)
    assert summary.counts["patients"] == 120
    with uow.read() as session:
        nurses = session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.NURSE)
        )
        assert 2 <= (nurses or 0) <= 3
        numbers = session.scalars(select(Patient.nhs_number)).all()
        assert all(is_valid(number) for number in numbers)
        weeks = {d.isocalendar()[1] for d in session.scalars(select(ClinicSession.session_date))}
        assert len(weeks) == 12
        expiries = session.scalars(select(Lot.expiry_date)).all()
        assert any(e < TODAY for e in expiries), "one lot has expired"
        assert any(TODAY <= e <= TODAY + dt.timedelta(days=30) for e in expiries), "one near expiry"
        statuses = set(session.scalars(select(Appointment.status)))
        assert {AppointmentStatus.FULFILLED, AppointmentStatus.BOOKED} <= statuses
        assert AppointmentStatus.NOSHOW in statuses
        assert session.scalar(select(func.count()).select_from(Administration)) > 0
        low = session.scalar(
            select(func.count())
            .select_from(LabResult)
            .where(LabResult.test == LabTest.PLATELETS, LabResult.value <= 50)
        )
        assert (low or 0) > 0
        over = session.scalar(
            select(func.count()).select_from(Slot).where(Slot.booked_count > Slot.capacity)
        )
        assert over == 0
        booked = session.scalar(
            select(func.count())
            .select_from(Appointment)
            .where(Appointment.status == AppointmentStatus.BOOKED)
        )
        assert booked == session.scalar(select(func.sum(Slot.booked_count)))


def test_demo_goes_only_into_an_empty_clinic(uow: UnitOfWork) -> None:
    create_demo_clinic(uow, patients=20, today=TODAY)
    with pytest.raises(UserError, match="already has patients"):
        create_demo_clinic(uow, patients=20, today=TODAY)


def test_new_rows_after_the_demo_get_fresh_ids(uow: UnitOfWork) -> None:
    """The demo numbers rows itself; the database's counters must carry on after it."""
    from tests.builders import details, make_actor

    create_demo_clinic(uow, patients=20, today=TODAY)
    created = create_patient(uow, make_actor(uow, "New Person"), details(999))
    assert created.id == 21
