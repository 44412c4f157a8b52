"""The scheduling engine: from a course's template and history to its dated plan.

``plan_course`` is a pure function of the course state and the clinic calendar, and
it is cheap (tens of microseconds), so the app re-plans a course whenever anything
changes (a dose given or missed, a closure added, a frequency adjusted) instead of
storing a plan that can go stale. Rules, from CLINICAL_RULES.md section 1:

- Given doses come first, numbered in order, and fill the loading doses first.
- Nothing is planned before the re-planning day: ``max(as_of, start, day after the
  last given dose)``. Missed loading doses are re-planned there, never dropped.
- Maintenance counts from the last dose actually given (or, while loading doses are
  still planned, from the last of them), every interval, for life: the plan always
  reaches ``horizon_months`` past ``as_of``.
- Open-ended loading plans doses up to the next review, lists reviews, and plans no
  maintenance until a clinician records ``loading_ended``.
- No date falls on a closed day: doses move inside their window (see
  ``schedule_dates.place_nearest``) or, failing that, to the nearest open day before
  the window within the regimen's early limit, else the next open day after it, with
  ``moved_outside_window`` set.
- A frequency factor divides the maintenance interval and scales its window.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import pairwise

from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.protocol import DoseWindow, Interval, Protocol
from clinic_app.domain.schedule_dates import add_months
from clinic_app.domain.schedule_loading import plan_loading
from clinic_app.domain.schedule_maintenance import plan_maintenance
from clinic_app.domain.schedule_monitoring import plan_monitoring
from clinic_app.domain.schedule_types import MonitoringDue, Phase, PlannedDose, Status, given_row

__all__ = [
    "DEFAULT_HORIZON_MONTHS",
    "CoursePlan",
    "CourseState",
    "MonitoringDue",
    "Phase",
    "PlannedDose",
    "Status",
    "plan_course",
    "plan_courses",
]

DEFAULT_HORIZON_MONTHS = 24


@dataclass(frozen=True, slots=True)
class CourseState:
    """What the engine needs to know about one course on the day it plans.

    ``interval_factor`` divides the maintenance interval (1.5: a 3-month interval
    becomes 2 months; see ``Interval.divided_by``). ``loading_ended`` is the day a
    clinician recorded that loading is over (required to leave open-ended loading;
    also ends a fixed loading course early): no loading dose is planned on or after it,
    and maintenance counts from the last loading dose before it.
    """

    protocol: Protocol
    start: date
    given: tuple[date, ...]
    as_of: date
    interval_factor: float = 1.0
    loading_ended: date | None = None
    #: The number of the last clinician review held (a decision recorded there);
    #: reviews after it whose window has passed are planned as overdue.
    reviews_held: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.interval_factor) and self.interval_factor > 0):
            raise ValueError(f"interval factor must be greater than 0, got {self.interval_factor}")
        for earlier, later in pairwise(self.given):
            if later <= earlier:
                raise ValueError(
                    f"given doses must be in date order, one a day: {later} after {earlier}"
                )
        if self.given and self.given[0] < self.start:
            raise ValueError(
                f"a dose given on {self.given[0]} is before the course start {self.start}"
            )
        if self.loading_ended is not None and self.loading_ended < self.start:
            raise ValueError(
                f"loading ended {self.loading_ended}, before the course start {self.start}"
            )


@dataclass(frozen=True, slots=True)
class CoursePlan:
    """Given doses, then planned doses and reviews by date; blood tests by date."""

    doses: tuple[PlannedDose, ...]
    monitoring: tuple[MonitoringDue, ...]
    #: Open-ended loading still running: the plan stops at the next review.
    awaiting_review: bool = False

    @property
    def overdue_reviews(self) -> tuple[PlannedDose, ...]:
        """Reviews whose window has passed with no decision recorded."""
        return tuple(dose for dose in self.doses if dose.overdue)

    @property
    def next_dose(self) -> PlannedDose | None:
        return next(
            (dose for dose in self.doses if dose.status == "planned" and dose.phase != "review"),
            None,
        )


def plan_course(
    state: CourseState, calendar: ClinicCalendar, horizon_months: int = DEFAULT_HORIZON_MONTHS
) -> CoursePlan:
    if horizon_months < 1:
        raise ValueError(f"horizon must be at least 1 month, got {horizon_months}")
    protocol = state.protocol
    pattern = protocol.loading
    given = [day.toordinal() for day in state.given]
    start = state.start.toordinal()
    as_of = state.as_of.toordinal()
    replan = max(start, as_of, given[-1] + 1 if given else start)
    horizon_end = add_months(as_of, horizon_months)
    ended = state.loading_ended.toordinal() if state.loading_ended is not None else None

    loading_given = _loading_given(protocol, given, ended)
    entries = _given_entries(protocol, state.given, loading_given)
    last_day = given[-1] if given else None
    awaiting_review = False
    reviews: list[PlannedDose] = []
    loading_owed = pattern.open_ended or loading_given < pattern.counted_doses
    if loading_owed and (ended is None or ended > replan):
        # Loading "ended" on a day means no loading dose that day or after.
        until = None if ended is None else ended - 1
        outcome = plan_loading(protocol, start, given, replan, calendar, until, state.reviews_held)
        entries += outcome.doses
        reviews = outcome.reviews
        awaiting_review = outcome.awaiting_review
        last_day = outcome.last_day
    if not awaiting_review:
        fixed = protocol.maintenance.doses
        remaining = None if fixed is None else fixed - (len(given) - loading_given)
        entries += plan_maintenance(
            protocol,
            _divided(protocol.maintenance.every, state.interval_factor),
            _scaled(protocol.windows.maintenance, state.interval_factor),
            last_day,
            calendar,
            replan=replan,
            horizon_end=horizon_end,
            remaining=remaining,
            first_number=len(entries) + 1,
        )
    if reviews:
        entries += reviews
        # A review sorts before a dose on the same day: the clinician decides first.
        entries.sort(key=lambda entry: (entry.date, entry.phase != "review"))
    monitoring = plan_monitoring(protocol.monitoring, start, as_of, horizon_end, calendar)
    return CoursePlan(tuple(entries), tuple(monitoring), awaiting_review)


def plan_courses(
    states: Iterable[CourseState],
    calendar: ClinicCalendar,
    horizon_months: int = DEFAULT_HORIZON_MONTHS,
) -> list[CoursePlan]:
    """Re-plan many courses at once (a closure added, a template changed).

    The cyclic garbage collector is paused for the batch. Plans are acyclic, so
    reference counting frees them all the same, but every few thousand new rows
    would otherwise trigger a full collection that walks the whole process heap
    (Qt, SQLAlchemy, the holidays tables...): measured at a third of the run time
    for 10,000 courses. The collector's previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [plan_course(state, calendar, horizon_months) for state in states]
    finally:
        if was_enabled:
            gc.enable()


@lru_cache(maxsize=256)
def _divided(interval: Interval, factor: float) -> Interval:
    """Cached: a clinic has a handful of (interval, factor) pairs across all courses."""
    return interval.divided_by(factor)


@lru_cache(maxsize=256)
def _scaled(window: DoseWindow, factor: float) -> DoseWindow:
    return window.scaled(factor)


def _loading_given(protocol: Protocol, given: list[int], ended: int | None) -> int:
    """How many of the given doses (the earliest ones) were loading doses."""
    pattern = protocol.loading
    if not pattern.steps:
        return 0
    count = len(given) if ended is None else sum(1 for day in given if day <= ended)
    return count if pattern.open_ended else min(count, pattern.counted_doses)


def _given_entries(
    protocol: Protocol, given: tuple[date, ...], loading_given: int
) -> list[PlannedDose]:
    entries: list[PlannedDose] = []
    steps = protocol.loading.steps
    step_index, left_in_step = 0, steps[0].count if steps else None
    for index in range(loading_given):
        while left_in_step == 0:
            step_index += 1
            left_in_step = steps[step_index].count
        if left_in_step is not None:
            left_in_step -= 1
        dose = steps[step_index].dose or protocol.dose
        entries.append(given_row(index + 1, "loading", given[index], dose))
    dose = protocol.maintenance_dose
    new_tuple = tuple.__new__  # given_row's body, inlined: a long history has many rows
    for index in range(loading_given, len(given)):
        day = given[index]
        row = (index + 1, "maintenance", day, day, day, "given", False, dose, False)
        entries.append(new_tuple(PlannedDose, row))
    return entries
