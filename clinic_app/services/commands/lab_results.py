"""Entering a lab result, and correcting one that was mistyped.

Every safety check at the next dose reads these dated values (the platelet band, the
INR), so a mistyped result is never edited in place and never deleted: the correction
is a new entry, and the old one is marked entered-in-error with the reason, who marked
it and when, and a pointer to the entry that corrects it (FHIR Observation.status).
A result also completes the monitoring blood tests it was taken for.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from clinic_app.domain.changes import Change
from clinic_app.domain.codes import AppointmentStatus, LabResultStatus, LabTest, Phase
from clinic_app.domain.errors import Conflict, NotFound, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.lab_tests import LabTestRules
from clinic_app.domain.permissions import Action
from clinic_app.domain.recording_rules import validate_correction_reason, validate_lab_result
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import Appointment, LabResult
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.lab_results import (
    OPEN_MONITORING,
    VALID,
    LabRecord,
    as_record,
    checked_rules,
    monitoring_progress,
    monitoring_tests_for,
)
from clinic_app.services.queries.recording import _load_patient


@command(Action.RECORD_LAB_RESULT, Change.RECORDS)
def record_lab_result(
    work: Work,
    patient_id: int,
    test: str,
    value: float | None,
    unit: str,
    taken_on: dt.date | None,
    *,
    source: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> LabRecord:
    """A dated result (platelets, INR, B12...); bands are computed from these, never stored."""
    today = today or dt.date.today()
    rules = checked_rules()
    _load_patient(work.session, patient_id)
    row = _add_result(work, rules, patient_id, test, value, unit, taken_on, source, note, today)
    work.audit(
        "lab_result",
        row.id,
        after={
            "test": row.test,
            "value": row.value,
            "unit": row.unit,
            "taken_on": row.taken_on,
            "source": row.source,
        },
    )
    _complete_monitoring(work, rules, patient_id, row)
    work.changed(patients=[patient_id])
    return as_record(row)


@command(Action.CORRECT_LAB_RESULT, Change.RECORDS)
def correct_lab_result(
    work: Work,
    result_id: int,
    value: float | None,
    unit: str,
    taken_on: dt.date | None,
    reason: str,
    *,
    source: str | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> LabRecord:
    """Replace a mistyped result: the new entry is returned, the old one marked in error.

    The test stays the same (a result entered under the wrong test is marked in error
    and entered again). Both changes, and their audit rows, are one transaction.
    """
    today = today or dt.date.today()
    rules = checked_rules()
    old = _correctable(work, result_id, expected_version)
    errors = validate_correction_reason(reason)
    if errors:
        # Checked with the new value, so every problem is shown at once.
        errors |= validate_lab_result(
            old.test.value, value, unit, taken_on, today, rules, source=source or ""
        )
        raise ValidationFailed(errors)
    before = _snapshot(old)
    new = _add_result(
        work,
        rules,
        old.patient_id,
        old.test.value,
        value,
        unit,
        taken_on,
        old.source if source is None else source,
        old.note,
        today,
    )
    _mark_in_error(work, old, reason, corrected_by=new.id)
    work.audit(
        "lab_result",
        old.id,
        {"reason": old.error_reason, "corrected_by_id": new.id},
        before=before,
        after=_snapshot(old),
    )
    work.audit("lab_result", new.id, {"corrects": old.id}, after=_snapshot(new))
    _reopen_monitoring(work, rules, old.patient_id)
    _complete_monitoring(work, rules, old.patient_id, new)
    work.changed(patients=[old.patient_id])
    return as_record(new)


@command(Action.CORRECT_LAB_RESULT, Change.RECORDS)
def mark_lab_result_in_error(
    work: Work, result_id: int, reason: str, *, expected_version: int | None = None
) -> LabRecord:
    """Withdraw an entry with no replacement (entered on the wrong patient or test)."""
    old = _correctable(work, result_id, expected_version)
    errors = validate_correction_reason(reason)
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(old)
    _mark_in_error(work, old, reason, corrected_by=None)
    work.audit(
        "lab_result", old.id, {"reason": old.error_reason}, before=before, after=_snapshot(old)
    )
    _reopen_monitoring(work, checked_rules(), old.patient_id)
    work.changed(patients=[old.patient_id])
    return as_record(old)


# -- internals ------------------------------------------------------------------------


def _add_result(
    work: Work,
    rules: LabTestRules,
    patient_id: int,
    test: str,
    value: float | None,
    unit: str,
    taken_on: dt.date | None,
    source: str,
    note: str,
    today: dt.date,
) -> LabResult:
    errors = validate_lab_result(test, value, unit, taken_on, today, rules, source=source)
    if errors:
        raise ValidationFailed(errors)
    assert value is not None and taken_on is not None
    lab_test = LabTest(test)
    stored_unit = rules.rule(lab_test).canonical_unit(unit)
    assert stored_unit is not None  # validated above
    row = LabResult(
        patient_id=patient_id,
        test=lab_test,
        value=float(value),
        unit=stored_unit,
        taken_on=taken_on,
        source=" ".join(source.split()),
        note=note.strip(),
        recorded_by=work.actor.user_id,
        recorded_at=utcnow(),
        status=LabResultStatus.FINAL,
    )
    work.session.add(row)
    work.session.flush()
    return row


def _correctable(work: Work, result_id: int, expected_version: int | None) -> LabResult:
    row = work.session.get(LabResult, result_id)
    if row is None:
        raise NotFound(f"No lab result with id {result_id}: it may have been removed.")
    if expected_version is not None and row.version != expected_version:
        raise Conflict(
            "This result was changed on another workstation since you opened it. "
            "Look at the results again, then correct it if it is still wrong."
        )
    if row.status is LabResultStatus.ENTERED_IN_ERROR:
        raise UserError(
            "This result is already marked entered in error"
            + (": correct the entry that replaced it instead." if row.corrected_by_id else ".")
        )
    _load_patient(work.session, row.patient_id)
    return row


def _mark_in_error(work: Work, row: LabResult, reason: str, *, corrected_by: int | None) -> None:
    row.status = LabResultStatus.ENTERED_IN_ERROR
    row.error_reason = " ".join(reason.split())
    row.error_marked_by = work.actor.user_id
    row.error_marked_at = utcnow()
    row.corrected_by_id = corrected_by
    try:
        work.session.flush()
    except StaleDataError as error:
        raise Conflict(
            "This result was corrected on another workstation at the same moment. "
            "Nothing was saved: look at the results again."
        ) from error


def _snapshot(row: LabResult) -> dict[str, object]:
    return {
        "test": row.test,
        "value": row.value,
        "unit": row.unit,
        "taken_on": row.taken_on,
        "source": row.source,
        "status": row.status,
    }


def _reopen_monitoring(work: Work, rules: LabTestRules, patient_id: int) -> None:
    """Blood tests given by a result now marked in error are due again (listed, overdue
    if their window has passed) until a valid result completes them."""
    session = work.session
    done = session.scalars(
        select(Appointment).where(
            Appointment.patient_id == patient_id,
            Appointment.phase == Phase.MONITORING,
            Appointment.status == AppointmentStatus.FULFILLED,
        )
    ).all()
    taken = _valid_taken(work, patient_id)
    for appointment in done:
        progress = monitoring_progress(
            appointment.tests_due, appointment.window_earliest, taken, rules
        )
        if not progress or all(test.done for test in progress):
            continue
        again = AppointmentStatus.BOOKED if appointment.slot_id else AppointmentStatus.PROPOSED
        appointment.status = again
        appointment.updated_at = utcnow()
        still = [test.name for test in progress if not test.done]
        work.audit(
            "appointment",
            appointment.id,
            {"tests": appointment.tests_due, "still_to_do": still},
            before={"status": AppointmentStatus.FULFILLED},
            after={"status": again},
            action="appointment.monitoring_reopened",
        )
        work.changed(Change.COURSES, Change.BOOKINGS, patients=[patient_id])
    session.flush()


def _valid_taken(work: Work, patient_id: int) -> dict[LabTest, list[dt.date]]:
    taken: dict[LabTest, list[dt.date]] = {}
    for test, day in work.session.execute(
        select(LabResult.test, LabResult.taken_on).where(LabResult.patient_id == patient_id, VALID)
    ):
        taken.setdefault(test, []).append(day)
    return taken


def _complete_monitoring(work: Work, rules: LabTestRules, patient_id: int, row: LabResult) -> None:
    """Mark given (fulfilled) each open monitoring appointment this result completes.

    An appointment counts a result taken inside its window or after it opened (a test
    due before today stays listed as overdue until a result like this one comes); it
    is fulfilled once every test it lists has one, and shows its progress until then.
    """
    session = work.session
    candidates = session.scalars(
        select(Appointment)
        .where(
            Appointment.patient_id == patient_id,
            Appointment.phase == Phase.MONITORING,
            Appointment.status.in_(OPEN_MONITORING),
            Appointment.window_earliest <= row.taken_on,
        )
        .order_by(Appointment.planned_date, Appointment.id)
    ).all()
    if not candidates:
        return
    taken = _valid_taken(work, patient_id)
    for appointment in candidates:
        if row.test not in monitoring_tests_for(appointment.tests_due, rules):
            continue
        progress = monitoring_progress(
            appointment.tests_due, appointment.window_earliest, taken, rules
        )
        if not progress or not all(test.done for test in progress):
            continue
        before = appointment.status
        appointment.status = AppointmentStatus.FULFILLED
        appointment.updated_at = utcnow()
        work.audit(
            "appointment",
            appointment.id,
            {"completed_by_lab_result": row.id, "tests": appointment.tests_due},
            before={"status": before},
            after={"status": AppointmentStatus.FULFILLED},
            action="appointment.monitoring_done",
        )
        work.changed(Change.COURSES, Change.BOOKINGS, patients=[patient_id])
    session.flush()
