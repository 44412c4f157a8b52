"""The lab tests file: every test the app knows, its unit and plausible range, strictly read."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from typing import Any

import pytest

from clinic_app.domain.codes import LabTest
from clinic_app.domain.lab_tests import parse_lab_test_rules
from clinic_app.domain.platelet_bands import ThresholdError
from clinic_app.domain.recording_rules import validate_lab_result
from clinic_app.services.library.thresholds import (
    LAB_TESTS_FILE,
    lab_test_rules,
    shipped_thresholds_dir,
)

TODAY = dt.date(2026, 11, 24)


def shipped() -> dict[str, Any]:
    text = (shipped_thresholds_dir() / LAB_TESTS_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_every_test_the_app_records_has_a_unit_a_range_and_a_source() -> None:
    rules = lab_test_rules()
    assert set(rules.tests) == set(LabTest)
    assert all(rule.source for rule in rules.tests.values())
    assert rules.rule(LabTest.PLATELETS).range_text == "0-2000 x10^9/L"
    assert rules.rule(LabTest.INR).range_text == "0.5-15"
    assert rules.rule(LabTest.RETICULOCYTES).unit == "x10^9/L"


def test_a_full_blood_count_is_done_by_its_platelets_hb_or_mcv() -> None:
    rules = lab_test_rules()
    assert rules.tests_for("FBC") == {LabTest.PLATELETS, LabTest.HB, LabTest.MCV}
    assert rules.tests_for(" b12 ") == {LabTest.B12}
    assert rules.tests_for("folate") == frozenset()


@pytest.mark.parametrize(
    ("test", "value", "ok"),
    [
        ("platelets", 0, True),
        ("platelets", 2000, True),
        ("platelets", 2000.5, False),
        ("platelets", -1, False),
        ("inr", 0.5, True),
        ("inr", 0.49, False),
        ("inr", 15, True),
        ("inr", 15.1, False),
    ],
)
def test_the_plausible_range_is_inclusive_at_both_edges(test: str, value: float, ok: bool) -> None:
    errors = validate_lab_result(test, value, "", TODAY, TODAY, lab_test_rules())
    assert ("value" not in errors) is ok


def test_other_spellings_of_the_unit_are_the_same_unit() -> None:
    rule = lab_test_rules().rule(LabTest.PLATELETS)
    assert rule.canonical_unit("10^9/L") == rule.canonical_unit(" X10^9/l ") == "x10^9/L"
    assert rule.canonical_unit("") == "x10^9/L"
    assert rule.canonical_unit("g/L") is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["tests"][0].update(high=-5), "tests[0].high"),
        (lambda d: d["tests"][0].update(hihg=5), "tests[0].hihg"),
        (lambda d: d["tests"][0].update(id="sodium"), "tests[0].id"),
        (lambda d: d["tests"][1].update(id="platelets"), "tests[1].id"),
        (lambda d: d["tests"].pop(), "tests"),
        (lambda d: d["tests"][0].update(low="0"), "tests[0].low"),
        (lambda d: d["tests"][0].pop("unit"), "tests[0].unit"),
    ],
)
def test_a_broken_file_is_refused_naming_the_field(change: Any, field: str) -> None:
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(ThresholdError) as failure:
        parse_lab_test_rules(data, "lab_tests.toml")
    assert failure.value.field == field
