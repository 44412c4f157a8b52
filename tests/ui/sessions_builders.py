"""A small clinic for the timetable widgets: one nurse, three weekly sessions, a patient
booked into the first Tuesday."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic_app.domain.actor import Actor
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import book_appointment
from tests.integration.booking_builders import (
    TODAY,
    clinic_week,
    nurse,
    patient,
    proposed,
    slots_on,
    start_course,
)

FIRST_TUESDAY = dt.date(2027, 2, 2)
FIRST_THURSDAY = dt.date(2027, 2, 4)

__all__ = ["FIRST_THURSDAY", "FIRST_TUESDAY", "TODAY", "Timetable", "book_first_dose", "build"]


@dataclass(frozen=True)
class Timetable:
    uow: UnitOfWork
    nurse: Actor
    template_ids: list[int]


def build(uow: UnitOfWork) -> Timetable:
    amira = nurse(uow)
    return Timetable(uow, amira, clinic_week(uow, amira, capacity=2))


def book_first_dose(clinic: Timetable, seed: int, day: dt.date, slot: int = 0) -> int:
    """Start a course for a new patient and book its first dose on ``day``."""
    course = start_course(clinic.uow, patient(clinic.uow, clinic.nurse, seed))
    first = proposed(clinic.uow, course)[0]
    book_appointment(
        clinic.uow, clinic.nurse, first.id, slots_on(clinic.uow, day)[slot], today=TODAY
    )
    return first.id
