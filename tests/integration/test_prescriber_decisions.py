"""Only a decision naming a prescriber from the clinic's list lifts a hold (SQLite and
PostgreSQL): refused when the prescriber is missing, unknown or inactive; recorded as
the prescriber's own when they are the one signed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import LabTest, Profession, Role
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.recording_rules import DecisionInput
from clinic_app.persistence.models import PrescriberDecision, SafetyAcknowledgement
from clinic_app.services.commands.clinical_record import record_prescriber_decision
from clinic_app.services.commands.prescribers import deactivate_prescriber
from clinic_app.services.commands.recording import record_administration
from clinic_app.services.queries.prescribers import get_prescriber
from clinic_app.services.queries.recording import AdministrationRecord, prepare_administration
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    add_lab,
    add_prescriber,
    add_user,
    clinic_patient,
    due_appointment,
    given_input,
    manager,
    start_dose_course,
)


def _held(clinic: Clinic) -> tuple[int, int]:
    patient = clinic_patient(clinic)
    add_lab(clinic.uow, patient, LabTest.PLATELETS, 18, TODAY - dt.timedelta(days=2))
    return patient, due_appointment(clinic.uow, start_dose_course(clinic.uow, patient))


def _decision(prescriber_id: int | None) -> DecisionInput:
    return DecisionInput(
        "platelet_hold", "Give IM, 25G, 10 minutes' pressure", prescriber_id, TODAY
    )


def _give(
    clinic: Clinic,
    patient: int,
    appointment: int,
    decision: DecisionInput,
    actor: Actor | None = None,
) -> AdministrationRecord:
    form = given_input(
        patient,
        appointment,
        clinic.stock.lot,
        needle_gauge=25,
        pressure_minutes=10,
        decisions=(decision,),
        acknowledged=frozenset({"platelets_hold_authorised"}),
    )
    return record_administration(clinic.uow, actor or clinic.nurse, form, today=TODAY)


def test_an_unknown_prescriber_is_refused_naming_the_field(clinic: Clinic) -> None:
    patient, appointment = _held(clinic)
    with pytest.raises(ValidationFailed) as failure:
        _give(clinic, patient, appointment, _decision(9999))
    assert failure.value.errors == {
        "decision_prescriber_id": "is not on the clinic's list of prescribers"
    }


def test_an_inactive_prescriber_cannot_lift_a_hold(clinic: Clinic) -> None:
    patient, appointment = _held(clinic)
    listed = get_prescriber(clinic.uow, clinic.prescriber)
    deactivate_prescriber(
        clinic.uow, manager(clinic.uow), clinic.prescriber, expected_version=listed.version
    )
    with pytest.raises(ValidationFailed) as failure:
        record_prescriber_decision(
            clinic.uow,
            clinic.nurse,
            patient,
            "platelet_hold",
            "Give IM",
            clinic.prescriber,
            TODAY,
            today=TODAY,
        )
    assert failure.value.errors["prescriber_id"].startswith(
        "Dr Helen Morgan is no longer an active prescriber on the clinic's list"
    )
    context = prepare_administration(clinic.uow, appointment, patient, today=TODAY)
    assert context.prescribers == ()  # nobody inactive is offered in the dialog


def test_a_nurse_records_it_on_the_prescribers_instruction(clinic: Clinic) -> None:
    patient, appointment = _held(clinic)
    _give(clinic, patient, appointment, _decision(clinic.prescriber))
    with clinic.uow.read() as session:
        row = session.scalars(select(PrescriberDecision)).one()
        assert (row.prescriber_id, row.prescriber_name, row.by_prescriber) == (
            clinic.prescriber,
            "Dr Helen Morgan",
            False,
        )
        message = session.scalars(select(SafetyAcknowledgement.message)).one()
    assert (
        "Dr Helen Morgan on 24/11/2026 (recorded by Amira Patel (RN) on the prescriber's "
        "instruction)" in message
    )


def test_a_signed_in_prescriber_records_it_as_their_own(clinic: Clinic) -> None:
    patient, appointment = _held(clinic)
    user = add_user(clinic.uow, "Dr Sam Okafor", Role.PRESCRIBER)
    entry = add_prescriber(
        clinic.uow, "Dr Sam Okafor", Profession.DOCTOR, "7654321", user_id=user.id
    )
    _give(clinic, patient, appointment, _decision(entry.id), actor=user.as_actor())
    with clinic.uow.read() as session:
        row = session.scalars(select(PrescriberDecision)).one()
        assert (row.prescriber_name, row.by_prescriber, row.recorded_by) == (
            "Dr Sam Okafor",
            True,
            user.id,
        )
        message = session.scalars(select(SafetyAcknowledgement.message)).one()
    assert "Dr Sam Okafor on 24/11/2026 (recorded by the prescriber)" in message


def test_someone_else_naming_a_linked_prescriber_is_not_recorded_as_theirs(
    clinic: Clinic,
) -> None:
    patient, _appointment = _held(clinic)
    user = add_user(clinic.uow, "Dr Sam Okafor", Role.PRESCRIBER)
    entry = add_prescriber(
        clinic.uow, "Dr Sam Okafor", Profession.DOCTOR, "7654321", user_id=user.id
    )
    record = record_prescriber_decision(
        clinic.uow, clinic.nurse, patient, "platelet_hold", "Give IM", entry.id, TODAY, today=TODAY
    )
    assert (record.by_prescriber, record.recorded_by) == (False, "Amira Patel (RN)")
    assert record.in_force_until == TODAY + dt.timedelta(days=14)  # the default lapse


def test_an_older_decision_with_only_a_typed_name_no_longer_lifts_the_hold(
    clinic: Clinic,
) -> None:
    """Rows from before the list (prescriber_id empty) stay in the record, but count for
    nothing: nobody can check who typed-in 'Dr Smith' was."""
    patient, appointment = _held(clinic)
    with clinic.uow.transaction() as tx:
        # No service makes such a row any more: it is what the old app left behind.
        tx.session.add(
            PrescriberDecision(
                patient_id=patient,
                topic="platelet_hold",
                decision="Give IM",
                prescriber_name="Dr Smith",
                decided_on=TODAY,
            )
        )
        tx.commit()
    context = prepare_administration(clinic.uow, appointment, patient, today=TODAY)
    assert "platelets_hold" in {f.code.value for f in context.findings if f.blocks}


def test_an_end_date_before_today_is_refused(clinic: Clinic) -> None:
    patient, appointment = _held(clinic)
    lapsed = replace(
        _decision(clinic.prescriber),
        decided_on=TODAY - dt.timedelta(days=3),
        valid_until=TODAY - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationFailed) as failure:
        _give(clinic, patient, appointment, lapsed)
    assert failure.value.errors == {
        "decision_valid_until": "is already past: the decision would not cover today's dose"
    }
