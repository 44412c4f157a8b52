"""Reading one patient's details, as the form shows them and as the CLI finds them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_app.domain.errors import NotFound
from clinic_app.domain.patient_details import PatientDetails
from clinic_app.persistence.models import Patient, User
from clinic_app.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PatientRecord:
    id: int
    version: int
    details: PatientDetails
    updated_at: dt.datetime
    updated_by: str


def get_patient(uow: UnitOfWork, patient_id: int) -> PatientRecord:
    with uow.read() as session:
        return _record(session, _load(session, patient_id))


def _load(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"No patient with id {patient_id}: they may have been removed.")
    return patient


def _record(session: Session, patient: Patient) -> PatientRecord:
    details = PatientDetails(**{name: getattr(patient, name) for name in _DETAIL_FIELDS})
    updated_by = ""
    if patient.updated_by is not None:
        updated_by = (
            session.scalar(select(User.display_name).where(User.id == patient.updated_by)) or ""
        )
    return PatientRecord(
        id=patient.id,
        version=patient.version,
        details=details,
        updated_at=patient.updated_at,
        updated_by=updated_by,
    )


_DETAIL_FIELDS = tuple(f.name for f in fields(PatientDetails))


@dataclass(frozen=True)
class PatientName:
    id: int
    given_name: str
    family_name: str


def find_by_nhs_number(uow: UnitOfWork, number: str) -> PatientName | None:
    """The patient a command line names by NHS number (already normalised), if any."""
    with uow.read() as session:
        row = session.execute(
            select(Patient.id, Patient.given_name, Patient.family_name).where(
                Patient.nhs_number == number
            )
        ).first()
    return None if row is None else PatientName(row.id, row.given_name, row.family_name)
