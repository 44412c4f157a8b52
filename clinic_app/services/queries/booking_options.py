"""What could be booked: a whole course proposed into free slots, and the slots a single
dose could move to. Nothing here books; ``commands.booking`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from clinic_app.domain.appointment_text import dose_label
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, Phase
from clinic_app.domain.errors import NotFound, UserError
from clinic_app.domain.slot_placement import (
    Placement,
    SlotPool,
    check_day,
    place_course,
)
from clinic_app.persistence.models import Appointment
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.store.slot_capacity import (
    HOLDS_SLOT,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.booking_context import (
    DoseRow,
    SlotChoice,
    SlotRow,
    bookable_slots,
    bookable_slots_within,
    dose_rows,
    load_course,
    load_patient,
    patient_days,
    snapshots,
)

_LIVE = (AppointmentStatus.PROPOSED, *HOLDS_SLOT)


@dataclass(frozen=True)
class ProposedDose:
    appointment_id: int
    phase: Phase
    dose_number: int | None
    planned_date: dt.date
    window_earliest: dt.date
    window_latest: dt.date
    slot: SlotChoice | None
    #: No slot in the window suited the patient's preferred days or time.
    outside_preferences: bool
    #: Why no slot was found ("" when placed).
    problem: str

    @property
    def label(self) -> str:
        return dose_label(self.phase, self.dose_number)


@dataclass(frozen=True)
class BookingProposal:
    course_id: int
    patient_id: int
    patient_name: str
    preferred_days: str
    preferred_time: str
    doses: tuple[ProposedDose, ...]

    @property
    def placed(self) -> tuple[ProposedDose, ...]:
        return tuple(d for d in self.doses if d.slot is not None)

    @property
    def unplaced(self) -> tuple[ProposedDose, ...]:
        return tuple(d for d in self.doses if d.slot is None)

    def choices(self) -> list[tuple[int, int]]:
        return [(d.appointment_id, d.slot.slot_id) for d in self.doses if d.slot is not None]


# -- a whole course ----------------------------------------------------------------------


def propose_course_booking(uow: UnitOfWork, course_id: int, *, today: dt.date) -> BookingProposal:
    """A slot for every unbooked dose due in the booking horizon, for a person to check.

    Also the course's first unbooked maintenance dose when it falls just beyond the
    horizon (a new course's loading is followed by maintenance about three months
    later): a patient should leave with their next injection booked.
    """
    with uow.read() as session:
        course = load_course(session, course_id)
        patient = load_patient(session, course.patient_id)
        empty = BookingProposal(
            course_id, patient.id, patient.name, patient.preferred_days, patient.preferred_time, ()
        )
        if course.status is not CourseStatus.ACTIVE:
            raise UserError("This course has ended: there is nothing to book.")
        horizon = dt.timedelta(weeks=read_settings(session).booking_horizon_weeks)
        mine = dose_rows(session, Appointment.patient_id == patient.id, statuses=_LIVE)
        course_doses = [d for d in mine if d.course_id == course_id]
        wanted = _due(course_doses, today, today + horizon)
        if not wanted:
            return empty
        slots = bookable_slots_within(session, [(max(today, d.earliest), d.latest) for d in wanted])
    wanted_ids = {d.id for d in wanted}
    chain = [
        d.course_dose(course.snapshot)
        for d in course_doses
        if d.day is not None or d.id in wanted_ids
    ]
    pool = SlotPool(row.open for row in slots.values())
    placements = place_course(chain, pool, patient_days(mine), patient.preferences, today)
    by_id = {p.key: p for p in placements}
    return replace(empty, doses=tuple(_proposed(d, by_id[d.id], slots) for d in wanted))


def _due(course_doses: Sequence[DoseRow], today: dt.date, horizon_end: dt.date) -> list[DoseRow]:
    proposed = sorted(
        (d for d in course_doses if d.status is AppointmentStatus.PROPOSED and d.latest >= today),
        key=lambda d: (d.planned, d.phase is not Phase.REVIEW, d.number or 0),
    )
    due = [d for d in proposed if d.earliest <= horizon_end]
    if not any(d.phase is Phase.MAINTENANCE for d in due):
        due += [d for d in proposed if d.phase is Phase.MAINTENANCE][:1]
    return due


def _proposed(dose: DoseRow, placement: Placement, slots: dict[int, SlotRow]) -> ProposedDose:
    choice = None
    if placement.slot is not None:
        choice = slots[placement.slot.slot_id].choice(placement.slot.free)
    problem = ""
    if placement.problem is not None:
        problem = placement.problem.explain(dose.earliest, dose.latest)
    return ProposedDose(
        dose.id,
        dose.phase,
        dose.number,
        dose.planned,
        dose.earliest,
        dose.latest,
        choice,
        placement.outside_preferences,
        problem,
    )


def slot_options(
    uow: UnitOfWork, appointment_id: int, *, today: dt.date, limit: int = 400
) -> list[SlotChoice]:
    """Free slots a dose could go into: inside its window, on a day the rules allow."""
    with uow.read() as session:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None:
            raise NotFound(f"No appointment with id {appointment_id}: it may have been removed.")
        mine = dose_rows(
            session,
            Appointment.patient_id == appointment.patient_id,
            Appointment.id != appointment_id,
            statuses=HOLDS_SLOT,
        )
        snapshot = snapshots(session, [appointment.course_id]).get(appointment.course_id or 0)
        slots = bookable_slots(
            session, max(today, appointment.window_earliest), appointment.window_latest
        )
        current_slot = appointment.slot_id
        dose = DoseRow.of(appointment).course_dose(snapshot)
        same_course = [
            d.course_dose(snapshot)
            for d in mine
            if appointment.course_id is not None and d.course_id == appointment.course_id
        ]
    days = patient_days(mine)
    allowed: dict[dt.date, bool] = {}
    options: list[SlotChoice] = []
    for row in sorted(slots.values(), key=lambda r: r.open.start):
        if row.open.free <= 0 or row.open.slot_id == current_slot:
            continue
        day = row.open.start.date()
        if day not in allowed:
            allowed[day] = check_day(dose, day, same_course, days) is None
        if allowed[day]:
            options.append(row.choice())
            if len(options) >= limit:
                break
    return options
