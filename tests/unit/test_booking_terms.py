"""The slot-day terms of a booking, as the booking form words them."""

from __future__ import annotations

import datetime as dt

from clinic_app.domain.booking_terms import slot_day_problem

TODAY = dt.date(2026, 12, 4)
WINDOW = {"earliest": dt.date(2026, 12, 7), "latest": dt.date(2026, 12, 11), "dose": "Dose 2"}


def test_a_day_in_the_window_is_fine() -> None:
    assert slot_day_problem(dt.date(2026, 12, 9), today=TODAY, **WINDOW) is None  # type: ignore[arg-type]


def test_a_past_day_is_refused_before_the_window_is_looked_at() -> None:
    problem = slot_day_problem(dt.date(2026, 12, 3), today=TODAY, **WINDOW)  # type: ignore[arg-type]
    assert problem == "is on 03/12/2026, in the past"


def test_a_day_outside_the_window_names_the_dose_and_its_window() -> None:
    problem = slot_day_problem(dt.date(2026, 12, 14), today=TODAY, **WINDOW)  # type: ignore[arg-type]
    assert problem == "is on 14/12/2026, outside Dose 2's window (07/12/2026 to 11/12/2026)"
