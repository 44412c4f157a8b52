"""Choosing a slot for each dose: the rules a receptionist applies by eye, made exact.

Pure Python: the booking service loads the free slots and the patient's other
appointments, this module decides where each dose goes and, when it cannot, why.

Rules, in order of importance:
- A dose goes inside its window, never before today, never on a day the patient
  already has a dose (a review may share a day with a dose: the clinician sees them
  at the injection), and after the course's previous dose by at least the loading
  spacing ("at least two days apart, at most three in any seven").
- The slot nearest the target date wins: the first free slot on or after it, else the
  latest one before it. For a loading dose (window opens on the target) that is the
  earliest slot in the window; for maintenance it stops a dose booked a week early
  every time from pulling the whole lifelong schedule earlier by a week per dose.
- The patient's preferred days and time are honoured when any slot in the window fits
  them; otherwise any slot is taken and the placement says it ignored them.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES
from clinic_app.domain.date_text import format_date

NOON = dt.time(12, 0)


@dataclass(frozen=True, slots=True)
class OpenSlot:
    """A bookable slot and the places it had left when it was read."""

    slot_id: int
    start: dt.datetime
    end: dt.datetime
    free: int


class Unplaced(StrEnum):
    """Why a dose got no slot, worded for the person who will sort it out."""

    WINDOW_PASSED = "window_passed"
    NO_SESSION = "no_session"
    ALL_FULL = "all_full"
    CLASH = "clash"

    def explain(self, earliest: dt.date, latest: dt.date) -> str:
        window = f"from {format_date(earliest)} to {format_date(latest)}"
        return {
            Unplaced.WINDOW_PASSED: f"Its window ({window}) has already passed.",
            Unplaced.NO_SESSION: f"No clinic session {window}.",
            Unplaced.ALL_FULL: f"Every slot {window} is full.",
            Unplaced.CLASH: (
                f"The free slots {window} fall on days the patient already has a dose, "
                "or too close to the course's other doses."
            ),
        }[self]


@dataclass(frozen=True, slots=True)
class Preferences:
    """When the patient can come: weekdays (empty means any) and "am", "pm" or ""."""

    days: frozenset[int] = frozenset()
    time: str = ""

    @classmethod
    def parse(cls, days: str, time: str) -> Preferences:
        names = [part.strip().lower()[:3] for part in days.split(",") if part.strip()]
        numbers = frozenset(WEEKDAY_NAMES.index(n) for n in names if n in WEEKDAY_NAMES)
        return cls(numbers, time.strip().lower() if time.strip().lower() in ("am", "pm") else "")

    @property
    def any(self) -> bool:
        return not self.days and not self.time

    def suits(self, start: dt.datetime) -> bool:
        if self.days and start.weekday() not in self.days:
            return False
        if self.time == "am":
            return start.time() < NOON
        if self.time == "pm":
            return start.time() >= NOON
        return True


@dataclass(frozen=True, slots=True)
class Spacing:
    """How soon after the course's previous dose this one may be given.

    ``per_week`` caps this course's loading doses in any seven consecutive days.
    """

    min_gap_days: int = 1
    per_week: int | None = None


@dataclass(frozen=True, slots=True)
class CourseDose:
    """One dose (or review) of a course: ``day`` is set when it is given or booked.

    ``key`` identifies a dose to place (the appointment id); fixed doses may leave it 0.
    """

    key: int
    number: int
    is_review: bool
    planned: dt.date
    earliest: dt.date
    latest: dt.date
    spacing: Spacing = Spacing()
    day: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    key: int
    slot: OpenSlot | None
    #: True when no slot in the window suited the patient's preferred days or time.
    outside_preferences: bool = False
    problem: Unplaced | None = None


class SlotPool:
    """Places left in each slot, shared by every dose placed in one booking run."""

    def __init__(self, slots: Iterable[OpenSlot]) -> None:
        by_day: dict[dt.date, list[OpenSlot]] = {}
        for slot in slots:
            by_day.setdefault(slot.start.date(), []).append(slot)
        for day_slots in by_day.values():
            day_slots.sort(key=lambda s: s.start)
        self._by_day = by_day
        self._days = sorted(by_day)
        self._free = {s.slot_id: s.free for day in by_day.values() for s in day}

    def days_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Days with any slot (free or full), in date order."""
        return self._days[bisect_left(self._days, first) : bisect_right(self._days, last)]

    def free(self, slot_id: int) -> int:
        return self._free.get(slot_id, 0)

    def slots_on(self, day: dt.date) -> list[OpenSlot]:
        return self._by_day.get(day, [])

    def free_slots(self, first: dt.date, last: dt.date) -> Iterator[OpenSlot]:
        for day in self.days_between(first, last):
            for slot in self._by_day[day]:
                if self._free[slot.slot_id] > 0:
                    yield slot

    def current(self, slot: OpenSlot) -> OpenSlot:
        """The slot with the places it has left now."""
        return OpenSlot(slot.slot_id, slot.start, slot.end, self._free[slot.slot_id])

    def take(self, slot_id: int) -> None:
        self._free[slot_id] -= 1

    def give_back(self, slot_id: int) -> None:
        """A slot the database refused after all (taken on another workstation)."""
        self._free[slot_id] = 0


@dataclass
class PatientDays:
    """Days the patient already comes in, so no second dose lands on one of them."""

    dose_days: set[dt.date] = field(default_factory=set)
    review_days: set[dt.date] = field(default_factory=set)

    def busy(self, day: dt.date, is_review: bool) -> bool:
        return day in (self.review_days if is_review else self.dose_days)

    def add(self, day: dt.date, is_review: bool) -> None:
        (self.review_days if is_review else self.dose_days).add(day)


def place_course(
    doses: Sequence[CourseDose],
    pool: SlotPool,
    patient: PatientDays,
    preferences: Preferences,
    today: dt.date,
) -> list[Placement]:
    """A placement for every dose of one course with no ``day``, in dose order.

    ``doses`` holds the whole course chain that matters (given and booked doses fix
    the spacing of the ones around them). The pool and the patient's days are updated
    as doses are placed, so the next course placed from the same pool sees them.
    """
    chain = sorted((d for d in doses if not d.is_review), key=lambda d: d.number)
    days: dict[int, dt.date] = {d.number: d.day for d in chain if d.day is not None}
    placements: list[Placement] = []
    for position, dose in enumerate(chain):
        if dose.day is not None:
            continue
        lower, upper = _chain_bounds(chain, position, days, today)
        placement = _place(dose, lower, upper, pool, patient, preferences, today, chain, days)
        placements.append(placement)
        # An unplaced dose still happens some day: later doses keep its target's spacing.
        days[dose.number] = placement.slot.start.date() if placement.slot else dose.planned
    for dose in doses:
        if dose.is_review and dose.day is None:
            lower = max(dose.earliest, today)
            placements.append(
                _place(dose, lower, dose.latest, pool, patient, preferences, today, (), {})
            )
    return placements


def place_dose(
    dose: CourseDose,
    others: Sequence[CourseDose],
    pool: SlotPool,
    patient: PatientDays,
    preferences: Preferences,
    today: dt.date,
) -> Placement:
    """Place one dose among the course's other (given or booked) doses."""
    placements = place_course([*others, dose], pool, patient, preferences, today)
    return next(p for p in placements if p.key == dose.key)


def check_day(
    dose: CourseDose, day: dt.date, others: Sequence[CourseDose], patient: PatientDays
) -> str | None:
    """Why ``dose`` may not be given on ``day`` (given the course's fixed doses), or None."""
    if patient.busy(day, dose.is_review):
        return f"The patient already has {'a review' if dose.is_review else 'a dose'} that day."
    if dose.is_review:
        return None
    chain = sorted(
        [d for d in others if not d.is_review and d.day is not None and d.number != dose.number]
        + [dose],
        key=lambda d: d.number,
    )
    days = {d.number: d.day for d in chain if d.day is not None}
    position = chain.index(dose)
    if position > 0:
        before = chain[position - 1]
        gap = dose.spacing.min_gap_days
        if (day - days[before.number]).days < gap:
            return _too_close(before, days[before.number], gap)
    if position + 1 < len(chain):
        after = chain[position + 1]
        gap = after.spacing.min_gap_days
        if (days[after.number] - day).days < gap:
            return _too_close(after, days[after.number], gap)
    if not _within_weekly_cap(dose, day, chain, days):
        return f"More than {dose.spacing.per_week} loading doses would fall in seven days."
    return None


def _too_close(other: CourseDose, day: dt.date, gap: int) -> str:
    apart = "on different days" if gap == 1 else f"at least {gap} days apart"
    return f"Too close to dose {other.number} on {format_date(day)}: doses must be {apart}."


def _chain_bounds(
    chain: Sequence[CourseDose], position: int, days: dict[int, dt.date], today: dt.date
) -> tuple[dt.date, dt.date]:
    dose = chain[position]
    lower = max(dose.earliest, today)
    for before in reversed(chain[:position]):
        if before.number in days:
            gap = dt.timedelta(days=dose.spacing.min_gap_days)
            lower = max(lower, days[before.number] + gap)
            break
    upper = dose.latest
    for after in chain[position + 1 :]:
        if after.day is not None:
            upper = min(upper, after.day - dt.timedelta(days=after.spacing.min_gap_days))
            break
    return lower, upper


def _within_weekly_cap(
    dose: CourseDose, day: dt.date, chain: Sequence[CourseDose], days: dict[int, dt.date]
) -> bool:
    """Counts only the course's loading doses (those that carry a weekly cap)."""
    cap = dose.spacing.per_week
    if cap is None:
        return True
    near = [
        days[other.number]
        for other in chain
        if other.spacing.per_week is not None
        and other.number != dose.number
        and other.number in days
        and abs((days[other.number] - day).days) < 7
    ]
    for first in range(-6, 1):
        start = day + dt.timedelta(days=first)
        end = start + dt.timedelta(days=6)
        if 1 + sum(1 for d in near if start <= d <= end) > cap:
            return False
    return True


def _ordered_days(days: list[dt.date], target: dt.date) -> list[dt.date]:
    """On or after the target first (nearest first), then before it (nearest first)."""
    split = bisect_left(days, target)
    return days[split:] + days[:split][::-1]


def _place(
    dose: CourseDose,
    lower: dt.date,
    upper: dt.date,
    pool: SlotPool,
    patient: PatientDays,
    preferences: Preferences,
    today: dt.date,
    chain: Sequence[CourseDose],
    days: dict[int, dt.date],
) -> Placement:
    if dose.latest < today:
        return Placement(dose.key, None, problem=Unplaced.WINDOW_PASSED)
    candidates = [
        day
        for day in _ordered_days(pool.days_between(lower, upper), dose.planned)
        if not patient.busy(day, dose.is_review)
        and (not chain or _within_weekly_cap(dose, day, chain, days))
    ]
    passes = (True,) if preferences.any else (False, True)
    for ignore_preferences in passes:
        for day in candidates:
            for slot in pool.slots_on(day):
                if pool.free(slot.slot_id) <= 0:
                    continue
                if not ignore_preferences and not preferences.suits(slot.start):
                    continue
                chosen = pool.current(slot)
                pool.take(slot.slot_id)
                patient.add(day, dose.is_review)
                outside = ignore_preferences and not preferences.any
                return Placement(dose.key, chosen, outside_preferences=outside)
    return Placement(dose.key, None, problem=_why_not(dose, pool, today))


def _why_not(dose: CourseDose, pool: SlotPool, today: dt.date) -> Unplaced:
    first = max(dose.earliest, today)
    window_days = pool.days_between(first, dose.latest)
    if not window_days:
        return Unplaced.NO_SESSION
    if not any(True for _ in pool.free_slots(first, dose.latest)):
        return Unplaced.ALL_FULL
    return Unplaced.CLASH
