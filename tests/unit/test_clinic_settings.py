"""Each clinic setting is declared once, and the checks read the declaration."""

from __future__ import annotations

import typing
from dataclasses import fields, replace

import pytest

from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES
from clinic_app.domain.clinic_settings import (
    SETTINGS,
    ClinicSettings,
    Setting,
    check_setting,
    validate_settings,
)

NUMBERS = [s for s in SETTINGS.values() if s.type in (int, float)]


def test_every_field_has_a_declaration_and_every_declaration_a_field() -> None:
    assert [f.name for f in fields(ClinicSettings)] == list(SETTINGS)
    hints = typing.get_type_hints(ClinicSettings)
    for each in fields(ClinicSettings):
        declared = SETTINGS[each.name]
        assert declared.name == each.name
        assert declared.default == each.default
        assert declared.type is (typing.get_origin(hints[each.name]) or hints[each.name])
        assert declared.label and declared.help, f"{each.name} has no label or help"


def test_the_defaults_are_a_valid_clinic() -> None:
    assert validate_settings(ClinicSettings()) == {}


@pytest.mark.parametrize("declared", NUMBERS, ids=lambda s: s.name)
def test_a_number_is_checked_against_its_declared_range(declared: Setting) -> None:
    assert declared.minimum is not None and declared.maximum is not None
    step = 1 if declared.type is int else 10.0**-declared.decimals
    assert check_setting(declared.name, declared.minimum) is None
    assert check_setting(declared.name, declared.maximum) is None
    low = declared.minimum - step
    high = declared.maximum + step
    assert check_setting(declared.name, low) == (
        f"must be at least {declared.number_text(declared.minimum)}"
    )
    assert check_setting(declared.name, high) == (
        f"must be at most {declared.number_text(declared.maximum)}"
    )
    problems = validate_settings(replace(ClinicSettings(), **{declared.name: high}))
    assert problems == {declared.name: f"must be at most {declared.number_text(declared.maximum)}"}


def test_a_value_of_the_wrong_type_is_named_not_compared() -> None:
    assert check_setting("booking_horizon_weeks", "12") == "must be a whole number"
    assert check_setting("booking_horizon_weeks", 2.5) == "must be a whole number"
    assert check_setting("booking_horizon_weeks", True) == "must be a whole number"
    assert check_setting("inr_ceiling", "3") == "must be a number"
    assert check_setting("country", 44) == "must be text"
    assert check_setting("no_such_setting", 1) == "is not a clinic setting"


def test_open_days_must_be_some_of_the_declared_weekday_names() -> None:
    assert SETTINGS["open_days"].choices == WEEKDAY_NAMES
    assert check_setting("open_days", ("mon", "sat")) is None
    assert "at least one" in (check_setting("open_days", ()) or "")
    assert (check_setting("open_days", ("mon", "monday")) or "").startswith("monday: not one of")
    assert check_setting("open_days", ("mon", "mon")) == "names a choice twice"


def test_country_and_region_are_checked_against_the_holidays_package() -> None:
    assert validate_settings(ClinicSettings(country="DE", subdivision="BY")) == {}
    assert validate_settings(ClinicSettings(country="DE", subdivision="")) == {}
    region = validate_settings(ClinicSettings(subdivision="XYZ"))
    assert list(region) == ["subdivision"]
    assert "no public holidays known" in region["subdivision"]
    # An unknown country is the country's fault, not its region's.
    assert list(validate_settings(ClinicSettings(country="XX"))) == ["country"]
    assert validate_settings(ClinicSettings(country="", subdivision="")) == {
        "country": "enter the country's ISO code, e.g. GB"
    }
    assert check_setting("country", "GBRX") == "must be at most 3 characters"


def test_tidy_makes_typed_input_what_a_careful_person_would_type() -> None:
    assert SETTINGS["country"].tidy(" gb ") == "GB"
    assert SETTINGS["open_days"].tidy(["mon", "tue"]) == ("mon", "tue")
    assert SETTINGS["inr_ceiling"].tidy(3) == 3.0
    assert SETTINGS["inr_ceiling"].tidy(3.4999999) == 3.5
    assert SETTINGS["low_stock_threshold"].tidy("12") == "12"  # left for the check to name
