"""Re-plan 10,000 active courses, as the app does when a calendar or template changes.

Target: under 1 s for all 10,000 (about 100 microseconds a course). Courses are
varied: every shipped template, starts spread over three years, histories with
missed and late doses, open-ended loading both running and ended, some frequency
adjustments. Building the histories is not timed; only the re-plan is.

Both ways are timed: ``plan_courses`` (the batch API, which pauses the cyclic GC)
and ``plan_course`` in a loop.

Run: python -m benchmarks.bench_replan
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from benchmarks.machine import describe
from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.schedule import CourseState, plan_course, plan_courses
from clinic_app.services.library.protocols import load_protocol_library

COURSES = 10_000
AS_OF = date(2026, 6, 1)
REPEATS = 5


def build_courses(calendar: ClinicCalendar, seed: int = 2026) -> list[CourseState]:
    """Histories made by following each course's own plan, with misses and delays."""
    rng = random.Random(seed)
    protocols = load_protocol_library().all()
    states = []
    for _ in range(COURSES):
        protocol = rng.choice(protocols)
        start = AS_OF - timedelta(days=rng.randrange(0, 3 * 365))
        factor = rng.choice((1.0, 1.0, 1.0, 1.5, 1.25))
        ended = None
        if protocol.loading.open_ended and rng.random() < 0.7:
            ended = min(AS_OF, start + timedelta(days=rng.randrange(14, 120)))
        blueprint = plan_course(
            CourseState(protocol, start, (), start, factor, ended), calendar, 48
        )
        given: list[date] = []
        for dose in blueprint.doses:
            if dose.phase == "review" or dose.date >= AS_OF:
                continue
            if rng.random() < 0.08:  # missed
                continue
            day = dose.date + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            if day < AS_OF and (not given or day > given[-1]):
                given.append(day)
        states.append(CourseState(protocol, start, tuple(given), AS_OF, factor, ended))
    return states


def main() -> None:
    calendar = ClinicCalendar.build(range(5), [(date(2026, 8, 10), date(2026, 8, 21))])
    states = build_courses(calendar)
    batch = _timed(lambda: plan_courses(states, calendar))
    one_by_one = _timed(lambda: [plan_course(state, calendar) for state in states])
    rows = sum(len(plan.doses) + len(plan.monitoring) for plan in plan_courses(states, calendar))
    print(f"{COURSES} courses, {rows} plan rows; median (best) of {REPEATS} runs; target < 1 s")
    print(f"  plan_courses (batch, GC paused): {batch[0]:.3f} s ({batch[1]:.3f} s)")
    print(f"  plan_course one by one:          {one_by_one[0]:.3f} s ({one_by_one[1]:.3f} s)")
    print(describe())


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - began)
        del result
    return statistics.median(timings), min(timings)


if __name__ == "__main__":
    main()
