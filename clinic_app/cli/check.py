"""``clinic-app check``: is this database healthy and current? For support calls and scripts."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check", help="report the database, its schema revision, row counts and template problems"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.domain.platelet_bands import ThresholdError
    from clinic_app.persistence.migrate import current_revision, head_revision
    from clinic_app.services.library.protocols import load_protocol_library
    from clinic_app.services.library.thresholds import lab_test_rules, platelet_rules
    from clinic_app.services.queries.database_health import database_health
    from clinic_app.settings import load_settings

    settings = load_settings(database_url=args.database)
    database = open_clinic_database(settings)
    ok = True
    print(f"database:  {database.description}")
    revision = current_revision(database.engine)
    print(f"schema:    {revision} (head {head_revision()})")
    ok &= revision == head_revision()
    health = database_health(database.engine)
    if health.integrity is not None:
        print(f"integrity: {health.integrity}")
    ok &= health.ok
    for name, count in health.counts:
        print(f"{name + ':':<17}{count:,}")
    library = load_protocol_library(settings.protocols_dir)
    print(f"protocols: {len(library.all())} loaded")
    for problem in library.problems:
        print(f"  problem: {problem}")
        ok = False
    try:
        rules = platelet_rules()
    except ThresholdError as error:
        print(f"platelet thresholds: problem: {error}")
        ok = False
    else:
        print(f"platelet thresholds: {len(rules.bands)} bands loaded")
    try:
        tests = lab_test_rules()
    except ThresholdError as error:
        print(f"lab tests: problem: {error}")
        ok = False
    else:
        print(f"lab tests: {len(tests.tests)} tests loaded")
    return 0 if ok else 1
