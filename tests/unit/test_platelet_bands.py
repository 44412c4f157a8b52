"""Platelet bands: the shipped thresholds, the latest count decides, and a broken file."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic_app.domain.platelet_bands import (
    PlateletRules,
    ThresholdError,
    assess_platelets,
    parse_platelet_rules,
)
from clinic_app.services.library.thresholds import (
    PLATELETS_FILE,
    load_platelet_rules,
    platelet_rules,
    shipped_thresholds_dir,
)

TODAY = dt.date(2026, 11, 24)


def shipped() -> dict[str, Any]:
    text = (shipped_thresholds_dir() / PLATELETS_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


@pytest.fixture(scope="module")
def rules() -> PlateletRules:
    return platelet_rules()


@pytest.mark.parametrize(
    ("count", "band"),
    [
        (400, "standard"),
        (51, "standard"),
        (50.1, "standard"),
        (50, "small-needle"),  # seed 002: "25-50 (25 and 50 included)"
        (26, "small-needle"),
        (25.5, "small-needle"),
        (25, "small-needle"),
        (24.9, "hold"),
        (10, "hold"),
        (9.9, "transfusion"),
        (0, "transfusion"),
    ],
)
def test_shipped_bands_follow_clinical_rules_section_3(
    rules: PlateletRules, count: float, band: str
) -> None:
    found = rules.band_for(count)
    assert found.id == band
    assert found.contains(count)  # inside both the edges the file states


def test_the_file_states_both_edges_of_every_band(rules: PlateletRules) -> None:
    edges = [(b.id, b.lower, b.inclusive, b.upper, b.upper_inclusive) for b in rules.bands]
    assert edges == [
        ("standard", 50, False, None, False),
        ("small-needle", 25, True, 50, True),
        ("hold", 10, True, 25, False),
        ("transfusion", 0, True, 10, False),
    ]


def test_bands_carry_the_seed_wording_and_prefills(rules: PlateletRules) -> None:
    small = rules.band_for(38)
    assert small.needle_gauge == 25
    assert small.pressure_minutes == 10
    assert "25-27G" in " ".join(small.instructions)
    assert "5-10 minutes without rubbing" in " ".join(small.instructions)
    assert "haematoma" in " ".join(small.instructions)
    hold = rules.band_for(18)
    assert hold.hold and hold.severity == "hold"
    assert "prescriber" in " ".join(hold.instructions)
    assert "off-licence" in " ".join(hold.instructions)
    assert "oral cyanocobalamin 1000-2000 micrograms daily" in " ".join(hold.instructions)
    assert "transfusion" in " ".join(rules.band_for(5).instructions)
    assert [rules.range_text(band) for band in rules.bands] == [
        "over 50",
        "25-50",
        "10-25",
        "under 10",
    ]
    assert "seed 002" in rules.source.lower()


def test_band_comes_from_the_latest_count_not_the_lowest(rules: PlateletRules) -> None:
    # A patient once at 8 whose latest count is 180 is in the standard band today.
    assessment = assess_platelets((180, TODAY - dt.timedelta(days=10)), True, TODAY, 90, rules)
    assert assessment.band is not None and assessment.band.id == "standard"
    assert not assessment.hold
    assert assessment.warnings == ()
    assert assessment.headline().startswith("Platelets 180 x10^9/L on 14/11/2026 (over 50)")


def test_stale_count_after_a_low_one_is_warned(rules: PlateletRules) -> None:
    taken = TODAY - dt.timedelta(days=91)
    assessment = assess_platelets((180, taken), True, TODAY, 90, rules)
    assert assessment.band is not None and assessment.band.id == "standard"
    assert assessment.warnings == (
        "The latest platelet count is 91 days old (25/08/2026) and a low count has been seen "
        "before: check platelets.",
    )
    assert assessment.severity == "warn"
    # Exactly at the limit is not yet stale; a never-low patient is never nagged.
    assert assess_platelets((180, TODAY - dt.timedelta(90)), True, TODAY, 90, rules).warnings == ()
    assert assess_platelets((180, taken), False, TODAY, 90, rules).warnings == ()


def test_no_count_on_record_is_a_warning(rules: PlateletRules) -> None:
    missing = assess_platelets(None, True, TODAY, 90, rules)
    assert missing.band is None
    assert missing.warnings and "No platelet count on record" in missing.warnings[0]
    never = assess_platelets(None, False, TODAY, 90, rules)
    assert never.warnings == (
        "No platelet count on record: check platelets (enter the latest count if there is one).",
    )
    assert never.severity == "warn"


def test_missing_count_after_a_low_one_is_warned_otherwise_noted() -> None:
    """With ``warn_when_never_counted = false`` (a clinic's choice), only a patient once
    low is warned; as shipped every patient without a count is (test above)."""
    data = shipped()
    data["stale"]["warn_when_never_counted"] = False
    rules = parse_platelet_rules(data, "platelets.toml")
    assert assess_platelets(None, True, TODAY, 90, rules).warnings
    never = assess_platelets(None, False, TODAY, 90, rules)
    assert never.warnings == ()
    assert never.severity == "info"


def test_a_clinic_can_move_a_threshold() -> None:
    data = shipped()
    data["bands"][1]["at_least"] = 30
    data["bands"][2]["below"] = 30
    rules = parse_platelet_rules(data, "platelets.toml")
    assert rules.band_for(28).id == "hold"
    assert rules.range_text(rules.bands[1]) == "30-50"


@given(st.floats(min_value=0, max_value=2000, allow_nan=False))
def test_every_count_has_exactly_one_band(count: float) -> None:
    rules = platelet_rules()
    band = rules.band_for(count)
    index = rules.bands.index(band)
    assert band.contains_from_below(count)
    if index:
        assert not rules.bands[index - 1].contains_from_below(count)
    assert [b.id for b in rules.bands if b.contains(count)] == [band.id]


def _broken(change: Any) -> ThresholdError:
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(ThresholdError) as raised:
        parse_platelet_rules(data, "platelets.toml")
    return raised.value


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda d: d["bands"][1].update(at_least=75), "bands[1].at_least", "must be below the"),
        (lambda d: d["bands"][1].update(abvoe=25), "bands[1].abvoe", "is not a known field"),
        (lambda d: d["bands"][1].update(up_to=45), "bands[1].up_to", "must be 50 to meet"),
        (lambda d: d["bands"][1].pop("up_to"), "bands[1].up_to", "give 'up_to = 50'"),
        (lambda d: d["bands"][2].update(up_to=25), "bands[2].below", "give 'below = 25'"),
        (lambda d: d["bands"][0].update(up_to=2000), "bands[0].up_to", "no upper edge"),
        (
            lambda d: d["anticoagulant"]["vka"].pop("stale_inr"),
            "anticoagulant.vka.stale_inr",
            "is missing",
        ),
        (
            lambda d: d["anticoagulant"]["vka"].update(when_inr_missing="warn"),
            "anticoagulant.vka.when_inr_missing",
            "must be one of hold, acknowledge",
        ),
        (
            lambda d: d["anticoagulant"]["doac"].update(check="{dose}"),
            "anticoagulant.doac.check",
            "bad placeholder",
        ),
        (lambda d: d["bands"][0].pop("title"), "bands[0].title", "is missing"),
        (lambda d: d["bands"][2].update(hold=True, severity="warn"), "bands[2].severity", "hold"),
        (lambda d: d["bands"][3].update(at_least=5), "bands[3].at_least", "at_least = 0"),
        (lambda d: d["bands"][1].update(above=25), "bands[1].above", "exactly one"),
        (lambda d: d["bands"][1].update(needle_gauge=250), "bands[1].needle_gauge", "between"),
        (lambda d: d["bands"][0].update(above="fifty"), "bands[0].above", "must be a number"),
        (lambda d: d["bands"][0].update(instructions=[]), "bands[0].instructions", "at least one"),
        (lambda d: d["bands"][1].update(id="standard"), "bands[1].id", "another band"),
        (lambda d: d["stale"].update(stale="{age} days"), "stale.stale", "bad placeholder"),
        (lambda d: d.pop("anticoagulant"), "anticoagulant", "is missing"),
        (lambda d: d.update(bands=[]), "bands", "at least one"),
    ],
)
def test_a_malformed_file_names_the_field_and_the_problem(
    change: Any, field: str, problem: str
) -> None:
    error = _broken(change)
    assert error.source == "platelets.toml"
    assert error.field == field
    assert problem in error.problem
    assert str(error).startswith(f"platelets.toml: {field}: ")


def test_a_file_that_is_not_toml_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "platelets.toml"
    path.write_text("[[bands]\nid = ", encoding="utf-8")
    with pytest.raises(ThresholdError, match=r"platelets\.toml: is not valid TOML"):
        load_platelet_rules(path)


def test_the_shipped_file_loads_through_importlib_resources(tmp_path: Path) -> None:
    rules = platelet_rules()
    assert rules.version == "2026.2"
    assert len(rules.bands) == 4
    assert rules.anticoagulant.vka.ceiling.format(ceiling="3", whose="the clinic's ceiling") == (
        "Do not give IM above an INR of 3 (the clinic's ceiling) without a prescriber decision."
    )
    assert rules.anticoagulant.vka.when_inr_missing == "hold"
