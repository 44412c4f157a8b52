"""The daily booking pass (``keep_maintenance_booked``): how long it holds the write lock.

A receptionist saving a patient while the pass runs waits for whichever write
transaction holds SQLite's write lock, so the figure that matters is the longest one,
not the total. A demo clinic is built (or ``--demo`` copied), the sessions the daily
upkeep would generate are added, and then, on a fresh copy for every run:

- the pass is timed as a whole, and every write transaction it opens is timed from
  BEGIN IMMEDIATE (the write lock taken) to COMMIT or ROLLBACK;
- a hand-written SQL query counting the doses the pass considers (proposed maintenance
  doses of active courses and patients, their window inside the booking horizon) is
  timed beside it, as the floor the pass's own read cannot beat.

    python -m benchmarks.bench_booking_pass [--patients 20000] [--demo PATH] [--runs 3]
                                           [--batch-size N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

from benchmarks.machine import describe
from clinic_app.domain.actor import Actor
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import MAINTENANCE_BATCH, keep_maintenance_booked
from clinic_app.services.commands.sessions import generate_sessions
from clinic_app.services.queries.users import list_active_users

TARGET_LOCK_MS = 200.0

#: The doses the pass considers, counted by hand (booking.py's _place_maintenance).
CANDIDATES = text(
    """
    SELECT count(*)
    FROM appointments AS a
    JOIN courses AS c ON c.id = a.course_id
    JOIN patients AS p ON p.id = a.patient_id
    WHERE a.status = 'proposed'
      AND a.phase = 'maintenance'
      AND a.window_earliest <= :horizon_end
      AND a.window_latest >= :today
      AND c.status = 'active'
      AND p.status = 'active'
    """
)
BOOKED = text("SELECT count(*) FROM audit_events WHERE action = 'appointment.book_maintenance'")
HORIZON = text("SELECT value FROM clinic_settings WHERE key = 'booking_horizon_weeks'")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000, help="when building a demo")
    parser.add_argument("--demo", type=Path, help="a demo database to copy (never modified)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=MAINTENANCE_BATCH)
    args = parser.parse_args()
    print(describe())
    folder = Path(tempfile.mkdtemp(prefix="clinic-bench-pass-"))
    prepared = folder / "prepared.sqlite"
    today = dt.date.today()
    if args.demo is not None:
        _copy(args.demo, prepared)
        print(f"copied {args.demo}")
    else:
        began = time.perf_counter()
        command = [sys.executable, "-m", "clinic_app", "--database", _url(prepared), "demo"]
        subprocess.run(
            [*command, "--patients", str(args.patients)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"demo --patients {args.patients:,}: {time.perf_counter() - began:.1f} s")
    with _database(prepared) as (uow, actor):
        created = generate_sessions(uow, actor, today=today)
        print(f"sessions generated to the booking horizon first: {created}")
    candidates, query_times = _count_by_hand(prepared, today)
    print(f"doses the pass considers (hand-written SQL): {candidates:,}")

    totals: list[float] = []
    longest: list[float] = []
    every: list[float] = []
    booked = 0
    for run in range(args.runs):
        copy = folder / f"run{run}.sqlite"
        _copy(prepared, copy)
        with _database(copy) as (uow, actor):
            locks = _time_write_transactions(uow.engine)
            began = time.perf_counter()
            booked = keep_maintenance_booked(uow, actor, today=today, batch_size=args.batch_size)
            totals.append(time.perf_counter() - began)
            assert locks, "the pass wrote nothing"
            longest.append(max(locks))
            every.extend(locks)
            with uow.engine.connect() as connection:
                assert connection.execute(BOOKED).scalar_one() == booked
        copy.unlink()
        print(
            f"  run {run + 1}: {booked:,} doses booked in {len(locks)} write transactions,"
            f" {totals[-1]:.2f} s; longest transaction {longest[-1] * 1000:.0f} ms"
        )
    query = statistics.median(query_times)
    total = statistics.median(totals)
    worst = statistics.median(longest)
    print(f"batch size {args.batch_size} doses; medians over {args.runs} runs:")
    print(f"  the pass, total: {total:.2f} s ({booked:,} doses booked of {candidates:,})")
    print(
        f"  longest write transaction: {worst * 1000:.0f} ms (target {TARGET_LOCK_MS:.0f} ms);"
        f" median one {statistics.median(every) * 1000:.0f} ms"
    )
    print(f"  hand-written count query: {query * 1000:.1f} ms")
    print(f"  ratio, pass total / count query: {total / query:.0f}x")


def _time_write_transactions(engine: Engine) -> list[float]:
    """Seconds each write transaction held the lock (reads are left out)."""
    held: list[float] = []
    opened: dict[int, float] = {}

    def begin(connection: Any) -> None:
        if not connection.get_execution_options().get("sqlite_readonly"):
            opened[id(connection)] = time.perf_counter()

    def end(connection: Any) -> None:
        began = opened.pop(id(connection), None)
        if began is not None:
            held.append(time.perf_counter() - began)

    event.listen(engine, "begin", begin)  # after the engine's own BEGIN IMMEDIATE
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    return held


def _count_by_hand(path: Path, today: dt.date, repeats: int = 5) -> tuple[int, list[float]]:
    with closing(sqlite3.connect(path)) as connection:
        stored = connection.execute(str(HORIZON)).fetchone()
        weeks = int(stored[0]) if stored else 12
        horizon_end = (today + dt.timedelta(weeks=weeks)).isoformat()
        times = []
        count = 0
        for _ in range(repeats):
            began = time.perf_counter()
            count = connection.execute(
                str(CANDIDATES), {"horizon_end": horizon_end, "today": today.isoformat()}
            ).fetchone()[0]
            times.append(time.perf_counter() - began)
    return count, times


@contextmanager
def _database(path: Path) -> Iterator[tuple[UnitOfWork, Actor]]:
    """A unit of work on a SQLite file, and a user to act as."""
    engine = create_engine(_url(path))
    try:
        upgrade_database(engine, backup=False)
        uow = UnitOfWork(engine)
        yield uow, list_active_users(uow)[0].as_actor()
    finally:
        engine.dispose()


def _copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


if __name__ == "__main__":
    main()
