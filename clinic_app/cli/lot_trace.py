"""``clinic-app lot-trace LOT [--csv FILE]``: who received a lot, and how to reach them.

For the day a manufacturer recalls a batch: prints every dose given from the lot with
the patient's contact details, or writes them as CSV for a recall letter. Like every
command, it imports the database layers only when it runs (``cli.py`` imports all
commands to build its parser).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clinic_app.cli.errors import UsageError

if TYPE_CHECKING:
    from clinic_app.services.queries.lot_trace import LotTrace


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lot-trace",
        help="list every patient who received a lot (for a product recall)",
        description="List every dose given from a lot, with the patient's contact details: "
        "what a practice needs when a manufacturer recalls a batch.",
    )
    parser.add_argument("lot", metavar="LOT", help="the lot (batch) number, as on the carton")
    parser.add_argument(
        "--csv",
        metavar="FILE",
        help="also write the list as CSV to FILE ('-' writes the CSV to standard output)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.domain.lot_rules import normalise_lot_number
    from clinic_app.services.queries.lot_trace import trace_csv, trace_lot
    from clinic_app.settings import load_settings

    number = normalise_lot_number(args.lot)
    if not number:
        raise UsageError("LOT", "is empty: give the lot number printed on the carton")
    target = _csv_target(args.csv)
    database = open_clinic_database(load_settings(database_url=args.database))
    try:
        trace = trace_lot(database.uow, number)
    finally:
        database.engine.dispose()
    if not trace.lots and not trace.rows:
        print(
            f"clinic-app lot-trace: no lot {number} was received and no dose from it was "
            f"recorded in {database.description}",
            file=sys.stderr,
        )
        return 1
    if target == "-":
        sys.stdout.write(trace_csv(trace.rows))
        return 0
    print(_as_table(trace))
    if isinstance(target, Path):
        try:
            target.write_text(trace_csv(trace.rows), encoding="utf-8", newline="")
        except OSError as error:
            raise UsageError("--csv", f"cannot write {target}: {error.strerror}") from None
        print(f"Wrote {len(trace.rows)} row{'s' if len(trace.rows) != 1 else ''} to {target}")
    return 0


def _csv_target(text: str | None) -> Path | str | None:
    if text is None or text == "-":
        return text
    path = Path(text)
    if path.is_dir():
        raise UsageError("--csv", f"{text} is a folder: give a file name")
    if not path.parent.is_dir():
        raise UsageError("--csv", f"folder {path.parent} does not exist")
    return path


def _as_table(trace: LotTrace) -> str:
    from clinic_app.domain.nhs_number import format_for_display

    lines = [f"Lot {trace.lot_number}"]
    for lot in trace.lots:
        lines.append(
            f"  {lot.product}: expiry {lot.expiry_date:%d/%m/%Y}, {lot.status.label.lower()}, "
            f"{lot.quantity_remaining} of {lot.quantity_received} left"
        )
    if not trace.lots:
        lines.append("  (no stock record: the number appears only on recorded doses)")
    doses = len(trace.rows)
    lines.append(
        f"{doses} dose{'s' if doses != 1 else ''} given to {trace.patient_count} "
        f"patient{'s' if trace.patient_count != 1 else ''}"
    )
    if not trace.rows:
        return "\n".join(lines)
    header = ("Given", "Patient", "NHS number", "Born", "Phone", "Email", "Address", "Site", "By")
    table: list[tuple[str, ...]] = [header]
    table += [
        (
            f"{dose.date_given:%d/%m/%Y}",
            dose.name,
            format_for_display(dose.nhs_number),
            f"{dose.date_of_birth:%d/%m/%Y}",
            dose.phone,
            dose.email,
            dose.address,
            dose.site,
            dose.given_by,
        )
        for dose in trace.rows
    ]
    widths = [max(len(cells[column]) for cells in table) for column in range(len(header))]
    lines.append("")
    for cells in table:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)
