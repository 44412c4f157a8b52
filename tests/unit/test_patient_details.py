"""The rules that decide whether a patient's details can be saved."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic_app.domain.codes import AnticoagulantClass, ContactPreference
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
    named = replace(GOOD, anticoagulant=True, anticoagulant_name="warfarin")
    assert validate(replace(named, anticoagulant_class=AnticoagulantClass.VKA), TODAY) == {}


def test_anticoagulant_flag_needs_the_class() -> None:
    named = replace(GOOD, anticoagulant=True, anticoagulant_name="apixaban")
    assert validate(named, TODAY) == {
        "anticoagulant_class": "choose the kind: vitamin K antagonist (warfarin), DOAC or heparin"
    }


@pytest.mark.parametrize(
    ("kind", "low", "high", "problems"),
    [
        (AnticoagulantClass.VKA, 2.0, 3.0, {}),
        (AnticoagulantClass.VKA, 2.5, 3.5, {}),
        (AnticoagulantClass.VKA, 1.5, 4.5, {}),
        (AnticoagulantClass.VKA, None, None, {}),  # optional: the clinic ceiling applies
        (AnticoagulantClass.VKA, 1.4, 3.0, {"inr_target_low": "must be between 1.5 and 4.5"}),
        (AnticoagulantClass.VKA, 2.0, 30.0, {"inr_target_high": "must be between 1.5 and 4.5"}),
        (AnticoagulantClass.VKA, 3.0, 3.0, {"inr_target_high": "must be above the lower end"}),
        (AnticoagulantClass.VKA, 3.0, 2.0, {"inr_target_high": "must be above the lower end"}),
        (AnticoagulantClass.VKA, 2.0, None, {"inr_target_high": "is needed too"}),
        (AnticoagulantClass.DOAC, 2.0, 3.0, {"inr_target_low": "vitamin K antagonist only"}),
    ],
)
def test_an_inr_target_range_is_plausible_and_for_a_vka_only(
    kind: AnticoagulantClass, low: float | None, high: float | None, problems: dict[str, str]
) -> None:
    details = replace(
        GOOD,
        anticoagulant=True,
        anticoagulant_name="warfarin",
        anticoagulant_class=kind,
        inr_target_low=low,
        inr_target_high=high,
    )
    errors = validate(details, TODAY)
    assert set(errors) == set(problems)
    for name, text in problems.items():
        assert text in errors[name]


def test_not_anticoagulated_keeps_no_class_or_range() -> None:
    details = replace(
        GOOD, anticoagulant_class=AnticoagulantClass.VKA, inr_target_low=2.0, inr_target_high=3.0
    ).normalised()
    assert (details.anticoagulant_class, details.inr_target_low, details.inr_target_high) == (
        None,
        None,
        None,
    )


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
