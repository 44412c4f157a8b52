"""Booking doses into slots, and the day-to-day changes to a booking (move, cancel,
arrived, did not attend). What can be booked where is asked of ``queries.booking_options``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clinic_app.domain.actor import Actor
from clinic_app.domain.appointment_text import dose_label
from clinic_app.domain.booking_terms import slot_day_problem
from clinic_app.domain.changes import Change
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, PatientStatus, Phase
from clinic_app.domain.date_text import format_date
from clinic_app.domain.errors import Conflict, NotFound, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.domain.slot_placement import (
    PatientDays,
    Preferences,
    SlotPool,
    check_day,
    place_course,
)
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import Appointment, Course, Patient, Slot
from clinic_app.persistence.store import audit_log as audit
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.store.slot_capacity import (
    HOLDS_SLOT,
    release_slot,
    rowcount,
    slot_taken_message,
    take_slot,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.envelope import JobWork, Work, command, job
from clinic_app.services.planning.course_plans import sync_course_plan
from clinic_app.services.queries.booking_context import (
    UNAVAILABLE,
    DoseRow,
    SlotRow,
    bookable_slots,
    dose_rows,
    load_course,
    load_patient,
    patient_days,
    slot_rows,
    snapshots,
)
from clinic_app.services.queries.booking_options import _LIVE

_WAITING = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


_DOSE_PHASES = (Phase.LOADING, Phase.MAINTENANCE)


#: How often book_next_dose tries the next best slot when others keep taking them.
_RETRIES = 20


@dataclass(frozen=True)
class BookedAppointment:
    appointment_id: int
    patient_id: int
    course_id: int | None
    phase: Phase
    dose_number: int | None
    slot_id: int
    start: dt.datetime
    end: dt.datetime

    @property
    def label(self) -> str:
        return dose_label(self.phase, self.dose_number)


@dataclass(frozen=True)
class BookingResult:
    booked: tuple[BookedAppointment, ...]


@command(Action.BOOK_COURSE, Change.BOOKINGS)
def confirm_booking(
    work: Work,
    choices: Sequence[tuple[int, int]],
    *,
    today: dt.date | None = None,
) -> BookingResult:
    """Book every (appointment, slot) pair in one transaction: all of them, or none."""
    actor = work.actor
    if not choices:
        raise ValidationFailed({"choices": "choose at least one dose to book"})
    session = work.session
    booked = _book(session, actor, choices, today or dt.date.today())
    return BookingResult(tuple(booked))


@command(Action.BOOK_APPOINTMENT, Change.BOOKINGS)
def book_appointment(
    work: Work,
    appointment_id: int,
    slot_id: int,
    *,
    today: dt.date | None = None,
) -> BookedAppointment:
    actor = work.actor
    session = work.session
    (booked,) = _book(session, actor, [(appointment_id, slot_id)], today or dt.date.today())
    return booked


def _book(
    session: Session, actor: Actor, choices: Sequence[tuple[int, int]], today: dt.date
) -> list[BookedAppointment]:
    """Check every choice, then take the places (in slot order) and save them."""
    ids = [appointment_id for appointment_id, _slot in choices]
    if len(set(ids)) != len(ids):
        raise ValidationFailed({"choices": "a dose is listed twice"})
    appointments = {
        a.id: a for a in session.scalars(select(Appointment).where(Appointment.id.in_(ids)))
    }
    slots = slot_rows(session, [slot_id for _a, slot_id in choices])
    for appointment_id, slot_id in choices:
        appointment = appointments.get(appointment_id)
        if appointment is None:
            raise NotFound(f"No appointment with id {appointment_id}: it may have been removed.")
        if appointment.status is not AppointmentStatus.PROPOSED:
            raise Conflict(_not_bookable(appointment))
        _check_slot(appointment, slots.get(slot_id), today)
    _check_days(session, [(appointments[a], slots[s].open.start.date()) for a, s in choices])
    for slot_id in sorted(slot_id for _a, slot_id in choices):
        if not take_slot(session, slot_id):
            raise Conflict(slot_taken_message(slots[slot_id].open.start))
    now = utcnow()
    booked: list[BookedAppointment] = []
    for appointment_id, slot_id in choices:
        appointment = appointments[appointment_id]
        appointment.status = AppointmentStatus.BOOKED
        appointment.slot_id = slot_id
        appointment.booked_by = actor.user_id
        appointment.booked_at = now
        appointment.cancelation_reason = ""
        appointment.updated_at = now
        slot = slots[slot_id]
        audit.record(
            session,
            actor,
            "appointment.book",
            "appointment",
            appointment_id,
            {"slot_id": slot_id, "start": slot.open.start},
        )
        booked.append(_booked(appointment, slot))
    _flush(session)
    return booked


def _check_slot(appointment: Appointment, slot: SlotRow | None, today: dt.date) -> None:
    if slot is None:
        raise NotFound("That slot no longer exists (its session was shortened or removed).")
    if slot.open.free == UNAVAILABLE:
        raise Conflict("That session has been cancelled: please choose another slot.")
    problem = slot_day_problem(
        slot.open.start.date(),
        today=today,
        earliest=appointment.window_earliest,
        latest=appointment.window_latest,
        dose=dose_label(appointment.phase, appointment.dose_number),
    )
    if problem:
        raise ValidationFailed({"slot": problem})


def _check_days(
    session: Session, wanted: Sequence[tuple[Appointment, dt.date]], *, moving: int = 0
) -> None:
    """Never two doses of a patient on one day; a course's doses keep their spacing.

    Checked in dose order, each against the patient's booked and given days plus the
    ones before it in the same request. ``moving`` is an appointment whose current
    day no longer counts (it is being moved).
    """
    patient_ids = sorted({a.patient_id for a, _day in wanted})
    held = dose_rows(
        session,
        Appointment.patient_id.in_(patient_ids),
        Appointment.id != moving,
        statuses=HOLDS_SLOT,
    )
    by_patient: dict[int, list[DoseRow]] = defaultdict(list)
    for row in held:
        by_patient[row.patient_id].append(row)
    courses = snapshots(session, [a.course_id for a, _day in wanted])
    for appointment, day in sorted(
        wanted, key=lambda item: (item[0].course_id or 0, item[0].dose_number or 0)
    ):
        mine = by_patient[appointment.patient_id]
        dose = DoseRow.of(appointment)
        snapshot = courses.get(appointment.course_id or 0)
        same_course = [
            d.course_dose(snapshot)
            for d in mine
            if appointment.course_id is not None and d.course_id == appointment.course_id
        ]
        problem = check_day(dose.course_dose(snapshot), day, same_course, patient_days(mine))
        if problem:
            raise ValidationFailed({"slot": f"{dose_label(dose.phase, dose.number)}: {problem}"})
        mine.append(replace(dose, day=day))


# -- day-to-day changes --------------------------------------------------------------------


@command(Action.MOVE_APPOINTMENT, Change.BOOKINGS)
def move_appointment(
    work: Work,
    appointment_id: int,
    new_slot_id: int,
    *,
    today: dt.date | None = None,
) -> BookedAppointment:
    actor = work.actor
    today = today or dt.date.today()
    session = work.session
    appointment = _load(session, appointment_id)
    old_slot = appointment.slot_id
    if appointment.status is not AppointmentStatus.BOOKED or old_slot is None:
        raise Conflict(_cannot(appointment, "moved"))
    if new_slot_id == old_slot:
        raise ValidationFailed({"slot": "is the slot the appointment is already in"})
    slots = slot_rows(session, [new_slot_id, old_slot])
    target = slots.get(new_slot_id)
    _check_slot(appointment, target, today)
    assert target is not None
    _check_days(session, [(appointment, target.open.start.date())], moving=appointment.id)
    # Both slots are updated in id order, like every booking, so no deadlock.
    for slot_id in sorted((old_slot, new_slot_id)):
        if slot_id == old_slot:
            release_slot(session, old_slot)
        elif not take_slot(session, new_slot_id):
            raise Conflict(slot_taken_message(target.open.start))
    now = utcnow()
    appointment.slot_id = new_slot_id
    appointment.booked_by = actor.user_id
    appointment.booked_at = now
    appointment.updated_at = now
    old = slots.get(old_slot)
    work.audit(
        "appointment",
        appointment.id,
        before={"slot_id": old_slot, "start": old.open.start if old else None},
        after={"slot_id": new_slot_id, "start": target.open.start},
    )
    _flush(session)
    return _booked(appointment, target)


@command(Action.CANCEL_APPOINTMENT, Change.BOOKINGS)
def cancel_appointment(
    work: Work,
    appointment_id: int,
    reason: str,
    *,
    today: dt.date | None = None,
) -> None:
    """Cancel a booking (or a planned dose). The course is re-planned, so the dose
    comes back as a new proposed appointment to book again."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed({"reason": "is required: say why the appointment is cancelled"})
    today = today or dt.date.today()
    session = work.session
    appointment = _load(session, appointment_id)
    was = appointment.status
    if was not in (AppointmentStatus.BOOKED, AppointmentStatus.PROPOSED):
        raise Conflict(_cannot(appointment, "cancelled"))
    if was is AppointmentStatus.BOOKED and appointment.slot_id is not None:
        release_slot(session, appointment.slot_id)
    # The slot stays on the cancelled row: the history says which time was given up.
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelation_reason = reason
    appointment.updated_at = utcnow()
    work.audit(
        "appointment",
        appointment.id,
        {"reason": reason, "slot_id": appointment.slot_id},
        before={"status": was},
        after={"status": AppointmentStatus.CANCELLED},
    )
    _flush(session)
    if appointment.course_id is not None:
        sync_course_plan(session, appointment.course_id, today=today)


@command(Action.MARK_ARRIVED, Change.BOOKINGS)
def mark_arrived(work: Work, appointment_id: int, *, today: dt.date | None = None) -> None:
    today = today or dt.date.today()
    session = work.session
    appointment = _load(session, appointment_id)
    if appointment.status is not AppointmentStatus.BOOKED:
        raise Conflict(_cannot(appointment, "marked arrived"))
    day = _slot_day(session, appointment)
    if day != today:
        raise UserError(
            f"This appointment is on {format_date(day)}: a patient can be marked "
            "arrived only on the day."
        )
    appointment.status = AppointmentStatus.ARRIVED
    appointment.updated_at = utcnow()
    work.audit(
        "appointment",
        appointment.id,
        before={"status": AppointmentStatus.BOOKED},
        after={"status": AppointmentStatus.ARRIVED},
    )
    _flush(session)


@command(Action.MARK_DID_NOT_ATTEND, Change.BOOKINGS, Change.COURSES)
def mark_did_not_attend(
    work: Work,
    appointment_id: int,
    *,
    today: dt.date,
    reason: str = "Did not attend",
) -> None:
    """The patient missed the appointment: the place is freed, the row stays as a
    did-not-attend with the reason (for the recall worklist), and the course is
    re-planned so the missed dose comes back as proposed."""
    reason = " ".join(reason.split()) or "Did not attend"
    session = work.session
    appointment = _load(session, appointment_id)
    if appointment.status not in _WAITING:
        raise Conflict(_cannot(appointment, "marked did-not-attend"))
    day = _slot_day(session, appointment)
    if day > today:
        raise UserError(
            f"This appointment is on {format_date(day)}, still to come: cancel it instead."
        )
    if appointment.slot_id is not None:
        release_slot(session, appointment.slot_id)
    appointment.status = AppointmentStatus.NOSHOW
    appointment.cancelation_reason = reason
    appointment.updated_at = utcnow()
    work.audit(
        "appointment",
        appointment.id,
        {"reason": reason, "slot_id": appointment.slot_id},
        after={"status": AppointmentStatus.NOSHOW},
    )
    _flush(session)
    if appointment.course_id is not None:
        sync_course_plan(session, appointment.course_id, today=today)


# -- booking without a person choosing -------------------------------------------------------


def book_next_dose(session: Session, actor: Actor, course_id: int, *, today: dt.date) -> int | None:
    """Book the course's next unbooked dose into the best free slot, inside the
    caller's transaction (right after an injection is recorded). Returns the
    appointment id, or None when nothing is waiting or no slot fits its window."""
    course = load_course(session, course_id)
    if course.status is not CourseStatus.ACTIVE:
        return None
    patient = load_patient(session, course.patient_id)
    mine = dose_rows(session, Appointment.patient_id == patient.id, statuses=_LIVE)
    course_doses = [d for d in mine if d.course_id == course_id]
    waiting = sorted(
        (
            d
            for d in course_doses
            if d.status is AppointmentStatus.PROPOSED
            and d.phase in _DOSE_PHASES
            and d.latest >= today
        ),
        key=lambda d: (d.number or 0, d.planned),
    )
    if not waiting:
        return None
    dose = waiting[0]
    chain = [d.course_dose(course.snapshot) for d in course_doses if d.day is not None]
    slots = bookable_slots(session, max(today, dose.earliest), dose.latest)
    pool = SlotPool(row.open for row in slots.values())
    for _attempt in range(_RETRIES):
        (placement,) = place_course(
            [*chain, dose.course_dose(course.snapshot)],
            pool,
            patient_days(mine),
            patient.preferences,
            today,
        )
        if placement.slot is None:
            return None
        slot_id = placement.slot.slot_id
        if take_slot(session, slot_id):
            _mark_booked(session, actor, dose.id, slots[slot_id], "appointment.book_next")
            return dose.id
        pool.give_back(slot_id)  # taken on another workstation meanwhile: next best
    return None


#: A batch of the daily booking pass ends after this long or this many doses, whichever
#: comes first, and commits: the write lock is held for ~0.1 s at a time, so a patient
#: saved meanwhile barely waits (benchmarks/bench_booking_pass.py measures it).
MAINTENANCE_BATCH_SECONDS = 0.1
MAINTENANCE_BATCH = 200
#: Passes over the doses whose booking clashed with another workstation's change.
_MAINTENANCE_ROUNDS = 3


@dataclass(frozen=True)
class _Placed:
    """A maintenance dose and the slot the read-only placement chose for it."""

    dose: DoseRow
    slot: SlotRow
    snapshot: str | None

    @property
    def day(self) -> dt.date:
        return self.slot.open.start.date()


@dataclass
class _Batch:
    booked: int = 0
    #: Doses to place again from a fresh read: the day or the slot was taken meanwhile.
    clashed: list[int] = field(default_factory=list)
    #: Doses the batch had no time left for: the next batch books them.
    left: list[_Placed] = field(default_factory=list)


@job(Action.BOOK_MAINTENANCE, Change.BOOKINGS)
def keep_maintenance_booked(
    work: JobWork,
    *,
    today: dt.date,
    batch_size: int = MAINTENANCE_BATCH,
    batch_seconds: float = MAINTENANCE_BATCH_SECONDS,
) -> int:
    """Book every active course's unbooked maintenance doses due in the booking horizon.

    Run daily (or after sessions are generated): "for life" means the next injection
    is always booked. The doses, slots and patients are read and placed without the
    write lock; the bookings are then written in short batches, each its own
    transaction, so a receptionist saving a patient meanwhile waits one batch at most.
    Each batch first checks what may have changed since the read: a dose re-planned,
    booked or cancelled, its course ended or its patient no longer active (left for
    the next pass); the patient booked on that day elsewhere, or the slot taken or its
    session cancelled (placed again from a fresh read once the batches are done).
    Returns how many doses it booked.
    """
    booked = 0
    size = batch_size
    only: set[int] | None = None  # None: every dose waiting
    for _round in range(_MAINTENANCE_ROUNDS):
        pending = _place_maintenance(work.uow, today, only)
        clashed: set[int] = set()
        while pending:
            chunk, pending = pending[:size], pending[size:]
            with work.batch() as batch:
                result = _book_placed(batch, chunk, batch_seconds)
                if not result.booked:
                    batch.unchanged()
            booked += result.booked
            clashed.update(result.clashed)
            pending = result.left + pending
            # Ask the next batch for about what fits in the time: every dose a batch
            # re-reads and has no time for is write-lock time wasted.
            written = len(chunk) - len(result.left)
            grown = written + max(1, written // 4) if result.left else size + max(1, size // 4)
            size = min(batch_size, grown)
        if not clashed:
            break
        only = clashed
    return booked


def _place_maintenance(uow: UnitOfWork, today: dt.date, only: set[int] | None) -> list[_Placed]:
    """Read the waiting doses and what placement needs, then place them (no write lock)."""
    active_courses = select(Course.id).where(Course.status == CourseStatus.ACTIVE)
    active_patients = select(Patient.id).where(Patient.status == PatientStatus.ACTIVE)
    with uow.read() as session:
        horizon_end = today + dt.timedelta(weeks=read_settings(session).booking_horizon_weeks)
        waiting = [
            dose
            for dose in dose_rows(
                session,
                Appointment.status == AppointmentStatus.PROPOSED,  # the (status, date) index
                Appointment.phase == Phase.MAINTENANCE,
                Appointment.window_earliest <= horizon_end,
                Appointment.window_latest >= today,
                Appointment.course_id.in_(active_courses),
                Appointment.patient_id.in_(active_patients),
                statuses=(AppointmentStatus.PROPOSED,),
            )
            if only is None or dose.id in only
        ]
        if not waiting:
            return []
        first = max(today, min(d.earliest for d in waiting))
        slots = bookable_slots(session, first, max(d.latest for d in waiting))
        held, preferences = _patients_context(session, sorted({d.patient_id for d in waiting}))
        courses = snapshots(session, [d.course_id for d in waiting])
    pool = SlotPool(row.open for row in slots.values())
    days: dict[int, PatientDays] = {}
    placed: list[_Placed] = []
    for dose in sorted(waiting, key=lambda d: (d.planned, d.patient_id, d.number or 0)):
        mine = held[dose.patient_id]
        if dose.patient_id not in days:
            days[dose.patient_id] = patient_days(mine)
        snapshot = courses.get(dose.course_id or 0)
        chain = [d.course_dose(snapshot) for d in mine if d.course_id == dose.course_id]
        (placement,) = place_course(
            [*chain, dose.course_dose(snapshot)],
            pool,
            days[dose.patient_id],
            preferences.get(dose.patient_id, Preferences()),
            today,
        )
        if placement.slot is None:
            continue
        choice = _Placed(dose, slots[placement.slot.slot_id], snapshot)
        placed.append(choice)
        mine.append(replace(dose, day=choice.day))
    return placed


def _book_placed(work: Work, placed: Sequence[_Placed], seconds: float) -> _Batch:
    """Book what ``seconds`` allow of ``placed``, inside the batch's transaction.

    Slots are taken in id order, like every booking, so two workstations cannot
    deadlock. No dose needs a savepoint: a slot refused changes nothing, and a dose
    changed meanwhile (possible on PostgreSQL only: SQLite's lock is held since the
    re-read) gives its place straight back, so one clash never undoes the batch. The
    audit rows are written together when the batch commits.
    """
    session = work.session
    deadline = time.perf_counter() + seconds
    waiting = _still_waiting(session, [p.dose.id for p in placed])
    held, _preferences = _patients_context(session, sorted({p.dose.patient_id for p in placed}))
    result = _Batch()
    ordered = sorted(placed, key=lambda p: (p.slot.open.slot_id, p.dose.id))
    with session.no_autoflush:
        for position, choice in enumerate(ordered):
            if position and time.perf_counter() > deadline:
                result.left = ordered[position:]
                break
            dose = choice.dose
            if waiting.get(dose.id) != (dose.planned, dose.earliest, dose.latest):
                continue  # re-planned, booked or ended meanwhile: the next pass sees it afresh
            mine = held[dose.patient_id]
            same_course = [
                d.course_dose(choice.snapshot) for d in mine if d.course_id == dose.course_id
            ]
            target = dose.course_dose(choice.snapshot)
            if check_day(target, choice.day, same_course, patient_days(mine)):
                result.clashed.append(dose.id)  # the patient was booked that day meanwhile
                continue
            slot_id = choice.slot.open.slot_id
            if not take_slot(session, slot_id):
                result.clashed.append(dose.id)  # full, or its session cancelled or shortened
                continue
            try:
                _mark_booked(session, work.actor, dose.id, choice.slot, work.action.value)
            except Conflict:
                release_slot(session, slot_id)
                continue
            mine.append(replace(dose, day=choice.day))
            work.changed(patients=[dose.patient_id])
            result.booked += 1
    return result


def _still_waiting(
    session: Session, appointment_ids: Sequence[int]
) -> dict[int, tuple[dt.date, dt.date, dt.date]]:
    """The doses still proposed, of an active course and patient: (planned, window).

    The statuses are checked here, not in SQL: a status condition leads SQLite through
    every active patient instead of the hundred appointments asked for (40 ms, not 1).
    """
    found: dict[int, tuple[dt.date, dt.date, dt.date]] = {}
    for first in range(0, len(appointment_ids), 900):
        query = (
            select(
                Appointment.id,
                Appointment.status,
                Appointment.planned_date,
                Appointment.window_earliest,
                Appointment.window_latest,
                Course.status,
                Patient.status,
            )
            .join(Course, Course.id == Appointment.course_id)
            .join(Patient, Patient.id == Appointment.patient_id)
            .where(Appointment.id.in_(appointment_ids[first : first + 900]))
        )
        for dose_id, status, planned, earliest, latest, course, patient in session.execute(query):
            if (status, course, patient) == _WAITING_TO_BOOK:
                found[dose_id] = (planned, earliest, latest)
    return found


_WAITING_TO_BOOK = (AppointmentStatus.PROPOSED, CourseStatus.ACTIVE, PatientStatus.ACTIVE)


def _patients_context(
    session: Session, patient_ids: Sequence[int]
) -> tuple[dict[int, list[DoseRow]], dict[int, Preferences]]:
    held: dict[int, list[DoseRow]] = defaultdict(list)
    preferences: dict[int, Preferences] = {}
    for first in range(0, len(patient_ids), 900):
        chunk = patient_ids[first : first + 900]
        for row in dose_rows(session, Appointment.patient_id.in_(chunk), statuses=HOLDS_SLOT):
            held[row.patient_id].append(row)
        query = select(Patient.id, Patient.preferred_days, Patient.preferred_time).where(
            Patient.id.in_(chunk)
        )
        for patient_id, days_text, time_text in session.execute(query):
            preferences[patient_id] = Preferences.parse(days_text, time_text)
    return held, preferences


def _mark_booked(
    session: Session, actor: Actor | None, appointment_id: int, slot: SlotRow, action: str
) -> None:
    now = utcnow()
    result = session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.status == AppointmentStatus.PROPOSED)
        .values(
            status=AppointmentStatus.BOOKED,
            slot_id=slot.open.slot_id,
            booked_by=actor.user_id if actor else None,
            booked_at=now,
            cancelation_reason="",
            updated_at=now,
            version=Appointment.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        raise Conflict(
            "This dose was booked or changed on another workstation at the same moment. "
            "Nothing was saved: please try again."
        )
    audit.record(
        session,
        actor,
        action,
        "appointment",
        appointment_id,
        {"slot_id": slot.open.slot_id, "start": slot.open.start},
    )


# -- helpers ----------------------------------------------------------------------------------


def _load(session: Session, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound(f"No appointment with id {appointment_id}: it may have been removed.")
    return appointment


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise Conflict(
            "This appointment was changed on another workstation at the same moment. "
            "Nothing was saved: look again and retry."
        ) from error


def _booked(appointment: Appointment, slot: SlotRow) -> BookedAppointment:
    return BookedAppointment(
        appointment.id,
        appointment.patient_id,
        appointment.course_id,
        appointment.phase,
        appointment.dose_number,
        slot.open.slot_id,
        slot.open.start,
        slot.open.end,
    )


def _slot_day(session: Session, appointment: Appointment) -> dt.date:
    if appointment.slot_id is None:
        return appointment.planned_date
    start = session.scalar(select(Slot.start).where(Slot.id == appointment.slot_id))
    return start.date() if start is not None else appointment.planned_date


def _not_bookable(appointment: Appointment) -> str:
    label = dose_label(appointment.phase, appointment.dose_number)
    if appointment.status in _WAITING:
        return f"{label} is already booked (perhaps on another workstation): refresh to see it."
    return f"{label} is {appointment.status.label.lower()}: it can no longer be booked."


def _cannot(appointment: Appointment, what: str) -> str:
    label = dose_label(appointment.phase, appointment.dose_number)
    status = appointment.status.label.lower()
    return f"{label} cannot be {what}: it is {status} (perhaps changed on another workstation)."
