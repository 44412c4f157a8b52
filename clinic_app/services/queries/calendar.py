"""What the clinic calendar shows: sessions with their slots and who is in them, and
one patient's doses beside it.

Reads only. A week costs two queries whatever the size of the clinic (sessions with
their slots, then the patients in those slots), so the week view of a 100,000-patient
clinic is drawn in milliseconds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import bindparam, or_, select

from clinic_app.domain.appointment_text import dose_label
from clinic_app.domain.codes import (
    AppointmentStatus,
    CourseStatus,
    Phase,
    SessionStatus,
    SlotStatus,
)
from clinic_app.domain.errors import NotFound
from clinic_app.persistence.models import Appointment, ClinicSession, Course, Patient, Slot, User
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.store.slot_capacity import HOLDS_SLOT
from clinic_app.persistence.unit_of_work import UnitOfWork

#: Phases booked into injection slots (blood tests are booked elsewhere).
BOOKABLE_PHASES = (Phase.LOADING, Phase.MAINTENANCE, Phase.REVIEW)


UPCOMING = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


#: How far back the timeline shows given and missed doses.
TIMELINE_PAST_DAYS = 120


_CHUNK = 900


@dataclass(frozen=True, slots=True)
class BookedPatient:
    appointment_id: int
    patient_id: int
    name: str
    nhs_number: str
    phase: Phase
    dose_number: int | None
    status: AppointmentStatus

    @property
    def label(self) -> str:
        return dose_label(self.phase, self.dose_number)


# The status is checked in Python: beside a list of slots, a status list in SQL sends
# SQLite through every dose ever given (the status index) instead of the slot index.
# Sorted by name in Python too, which spares SQLite a temporary sort of every row.
_PATIENTS_IN_SLOTS = (
    select(
        Appointment.slot_id,
        Appointment.id,
        Appointment.patient_id,
        Patient.given_name,
        Patient.family_name,
        Patient.nhs_number,
        Appointment.phase,
        Appointment.dose_number,
        Appointment.status,
        Patient.family_key,
        Patient.given_key,
    )
    .join(Patient, Patient.id == Appointment.patient_id)
    .where(Appointment.slot_id.in_(bindparam("slots", expanding=True)))
)


@dataclass(frozen=True, slots=True)
class SlotOccupancy:
    slot_id: int
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked_count: int
    status: SlotStatus
    patients: tuple[BookedPatient, ...]

    @property
    def free(self) -> int:
        if self.status is SlotStatus.BUSY_UNAVAILABLE:
            return 0
        return max(0, self.capacity - self.booked_count)


@dataclass(frozen=True, slots=True)
class SessionDay:
    session_id: int
    template_id: int | None
    session_date: dt.date
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    capacity: int
    nurse_name: str
    room: str
    location: str
    status: SessionStatus
    cancel_reason: str
    slots: tuple[SlotOccupancy, ...]

    @property
    def cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED


def slot_occupancy(uow: UnitOfWork, day_from: dt.date, day_to: dt.date) -> list[SessionDay]:
    """Sessions from ``day_from`` to ``day_to`` (cancelled ones too, with their reason),
    in date and time order, each with its slots and the patients booked into them."""
    with uow.read() as session:
        rows = session.execute(
            select(
                ClinicSession.id,
                ClinicSession.template_id,
                ClinicSession.session_date,
                ClinicSession.start_time,
                ClinicSession.end_time,
                ClinicSession.slot_minutes,
                ClinicSession.capacity,
                User.display_name,
                ClinicSession.room,
                ClinicSession.location,
                ClinicSession.status,
                ClinicSession.cancel_reason,
                Slot.id,
                Slot.start,
                Slot.end,
                Slot.capacity,
                Slot.booked_count,
                Slot.status,
            )
            .outerjoin(User, User.id == ClinicSession.nurse_id)
            .outerjoin(Slot, Slot.session_id == ClinicSession.id)
            .where(ClinicSession.session_date.between(day_from, day_to))
            .order_by(
                ClinicSession.session_date, ClinicSession.start_time, ClinicSession.id, Slot.start
            )
        ).all()
        slot_ids = [row[12] for row in rows if row[12] is not None]
        booked_rows: list[Any] = []
        connection = session.connection()  # Core: thousands of rows, no ORM bookkeeping
        for first in range(0, len(slot_ids), _CHUNK):
            chunk = slot_ids[first : first + _CHUNK]
            booked_rows += connection.execute(_PATIENTS_IN_SLOTS, {"slots": chunk}).all()
    booked_rows.sort(key=lambda row: (row[0], row[9], row[10]))
    patients: dict[int, list[BookedPatient]] = defaultdict(list)
    for (
        slot_id,
        appointment_id,
        patient_id,
        given,
        family,
        nhs,
        phase,
        number,
        status,
        *_,
    ) in booked_rows:
        if status in HOLDS_SLOT:
            patients[slot_id].append(
                BookedPatient(
                    appointment_id, patient_id, f"{given} {family}", nhs, phase, number, status
                )
            )
    days: list[SessionDay] = []
    for _session_id, group in groupby(rows, key=lambda row: row[0]):
        session_rows = list(group)
        head = session_rows[0]
        slots = tuple(
            SlotOccupancy(
                row[12], row[13], row[14], row[15], row[16], row[17], tuple(patients[row[12]])
            )
            for row in session_rows
            if row[12] is not None
        )
        days.append(
            SessionDay(
                session_id=head[0],
                template_id=head[1],
                session_date=head[2],
                start_time=head[3],
                end_time=head[4],
                slot_minutes=head[5],
                capacity=head[6],
                nurse_name=head[7] or "",
                room=head[8],
                location=head[9],
                status=head[10],
                cancel_reason=head[11],
                slots=slots,
            )
        )
    return days


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    appointment_id: int
    course_id: int | None
    phase: Phase
    dose_number: int | None
    status: AppointmentStatus
    planned_date: dt.date
    window_earliest: dt.date
    window_latest: dt.date
    slot_start: dt.datetime | None
    note: str

    @property
    def label(self) -> str:
        return dose_label(self.phase, self.dose_number)

    @property
    def day(self) -> dt.date:
        return self.slot_start.date() if self.slot_start is not None else self.planned_date

    @property
    def bookable(self) -> bool:
        return self.status is AppointmentStatus.PROPOSED and self.phase in BOOKABLE_PHASES


@dataclass(frozen=True, slots=True)
class PatientTimeline:
    patient_id: int
    name: str
    nhs_number: str
    preferred_days: str
    preferred_time: str
    #: Active courses of the patient, oldest first.
    course_ids: tuple[int, ...]
    entries: tuple[TimelineEntry, ...]


def patient_timeline(uow: UnitOfWork, patient_id: int, *, today: dt.date) -> PatientTimeline:
    """The patient's doses by date: given or missed lately, booked, and those to book.

    Doses still to book are listed up to the booking horizon, and each course's next
    one after it (a lifelong course plans years ahead; the calendar needs the next few).
    """
    recent = today - dt.timedelta(days=TIMELINE_PAST_DAYS)
    with uow.read() as session:
        horizon_end = today + dt.timedelta(weeks=read_settings(session).booking_horizon_weeks)
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise NotFound(f"No patient with id {patient_id}: they may have been removed.")
        course_ids = tuple(
            session.scalars(
                select(Course.id)
                .where(Course.patient_id == patient_id, Course.status == CourseStatus.ACTIVE)
                .order_by(Course.start_date, Course.id)
            )
        )
        rows = session.execute(
            select(Appointment, Slot.start)
            .outerjoin(Slot, Slot.id == Appointment.slot_id)
            .where(
                Appointment.patient_id == patient_id,
                Appointment.phase.in_(BOOKABLE_PHASES),
                or_(Appointment.status.in_(UPCOMING), Appointment.planned_date >= recent),
            )
        ).all()
        everything = sorted(
            (
                TimelineEntry(
                    a.id,
                    a.course_id,
                    a.phase,
                    a.dose_number,
                    a.status,
                    a.planned_date,
                    a.window_earliest,
                    a.window_latest,
                    start,
                    a.cancelation_reason,
                )
                for a, start in rows
            ),
            key=lambda e: (e.day, e.phase is not Phase.REVIEW, e.dose_number or 0),
        )
        entries: list[TimelineEntry] = []
        beyond: set[int | None] = set()
        for entry in everything:
            if entry.status is AppointmentStatus.PROPOSED and entry.window_earliest > horizon_end:
                if entry.course_id in beyond:
                    continue
                beyond.add(entry.course_id)
            entries.append(entry)
        return PatientTimeline(
            patient.id,
            f"{patient.given_name} {patient.family_name}",
            patient.nhs_number,
            patient.preferred_days,
            patient.preferred_time,
            course_ids,
            tuple(entries),
        )
