"""Taking slots away without losing anyone: cancelled sessions, shortened ones,
closures. Every appointment affected goes on the rebooking list (``queries.rebooking``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from clinic_app.domain.actor import Actor
from clinic_app.domain.appointment_text import describe_start
from clinic_app.domain.changes import Change
from clinic_app.domain.codes import AppointmentStatus, SessionStatus, SlotStatus
from clinic_app.domain.date_text import format_date
from clinic_app.domain.errors import Conflict, NotFound
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import (
    Appointment,
    ClinicSession,
    Closure,
    Patient,
    Slot,
)
from clinic_app.persistence.store import audit_log as audit
from clinic_app.persistence.store.audit_log import UNBOOKED
from clinic_app.persistence.store.slot_capacity import recount_slots
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.rebooking import AffectedAppointment, _affected


@dataclass(frozen=True)
class ClosureResult:
    closure_id: int
    sessions_cancelled: int
    affected: tuple[AffectedAppointment, ...]


@command(Action.CANCEL_SESSION, Change.SESSIONS, Change.BOOKINGS)
def cancel_session(work: Work, session_id: int, reason: str) -> list[AffectedAppointment]:
    """Cancel a whole session; every patient booked into it is returned to rebook."""
    actor = work.actor
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed({"reason": "is required: say why the session is cancelled"})
    session = work.session
    row = _load_session(session, session_id)
    if row.status is SessionStatus.CANCELLED:
        raise Conflict("This session was already cancelled.")
    affected = _cancel(session, actor, row, reason)
    work.audit(
        "clinic_session",
        row.id,
        {"reason": reason, "unbooked": [a.appointment_id for a in affected]},
    )
    return affected


def _cancel(
    session: Session, actor: Actor, row: ClinicSession, reason: str
) -> list[AffectedAppointment]:
    slot_ids = list(session.scalars(select(Slot.id).where(Slot.session_id == row.id)))
    why = f"session on {format_date(row.session_date)} cancelled: {reason}"
    affected = _unbook(session, actor, slot_ids, why)
    row.status = SessionStatus.CANCELLED
    row.cancel_reason = reason
    session.execute(
        update(Slot).where(Slot.session_id == row.id).values(status=SlotStatus.BUSY_UNAVAILABLE)
    )
    recount_slots(session, [row.id])
    return affected


@command(Action.SHORTEN_SESSION, Change.SESSIONS, Change.BOOKINGS)
def shorten_session(work: Work, session_id: int, new_end: dt.time) -> list[AffectedAppointment]:
    """End a session early: slots after ``new_end`` go, their patients are returned."""
    actor = work.actor
    session = work.session
    row = _load_session(session, session_id)
    if row.status is SessionStatus.CANCELLED:
        raise Conflict("This session is cancelled; there is nothing to shorten.")
    if new_end >= row.end_time:
        raise ValidationFailed(
            {"new_end": f"must be earlier than the current end, {row.end_time:%H:%M}"}
        )
    if _minutes(row.start_time, new_end) < row.slot_minutes:
        raise ValidationFailed(
            {
                "new_end": f"leaves no whole {row.slot_minutes}-minute slot after "
                f"{row.start_time:%H:%M}: cancel the session instead"
            }
        )
    cutoff = dt.datetime.combine(row.session_date, new_end)
    dropped = list(
        session.scalars(select(Slot.id).where(Slot.session_id == row.id, Slot.end > cutoff))
    )
    seen = session.scalars(select(Appointment.status).where(Appointment.slot_id.in_(dropped)))
    if any(s in (AppointmentStatus.ARRIVED, AppointmentStatus.FULFILLED) for s in seen):
        raise ValidationFailed(
            {"new_end": f"patients after {new_end:%H:%M} have already arrived or been seen"}
        )
    why = f"session on {format_date(row.session_date)} now ends at {new_end:%H:%M}"
    affected = _unbook(session, actor, dropped, why)
    session.execute(
        update(Appointment)
        .where(Appointment.slot_id.in_(dropped))
        .values(slot_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(Slot).where(Slot.id.in_(dropped)))
    old_end = row.end_time
    row.end_time = new_end
    work.audit(
        "clinic_session",
        row.id,
        {
            "end_time": (old_end, new_end),
            "unbooked": [a.appointment_id for a in affected],
        },
    )
    return affected


@command(Action.ADD_CLOSURE, Change.SESSIONS, Change.BOOKINGS, Change.COURSES)
def add_closure(
    work: Work,
    *,
    first_day: dt.date,
    last_day: dt.date,
    reason: str,
    location: str = "",
) -> ClosureResult:
    """Close the clinic (or one location) for a day or a range; its sessions are cancelled.

    Courses are planned around closures by the scheduling engine; the patients booked
    into the cancelled sessions are returned (and listed on ``rebooking_list``).
    """
    actor = work.actor
    reason = " ".join(reason.split())
    location = " ".join(location.split())
    problems: dict[str, str] = {}
    if last_day < first_day:
        problems["last_day"] = f"must be on or after the first day ({format_date(first_day)})"
    if not reason:
        problems["reason"] = "is required (e.g. Practice training afternoon)"
    elif len(reason) > 200:
        problems["reason"] = "must be 200 characters or fewer"
    if len(location) > 80:
        problems["location"] = "must be 80 characters or fewer"
    if problems:
        raise ValidationFailed(problems)
    session = work.session
    closure = Closure(first_day=first_day, last_day=last_day, reason=reason, location=location)
    session.add(closure)
    session.flush()
    query = select(ClinicSession).where(
        ClinicSession.session_date.between(first_day, last_day),
        ClinicSession.status == SessionStatus.ACTIVE,
    )
    if location:
        query = query.where(ClinicSession.location == location)
    cancelled = session.scalars(query.order_by(ClinicSession.session_date)).all()
    affected: list[AffectedAppointment] = []
    for row in cancelled:
        affected += _cancel(session, actor, row, f"clinic closed ({reason})")
    work.audit(
        "closure",
        closure.id,
        {
            "first_day": first_day,
            "last_day": last_day,
            "reason": reason,
            "location": location,
            "sessions_cancelled": [row.id for row in cancelled],
        },
    )
    return ClosureResult(closure.id, len(cancelled), tuple(affected))


def _unbook(
    session: Session, actor: Actor, slot_ids: Sequence[int], why: str
) -> list[AffectedAppointment]:
    if not slot_ids:
        return []
    rows = session.execute(
        select(Appointment, Slot.start, Patient)
        .join(Slot, Slot.id == Appointment.slot_id)
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(Appointment.slot_id.in_(slot_ids))  # status below: see slot_occupancy
        .order_by(Slot.start, Patient.family_key, Patient.given_key)
    ).all()
    affected: list[AffectedAppointment] = []
    now = utcnow()
    waiting = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
    for appointment, start, patient in rows:
        if appointment.status not in waiting:
            continue
        reason = f"Needs rebooking: {why} (was {describe_start(start)})"
        appointment.status = AppointmentStatus.PROPOSED
        appointment.slot_id = None
        appointment.booked_by = None
        appointment.booked_at = None
        appointment.cancelation_reason = reason
        appointment.updated_at = now
        audit.record(
            session,
            actor,
            UNBOOKED,
            "appointment",
            appointment.id,
            {"old_start": start, "reason": reason},
        )
        affected.append(_affected(appointment, patient, start, reason))
    session.flush()
    return affected


def _load_session(session: Session, session_id: int) -> ClinicSession:
    row = session.get(ClinicSession, session_id)
    if row is None:
        raise NotFound(f"No clinic session with id {session_id}: it may have been removed.")
    return row


def _minutes(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
