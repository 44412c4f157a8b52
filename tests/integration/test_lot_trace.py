"""Lot trace on SQLite and PostgreSQL: who received a lot, with dates and contact details."""

from __future__ import annotations

import csv
import datetime as dt
import io

from clinic_app.domain.recording_rules import NotGivenInput
from clinic_app.services.commands.recording import record_administration, record_not_given
from clinic_app.services.queries.lot_trace import (
    CSV_COLUMNS,
    count_recipients,
    trace_csv,
    trace_lot,
)
from tests.builders import RECORDING_TODAY as TODAY
from tests.builders import (
    Clinic,
    clinic_patient,
    due_appointment,
    given_input,
    start_dose_course,
)


def give(clinic: Clinic, patient: int, lot: int, day: dt.date, **changes: object) -> None:
    course = start_dose_course(clinic.uow, patient, start=day)
    record_administration(
        clinic.uow,
        clinic.nurse,
        given_input(patient, due_appointment(clinic.uow, course), lot, **changes),
        today=day,
    )


def test_every_recipient_is_listed_with_contact_details(clinic: Clinic) -> None:
    uow = clinic.uow
    margaret = clinic_patient(
        clinic,
        1,
        email="m.smith@example.org",
        address_line1="12 Mill Lane",
        town="Leeds",
        postcode="LS1 4AP",
    )
    john = clinic_patient(
        clinic, 2, given_name="John", family_name="O'Neill", phone="0113 496 0000"
    )
    other = clinic_patient(clinic, 3, given_name="Ann")
    give(clinic, john, clinic.stock.lot, TODAY - dt.timedelta(days=7), side="right")
    give(clinic, margaret, clinic.stock.lot, TODAY)
    give(clinic, other, clinic.stock.soon, TODAY)  # another lot: not listed
    record_not_given(  # not given: nobody received anything
        uow, clinic.nurse, NotGivenInput(other, None, "declined"), today=TODAY
    )

    trace = trace_lot(uow, " ch26b310 ")

    assert trace.lot_number == "CH26B310"
    (lot,) = trace.lots
    assert lot.product == "Cobalin-H (hydroxocobalamin)" and lot.quantity_remaining == 38
    assert trace.patient_count == 2
    first, second = trace.rows
    assert (first.name, first.date_given, first.phone, first.site) == (
        "O'NEILL, John",
        TODAY - dt.timedelta(days=7),
        "0113 496 0000",
        "Right deltoid",
    )
    assert second.name == "SMITH, Margaret"
    assert (second.email, second.address) == ("m.smith@example.org", "12 Mill Lane, Leeds, LS1 4AP")
    assert second.given_by == "Amira Patel (RN)" and second.dose_text == "1 mg"
    assert count_recipients(uow, "CH26B310") == 2


def test_the_csv_has_one_row_per_dose_and_defuses_formulas(clinic: Clinic) -> None:
    uow = clinic.uow
    patient = clinic_patient(clinic, 1, given_name="=HYPERLINK(x)")
    give(clinic, patient, clinic.stock.lot, TODAY)
    rows = list(csv.reader(io.StringIO(trace_csv(trace_lot(uow, "CH26B310").rows))))
    assert tuple(rows[0]) == CSV_COLUMNS
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["given_name"] == "'=HYPERLINK(x)"
    assert record["date_given"] == TODAY.isoformat()
    assert record["lot_expiry"] == (TODAY + dt.timedelta(days=600)).isoformat()
    assert record["dose"] == "1 mg" and record["volume_ml"] == "1"
    assert record["site"] == "Left deltoid" and record["route"] == "IM"
    assert len(rows) == 2


def test_an_unknown_lot_traces_to_nobody(clinic: Clinic) -> None:
    trace = trace_lot(clinic.uow, "NOPE123")
    assert trace.lots == () and trace.rows == () and trace.patient_count == 0


def test_a_long_trace_pages(clinic: Clinic) -> None:
    for seed in range(1, 6):
        give(clinic, clinic_patient(clinic, seed), clinic.stock.lot, TODAY)
    first = trace_lot(clinic.uow, "CH26B310", offset=0, limit=3)
    rest = trace_lot(clinic.uow, "CH26B310", offset=3, limit=3)
    assert len(first.rows) == 3 and len(rest.rows) == 2
    ids = [r.administration_id for r in first.rows + rest.rows]
    assert len(set(ids)) == 5
