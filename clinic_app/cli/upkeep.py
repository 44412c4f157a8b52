"""``clinic-app upkeep``: the daily jobs, for a practice that schedules them itself."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from clinic_app.cli.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "upkeep",
        help="generate sessions ahead, re-plan every active course, book maintenance doses",
    )
    parser.add_argument(
        "--as-user", required=True, metavar="USERNAME", help="recorded as the actor"
    )
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="default: today")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    today = dt.date.today()
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            raise UsageError("--today", f"not a date (YYYY-MM-DD): {args.today!r}") from None
    from clinic_app.clinic_db import open_clinic_database
    from clinic_app.services.commands.upkeep import run_daily_upkeep
    from clinic_app.services.queries.users import list_active_users
    from clinic_app.settings import load_settings

    database = open_clinic_database(load_settings(database_url=args.database))
    people = {user.username: user for user in list_active_users(database.uow)}
    if args.as_user not in people:
        raise UsageError(
            "--as-user", f"no active user {args.as_user!r} (known: {', '.join(sorted(people))})"
        )
    result = run_daily_upkeep(database.uow, people[args.as_user].as_actor(), today=today)
    if result is None:
        print(f"Upkeep for {today:%d/%m/%Y} was already done (or is running) elsewhere.")
    else:
        print(f"Upkeep for {today:%d/%m/%Y}: {result.summary()}.")
    return 0
