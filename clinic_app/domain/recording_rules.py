"""The form rules for a dose, a dose not given, a prescriber decision and a lab result:
run as the nurse types and again by the service. The clinical safety checks are
``administration_checks``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from clinic_app.domain.administration_checks import (
    DecisionFacts,
    DecisionTopic,
)
from clinic_app.domain.codes import (
    Authority,
    LabTest,
    NotGivenReason,
    Route,
    Side,
    Site,
)
from clinic_app.domain.lab_tests import LabTestRules

NEEDLE_GAUGES = range(18, 31)


MAX_PRESSURE_MINUTES = 30


_E = TypeVar("_E", bound=StrEnum)


@dataclass(frozen=True)
class DecisionInput:
    """A decision as entered: the prescriber is chosen from the clinic's list by id."""

    topic: str
    decision: str
    prescriber_id: int | None
    decided_on: dt.date | None
    valid_until: dt.date | None = None

    def as_facts(
        self,
        course_id: int | None,
        prescriber_name: str,
        *,
        by_prescriber: bool = False,
        recorded_by: str = "",
    ) -> DecisionFacts | None:
        if self.decided_on is None or self.prescriber_id is None:
            return None
        return DecisionFacts(
            topic=self.topic,
            decision=" ".join(self.decision.split()),
            prescriber_name=" ".join(prescriber_name.split()),
            decided_on=self.decided_on,
            valid_until=self.valid_until,
            course_id=course_id,
            prescriber_id=self.prescriber_id,
            by_prescriber=by_prescriber,
            recorded_by=recorded_by,
        )


@dataclass(frozen=True)
class AdministrationInput:
    """What the nurse entered. Strings as typed or chosen; the service checks them all."""

    patient_id: int
    appointment_id: int | None
    lot_id: int | None
    route: str
    site: str | None
    side: str | None
    needle_gauge: int | None
    pressure_minutes: int | None
    authority: str | None
    consent: bool
    site_reason: str = ""
    reaction: str = ""
    notes: str = ""
    acknowledged: frozenset[str] = frozenset()
    #: Prescriber decisions taken at the desk, saved in the same transaction.
    decisions: tuple[DecisionInput, ...] = ()
    #: When it was given, on the clinic's day; None means now.
    given_at: dt.time | None = None
    #: A new vial of a multi-dose lot was opened for this dose (its in-use days restart).
    new_vial: bool = False


@dataclass(frozen=True)
class NotGivenInput:
    patient_id: int
    appointment_id: int | None
    reason: str
    note: str = ""


# -- validation (also run by the dialog as the nurse types) ------------------------------


#: A clock a few minutes apart from another workstation's is not a future time.
GIVEN_AT_TOLERANCE = dt.timedelta(minutes=5)


def validate_given_at(given_at: dt.time | None, now: dt.time) -> str | None:
    """The time given is today's and not later than now (it may be corrected back)."""
    if given_at is None:
        return None
    latest = (dt.datetime.combine(dt.date.min, now) + GIVEN_AT_TOLERANCE).time()
    if now <= latest and given_at > latest:
        return f"{given_at:%H:%M} is later than now: a dose is recorded after it is given"
    return None


def validate_administration_input(
    data: AdministrationInput, now: dt.time | None = None
) -> dict[str, str]:
    """Problems with the form as entered, by field; the safety checks come after."""
    errors: dict[str, str] = {}
    problem = validate_given_at(data.given_at, now or dt.datetime.now().time())
    if problem:
        errors["given_at"] = problem
    if data.lot_id is None:
        errors["lot_id"] = "choose the lot you are using (number on the ampoule)"
    route = data.route.strip().upper()
    if route == "IV":
        errors["route"] = "vitamin B12 injections are never given intravenously: use IM"
    elif route not in {r.value for r in Route}:
        errors["route"] = "choose IM or deep SC"
    site = _enum(Site, data.site)
    if site is None:
        errors["site"] = "choose the injection site"
    if _enum(Side, data.side) is None:
        errors["side"] = "choose left or right"
    reason = data.site_reason.strip()
    if site is Site.DORSOGLUTEAL and not reason:
        errors["site_reason"] = "say why the dorsogluteal site is used (it is normally avoided)"
    elif len(reason) > 500:
        errors["site_reason"] = "is longer than 500 characters"
    if data.needle_gauge is None:
        errors["needle_gauge"] = "is required (e.g. 23G; 25G with low platelets)"
    elif data.needle_gauge not in NEEDLE_GAUGES:
        errors["needle_gauge"] = (
            f"must be between {NEEDLE_GAUGES.start}G and {NEEDLE_GAUGES.stop - 1}G"
        )
    if data.pressure_minutes is not None and not 0 <= data.pressure_minutes <= MAX_PRESSURE_MINUTES:
        errors["pressure_minutes"] = f"must be between 0 and {MAX_PRESSURE_MINUTES} minutes"
    if _enum(Authority, data.authority) is None:
        errors["authority"] = "choose PSD or PGD"
    if not data.consent:
        errors["consent"] = "confirm the patient consented to this injection"
    if len(data.reaction) > 1000:
        errors["reaction"] = "is longer than 1000 characters"
    if len(data.notes) > 2000:
        errors["notes"] = "is longer than 2000 characters"
    for decision in data.decisions:
        for field, problem in validate_decision(
            decision.topic,
            decision.decision,
            decision.prescriber_id,
            decision.decided_on,
            decision.valid_until,
            today=None,
        ).items():
            errors.setdefault(f"decision_{field}", problem)
    return errors


def validate_decision(
    topic: str,
    decision: str,
    prescriber_id: int | None,
    decided_on: dt.date | None,
    valid_until: dt.date | None,
    *,
    today: dt.date | None,
) -> dict[str, str]:
    """The form's rules; whether the prescriber is on the list and active is the
    service's to say (it reads the list)."""
    errors: dict[str, str] = {}
    if topic not in {t.value for t in DecisionTopic}:
        errors["topic"] = "choose what the prescriber decided about"
    text = " ".join(decision.split())
    if not text:
        errors["decision"] = (
            "write what the prescriber decided (e.g. give IM, 25G, 10 min pressure)"
        )
    elif len(text) > 2000:
        errors["decision"] = "is longer than 2000 characters"
    if prescriber_id is None:
        errors["prescriber_id"] = "choose the prescriber from the clinic's list (who decided)"
    if decided_on is None:
        errors["decided_on"] = "is required (DD/MM/YYYY)"
    elif today is not None and decided_on > today:
        errors["decided_on"] = "cannot be in the future"
    if valid_until is not None and decided_on is not None and valid_until < decided_on:
        errors["valid_until"] = "cannot be before the decision date"
    elif valid_until is not None and today is not None and valid_until < today:
        errors["valid_until"] = "is already past: the decision would not cover today's dose"
    return errors


def validate_not_given(data: NotGivenInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    reason = _enum(NotGivenReason, data.reason)
    if reason is None:
        errors["reason"] = "choose why the dose was not given"
    note = " ".join(data.note.split())
    if reason is NotGivenReason.OTHER and not note:
        errors["note"] = "say why (the reason is 'other')"
    elif len(note) > 2000:
        errors["note"] = "is longer than 2000 characters"
    return errors


MAX_ERROR_REASON = 500
MAX_REVIEW_NOTE = 1000


def validate_review_note(note: str) -> dict[str, str]:
    """What the clinician found at a review that continues loading: required."""
    text = " ".join(note.split())
    if not text:
        return {"note": "is required: what did the clinician find (e.g. still improving)?"}
    if len(text) > MAX_REVIEW_NOTE:
        return {"note": f"is longer than {MAX_REVIEW_NOTE} characters"}
    return {}


def validate_error_reason(reason: str) -> dict[str, str]:
    """Why a record is marked entered in error: required, so the audit says why."""
    text = " ".join(reason.split())
    if not text:
        return {"reason": "is required: say why the record is wrong (e.g. wrong patient)"}
    if len(text) > MAX_ERROR_REASON:
        return {"reason": f"is longer than {MAX_ERROR_REASON} characters"}
    return {}


def validate_lab_result(
    test: str,
    value: float | None,
    unit: str,
    taken_on: dt.date | None,
    today: dt.date,
    rules: LabTestRules,
    *,
    source: str = "",
) -> dict[str, str]:
    """Problems with a result as entered, by field; the range and unit come from the data."""
    errors: dict[str, str] = {}
    lab_test = _enum(LabTest, test)
    if lab_test is None:
        errors["test"] = "choose the test"
    rule = rules.rule(lab_test) if lab_test is not None else None
    if value is None or not math.isfinite(value):
        errors["value"] = "is required (a number)"
    elif rule is not None and not rule.plausible(value):
        errors["value"] = (
            f"{value:g} is not a plausible {rule.name} ({rule.range_text}): "
            "check the decimal point and the unit"
        )
    if len(unit.strip()) > 20:
        errors["unit"] = "is longer than 20 characters"
    elif rule is not None and rule.canonical_unit(unit) is None:
        usual = rule.unit or "no unit"
        errors["unit"] = (
            f"must be {usual} for {rule.name} (the plausible range and the checks use it): "
            "convert the result first"
        )
    if len(" ".join(source.split())) > 80:
        errors["source"] = "is longer than 80 characters"
    if taken_on is None:
        errors["taken_on"] = "is required (the date the sample was taken)"
    elif taken_on > today:
        errors["taken_on"] = "cannot be in the future"
    elif taken_on.year < 1900:
        errors["taken_on"] = "is too long ago: check the year"
    return errors


def validate_correction_reason(reason: str) -> dict[str, str]:
    """Why an entry is marked entered-in-error: it is kept, so the reason is the record."""
    text = " ".join(reason.split())
    if not text:
        return {"reason": "is required (say what was wrong, e.g. 'typed 450 for 45')"}
    if len(text) > 500:
        return {"reason": "is longer than 500 characters"}
    return {}


def _enum(kind: type[_E], value: object) -> _E | None:
    if value is None or value == "":
        return None
    try:
        return kind(str(value))
    except ValueError:
        return None
