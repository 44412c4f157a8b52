"""The once-a-day jobs that keep "for life" true without anyone remembering them.

Every day the rolling horizon moves on: sessions are generated a little further
ahead, every active course is re-planned from today (so a missed or late dose is
never silently dropped), and maintenance doses coming into the booking horizon are
booked. The first workstation to start each day does it (in the background); a
practice can also run ``clinic-app upkeep`` from a scheduled task.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select

from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import ClinicSetting
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.actor import Actor
from clinic_app.services.booking import keep_maintenance_booked
from clinic_app.services.course_plans import refresh_all_plans
from clinic_app.services.sessions import generate_sessions

#: Internal bookkeeping key in clinic_settings (not a setting a person edits).
DONE_KEY = "upkeep.done_on"


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


def upkeep_due(uow: UnitOfWork, today: dt.date) -> bool:
    with uow.read() as session:
        stored = session.scalar(select(ClinicSetting.value).where(ClinicSetting.key == DONE_KEY))
    return stored is None or dt.date.fromisoformat(json.loads(stored)) < today


def run_daily_upkeep(uow: UnitOfWork, actor: Actor, *, today: dt.date) -> UpkeepResult:
    """Each step is its own transaction: a failure later leaves earlier work valid."""
    sessions_created = generate_sessions(uow, actor, today=today)
    courses_replanned = refresh_all_plans(uow, today=today)
    doses_booked = keep_maintenance_booked(uow, actor, today=today)
    with uow.write() as session:
        row = session.get(ClinicSetting, DONE_KEY)
        value = json.dumps(today.isoformat())
        if row is None:
            session.add(ClinicSetting(key=DONE_KEY, value=value, updated_by=actor.user_id))
        else:
            row.value = value
            row.updated_by = actor.user_id
            row.updated_at = utcnow()
    return UpkeepResult(today, sessions_created, courses_replanned, doses_booked)
