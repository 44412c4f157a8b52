"""Administrations as FHIR R4 MedicationAdministration resources, in a JSON Bundle.

Each resource carries the product and its batch (lot number, expiry) as a contained
Medication, the dose (micrograms, UCUM) with the volume in the dosage text, the
route and site (SNOMED CT where a code is well established: the routes, and the
vaccine-site codes the NHS uses for arm, thigh and buttock; otherwise text), the
performer, status and statusReason, and the patient by NHS number. The export is
written resource by resource, so a whole clinic's history never sits in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Select, select

from clinic_app.domain.codes import AdministrationStatus, Route, Side, Site
from clinic_app.domain.dose_volume import dose_volume, format_dose
from clinic_app.domain.site_rotation import site_label
from clinic_app.persistence.models import Administration, Patient, Product, User
from clinic_app.persistence.unit_of_work import UnitOfWork

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


SNOMED = "http://snomed.info/sct"


UCUM = "http://unitsofmeasure.org"


ADMINISTRATION_SYSTEM = "urn:clinic-app:administration"


#: Stable resource ids across exports: the same administration, the same fullUrl.
_NAMESPACE = uuid.UUID("6b0b5c3e-2f43-4f57-9b9c-8f1b6a1f0d21")


ROUTE_CODES: dict[Route, tuple[str, str]] = {
    Route.IM: ("78421000", "Intramuscular route"),
    Route.SC: ("34206005", "Subcutaneous route"),
}


#: The SNOMED CT body sites of the NHS vaccine site reference set; ventrogluteal has
#: no code there, so it is exported as text only.
SITE_CODES: dict[tuple[Site, Side], tuple[str, str]] = {
    (Site.DELTOID, Side.LEFT): ("368208006", "Left upper arm structure"),
    (Site.DELTOID, Side.RIGHT): ("368209003", "Right upper arm structure"),
    (Site.VASTUS_LATERALIS, Side.LEFT): ("61396006", "Structure of left thigh"),
    (Site.VASTUS_LATERALIS, Side.RIGHT): ("11207009", "Structure of right thigh"),
    (Site.DORSOGLUTEAL, Side.LEFT): ("723979003", "Structure of left buttock"),
    (Site.DORSOGLUTEAL, Side.RIGHT): ("723980000", "Structure of right buttock"),
}


@dataclass(frozen=True)
class ExportFilter:
    patient_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def export_bundle(uow: UnitOfWork, selection: ExportFilter = ExportFilter()) -> dict[str, Any]:
    """The whole Bundle as a dict (for tests and small exports)."""
    return {**_bundle_head(), "entry": list(_entries(uow, selection))}


def write_bundle(uow: UnitOfWork, stream: IO[str], selection: ExportFilter = ExportFilter()) -> int:
    """Write the Bundle as JSON to ``stream`` an entry at a time; returns the entry count."""
    head = json.dumps(_bundle_head(), indent=1)
    stream.write(head[:-2] + ',\n "entry": [')
    written = 0
    for entry in _entries(uow, selection):
        stream.write(("," if written else "") + "\n  " + json.dumps(entry, ensure_ascii=False))
        written += 1
    stream.write("\n ]\n}\n")
    return written


def _bundle_head() -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _entries(uow: UnitOfWork, selection: ExportFilter) -> Iterator[dict[str, Any]]:
    with uow.read() as session:
        result = session.execute(_query(selection).execution_options(yield_per=500))
        for row in result:
            resource = medication_administration(row)
            yield {"fullUrl": f"urn:uuid:{_uuid(row.id)}", "resource": resource}


def _query(selection: ExportFilter) -> Select[*tuple[Any, ...]]:
    query = (
        select(
            Administration.id,
            Administration.status,
            Administration.status_reason,
            Administration.occurred_at,
            Administration.lot_number,
            Administration.lot_expiry,
            Administration.dose_micrograms,
            Administration.volume_ml,
            Administration.route,
            Administration.site,
            Administration.side,
            Administration.authority,
            Administration.consent,
            Administration.reaction,
            Administration.notes,
            Administration.site_reason,
            Administration.needle_gauge,
            Administration.pressure_minutes,
            Patient.nhs_number,
            Patient.given_name,
            Patient.family_name,
            User.display_name,
            User.registration,
            Product.drug,
            Product.brand,
            Product.form,
            Product.strength_micrograms_per_ml,
        )
        .join(Patient, Patient.id == Administration.patient_id)
        .join(User, User.id == Administration.performer_id)
        .outerjoin(Product, Product.id == Administration.product_id)
        .order_by(Administration.occurred_at, Administration.id)
    )
    if selection.patient_id is not None:
        query = query.where(Administration.patient_id == selection.patient_id)
    if selection.since is not None:
        start = dt.datetime.combine(selection.since, dt.time()).astimezone(dt.UTC)
        query = query.where(Administration.occurred_at >= start)
    if selection.until is not None:
        end = dt.datetime.combine(selection.until + dt.timedelta(days=1), dt.time())
        query = query.where(Administration.occurred_at < end.astimezone(dt.UTC))
    return query


def medication_administration(row: Any) -> dict[str, Any]:
    """One MedicationAdministration (R4) from a row of ``_query``."""
    given = row.status is AdministrationStatus.COMPLETED
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": f"administration-{row.id}",
        "identifier": [{"system": ADMINISTRATION_SYSTEM, "value": str(row.id)}],
        "status": row.status.value,
        "subject": {
            "identifier": {"system": NHS_NUMBER_SYSTEM, "value": row.nhs_number},
            "display": f"{row.family_name.upper()}, {row.given_name}",
        },
        "effectiveDateTime": row.occurred_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "performer": [{"actor": _performer(row)}],
    }
    if row.status_reason is not None:
        resource["statusReason"] = [{"text": row.status_reason.label}]
    medication = _medication(row)
    if medication is not None:
        resource["contained"] = [medication]
        resource["medicationReference"] = {"reference": f"#{medication['id']}"}
    else:
        resource["medicationCodeableConcept"] = {"text": row.drug or "vitamin B12"}
    if given or row.dose_micrograms:
        resource["dosage"] = _dosage(row)
    notes = _notes(row)
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def _medication(row: Any) -> dict[str, Any] | None:
    if row.drug is None:
        return None
    strength = row.strength_micrograms_per_ml
    medication: dict[str, Any] = {
        "resourceType": "Medication",
        "id": f"medication-{row.id}",
        "code": {"text": f"{row.brand} ({row.drug}) {strength} micrograms/mL {row.form}"},
        "form": {"text": row.form},
        "ingredient": [
            {
                "itemCodeableConcept": {"text": row.drug},
                "isActive": True,
                "strength": {
                    "numerator": _quantity(strength, "microgram", "ug"),
                    "denominator": _quantity(1, "mL", "mL"),
                },
            }
        ],
    }
    if row.lot_number:
        batch: dict[str, Any] = {"lotNumber": row.lot_number}
        if row.lot_expiry is not None:
            batch["expirationDate"] = row.lot_expiry.isoformat()
        medication["batch"] = batch
    return medication


def _dosage(row: Any) -> dict[str, Any]:
    dosage: dict[str, Any] = {}
    if row.dose_micrograms:
        if row.volume_ml and row.strength_micrograms_per_ml:
            text = dose_volume(row.dose_micrograms, row.strength_micrograms_per_ml).text()
        else:
            text = format_dose(row.dose_micrograms)
        dosage["text"] = text
        dosage["dose"] = _quantity(row.dose_micrograms, "microgram", "ug")
    if row.site is not None:
        site: dict[str, Any] = {"text": site_label(row.site, row.side)}
        code = SITE_CODES.get((row.site, row.side))
        if code is not None:
            site["coding"] = [{"system": SNOMED, "code": code[0], "display": code[1]}]
        dosage["site"] = site
    if row.route is not None:
        route_code, route_display = ROUTE_CODES[row.route]
        dosage["route"] = {
            "coding": [{"system": SNOMED, "code": route_code, "display": route_display}],
            "text": row.route.label,
        }
    return dosage


def _performer(row: Any) -> dict[str, Any]:
    actor: dict[str, Any] = {"display": row.display_name}
    if row.registration:
        actor["identifier"] = {"value": row.registration}
    return actor


def _notes(row: Any) -> list[str]:
    notes = []
    if row.status is AdministrationStatus.COMPLETED:
        authority = row.authority.label if row.authority is not None else "not recorded"
        consent = "given" if row.consent else "not recorded"
        notes.append(f"Authority: {authority}. Consent: {consent}.")
        details = []
        if row.needle_gauge:
            details.append(f"needle {row.needle_gauge}G")
        if row.pressure_minutes:
            details.append(f"pressure {row.pressure_minutes} minutes")
        if details:
            notes.append("Technique: " + ", ".join(details) + ".")
    if row.site_reason:
        notes.append(f"Site or route reason: {row.site_reason}")
    if row.reaction:
        notes.append(f"Immediate reaction: {row.reaction}")
    if row.notes:
        notes.append(row.notes)
    return notes


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _uuid(administration_id: int) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"administration/{administration_id}")
