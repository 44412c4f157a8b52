"""Rules that hold for any template, calendar and history (CLINICAL_RULES section 1).

Hypothesis builds random templates (through the real parser), clinic calendars with
random closures on top of England's bank holidays, and random histories of given
doses, then checks each plan against rules written independently of the engine
(month arithmetic here is dateutil's, not the engine's).
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.protocol import Interval, LoadingStep, Protocol
from clinic_app.domain.protocol_parser import parse_protocol
from clinic_app.domain.public_holidays import public_holidays
from clinic_app.domain.schedule import CoursePlan, CourseState, PlannedDose, plan_course
from clinic_app.domain.schedule_dates import add_interval, stepper

ENGLAND = public_holidays("GB", "ENG")
FIRST_DAY = date(2025, 6, 1)

intervals = st.one_of(
    st.builds(lambda n: {"amount": n, "unit": "days"}, st.integers(1, 120)),
    st.builds(lambda n: {"amount": n, "unit": "weeks"}, st.integers(1, 16)),
    st.builds(lambda n: {"amount": n, "unit": "months"}, st.integers(1, 6)),
)
review_intervals = st.one_of(
    st.builds(lambda n: {"amount": n, "unit": "days"}, st.integers(5, 28)),
    st.builds(lambda n: {"amount": n, "unit": "weeks"}, st.integers(1, 4)),
    st.just({"amount": 1, "unit": "months"}),
)


KINDS = ("none", "times_per_week", "daily", "weekly", "alternate_days_until_review", "step_down")


@st.composite
def loadings(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS) -> dict[str, Any]:
    kind = draw(st.sampled_from(kinds))
    if kind == "times_per_week":
        return {"kind": kind, "per_week": draw(st.integers(1, 5)), "weeks": draw(st.integers(1, 3))}
    if kind in ("daily", "weekly"):
        return {"kind": kind, "count": draw(st.integers(1, 12))}
    if kind == "alternate_days_until_review":
        return {"kind": kind, "review_every": draw(review_intervals)}
    if kind == "step_down":
        steps: list[dict[str, Any]] = [
            {"every_days": draw(st.integers(1, 7)), "count": draw(st.integers(1, 6))}
            for _ in range(draw(st.integers(1, 3)))
        ]
        loading: dict[str, Any] = {"kind": kind, "steps": steps}
        if draw(st.booleans()):
            steps.append({"every_days": draw(st.integers(1, 14)), "until_review": True})
            loading["review_every"] = draw(review_intervals)
        return loading
    return {"kind": "none"}


@st.composite
def protocols(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS) -> Protocol:
    for_life = draw(st.booleans()) or draw(st.booleans())
    maintenance: dict[str, Any] = {"every": draw(intervals)}
    if not for_life:
        maintenance["doses"] = draw(st.integers(1, 5))
    months = sorted(draw(st.sets(st.integers(1, 18), max_size=3)))
    monitoring: dict[str, Any] = {
        "steps": [
            {"after": {"amount": m, "unit": "months"}, "tests": ["B12", "FBC"]} for m in months
        ]
    }
    if draw(st.booleans()):
        monitoring["repeat"] = {"every": draw(intervals), "tests": ["B12"]}

    def window(early: int, late: int) -> dict[str, int]:
        drawn = {"early_days": draw(st.integers(0, early)), "late_days": draw(st.integers(0, late))}
        if draw(st.booleans()):  # a margin before the window for closures
            drawn["early_limit_days"] = drawn["early_days"] + draw(st.integers(0, 30))
        return drawn

    data = {
        "id": "random",
        "version": "test",
        "title": "A random template",
        "summary": "Built by hypothesis.",
        "drug": "hydroxocobalamin",
        "dose": {"amount": 1, "unit": "mg"},
        "routes": ["IM"],
        "loading": draw(loadings(kinds)),
        "maintenance": maintenance,
        "for_life": for_life,
        "windows": {
            "loading": window(3, 7),
            "maintenance": window(30, 21),
            "review": window(3, 3),
        },
        "monitoring": monitoring,
        "source": "hypothesis",
    }
    return parse_protocol(data, "random.toml")


@st.composite
def calendars(draw: st.DrawFn, min_open: int = 1) -> ClinicCalendar:
    weekdays = draw(st.sets(st.integers(0, 6), min_size=min_open))
    closures = []
    for _ in range(draw(st.integers(0, 4))):
        first = FIRST_DAY + timedelta(days=draw(st.integers(0, 900)))
        closures.append((first, first + timedelta(days=draw(st.integers(0, 40)))))
    return ClinicCalendar(weekdays, closures, holidays=ENGLAND)


@st.composite
def course_states(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS) -> CourseState:
    protocol = draw(protocols(kinds))
    start = FIRST_DAY + timedelta(days=draw(st.integers(0, 365)))
    given: list[date] = []
    day = start
    for gap in draw(st.lists(st.integers(0, 45), max_size=15)):
        day += timedelta(days=gap if given else gap % 10)
        if given and day <= given[-1]:
            day = given[-1] + timedelta(days=1)
        given.append(day)
    as_of = start + timedelta(days=draw(st.integers(0, 500)))
    ended = None
    if draw(st.booleans()):
        ended = start + timedelta(days=draw(st.integers(0, 400)))
    factor = draw(st.sampled_from([1.0, 1.0, 1.25, 1.5, 2.0, 0.75, 3.0]))
    held = draw(st.integers(0, 3))
    return CourseState(protocol, start, tuple(given), as_of, factor, ended, held)


def step_of(protocol: Protocol, index: int) -> LoadingStep:
    """The loading step that loading dose ``index`` (0-based) belongs to."""
    for step in protocol.loading.steps:
        if step.count is None or index < step.count:
            return step
        index -= step.count
    raise AssertionError("more loading doses than the template has")


def doses(course: CoursePlan, phase: str) -> list[PlannedDose]:
    return [dose for dose in course.doses if dose.phase == phase]


@settings(max_examples=200, deadline=None)
@given(state=course_states(), calendar=calendars(), horizon=st.integers(1, 36))
def test_every_plan_keeps_the_rules(
    state: CourseState, calendar: ClinicCalendar, horizon: int
) -> None:
    course = plan_course(state, calendar, horizon)
    protocol = state.protocol
    overdue = [dose for dose in course.doses if dose.overdue]
    on_time = [dose for dose in course.doses if not dose.overdue]
    planned = [dose for dose in on_time if dose.status == "planned"]
    replan = max(state.start, state.as_of, *(g + timedelta(days=1) for g in state.given))

    # Given doses come first, in order, as given; nothing is planned before re-planning
    # but the reviews whose window passed with no decision recorded, kept as overdue.
    assert [d.date for d in course.doses if d.status == "given"] == list(state.given)
    assert on_time[: len(state.given)] == [d for d in course.doses if d.status == "given"]
    assert all(dose.date >= replan for dose in planned)
    for dose in overdue:
        assert dose.phase == "review" and dose.status == "planned"
        assert dose.latest < replan and dose.number > state.reviews_held

    # No planned date on a closed day, doses or reviews or blood tests.
    assert all(calendar.is_open(dose.date) for dose in planned)
    assert all(calendar.is_open(due.date) for due in course.monitoring)

    # Inside the window, or out of it and flagged.
    for dose in planned:
        assert dose.earliest <= dose.latest
        if dose.moved_outside_window:
            assert dose.date > dose.latest or dose.date < dose.earliest
        else:
            assert dose.earliest <= dose.date <= dose.latest

    # Doses strictly increase and are numbered 1, 2, 3...; so do reviews.
    injections = [dose for dose in course.doses if dose.phase != "review"]
    assert all(a.date < b.date for a, b in pairwise(injections))
    assert [dose.number for dose in injections] == list(range(1, len(injections) + 1))
    reviews = doses(course, "review")
    assert all(a.date < b.date for a, b in pairwise(reviews))
    _reviews_keep_their_spacing(state, reviews)

    _loading_rules(state, course)
    _maintenance_rules(state, course, calendar, horizon, replan)

    monitoring = [due.date for due in course.monitoring]
    assert all(day >= state.as_of for day in monitoring)
    assert all(a < b for a, b in pairwise(monitoring))
    assert protocol.id == "random"


def _reviews_keep_their_spacing(state: CourseState, reviews: list[PlannedDose]) -> None:
    """No two reviews closer than half their spacing, closures or not."""
    every = state.protocol.loading.review_every
    if every is None or not reviews:
        return
    days = {"days": 1, "weeks": 7, "months": 28}[every.unit] * every.amount
    for earlier, later in pairwise(reviews):
        assert (later.date - earlier.date).days >= (days + 1) // 2, (earlier, later)


def _loading_rules(state: CourseState, course: CoursePlan) -> None:
    protocol = state.protocol
    loading = doses(course, "loading")
    pattern = protocol.loading
    if state.loading_ended is None and not pattern.open_ended:
        # A missed loading dose is re-planned, never dropped.
        assert len(loading) == pattern.counted_doses
    if state.loading_ended is not None:
        # Once a clinician has ended loading, no loading dose is planned from that day.
        assert all(d.date < state.loading_ended for d in loading if d.status == "planned")
        assert not doses(course, "review")
    for index, dose in enumerate(loading):
        if dose.status != "planned":
            continue
        step = step_of(protocol, index)
        if index:
            assert (dose.date - loading[index - 1].date).days >= step.every_days
        if step.per_week is not None:
            week = [d for d in loading if dose.date - timedelta(days=6) <= d.date <= dose.date]
            assert len(week) <= step.per_week


def _maintenance_rules(
    state: CourseState, course: CoursePlan, calendar: ClinicCalendar, horizon: int, replan: date
) -> None:
    protocol = state.protocol
    maintenance = doses(course, "maintenance")
    planned = [dose for dose in maintenance if dose.status == "planned"]
    loading_planned = [d for d in doses(course, "loading") if d.status == "planned"]

    if protocol.loading.open_ended and state.loading_ended is None:
        assert course.awaiting_review
        assert maintenance == [d for d in maintenance if d.status == "given"] == []
        assert loading_planned, "open-ended loading always holds its next dose"
        assert doses(course, "review")
        assert loading_planned[-1].date <= max(r.date for r in doses(course, "review"))
        return

    assert not course.awaiting_review
    if protocol.for_life:
        # For life: the plan reaches the horizon.
        assert planned and planned[-1].date >= state.as_of + relativedelta(months=horizon)
    else:
        assert protocol.maintenance.doses is not None
        assert len(maintenance) == max(protocol.maintenance.doses, len(maintenance) - len(planned))

    _maintenance_is_never_late_when_an_earlier_day_was_open(state, calendar, maintenance, replan)
    last_dose = loading_planned[-1].date if loading_planned else max(state.given, default=None)
    if planned and last_dose is not None:
        # Maintenance counts from the last dose actually given (or, while loading doses
        # are still planned, from the last of them), not from the plan.
        interval = protocol.maintenance.every.divided_by(state.interval_factor)
        ideal = max(interval.add_to(last_dose), replan)
        first = planned[0]
        window = protocol.windows.maintenance.scaled(state.interval_factor)
        if not first.moved_outside_window:
            assert ideal - timedelta(days=window.early_days) <= first.date
            assert first.date <= ideal + timedelta(days=window.late_days)
        assert first.date >= replan


def _maintenance_is_never_late_when_an_earlier_day_was_open(
    state: CourseState, calendar: ClinicCalendar, maintenance: list[PlannedDose], replan: date
) -> None:
    """A dose moved past its window had no open day before it within the early limit."""
    window = state.protocol.windows.maintenance.scaled(state.interval_factor)
    for previous, dose in pairwise(maintenance):
        if dose.status != "planned" or not dose.date > dose.latest:
            continue
        ideal = dose.latest - timedelta(days=window.late_days)
        first = max(ideal - timedelta(days=window.early_limit), previous.date + timedelta(days=1))
        first = max(first, replan)
        day = first
        while day <= dose.latest:
            assert not calendar.is_open(day), (dose, day)
            day += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(
    state=course_states(kinds=("times_per_week",)),
    calendar=calendars(min_open=5),
)
def test_n_times_a_week_never_puts_more_than_n_doses_in_seven_days(
    state: CourseState, calendar: ClinicCalendar
) -> None:
    # The rule only bites when the clinic is open most days, so it gets its own search.
    _loading_rules(state, plan_course(state, calendar, 3))


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(date(1990, 1, 1), date(2090, 12, 31)),
    amount=st.integers(1, 40),
    unit=st.sampled_from(["days", "weeks", "months"]),
    times=st.integers(0, 30),
)
def test_engine_date_arithmetic_matches_dateutil(
    day: date, amount: int, unit: str, times: int
) -> None:
    interval = Interval(amount, unit)  # type: ignore[arg-type]
    expected = interval.add_to(day, times)
    assert date.fromordinal(add_interval(day.toordinal(), interval, times)) == expected
    assert date.fromordinal(stepper(day.toordinal(), interval)(times)) == expected


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(1, 24),
    unit=st.sampled_from(["days", "weeks", "months"]),
    factor=st.floats(0.2, 5.0),
)
def test_a_larger_factor_never_lengthens_the_interval(
    amount: int, unit: str, factor: float
) -> None:
    interval = Interval(amount, unit)  # type: ignore[arg-type]
    start = date(2026, 1, 31)
    divided = interval.divided_by(factor)
    assert divided.amount >= 1
    length = (interval.add_to(start) - start).days
    shorter = (divided.add_to(start) - start).days
    if factor >= 1:
        assert shorter <= length + 1  # +1: whole-day rounding of a fraction of a month
    else:
        assert shorter >= length - 1
