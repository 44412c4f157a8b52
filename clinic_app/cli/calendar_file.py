"""``clinic-app calendar-file NHS_NUMBER``: a patient's booked injections as an .ics file.

For the receptionist who emails a patient their dates, or the practice that sends them
in bulk from a script: the file opens in any phone or desktop calendar. It never
overwrites a file (it may be another patient's), and a patient with nothing booked
gets no empty file, so a script cannot send one by mistake. Like every command, it
imports the database layers only when it runs (``cli.py`` imports all commands to
build its parser).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from clinic_app.cli.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "calendar-file",
        help="write a patient's booked appointments as an iCalendar (.ics) file",
        description="Write a patient's booked injection appointments as an iCalendar (.ics) "
        "file for their phone or computer calendar. Importing a newer file after a move "
        "updates the events instead of adding them twice.",
    )
    parser.add_argument(
        "nhs_number",
        metavar="NHS_NUMBER",
        help="the patient's NHS number (spaces allowed: '943 476 5919')",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="write to FILE (default: FAMILY-GIVEN-appointments.ics in the current folder); "
        "an existing file is never overwritten",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from icalendar import Calendar

    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.domain.nhs_number import format_for_display, normalise, problem
    from clinic_app.services.exports.calendar import calendar_file_name, patient_calendar
    from clinic_app.services.queries.patients import find_by_nhs_number
    from clinic_app.settings import load_settings

    number = normalise(args.nhs_number)
    trouble = problem(number)
    if trouble:
        raise UsageError("NHS_NUMBER", trouble)
    if args.output is not None:
        _check_output(Path(args.output))
    database = open_clinic_database(load_settings(database_url=args.database))
    try:
        found = find_by_nhs_number(database.uow, number)
        if found is None:
            raise UsageError(
                "NHS_NUMBER",
                f"no patient with NHS number {format_for_display(number)} "
                f"in {database.description}",
            )
        patient_id, family_name, given_name = found.id, found.family_name, found.given_name
        data = patient_calendar(database.uow, patient_id)
    finally:
        database.engine.dispose()
    count = len(Calendar.from_ical(data).walk("VEVENT"))
    if count == 0:
        print(
            f"clinic-app calendar-file: {given_name} {family_name} has no booked appointments; "
            "no file written",
            file=sys.stderr,
        )
        return 1
    output = Path(args.output or calendar_file_name(family_name, given_name))
    _check_output(output)
    try:
        # "x" creates the file or fails if it exists, with no window between check and write.
        with output.open("xb") as stream:
            stream.write(data)
    except FileExistsError:
        raise UsageError("--output", _exists(output)) from None
    except OSError as error:
        raise UsageError("--output", f"cannot write {output}: {error.strerror}") from None
    print(
        f"Wrote {count} appointment{'s' if count != 1 else ''} for {given_name} {family_name} "
        f"to {output}"
    )
    return 0


def _check_output(path: Path) -> None:
    """Refuse before the database is opened, so a bad name costs nothing."""
    if path.is_dir():
        raise UsageError("--output", f"{path} is a folder: give a file name")
    if path.exists():
        raise UsageError("--output", _exists(path))
    if not path.parent.is_dir():
        raise UsageError("--output", f"folder {path.parent} does not exist")


def _exists(path: Path) -> str:
    return f"{path} already exists: it is never overwritten, choose another name"
