"""Where a dose goes: nearest its target, inside its window, spaced, never two a day."""

from __future__ import annotations

import datetime as dt
from itertools import count

from clinic_app.domain.slot_placement import (
    CourseDose,
    OpenSlot,
    PatientDays,
    Placement,
    Preferences,
    SlotPool,
    Spacing,
    Unplaced,
    check_day,
    place_course,
)

MONDAY = dt.date(2027, 3, 1)
_ids = count(1)
ANY_GAP = Spacing()


def day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


def slots(*offsets: int, hour: int = 9, free: int = 1) -> list[OpenSlot]:
    made = []
    for offset in offsets:
        start = dt.datetime.combine(day(offset), dt.time(hour, 0))
        made.append(OpenSlot(next(_ids), start, start + dt.timedelta(minutes=10), free))
    return made


def dose(
    key: int,
    planned: int,
    *,
    early: int = 0,
    late: int = 4,
    number: int | None = None,
    spacing: Spacing = ANY_GAP,
    review: bool = False,
    fixed: int | None = None,
) -> CourseDose:
    return CourseDose(
        key=key,
        number=number if number is not None else key,
        is_review=review,
        planned=day(planned),
        earliest=day(planned - early),
        latest=day(planned + late),
        spacing=spacing,
        day=None if fixed is None else day(fixed),
    )


def placed_days(placements: list[Placement]) -> list[dt.date | None]:
    return [p.slot.start.date() if p.slot else None for p in placements]


def test_the_slot_nearest_the_target_wins_not_the_earliest_in_the_window() -> None:
    pool = SlotPool(slots(0, 2, 4, 7, 9))
    (placement,) = place_course(
        [dose(1, 4, early=7, late=14)], pool, PatientDays(), Preferences(), day(0)
    )
    assert placement.slot is not None and placement.slot.start.date() == day(4)


def test_before_the_target_only_when_nothing_is_free_after_it() -> None:
    pool = SlotPool(slots(0, 2, 4))
    (placement,) = place_course(
        [dose(1, 5, early=7, late=2)], pool, PatientDays(), Preferences(), day(0)
    )
    assert placement.slot is not None and placement.slot.start.date() == day(4)


def test_loading_doses_keep_the_regimens_spacing_and_weekly_cap() -> None:
    rule = Spacing(min_gap_days=2, per_week=3)
    pool = SlotPool(slots(*range(0, 21)))
    chain = [dose(n, planned, spacing=rule) for n, planned in enumerate((0, 2, 4, 7), start=1)]
    placements = place_course(chain, pool, PatientDays(), Preferences(), day(0))
    assert placed_days(placements) == [day(0), day(2), day(4), day(7)]
    # A first dose pushed a day late pushes the rest; the fourth may not be day 7
    # (four doses between day 1 and day 7), so it waits for day 8.
    pool = SlotPool(slots(*range(1, 21)))
    placements = place_course(chain, pool, PatientDays(), Preferences(), day(0))
    assert placed_days(placements) == [day(1), day(3), day(5), day(8)]


def test_never_two_doses_on_one_day_but_a_review_may_share_it() -> None:
    pool = SlotPool(slots(0, 1, 2, hour=9) + slots(0, 1, 2, hour=10))
    patient = PatientDays(dose_days={day(0)})
    placements = place_course(
        [dose(1, 0), dose(2, 0, review=True)], pool, patient, Preferences(), day(0)
    )
    assert placed_days(placements) == [day(1), day(0)]


def test_preferred_days_and_times_first_then_any_slot_flagged() -> None:
    morning, afternoon = slots(1, hour=9), slots(1, 3, hour=14)
    pool = SlotPool(morning + afternoon)
    thursday_pm = Preferences.parse("Thu, fri", "PM")
    assert thursday_pm == Preferences(frozenset({3, 4}), "pm")
    (placement,) = place_course([dose(1, 0)], pool, PatientDays(), thursday_pm, day(0))
    assert placement.slot == OpenSlot(afternoon[1].slot_id, afternoon[1].start, afternoon[1].end, 1)
    assert not placement.outside_preferences
    (fallback,) = place_course(
        [dose(2, 0, late=2)], pool, PatientDays(), Preferences.parse("sat", ""), day(0)
    )
    assert fallback.slot is not None and fallback.outside_preferences
    assert fallback.slot.start == morning[0].start


def test_a_shared_pool_fills_up_across_courses() -> None:
    pool = SlotPool(slots(0, free=2))
    results = [
        place_course([dose(n, 0, late=0)], pool, PatientDays(), Preferences(), day(0))[0]
        for n in range(1, 4)
    ]
    assert [r.slot is not None for r in results] == [True, True, False]
    assert results[-1].problem is Unplaced.ALL_FULL


def test_each_reason_a_dose_cannot_be_placed() -> None:
    assert (
        place_course([dose(1, 0)], SlotPool(slots(10)), PatientDays(), Preferences(), day(0))[
            0
        ].problem
        is Unplaced.NO_SESSION
    )
    assert (
        place_course(
            [dose(1, 0)], SlotPool(slots(1, free=0)), PatientDays(), Preferences(), day(0)
        )[0].problem
        is Unplaced.ALL_FULL
    )
    assert (
        place_course(
            [dose(1, 0)], SlotPool(slots(1)), PatientDays({day(1)}), Preferences(), day(0)
        )[0].problem
        is Unplaced.CLASH
    )
    assert (
        place_course([dose(1, 0)], SlotPool(slots(1)), PatientDays(), Preferences(), day(9))[
            0
        ].problem
        is Unplaced.WINDOW_PASSED
    )
    assert Unplaced.ALL_FULL.explain(day(0), day(4)) == (
        "Every slot from 01/03/2027 to 05/03/2027 is full."
    )


def test_a_dose_fits_between_booked_neighbours() -> None:
    rule = Spacing(min_gap_days=2)
    chain = [
        dose(1, 0, spacing=rule, fixed=0),
        dose(2, 2, spacing=rule),
        dose(3, 4, spacing=rule, fixed=4),
    ]
    placements = place_course(chain, SlotPool(slots(1, 2, 3)), PatientDays(), Preferences(), day(0))
    assert placed_days(placements) == [day(2)]


def test_check_day_explains_what_is_wrong() -> None:
    rule = Spacing(min_gap_days=2, per_week=3)
    first = dose(1, 0, spacing=rule, fixed=0)
    second = dose(2, 2, spacing=rule)
    assert check_day(second, day(2), [first], PatientDays()) is None
    assert check_day(second, day(1), [first], PatientDays()) == (
        "Too close to dose 1 on 01/03/2027: doses must be at least 2 days apart."
    )
    assert check_day(second, day(3), [first], PatientDays({day(3)})) == (
        "The patient already has a dose that day."
    )
    crowded = [dose(n, 2 * (n - 1), spacing=rule, fixed=2 * (n - 1)) for n in (1, 2, 3)]
    assert "More than 3 loading doses" in str(
        check_day(dose(4, 6, spacing=rule), day(6), crowded, PatientDays())
    )
