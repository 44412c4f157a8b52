"""Entries in the clinical record other than doses: a prescriber's decision on a hold.
The safety checks at the next dose read it (lab results: ``lab_results``).
"""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.changes import Change
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.domain.recording_rules import (
    DecisionInput,
    validate_decision,
)
from clinic_app.persistence.models import (
    Course,
    PrescriberDecision,
)
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.recording import (
    DecisionRecord,
    _load_patient,
)


@command(Action.RECORD_PRESCRIBER_DECISION, Change.RECORDS)
def record_prescriber_decision(
    work: Work,
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
    today = today or dt.date.today()
    entry = DecisionInput(topic, decision, prescriber_name, decided_on, valid_until)
    errors = validate_decision(
        topic, decision, prescriber_name, decided_on, valid_until, today=today
    )
    if errors:
        raise ValidationFailed(errors)
    session = work.session
    _load_patient(session, patient_id)
    if course_id is not None:
        course = session.get(Course, course_id)
        if course is None or course.patient_id != patient_id:
            raise ValidationFailed({"course_id": "is not one of this patient's courses"})
    row = add_decision(work, patient_id, course_id, entry, today)
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


def add_decision(
    work: Work,
    patient_id: int,
    course_id: int | None,
    entry: DecisionInput,
    today: dt.date,
) -> PrescriberDecision:
    """A prescriber's decision, in the caller's command: on its own, or with a dose."""
    errors = validate_decision(
        entry.topic,
        entry.decision,
        entry.prescriber_name,
        entry.decided_on,
        entry.valid_until,
        today=today,
    )
    if errors:
        raise ValidationFailed({f"decision_{k}": v for k, v in errors.items()})
    facts = entry.as_facts(course_id)
    session = work.session
    assert facts is not None
    row = PrescriberDecision(
        patient_id=patient_id,
        course_id=course_id,
        topic=facts.topic,
        decision=facts.decision,
        prescriber_name=facts.prescriber_name,
        decided_on=facts.decided_on,
        valid_until=facts.valid_until,
        recorded_by=work.actor.user_id,
    )
    session.add(row)
    session.flush()
    work.audit(
        "prescriber_decision",
        row.id,
        {
            "topic": facts.topic,
            "prescriber_name": facts.prescriber_name,
            "decided_on": facts.decided_on,
            "decision": facts.decision,
        },
        action=Action.RECORD_PRESCRIBER_DECISION.value,
    )
    return row
