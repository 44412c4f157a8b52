"""Which days the clinic is open: weekdays, one-off closures and public holidays.

The engine plans years ahead and asks "is this day open?" thousands of times per
course, so the answer is a single index into a per-day table of open flags. Public
holidays are looked up once per year (the ``holidays`` package is slow to ask) and the
table grows on demand to whatever year is asked about, so no caller has to know how
far ahead the plan will reach.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import date

from clinic_app.domain.public_holidays import public_holidays

#: Weekday numbers as ``date.weekday()`` returns them, by the names the CLI accepts.
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Public holidays in one calendar year (a pure function of the year).
HolidaySource = Callable[[int], Iterable[date]]

Closure = date | tuple[date, date]


def no_holidays(year: int) -> tuple[date, ...]:
    return ()


class ClinicCalendar:
    """Open weekdays minus closures (single days or inclusive ranges) and public holidays.

    Treat it as immutable: the only state that changes is the cache of open flags,
    which is rebuilt whole and swapped in, so concurrent readers always see a
    consistent table.
    """

    def __init__(
        self,
        open_weekdays: Iterable[int],
        closures: Iterable[Closure] = (),
        holidays: HolidaySource = no_holidays,
    ) -> None:
        weekdays = frozenset(open_weekdays)
        if not weekdays:
            raise ValueError("the clinic must be open on at least one weekday")
        if not weekdays <= set(range(7)):
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(weekdays)}")
        self.open_weekdays = weekdays
        self._open_by_weekday = tuple(day in weekdays for day in range(7))
        closed: set[int] = set()
        for closure in closures:
            first, last = closure if isinstance(closure, tuple) else (closure, closure)
            if last < first:
                raise ValueError(f"closure {first}..{last} ends before it starts")
            closed.update(range(first.toordinal(), last.toordinal() + 1))
        self._closed = frozenset(closed)
        self._holidays = holidays
        self._holiday_years: dict[int, frozenset[int]] = {}
        self._lock = threading.Lock()
        # (first ordinal covered, open flag per day from there); starts empty.
        self._table: tuple[int, bytes] = (0, b"")

    @classmethod
    def build(
        cls,
        open_weekdays: Iterable[int],
        closures: Iterable[Closure] = (),
        country: str | None = "GB",
        subdivision: str | None = "ENG",
        years: Iterable[int] = (),
    ) -> ClinicCalendar:
        """A calendar with the public holidays of ``country``/``subdivision``.

        ``years`` are loaded now (and an unknown country or subdivision fails here, as
        a ValueError); any other year is loaded the first time it is asked about.
        ``country=None`` means no public holidays.
        """
        if country is None:
            return cls(open_weekdays, closures)
        source = public_holidays(country, subdivision)
        calendar = cls(open_weekdays, closures, source)
        for year in years:
            calendar._ensure(date(year, 1, 1).toordinal())
        return calendar

    def is_open(self, day: date) -> bool:
        return self.is_open_ordinal(day.toordinal())

    def is_open_ordinal(self, ordinal: int) -> bool:
        """The engine's inner loop: one index into the table in the common case."""
        first, flags = self._table
        index = ordinal - first
        if 0 <= index < len(flags):
            return flags[index] == 1
        first, flags = self._ensure(ordinal)
        return flags[ordinal - first] == 1

    def open_flags(self, low: int, high: int) -> tuple[int, bytes]:
        """``(first, flags)``: ``flags[n - first]`` is 1 when day ordinal ``n`` is open,
        for at least ``low..high``. For inner loops that cannot afford a method call
        per day; outside the returned range, ask ``is_open_ordinal``."""
        first, flags = self._table
        if first <= low and high - first < len(flags):
            return first, flags
        self._ensure(low)
        return self._ensure(high)

    def next_open_ordinal(self, ordinal: int) -> int:
        """The first open day on or after ``ordinal``."""
        while not self.is_open_ordinal(ordinal):
            ordinal += 1
        return ordinal

    def next_open(self, day: date) -> date:
        return date.fromordinal(self.next_open_ordinal(day.toordinal()))

    def _ensure(self, ordinal: int) -> tuple[int, bytes]:
        """Grow the table, whole years at a time, until it covers ``ordinal``."""
        with self._lock:
            first, flags = self._table
            if 0 <= ordinal - first < len(flags):
                return first, flags
            year = date.fromordinal(ordinal).year
            if flags:
                low = min(year, date.fromordinal(first).year)
                high = max(year, date.fromordinal(first + len(flags) - 1).year)
            else:
                low = high = year
            start = date(low, 1, 1).toordinal()
            end = date(high + 1, 1, 1).toordinal()
            closed = set(self._closed)
            for each in range(low, high + 1):
                closed.update(self._holidays_in(each))
            by_weekday = self._open_by_weekday
            table = bytes(
                1 if by_weekday[(day - 1) % 7] and day not in closed else 0
                for day in range(start, end)
            )
            self._table = (start, table)
            return self._table

    def _holidays_in(self, year: int) -> frozenset[int]:
        cached = self._holiday_years.get(year)
        if cached is None:
            cached = frozenset(day.toordinal() for day in self._holidays(year))
            self._holiday_years[year] = cached
        return cached
