"""A course's frequency factor: the range a prescriber may use, and what it does.

The factor divides the template's maintenance interval (1.5: 3-monthly becomes
2-monthly). A slip of the keyboard (0.15 for 1.5) would otherwise plan lifelong
maintenance every 20 months, so every place a factor enters the app (the course
service, the frequency dialog, ``clinic-app plan``) checks it against one range:

- more frequent up to ``FACTOR_MAX_DEFAULT`` (seed 002: "some patients may require up
  to 50% more frequent injections"); a clinic may raise it, never past ``FACTOR_MAX_CAP``;
- less frequent only down to ``FACTOR_MIN_FLOOR`` (NICE NG239 allows reducing the
  frequency when the cause has resolved: 3-monthly becomes at most 4-monthly), and
  only with a recorded reason.

The clinic's range is two clinic settings (``domain.clinic_settings``); the limits
here bound what those settings may hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from clinic_app.domain.protocol import Interval

#: Seed 002: "up to 50% more frequent injections".
FACTOR_MAX_DEFAULT = 1.5
#: The most a clinic may raise its upper bound to: three times as often (a 3-monthly
#: regimen monthly). Anything beyond is far more likely a typing slip than a prescription.
FACTOR_MAX_CAP = 3.0
#: NICE NG239: reduce the frequency only when the cause has resolved; 0.75 makes
#: 3-monthly at most 4-monthly. Also the default lower bound.
FACTOR_MIN_FLOOR = 0.75

FIELD = "interval_factor"


@dataclass(frozen=True, slots=True)
class FactorRange:
    """The factors a prescriber may set: ``low`` <= factor <= ``high``."""

    low: float = FACTOR_MIN_FLOOR
    high: float = FACTOR_MAX_DEFAULT

    def __post_init__(self) -> None:
        if not FACTOR_MIN_FLOOR <= self.low <= 1 <= self.high <= FACTOR_MAX_CAP:
            raise ValueError(
                f"factor range {self.low:g}-{self.high:g} is outside "
                f"{FACTOR_MIN_FLOOR:g}-{FACTOR_MAX_CAP:g} or leaves out 1"
            )

    def problem(self, factor: object) -> str | None:
        """Why ``factor`` may not be used, worded to follow the field's name."""
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            return "must be a number (1.5 = 50% more frequent)"
        if not math.isfinite(factor):
            return "must be a number (1.5 = 50% more frequent)"
        if not self.low <= factor <= self.high:
            return (
                f"must be between {self.low:g} (less frequent) and {self.high:g} "
                f"(more frequent), got {factor:g}: the clinic's allowed range"
            )
        return None


def factor_problems(factor: object, reason: str, allowed: FactorRange) -> dict[str, str]:
    """Field problems of a frequency change: the factor's range, and a reason.

    A reason is always asked for (who changed a lifelong regimen, and why, is part of
    the record); for a factor below 1 the message says why it matters most.
    """
    problems: dict[str, str] = {}
    problem = allowed.problem(factor)
    if problem is not None:
        problems[FIELD] = problem
    if not reason.strip():
        less_often = isinstance(factor, int | float) and factor < 1
        problems["reason"] = (
            "is required for less frequent injections: record why (e.g. the cause has resolved)"
            if less_often
            else "is required: say why the frequency changes"
        )
    return problems


def effective_interval_text(template: Interval, factor: float) -> str:
    """ "every 2 months (3 months × 1.5 more often)"; the template's own when factor is 1."""
    if factor == 1:
        return every_text(template)
    effective = template.divided_by(factor)
    how = "more often" if factor > 1 else "less often"
    return f"{every_text(effective)} ({template.describe()} × {factor:g} {how})"


def every_text(interval: Interval) -> str:
    """ "every 3 months", and "every month" rather than "every 1 month"."""
    if interval.amount == 1:
        return f"every {interval.unit[:-1]}"
    return f"every {interval.describe()}"
