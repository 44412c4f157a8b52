"""Claiming, finishing and reading job runs, inside the caller's transaction.

A run is claimed by inserting its (job, run_key) row; the unique constraint decides
between two workstations that try at once (SQLite serialises the writers, PostgreSQL
makes the second insert wait for the first to commit and then refuses it). A failed
run's key is claimed again with a conditional UPDATE ``... WHERE status = 'failed'``,
which only one of two workstations can match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import JobStatus
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import JobRun
from clinic_app.persistence.store.slot_capacity import rowcount


@dataclass(frozen=True)
class JobRunRecord:
    id: int
    job: str
    run_key: str | None
    status: JobStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    workstation: str
    user_id: int | None
    detail: Mapping[str, Any]


def claim(session: Session, job: str, run_key: str, actor: Actor | None) -> int | None:
    """Take ``run_key`` of ``job`` for this workstation: the run's id, or None if taken."""
    found = session.execute(
        select(JobRun.id, JobRun.status).where(JobRun.job == job, JobRun.run_key == run_key)
    ).first()
    if found is None:
        run = JobRun(job=job, run_key=run_key, status=JobStatus.CLAIMED, **_who(actor))
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:  # another workstation inserted the same key meanwhile
            return None
        return run.id
    if found.status is not JobStatus.FAILED:
        return None
    retaken = session.execute(
        update(JobRun)
        .where(JobRun.id == found.id, JobRun.status == JobStatus.FAILED)
        .values(
            status=JobStatus.CLAIMED,
            started_at=utcnow(),
            finished_at=None,
            detail={},
            **_who(actor),
        )
        .execution_options(synchronize_session=False)
    )
    return found.id if rowcount(retaken) == 1 else None


def progress(session: Session, run_id: int, detail: Mapping[str, Any]) -> None:
    """The run is under way; ``detail`` says how far it got (kept if it dies here)."""
    _set(session, run_id, status=JobStatus.RUNNING, detail=dict(detail))


def finish(session: Session, run_id: int, status: JobStatus, detail: Mapping[str, Any]) -> None:
    """Done or failed; a failed run's key may be claimed again."""
    _set(session, run_id, status=status, detail=dict(detail), finished_at=utcnow())


def record(
    session: Session,
    job: str,
    actor: Actor | None,
    detail: Mapping[str, Any],
    *,
    started_at: dt.datetime,
) -> int:
    """A finished run of a job that needs no claim (it may run any number of times)."""
    run = JobRun(
        job=job,
        run_key=None,
        status=JobStatus.DONE,
        started_at=started_at,
        finished_at=utcnow(),
        detail=dict(detail),
        **_who(actor),
    )
    session.add(run)
    session.flush()
    return run.id


def latest(
    session: Session, job: str, *, status: JobStatus = JobStatus.DONE
) -> JobRunRecord | None:
    """The most recent run of ``job`` in ``status``."""
    run = session.scalars(
        select(JobRun)
        .where(JobRun.job == job, JobRun.status == status)
        .order_by(JobRun.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return None
    return JobRunRecord(
        run.id,
        run.job,
        run.run_key,
        run.status,
        run.started_at,
        run.finished_at,
        run.workstation,
        run.user_id,
        dict(run.detail),
    )


def latest_key(session: Session, job: str) -> str | None:
    """The highest key of ``job`` claimed and not failed (running or done)."""
    return session.scalar(
        select(func.max(JobRun.run_key)).where(JobRun.job == job, JobRun.status != JobStatus.FAILED)
    )


def _set(session: Session, run_id: int, **values: Any) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _who(actor: Actor | None) -> dict[str, Any]:
    return {
        "user_id": actor.user_id if actor else None,
        "workstation": actor.workstation if actor else "",
    }
