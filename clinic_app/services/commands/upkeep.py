"""The once-a-day jobs that keep "for life" true without anyone remembering them.

Every day the rolling horizon moves on: sessions are generated a little further
ahead, every active course is re-planned from today (so a missed or late dose is
never silently dropped), and maintenance doses coming into the booking horizon are
booked. The first workstation to start each day does it (in the background); a
practice can also run ``clinic-app upkeep`` from a scheduled task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic_app.domain.changes import Change
from clinic_app.domain.codes import JobStatus
from clinic_app.domain.permissions import Action
from clinic_app.persistence.store import job_runs
from clinic_app.services.commands.booking import keep_maintenance_booked
from clinic_app.services.commands.sessions import generate_sessions
from clinic_app.services.envelope import JobWork, Work, job
from clinic_app.services.planning.nightly_refresh import refresh_all_plans
from clinic_app.services.queries.upkeep import UPKEEP_JOB


@dataclass(frozen=True)
class UpkeepResult:
    day: dt.date
    sessions_created: int
    courses_replanned: int
    doses_booked: int

    def summary(self) -> str:
        return (
            f"{self.sessions_created} sessions added, {self.courses_replanned} courses "
            f"re-planned, {self.doses_booked} maintenance doses booked"
        )


@job(Action.RUN_DAILY_UPKEEP, Change.SESSIONS, Change.COURSES, Change.BOOKINGS)
def run_daily_upkeep(work: JobWork, *, today: dt.date) -> UpkeepResult | None:
    """Run the day's jobs unless another workstation has already claimed the day.

    The day is claimed first, by inserting its job_runs row (two workstations starting
    at the same minute: one runs, the other returns None). Each job is its own
    transaction or several, so a failure later leaves earlier work valid and the write
    lock is never held for long; a failed run gives the claim back so the next start
    tries again.
    """
    with work.batch() as claiming:
        run_id = _claim(claiming, today)
        claiming.unchanged()
    if run_id is None:
        return None
    done: dict[str, int] = {}
    try:
        done["sessions_created"] = generate_sessions(work.uow, work.actor, today=today)
        _progress(work, run_id, done)
        done["courses_replanned"] = refresh_all_plans(work.uow, today=today)
        _progress(work, run_id, done)
        booking = keep_maintenance_booked.run(work.uow, work.actor, today=today)
        done["doses_booked"] = work.include(booking)
    except BaseException as error:
        with work.batch() as failing:
            failed = {**done, "error": _name(error)}
            job_runs.finish(failing.session, run_id, JobStatus.FAILED, failed)
            failing.audit("job_run", run_id, {"day": today, "status": "failed", **failed})
        raise
    with work.batch() as finishing:
        job_runs.finish(finishing.session, run_id, JobStatus.DONE, done)
        finishing.audit("job_run", run_id, {"day": today, "status": "done", **done})
    return UpkeepResult(
        today, done["sessions_created"], done["courses_replanned"], done["doses_booked"]
    )


def _claim(work: Work, today: dt.date) -> int | None:
    """The run's id, or None when today (or a later day) is already claimed."""
    latest = job_runs.latest_key(work.session, UPKEEP_JOB)
    if latest is not None and latest > today.isoformat():
        return None  # a workstation with its clock ahead ran a later day
    return job_runs.claim(work.session, UPKEEP_JOB, today.isoformat(), work.actor)


def _progress(work: JobWork, run_id: int, done: dict[str, int]) -> None:
    """How far the run got, kept should the process die before the next step ends."""
    with work.batch() as batch:
        job_runs.progress(batch.session, run_id, done)
        batch.unchanged()


def _name(error: BaseException) -> str:
    """The error's type only: its message may name a patient."""
    return type(error).__name__
