"""The rules that decide whether a patient's details can be saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from clinic_app.domain.codes import ContactPreference
from clinic_app.domain.patient_details import PatientDetails, validate

TODAY = dt.date(2026, 11, 21)
GOOD = PatientDetails(
    nhs_number="943 476 5919",
    given_name="Margaret",
    family_name="O'Brien",
    date_of_birth=dt.date(1950, 4, 3),
    phone="07700 900123",
)


def test_complete_details_have_no_problems() -> None:
    assert validate(GOOD, TODAY) == {}


def test_each_problem_is_named_by_its_field() -> None:
    bad = replace(GOOD, nhs_number="9434765918", given_name=" ", date_of_birth=dt.date(2027, 1, 1))
    errors = validate(bad, TODAY)
    assert set(errors) == {"nhs_number", "given_name", "date_of_birth"}
    assert errors["date_of_birth"] == "cannot be in the future"
    assert errors["given_name"] == "is required"


def test_contact_preference_needs_the_matching_detail() -> None:
    assert "email" in validate(replace(GOOD, contact_preference=ContactPreference.EMAIL), TODAY)
    letter = validate(replace(GOOD, contact_preference=ContactPreference.LETTER), TODAY)
    assert letter["contact_preference"] == "letters need an address and a postcode"


def test_anticoagulant_flag_needs_the_drug_named() -> None:
    errors = validate(replace(GOOD, anticoagulant=True), TODAY)
    assert "anticoagulant_name" in errors
    assert validate(replace(GOOD, anticoagulant=True, anticoagulant_name="warfarin"), TODAY) == {}


def test_normalised_details_are_what_gets_stored() -> None:
    details = replace(GOOD, postcode=" ls1  4ap ", preferred_days="fri, mon").normalised()
    assert details.nhs_number == "9434765919"
    assert details.postcode == "LS1 4AP"
    assert details.preferred_days == "mon,fri"


@given(
    nhs=st.text(max_size=14),
    given_name=st.text(max_size=120),
    family=st.text(max_size=120),
    born=st.none() | st.dates(),
    postcode=st.text(max_size=10),
    phone=st.text(max_size=20),
    email=st.text(max_size=30),
    days=st.text(max_size=20),
)
def test_validation_never_raises(
    nhs: str,
    given_name: str,
    family: str,
    born: dt.date | None,
    postcode: str,
    phone: str,
    email: str,
    days: str,
) -> None:
    details = PatientDetails(
        nhs_number=nhs,
        given_name=given_name,
        family_name=family,
        date_of_birth=born,
        postcode=postcode,
        phone=phone,
        email=email,
        preferred_days=days,
    )
    errors = validate(details.normalised(), TODAY)
    assert all(isinstance(message, str) and message for message in errors.values())
