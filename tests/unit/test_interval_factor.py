"""The frequency factor's range and wording (CLINICAL_RULES section 1, issue 9 item 3).

A typing slip (0.15 for 1.5) must be refused, never planned; the range is the clinic's
(two settings) inside hard limits; the plan states the interval in force; and the
window scales with the interval.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.clinic_settings import SETTINGS, ClinicSettings, factor_range
from clinic_app.domain.interval_factor import (
    FACTOR_MAX_CAP,
    FACTOR_MIN_FLOOR,
    FactorRange,
    effective_interval_text,
    factor_problems,
)
from clinic_app.domain.protocol import DoseWindow, Interval
from clinic_app.domain.schedule import CourseState, plan_course
from clinic_app.services.library.protocols import load_protocol_library

DEFAULT = FactorRange()
OPEN_EVERY_DAY = ClinicCalendar.build(range(7), country=None)


@pytest.mark.parametrize("slip", [0.15, 0.01, 0.5, 0.7499, 1.51, 3.0, 15.0, float("inf")])
def test_a_slip_outside_the_default_range_is_refused_naming_the_field(slip: float) -> None:
    problems = factor_problems(slip, "symptoms back", DEFAULT)
    assert (
        "between 0.75 (less frequent) and 1.5 (more frequent)" in problems["interval_factor"]
        or "must be a number" in problems["interval_factor"]
    )


@pytest.mark.parametrize("edge", [0.75, 1.0, 1.5])
def test_the_range_includes_its_edges(edge: float) -> None:
    assert factor_problems(edge, "why", DEFAULT) == {}


def test_below_1_a_reason_is_asked_for_saying_why() -> None:
    assert "less frequent" in factor_problems(0.8, " ", DEFAULT)["reason"]
    assert factor_problems(1.25, "", DEFAULT)["reason"].startswith("is required")


def test_the_clinic_range_comes_from_two_settings_bounded_by_hard_limits() -> None:
    assert factor_range(ClinicSettings()) == FactorRange(0.75, 1.5)
    assert SETTINGS["interval_factor_max"].maximum == FACTOR_MAX_CAP == 3.0
    assert SETTINGS["interval_factor_min"].minimum == FACTOR_MIN_FLOOR == 0.75
    assert SETTINGS["interval_factor_max"].source.startswith("Seed 002")
    assert "NICE NG239" in SETTINGS["interval_factor_min"].source
    assert SETTINGS["interval_factor_max"].problem(3.5) == "must be at most 3.00"
    with pytest.raises(ValueError):
        FactorRange(0.5, 1.5)


def test_the_effective_interval_is_stated_with_how_it_was_adjusted() -> None:
    three = Interval(3, "months")
    assert effective_interval_text(three, 1.5) == "every 2 months (3 months × 1.5 more often)"
    assert effective_interval_text(three, 0.75) == "every 4 months (3 months × 0.75 less often)"
    assert effective_interval_text(three, 1) == "every 3 months"
    assert effective_interval_text(Interval(1, "months"), 1) == "every month"


@settings(max_examples=200, deadline=None)
@given(factor=st.floats(0.0, 100.0) | st.floats(allow_nan=True))
def test_every_factor_is_either_in_the_range_or_refused(factor: float) -> None:
    problems = factor_problems(factor, "why", DEFAULT)
    assert (0.75 <= factor <= 1.5) == (problems == {})


@settings(max_examples=150, deadline=None)
@given(
    factor=st.floats(0.75, 3.0),
    protocol_id=st.sampled_from(["post-bariatric", "ileal-resection", "hydroxo-standard"]),
    offset=st.integers(0, 60),
)
def test_maintenance_follows_the_divided_interval_and_its_window_scales(
    factor: float, protocol_id: str, offset: int
) -> None:
    protocol = load_protocol_library().get(protocol_id)
    assert protocol is not None
    start = date(2026, 1, 5) + timedelta(days=offset)
    plan = plan_course(CourseState(protocol, start, (), start, factor), OPEN_EVERY_DAY, 24)
    interval = protocol.maintenance.every.divided_by(factor)
    window = protocol.windows.maintenance.scaled(factor)
    maintenance = [d for d in plan.doses if d.phase == "maintenance"]
    # Open every day: each dose on its ideal day, counted in intervals from the anchor
    # (the last loading dose, or the first dose when there is no loading).
    loading = [d.date for d in plan.doses if d.phase == "loading"]
    anchor, first = (loading[-1], 1) if loading else (maintenance[0].date, 0)
    for times, later in enumerate(maintenance[1:], start=first + 1):
        assert later.date == interval.add_to(anchor, times)
        assert (later.date - later.earliest).days == window.early_days
        assert (later.latest - later.date).days == window.late_days
    original = protocol.windows.maintenance
    assert window.early_days <= original.early_days / factor + 0.5
    assert window.late_days <= original.late_days / factor + 0.5
    # A window never reaches the neighbouring dose.
    days = (interval.add_to(start) - start).days
    assert window.early_days + window.late_days < days


def test_a_window_scales_with_the_interval() -> None:
    assert DoseWindow(7, 14, 28).scaled(2) == DoseWindow(4, 7, 14)
    assert DoseWindow(7, 14).scaled(0.75) == DoseWindow(9, 19, 9)
    assert DoseWindow(7, 14).scaled(1) == DoseWindow(7, 14)
