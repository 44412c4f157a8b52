"""Whether today's upkeep is still to run: asked by each workstation as it starts."""

from __future__ import annotations

import datetime as dt

from clinic_app.persistence.store import job_runs
from clinic_app.persistence.unit_of_work import UnitOfWork

#: The job's name in job_runs; each run's key is the ISO day it is for.
UPKEEP_JOB = "upkeep.daily"


def upkeep_due(uow: UnitOfWork, today: dt.date) -> bool:
    """No run claimed for today or a later day, or only failed ones."""
    with uow.read() as session:
        latest = job_runs.latest_key(session, UPKEEP_JOB)
    return latest is None or latest < today.isoformat()
