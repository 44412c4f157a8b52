"""``clinic-app demo``: fill an empty database with a realistic demo clinic."""

from __future__ import annotations

import argparse
import time
from typing import Any

from clinic_app.cli.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="create a demo clinic (patients, nurses, sessions, stock, history)"
    )
    parser.add_argument("--patients", type=int, default=300, metavar="N", help="default 300")
    parser.add_argument("--seed", type=int, default=12, help="random seed (same seed, same clinic)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.patients < 1:
        raise UsageError("--patients", "must be at least 1")
    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.demo.clinic import create_demo_clinic
    from clinic_app.domain.errors import UserError
    from clinic_app.settings import load_settings

    database = open_clinic_database(load_settings(database_url=args.database))
    started = time.perf_counter()
    try:
        summary = create_demo_clinic(database.uow, patients=args.patients, seed=args.seed)
    except UserError as error:
        print(f"clinic-app demo: {error}")
        return 1
    elapsed = time.perf_counter() - started
    print(f"Demo clinic created in {database.description} ({elapsed:.1f} s):")
    for line in summary.lines():
        print(f"  {line}")
    return 0
