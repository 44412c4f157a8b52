"""``clinic-app`` / ``clinic-app gui``: open the app (the default command)."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

from clinic_app.cli.display_check import missing_display


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("gui", help="open the app (the default)")
    parser.set_defaults(handler=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    problem = missing_display()
    if problem is not None:
        print(f"clinic-app: error: {problem}", file=sys.stderr)
        return 1
    # Start-up allocates hundreds of thousands of long-lived objects (Qt, SQLAlchemy):
    # the cyclic collector is paused until the window is up (app.run resumes it).
    gc.disable()
    from clinic_app.app import run
    from clinic_app.settings import load_settings

    return run(load_settings(database_url=args.database))
