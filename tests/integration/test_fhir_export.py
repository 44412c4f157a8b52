"""FHIR export on SQLite and PostgreSQL, validated with the fhir.resources package (R4B)."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationadministration import MedicationAdministration

from clinic_app.domain.codes import LabTest
from clinic_app.domain.recording_rules import DecisionInput, NotGivenInput
from clinic_app.services.commands.dose_corrections import mark_dose_entered_in_error
from clinic_app.services.commands.recording import record_administration, record_not_given
from clinic_app.services.exports.fhir import (
    NHS_NUMBER_SYSTEM,
    SNOMED,
    ExportFilter,
    export_bundle,
    write_bundle,
)
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    add_lab,
    clinic_patient,
    due_appointment,
    given_input,
    start_dose_course,
    valid_nhs_number,
)


def resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"]]


def test_a_given_dose_exports_as_a_valid_medication_administration(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient)
    record_administration(
        uow,
        clinic.nurse,
        given_input(patient, due_appointment(uow, course), clinic.stock.lot, reaction="faint"),
        today=TODAY,
    )

    bundle = export_bundle(uow)

    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection" and parsed.entry is not None and len(parsed.entry) == 1
    administration = parsed.entry[0].resource
    assert isinstance(administration, MedicationAdministration)
    (resource,) = resources(bundle)
    assert resource["status"] == "completed"
    assert resource["subject"]["identifier"] == {
        "system": NHS_NUMBER_SYSTEM,
        "value": valid_nhs_number(7),
    }
    (medication,) = resource["contained"]
    assert resource["medicationReference"] == {"reference": f"#{medication['id']}"}
    assert medication["batch"] == {
        "lotNumber": "CH26B310",
        "expirationDate": (TODAY + dt.timedelta(days=600)).isoformat(),
    }
    assert medication["ingredient"][0]["strength"]["numerator"]["value"] == 1000
    dosage = resource["dosage"]
    assert dosage["text"] == "1 mg = 1 mL"
    assert dosage["dose"] == {
        "value": 1000,
        "unit": "microgram",
        "system": "http://unitsofmeasure.org",
        "code": "ug",
    }
    assert dosage["route"]["coding"] == [
        {"system": SNOMED, "code": "78421000", "display": "Intramuscular route"}
    ]
    assert dosage["site"] == {
        "text": "Left deltoid",
        "coding": [{"system": SNOMED, "code": "368208006", "display": "Left upper arm structure"}],
    }
    assert resource["performer"] == [{"actor": {"display": "Amira Patel (RN)"}}]
    assert dt.datetime.fromisoformat(resource["effectiveDateTime"]).astimezone().date() == TODAY
    notes = [note["text"] for note in resource["note"]]
    assert "Authority: Patient-specific direction (PSD). Consent: given." in notes
    assert "Immediate reaction: faint" in notes


def test_not_given_exports_with_status_reason(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient)
    record_not_given(
        uow,
        clinic.nurse,
        NotGivenInput(patient, due_appointment(uow, course), "declined", "needle phobia"),
        today=TODAY,
    )
    bundle = export_bundle(uow)
    Bundle.model_validate(bundle)
    (resource,) = resources(bundle)
    assert resource["status"] == "not-done"
    assert resource["statusReason"] == [{"text": "Declined"}]
    assert resource["medicationCodeableConcept"] == {"text": "vitamin B12"}
    assert {"text": "needle phobia"} in resource["note"]


def test_sites_without_a_code_are_text_and_sc_is_coded(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic)
    add_lab(uow, patient, LabTest.PLATELETS, 200, TODAY)
    course = start_dose_course(uow, patient)
    form = given_input(
        patient,
        due_appointment(uow, course),
        clinic.stock.lot,
        route="SC",
        site="ventrogluteal",
        decisions=(DecisionInput("sc_route", "SC: haemophilia", clinic.prescriber, TODAY),),
        acknowledged=frozenset({"route_outside_template", "route_off_licence"}),
    )
    record_administration(uow, clinic.nurse, form, today=TODAY)
    bundle = export_bundle(uow)
    Bundle.model_validate(bundle)
    dosage = resources(bundle)[0]["dosage"]
    assert dosage["site"] == {"text": "Left ventrogluteal (hip)"}
    assert dosage["route"]["coding"][0]["code"] == "34206005"


def test_the_export_filters_and_streams(clinic: Clinic) -> None:
    uow = clinic.uow
    first, second = clinic_patient(clinic, 1), clinic_patient(clinic, 2)
    for patient, day in ((first, TODAY - dt.timedelta(days=10)), (second, TODAY)):
        course = start_dose_course(uow, patient, start=day)
        record_administration(
            uow,
            clinic.nurse,
            given_input(patient, due_appointment(uow, course), clinic.stock.lot),
            today=day,
        )
    assert len(export_bundle(uow, ExportFilter(patient_id=second))["entry"]) == 1
    assert len(export_bundle(uow, ExportFilter(since=TODAY - dt.timedelta(days=1)))["entry"]) == 1
    assert len(export_bundle(uow, ExportFilter(until=TODAY - dt.timedelta(days=1)))["entry"]) == 1
    stream = io.StringIO()
    assert write_bundle(uow, stream) == 2
    streamed = json.loads(stream.getvalue())
    Bundle.model_validate(streamed)
    assert [e["fullUrl"] for e in streamed["entry"]] == [
        e["fullUrl"] for e in export_bundle(uow)["entry"]
    ]  # stable ids from one export to the next
    empty = io.StringIO()
    assert write_bundle(uow, empty, replace(ExportFilter(), patient_id=999)) == 0
    assert json.loads(empty.getvalue())["entry"] == []


def test_a_dose_marked_in_error_exports_as_entered_in_error(clinic: Clinic) -> None:
    """A receiving system that took the dose must be told it was recorded by mistake."""
    uow = clinic.uow
    patient = clinic_patient(clinic)
    course = start_dose_course(uow, patient)
    record = record_administration(
        uow,
        clinic.nurse,
        given_input(patient, due_appointment(uow, course), clinic.stock.lot),
        today=TODAY,
    )
    mark_dose_entered_in_error(uow, clinic.nurse, record.id, "wrong patient", today=TODAY)

    bundle = export_bundle(uow)

    Bundle.model_validate(bundle)
    (resource,) = resources(bundle)
    assert resource["status"] == "entered-in-error"
    assert resource["dosage"]["text"] == "1 mg = 1 mL"  # what was entered, for the record
