"""Booking figures on a 100,000-patient demo clinic with two years of sessions (issue: booking).

Targets: the week view renders (model build + view paint) in under 100 ms; booking a
6-dose loading course plus the first maintenance dose (proposal + confirmation) in
under 50 ms.

    python -m benchmarks.bench_booking [--demo PATH] [--patients N] [--runs 20]

The 100,000-patient demo takes about 100 s to build, so an existing one is reused:
``--demo`` (default /tmp/demo100k/clinic.sqlite) is copied first, never modified.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from benchmarks.machine import describe
from clinic_app.services.commands.booking import confirm_booking
from clinic_app.services.commands.courses import start_course
from clinic_app.services.commands.patients import create_patient
from clinic_app.services.commands.sessions import SessionDetails, create_session, generate_sessions
from clinic_app.services.queries.booking_options import propose_course_booking
from clinic_app.services.queries.prescribers import list_prescribers
from clinic_app.services.queries.users import list_active_users

DEFAULT_DEMO = Path("/tmp/demo100k/clinic.sqlite")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo", type=Path, default=DEFAULT_DEMO, help="demo database to copy")
    parser.add_argument("--patients", type=int, default=100_000, help="when building a demo")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(describe())
    folder = Path(tempfile.mkdtemp(prefix="clinic-bench-booking-"))
    database = folder / "clinic.sqlite"
    if args.demo.exists():
        with closing(sqlite3.connect(args.demo)) as src, closing(sqlite3.connect(database)) as dst:
            src.backup(dst)
        print(f"copied {args.demo} to {database}")
    else:
        begin = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "clinic_app",
                "--database",
                f"sqlite:///{database}",
                "demo",
                "--patients",
                str(args.patients),
            ],
            check=True,
        )
        print(f"demo --patients {args.patients}: {time.perf_counter() - begin:.1f} s")
    run(f"sqlite:///{database}", args.runs)


def run(url: str, runs: int) -> None:
    from PySide6.QtWidgets import QApplication, QTableView

    from clinic_app.domain.codes import Role
    from clinic_app.domain.patient_details import PatientDetails
    from clinic_app.persistence.engine import create_engine
    from clinic_app.persistence.unit_of_work import UnitOfWork
    from clinic_app.services.queries.calendar import slot_occupancy
    from clinic_app.services.queries.roster import RosterQuery, count_roster
    from clinic_app.ui.calendar_view import CalendarView
    from clinic_app.ui.ops import Ops

    uow = UnitOfWork(create_engine(url))
    today = dt.date.today()
    staff = list_active_users(uow)
    nurse = next(u for u in staff if u.role is Role.NURSE).as_actor()
    prescriber = next(u for u in staff if u.role is Role.PRESCRIBER).as_actor()
    listed = list_prescribers(uow, include_inactive=False)[0].id
    print(f"patients: {count_roster(uow, RosterQuery()):,}")

    begin = time.perf_counter()
    created = generate_sessions(uow, nurse, today=today, until=today + dt.timedelta(days=730))
    print(
        f"generate two years of sessions: {created} sessions in {time.perf_counter() - begin:.2f} s"
    )

    app = QApplication.instance() or QApplication(sys.argv[:1])
    view = CalendarView(Ops(uow, nurse, today=lambda: today))
    view.resize(1360, 820)
    view.show()
    app.processEvents()
    table: QTableView = view.week_table
    busiest = next_monday(today) + dt.timedelta(weeks=1)

    def render_weeks() -> list[float]:
        timings = []
        for attempt in range(runs + 2):
            shown = busiest + dt.timedelta(weeks=attempt % 3)
            begin = time.perf_counter()
            first, last = view.week_model.range_of(shown)
            # The read the view makes on the worker, then the model and the paint.
            view.week_model.show_days(first, last, slot_occupancy(uow, first, last))
            table.grab()  # paints every visible cell and header, as the screen would
            if attempt >= 2:  # the first two warm Qt's font and style caches
                timings.append(time.perf_counter() - begin)
        return timings

    timings = render_weeks()
    booked = sum(s.booked_count for d in view.week_model.sessions for s in d.slots)
    print(
        f"week view render (model build + paint): {_summary(timings)}"
        f" ({len(view.week_model.sessions)} sessions, {booked:,} patients booked in the week)"
    )
    # The slow renders are Python's full garbage collections walking the whole heap
    # (Qt, SQLAlchemy); gc.freeze() once after start-up takes that heap out of them.
    gc.freeze()
    print(f"week view render after gc.freeze() at start-up: {_summary(render_weeks())}")

    # The demo books every place for 12 weeks; a full clinic adds sessions, so the
    # loading courses go into extra Monday, Wednesday and Friday afternoon sessions.
    start = next_monday(today) + dt.timedelta(weeks=6)
    for extra_week in range(5):  # courses start in the first 3 weeks; loading lasts 2
        for weekday in (0, 2, 4):
            create_session(
                uow,
                nurse,
                SessionDetails(
                    session_date=start + dt.timedelta(weeks=extra_week, days=weekday),
                    start_time=dt.time(14, 0),
                    end_time=dt.time(17, 0),
                    slot_minutes=10,
                    capacity=4,
                    nurse_id=nurse.user_id,
                    room="Room 5",
                    location="Main surgery",
                ),
                today=today,
            )
    timings = []
    placed_counts = []
    for number in range(runs):
        person = create_patient(
            uow,
            nurse,
            PatientDetails(
                nhs_number=_nhs_number(number),
                given_name="Bench",
                family_name=f"Patient{number}",
                date_of_birth=dt.date(1960, 1, 1),
                phone="07700 900999",
            ),
            today=today,
        )
        course = start_course(
            uow,
            prescriber,
            person.id,
            "hydroxo-standard",
            start + dt.timedelta(days=7 * (number % 3)),
            prescriber_id=listed,
            today=today,
            acknowledged={"folic_acid_before_b12", "renal_cyanocobalamin"},
        )
        begin = time.perf_counter()
        proposal = propose_course_booking(uow, course.id, today=today)
        result = confirm_booking(uow, nurse, proposal.choices(), today=today)
        timings.append(time.perf_counter() - begin)
        placed_counts.append(
            (
                sum(1 for b in result.booked if b.phase == "loading"),
                sum(1 for b in result.booked if b.phase == "maintenance"),
            )
        )
    loading = min(c[0] for c in placed_counts)
    maintenance = min(c[1] for c in placed_counts)
    print(
        f"book a loading course + first maintenance (propose + confirm): {_summary(timings)}"
        f" (every run booked at least {loading} loading and {maintenance} maintenance dose)"
    )
    view.close()


def next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=7 - day.weekday())


def _nhs_number(seed: int) -> str:
    from clinic_app.domain.nhs_number import check_digit

    stem = 998_000_000 + seed * 11
    while (digit := check_digit(f"{stem:09d}")) is None:
        stem += 1
    return f"{stem:09d}{digit}"


def _summary(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"
        f" over {len(ms)} runs"
    )


if __name__ == "__main__":
    main()
