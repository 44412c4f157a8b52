"""``clinic-app export-fhir``: injections as a FHIR R4 Bundle of MedicationAdministration.

For handing the record to another system (a GP system import, a regional record).
The database layers are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from clinic_app.cli.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export-fhir",
        help="export injections as FHIR R4 MedicationAdministration resources (JSON)",
        description="Write the injections recorded (given and not given) as a FHIR R4 "
        "Bundle of MedicationAdministration resources, each with its product and batch.",
    )
    parser.add_argument("--patient", metavar="NHS_NUMBER", help="only this patient's doses")
    parser.add_argument("--since", metavar="YYYY-MM-DD", help="doses on or after this day")
    parser.add_argument("--until", metavar="YYYY-MM-DD", help="doses on or before this day")
    parser.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.domain.nhs_number import normalise, problem
    from clinic_app.services.exports.fhir import ExportFilter, write_bundle
    from clinic_app.services.queries.patients import find_by_nhs_number
    from clinic_app.settings import load_settings

    since = _date("--since", args.since)
    until = _date("--until", args.until)
    if since and until and until < since:
        raise UsageError("--until", f"{until} is before --since {since}")
    output = Path(args.output) if args.output else None
    if output is not None and not output.parent.is_dir():
        raise UsageError("--output", f"folder {output.parent} does not exist")
    number = None
    if args.patient is not None:
        number = normalise(args.patient)
        trouble = problem(number)
        if trouble:
            raise UsageError("--patient", trouble)
    database = open_clinic_database(load_settings(database_url=args.database))
    try:
        patient_id = None
        if number is not None:
            found = find_by_nhs_number(database.uow, number)
            patient_id = None if found is None else found.id
            if patient_id is None:
                raise UsageError("--patient", f"no patient with NHS number {args.patient}")
        selection = ExportFilter(patient_id=patient_id, since=since, until=until)
        if output is None:
            write_bundle(database.uow, sys.stdout, selection)
            return 0
        try:
            with output.open("w", encoding="utf-8") as stream:
                count = write_bundle(database.uow, stream, selection)
        except OSError as error:
            raise UsageError("--output", f"cannot write {output}: {error.strerror}") from None
        print(f"Wrote {count} MedicationAdministration resource(s) to {output}", file=sys.stderr)
        return 0
    finally:
        database.engine.dispose()


def _date(argument: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(argument, f"{text!r} is not a date (YYYY-MM-DD)") from None
