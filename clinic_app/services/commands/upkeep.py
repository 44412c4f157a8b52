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
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError

from clinic_app.domain.actor import Actor
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import ClinicSetting
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import keep_maintenance_booked
from clinic_app.services.commands.sessions import generate_sessions
from clinic_app.services.planning.nightly_refresh import refresh_all_plans

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


def run_daily_upkeep(uow: UnitOfWork, actor: Actor, *, today: dt.date) -> UpkeepResult | None:
    """Run the day's jobs unless another workstation has already claimed the day.

    The day is claimed first, with a conditional write (two workstations starting at
    the same minute: one runs, the other returns None). Each job is its own
    transaction, so a failure later leaves earlier work valid; a failed run gives the
    claim back so the next start tries again.
    """
    claimed, previous = _claim(uow, actor, today)
    if not claimed:
        return None
    try:
        sessions_created = generate_sessions(uow, actor, today=today)
        courses_replanned = refresh_all_plans(uow, today=today)
        doses_booked = keep_maintenance_booked(uow, actor, today=today)
    except BaseException:
        _release(uow, today, previous)
        raise
    return UpkeepResult(today, sessions_created, courses_replanned, doses_booked)


def _claim(uow: UnitOfWork, actor: Actor, today: dt.date) -> tuple[bool, str | None]:
    """(claimed, the value the claim replaced: None when there was none)."""
    value = json.dumps(today.isoformat())
    try:
        with uow.write() as session:
            stored = session.scalar(
                select(ClinicSetting.value).where(ClinicSetting.key == DONE_KEY)
            )
            if stored is None:
                session.add(ClinicSetting(key=DONE_KEY, value=value, updated_by=actor.user_id))
                session.flush()
                return True, None
            if dt.date.fromisoformat(json.loads(stored)) >= today:
                return False, stored
            claimed = session.execute(
                update(ClinicSetting)
                .where(ClinicSetting.key == DONE_KEY, ClinicSetting.value == stored)
                .values(value=value, updated_by=actor.user_id, updated_at=utcnow())
            )
            return cast(CursorResult[Any], claimed).rowcount == 1, stored
    except IntegrityError:  # another workstation inserted the first claim meanwhile
        return False, None


def _release(uow: UnitOfWork, today: dt.date, previous: str | None) -> None:
    with uow.write() as session:
        mine = (ClinicSetting.key == DONE_KEY, ClinicSetting.value == json.dumps(today.isoformat()))
        if previous is None:
            session.execute(delete(ClinicSetting).where(*mine))
        else:
            session.execute(update(ClinicSetting).where(*mine).values(value=previous))
