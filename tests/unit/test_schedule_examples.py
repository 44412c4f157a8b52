"""Worked examples for every shipped template, with dates checked by hand.

The clinic is open Monday to Friday, closed on England's bank holidays. Each
template is started on a Monday (5 Jan 2026), a Thursday (8 Jan 2026), just before
Christmas (Mon 21 Dec 2026: Christmas Day is a Friday, Boxing Day is observed on
Monday 28th, New Year's Day 2027 is a Friday) and just before Easter (Wed 1 Apr 2026:
Good Friday 3 April, Easter Monday 6 April). Templates without loading start on the
holiday itself instead, since that is where their first dose meets the closure.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.protocol import Dose, Protocol
from clinic_app.domain.schedule import CoursePlan, CourseState, plan_course
from clinic_app.services.library.protocols import load_protocol_library


@pytest.fixture(scope="module")
def calendar() -> ClinicCalendar:
    return ClinicCalendar.build(range(5), country="GB", subdivision="ENG")


def protocol(protocol_id: str) -> Protocol:
    found = load_protocol_library().get(protocol_id)
    assert found is not None
    return found


def days(*texts: str) -> list[date]:
    return [date.fromisoformat(text) for text in texts]


def plan(
    calendar: ClinicCalendar,
    protocol_id: str,
    start: str,
    *,
    given: tuple[str, ...] = (),
    as_of: str | None = None,
    loading_ended: str | None = None,
    factor: float = 1.0,
    horizon: int = 24,
) -> CoursePlan:
    state = CourseState(
        protocol(protocol_id),
        date.fromisoformat(start),
        tuple(days(*given)),
        date.fromisoformat(as_of or start),
        factor,
        date.fromisoformat(loading_ended) if loading_ended else None,
    )
    return plan_course(state, calendar, horizon)


def dates_of(course: CoursePlan, phase: str, status: str = "planned") -> list[date]:
    return [dose.date for dose in course.doses if dose.phase == phase and dose.status == status]


# (template, start, loading doses, first maintenance dose)
FIXED_LOADING = [
    # 3 a week, at least 2 days apart, never 4 in 7 days.
    ("hydroxo-standard", "2026-01-05",
     ("2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16"),
     "2026-04-16"),
    # Sat 10th is closed; Mon 19th is the first day with fewer than 3 doses in 7 days.
    ("hydroxo-standard", "2026-01-08",
     ("2026-01-08", "2026-01-12", "2026-01-14", "2026-01-16", "2026-01-19", "2026-01-21"),
     "2026-04-21"),
    # Fri 25 (Christmas) to Mon 28 (Boxing Day observed) closed: dose 3 on Tue 29, inside
    # its window (25th + 4 days); New Year's Day pushes dose 5 to Mon 4 Jan.
    ("hydroxo-standard", "2026-12-21",
     ("2026-12-21", "2026-12-23", "2026-12-29", "2026-12-31", "2027-01-04", "2027-01-06"),
     "2027-04-06"),
    # Good Friday to Easter Monday closed: dose 2 on Tue 7 April.
    ("hydroxo-standard", "2026-04-01",
     ("2026-04-01", "2026-04-07", "2026-04-09", "2026-04-13", "2026-04-15", "2026-04-17"),
     "2026-07-17"),
    # Daily: ten consecutive open days.
    ("hydroxo-standard-daily", "2026-01-05",
     ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09",
      "2026-01-12", "2026-01-13", "2026-01-14", "2026-01-15", "2026-01-16"),
     "2026-04-16"),
    ("hydroxo-standard-daily", "2026-01-08",
     ("2026-01-08", "2026-01-09", "2026-01-12", "2026-01-13", "2026-01-14",
      "2026-01-15", "2026-01-16", "2026-01-19", "2026-01-20", "2026-01-21"),
     "2026-04-21"),
    ("hydroxo-standard-daily", "2026-12-21",
     ("2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24", "2026-12-29",
      "2026-12-30", "2026-12-31", "2027-01-04", "2027-01-05", "2027-01-06"),
     "2027-04-06"),
    ("hydroxo-standard-daily", "2026-04-01",
     ("2026-04-01", "2026-04-02", "2026-04-07", "2026-04-08", "2026-04-09",
      "2026-04-10", "2026-04-13", "2026-04-14", "2026-04-15", "2026-04-16"),
     "2026-07-16"),
    # US label: 7 daily, 7 on alternate days, 5 every 3 days, then monthly.
    ("cyano-us-label", "2026-01-05",
     ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09", "2026-01-12",
      "2026-01-13",
      "2026-01-15", "2026-01-19", "2026-01-21", "2026-01-23", "2026-01-26", "2026-01-28",
      "2026-01-30",
      "2026-02-02", "2026-02-05", "2026-02-09", "2026-02-12", "2026-02-16"),
     "2026-03-16"),
    ("cyano-us-label", "2026-01-08",
     ("2026-01-08", "2026-01-09", "2026-01-12", "2026-01-13", "2026-01-14", "2026-01-15",
      "2026-01-16",
      "2026-01-19", "2026-01-21", "2026-01-23", "2026-01-26", "2026-01-28", "2026-01-30",
      "2026-02-02",
      "2026-02-05", "2026-02-09", "2026-02-12", "2026-02-16", "2026-02-19"),
     "2026-03-19"),
    ("cyano-us-label", "2026-12-21",
     ("2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24", "2026-12-29", "2026-12-30",
      "2026-12-31",
      "2027-01-04", "2027-01-06", "2027-01-08", "2027-01-11", "2027-01-13", "2027-01-15",
      "2027-01-18",
      "2027-01-21", "2027-01-25", "2027-01-28", "2027-02-01", "2027-02-04"),
     "2027-03-04"),
    # Every-3-days dose due Sat 2 May lands on Tue 5 May (Mon 4 May is a bank holiday).
    ("cyano-us-label", "2026-04-01",
     ("2026-04-01", "2026-04-02", "2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10",
      "2026-04-13",
      "2026-04-15", "2026-04-17", "2026-04-20", "2026-04-22", "2026-04-24", "2026-04-27",
      "2026-04-29",
      "2026-05-05", "2026-05-08", "2026-05-11", "2026-05-14", "2026-05-18"),
     "2026-06-18"),
    # US 1000 micrograms: 7 daily, then 4 weekly, then monthly.
    ("cyano-us-1000", "2026-01-05",
     ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09", "2026-01-12",
      "2026-01-13", "2026-01-20", "2026-01-27", "2026-02-03", "2026-02-10"),
     "2026-03-10"),
    ("cyano-us-1000", "2026-01-08",
     ("2026-01-08", "2026-01-09", "2026-01-12", "2026-01-13", "2026-01-14", "2026-01-15",
      "2026-01-16", "2026-01-23", "2026-01-30", "2026-02-06", "2026-02-13"),
     "2026-03-13"),
    # The first maintenance dose is due Sun 28 Feb 2027: Sat 27th is closed, Mon 1 Mar open.
    ("cyano-us-1000", "2026-12-21",
     ("2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24", "2026-12-29", "2026-12-30",
      "2026-12-31", "2027-01-07", "2027-01-14", "2027-01-21", "2027-01-28"),
     "2027-03-01"),
    ("cyano-us-1000", "2026-04-01",
     ("2026-04-01", "2026-04-02", "2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10",
      "2026-04-13", "2026-04-20", "2026-04-27", "2026-05-05", "2026-05-12"),
     "2026-06-12"),
]  # fmt: skip


@pytest.mark.parametrize(("protocol_id", "start", "loading", "maintenance"), FIXED_LOADING)
def test_fixed_loading_then_maintenance(
    calendar: ClinicCalendar,
    protocol_id: str,
    start: str,
    loading: tuple[str, ...],
    maintenance: str,
) -> None:
    course = plan(calendar, protocol_id, start)

    assert dates_of(course, "loading") == days(*loading)
    assert dates_of(course, "maintenance")[0] == date.fromisoformat(maintenance)
    injections = [dose for dose in course.doses if dose.phase != "review"]
    assert [dose.number for dose in injections] == list(range(1, len(injections) + 1))
    assert not any(dose.moved_outside_window for dose in course.doses)
    assert not course.awaiting_review


def test_the_us_label_reviews_the_response_before_its_step_down(calendar: ClinicCalendar) -> None:
    course = plan(calendar, "cyano-us-label", "2026-01-05")
    reviews = [dose for dose in course.doses if dose.phase == "review"]
    # Seven daily doses (Mon 5-Tue 13), then the review on the first alternate-day dose.
    assert [(r.number, r.date) for r in reviews] == [(1, date(2026, 1, 15))]
    index = course.doses.index(reviews[0])
    assert course.doses[index + 1].number == 8  # the review comes before that dose
    given = plan(
        calendar, "cyano-us-label", "2026-01-05",
        given=("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09",
               "2026-01-12", "2026-01-13", "2026-01-15"),
        as_of="2026-01-16",
    )  # fmt: skip
    assert not [dose for dose in given.doses if dose.phase == "review"]


def test_three_a_week_never_puts_four_doses_in_seven_days() -> None:
    # A clinic open every day: Sunday 11th would be two days after Friday's dose but
    # the fourth in seven days, so dose 4 waits for Monday.
    every_day = ClinicCalendar.build(range(7), country=None)
    course = plan(every_day, "hydroxo-standard", "2026-01-05")
    assert dates_of(course, "loading") == days(
        "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16"
    )
    thursday = plan(every_day, "hydroxo-standard", "2026-01-08")
    assert dates_of(thursday, "loading") == days(
        "2026-01-08", "2026-01-10", "2026-01-12", "2026-01-15", "2026-01-17", "2026-01-19"
    )


# (template, start, planned loading doses, reviews listed)
OPEN_ENDED = [
    # Alternate days up to the first review (two weeks after the start), reviews listed
    # eight weeks ahead, and no maintenance until a clinician ends loading.
    ("hydroxo-neuro", "2026-01-05",
     ("2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16",
      "2026-01-19"),
     ("2026-01-19", "2026-02-02", "2026-02-16", "2026-03-02")),
    ("hydroxo-neuro", "2026-01-08",
     ("2026-01-08", "2026-01-12", "2026-01-14", "2026-01-16", "2026-01-19", "2026-01-21"),
     ("2026-01-22", "2026-02-05", "2026-02-19", "2026-03-05")),
    ("hydroxo-neuro", "2026-12-21",
     ("2026-12-21", "2026-12-23", "2026-12-29", "2026-12-31", "2027-01-04"),
     ("2027-01-04", "2027-01-18", "2027-02-01", "2027-02-15")),
    ("hydroxo-neuro", "2026-04-01",
     ("2026-04-01", "2026-04-07", "2026-04-09", "2026-04-13", "2026-04-15"),
     ("2026-04-15", "2026-04-29", "2026-05-13", "2026-05-27")),
    # SmPC: 7 alternate-day doses, then weekly up to the first review after the first
    # weekly dose.
    ("hydroxo-smpc", "2026-01-05",
     ("2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16",
      "2026-01-19", "2026-01-26", "2026-02-02"),
     ("2026-01-19", "2026-02-02", "2026-02-16", "2026-03-02")),
    ("hydroxo-smpc", "2026-01-08",
     ("2026-01-08", "2026-01-12", "2026-01-14", "2026-01-16", "2026-01-19", "2026-01-21",
      "2026-01-23", "2026-01-30"),
     ("2026-01-22", "2026-02-05", "2026-02-19", "2026-03-05")),
    ("hydroxo-smpc", "2026-12-21",
     ("2026-12-21", "2026-12-23", "2026-12-29", "2026-12-31", "2027-01-04", "2027-01-06",
      "2027-01-08", "2027-01-15"),
     ("2027-01-04", "2027-01-18", "2027-02-01", "2027-02-15")),
    ("hydroxo-smpc", "2026-04-01",
     ("2026-04-01", "2026-04-07", "2026-04-09", "2026-04-13", "2026-04-15", "2026-04-17",
      "2026-04-20", "2026-04-27"),
     ("2026-04-15", "2026-04-29", "2026-05-13", "2026-05-27")),
]  # fmt: skip


@pytest.mark.parametrize(("protocol_id", "start", "loading", "reviews"), OPEN_ENDED)
def test_open_ended_loading_stops_at_the_review(
    calendar: ClinicCalendar,
    protocol_id: str,
    start: str,
    loading: tuple[str, ...],
    reviews: tuple[str, ...],
) -> None:
    course = plan(calendar, protocol_id, start)

    assert dates_of(course, "loading") == days(*loading)
    assert dates_of(course, "review") == days(*reviews)
    assert [d.number for d in course.doses if d.phase == "review"] == [1, 2, 3, 4]
    assert dates_of(course, "maintenance") == []
    assert course.awaiting_review


def test_the_smpc_weekly_stage_gives_its_own_dose(calendar: ClinicCalendar) -> None:
    course = plan(calendar, "hydroxo-smpc", "2026-01-05")
    amounts = [dose.dose for dose in course.doses if dose.phase == "loading"]
    assert amounts == [Dose(1000, "microgram")] * 7 + [Dose(250, "microgram")] * 2


# (template, start, maintenance doses): no loading, first dose on the start date.
NO_LOADING = [
    # Due Sun 5 Apr (Easter): Fri 3 and Mon 6 are bank holidays, Tue 7 is nearer than
    # Thu 2; due Sun 5 Jul: Mon 6 is one day away, Sat 4 closed.
    ("post-bariatric", "2026-01-05",
     ("2026-01-05", "2026-04-07", "2026-07-06", "2026-10-05", "2027-01-05")),
    ("post-bariatric", "2026-01-08",
     ("2026-01-08", "2026-04-08", "2026-07-08", "2026-10-08", "2027-01-08")),
    # Started on Christmas Day: the first dose waits for Tue 29th and the course counts
    # from there (29 March 2027 is Easter Monday: Tue 30th).
    ("post-bariatric", "2026-12-25",
     ("2026-12-29", "2027-03-30", "2027-06-29", "2027-09-29", "2027-12-29")),
    ("post-bariatric", "2026-04-03",
     ("2026-04-07", "2026-07-07", "2026-10-07", "2027-01-07", "2027-04-07")),
    # Monthly: Sun 5 Apr moves to Tue 7; later doses still count from the 5th.
    ("ileal-resection", "2026-01-05",
     ("2026-01-05", "2026-02-05", "2026-03-05", "2026-04-07", "2026-05-05")),
    ("ileal-resection", "2026-01-08",
     ("2026-01-08", "2026-02-09", "2026-03-09", "2026-04-08", "2026-05-08")),
    # 29 Feb 2027 does not exist: 28 Feb (a Sunday) moves to Mon 1 March.
    ("ileal-resection", "2026-12-25",
     ("2026-12-29", "2027-01-29", "2027-03-01", "2027-03-30", "2027-04-29")),
    ("ileal-resection", "2026-04-03",
     ("2026-04-07", "2026-05-07", "2026-06-08", "2026-07-07", "2026-08-07")),
]  # fmt: skip


@pytest.mark.parametrize(("protocol_id", "start", "maintenance"), NO_LOADING)
def test_maintenance_only_templates(
    calendar: ClinicCalendar, protocol_id: str, start: str, maintenance: tuple[str, ...]
) -> None:
    course = plan(calendar, protocol_id, start)

    assert dates_of(course, "loading") == []
    assert dates_of(course, "maintenance")[:5] == days(*maintenance)


def test_ileal_resection_dose_due_on_christmas_day_is_given_on_christmas_eve(
    calendar: ClinicCalendar,
) -> None:
    course = plan(calendar, "ileal-resection", "2026-11-25")
    assert dates_of(course, "maintenance")[:3] == days("2026-11-25", "2026-12-24", "2027-01-25")


# --- re-planning from a history ---------------------------------------------------------


def test_a_missed_loading_dose_is_replanned_not_dropped(calendar: ClinicCalendar) -> None:
    # Friday's dose was missed; on Monday the four remaining doses are planned.
    course = plan(
        calendar,
        "hydroxo-standard",
        "2026-01-05",
        given=("2026-01-05", "2026-01-07"),
        as_of="2026-01-12",
    )
    assert dates_of(course, "loading", "given") == days("2026-01-05", "2026-01-07")
    assert dates_of(course, "loading") == days(
        "2026-01-12", "2026-01-14", "2026-01-16", "2026-01-19"
    )
    # Due Sun 19 April: Mon 20th is nearer than Fri 17th.
    assert dates_of(course, "maintenance")[0] == date(2026, 4, 20)


def test_maintenance_counts_from_the_last_dose_actually_given(calendar: ClinicCalendar) -> None:
    loading = ("2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14")
    course = plan(
        calendar,
        "hydroxo-standard",
        "2026-01-05",
        given=(*loading, "2026-01-20"),
        as_of="2026-01-21",
    )
    assert dates_of(course, "loading") == []
    assert dates_of(course, "maintenance")[:2] == days("2026-04-20", "2026-07-20")


def test_given_doses_beyond_loading_are_maintenance_doses(calendar: ClinicCalendar) -> None:
    loading = ("2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16")
    course = plan(
        calendar,
        "hydroxo-standard",
        "2026-01-05",
        given=(*loading, "2026-04-30"),
        as_of="2026-05-01",
    )
    given = [(dose.number, dose.phase) for dose in course.doses if dose.status == "given"]
    assert given == [(n, "loading") for n in range(1, 7)] + [(7, "maintenance")]
    first = course.doses[7]
    assert (first.number, first.status, first.date) == (8, "planned", date(2026, 7, 30))


def test_an_overdue_maintenance_dose_is_planned_on_the_day_of_replanning(
    calendar: ClinicCalendar,
) -> None:
    loading = ("2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16")
    course = plan(calendar, "hydroxo-standard", "2026-01-05", given=loading, as_of="2026-05-01")
    # Due 16 April, not given: planned on Fri 1 May, and counted from there (1 Aug is a
    # Saturday, so Fri 31 July).
    assert dates_of(course, "maintenance")[:2] == days("2026-05-01", "2026-07-31")


def test_a_frequency_factor_shortens_maintenance(calendar: ClinicCalendar) -> None:
    # 3 months / 1.5 = 2 months.
    course = plan(calendar, "hydroxo-standard", "2026-01-05", factor=1.5)
    assert dates_of(course, "maintenance")[:3] == days("2026-03-16", "2026-05-15", "2026-07-16")
    # 1 month / 1.5 = 20 days (30.44 / 1.5, rounded); Sun 25 Jan moves to Mon 26th and
    # Sat 14 Feb to Fri 13th, both still counted from 5 January.
    monthly = plan(calendar, "ileal-resection", "2026-01-05", factor=1.5)
    assert dates_of(monthly, "maintenance")[:3] == days("2026-01-05", "2026-01-26", "2026-02-13")


def test_loading_ended_by_a_clinician_starts_maintenance(calendar: ClinicCalendar) -> None:
    given = (
        "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16",
        "2026-01-19", "2026-01-21", "2026-01-23", "2026-01-26", "2026-01-28", "2026-01-30",
    )  # fmt: skip
    course = plan(
        calendar,
        "hydroxo-neuro",
        "2026-01-05",
        given=given,
        as_of="2026-02-02",
        loading_ended="2026-02-02",
    )
    assert not course.awaiting_review
    assert dates_of(course, "loading") == [] and dates_of(course, "review") == []
    assert len(dates_of(course, "loading", "given")) == 12
    # Every 2 months from Fri 30 January; Sat 30 May moves back to Fri 29 May.
    assert dates_of(course, "maintenance")[:3] == days("2026-03-30", "2026-05-29", "2026-07-30")


def test_loading_ended_ahead_of_time_plans_loading_up_to_that_day(
    calendar: ClinicCalendar,
) -> None:
    course = plan(calendar, "hydroxo-neuro", "2026-01-05", loading_ended="2026-01-14")
    # No loading dose on the day loading ends; maintenance 2 months after the last one.
    assert dates_of(course, "loading") == days(
        "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12"
    )
    assert dates_of(course, "review") == []
    assert dates_of(course, "maintenance")[0] == date(2026, 3, 12)


def test_open_ended_loading_is_replanned_after_a_gap(calendar: ClinicCalendar) -> None:
    course = plan(
        calendar,
        "hydroxo-neuro",
        "2026-01-05",
        given=("2026-01-05", "2026-01-07"),
        as_of="2026-02-20",
    )
    assert dates_of(course, "loading") == days(
        "2026-02-20", "2026-02-23", "2026-02-25", "2026-02-27", "2026-03-02"
    )
    reviews = [
        (dose.number, dose.date, dose.overdue) for dose in course.doses if dose.phase == "review"
    ]
    # Reviews keep their count from the course start: 2 March is the fourth. The three
    # that passed with no decision recorded stay on the plan, flagged overdue.
    assert reviews == [
        (1, date(2026, 1, 19), True),
        (2, date(2026, 2, 2), True),
        (3, date(2026, 2, 16), True),
        (4, date(2026, 3, 2), False),
        (5, date(2026, 3, 16), False),
        (6, date(2026, 3, 30), False),
        (7, date(2026, 4, 13), False),
    ]


def test_a_closure_with_no_open_day_in_the_window_is_flagged(calendar: ClinicCalendar) -> None:
    closed = ClinicCalendar.build(range(5), [(date(2026, 12, 29), date(2026, 12, 31))])
    course = plan(closed, "hydroxo-standard", "2026-12-21")
    loading = [dose for dose in course.doses if dose.phase == "loading"]
    assert [dose.date for dose in loading] == days(
        "2026-12-21", "2026-12-23", "2027-01-04", "2027-01-06", "2027-01-08", "2027-01-11"
    )
    moved = loading[2]
    assert moved.moved_outside_window
    assert (moved.earliest, moved.latest) == (date(2026, 12, 25), date(2026, 12, 29))


def test_a_long_closure_pulls_maintenance_earlier_and_the_course_counts_on_from_there() -> None:
    closed = ClinicCalendar.build(range(5), [(date(2026, 3, 20), date(2026, 4, 30))])
    course = plan(closed, "post-bariatric", "2026-01-05")
    maintenance = [dose for dose in course.doses if dose.phase == "maintenance"]
    # Due Sun 5 April, window 29 March-19 April all closed: Thu 19 March is the nearest
    # open day before it, 17 days early (within the template's 28-day early limit).
    assert [dose.date for dose in maintenance[:3]] == days("2026-01-05", "2026-03-19", "2026-06-19")
    assert [dose.moved_outside_window for dose in maintenance[:3]] == [False, True, False]


def test_a_closure_in_april_moves_the_first_maintenance_dose_to_31_march() -> None:
    """The issue's example: closed 1 April-10 May, last loading dose Fri 16 January.

    The dose was planned for 11 May, 115 days after loading, although 31 March was open:
    an early B12 dose is harmless, a late one lets symptoms return."""
    closed = ClinicCalendar.build(
        range(5), [(date(2026, 4, 1), date(2026, 5, 10))], country="GB", subdivision="ENG"
    )
    course = plan(closed, "hydroxo-standard", "2026-01-05")
    first = next(dose for dose in course.doses if dose.phase == "maintenance")
    assert (first.date, first.earliest, first.latest) == (
        date(2026, 3, 31),
        date(2026, 4, 9),
        date(2026, 4, 30),
    )
    assert first.moved_outside_window
    assert (first.date - date(2026, 1, 16)).days == 74


def test_past_the_early_limit_a_closed_window_moves_the_dose_after_it() -> None:
    # Closed 10 March-10 May: no open day from 19 March (the 28-day limit) to 30 April.
    closed = ClinicCalendar.build(range(5), [(date(2026, 3, 10), date(2026, 5, 10))])
    course = plan(closed, "hydroxo-standard", "2026-01-05")
    first = next(dose for dose in course.doses if dose.phase == "maintenance")
    assert (first.date, first.moved_outside_window) == (date(2026, 5, 11), True)


def test_a_frequency_factor_scales_the_window_with_the_interval(calendar: ClinicCalendar) -> None:
    # 3 months × 1.5 = 2 months; the 7/14-day window becomes 5/9 days.
    course = plan(calendar, "post-bariatric", "2026-01-05", factor=1.5)
    second = [dose for dose in course.doses if dose.phase == "maintenance"][1]
    assert second.date == date(2026, 3, 5)
    assert (second.earliest, second.latest) == (date(2026, 2, 28), date(2026, 3, 14))


def test_neurological_reviews_keep_their_spacing_after_a_closure() -> None:
    # Closed 15 January-20 February. Reviews fell on 23, 24 and 25 February with
    # one-day windows, unflagged; now the first goes before the closure and each one
    # after it keeps the two-week spacing.
    closed = ClinicCalendar.build(
        range(5), [(date(2026, 1, 15), date(2026, 2, 20))], country="GB", subdivision="ENG"
    )
    course = plan(closed, "hydroxo-neuro", "2026-01-05", as_of="2026-01-05")
    reviews = [dose for dose in course.doses if dose.phase == "review"]
    assert [(r.date, r.moved_outside_window) for r in reviews] == [
        (date(2026, 1, 14), True),  # due 19 January: 5 days early, before the closure
        (date(2026, 2, 23), True),  # due 28 January: first open day after the closure
    ]
    later = plan(closed, "hydroxo-neuro", "2026-01-05", given=("2026-01-05",), as_of="2026-02-23")
    spaced = [dose.date for dose in later.doses if dose.phase == "review" and not dose.overdue]
    assert spaced[:3] == days("2026-02-23", "2026-03-09", "2026-03-23")
    assert all((b - a).days >= 7 for a, b in pairwise(spaced))


def test_a_review_that_passes_without_a_decision_is_overdue_until_one_is_held(
    calendar: ClinicCalendar,
) -> None:
    course = plan(
        calendar, "hydroxo-neuro", "2026-01-05", given=("2026-01-05",), as_of="2026-01-26"
    )
    assert [(r.number, r.date) for r in course.overdue_reviews] == [(1, date(2026, 1, 19))]
    state = CourseState(
        protocol("hydroxo-neuro"),
        date(2026, 1, 5),
        (date(2026, 1, 5),),
        date(2026, 1, 26),
        reviews_held=1,
    )
    assert plan_course(state, calendar).overdue_reviews == ()


def test_a_for_life_plan_reaches_the_horizon(calendar: ClinicCalendar) -> None:
    course = plan(calendar, "post-bariatric", "2026-01-05")
    assert dates_of(course, "maintenance") == days(
        "2026-01-05", "2026-04-07", "2026-07-06", "2026-10-05", "2027-01-05",
        "2027-04-05", "2027-07-05", "2027-10-05", "2028-01-05",
    )  # fmt: skip


def test_monitoring_follows_the_seed_plan_on_open_days(calendar: ClinicCalendar) -> None:
    course = plan(calendar, "hydroxo-standard", "2026-01-05")
    assert [(due.date, due.tests) for due in course.monitoring] == [
        (date(2026, 4, 7), ("B12", "FBC", "homocysteine")),  # 3 months: Easter Sunday
        (date(2026, 7, 6), ("B12", "FBC", "homocysteine")),  # 6 months: a Sunday
        (date(2027, 1, 5), ("B12", "FBC", "homocysteine")),  # 12 months
        (date(2028, 1, 5), ("B12", "FBC", "homocysteine")),  # then yearly, to the horizon
    ]


def test_monitoring_already_past_is_not_listed(calendar: ClinicCalendar) -> None:
    course = plan(calendar, "hydroxo-standard", "2026-01-05", as_of="2026-05-01")
    assert [due.date for due in course.monitoring][:2] == days("2026-07-06", "2027-01-05")


def test_nothing_is_planned_before_as_of(calendar: ClinicCalendar) -> None:
    course = plan(calendar, "hydroxo-standard-daily", "2026-01-05", as_of="2026-01-14")
    assert dates_of(course, "loading")[0] == date(2026, 1, 14)
    assert len(dates_of(course, "loading")) == 10


def test_next_dose_is_the_first_planned_dose(calendar: ClinicCalendar) -> None:
    course = plan(
        calendar, "hydroxo-neuro", "2026-01-05", given=("2026-01-05",), as_of="2026-01-06"
    )
    assert course.next_dose is not None and course.next_dose.date == date(2026, 1, 7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"factor": 0.0}, "greater than 0"),
        ({"given": ("2026-01-09", "2026-01-07")}, "date order"),
        ({"given": ("2026-01-02",)}, "before the course start"),
        ({"loading_ended": "2026-01-01"}, "before the course start"),
    ],
)
def test_impossible_course_states_are_refused(
    calendar: ClinicCalendar, change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plan(calendar, "hydroxo-standard", "2026-01-05", **change)  # type: ignore[arg-type]
