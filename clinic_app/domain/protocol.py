"""Regimen templates as plain, immutable values.

A prescriber picks a template; the scheduling engine turns it into dates. Keeping the
template as data (read from a TOML file a clinic can review) rather than code means a
clinic can change an interval or a monitoring step without a release, and every
course can say which template version it was planned from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from dateutil.relativedelta import relativedelta

Drug = Literal["hydroxocobalamin", "cyanocobalamin"]
DoseUnit = Literal["microgram", "mg"]
Route = Literal["IM", "SC"]
IntervalUnit = Literal["days", "weeks", "months"]
LoadingKind = Literal[
    "none", "times_per_week", "daily", "weekly", "alternate_days_until_review", "step_down"
]

#: Average days in a calendar month, used only when a frequency adjustment turns a
#: month interval into a fraction of a month (3 months / 1.4 = 2.14 months = 65 days).
DAYS_PER_MONTH = 30.44


@dataclass(frozen=True, slots=True)
class Interval:
    """A repeat interval; months are calendar months, so 8-weekly is not 2-monthly."""

    amount: int
    unit: IntervalUnit

    def add_to(self, start: date, times: int = 1) -> date:
        """Months use relativedelta, so 31 January + 1 month is 28/29 February."""
        if self.unit == "months":
            return start + relativedelta(months=self.amount * times)
        days = self.amount * times * (7 if self.unit == "weeks" else 1)
        return start + timedelta(days=days)

    def divided_by(self, factor: float) -> Interval:
        """Shorten the interval for a patient who needs more frequent injections.

        Months stay months when the result is whole (3 months / 1.5 = 2 months);
        otherwise the result is converted to days at DAYS_PER_MONTH and rounded, so
        a prescriber's factor is never silently rounded to a whole month.
        """
        if not factor > 0:
            raise ValueError(f"interval factor must be greater than 0, got {factor}")
        if factor == 1:
            return self
        if self.unit == "months":
            months = self.amount / factor
            if abs(months - round(months)) < 1e-9 and round(months) >= 1:
                return Interval(round(months), "months")
            in_days = round(self.amount * DAYS_PER_MONTH / factor)
            if factor >= 1:
                # Never longer than the shortest the original interval can be (1 month
                # from 31 January is 28 days): "more frequent" must never mean later.
                in_days = min(in_days, _shortest_span_of_months(self.amount))
            return Interval(max(1, in_days), "days")
        days = self.amount * (7 if self.unit == "weeks" else 1) / factor
        whole = max(1, round(days))
        if self.unit == "weeks" and whole % 7 == 0:
            return Interval(whole // 7, "weeks")
        return Interval(whole, "days")

    def describe(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


@lru_cache(maxsize=32)
def _shortest_span_of_months(months: int) -> int:
    """Fewest days ``months`` calendar months can span, over a whole leap-year cycle."""
    first = date(2024, 1, 1)
    return min(
        ((day + relativedelta(months=months)) - day).days
        for day in (first + timedelta(days=n) for n in range(4 * 366))
    )


@dataclass(frozen=True, slots=True)
class Dose:
    amount: float
    unit: DoseUnit

    def describe(self) -> str:
        amount = f"{self.amount:g}"
        if self.unit == "mg":
            return f"{amount} mg"
        return f"{amount} microgram" + ("" if self.amount == 1 else "s")


@dataclass(frozen=True, slots=True)
class DoseWindow:
    """How far a dose may move from its ideal day and still count as on time.

    ``early_days`` and ``late_days`` are both zero or positive: the window is
    ``[ideal - early_days, ideal + late_days]``.

    ``early_limit_days`` (at least ``early_days``) is how far before its ideal day a
    dose may still go when the clinic is closed on every day of its window: an early
    B12 dose is harmless, a late one lets symptoms return, so the nearest open day
    before the window within this limit is preferred to one after it. None means no
    margin beyond the window (``early_days``).
    """

    early_days: int
    late_days: int
    early_limit_days: int | None = None

    @property
    def early_limit(self) -> int:
        limit = self.early_limit_days
        return self.early_days if limit is None or limit < self.early_days else limit

    def scaled(self, factor: float) -> DoseWindow:
        """The window for an interval divided by ``factor``: every margin scales with it,
        so a dose made twice as frequent also has half the leeway either side."""
        if factor == 1:
            return self
        limit = self.early_limit
        return DoseWindow(
            _scaled(self.early_days, factor),
            _scaled(self.late_days, factor),
            _scaled(limit, factor),
        )


def _scaled(days: int, factor: float) -> int:
    return max(0, round(days / factor))


@dataclass(frozen=True, slots=True)
class DoseWindows:
    loading: DoseWindow
    maintenance: DoseWindow
    review: DoseWindow


#: Used when a template leaves a window out. Loading doses are planned as early as
#: the spacing rules allow, so they only ever move later: four days late steps over
#: an Easter closure (Good Friday to Easter Monday) without flagging it. Maintenance
#: may be a week early (harmless) or two weeks late (before symptoms usually return);
#: with no margin stated, a closure never pulls it more than a week early.
DEFAULT_WINDOWS = DoseWindows(
    loading=DoseWindow(early_days=0, late_days=4),
    maintenance=DoseWindow(early_days=7, late_days=14),
    review=DoseWindow(early_days=3, late_days=3),
)


@dataclass(frozen=True, slots=True)
class LoadingStep:
    """Doses at least ``every_days`` apart; ``count`` None means until a clinician
    records that loading has ended (only the last step may be open-ended).

    ``per_week`` caps doses in any 7 consecutive days (the "3 times a week" rule);
    ``dose`` overrides the template dose for this step (SmPC: 250 micrograms weekly).
    ``review_before``: the step is conditional (the US label steps down only after a
    clinical and reticulocyte response), so the plan carries a clinician review on the
    day of its first dose, before that dose.
    """

    every_days: int
    count: int | None
    per_week: int | None = None
    dose: Dose | None = None
    review_before: bool = False


@dataclass(frozen=True, slots=True)
class LoadingPattern:
    """Every kind is reduced to steps, so the engine has one algorithm, not six."""

    kind: LoadingKind
    steps: tuple[LoadingStep, ...]
    review_every: Interval | None = None

    @property
    def open_ended(self) -> bool:
        return bool(self.steps) and self.steps[-1].count is None

    @property
    def counted_doses(self) -> int:
        """Doses in the steps that have a count (all of them unless open-ended)."""
        return sum(step.count for step in self.steps if step.count is not None)

    def describe(self) -> str:
        if not self.steps:
            return "no loading doses"
        parts = []
        for step in self.steps:
            if step.per_week is not None and step.count is not None:
                weeks = step.count // step.per_week
                parts.append(f"{step.per_week} times a week for {weeks} weeks")
                continue
            every = {1: "daily", 2: "alternate days", 7: "weekly"}.get(
                step.every_days, f"every {step.every_days} days"
            )
            amount = (
                "until a clinician ends loading"
                if step.count is None
                else (f"for {step.count} doses")
            )
            dose = f" ({step.dose.describe()})" if step.dose else ""
            parts.append(f"{every} {amount}{dose}")
        return ", then ".join(parts)


@dataclass(frozen=True, slots=True)
class Maintenance:
    """``doses`` is None for a for-life course; a fixed course gives its length."""

    every: Interval
    dose: Dose | None = None
    doses: int | None = None


@dataclass(frozen=True, slots=True)
class MonitoringStep:
    after: Interval
    tests: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MonitoringRepeat:
    """After the last step, the same checks recur (the seed's "then yearly")."""

    every: Interval
    tests: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MonitoringPlan:
    steps: tuple[MonitoringStep, ...]
    repeat: MonitoringRepeat | None = None


@dataclass(frozen=True, slots=True)
class Protocol:
    """One regimen template. ``source`` is the citation; ``origin`` the file it came from."""

    id: str
    version: str
    title: str
    summary: str
    drug: Drug
    dose: Dose
    routes: tuple[Route, ...]
    loading: LoadingPattern
    maintenance: Maintenance
    for_life: bool
    windows: DoseWindows
    monitoring: MonitoringPlan
    source: str
    disagreements: tuple[str, ...] = ()
    origin: str = ""

    @property
    def maintenance_dose(self) -> Dose:
        return self.maintenance.dose or self.dose
