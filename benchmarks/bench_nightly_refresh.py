"""The nightly rolling-horizon refresh of every active course, on a demo clinic.

A demo clinic of 10,000 patients (about 9,500 active courses) is built in a temporary
directory; ``refresh_all_plans`` is then timed:

- the first run, which fills every course's plan out to the two-year horizon (the
  demo books only the next few months, so this run writes about 100,000 rows);
- the nights after, as the app runs them (only the courses a night can change) and
  as a full refresh of every course (``full=True``, what a changed calendar or
  setting triggers): the same day again (nothing to change), then each following
  day (rows whose day has passed are re-planned, the horizon moves on a day). The
  full refresh runs the nights after the incremental ones, so each meets a night's
  ordinary work.

Run: python -m benchmarks.bench_nightly_refresh [--patients N] [--database URL] [--nights 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.machine import describe
from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.codes import CourseStatus
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.models import Appointment, Course
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.planning.nightly_refresh import refresh_all_plans

TODAY = dt.date(2026, 3, 10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--database", help="an empty database URL (default: a temp SQLite file)")
    parser.add_argument("--nights", type=int, default=3)
    args = parser.parse_args()
    url = args.database
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="clinic-refresh-"))
        url = f"sqlite:///{folder / 'clinic.sqlite'}"
    engine = create_engine(url)
    upgrade_database(engine, backup=False)
    uow = UnitOfWork(engine)
    began = time.perf_counter()
    create_demo_clinic(uow, patients=args.patients, today=TODAY)
    print(f"demo clinic of {args.patients:,} patients: {time.perf_counter() - began:.1f} s ({url})")
    with uow.read() as session:
        active = session.scalar(
            select(func.count()).select_from(Course).where(Course.status == CourseStatus.ACTIVE)
        )
    first, changed = _timed(uow, TODAY, True)
    print(f"first refresh (fills the 24-month horizon): {first:.2f} s, {changed:,} courses changed")
    print(f"  appointment rows now: {_appointments(uow):,}")
    print(f"{active:,} active courses; target: under 1 s a night (engine alone: bench_replan)")
    day = TODAY
    for full in (False, True):
        label = "full refresh (every course)" if full else "nightly refresh (incremental)"
        same_day = [_timed(uow, day, full) for _ in range(args.nights)]
        following = []
        for _ in range(args.nights):
            day += dt.timedelta(days=1)
            following.append(_timed(uow, day, full))
        print(f"{label}:")
        print(
            f"  same day again (nothing to change): median {_median(same_day):.2f} s,"
            f" best {min(t for t, _ in same_day):.2f} s"
        )
        print(
            f"  each following night: median {_median(following):.2f} s,"
            f" best {min(t for t, _ in following):.2f} s,"
            f" {statistics.median(c for _, c in following):,.0f} courses changed a night"
        )
    print(describe())


def _timed(uow: UnitOfWork, today: dt.date, full: bool) -> tuple[float, int]:
    began = time.perf_counter()
    changed = refresh_all_plans(uow, today=today, full=full)
    return time.perf_counter() - began, changed


def _median(runs: list[tuple[float, int]]) -> float:
    return statistics.median(seconds for seconds, _ in runs)


def _appointments(uow: UnitOfWork) -> int:
    with uow.read() as session:
        return session.scalar(select(func.count()).select_from(Appointment)) or 0


if __name__ == "__main__":
    main()
