"""One row per run of a background job: the claim that makes it run once, and its outcome.

Job state lives here, not in clinic_settings (which people edit) nor in the audit log
(history, never read back to decide what to do next). A once-a-day job is claimed by
inserting its (job, run_key) row: the unique constraint lets exactly one of two
workstations starting together win, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import JobStatus
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded


class JobRun(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "upkeep.daily", "plans.refresh".
    job: Mapped[str] = mapped_column(String(40))
    #: What a run is claimed for (the ISO day of a daily job). NULL for a job that may
    #: run any number of times: NULLs never clash in a unique constraint.
    run_key: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[JobStatus] = mapped_column(coded(JobStatus, "job_status"))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    workstation: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: What the run did or found (counts, the refresh's calendar fingerprint, an error).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("job", "run_key"),)
