"""Reading what slot placement needs: free slots, a patient's days, a course's doses.

Plain rows in, the pure placement types of ``domain.slot_placement`` out, so the
booking services stay about what a person does and this module about how the
database is asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from clinic_app.domain.appointment_text import describe_start
from clinic_app.domain.codes import (
    AppointmentStatus,
    CourseStatus,
    PatientStatus,
    Phase,
    SessionStatus,
    SlotStatus,
)
from clinic_app.domain.errors import NotFound
from clinic_app.domain.protocol_snapshot import SnapshotError, protocol_from_json
from clinic_app.domain.slot_placement import CourseDose, OpenSlot, PatientDays, Preferences, Spacing
from clinic_app.persistence.models import Appointment, ClinicSession, Course, Patient, Slot, User
from clinic_app.persistence.store.slot_capacity import HOLDS_SLOT
from clinic_app.services.queries.calendar import BOOKABLE_PHASES

_CHUNK = 900


#: A slot that cannot be booked at all (its session is cancelled, or it is blocked).
UNAVAILABLE = -1


@dataclass(frozen=True)
class SlotChoice:
    """A slot offered for a dose, with what a receptionist reads out to the patient."""

    slot_id: int
    start: dt.datetime
    end: dt.datetime
    free: int
    nurse_name: str
    room: str
    location: str

    def describe(self) -> str:
        where = ", ".join(part for part in (self.nurse_name, self.room) if part)
        return describe_start(self.start) + (f" · {where}" if where else "")


@dataclass(frozen=True)
class SlotRow:
    open: OpenSlot
    session_id: int
    nurse_name: str
    room: str
    location: str

    def choice(self, free: int | None = None) -> SlotChoice:
        slot = self.open
        return SlotChoice(
            slot.slot_id,
            slot.start,
            slot.end,
            slot.free if free is None else free,
            self.nurse_name,
            self.room,
            self.location,
        )


def _slot_query() -> Any:
    return (
        select(
            Slot.id,
            Slot.start,
            Slot.end,
            Slot.capacity,
            Slot.booked_count,
            Slot.status,
            ClinicSession.id,
            ClinicSession.status,
            ClinicSession.room,
            ClinicSession.location,
            User.display_name,
        )
        .join(ClinicSession, ClinicSession.id == Slot.session_id)
        .outerjoin(User, User.id == ClinicSession.nurse_id)
    )


def _slot_row(row: Any) -> SlotRow:
    slot_id, start, end, capacity, booked, status, session_id, session_status = row[:8]
    room, location, nurse = row[8:]
    unavailable = (
        status is SlotStatus.BUSY_UNAVAILABLE or session_status is not SessionStatus.ACTIVE
    )
    free = UNAVAILABLE if unavailable else max(0, capacity - booked)
    return SlotRow(OpenSlot(slot_id, start, end, free), session_id, nurse or "", room, location)


def bookable_slots(
    session: Session, first: dt.date, last: dt.date, *, lock: bool = False
) -> dict[int, SlotRow]:
    """Slots of active sessions from ``first`` to ``last`` (full ones too, with free 0).

    ``lock`` takes the rows FOR UPDATE (PostgreSQL; SQLite's writer lock covers it), for
    a batch that books many doses and must not have the places it counted taken.
    """
    return bookable_slots_within(session, [(first, last)], lock=lock)


def bookable_slots_within(
    session: Session, windows: Iterable[tuple[dt.date, dt.date]], *, lock: bool = False
) -> dict[int, SlotRow]:
    """Slots of active sessions inside any of the date ranges (merged where they touch).

    A course's windows are weeks apart (loading now, maintenance in three months), so
    asking for the windows alone reads a fraction of the slots in between.
    """
    merged: list[tuple[dt.date, dt.date]] = []
    for first, last in sorted(w for w in windows if w[0] <= w[1]):
        if merged and first <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    if not merged:
        return {}
    ranges = [
        and_(
            Slot.start >= dt.datetime.combine(first, dt.time.min),
            Slot.start < dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min),
        )
        for first, last in merged
    ]
    query = _slot_query().where(
        or_(*ranges),
        Slot.status != SlotStatus.BUSY_UNAVAILABLE,
        ClinicSession.status == SessionStatus.ACTIVE,
    )
    query = query.order_by(Slot.id)
    if lock:
        query = query.with_for_update(of=Slot)
    return {row[0]: _slot_row(row) for row in session.execute(query)}


def slot_rows(session: Session, slot_ids: Iterable[int]) -> dict[int, SlotRow]:
    """The named slots whatever their state (free is UNAVAILABLE when not bookable)."""
    query = _slot_query().where(Slot.id.in_(sorted(set(slot_ids))))
    return {row[0]: _slot_row(row) for row in session.execute(query)}


@lru_cache(maxsize=64)
def _loading_steps(snapshot: str) -> tuple[tuple[int | None, int, int | None], ...]:
    """(count, minimum days apart, at most per week) for each loading step."""
    try:
        protocol = protocol_from_json(snapshot)
    except SnapshotError:
        return ()
    return tuple((s.count, s.every_days, s.per_week) for s in protocol.loading.steps)


def spacing_for(snapshot: str | None, phase: Phase, number: int | None) -> Spacing:
    """The regimen's spacing rule for a loading dose (from the course's own snapshot)."""
    if phase is not Phase.LOADING or number is None or snapshot is None:
        return Spacing()
    remaining = number
    for count, every_days, per_week in _loading_steps(snapshot):
        if count is None or remaining <= count:
            return Spacing(max(1, every_days), per_week)
        remaining -= count
    return Spacing()


@dataclass(frozen=True)
class DoseRow:
    """One appointment as placement sees it; ``day`` is set when it holds a slot."""

    id: int
    patient_id: int
    course_id: int | None
    phase: Phase
    number: int | None
    status: AppointmentStatus
    planned: dt.date
    earliest: dt.date
    latest: dt.date
    day: dt.date | None

    @classmethod
    def of(cls, appointment: Appointment) -> DoseRow:
        return cls(
            appointment.id,
            appointment.patient_id,
            appointment.course_id,
            appointment.phase,
            appointment.dose_number,
            appointment.status,
            appointment.planned_date,
            appointment.window_earliest,
            appointment.window_latest,
            None,
        )

    def course_dose(self, snapshot: str | None) -> CourseDose:
        return CourseDose(
            key=self.id,
            number=self.number if self.number is not None else 0,
            is_review=self.phase is Phase.REVIEW,
            planned=self.planned,
            earliest=self.earliest,
            latest=self.latest,
            spacing=spacing_for(snapshot, self.phase, self.number),
            day=self.day,
        )


def dose_rows(
    session: Session, *conditions: Any, statuses: Collection[AppointmentStatus]
) -> list[DoseRow]:
    """Bookable-phase appointments matching ``conditions`` and in one of ``statuses``,
    with the day of their slot.

    The status is checked here, not in SQL: next to a list of patients or slots, a
    status list leads SQLite to the (status, date) index and through every dose ever
    given (seconds at 100,000 patients) instead of the patient's or slot's few rows.
    """
    query = (
        select(
            Appointment.id,
            Appointment.patient_id,
            Appointment.course_id,
            Appointment.phase,
            Appointment.dose_number,
            Appointment.status,
            Appointment.planned_date,
            Appointment.window_earliest,
            Appointment.window_latest,
            Slot.start,
        )
        .outerjoin(Slot, Slot.id == Appointment.slot_id)
        .where(Appointment.phase.in_(BOOKABLE_PHASES), *conditions)
    )
    doses = []
    for row in session.execute(query):
        dose_id, patient_id, course_id, phase, number, status, planned, first, last, start = row
        if status not in statuses:
            continue
        day = None
        if status in HOLDS_SLOT:
            day = start.date() if start is not None else planned
        doses.append(
            DoseRow(
                dose_id, patient_id, course_id, phase, number, status, planned, first, last, day
            )
        )
    return doses


def patient_days(doses: Iterable[DoseRow]) -> PatientDays:
    days = PatientDays()
    for dose in doses:
        if dose.day is not None:
            days.add(dose.day, dose.phase is Phase.REVIEW)
    return days


@dataclass(frozen=True)
class PatientRow:
    id: int
    name: str
    nhs_number: str
    preferred_days: str
    preferred_time: str
    status: PatientStatus

    @property
    def preferences(self) -> Preferences:
        return Preferences.parse(self.preferred_days, self.preferred_time)


def load_patient(session: Session, patient_id: int) -> PatientRow:
    row = session.execute(
        select(
            Patient.id,
            Patient.given_name,
            Patient.family_name,
            Patient.nhs_number,
            Patient.preferred_days,
            Patient.preferred_time,
            Patient.status,
        ).where(Patient.id == patient_id)
    ).first()
    if row is None:
        raise NotFound(f"No patient with id {patient_id}: they may have been removed.")
    return PatientRow(
        row.id,
        f"{row.given_name} {row.family_name}",
        row.nhs_number,
        row.preferred_days,
        row.preferred_time,
        row.status,
    )


@dataclass(frozen=True)
class CourseRow:
    id: int
    patient_id: int
    snapshot: str
    status: CourseStatus


def load_course(session: Session, course_id: int) -> CourseRow:
    row = session.execute(
        select(Course.patient_id, Course.protocol_snapshot, Course.status).where(
            Course.id == course_id
        )
    ).first()
    if row is None:
        raise NotFound(f"No course with id {course_id}: it may have been removed.")
    return CourseRow(course_id, row.patient_id, row.protocol_snapshot, row.status)


def snapshots(session: Session, course_ids: Iterable[int | None]) -> dict[int, str]:
    """Protocol snapshots by course id (the spacing rules travel with the course)."""
    ids = sorted({c for c in course_ids if c is not None})
    found: dict[int, str] = {}
    for first in range(0, len(ids), _CHUNK):
        query = select(Course.id, Course.protocol_snapshot).where(
            Course.id.in_(ids[first : first + _CHUNK])
        )
        found.update(session.execute(query).all())
    return found
