"""Clinic-wide settings every workstation shares, declared once with defaults and help.

Stored in the ``clinic_settings`` table (JSON values), so two workstations on one
PostgreSQL server agree on when the clinic is open and how far ahead to plan.
A setting never written reads as its default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES, ClinicCalendar
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import ClinicSetting, Closure
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services import audit
from clinic_app.services.actor import Actor


@dataclass(frozen=True)
class ClinicSettings:
    country: str = "GB"
    subdivision: str = "ENG"
    open_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    #: How far ahead every active course is planned (the rolling horizon).
    plan_horizon_months: int = 24
    #: How far ahead maintenance appointments are kept booked into slots.
    booking_horizon_weeks: int = 12
    #: A lot expiring within this many days is flagged when chosen.
    expiry_warning_days: int = 30
    #: A platelet count older than this is "stale" once a low count has been seen.
    platelet_stale_days: int = 90
    #: Do not give IM above this INR for anticoagulated patients (0 = no ceiling).
    inr_ceiling: float = 3.0
    #: Lots at or below this many doses appear on the low-stock list.
    low_stock_threshold: int = 20


SETTING_HELP: dict[str, str] = {
    "country": "Country whose public holidays close the clinic (ISO code, e.g. GB).",
    "subdivision": "Region for public holidays (ENG, WLS, SCT, NIR for GB).",
    "open_days": "Weekdays the clinic opens (mon..sun).",
    "plan_horizon_months": "How far ahead every active course is planned.",
    "booking_horizon_weeks": "How far ahead maintenance doses are kept booked.",
    "expiry_warning_days": "Flag a lot expiring within this many days.",
    "platelet_stale_days": "Warn when, after a low count, the latest is older than this.",
    "inr_ceiling": "Maximum INR for an IM injection in an anticoagulated patient (0: none).",
    "low_stock_threshold": "List a lot as low on stock at or below this many doses.",
}


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


def load_settings(uow: UnitOfWork) -> ClinicSettings:
    with uow.read() as session:
        return read_settings(session)


def change_setting(uow: UnitOfWork, actor: Actor, name: str, value: Any) -> ClinicSettings:
    known = {f.name: f for f in fields(ClinicSettings)}
    if name not in known:
        raise ValidationFailed({name: "is not a clinic setting"})
    with uow.write() as session:
        current = read_settings(session)
        candidate = ClinicSettings(**{**current.__dict__, name: value})
        problems = validate_settings(candidate)
        if problems:
            raise ValidationFailed(problems)
        row = session.get(ClinicSetting, name)
        encoded = json.dumps(list(value) if isinstance(value, tuple) else value)
        if row is None:
            session.add(ClinicSetting(key=name, value=encoded, updated_by=actor.user_id))
        else:
            row.value = encoded
            row.updated_by = actor.user_id
            row.updated_at = utcnow()
        audit.record(
            session,
            actor,
            "setting.change",
            "clinic_setting",
            None,
            {"name": name, "from": getattr(current, name), "to": value},
        )
        return candidate


def validate_settings(settings: ClinicSettings) -> dict[str, str]:
    problems: dict[str, str] = {}
    unknown = [d for d in settings.open_days if d not in WEEKDAY_NAMES]
    if unknown or not settings.open_days:
        problems["open_days"] = "must be weekday names such as mon, tue (at least one)"
    try:
        ClinicCalendar.build(
            [0], country=settings.country, subdivision=settings.subdivision or None
        )
    except ValueError as error:  # public_holidays turns the package's refusal into this
        problems["subdivision"] = f"no public holidays known for that country/region ({error})"
    for name in (
        "plan_horizon_months",
        "booking_horizon_weeks",
        "expiry_warning_days",
        "platelet_stale_days",
        "low_stock_threshold",
    ):
        if getattr(settings, name) < 1:
            problems[name] = "must be at least 1"
    if settings.inr_ceiling < 0:
        problems["inr_ceiling"] = "cannot be negative"
    return problems


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
