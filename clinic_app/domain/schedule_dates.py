"""Day arithmetic for the scheduling engine, on date ordinals.

The engine re-plans every active course in a clinic at once, so it works on
``date.toordinal()`` integers and builds ``date`` objects only for its output.
Month arithmetic matches ``dateutil.relativedelta(months=n)`` exactly (the day is
clipped to the end of a shorter month; a unit test holds the two together) but costs
a fraction of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.protocol import Interval

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

#: month index (year * 12 + month - 1) -> (ordinal of its 1st, days in it). A few
#: hundred entries cover any clinic's plans; filled on first use.
_months: dict[int, tuple[int, int]] = {}


def _month(index: int) -> tuple[int, int]:
    found = _months.get(index)
    if found is None:
        year, month0 = divmod(index, 12)
        days = _DAYS_IN_MONTH[month0]
        if month0 == 1 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
            days = 29
        found = _months[index] = (date(year, month0 + 1, 1).toordinal(), days)
    return found


def add_months(ordinal: int, months: int) -> int:
    day = date.fromordinal(ordinal)
    first, days = _month(day.year * 12 + day.month - 1 + months)
    return first + min(day.day, days) - 1


def add_interval(ordinal: int, interval: Interval, times: int = 1) -> int:
    """``times`` intervals after ``ordinal``, counted from it (not chained), so a
    31 January anchor gives 30 April, not the 28th carried on from February."""
    if interval.unit == "months":
        return add_months(ordinal, interval.amount * times)
    return ordinal + interval.amount * times * (7 if interval.unit == "weeks" else 1)


def stepper(anchor: int, interval: Interval) -> Callable[[int], int]:
    """``times -> anchor + times * interval`` with the anchor's date worked out once,
    for the maintenance loop, which asks for dozens of multiples of one anchor."""
    if interval.unit != "months":
        days = interval.amount * (7 if interval.unit == "weeks" else 1)
        return lambda times: anchor + days * times
    day = date.fromordinal(anchor)
    index, day_of_month, amount = day.year * 12 + day.month - 1, day.day, interval.amount

    def step(times: int) -> int:
        first, days = _month(index + amount * times)
        return first + (day_of_month if day_of_month <= days else days) - 1

    return step


def place_nearest(
    calendar: ClinicCalendar, ideal: int, earliest: int, latest: int, floor: int | None = None
) -> tuple[int, bool]:
    """The open day in ``[earliest, latest]`` nearest to ``ideal``; on a tie the earlier.

    Earlier wins a tie because a B12 dose a day early is harmless while a late one
    lets symptoms return. With no open day in the window, the nearest open day before
    it, down to ``floor`` (the regimen's early limit), is used; failing that the first
    open day after it. Either is flagged (second value True) so a person can look at
    it; the plan never fails for want of an open day.
    """
    ideal = max(ideal, earliest)
    base, flags = calendar.open_flags(earliest, latest)
    if ideal <= latest and flags[ideal - base]:
        return ideal, False
    distance = 1
    while True:
        before = ideal - distance
        after = ideal + distance
        before_fits = before >= earliest
        after_fits = after <= latest
        if not (before_fits or after_fits):
            break
        if before_fits and flags[before - base]:
            return before, False
        if after_fits and flags[after - base]:
            return after, False
        distance += 1
    if floor is not None and floor < earliest:
        base, flags = calendar.open_flags(floor, earliest - 1)
        for day in range(earliest - 1, floor - 1, -1):
            if flags[day - base]:
                return day, True
    return calendar.next_open_ordinal(max(latest + 1, earliest)), True
