"""Turn one decoded protocol template (a TOML table) into a checked ``Protocol``.

Templates are edited by hand by a clinic, so the parser is strict: unknown keys are
rejected (a misspelt ``cuont`` must not silently fall back to a default), every
number has a sane range, and every error names the file and the dotted field.
Decoding the TOML itself is the caller's job, which keeps this module free of I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar, get_args

from clinic_app.domain.protocol import (
    DEFAULT_WINDOWS,
    Dose,
    DoseUnit,
    DoseWindow,
    DoseWindows,
    Drug,
    Interval,
    IntervalUnit,
    LoadingKind,
    LoadingPattern,
    LoadingStep,
    Maintenance,
    MonitoringPlan,
    MonitoringRepeat,
    MonitoringStep,
    Protocol,
    Route,
)
from clinic_app.domain.protocol_errors import ProtocolError

_T = TypeVar("_T", bound=str)

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Upper bounds that no real regimen reaches; they stop a typo (an extra zero) from
#: producing a plan of thousands of doses.
_MAX_COUNT = 400
_MAX_EVERY_DAYS = 366
_MAX_WINDOW_DAYS = 180
_MAX_INTERVAL = {"days": 3660, "weeks": 520, "months": 120}
_APPROX_DAYS = {"days": 1.0, "weeks": 7.0, "months": 30.44}

_TOP_KEYS = {
    "id", "version", "title", "summary", "drug", "dose", "routes", "loading",
    "maintenance", "for_life", "windows", "monitoring", "source", "disagreements",
}  # fmt: skip


def parse_protocol(data: Mapping[str, object], source: str) -> Protocol:
    """Raise ProtocolError (naming ``source`` and the field) on the first problem found."""
    top = _Table(data, source, "")
    top.only(_TOP_KEYS)
    protocol_id = top.text("id")
    if not _ID.match(protocol_id):
        raise top.error(
            "id", "must be lower-case letters, digits and hyphens (e.g. 'hydroxo-standard')"
        )
    for_life = top.boolean("for_life")
    dose = _dose(top.table("dose"))
    maintenance = _maintenance(top.table("maintenance"), for_life)
    return Protocol(
        id=protocol_id,
        version=top.text("version"),
        title=top.text("title"),
        summary=" ".join(top.text("summary").split()),
        drug=top.choice("drug", get_args(Drug)),
        dose=dose,
        routes=_routes(top),
        loading=_loading(top.table("loading")),
        maintenance=maintenance,
        for_life=for_life,
        windows=_windows(top.optional_table("windows")),
        monitoring=_monitoring(top.table("monitoring")),
        source=" ".join(top.text("source").split()),
        disagreements=tuple(
            " ".join(note.split()) for note in top.text_list("disagreements", required=False)
        ),
        origin=source,
    )


class _Table:
    """A TOML table plus where it sits, so every error can name its dotted path."""

    def __init__(self, data: Mapping[str, object], source: str, path: str) -> None:
        self.data = data
        self.source = source
        self.path = path

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> ProtocolError:
        return ProtocolError(self.source, self.where(key), problem)

    def only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(
                    key, f"unknown field (expected one of: {', '.join(sorted(allowed))})"
                )

    def has(self, key: str) -> bool:
        return key in self.data

    def value(self, key: str) -> object:
        if key not in self.data:
            raise self.error(key, "is required")
        return self.data[key]

    def text(self, key: str) -> str:
        value = self.value(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "must be a non-empty string")
        return value.strip()

    def choice(self, key: str, options: tuple[_T, ...]) -> _T:
        value = self.value(key)
        for option in options:
            if value == option:
                return option
        raise self.error(key, f"must be one of {', '.join(options)}, got {value!r}")

    def boolean(self, key: str) -> bool:
        value = self.value(key)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def integer(self, key: str, minimum: int, maximum: int) -> int:
        value = self.value(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, got {value!r}")
        if not minimum <= value <= maximum:
            raise self.error(key, f"must be between {minimum} and {maximum}, got {value}")
        return value

    def number(self, key: str) -> float:
        value = self.value(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {value!r}")
        if not 0 < value < 1e6:
            raise self.error(key, f"must be greater than 0, got {value}")
        return value

    def table(self, key: str) -> _Table:
        value = self.value(key)
        if not isinstance(value, Mapping):
            raise self.error(key, 'must be a table (e.g. { amount = 3, unit = "months" })')
        return _Table(value, self.source, self.where(key))

    def optional_table(self, key: str) -> _Table:
        return self.table(key) if key in self.data else _Table({}, self.source, self.where(key))

    def tables(self, key: str) -> list[_Table]:
        value = self.value(key)
        if not isinstance(value, list):
            raise self.error(key, "must be a list of tables")
        tables = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise self.error(f"{key}[{index}]", "must be a table")
            tables.append(_Table(item, self.source, self.where(f"{key}[{index}]")))
        return tables

    def text_list(self, key: str, required: bool = True) -> tuple[str, ...]:
        if not required and key not in self.data:
            return ()
        value = self.value(key)
        if not isinstance(value, list) or (required and not value):
            raise self.error(key, "must be a non-empty list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{key}[{index}]", "must be a non-empty string")
        return tuple(item.strip() for item in value)


def _interval(table: _Table) -> Interval:
    table.only({"amount", "unit"})
    unit: IntervalUnit = table.choice("unit", get_args(IntervalUnit))
    return Interval(table.integer("amount", 1, _MAX_INTERVAL[unit]), unit)


def _dose(table: _Table) -> Dose:
    table.only({"amount", "unit"})
    return Dose(table.number("amount"), table.choice("unit", get_args(DoseUnit)))


def _routes(top: _Table) -> tuple[Route, ...]:
    names = top.text_list("routes")
    allowed = get_args(Route)
    routes: list[Route] = []
    for index, name in enumerate(names):
        route = next((option for option in allowed if option == name), None)
        if route is None:
            hint = " (never IV for these products)" if name.upper() == "IV" else ""
            raise top.error(f"routes[{index}]", f"must be IM or SC, got {name!r}{hint}")
        if route in routes:
            raise top.error(f"routes[{index}]", f"{name} is listed twice")
        routes.append(route)
    return tuple(routes)


def _loading(table: _Table) -> LoadingPattern:
    kind: LoadingKind = table.choice("kind", get_args(LoadingKind))
    if kind == "none":
        table.only({"kind"})
        return LoadingPattern(kind, ())
    if kind == "times_per_week":
        table.only({"kind", "per_week", "weeks"})
        per_week = table.integer("per_week", 1, 7)
        weeks = table.integer("weeks", 1, _MAX_COUNT // per_week)
        # 7 // N spreads the doses (N=3: at least 2 days apart, a Mon/Wed/Fri rhythm).
        step = LoadingStep(7 // per_week, per_week * weeks, per_week=per_week)
        return LoadingPattern(kind, (step,))
    if kind in ("daily", "weekly"):
        table.only({"kind", "count"})
        every = 1 if kind == "daily" else 7
        return LoadingPattern(kind, (LoadingStep(every, table.integer("count", 1, _MAX_COUNT)),))
    if kind == "alternate_days_until_review":
        table.only({"kind", "review_every"})
        review = _interval(table.table("review_every"))
        return LoadingPattern(kind, (LoadingStep(2, None),), review_every=review)
    table.only({"kind", "steps", "review_every"})
    steps = tuple(_step(step) for step in table.tables("steps"))
    if not steps:
        raise table.error("steps", "must list at least one step")
    for index, step in enumerate(steps[:-1]):
        if step.count is None:
            raise table.error(
                f"steps[{index}].until_review", "only the last step may be open-ended"
            )
    if steps[-1].count is None:
        if any(step.review_before for step in steps):
            raise table.error(
                "steps", "review_before applies only when loading has a fixed length "
                "(open-ended loading has its own reviews)",
            )  # fmt: skip
        return LoadingPattern(kind, steps, review_every=_interval(table.table("review_every")))
    if table.has("review_every"):
        raise table.error("review_every", "only applies when the last step has until_review = true")
    return LoadingPattern(kind, steps)


def _step(table: _Table) -> LoadingStep:
    table.only({"every_days", "count", "until_review", "dose", "review_before"})
    every = table.integer("every_days", 1, _MAX_EVERY_DAYS)
    dose = _dose(table.table("dose")) if table.has("dose") else None
    open_ended = table.boolean("until_review") if table.has("until_review") else False
    review = table.boolean("review_before") if table.has("review_before") else False
    if open_ended:
        if table.has("count"):
            raise table.error("count", "an until_review step has no count")
        return LoadingStep(every, None, dose=dose, review_before=review)
    if not table.has("count"):
        raise table.error("count", "is required (or set until_review = true)")
    count = table.integer("count", 1, _MAX_COUNT)
    return LoadingStep(every, count, dose=dose, review_before=review)


def _maintenance(table: _Table, for_life: bool) -> Maintenance:
    table.only({"every", "dose", "doses"})
    every = _interval(table.table("every"))
    dose = _dose(table.table("dose")) if table.has("dose") else None
    if for_life:
        if table.has("doses"):
            raise table.error("doses", "a for-life course has no fixed number of doses")
        return Maintenance(every, dose)
    return Maintenance(every, dose, table.integer("doses", 1, _MAX_COUNT))


def _windows(table: _Table) -> DoseWindows:
    table.only({"loading", "maintenance", "review"})

    def window(key: str, default: DoseWindow) -> DoseWindow:
        if not table.has(key):
            return default
        sub = table.table(key)
        sub.only({"early_days", "late_days", "early_limit_days"})
        early = sub.integer("early_days", 0, _MAX_WINDOW_DAYS)
        limit = None
        if sub.has("early_limit_days"):
            limit = sub.integer("early_limit_days", early, _MAX_WINDOW_DAYS)
        return DoseWindow(early, sub.integer("late_days", 0, _MAX_WINDOW_DAYS), limit)

    return DoseWindows(
        loading=window("loading", DEFAULT_WINDOWS.loading),
        maintenance=window("maintenance", DEFAULT_WINDOWS.maintenance),
        review=window("review", DEFAULT_WINDOWS.review),
    )


def _monitoring(table: _Table) -> MonitoringPlan:
    """The monitoring plan, with the product information's early checks first.

    ``early_checks`` are the checks a template's own source asks for in the first days
    or weeks (potassium during initial therapy, platelets in the first weeks...), with
    their citation in ``early_checks_source``. They are planned unless the clinic sets
    ``plan_early_checks = false`` in its copy of the template: a choice made per
    template, versioned with it and frozen in every course's snapshot, so a course's
    record shows whether they were planned for it.
    """
    table.only({"steps", "repeat", "early_checks", "early_checks_source", "plan_early_checks"})
    steps: list[MonitoringStep] = []
    early: list[MonitoringStep] = []
    if table.has("early_checks"):
        early = _monitoring_steps(table, "early_checks")
        table.text("early_checks_source")
    elif table.has("early_checks_source"):
        raise table.error("early_checks_source", "only applies with early_checks")
    planned = table.boolean("plan_early_checks") if table.has("plan_early_checks") else True
    if planned:
        steps += early
    for index, step in enumerate(_monitoring_steps(table, "steps")):
        if steps and _approx_days(step.after) <= _approx_days(steps[-1].after):
            where = "early_checks" if index == 0 and early else f"steps[{index}].after"
            raise table.error(where, "must come before the later steps")
        steps.append(step)
    repeat = None
    if table.has("repeat"):
        sub = table.table("repeat")
        sub.only({"every", "tests"})
        repeat = MonitoringRepeat(_interval(sub.table("every")), sub.text_list("tests"))
    return MonitoringPlan(tuple(steps), repeat)


def _monitoring_steps(table: _Table, key: str) -> list[MonitoringStep]:
    steps: list[MonitoringStep] = []
    for index, sub in enumerate(table.tables(key)):
        sub.only({"after", "tests"})
        step = MonitoringStep(_interval(sub.table("after")), sub.text_list("tests"))
        if steps and _approx_days(step.after) <= _approx_days(steps[-1].after):
            raise table.error(f"{key}[{index}].after", "must come after the previous step")
        steps.append(step)
    return steps


def _approx_days(interval: Interval) -> float:
    return interval.amount * _APPROX_DAYS[interval.unit]
