"""Recording an injection: the record an auditor, a product recall or a court reads later.

``prepare_administration`` gathers everything the nurse must see before confirming
(who the patient is, which dose, the lots in date, the dose in mL, the platelet band
and its instructions, every safety finding). ``record_administration`` checks all of
it again from the database and, in ONE transaction, records the dose, marks the
appointment given, takes one from the lot (a conditional UPDATE, so the last ampoule
cannot be taken twice), stores the acknowledgements, re-plans the course, books the
next dose and stores the next due date. Any refusal or failure rolls everything back.

The same dose can never be recorded twice: a partial unique index allows one
completed administration per appointment, whatever two workstations do at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clinic_app.domain.administration_checks import (
    ONCE_PER_COURSE,
    CheckFacts,
    Choice,
    DecisionFacts,
    DecisionTopic,
    Finding,
    Findings,
    LotFacts,
    PatientFlags,
    Severity,
    check_administration,
    lot_findings,
)
from clinic_app.domain.codes import (
    AdministrationStatus,
    AppointmentStatus,
    Authority,
    CourseStatus,
    LabTest,
    LotStatus,
    NotGivenReason,
    PatientStatus,
    Phase,
    Role,
    Route,
    Side,
    Site,
    StockMovementKind,
)
from clinic_app.domain.dose_volume import DoseVolume, dose_volume, format_dose, to_micrograms
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.platelet_bands import (
    PlateletAssessment,
    PlateletRules,
    ThresholdError,
    assess_platelets,
)
from clinic_app.domain.protocol import Dose, Protocol
from clinic_app.domain.protocol_snapshot import protocol_from_json
from clinic_app.domain.site_rotation import SiteChoice, site_label, suggest_site
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    Course,
    LabResult,
    Lot,
    Patient,
    PrescriberDecision,
    Product,
    SafetyAcknowledgement,
    User,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services import audit
from clinic_app.services.actor import Actor
from clinic_app.services.booking import book_next_dose, release_slot
from clinic_app.services.clinic_settings import ClinicSettings, clinic_calendar, read_settings
from clinic_app.services.course_plans import LIVE_OR_GIVEN, current_plan, sync_course_plan
from clinic_app.services.errors import Conflict, NotFound, UserError
from clinic_app.services.stock import (
    product_summary,
    record_movement,
    require_role,
    take_from_lot,
)
from clinic_app.services.thresholds import platelet_rules

#: Who may record an injection, a prescriber's decision or a lab result.
CLINICAL_ROLES = frozenset({Role.NURSE, Role.PRESCRIBER})
NEEDLE_GAUGES = range(18, 31)
MAX_PRESSURE_MINUTES = 30
_DOSE_PHASES = (Phase.LOADING, Phase.MAINTENANCE)
_OPEN = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
_E = TypeVar("_E", bound=StrEnum)

#: Plausible values per test: (lowest, highest, usual unit). Outside these a result
#: is a typo (a missing decimal point), not a patient.
LAB_RANGES: dict[LabTest, tuple[float, float, str]] = {
    LabTest.PLATELETS: (0, 2000, "10^9/L"),
    LabTest.B12: (0, 20000, "ng/L"),
    LabTest.HB: (20, 250, "g/L"),
    LabTest.MCV: (40, 160, "fL"),
    LabTest.HOMOCYSTEINE: (0, 500, "micromol/L"),
    LabTest.MMA: (0, 100000, "nmol/L"),
    LabTest.POTASSIUM: (1, 10, "mmol/L"),
    LabTest.INR: (0.5, 15, ""),
}

log = logging.getLogger(__name__)


class Refused(UserError):
    """The dose cannot be recorded as given; ``findings`` say why, one message each."""

    def __init__(self, findings: tuple[Finding, ...]) -> None:
        super().__init__(" ".join(finding.message for finding in findings))
        self.findings = findings


# -- what the dialog shows --------------------------------------------------------------


@dataclass(frozen=True)
class PatientBanner:
    """The wrong-patient guard: read aloud and checked against the wristband or letter."""

    id: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    status: PatientStatus
    flags: PatientFlags

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"


@dataclass(frozen=True)
class DoseTarget:
    """Which dose of which course is being given."""

    course_id: int
    protocol_id: str
    protocol_title: str
    drug: str
    template_routes: tuple[str, ...]
    phase: Phase
    dose_number: int
    dose_micrograms: int
    appointment_id: int | None
    planned_date: dt.date | None
    window_earliest: dt.date | None
    window_latest: dt.date | None

    @property
    def walk_in(self) -> bool:
        return self.appointment_id is None

    @property
    def dose_text(self) -> str:
        return format_dose(self.dose_micrograms)

    def describe(self) -> str:
        """ "Dose 7 (maintenance), hydroxocobalamin 1 mg"."""
        return f"Dose {self.dose_number} ({self.phase.label.lower()}), {self.drug} {self.dose_text}"


@dataclass(frozen=True)
class LotOption:
    facts: LotFacts
    volume: DoseVolume
    findings: tuple[Finding, ...]

    @property
    def usable(self) -> bool:
        return not any(finding.blocks for finding in self.findings)

    @property
    def expiring_soon(self) -> bool:
        return any(f.code.value == "lot_expires_soon" for f in self.findings)

    @property
    def refusal(self) -> str:
        return " ".join(f.message for f in self.findings if f.blocks)

    def label(self) -> str:
        """ "CH26B310 - exp 14/07/2028 - 143 left - Cobalin-H", flagged when not usable."""
        lot = self.facts
        text = (
            f"{lot.lot_number} - exp {lot.expiry:%d/%m/%Y} - {lot.remaining} left - "
            f"{lot.product_label}"
        )
        if not self.usable:
            first = next(f for f in self.findings if f.blocks)
            reason = {
                "lot_expired": "EXPIRED",
                "lot_recalled": "RECALLED",
                "lot_quarantined": "QUARANTINED",
            }.get(first.code.value, "CANNOT BE USED")
            return f"{reason}: {text}"
        if self.expiring_soon:
            return f"{text} (expires soon)"
        return text


@dataclass(frozen=True)
class AdministrationContext:
    today: dt.date
    patient: PatientBanner
    target: DoseTarget
    #: Usable lots first (soonest expiry first), then those refused with the reason.
    lots: tuple[LotOption, ...]
    preselected_lot_id: int | None
    suggested_site: SiteChoice
    last_site: SiteChoice | None
    last_site_on: dt.date | None
    platelets: PlateletAssessment
    latest_inr: tuple[float, dt.date] | None
    decisions: tuple[DecisionFacts, ...]
    facts: CheckFacts
    #: The findings for the preselected lot, the first allowed route and the suggestion.
    findings: tuple[Finding, ...]

    def lot(self, lot_id: int | None) -> LotOption | None:
        return next((option for option in self.lots if option.facts.lot_id == lot_id), None)

    def check(self, choice: Choice, pending: tuple[DecisionFacts, ...] = ()) -> Findings:
        """The findings for the nurse's current choices (and decisions about to be saved)."""
        facts = replace(self.facts, decisions=self.facts.decisions + pending) if pending else None
        return check_administration(facts or self.facts, choice)


@dataclass(frozen=True)
class DecisionInput:
    topic: str
    decision: str
    prescriber_name: str
    decided_on: dt.date | None
    valid_until: dt.date | None = None

    def as_facts(self, course_id: int | None) -> DecisionFacts | None:
        if self.decided_on is None:
            return None
        return DecisionFacts(
            topic=self.topic,
            decision=" ".join(self.decision.split()),
            prescriber_name=" ".join(self.prescriber_name.split()),
            decided_on=self.decided_on,
            valid_until=self.valid_until,
            course_id=course_id,
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


@dataclass(frozen=True)
class NotGivenInput:
    patient_id: int
    appointment_id: int | None
    reason: str
    note: str = ""


@dataclass(frozen=True)
class AdministrationRecord:
    id: int
    patient_id: int
    appointment_id: int
    course_id: int | None
    dose_number: int | None
    walk_in: bool
    status: AdministrationStatus
    status_reason: NotGivenReason | None
    occurred_at: dt.datetime
    product_label: str
    lot_number: str
    lot_expiry: dt.date | None
    dose_micrograms: int | None
    volume_ml: float | None
    route: Route | None
    site: Site | None
    side: Side | None
    needle_gauge: int | None
    pressure_minutes: int | None
    performer: str
    authority: Authority | None
    consent: bool
    reaction: str
    notes: str
    next_due_date: dt.date | None
    acknowledged: tuple[str, ...]
    lot_remaining: int | None

    @property
    def site_text(self) -> str:
        return site_label(self.site, self.side)

    @property
    def dose_text(self) -> str:
        """ "1 mg = 1.0 mL" as recorded (volume from the product's strength at the time)."""
        if self.dose_micrograms is None:
            return ""
        if self.volume_ml is None:
            return format_dose(self.dose_micrograms)
        strength = round(self.dose_micrograms / self.volume_ml)
        return dose_volume(self.dose_micrograms, max(1, strength)).text()


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    patient_id: int
    course_id: int | None
    topic: str
    decision: str
    prescriber_name: str
    decided_on: dt.date
    valid_until: dt.date | None


@dataclass(frozen=True)
class LabRecord:
    id: int
    patient_id: int
    test: LabTest
    value: float
    unit: str
    taken_on: dt.date


# -- validation (also run by the dialog as the nurse types) ------------------------------


def validate_administration_input(data: AdministrationInput) -> dict[str, str]:
    """Problems with the form as entered, by field; the safety checks come after."""
    errors: dict[str, str] = {}
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
            decision.prescriber_name,
            decision.decided_on,
            decision.valid_until,
            today=None,
        ).items():
            errors.setdefault(f"decision_{field}", problem)
    return errors


def validate_decision(
    topic: str,
    decision: str,
    prescriber_name: str,
    decided_on: dt.date | None,
    valid_until: dt.date | None,
    *,
    today: dt.date | None,
) -> dict[str, str]:
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
    name = " ".join(prescriber_name.split())
    if not name:
        errors["prescriber_name"] = "is required (who made the decision)"
    elif len(name) > 120:
        errors["prescriber_name"] = "is longer than 120 characters"
    if decided_on is None:
        errors["decided_on"] = "is required (DD/MM/YYYY)"
    elif today is not None and decided_on > today:
        errors["decided_on"] = "cannot be in the future"
    if valid_until is not None and decided_on is not None and valid_until < decided_on:
        errors["valid_until"] = "cannot be before the decision date"
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


# -- public: reading ----------------------------------------------------------------------


def prepare_administration(
    uow: UnitOfWork, appointment_id: int | None, patient_id: int, *, today: dt.date
) -> AdministrationContext:
    """Everything the record-dose dialog shows before the nurse confirms."""
    rules = _platelet_rules()
    with uow.read() as session:
        settings = read_settings(session)
        patient = _load_patient(session, patient_id)
        target, _course, _appointment, _takeover = _resolve_target(
            session, patient_id, appointment_id, today, settings
        )
        facts = _facts(session, patient, target, today, settings, rules)
        lots = _lot_options(session, target, facts)
        preselected = next((option for option in lots if option.usable), None)
        route = Route.IM.value if "IM" in target.template_routes else target.template_routes[0]
        suggested = suggest_site(facts.last_site)
        findings = check_administration(
            facts, Choice(preselected.facts if preselected else None, route, suggested)
        )
        return AdministrationContext(
            today=today,
            patient=_banner(patient),
            target=target,
            lots=lots,
            preselected_lot_id=preselected.facts.lot_id if preselected else None,
            suggested_site=suggested,
            last_site=facts.last_site,
            last_site_on=facts.last_site_on,
            platelets=facts.platelets,
            latest_inr=facts.latest_inr,
            decisions=facts.decisions,
            facts=facts,
            findings=findings.items,
        )


def get_administration(uow: UnitOfWork, administration_id: int) -> AdministrationRecord:
    with uow.read() as session:
        row = session.get(Administration, administration_id)
        if row is None:
            raise NotFound(f"No administration with id {administration_id}.")
        return _record(session, row)


# -- public: recording ---------------------------------------------------------------------


def record_administration(
    uow: UnitOfWork, actor: Actor, data: AdministrationInput, *, today: dt.date
) -> AdministrationRecord:
    """Record a dose as given, from an appointment or as a walk-in. One transaction."""
    require_role(actor, CLINICAL_ROLES, "record an injection")
    errors = validate_administration_input(data)
    if errors:
        raise ValidationFailed(errors)
    rules = _platelet_rules()
    lot_id = data.lot_id
    assert lot_id is not None  # validated above
    with uow.write() as session:
        settings, patient, (target, course, appointment, takeover) = _open_dose(
            session, data.patient_id, data.appointment_id, today
        )
        for decision in data.decisions:
            _add_decision(session, actor, data.patient_id, course.id, decision, today)
        session.flush()
        facts = _facts(session, patient, target, today, settings, rules)
        lot = _lot_facts(session, lot_id)
        if lot is None:
            raise ValidationFailed({"lot_id": "is not a lot in the clinic's stock"})
        choice = Choice(
            lot=lot,
            route=data.route.strip().upper(),
            site=SiteChoice(Site(str(data.site)), Side(str(data.side))),
            site_reason=data.site_reason.strip(),
        )
        findings = check_administration(facts, choice)
        if findings.refusals:
            raise Refused(findings.refusals)
        missing = findings.missing_acknowledgements(data.acknowledged)
        if missing:
            raise ValidationFailed(
                {
                    "acknowledged": "tick to confirm you have seen: "
                    + " ".join(finding.message for finding in missing)
                }
            )
        problems = band_prefill_problems(facts.platelets, data.needle_gauge, data.pressure_minutes)
        if problems:
            raise ValidationFailed(problems)
        if appointment is None:
            appointment = _walk_in_appointment(session, actor, target, today, takeover)
        volume = dose_volume(target.dose_micrograms, lot.strength_micrograms_per_ml)
        administration = Administration(
            appointment_id=appointment.id,
            patient_id=data.patient_id,
            course_id=course.id,
            status=AdministrationStatus.COMPLETED,
            status_reason=None,
            occurred_at=_occurred_at(today),
            product_id=_lot_product_id(session, lot.lot_id),
            lot_id=lot.lot_id,
            lot_number=lot.lot_number,
            lot_expiry=lot.expiry,
            dose_micrograms=target.dose_micrograms,
            volume_ml=volume.volume_float,
            route=Route(choice.route),
            site=choice.site.site if choice.site else None,
            side=choice.site.side if choice.site else None,
            site_reason=choice.site_reason,
            needle_gauge=data.needle_gauge,
            pressure_minutes=data.pressure_minutes,
            performer_id=actor.user_id,
            authority=Authority(str(data.authority)),
            consent=True,
            reaction=data.reaction.strip(),
            notes=data.notes.strip(),
        )
        session.add(administration)
        _flush_or_explain(session, target)
        if not take_from_lot(session, lot.lot_id, 1):
            raise UserError(
                f"Lot {lot.lot_number} has no doses left, or was quarantined or recalled, on "
                "another workstation just now: choose another lot. Nothing was saved."
            )
        record_movement(
            session,
            actor,
            lot.lot_id,
            StockMovementKind.ADMINISTERED,
            -1,
            administration_id=administration.id,
        )
        appointment.status = AppointmentStatus.FULFILLED
        appointment.updated_at = utcnow()
        acknowledged = _store_acknowledgements(
            session, actor, administration, findings.to_acknowledge
        )
        _flush_or_explain(session, target)
        audit.record(
            session,
            actor,
            "administration.record",
            "administration",
            administration.id,
            {
                "appointment_id": appointment.id,
                "walk_in": appointment.walk_in,
                "course_id": course.id,
                "dose_number": target.dose_number,
                "lot_number": lot.lot_number,
                "dose_micrograms": target.dose_micrograms,
                "volume_ml": volume.volume_float,
                "route": choice.route,
                "site": choice.site.label() if choice.site else "",
                "acknowledged": acknowledged,
            },
        )
        _replan_and_book(session, actor, administration, course.id, today, settings, book=True)
        return _record(session, administration)


def _open_dose(
    session: Session, patient_id: int, appointment_id: int | None, today: dt.date
) -> tuple[
    ClinicSettings, Patient, tuple[DoseTarget, Course, Appointment | None, Appointment | None]
]:
    """What every dose action starts from: the settings, the patient and the dose due."""
    settings = read_settings(session)
    patient = _load_patient(session, patient_id)
    return settings, patient, _resolve_target(session, patient_id, appointment_id, today, settings)


def record_not_given(
    uow: UnitOfWork, actor: Actor, data: NotGivenInput, *, today: dt.date
) -> AdministrationRecord:
    """Record that a due dose was not given, and why; the dose is re-planned."""
    require_role(actor, CLINICAL_ROLES, "record a dose as not given")
    errors = validate_not_given(data)
    if errors:
        raise ValidationFailed(errors)
    reason = NotGivenReason(data.reason)
    note = " ".join(data.note.split())
    with uow.write() as session:
        settings, _patient, (target, course, appointment, takeover) = _open_dose(
            session, data.patient_id, data.appointment_id, today
        )
        text = f"Not given: {reason.label.lower()}" + (f" ({note})" if note else "")
        if appointment is None:
            appointment = _walk_in_appointment(
                session, actor, target, today, takeover, AppointmentStatus.CANCELLED
            )
            appointment.cancelation_reason = text
        else:
            _cancel(session, appointment, text)
        administration = Administration(
            appointment_id=appointment.id,
            patient_id=data.patient_id,
            course_id=course.id,
            status=AdministrationStatus.NOT_DONE,
            status_reason=reason,
            occurred_at=_occurred_at(today),
            dose_micrograms=target.dose_micrograms,
            performer_id=actor.user_id,
            consent=False,
            notes=note,
        )
        session.add(administration)
        _flush_or_explain(session, target)
        audit.record(
            session,
            actor,
            "administration.not_given",
            "administration",
            administration.id,
            {
                "appointment_id": appointment.id,
                "course_id": course.id,
                "dose_number": target.dose_number,
                "reason": reason,
                "note": note,
            },
        )
        _replan_and_book(session, actor, administration, course.id, today, settings, book=False)
        return _record(session, administration)


def record_prescriber_decision(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    topic: str,
    decision: str,
    prescriber_name: str,
    decided_on: dt.date | None,
    *,
    course_id: int | None = None,
    valid_until: dt.date | None = None,
    today: dt.date | None = None,
) -> DecisionRecord:
    """A prescriber's decision (taken in person or by phone), recorded with name and date."""
    require_role(actor, CLINICAL_ROLES, "record a prescriber's decision")
    today = today or dt.date.today()
    entry = DecisionInput(topic, decision, prescriber_name, decided_on, valid_until)
    errors = validate_decision(
        topic, decision, prescriber_name, decided_on, valid_until, today=today
    )
    if errors:
        raise ValidationFailed(errors)
    with uow.write() as session:
        _load_patient(session, patient_id)
        if course_id is not None:
            course = session.get(Course, course_id)
            if course is None or course.patient_id != patient_id:
                raise ValidationFailed({"course_id": "is not one of this patient's courses"})
        row = _add_decision(session, actor, patient_id, course_id, entry, today)
        return DecisionRecord(
            id=row.id,
            patient_id=row.patient_id,
            course_id=row.course_id,
            topic=row.topic,
            decision=row.decision,
            prescriber_name=row.prescriber_name,
            decided_on=row.decided_on,
            valid_until=row.valid_until,
        )


def record_lab_result(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    test: str,
    value: float | None,
    unit: str,
    taken_on: dt.date | None,
    *,
    today: dt.date | None = None,
    note: str = "",
) -> LabRecord:
    """A dated result (platelets, INR, B12...); bands are computed from these, never stored."""
    require_role(actor, CLINICAL_ROLES, "record a lab result")
    today = today or dt.date.today()
    errors = validate_lab_result(test, value, unit, taken_on, today)
    if errors:
        raise ValidationFailed(errors)
    assert value is not None and taken_on is not None
    lab_test = LabTest(test)
    unit = unit.strip() or LAB_RANGES[lab_test][2]
    with uow.write() as session:
        _load_patient(session, patient_id)
        row = LabResult(
            patient_id=patient_id,
            test=lab_test,
            value=float(value),
            unit=unit,
            taken_on=taken_on,
            note=note.strip(),
            recorded_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "lab_result.record",
            "lab_result",
            row.id,
            {"test": lab_test, "value": value, "unit": unit, "taken_on": taken_on},
        )
        return LabRecord(row.id, patient_id, lab_test, row.value, unit, taken_on)


def validate_lab_result(
    test: str, value: float | None, unit: str, taken_on: dt.date | None, today: dt.date
) -> dict[str, str]:
    errors: dict[str, str] = {}
    lab_test = _enum(LabTest, test)
    if lab_test is None:
        errors["test"] = "choose the test"
    if value is None or not math.isfinite(value):
        errors["value"] = "is required (a number)"
    elif lab_test is not None:
        low, high, usual = LAB_RANGES[lab_test]
        if not low <= value <= high:
            unit_text = f" {usual}" if usual else ""
            errors["value"] = (
                f"{value:g} is not a plausible {lab_test.label} result "
                f"({low:g}-{high:g}{unit_text}): check the decimal point"
            )
    if len(unit.strip()) > 20:
        errors["unit"] = "is longer than 20 characters"
    if taken_on is None:
        errors["taken_on"] = "is required (the date the sample was taken)"
    elif taken_on > today:
        errors["taken_on"] = "cannot be in the future"
    elif taken_on.year < 1900:
        errors["taken_on"] = "is too long ago: check the year"
    return errors


# -- resolving the dose -------------------------------------------------------------------


def _resolve_target(
    session: Session,
    patient_id: int,
    appointment_id: int | None,
    today: dt.date,
    settings: ClinicSettings,
) -> tuple[DoseTarget, Course, Appointment | None, Appointment | None]:
    """The dose being given: (target, course, appointment or None, live row a walk-in replaces)."""
    appointment: Appointment | None = None
    if appointment_id is not None:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None:
            raise NotFound(f"No appointment with id {appointment_id}: it may have been removed.")
        _check_appointment(session, appointment, patient_id)
        assert appointment.course_id is not None
        course = session.get(Course, appointment.course_id)
        assert course is not None
    else:
        course = session.scalars(
            select(Course)
            .where(Course.patient_id == patient_id, Course.status == CourseStatus.ACTIVE)
            .order_by(Course.start_date.desc(), Course.id.desc())
        ).first()
        if course is None:
            raise UserError(
                "This patient has no active course: a dose is recorded against a prescribed "
                "course. Start a course first."
            )
    if course.status is not CourseStatus.ACTIVE:
        raise UserError(
            f"This course ended on {course.ended_on:%d/%m/%Y}: no dose can be recorded on it."
            if course.ended_on
            else "This course has ended: no dose can be recorded on it."
        )
    protocol = protocol_from_json(course.protocol_snapshot)
    calendar = clinic_calendar(session, settings)
    plan, history = current_plan(
        session, course.id, today=today, settings=settings, calendar=calendar
    )
    offset = history.number_offset
    takeover: Appointment | None = None
    if appointment is not None:
        phase, number = appointment.phase, appointment.dose_number or 0
        planned = next(
            (
                dose
                for dose in plan.doses
                if dose.phase == phase.value and dose.number + offset == number
            ),
            None,
        )
        dose = (planned.dose if planned else None) or _phase_dose(protocol, phase)
        window: tuple[dt.date | None, dt.date | None, dt.date | None] = (
            appointment.planned_date,
            appointment.window_earliest,
            appointment.window_latest,
        )
    else:
        upcoming = plan.next_dose
        if upcoming is None:
            raise UserError(
                "This course has no dose due: it may be waiting for a clinician's review, or "
                "a fixed course may be complete."
            )
        phase, number = Phase(upcoming.phase), upcoming.number + offset
        dose = upcoming.dose or _phase_dose(protocol, phase)
        # A walk-in is checked against the window the plan gives the next dose, so
        # an early walk-in is caught like an early appointment.
        window = (upcoming.date, upcoming.earliest, upcoming.latest)
        takeover = session.scalars(
            select(Appointment).where(
                Appointment.course_id == course.id,
                Appointment.phase == phase,
                Appointment.dose_number == number,
                # Word for word the live-dose index's condition, so the database uses
                # that unique index rather than scanning every proposed dose.
                LIVE_OR_GIVEN,
                Appointment.status.in_(_OPEN),
            )
        ).first()
    target = DoseTarget(
        course_id=course.id,
        protocol_id=protocol.id,
        protocol_title=protocol.title,
        drug=protocol.drug,
        template_routes=tuple(protocol.routes) or ("IM",),
        phase=phase,
        dose_number=number,
        dose_micrograms=to_micrograms(dose.amount, dose.unit),
        appointment_id=appointment.id if appointment is not None else None,
        planned_date=window[0],
        window_earliest=window[1],
        window_latest=window[2],
    )
    return target, course, appointment, takeover


def band_prefill_problems(
    platelets: PlateletAssessment, needle_gauge: int | None, pressure_minutes: int | None
) -> dict[str, str]:
    """A low-platelet band's needle and pressure are instructions, not suggestions."""
    band = platelets.band
    if band is None or band.severity == "info":
        return {}
    errors: dict[str, str] = {}
    if band.needle_gauge and needle_gauge and needle_gauge < band.needle_gauge:
        errors["needle_gauge"] = (
            f"use a {band.needle_gauge}G or finer needle with this platelet count "
            f"({platelets.range_text})"
        )
    if band.pressure_minutes and not pressure_minutes:
        errors["pressure_minutes"] = (
            f"is required with this platelet count ({platelets.range_text}): "
            f"{band.pressure_minutes} minutes of firm pressure"
        )
    return errors


def _phase_dose(protocol: Protocol, phase: Phase) -> Dose:
    return protocol.maintenance_dose if phase is Phase.MAINTENANCE else protocol.dose


def _check_appointment(session: Session, appointment: Appointment, patient_id: int) -> None:
    if appointment.patient_id != patient_id:
        raise UserError(
            "This appointment belongs to another patient: check the name, date of birth and "
            "NHS number, and open the right patient's record."
        )
    if appointment.phase not in _DOSE_PHASES or appointment.course_id is None:
        raise UserError(
            f"This is a {appointment.phase.label.lower()} appointment, not an injection."
        )
    if appointment.status is AppointmentStatus.FULFILLED:
        given = session.execute(
            select(Administration.occurred_at, User.display_name)
            .join(User, User.id == Administration.performer_id)
            .where(
                Administration.appointment_id == appointment.id,
                Administration.status == AdministrationStatus.COMPLETED,
            )
        ).first()
        when = (
            f" on {given.occurred_at.astimezone():%d/%m/%Y at %H:%M} by {given.display_name}"
            if given
            else ""
        )
        raise UserError(
            f"Dose {appointment.dose_number} was already recorded as given{when}: "
            "the same dose cannot be recorded twice."
        )
    if appointment.status not in _OPEN:
        raise UserError(
            f"This appointment is marked '{appointment.status.label}': record the dose as a "
            "walk-in instead, so the plan stays right."
        )


def _walk_in_appointment(
    session: Session,
    actor: Actor,
    target: DoseTarget,
    today: dt.date,
    takeover: Appointment | None,
    status: AppointmentStatus = AppointmentStatus.FULFILLED,
) -> Appointment:
    """A walk-in gets its own row; when given, the planned row for that dose gives way to it."""
    if takeover is not None and status is AppointmentStatus.FULFILLED:
        _cancel(session, takeover, f"given as a walk-in on {today:%d/%m/%Y}")
        session.flush()
    row = Appointment(
        patient_id=_course_patient(session, target.course_id),
        course_id=target.course_id,
        dose_number=target.dose_number,
        phase=target.phase,
        planned_date=today,
        window_earliest=today,
        window_latest=today,
        status=status,
        walk_in=True,
        booked_by=actor.user_id,
        booked_at=utcnow(),
    )
    session.add(row)
    _flush_or_explain(session, target)
    return row


def _cancel(session: Session, appointment: Appointment, reason: str) -> None:
    """Cancel a live row and give its place back to the slot.

    The slot id stays on the cancelled row, as the booking service leaves it: the
    history says which time was given up.
    """
    if appointment.status in _OPEN[1:] and appointment.slot_id is not None:
        release_slot(session, appointment.slot_id)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelation_reason = reason
    appointment.updated_at = utcnow()


def _course_patient(session: Session, course_id: int) -> int:
    patient_id = session.scalar(select(Course.patient_id).where(Course.id == course_id))
    assert patient_id is not None
    return patient_id


# -- facts for the checks -----------------------------------------------------------------------


def _facts(
    session: Session,
    patient: Patient,
    target: DoseTarget,
    today: dt.date,
    settings: ClinicSettings,
    rules: PlateletRules,
) -> CheckFacts:
    platelets = _platelets(session, patient.id, today, settings, rules)
    last = session.execute(
        select(Administration.site, Administration.side, Administration.occurred_at)
        .where(
            Administration.patient_id == patient.id,
            Administration.status == AdministrationStatus.COMPLETED,
            Administration.site.is_not(None),
        )
        .order_by(Administration.occurred_at.desc())
        .limit(1)
    ).first()
    last_site = (
        SiteChoice(last.site, last.side or Side.LEFT) if last and last.site is not None else None
    )
    day_start = dt.datetime.combine(today, dt.time()).astimezone(dt.UTC)
    given_today = session.scalar(
        select(func.count())
        .select_from(Administration)
        .where(
            Administration.patient_id == patient.id,
            Administration.status == AdministrationStatus.COMPLETED,
            Administration.occurred_at >= day_start,
            Administration.occurred_at < day_start + dt.timedelta(days=1),
        )
    )
    given_before = session.scalar(
        select(Administration.id)
        .where(
            Administration.patient_id == patient.id,
            Administration.status == AdministrationStatus.COMPLETED,
        )
        .limit(1)
    )
    acknowledged = set(
        session.scalars(
            select(SafetyAcknowledgement.check_code).where(
                SafetyAcknowledgement.patient_id == patient.id,
                SafetyAcknowledgement.course_id == target.course_id,
                SafetyAcknowledgement.check_code.in_([c.value for c in ONCE_PER_COURSE]),
            )
        )
    )
    course_start = session.scalar(select(Course.start_date).where(Course.id == target.course_id))
    return CheckFacts(
        today=today,
        drug=target.drug,
        template_routes=target.template_routes,
        dose_micrograms=target.dose_micrograms,
        platelets=platelets,
        anticoagulant_wording=rules.anticoagulant,
        patient=_flags(patient),
        course_id=target.course_id,
        course_start=course_start,
        b12_given_before=given_before is not None,
        given_today=bool(given_today),
        window_earliest=target.window_earliest,
        latest_inr=_latest(session, patient.id, LabTest.INR),
        decisions=_decisions(session, patient.id, target.course_id),
        acknowledged_once=frozenset(acknowledged),
        last_site=last_site,
        last_site_on=last.occurred_at.astimezone().date() if last else None,
        expiry_warning_days=settings.expiry_warning_days,
        inr_ceiling=settings.inr_ceiling,
    )


def _platelets(
    session: Session,
    patient_id: int,
    today: dt.date,
    settings: ClinicSettings,
    rules: PlateletRules,
) -> PlateletAssessment:
    latest = _latest(session, patient_id, LabTest.PLATELETS)
    lowest = session.scalar(
        select(func.min(LabResult.value)).where(
            LabResult.patient_id == patient_id, LabResult.test == LabTest.PLATELETS
        )
    )
    ever_low = lowest is not None and rules.is_low(lowest)
    return assess_platelets(latest, ever_low, today, settings.platelet_stale_days, rules)


def _latest(session: Session, patient_id: int, test: LabTest) -> tuple[float, dt.date] | None:
    row = session.execute(
        select(LabResult.value, LabResult.taken_on)
        .where(LabResult.patient_id == patient_id, LabResult.test == test)
        .order_by(LabResult.taken_on.desc(), LabResult.recorded_at.desc(), LabResult.id.desc())
        .limit(1)
    ).first()
    return (row.value, row.taken_on) if row else None


def _decisions(
    session: Session, patient_id: int, course_id: int | None
) -> tuple[DecisionFacts, ...]:
    rows = session.scalars(
        select(PrescriberDecision)
        .where(PrescriberDecision.patient_id == patient_id)
        .order_by(PrescriberDecision.decided_on.desc(), PrescriberDecision.id.desc())
    )
    return tuple(
        DecisionFacts(
            topic=row.topic,
            decision=row.decision,
            prescriber_name=row.prescriber_name,
            decided_on=row.decided_on,
            valid_until=row.valid_until,
            course_id=row.course_id,
        )
        for row in rows
        if row.course_id is None or row.course_id == course_id
    )


def _lot_options(session: Session, target: DoseTarget, facts: CheckFacts) -> tuple[LotOption, ...]:
    rows = session.execute(
        select(Lot, Product)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.drug == target.drug, Lot.quantity_remaining > 0)
        .order_by(Lot.expiry_date, Lot.lot_number, Lot.id)
    ).all()
    options = []
    for lot, product in rows:
        lot_facts = _as_lot_facts(lot, product)
        found = lot_findings(
            lot_facts, target.drug, facts.today, facts.expiry_warning_days, target.dose_micrograms
        )
        options.append(
            LotOption(
                facts=lot_facts,
                volume=dose_volume(target.dose_micrograms, product.strength_micrograms_per_ml),
                findings=tuple(found),
            )
        )
    options.sort(key=lambda option: not option.usable)  # stable: expiry order kept within
    return tuple(options)


def _lot_facts(session: Session, lot_id: int) -> LotFacts | None:
    row = session.execute(
        select(Lot, Product).join(Product, Product.id == Lot.product_id).where(Lot.id == lot_id)
    ).first()
    return _as_lot_facts(row[0], row[1]) if row else None


def _lot_product_id(session: Session, lot_id: int) -> int:
    product_id = session.scalar(select(Lot.product_id).where(Lot.id == lot_id))
    assert product_id is not None
    return product_id


def _as_lot_facts(lot: Lot, product: Product) -> LotFacts:
    summary = product_summary(product)
    return LotFacts(
        lot_id=lot.id,
        lot_number=lot.lot_number,
        expiry=lot.expiry_date,
        status=LotStatus(lot.status),
        remaining=lot.quantity_remaining,
        drug=product.drug,
        product_label=f"{product.brand} {summary.form}".strip(),
        strength_micrograms_per_ml=product.strength_micrograms_per_ml,
        container_volume_ml=product.container_volume_ml,
        multi_dose=product.multi_dose,
        licensed_routes=summary.licensed_routes,
    )


def _flags(patient: Patient) -> PatientFlags:
    return PatientFlags(
        renal_impairment=patient.renal_impairment,
        on_folic_acid=patient.on_folic_acid,
        anticoagulant=patient.anticoagulant,
        anticoagulant_name=patient.anticoagulant_name,
    )


def _banner(patient: Patient) -> PatientBanner:
    return PatientBanner(
        id=patient.id,
        nhs_number=patient.nhs_number,
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth,
        status=patient.status,
        flags=_flags(patient),
    )


def _load_patient(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"No patient with id {patient_id}: they may have been removed.")
    if patient.status in (PatientStatus.DECEASED, PatientStatus.TRANSFERRED):
        raise UserError(
            f"{patient.given_name} {patient.family_name} is recorded as "
            f"{patient.status.label.lower()}: no dose can be recorded."
        )
    return patient


# -- writing helpers -------------------------------------------------------------------------------


def _add_decision(
    session: Session,
    actor: Actor,
    patient_id: int,
    course_id: int | None,
    entry: DecisionInput,
    today: dt.date,
) -> PrescriberDecision:
    errors = validate_decision(
        entry.topic,
        entry.decision,
        entry.prescriber_name,
        entry.decided_on,
        entry.valid_until,
        today=today,
    )
    if errors:
        raise ValidationFailed({f"decision_{k}": v for k, v in errors.items()})
    facts = entry.as_facts(course_id)
    assert facts is not None
    row = PrescriberDecision(
        patient_id=patient_id,
        course_id=course_id,
        topic=facts.topic,
        decision=facts.decision,
        prescriber_name=facts.prescriber_name,
        decided_on=facts.decided_on,
        valid_until=facts.valid_until,
        recorded_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "prescriber_decision.record",
        "prescriber_decision",
        row.id,
        {
            "topic": facts.topic,
            "prescriber_name": facts.prescriber_name,
            "decided_on": facts.decided_on,
            "decision": facts.decision,
        },
    )
    return row


def _store_acknowledgements(
    session: Session,
    actor: Actor,
    administration: Administration,
    findings: tuple[Finding, ...],
) -> list[str]:
    for finding in findings:
        session.add(
            SafetyAcknowledgement(
                patient_id=administration.patient_id,
                course_id=administration.course_id,
                administration_id=administration.id,
                check_code=finding.code.value,
                message=finding.message,
                acknowledged_by=actor.user_id,
            )
        )
    return [finding.code.value for finding in findings if finding.severity is Severity.ACKNOWLEDGE]


def _replan_and_book(
    session: Session,
    actor: Actor,
    administration: Administration,
    course_id: int,
    today: dt.date,
    settings: ClinicSettings,
    *,
    book: bool,
) -> None:
    """Re-plan from the dose just recorded, book the next one, and note when it is due.

    A dose not given is re-planned but not booked: why it was not given (unwell,
    platelets on hold) decides when the patient should come back, and a person
    books that.
    """
    sync_course_plan(session, course_id, today=today, settings=settings)
    if book:
        # The injection has been given: a receptionist booking the same dose at this
        # moment must cost only the automatic booking, never the record of the dose.
        try:
            with session.begin_nested():
                book_next_dose(session, actor, course_id, today=today)
        except Conflict:
            log.info("next dose of course %s left to book: it changed meanwhile", course_id)
    administration.next_due_date = session.scalar(
        select(func.min(Appointment.planned_date)).where(
            # The patient's index finds the course's few rows among a clinic's many.
            Appointment.patient_id == administration.patient_id,
            Appointment.course_id == course_id,
            Appointment.phase.in_(_DOSE_PHASES),
            Appointment.status.in_(_OPEN),
        )
    )
    session.flush()


def _flush_or_explain(session: Session, target: DoseTarget) -> None:
    try:
        session.flush()
    except IntegrityError as error:
        text = str(error.orig)
        if "uq_administrations_given_appointment" in text or (
            "administrations.appointment_id" in text
        ):
            raise Conflict(
                f"Dose {target.dose_number} has just been recorded as given on another "
                "workstation: the same dose cannot be recorded twice. Nothing was saved."
            ) from error
        if "uq_appointments_live_dose" in text or "appointments.course_id" in text:
            raise Conflict(
                f"Dose {target.dose_number} was just booked or recorded on another workstation. "
                "Nothing was saved: open the patient again."
            ) from error
        raise
    except StaleDataError as error:
        raise Conflict(
            "This appointment was changed on another workstation at the same moment. "
            "Nothing was saved: open the patient again."
        ) from error


def _platelet_rules() -> PlateletRules:
    """The thresholds are a safety control: with a broken file nothing is recorded."""
    try:
        return platelet_rules()
    except ThresholdError as error:
        raise UserError(
            f"The clinic's platelet threshold file cannot be used ({error}). No injection "
            "can be recorded until it is fixed: ask the practice manager."
        ) from error


def _occurred_at(today: dt.date) -> dt.datetime:
    """Now, on the clinic's day (``today`` is injectable so tests can fix the date)."""
    return dt.datetime.combine(today, dt.datetime.now().time()).astimezone(dt.UTC)


def _record(session: Session, row: Administration) -> AdministrationRecord:
    performer = session.scalar(select(User.display_name).where(User.id == row.performer_id)) or ""
    appointment = session.get(Appointment, row.appointment_id)
    product_label = ""
    remaining = None
    if row.lot_id is not None:
        found = session.execute(
            select(Product, Lot.quantity_remaining)
            .join(Lot, Lot.product_id == Product.id)
            .where(Lot.id == row.lot_id)
        ).first()
        if found is not None:
            product_label = product_summary(found[0]).label
            remaining = found[1]
    acknowledged = tuple(
        session.scalars(
            select(SafetyAcknowledgement.check_code)
            .where(SafetyAcknowledgement.administration_id == row.id)
            .order_by(SafetyAcknowledgement.id)
        )
    )
    return AdministrationRecord(
        id=row.id,
        patient_id=row.patient_id,
        appointment_id=row.appointment_id,
        course_id=row.course_id,
        dose_number=appointment.dose_number if appointment else None,
        walk_in=bool(appointment and appointment.walk_in),
        status=row.status,
        status_reason=row.status_reason,
        occurred_at=row.occurred_at,
        product_label=product_label,
        lot_number=row.lot_number,
        lot_expiry=row.lot_expiry,
        dose_micrograms=row.dose_micrograms,
        volume_ml=row.volume_ml,
        route=row.route,
        site=row.site,
        side=row.side,
        needle_gauge=row.needle_gauge,
        pressure_minutes=row.pressure_minutes,
        performer=performer,
        authority=row.authority,
        consent=row.consent,
        reaction=row.reaction,
        notes=row.notes,
        next_due_date=row.next_due_date,
        acknowledged=acknowledged,
        lot_remaining=remaining,
    )


def _enum(kind: type[_E], value: object) -> _E | None:
    if value is None or value == "":
        return None
    try:
        return kind(str(value))
    except ValueError:
        return None
