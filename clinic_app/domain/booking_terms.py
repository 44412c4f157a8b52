"""The terms a booking must meet that need no database: the day is not past, and it
falls in the dose's window. Shown as the form's message for the slot field."""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.date_text import format_date


def slot_day_problem(
    day: dt.date, *, today: dt.date, earliest: dt.date, latest: dt.date, dose: str
) -> str | None:
    """Why ``dose`` cannot be booked on ``day``, or None when it can."""
    if day < today:
        return f"is on {format_date(day)}, in the past"
    if not earliest <= day <= latest:
        return (
            f"is on {format_date(day)}, outside {dose}'s window "
            f"({format_date(earliest)} to {format_date(latest)})"
        )
    return None
