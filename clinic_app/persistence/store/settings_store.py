"""The clinic settings rows and the clinic calendar built from them, read and written
inside the caller's transaction.

One row per setting, keyed by the declared name and holding the value as JSON; only
settings someone has changed are stored, so a default changed in the declarations
reaches every clinic that kept the old default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_app.domain.actor import Actor
from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES, ClinicCalendar
from clinic_app.domain.clinic_settings import SETTINGS, ClinicSettings
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import ClinicSetting, Closure


def read_settings(session: Session) -> ClinicSettings:
    """The stored value of each declared setting, or its declared default when none is
    stored (a new clinic stores nothing until someone changes a setting)."""
    query = select(ClinicSetting.key, ClinicSetting.value).where(
        ClinicSetting.key.in_(list(SETTINGS))
    )
    stored = {key: value for key, value in session.execute(query)}
    values: dict[str, Any] = {
        name: declared.tidy(json.loads(stored[name])) if name in stored else declared.default
        for name, declared in SETTINGS.items()
    }
    return ClinicSettings(**values)


def encode_setting(value: object) -> str:
    """The JSON a setting is stored as (a tuple of choices as a list)."""
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def write_settings(session: Session, actor: Actor, values: Mapping[str, object]) -> None:
    """Store each of ``values`` (already checked), inserting the rows not stored yet."""
    rows = {
        row.key: row
        for row in session.scalars(select(ClinicSetting).where(ClinicSetting.key.in_(list(values))))
    }
    for name, value in values.items():
        row = rows.get(name)
        if row is None:
            session.add(
                ClinicSetting(key=name, value=encode_setting(value), updated_by=actor.user_id)
            )
        else:
            row.value = encode_setting(value)
            row.updated_by = actor.user_id
            row.updated_at = utcnow()


def clinic_calendar(session: Session, settings: ClinicSettings | None = None) -> ClinicCalendar:
    """The calendar every date the app plans must respect: open days, closures, holidays."""
    settings = settings or read_settings(session)
    closures = [
        (row.first_day, row.last_day)
        for row in session.execute(select(Closure.first_day, Closure.last_day)).all()
    ]
    return ClinicCalendar.build(
        open_weekdays=[WEEKDAY_NAMES.index(day) for day in settings.open_days],
        closures=closures,
        country=settings.country or None,
        subdivision=settings.subdivision or None,
    )
