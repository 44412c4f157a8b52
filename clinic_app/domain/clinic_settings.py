"""Clinic-wide settings every workstation shares, each declared once.

A setting is a field of ``ClinicSettings`` made with ``setting(...)``: the field gives
its name, type and default, the declaration its label, help, unit and the range or
choices it must keep. The settings store, the command that saves them and the settings
dialog all read ``SETTINGS`` instead of keeping their own copies, so a new setting is
one field here and nothing else, and a range changed here is the range everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import TypeVar

from clinic_app.domain.clinic_calendar import WEEKDAY_NAMES, ClinicCalendar
from clinic_app.domain.interval_factor import (
    FACTOR_MAX_CAP,
    FACTOR_MAX_DEFAULT,
    FACTOR_MIN_FLOOR,
    FactorRange,
)

#: What a setting can hold; a tuple is "any of the setting's choices" (the open days).
SettingValue = str | int | float | tuple[str, ...]
T = TypeVar("T", str, int, float, tuple[str, ...])

_DECLARATION = "clinic_setting"


@dataclass(frozen=True)
class Setting:
    """Everything the app knows about one setting, for the form, the store and the checks."""

    name: str
    #: ``str``, ``int``, ``float``, or ``tuple`` (several of ``choices``).
    type: type
    label: str
    help: str
    default: SettingValue
    #: Shown after the number ("days"); empty for a plain number or text.
    unit: str = ""
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()
    #: Decimal places a ``float`` is kept to (the INR is read to one place).
    decimals: int = 0
    #: What the minimum means when it means "none" ("No ceiling" for an INR of 0).
    minimum_means: str = ""
    #: Longest text accepted (a code such as GB or ENG); 0 for no limit.
    max_length: int = 0
    #: A code (ISO country or region): kept upper case, as the holidays package wants.
    code: bool = False
    #: Decides which days the clinic is open: changing it re-plans every course.
    calendar: bool = False
    #: Where the default comes from (a guideline, a product's information), for review.
    source: str = ""

    def tidy(self, value: object) -> object:
        """The value as it would be typed by someone careful (trimmed, upper-case code,
        a list of choices as a tuple), so one careless space does not fail a save."""
        if self.type is str and isinstance(value, str):
            value = value.strip()
            return value.upper() if self.code else value
        if self.type is tuple and isinstance(value, list):
            return tuple(value)
        if self.type is float and isinstance(value, int | float) and not isinstance(value, bool):
            return round(float(value), self.decimals)
        return value

    def problem(self, value: object) -> str | None:
        """Why ``value`` cannot be this setting, or None when it can."""
        if self.type is tuple:
            return self._choices_problem(value)
        if self.type is str:
            if not isinstance(value, str):
                return "must be text"
            if self.max_length and len(value) > self.max_length:
                return f"must be at most {self.max_length} characters"
            if self.choices and value not in self.choices:
                return "must be one of " + ", ".join(self.choices)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number" if self.type is float else "must be a whole number"
        if self.type is int and not isinstance(value, int):
            return "must be a whole number"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.number_text(self.minimum)}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.number_text(self.maximum)}"
        return None

    def number_text(self, number: float) -> str:
        return f"{number:.{self.decimals}f}" if self.type is float else str(int(number))

    def _choices_problem(self, value: object) -> str | None:
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            return "must be a list of " + ", ".join(self.choices)
        if not value:
            return "choose at least one of " + ", ".join(self.choices)
        unknown = [v for v in value if v not in self.choices]
        if unknown:
            return f"{', '.join(unknown)}: not one of " + ", ".join(self.choices)
        if len(set(value)) != len(value):
            return "names a choice twice"
        return None


def setting(
    type_: type[T],
    *,
    label: str,
    help: str,
    default: T,
    unit: str = "",
    minimum: int | float | None = None,
    maximum: int | float | None = None,
    choices: tuple[str, ...] = (),
    decimals: int = 0,
    minimum_means: str = "",
    max_length: int = 0,
    code: bool = False,
    calendar: bool = False,
    source: str = "",
) -> T:
    """A ``ClinicSettings`` field with its declaration in the field's metadata.

    ``dataclasses.field`` is typed as its default, so mypy still sees a plain ``int``
    or ``str`` field; the name is the field's own, filled in when ``SETTINGS`` is built.
    """
    declared = Setting(
        name="",
        type=type_,
        label=label,
        help=help,
        default=default,
        unit=unit,
        minimum=minimum,
        maximum=maximum,
        choices=choices,
        decimals=decimals,
        minimum_means=minimum_means,
        max_length=max_length,
        code=code,
        calendar=calendar,
        source=source,
    )
    return field(default=default, metadata={_DECLARATION: declared})


@dataclass(frozen=True)
class ClinicSettings:
    country: str = setting(
        str,
        label="Country",
        help="Country whose public holidays close the clinic (ISO code, e.g. GB).",
        default="GB",
        max_length=3,
        code=True,
        calendar=True,
    )
    subdivision: str = setting(
        str,
        label="Region",
        help="Region for public holidays (ENG, WLS, SCT, NIR for GB).",
        default="ENG",
        max_length=10,
        code=True,
        calendar=True,
    )
    open_days: tuple[str, ...] = setting(
        tuple,
        label="Open days",
        help="Weekdays the clinic opens.",
        default=("mon", "tue", "wed", "thu", "fri"),
        choices=WEEKDAY_NAMES,
        calendar=True,
    )
    plan_horizon_months: int = setting(
        int,
        label="Plan ahead",
        help="How far ahead every active course is planned.",
        default=24,
        unit="months",
        minimum=1,
        maximum=600,
    )
    booking_horizon_weeks: int = setting(
        int,
        label="Keep booked ahead",
        help="How far ahead maintenance doses are kept booked into sessions.",
        default=12,
        unit="weeks",
        minimum=1,
        maximum=520,
    )
    expiry_warning_days: int = setting(
        int,
        label="Expiry warning",
        help="Flag a lot expiring within this many days when it is chosen.",
        default=30,
        unit="days",
        minimum=1,
        maximum=3650,
    )
    platelet_stale_days: int = setting(
        int,
        label="Platelet count stale after",
        help="Warn when, after a low count, the latest count is older than this.",
        default=90,
        unit="days",
        minimum=1,
        maximum=3650,
    )
    inr_ceiling: float = setting(
        float,
        label="INR ceiling",
        help="Maximum INR for an IM injection in an anticoagulated patient (0: none).",
        default=3.0,
        minimum=0.0,
        maximum=20.0,
        decimals=1,
        minimum_means="No ceiling",
    )
    interval_factor_max: float = setting(
        float,
        label="Most frequent factor",
        help="Highest frequency factor a prescriber may set for a patient (1.5: 3-monthly "
        f"becomes 2-monthly). At most {FACTOR_MAX_CAP:g}.",
        default=FACTOR_MAX_DEFAULT,
        unit="× as often",
        minimum=1.0,
        maximum=FACTOR_MAX_CAP,
        decimals=2,
        source="Seed 002: some patients may require up to 50% more frequent injections.",
    )
    interval_factor_min: float = setting(
        float,
        label="Least frequent factor",
        help="Lowest frequency factor a prescriber may set, with a reason (0.75: 3-monthly "
        "becomes 4-monthly). 1 allows no reduction.",
        default=FACTOR_MIN_FLOOR,
        unit="× as often",
        minimum=FACTOR_MIN_FLOOR,
        maximum=1.0,
        decimals=2,
        source="NICE NG239 (2024): consider reducing the frequency if the cause has resolved.",
    )
    default_template: str = setting(
        str,
        label="Default template",
        help="Template id the Start course form preselects (empty: none, so the prescriber "
        "must choose one).",
        default="",
        max_length=63,
    )
    inr_max_age_days: int = setting(
        int,
        label="INR counts as missing after",
        help="For a patient on a vitamin K antagonist (warfarin), an INR older than this "
        "counts as no INR.",
        default=7,
        unit="days",
        minimum=1,
        maximum=90,
        source="CLINICAL_RULES.md section 3: the INR must be recent (default 7 days).",
    )
    low_stock_threshold: int = setting(
        int,
        label="Low stock at",
        help="List a lot as low on stock at or below this many doses.",
        default=20,
        unit="doses",
        minimum=1,
        maximum=100_000,
    )


def _declarations() -> Mapping[str, Setting]:
    found: dict[str, Setting] = {}
    for each in fields(ClinicSettings):
        declared = each.metadata.get(_DECLARATION)
        if not isinstance(declared, Setting):
            raise TypeError(f"ClinicSettings.{each.name} is not made with setting(...)")
        found[each.name] = replace(declared, name=each.name)
    return MappingProxyType(found)


#: Every setting by name, in the order the settings form shows them.
SETTINGS: Mapping[str, Setting] = _declarations()


def check_setting(name: str, value: object) -> str | None:
    """Why ``value`` cannot be setting ``name`` on its own, or None when it can."""
    declared = SETTINGS.get(name)
    if declared is None:
        return "is not a clinic setting"
    return declared.problem(value)


def validate_settings(settings: ClinicSettings) -> dict[str, str]:
    """Every field against its declaration, then what no range can say: that the
    holidays package knows the country and its region. In the form's order, so a
    message listing them reads top to bottom."""
    problems: dict[str, str] = {}
    for name in SETTINGS:
        problem = check_setting(name, getattr(settings, name))
        if problem is not None:
            problems[name] = problem
    if "country" not in problems and "subdivision" not in problems:
        problems.update(_holiday_problems(settings.country, settings.subdivision))
    return {name: problems[name] for name in SETTINGS if name in problems}


def factor_range(settings: ClinicSettings) -> FactorRange:
    """The frequency factors the clinic allows, from its two settings."""
    return FactorRange(settings.interval_factor_min, settings.interval_factor_max)


def _holiday_problems(country: str, subdivision: str) -> dict[str, str]:
    """Blame the country when the package knows no such country, else the region."""
    if not country:
        return {"country": "enter the country's ISO code, e.g. GB"}
    try:
        ClinicCalendar.build([0], country=country, subdivision=None)
    except ValueError as error:  # public_holidays turns the package's refusal into this
        return {"country": f"no public holidays known for that country ({error})"}
    if not subdivision:
        return {}
    try:
        ClinicCalendar.build([0], country=country, subdivision=subdivision)
    except ValueError as error:
        return {"subdivision": f"no public holidays known for that country/region ({error})"}
    return {}
