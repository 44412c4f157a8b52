"""``clinic-app backup``: a consistent copy of the SQLite database while the app is open."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from clinic_app.cli.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backup", help="copy the SQLite database safely, even while in use"
    )
    parser.add_argument(
        "destination", nargs="?", type=Path, help="file to write (default: dated copy)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.persistence.engine import is_sqlite
    from clinic_app.persistence.migrate import backup_sqlite
    from clinic_app.settings import load_settings

    database = open_clinic_database(load_settings(database_url=args.database))
    if not is_sqlite(database.url):
        raise UsageError(
            "--database",
            "backup copies SQLite files; back up PostgreSQL with pg_dump on the server",
        )
    if args.destination is not None and args.destination.exists():
        raise UsageError("destination", f"{args.destination} already exists")
    path = backup_sqlite(database.engine, args.destination)
    print(f"Backed up {database.description} to {path}")
    return 0
