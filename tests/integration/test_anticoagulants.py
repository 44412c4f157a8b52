"""Anticoagulants at the point of care, through the services (SQLite and PostgreSQL):
only a vitamin K antagonist gets the INR check, the INR must be recent, and the
patient's own target range sets their ceiling."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from clinic_app.domain.codes import AnticoagulantClass, LabTest
from clinic_app.domain.recording_rules import DecisionInput
from clinic_app.services.commands.recording import record_administration
from clinic_app.services.queries.recording import Refused, prepare_administration
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    add_lab,
    clinic_patient,
    due_appointment,
    given_input,
    start_dose_course,
)


def _codes(clinic: Clinic, patient: int) -> dict[str, str]:
    appointment = due_appointment(clinic.uow, start_dose_course(clinic.uow, patient))
    context = prepare_administration(clinic.uow, appointment, patient, today=TODAY)
    return {f.code.value: f.severity.value for f in context.findings if f.field != "lot"}


def test_an_apixaban_patient_gets_the_timing_note_and_no_inr_hold(clinic: Clinic) -> None:
    patient = clinic_patient(
        clinic,
        anticoagulant=True,
        anticoagulant_name="apixaban",
        anticoagulant_class=AnticoagulantClass.DOAC,
    )
    add_lab(clinic.uow, patient, LabTest.PLATELETS, 210, TODAY - dt.timedelta(days=3))
    add_lab(clinic.uow, patient, LabTest.INR, 4.2, TODAY - dt.timedelta(days=30))
    found = _codes(clinic, patient)
    assert found == {"anticoagulant_timing": "warn"}


def test_a_warfarin_inr_older_than_seven_days_holds_until_a_prescriber_decides(
    clinic: Clinic,
) -> None:
    patient = clinic_patient(
        clinic,
        anticoagulant=True,
        anticoagulant_name="warfarin",
        anticoagulant_class=AnticoagulantClass.VKA,
    )
    add_lab(clinic.uow, patient, LabTest.PLATELETS, 210, TODAY - dt.timedelta(days=3))
    add_lab(clinic.uow, patient, LabTest.INR, 2.4, TODAY - dt.timedelta(days=8))
    appointment = due_appointment(clinic.uow, start_dose_course(clinic.uow, patient))
    form = given_input(patient, appointment, clinic.stock.lot, pressure_minutes=5)
    with pytest.raises(Refused, match="is 8 days old, older than the clinic's limit of 7 days"):
        record_administration(clinic.uow, clinic.nurse, form, today=TODAY)
    decision = DecisionInput("inr", "Give IM; INR next week", clinic.prescriber, TODAY)
    record = record_administration(
        clinic.uow,
        clinic.nurse,
        replace(form, decisions=(decision,), acknowledged=frozenset({"inr_missing_authorised"})),
        today=TODAY,
    )
    assert record.acknowledged == ("inr_missing_authorised",)


def test_the_patients_target_range_sets_their_ceiling(clinic: Clinic) -> None:
    patient = clinic_patient(
        clinic,
        anticoagulant=True,
        anticoagulant_name="warfarin",
        anticoagulant_class=AnticoagulantClass.VKA,
        inr_target_low=2.5,
        inr_target_high=3.5,
    )
    add_lab(clinic.uow, patient, LabTest.PLATELETS, 210, TODAY - dt.timedelta(days=3))
    add_lab(clinic.uow, patient, LabTest.INR, 3.3, TODAY - dt.timedelta(days=1))
    # 3.3 is above the clinic's 3.0 but inside this patient's 2.5-3.5 range.
    assert _codes(clinic, patient) == {"anticoagulant_check_inr": "warn"}
