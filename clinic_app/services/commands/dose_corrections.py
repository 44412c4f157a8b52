"""Marking a recorded dose as entered in error: the record stays, marked, with the reason.

A dose recorded against the wrong patient, or twice, must stop counting as given
(the course would otherwise count on from a dose the patient never had, and the next
one would come late). Deleting it would destroy the evidence an auditor or a recall
needs, so the row is kept with FHIR's ``entered-in-error`` status, who marked it, when
and why; the ampoule goes back to its lot, and the course is planned again as if the
dose had not been recorded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from clinic_app.domain.changes import Change
from clinic_app.domain.codes import AdministrationStatus, AppointmentStatus, StockMovementKind
from clinic_app.domain.errors import Conflict, NotFound, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.domain.recording_rules import validate_error_reason
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import Administration, Appointment, Slot
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.store.slot_capacity import release_slot
from clinic_app.persistence.store.stock_ledger import record_movement, return_to_lot
from clinic_app.services.envelope import Work, command
from clinic_app.services.planning.course_plans import sync_course_plan
from clinic_app.services.queries.recording import AdministrationRecord, _record


@command(Action.MARK_DOSE_IN_ERROR, Change.RECORDS, Change.BOOKINGS, Change.COURSES, Change.STOCK)
def mark_dose_entered_in_error(
    work: Work, administration_id: int, reason: str, *, today: dt.date, version: int | None = None
) -> AdministrationRecord:
    """The dose no longer counts as given: stock back, the course planned again."""
    errors = validate_error_reason(reason)
    if errors:
        raise ValidationFailed(errors)
    text = " ".join(reason.split())
    session = work.session
    row = session.get(Administration, administration_id, with_for_update=True)
    if row is None:
        raise NotFound(f"No recorded dose with id {administration_id}: it may have been removed.")
    if row.status is AdministrationStatus.ENTERED_IN_ERROR:
        raise Conflict(
            "This dose was already marked as entered in error (on another workstation?)."
        )
    if row.status is not AdministrationStatus.COMPLETED:
        raise UserError("Only a dose recorded as given can be marked as entered in error.")
    appointment = session.get(Appointment, row.appointment_id)
    assert appointment is not None
    if version is not None and appointment.version != version:
        raise Conflict(
            "This dose was changed on another workstation meanwhile: open the patient again."
        )
    before = {"status": row.status.value, "appointment_status": appointment.status.value}
    row.status = AdministrationStatus.ENTERED_IN_ERROR
    row.error_reason = text
    row.error_marked_by = work.actor.user_id
    row.error_marked_at = utcnow()
    returned = False
    if row.lot_id is not None:
        returned = return_to_lot(session, row.lot_id, 1)
        if returned:
            record_movement(
                session,
                work.actor,
                row.lot_id,
                StockMovementKind.RETURNED,
                1,
                note=f"dose recorded in error: {text}",
                administration_id=row.id,
            )
    _reopen(session, appointment, today, text)
    session.flush()
    if row.course_id is not None:
        sync_course_plan(session, row.course_id, today=today, settings=read_settings(session))
    row.next_due_date = None
    session.flush()
    work.changed(patients=[row.patient_id])
    work.audit(
        "administration",
        row.id,
        {
            "reason": text,
            "lot_number": row.lot_number,
            "stock_returned": returned,
            "dose_number": appointment.dose_number,
        },
        before=before,
        after={"status": row.status.value, "appointment_status": appointment.status.value},
    )
    return _record(session, row)


def _reopen(session: Session, appointment: Appointment, today: dt.date, reason: str) -> None:
    """The dose is due again. Today's booked visit stays open (the patient is here: record
    what was really given); an unbooked dose goes back to planned, for the re-plan to
    date; an earlier booked visit, or a walk-in's own row, is cancelled and its dose
    planned again."""
    appointment.updated_at = utcnow()
    if appointment.walk_in:
        _cancel(session, appointment, reason)
        return
    if appointment.slot_id is None:
        appointment.status = AppointmentStatus.PROPOSED
        return
    slot = session.get(Slot, appointment.slot_id)
    if slot is not None and slot.start.date() == today:
        appointment.status = AppointmentStatus.ARRIVED
    else:
        _cancel(session, appointment, reason)


def _cancel(session: Session, appointment: Appointment, reason: str) -> None:
    if appointment.slot_id is not None:
        release_slot(session, appointment.slot_id)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelation_reason = f"dose record entered in error: {reason}"
