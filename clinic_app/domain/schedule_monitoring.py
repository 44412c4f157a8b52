"""Plan blood tests from a template's monitoring plan, counted from the course start.

Tests due before ``as_of`` are not listed: whether they were done is a question for
the results record, not for the plan. A test due on a closed day moves to the nearest
open day within a week (the earlier one on a tie), never before ``as_of``.
"""

from __future__ import annotations

from datetime import date

from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.protocol import MonitoringPlan
from clinic_app.domain.schedule_dates import add_interval, place_nearest
from clinic_app.domain.schedule_types import MonitoringDue

#: A blood test has no clinical window of its own; a week either way keeps it close.
MONITORING_LEEWAY_DAYS = 7


def plan_monitoring(
    plan: MonitoringPlan, start: int, as_of: int, horizon_end: int, calendar: ClinicCalendar
) -> list[MonitoringDue]:
    """Every step, then the repeat, until a test falls on or after ``horizon_end``."""
    rows: list[MonitoringDue] = []
    last_ideal = start
    for step in plan.steps:
        last_ideal = add_interval(start, step.after)
        _add(rows, calendar, last_ideal, as_of, step.tests)
        if last_ideal >= horizon_end:
            return rows
    repeat = plan.repeat
    if repeat is None:
        return rows
    times = 1
    if repeat.every.unit != "months" and last_ideal < as_of:  # skip the past in one step
        step_days = repeat.every.amount * (7 if repeat.every.unit == "weeks" else 1)
        times = max(1, (as_of - last_ideal) // step_days)
    while True:
        ideal = add_interval(last_ideal, repeat.every, times)
        times += 1
        _add(rows, calendar, ideal, as_of, repeat.tests)
        if ideal >= horizon_end:
            return rows


def _add(
    rows: list[MonitoringDue],
    calendar: ClinicCalendar,
    ideal: int,
    as_of: int,
    tests: tuple[str, ...],
) -> None:
    if ideal < as_of:
        return
    last = rows[-1].date.toordinal() if rows else as_of
    if ideal > last and calendar.is_open_ordinal(ideal):
        day = ideal  # the common case, without a search
    else:
        earliest = max(ideal - MONITORING_LEEWAY_DAYS, as_of, last)
        day, _ = place_nearest(calendar, ideal, earliest, ideal + MONITORING_LEEWAY_DAYS)
    if rows and last == day:  # two steps landed on one day: one visit, all tests
        merged = rows[-1].tests + tuple(test for test in tests if test not in rows[-1].tests)
        rows[-1] = MonitoringDue(rows[-1].date, merged)
    else:
        rows.append(MonitoringDue(date.fromordinal(day), tests))
