"""Public holidays from the ``holidays`` package, asked once per country, region and year.

Building a ``holidays`` calendar costs milliseconds; a clinic plans thousands of
courses against the same few years, so the answers are cached for the process.
The package is imported only when a calendar with holidays is built.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

_cache: dict[tuple[str, str | None, int], tuple[date, ...]] = {}
_lock = threading.Lock()


def public_holidays(country: str, subdivision: str | None) -> Callable[[int], tuple[date, ...]]:
    """A year -> holidays function; ValueError now if the country or region is unknown."""
    import holidays  # 100 ms: paid only when holidays are asked for

    # ISO 3166 codes are upper case; the package does not accept "gb" or "eng".
    country = country.upper()
    subdivision = subdivision.upper() if subdivision else None
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as error:
        raise ValueError(str(error)) from None

    def for_year(year: int) -> tuple[date, ...]:
        key = (country, subdivision, year)
        with _lock:
            cached = _cache.get(key)
            if cached is None:
                found = holidays.country_holidays(country, subdiv=subdivision, years=year)
                cached = tuple(sorted(found))
                _cache[key] = cached
        return cached

    return for_year


def holiday_regions(country: str) -> tuple[str, ...]:
    """The region codes the package knows for ``country`` (empty when it has none)."""
    import holidays

    try:
        calendar = holidays.country_holidays(country.upper())
    except NotImplementedError as error:
        raise ValueError(str(error)) from None
    return tuple(sorted(calendar.subdivisions))
