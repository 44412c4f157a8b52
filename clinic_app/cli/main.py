"""The `clinic-app` command: the GUI by default, and sub-commands over the same services.

Sub-commands live in ``clinic_app.cli``; this module only parses and dispatches,
and turns a person's mistake into one line on stderr with exit code 2, so scripts
that call the command can tell bad input (2) from a failure (1).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from clinic_app.cli.errors import UsageError

#: Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "clinic_app.cli.gui",
    "clinic_app.cli.demo",
    "clinic_app.cli.plan",
    "clinic_app.cli.lot_trace",
    "clinic_app.cli.calendar_file",
    "clinic_app.cli.export_fhir",
    "clinic_app.cli.upkeep",
    "clinic_app.cli.check",
    "clinic_app.cli.backup",
)


class OneLineArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line naming the argument, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineArgumentParser(
        prog="clinic-app",
        description="Vitamin B12 injection clinic: with no command, opens the app.",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="SQLAlchemy database URL (default: CLINIC_APP_DATABASE_URL, "
        "else a SQLite file in your data directory)",
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        from clinic_app.cli.gui import run_gui

        handler = run_gui
    try:
        return handler(args)
    except UsageError as error:
        prog = f"clinic-app {args.command}" if args.command else "clinic-app"
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    sys.exit(main())
