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
    Prescriber,
    PrescriberDecision,
)
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.recording import (
    DecisionRecord,
    _load_patient,
    decision_record,
)


@command(Action.RECORD_PRESCRIBER_DECISION, Change.RECORDS)
def record_prescriber_decision(
    work: Work,
    patient_id: int,
    topic: str,
    decision: str,
    prescriber_id: int | None,
    decided_on: dt.date | None,
    *,
    course_id: int | None = None,
    valid_until: dt.date | None = None,
    today: dt.date | None = None,
) -> DecisionRecord:
    """A prescriber's decision (taken in person or by phone), naming a prescriber from the
    clinic's list, with its date, what was decided and when it ends."""
    today = today or dt.date.today()
    entry = DecisionInput(topic, decision, prescriber_id, decided_on, valid_until)
    errors = validate_decision(topic, decision, prescriber_id, decided_on, valid_until, today=today)
    if errors:
        raise ValidationFailed(errors)
    session = work.session
    _load_patient(session, patient_id)
    if course_id is not None:
        course = session.get(Course, course_id)
        if course is None or course.patient_id != patient_id:
            raise ValidationFailed({"course_id": "is not one of this patient's courses"})
    row = _add(work, patient_id, course_id, entry, today, prefix="")
    return decision_record(session, row)


def add_decision(
    work: Work,
    patient_id: int,
    course_id: int | None,
    entry: DecisionInput,
    today: dt.date,
) -> PrescriberDecision:
    """A prescriber's decision, in the caller's command (recorded with a dose): its
    problems are named ``decision_<field>``, as the dose form names them."""
    return _add(work, patient_id, course_id, entry, today, prefix="decision_")


def _add(
    work: Work,
    patient_id: int,
    course_id: int | None,
    entry: DecisionInput,
    today: dt.date,
    *,
    prefix: str,
) -> PrescriberDecision:
    errors = validate_decision(
        entry.topic,
        entry.decision,
        entry.prescriber_id,
        entry.decided_on,
        entry.valid_until,
        today=today,
    )
    session = work.session
    prescriber = None
    if entry.prescriber_id is not None:
        prescriber = session.get(Prescriber, entry.prescriber_id)
        if prescriber is None:
            errors["prescriber_id"] = "is not on the clinic's list of prescribers"
        elif not prescriber.active:
            errors["prescriber_id"] = (
                f"{prescriber.name} is no longer an active prescriber on the clinic's list: "
                "ask the practice manager, or choose another prescriber"
            )
    if errors:
        raise ValidationFailed({f"{prefix}{k}": v for k, v in errors.items()})
    assert prescriber is not None
    # Recorded as theirs only when the prescriber is the one signed in.
    by_prescriber = prescriber.user_id is not None and prescriber.user_id == work.actor.user_id
    facts = entry.as_facts(course_id, prescriber.name, by_prescriber=by_prescriber)
    assert facts is not None
    row = PrescriberDecision(
        patient_id=patient_id,
        course_id=course_id,
        topic=facts.topic,
        decision=facts.decision,
        prescriber_id=prescriber.id,
        prescriber_name=prescriber.name,
        by_prescriber=by_prescriber,
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
            "prescriber_id": prescriber.id,
            "prescriber_name": prescriber.name,
            "by_prescriber": by_prescriber,
            "decided_on": facts.decided_on,
            "valid_until": facts.valid_until,
            "decision": facts.decision,
        },
        action=Action.RECORD_PRESCRIBER_DECISION.value,
    )
    return row
