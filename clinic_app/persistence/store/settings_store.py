"""The clinic settings row and the clinic calendar built from it, read inside the
caller's transaction.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES, ClinicCalendar
from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.persistence.models import ClinicSetting, Closure


def read_settings(session: Session) -> ClinicSettings:
    stored = {
        key: value for key, value in session.execute(select(ClinicSetting.key, ClinicSetting.value))
    }
    values: dict[str, Any] = {}
    for setting in fields(ClinicSettings):
        if setting.name in stored:
            value = json.loads(stored[setting.name])
            values[setting.name] = tuple(value) if isinstance(value, list) else value
    return ClinicSettings(**values)


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
