"""Dates as people type them in a UK clinic: day first.

"03/04/1950" is 3 April. ISO dates (1950-04-03) are accepted too, because that is
what other systems paste.
"""

from __future__ import annotations

import datetime as dt
import re

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> dt.date | None:
    """The date typed, or None when it is not a real date in DD/MM/YYYY or YYYY-MM-DD."""
    text = text.strip()
    if match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DAY_FIRST.match(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def format_date(value: dt.date | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y")
