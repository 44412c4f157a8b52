"""``clinic-app plan``: print a course's dated plan from a template, without a database.

Lets a prescriber or a clinic check what a template and a history produce (and lets
scripts get it as JSON). At load time the module imports only the standard library:
``cli.py`` imports every command to build its parser, and ``plan`` must start in well
under half a second, so the engine, the templates and the holidays package (about
100 ms) are imported inside ``run`` and only by this command.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from clinic_app.cli.errors import UsageError

if TYPE_CHECKING:
    from clinic_app.domain.clinic_calendar import ClinicCalendar, Closure
    from clinic_app.domain.protocol import Protocol
    from clinic_app.domain.schedule import CoursePlan, CourseState


_MAX_HORIZON_MONTHS = 600


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="print the dated plan of a course from a protocol template",
        description="Print the doses and blood tests a protocol template plans for a "
        "course, given its start date and the doses already given.",
    )
    parser.add_argument("--protocol", required=True, metavar="ID", help="template id")
    parser.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="course start")
    parser.add_argument(
        "--given", nargs="+", action="extend", default=[], metavar="YYYY-MM-DD",
        help="dates of doses already given, in order",
    )  # fmt: skip
    parser.add_argument(
        "--as-of", metavar="YYYY-MM-DD",
        help="the day the plan is made: nothing is planned before it, and no --given "
        "date may be after it (default: --start, or the last --given date)",
    )  # fmt: skip
    parser.add_argument(
        "--loading-ended", metavar="YYYY-MM-DD",
        help="day a clinician recorded that loading has ended",
    )  # fmt: skip
    parser.add_argument(
        "--interval-factor", default="1", metavar="F",
        help="divide the maintenance interval by F (1.5: 3 months becomes 2); "
        "between 0.75 and 1.5, the default clinic range",
    )  # fmt: skip
    parser.add_argument("--country", default="GB", help="public holidays of (default: GB)")
    parser.add_argument(
        "--subdivision", metavar="REGION",
        help="region for public holidays (default: ENG for GB, none elsewhere)",
    )  # fmt: skip
    parser.add_argument(
        "--open-days", default="mon,tue,wed,thu,fri", metavar="DAYS",
        help="weekdays the clinic is open (default: mon,tue,wed,thu,fri)",
    )  # fmt: skip
    parser.add_argument(
        "--closed", nargs="+", action="extend", default=[],
        metavar="YYYY-MM-DD[..YYYY-MM-DD]", help="days or inclusive ranges the clinic is closed",
    )  # fmt: skip
    parser.add_argument(
        "--horizon-months", default="24", metavar="N",
        help="plan at least this many months past --as-of (default: 24)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clinic_app.domain.schedule import plan_course

    state, calendar, horizon = _course_from(args)
    plan = plan_course(state, calendar, horizon)
    if args.json:
        print(json.dumps(_as_json(state, plan), indent=2))
    else:
        print(_as_table(state, plan, horizon))
    return 0


def _course_from(args: argparse.Namespace) -> tuple[CourseState, ClinicCalendar, int]:
    from clinic_app.domain.schedule import CourseState

    protocol = _protocol(args.protocol)
    start = _date("--start", args.start)
    given = tuple(_date("--given", value) for value in args.given)
    for earlier, later in pairwise(given):
        if later <= earlier:
            raise UsageError(
                "--given", f"dates must be in order, one a day: {later} is listed after {earlier}"
            )
    if given and given[0] < start:
        raise UsageError("--given", f"{given[0]} is before --start {start}")
    if args.as_of:
        as_of = _date("--as-of", args.as_of)
        if given and given[-1] > as_of:
            raise UsageError(
                "--given",
                f"{given[-1]} is after --as-of {as_of}: a dose cannot have been given after "
                "the day the plan is made",
            )
    else:
        as_of = max((start, *given))
    ended = _date("--loading-ended", args.loading_ended) if args.loading_ended else None
    if ended is not None and ended < start:
        raise UsageError("--loading-ended", f"{ended} is before --start {start}")
    factor = _factor(args.interval_factor)
    horizon = _horizon(args.horizon_months)
    calendar = _calendar(args, as_of)
    state = CourseState(protocol, start, given, as_of, factor, ended)
    return state, calendar, horizon


def _factor(text: str) -> float:
    """The factor, inside the clinic settings' default range (this command reads no
    clinic's settings): a slip such as 0.15 for 1.5 is refused, never planned."""
    from clinic_app.domain.interval_factor import FACTOR_MAX_CAP, FactorRange

    try:
        factor = float(text)
    except ValueError:
        raise UsageError("--interval-factor", f"{text!r} is not a number") from None
    allowed = FactorRange()
    if not (math.isfinite(factor) and allowed.low <= factor <= allowed.high):
        raise UsageError(
            "--interval-factor",
            f"must be between {allowed.low:g} (less often) and {allowed.high:g} (more often), "
            f"the default clinic range (a clinic may allow up to {FACTOR_MAX_CAP:g}); "
            f"got {text}",
        )
    return factor


def _protocol(protocol_id: str) -> Protocol:
    from clinic_app.services.library.protocols import load_protocol_library

    library = load_protocol_library()
    protocol = library.get(protocol_id)
    if protocol is None:
        known = ", ".join(library.ids()) or "none"
        raise UsageError("--protocol", f"unknown protocol {protocol_id!r} (known: {known})")
    for problem in library.problems:
        print(f"clinic-app plan: warning: {problem}", file=sys.stderr)
    return protocol


def _date(argument: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(argument, f"{text!r} is not a date (YYYY-MM-DD)") from None


def _horizon(text: str) -> int:
    try:
        months = int(text)
    except ValueError:
        raise UsageError("--horizon-months", f"{text!r} is not a whole number") from None
    if not 1 <= months <= _MAX_HORIZON_MONTHS:
        raise UsageError("--horizon-months", f"must be between 1 and {_MAX_HORIZON_MONTHS}")
    return months


def _calendar(args: argparse.Namespace, as_of: date) -> ClinicCalendar:
    from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES, ClinicCalendar
    from clinic_app.domain.public_holidays import holiday_regions, public_holidays

    full_names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    weekdays = []
    for name in args.open_days.split(","):
        key = name.strip().lower()
        if key in WEEKDAY_NAMES:
            weekdays.append(WEEKDAY_NAMES.index(key))
        elif key in full_names:
            weekdays.append(full_names.index(key))
        else:
            raise UsageError(
                "--open-days", f"{name.strip()!r} is not a weekday (use {','.join(WEEKDAY_NAMES)})"
            )
    closures: list[Closure] = []
    for text in args.closed:
        first_text, dots, last_text = text.partition("..")
        first = _date("--closed", first_text)
        last = _date("--closed", last_text) if dots else first
        if last < first:
            raise UsageError("--closed", f"range {text!r} ends before it starts")
        closures.append((first, last))
    country = args.country.strip().upper()
    try:
        public_holidays(country, None)
    except ValueError:
        raise UsageError("--country", f"no public holidays known for {args.country!r}") from None
    regions = holiday_regions(country)
    subdivision = args.subdivision
    if subdivision is None:
        subdivision = "ENG" if country == "GB" else None
    elif not subdivision.strip():
        raise UsageError(
            "--subdivision", "is empty: " + _regions_hint(country, regions, leave_out=True)
        )
    elif subdivision.strip().upper() not in regions:
        raise UsageError(
            "--subdivision",
            f"{subdivision!r} is not a region of {country}: "
            + _regions_hint(country, regions, leave_out=False),
        )
    return ClinicCalendar.build(weekdays, closures, country, subdivision, years=[as_of.year])


def _regions_hint(country: str, regions: tuple[str, ...], *, leave_out: bool) -> str:
    if not regions:
        return f"{country} has no regions in the holidays calendar; leave --subdivision out"
    known = ", ".join(regions)
    default = "ENG, England" if country == "GB" else "the country-wide holidays"
    tail = f" (or leave it out for {default})" if leave_out else ""
    return f"use one of {known}{tail}"


def _as_json(state: CourseState, plan: CoursePlan) -> dict[str, object]:
    protocol = state.protocol
    return {
        "protocol": protocol.id,
        "protocol_version": protocol.version,
        "start": state.start.isoformat(),
        "as_of": state.as_of.isoformat(),
        "for_life": protocol.for_life,
        "interval_factor": state.interval_factor,
        "maintenance_interval": _maintenance_text(state),
        "awaiting_review": plan.awaiting_review,
        "doses": [
            {
                "number": dose.number,
                "phase": dose.phase,
                "date": dose.date.isoformat(),
                "earliest": dose.earliest.isoformat(),
                "latest": dose.latest.isoformat(),
                "status": dose.status,
                "moved_outside_window": dose.moved_outside_window,
                "overdue": dose.overdue,
                "dose": dose.dose.describe() if dose.dose else None,
            }
            for dose in plan.doses
        ],
        "monitoring": [
            {"date": due.date.isoformat(), "tests": list(due.tests)} for due in plan.monitoring
        ],
    }


def _as_table(state: CourseState, plan: CoursePlan, horizon: int) -> str:
    protocol = state.protocol
    lines = [
        f"{protocol.id} (version {protocol.version}): {protocol.title}",
        f"Start {_day(state.start)}; nothing planned before {_day(state.as_of)}; "
        f"{'for life' if protocol.for_life else 'fixed course'}; "
        f"planned at least {horizon} months ahead.",
        f"Maintenance {_maintenance_text(state)}.",
        "",
    ]
    rows = [("No", "Phase", "Date", "Window", "Status", "Dose")]
    for dose in plan.doses:
        window = (
            ""
            if dose.status == "given"
            else f"{dose.earliest.isoformat()}..{dose.latest.isoformat()}"
        )
        status = ("overdue" if dose.overdue else dose.status) + (
            "*" if dose.moved_outside_window else ""
        )
        amount = dose.dose.describe() if dose.dose else ""
        rows.append((str(dose.number), dose.phase, _day(dose.date), window, status, amount))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        cells = [row[0].rjust(widths[0])]
        cells += [cell.ljust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    if any(dose.moved_outside_window for dose in plan.doses):
        lines.append(
            "* no open day inside the window: moved to the nearest open day before it "
            "(within the template's early limit), else the next one after it"
        )
    if plan.overdue_reviews:
        lines.append(
            "overdue: a review whose window has passed with no decision recorded; "
            "it stays in the plan until a clinician records one."
        )
    if plan.awaiting_review:
        lines.append(
            "Loading continues until a clinician records that it has ended "
            "(--loading-ended); no maintenance is planned until then."
        )
    lines += ["", "Monitoring"]
    lines += [f"  {_day(due.date)}  {', '.join(due.tests)}" for due in plan.monitoring]
    if not plan.monitoring:
        lines.append("  none planned")
    return "\n".join(lines)


def _maintenance_text(state: CourseState) -> str:
    from clinic_app.domain.interval_factor import effective_interval_text

    return effective_interval_text(state.protocol.maintenance.every, state.interval_factor)


def _day(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"
