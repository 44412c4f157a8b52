"""How appointments are named on screen, in messages and in exported calendars."""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.codes import Phase
from clinic_app.domain.date_text import format_date


def describe_start(start: dt.datetime) -> str:
    """ "Tue 12/01/2027 09:10": a slot as a receptionist says it."""
    return f"{start:%a} {format_date(start.date())} {start:%H:%M}"


def dose_label(phase: Phase | str, number: int | None) -> str:
    """ "Loading dose 3", "Maintenance dose 12", "Review 2"."""
    phase = Phase(phase)
    if phase is Phase.REVIEW:
        return f"Review {number}" if number else "Review"
    if number is None:
        return f"{phase.label} appointment"
    return f"{phase.label} dose {number}"
