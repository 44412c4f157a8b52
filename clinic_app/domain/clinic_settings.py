"""Clinic-wide settings every workstation shares: their typed values, help text and the
ranges they must keep.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES, ClinicCalendar


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
