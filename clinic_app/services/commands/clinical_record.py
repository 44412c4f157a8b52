"""Entries in the clinical record other than doses: a prescriber's decision on a hold,
and a dated lab result. The safety checks at the next dose read both.
"""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import (
    LabTest,
)
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.recording_rules import (
    LAB_RANGES,
    DecisionInput,
    validate_decision,
    validate_lab_result,
)
from clinic_app.persistence.models import (
    Course,
    LabResult,
)
from clinic_app.persistence.store import audit_log as audit
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.recording import CLINICAL_ROLES
from clinic_app.services.commands.stock import require_role
from clinic_app.services.queries.recording import (
    DecisionRecord,
    LabRecord,
    _add_decision,
    _load_patient,
)


def record_prescriber_decision(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    topic: str,
    decision: str,
    prescriber_name: str,
    decided_on: dt.date | None,
    *,
    course_id: int | None = None,
    valid_until: dt.date | None = None,
    today: dt.date | None = None,
) -> DecisionRecord:
    """A prescriber's decision (taken in person or by phone), recorded with name and date."""
    require_role(actor, CLINICAL_ROLES, "record a prescriber's decision")
    today = today or dt.date.today()
    entry = DecisionInput(topic, decision, prescriber_name, decided_on, valid_until)
    errors = validate_decision(
        topic, decision, prescriber_name, decided_on, valid_until, today=today
    )
    if errors:
        raise ValidationFailed(errors)
    with uow.write() as session:
        _load_patient(session, patient_id)
        if course_id is not None:
            course = session.get(Course, course_id)
            if course is None or course.patient_id != patient_id:
                raise ValidationFailed({"course_id": "is not one of this patient's courses"})
        row = _add_decision(session, actor, patient_id, course_id, entry, today)
        return DecisionRecord(
            id=row.id,
            patient_id=row.patient_id,
            course_id=row.course_id,
            topic=row.topic,
            decision=row.decision,
            prescriber_name=row.prescriber_name,
            decided_on=row.decided_on,
            valid_until=row.valid_until,
        )


def record_lab_result(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    test: str,
    value: float | None,
    unit: str,
    taken_on: dt.date | None,
    *,
    today: dt.date | None = None,
    note: str = "",
) -> LabRecord:
    """A dated result (platelets, INR, B12...); bands are computed from these, never stored."""
    require_role(actor, CLINICAL_ROLES, "record a lab result")
    today = today or dt.date.today()
    errors = validate_lab_result(test, value, unit, taken_on, today)
    if errors:
        raise ValidationFailed(errors)
    assert value is not None and taken_on is not None
    lab_test = LabTest(test)
    unit = unit.strip() or LAB_RANGES[lab_test][2]
    with uow.write() as session:
        _load_patient(session, patient_id)
        row = LabResult(
            patient_id=patient_id,
            test=lab_test,
            value=float(value),
            unit=unit,
            taken_on=taken_on,
            note=note.strip(),
            recorded_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "lab_result.record",
            "lab_result",
            row.id,
            {"test": lab_test, "value": value, "unit": unit, "taken_on": taken_on},
        )
        return LabRecord(row.id, patient_id, lab_test, row.value, unit, taken_on)
