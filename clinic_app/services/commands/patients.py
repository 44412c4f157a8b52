"""Adding and editing patients on the roster: validated, duplicate NHS numbers refused,
and a stale edit from another workstation refused rather than overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clinic_app.domain import patient_details
from clinic_app.domain.changes import Change
from clinic_app.domain.date_text import format_date
from clinic_app.domain.errors import Conflict
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.name_keys import name_key
from clinic_app.domain.patient_details import PatientDetails
from clinic_app.domain.permissions import Action
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import Patient
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.patients import _DETAIL_FIELDS, PatientRecord, _load, _record


@command(Action.CREATE_PATIENT, Change.PATIENTS)
def create_patient(
    work: Work, details: PatientDetails, *, today: dt.date | None = None
) -> PatientRecord:
    actor = work.actor
    details = _checked(details, today)
    session = work.session
    _refuse_duplicate_nhs_number(session, details.nhs_number, None)
    patient = Patient(**asdict(details), updated_by=actor.user_id)
    _set_keys(patient)
    session.add(patient)
    _flush_or_explain(session)
    work.audit("patient", patient.id, after={"nhs_number": patient.nhs_number})
    work.changed(patients=[patient.id])
    return _record(session, patient)


@command(Action.UPDATE_PATIENT, Change.PATIENTS)
def update_patient(
    work: Work,
    patient_id: int,
    details: PatientDetails,
    *,
    expected_version: int,
    today: dt.date | None = None,
) -> PatientRecord:
    """Save an edit; refused if another workstation saved the patient since it was read."""
    actor = work.actor
    details = _checked(details, today)
    session = work.session
    patient = _load(session, patient_id)
    if patient.version != expected_version:
        raise Conflict(
            "This patient was changed on another workstation since you opened it. "
            "Reload to see the latest details, then make your change again."
        )
    _refuse_duplicate_nhs_number(session, details.nhs_number, patient_id)
    changes = {
        name: (getattr(patient, name), getattr(details, name))
        for name in _DETAIL_FIELDS
        if getattr(patient, name) != getattr(details, name)
    }
    if not changes:
        work.unchanged()
        return _record(session, patient)
    for name, (_old, new) in changes.items():
        setattr(patient, name, new)
    _set_keys(patient)
    patient.updated_at = utcnow()
    patient.updated_by = actor.user_id
    try:
        _flush_or_explain(session)
    except StaleDataError as error:
        raise Conflict(
            "This patient was changed on another workstation at the same moment. "
            "Reload and try again."
        ) from error
    work.audit(
        "patient",
        patient.id,
        changes,
        before={name: old for name, (old, _new) in changes.items()},
        after={name: new for name, (_old, new) in changes.items()},
    )
    work.changed(patients=[patient.id])
    return _record(session, patient)


def _checked(details: PatientDetails, today: dt.date | None) -> PatientDetails:
    details = details.normalised()
    errors = patient_details.validate(details, today or dt.date.today())
    if errors:
        raise ValidationFailed(errors)
    return details


def _refuse_duplicate_nhs_number(session: Session, number: str, patient_id: int | None) -> None:
    other = session.execute(
        select(Patient.id, Patient.given_name, Patient.family_name, Patient.date_of_birth).where(
            Patient.nhs_number == number
        )
    ).first()
    if other is not None and other.id != patient_id:
        raise ValidationFailed(
            {
                "nhs_number": f"already belongs to {other.given_name} {other.family_name} "
                f"(born {format_date(other.date_of_birth)})"
            }
        )


def _flush_or_explain(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as error:
        if "nhs_number" in str(error.orig):
            raise ValidationFailed(
                {"nhs_number": "was just added for another patient on another workstation"}
            ) from error
        raise


def _set_keys(patient: Patient) -> None:
    patient.given_key = name_key(patient.given_name)
    patient.family_key = name_key(patient.family_name)
