"""Plan maintenance doses: every interval from the last dose, for life.

Doses are counted from an anchor (the last dose actually given, or the last planned
loading dose) as ``anchor + k * interval`` rather than chained, so month ends do not
creep (31 Jan, 30 Apr, 31 Jul...). The anchor moves only when reality moves it: an
overdue dose is planned on the re-planning day, or a closure moves a dose out of its
window; the doses after it are then counted from that new date.

A frequency factor shortens the interval and, with it, the window (``DoseWindow.scaled``),
so a dose made twice as frequent never has a window reaching past its neighbour's.
When a closure leaves no open day in the window, the dose goes to the nearest open day
before it within the regimen's early limit (harmless), else after it (flagged either way).
"""

from __future__ import annotations

from datetime import date

from clinic_app.domain.clinic_calendar import ClinicCalendar
from clinic_app.domain.protocol import DoseWindow, Interval, Protocol
from clinic_app.domain.schedule_dates import place_nearest, stepper
from clinic_app.domain.schedule_types import PlannedDose


def plan_maintenance(
    protocol: Protocol,
    interval: Interval,
    window: DoseWindow,
    anchor: int | None,
    calendar: ClinicCalendar,
    *,
    replan: int,
    horizon_end: int,
    remaining: int | None,
    first_number: int,
) -> list[PlannedDose]:
    """Doses until one falls on or after ``horizon_end`` (for life) or ``remaining`` run out.

    With no anchor (no loading and nothing given yet) the first dose is due on the
    re-planning day. At least one dose is always planned for a for-life course, so an
    active course always holds its next appointment.
    """
    early, late, limit = window.early_days, window.late_days, window.early_limit
    dose = protocol.maintenance_dose
    base, flags = calendar.open_flags(replan, horizon_end + late)
    size = len(flags)
    rows: list[PlannedDose] = []
    new_tuple, fromordinal = tuple.__new__, date.fromordinal
    number = first_number
    previous = replan - 1 if anchor is None else max(anchor, replan - 1)
    step = stepper(anchor, interval) if anchor is not None else None
    times = 1
    while remaining is None or number - first_number < remaining:
        if step is None:
            ideal, rebase = replan, True
        else:
            ideal = step(times)
            rebase = ideal < replan
            if rebase:
                ideal = replan
        # Conditional expressions, not max(): this loop runs for most rows of a plan.
        earliest = ideal - early if ideal - early > previous else previous + 1
        latest = ideal + late if ideal + late > earliest else earliest
        index = ideal - base
        if earliest <= ideal and 0 <= index < size and flags[index]:
            day, moved = ideal, False  # the common case: no search
        else:
            floor = ideal - limit if ideal - limit > previous else previous + 1
            day, moved = place_nearest(calendar, ideal, earliest, latest, floor)
        # new_row's body, inlined: this loop makes most of a plan's rows.
        when, first, last = fromordinal(day), fromordinal(earliest), fromordinal(latest)
        row = (number, "maintenance", when, first, last, "planned", moved, dose, False)
        rows.append(new_tuple(PlannedDose, row))
        number += 1
        previous = day
        if rebase or moved:
            step, times = stepper(day, interval), 1
        else:
            times += 1
        if remaining is None and day >= horizon_end:
            break
    return rows
