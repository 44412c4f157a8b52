"""The protocol templates: the shipped library, clinic overrides, and what a typo does."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from clinic_app.domain.protocol import Dose, Interval
from clinic_app.domain.protocol_errors import ProtocolError
from clinic_app.domain.protocol_parser import parse_protocol
from clinic_app.services.library.protocols import load_protocol_library, shipped_protocols_dir

SHIPPED_IDS = (
    "cyano-us-1000",
    "cyano-us-label",
    "hydroxo-neuro",
    "hydroxo-smpc",
    "hydroxo-standard",
    "hydroxo-standard-daily",
    "ileal-resection",
    "post-bariatric",
)
SEED_TESTS = ("B12", "FBC", "homocysteine")


def shipped_data(protocol_id: str) -> dict[str, Any]:
    text = (shipped_protocols_dir() / f"{protocol_id}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def write_toml(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped library -----------------------------------------------------------------


def test_every_regimen_in_the_clinical_rules_ships_and_loads_cleanly() -> None:
    library = load_protocol_library()
    assert library.problems == ()
    assert library.ids() == SHIPPED_IDS
    assert [protocol.id for protocol in library.all()] == list(SHIPPED_IDS)


@pytest.mark.parametrize("protocol_id", SHIPPED_IDS)
def test_each_template_carries_what_a_prescriber_must_see(protocol_id: str) -> None:
    protocol = load_protocol_library().get(protocol_id)
    assert protocol is not None
    assert protocol.version == "2026.1"
    assert protocol.title and protocol.summary and protocol.source
    assert protocol.disagreements, "section 6: every template says where sources disagree"
    assert protocol.for_life
    assert "IV" not in protocol.routes
    seed_steps = [s for s in protocol.monitoring.steps if s.after.unit == "months"]
    assert [step.tests for step in seed_steps] == [SEED_TESTS] * 3
    assert [step.after for step in seed_steps] == [
        Interval(3, "months"),
        Interval(6, "months"),
        Interval(12, "months"),
    ]
    assert protocol.monitoring.repeat is not None
    assert protocol.monitoring.repeat.every == Interval(12, "months")


def test_the_regimens_match_the_clinical_rules_table() -> None:
    library = load_protocol_library()

    def get(protocol_id: str) -> Any:
        protocol = library.get(protocol_id)
        assert protocol is not None
        return protocol

    standard = get("hydroxo-standard")
    assert standard.drug == "hydroxocobalamin" and standard.dose == Dose(1, "mg")
    assert standard.routes == ("IM",)
    (step,) = standard.loading.steps
    assert (step.per_week, step.count, step.every_days) == (3, 6, 2)
    assert standard.maintenance.every == Interval(3, "months")

    assert get("hydroxo-standard-daily").loading.counted_doses == 10

    neuro = get("hydroxo-neuro")
    assert neuro.loading.open_ended and neuro.loading.review_every == Interval(2, "weeks")
    assert neuro.maintenance.every == Interval(2, "months")

    smpc = get("hydroxo-smpc")
    alternate, weekly = smpc.loading.steps
    assert (alternate.every_days, alternate.count) == (2, 7)
    assert (weekly.every_days, weekly.count, weekly.dose) == (7, None, Dose(250, "microgram"))
    assert smpc.maintenance_dose == Dose(1000, "microgram")

    assert get("post-bariatric").loading.steps == ()
    ileal = get("ileal-resection")
    assert ileal.dose == Dose(1000, "microgram") and ileal.maintenance.every == Interval(
        1, "months"
    )

    label = get("cyano-us-label")
    assert label.drug == "cyanocobalamin" and label.routes == ("IM", "SC")
    assert [(s.every_days, s.count) for s in label.loading.steps] == [(1, 7), (2, 7), (3, 5)]
    assert label.dose == Dose(100, "microgram")

    us_1000 = get("cyano-us-1000")
    assert [(s.every_days, s.count) for s in us_1000.loading.steps] == [(1, 7), (7, 4)]
    assert us_1000.maintenance.every == Interval(1, "months")


# --- a clinic's own templates ------------------------------------------------------------


def test_a_clinic_template_with_a_shipped_id_replaces_the_shipped_one(tmp_path: Path) -> None:
    text = (shipped_protocols_dir() / "hydroxo-standard.toml").read_text(encoding="utf-8")
    text = text.replace(
        'every = { amount = 3, unit = "months" }', 'every = { amount = 2, unit = "months" }'
    )
    write_toml(tmp_path, "hydroxo-standard.toml", text.replace('"2026.1"', '"2026.1-clinic"'))

    library = load_protocol_library(tmp_path)

    protocol = library.get("hydroxo-standard")
    assert protocol is not None
    assert protocol.maintenance.every == Interval(2, "months")
    assert protocol.version == "2026.1-clinic"
    assert protocol.origin == str(tmp_path / "hydroxo-standard.toml")
    assert library.overridden == {"hydroxo-standard"}
    assert library.problems == ()


def test_a_clinic_may_add_a_template_of_its_own(tmp_path: Path) -> None:
    text = (shipped_protocols_dir() / "post-bariatric.toml").read_text(encoding="utf-8")
    write_toml(
        tmp_path, "local-8-weekly.toml", text.replace('"post-bariatric"', '"local-8-weekly"')
    )

    library = load_protocol_library(tmp_path)

    assert "local-8-weekly" in library
    assert len(library.all()) == len(SHIPPED_IDS) + 1
    assert library.overridden == frozenset()


def test_a_broken_template_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    text = (shipped_protocols_dir() / "hydroxo-standard-daily.toml").read_text(encoding="utf-8")
    broken = text.replace('"hydroxo-standard-daily"', '"typo-daily"').replace(
        "count = 10", 'count = "ten"'
    )
    write_toml(tmp_path, "typo-daily.toml", broken)
    write_toml(tmp_path, "not-toml.toml", "id = [unclosed\n")

    library = load_protocol_library(tmp_path)

    assert library.ids() == SHIPPED_IDS
    messages = sorted(str(problem) for problem in library.problems)
    assert len(messages) == 2
    assert str(tmp_path / "not-toml.toml") in messages[0] and "not valid TOML" in messages[0]
    typo = next(p for p in library.problems if p.source.endswith("typo-daily.toml"))
    assert typo.field == "loading.count"
    assert "whole number" in typo.problem
    assert str(typo).startswith(f"{tmp_path / 'typo-daily.toml'}: loading.count: ")


def test_a_broken_override_leaves_the_shipped_template_in_place(tmp_path: Path) -> None:
    write_toml(tmp_path, "hydroxo-neuro.toml", 'id = "hydroxo-neuro"\n')

    library = load_protocol_library(tmp_path)

    protocol = library.get("hydroxo-neuro")
    assert protocol is not None and protocol.maintenance.every == Interval(2, "months")
    assert [problem.field for problem in library.problems] == ["for_life"]
    assert library.overridden == frozenset()


def test_a_template_whose_id_does_not_match_its_file_name_is_rejected(tmp_path: Path) -> None:
    text = (shipped_protocols_dir() / "post-bariatric.toml").read_text(encoding="utf-8")
    write_toml(tmp_path, "renamed.toml", text)

    library = load_protocol_library(tmp_path)

    (problem,) = library.problems
    assert problem.field == "id" and "file name" in problem.problem
    assert library.overridden == frozenset()


def test_templates_can_be_read_from_any_directory(tmp_path: Path) -> None:
    text = (shipped_protocols_dir() / "ileal-resection.toml").read_text(encoding="utf-8")
    write_toml(tmp_path, "ileal-resection.toml", text)
    write_toml(tmp_path, "README.txt", "not a template")

    library = load_protocol_library(shipped_dir=tmp_path)

    assert library.ids() == ("ileal-resection",)


def test_a_missing_clinic_directory_is_not_an_error(tmp_path: Path) -> None:
    library = load_protocol_library(tmp_path / "absent")
    assert library.ids() == SHIPPED_IDS and library.problems == ()


# --- the parser names the file, the field and the problem --------------------------------


def _set(data: dict[str, Any], path: str, value: object) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[key]
    if value is _DELETE:
        del data[last]
    else:
        data[last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "problem"),
    [
        ("id", "Hydroxo Standard", "id", "lower-case"),
        ("version", _DELETE, "version", "is required"),
        ("drug", "methylcobalamin", "drug", "must be one of hydroxocobalamin, cyanocobalamin"),
        ("dose.unit", "ml", "dose.unit", "must be one of microgram, mg"),
        ("dose.amount", 0, "dose.amount", "greater than 0"),
        ("routes", ["IM", "IV"], "routes[1]", "never IV"),
        ("routes", ["IM", "IM"], "routes[1]", "listed twice"),
        ("loading.per_week", 8, "loading.per_week", "between 1 and 7"),
        ("loading.weeks", True, "loading.weeks", "whole number"),
        ("loading.kind", "fortnightly", "loading.kind", "must be one of"),
        ("loading.cuont", 6, "loading.cuont", "unknown field"),
        ("maintenance.every.unit", "years", "maintenance.every.unit", "days, weeks, months"),
        ("maintenance.every.amount", 0, "maintenance.every.amount", "between 1 and 120"),
        ("maintenance.every", "3 months", "maintenance.every", "must be a table"),
        ("for_life", "yes", "for_life", "true or false"),
        ("for_life", False, "maintenance.doses", "is required"),
        ("windows.maintenance.late_days", -1, "windows.maintenance.late_days", "between 0"),
        ("monitoring.steps", "yearly", "monitoring.steps", "list of tables"),
        ("source", " ", "source", "non-empty string"),
        ("disagreements", [""], "disagreements[0]", "non-empty string"),
    ],
)
def test_a_bad_field_is_named_with_its_dotted_path(
    path: str, value: object, field: str, problem: str
) -> None:
    data = shipped_data("hydroxo-standard")
    _set(data, path, value)

    with pytest.raises(ProtocolError) as raised:
        parse_protocol(data, "clinic/hydroxo-standard.toml")

    assert raised.value.source == "clinic/hydroxo-standard.toml"
    assert raised.value.field == field
    assert problem in raised.value.problem
    assert str(raised.value).startswith(f"clinic/hydroxo-standard.toml: {field}: ")


def test_monitoring_steps_must_be_in_order() -> None:
    data = shipped_data("hydroxo-standard")
    steps = data["monitoring"]["steps"]
    steps[1], steps[2] = steps[2], steps[1]
    with pytest.raises(ProtocolError) as raised:
        parse_protocol(data, "x.toml")
    assert raised.value.field == "monitoring.steps[2].after"


def test_only_the_last_step_down_step_may_be_open_ended() -> None:
    data = shipped_data("hydroxo-smpc")
    data["loading"]["steps"].reverse()
    with pytest.raises(ProtocolError) as raised:
        parse_protocol(data, "x.toml")
    assert raised.value.field == "loading.steps[0].until_review"


def test_open_ended_loading_needs_a_review_interval() -> None:
    data = shipped_data("hydroxo-neuro")
    del data["loading"]["review_every"]
    with pytest.raises(ProtocolError) as raised:
        parse_protocol(data, "x.toml")
    assert raised.value.field == "loading.review_every"


def test_a_fixed_course_gives_its_number_of_maintenance_doses() -> None:
    data = shipped_data("post-bariatric")
    data["for_life"] = False
    data["maintenance"]["doses"] = 4
    assert parse_protocol(data, "x.toml").maintenance.doses == 4


def test_windows_left_out_take_the_documented_defaults() -> None:
    data = shipped_data("post-bariatric")
    del data["windows"]
    windows = parse_protocol(data, "x.toml").windows
    assert (windows.loading.early_days, windows.loading.late_days) == (0, 4)
    assert (windows.maintenance.early_days, windows.maintenance.late_days) == (7, 14)


# --- intervals and the frequency adjustment ----------------------------------------------


@pytest.mark.parametrize(
    ("interval", "factor", "expected"),
    [
        (Interval(3, "months"), 1.5, Interval(2, "months")),
        (Interval(3, "months"), 1.0, Interval(3, "months")),
        (Interval(2, "months"), 2.0, Interval(1, "months")),
        # 2 months / 1.5 = 1.33 months = 60.88 days / 1.5 = 40.6 -> 41 days
        (Interval(2, "months"), 1.5, Interval(41, "days")),
        (Interval(1, "months"), 1.5, Interval(20, "days")),
        # 30.44 / 1.03 would be 30 days: longer than 1 month from 31 January (28 days).
        (Interval(1, "months"), 1.03125, Interval(28, "days")),
        (Interval(8, "weeks"), 2.0, Interval(4, "weeks")),
        (Interval(8, "weeks"), 1.5, Interval(37, "days")),
        (Interval(10, "days"), 3.0, Interval(3, "days")),
        (Interval(3, "months"), 0.5, Interval(6, "months")),
    ],
)
def test_a_frequency_factor_divides_the_interval(
    interval: Interval, factor: float, expected: Interval
) -> None:
    assert interval.divided_by(factor) == expected


@pytest.mark.parametrize("factor", [0.0, -1.5])
def test_a_factor_must_be_positive(factor: float) -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        Interval(3, "months").divided_by(factor)


def test_calendar_months_are_not_eight_weeks() -> None:
    start = date(2026, 1, 31)
    assert Interval(2, "months").add_to(start) == date(2026, 3, 31)
    assert Interval(8, "weeks").add_to(start) == date(2026, 3, 28)
    assert Interval(1, "months").add_to(start) == start + relativedelta(months=1)


#: Early checks the product information asks for, planned by default (CLINICAL_RULES 2).
EARLY_CHECKS = {
    "hydroxo-smpc": [
        (Interval(3, "days"), ("potassium",)),
        (Interval(1, "weeks"), ("potassium", "platelets")),
        (Interval(3, "weeks"), ("platelets",)),
    ],
    "cyano-us-label": [
        (Interval(1, "days"), ("potassium",)),
        (Interval(6, "days"), ("reticulocytes",)),
    ],
    "cyano-us-1000": [(Interval(1, "days"), ("potassium",))],
}


@pytest.mark.parametrize("protocol_id", SHIPPED_IDS)
def test_early_checks_from_the_product_information_are_planned_by_default(
    protocol_id: str,
) -> None:
    protocol = load_protocol_library().get(protocol_id)
    assert protocol is not None
    early = [(s.after, s.tests) for s in protocol.monitoring.steps if s.after.unit != "months"]
    assert early == EARLY_CHECKS.get(protocol_id, [])


def test_a_clinic_can_switch_the_early_checks_off_in_its_copy_of_a_template() -> None:
    data = shipped_data("hydroxo-smpc")
    data["monitoring"]["plan_early_checks"] = False
    protocol = parse_protocol(data, "hydroxo-smpc.toml")
    assert [s.after.unit for s in protocol.monitoring.steps] == ["months"] * 3
    del data["monitoring"]["early_checks_source"]
    with pytest.raises(ProtocolError) as raised:
        parse_protocol(data, "hydroxo-smpc.toml")
    assert raised.value.field == "monitoring.early_checks_source"


USER_FACING_WORDS = ("seed", "copy this file", "data directory")


@pytest.mark.parametrize("protocol_id", SHIPPED_IDS)
def test_template_text_a_prescriber_reads_has_no_internal_wording(protocol_id: str) -> None:
    protocol = load_protocol_library().get(protocol_id)
    assert protocol is not None
    for text in (protocol.title, protocol.summary, protocol.source, *protocol.disagreements):
        assert not any(word in text.lower() for word in USER_FACING_WORDS), text


def test_ileal_resection_says_monthly_is_more_frequent_than_the_smpc() -> None:
    protocol = load_protocol_library().get("ileal-resection")
    assert protocol is not None
    assert "more frequent than the UK" in protocol.summary
    assert any("every 2-3 months" in note for note in protocol.disagreements)
