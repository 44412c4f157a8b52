"""Everything the record-dose dialog shows before the nurse confirms: the dose due, the
patient's flags, the platelet band, lots that may be used, and the safety checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clinic_app.domain.administration_checks import (
    DECISION_DEFAULT_DAYS,
    ONCE_PER_COURSE,
    CheckFacts,
    Choice,
    DecisionFacts,
    Finding,
    Findings,
    LotFacts,
    PatientFlags,
    check_administration,
    lot_findings,
)
from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.domain.codes import (
    AdministrationStatus,
    AppointmentStatus,
    Authority,
    CourseStatus,
    LabResultStatus,
    LabTest,
    LotStatus,
    NotGivenReason,
    PatientStatus,
    Phase,
    Route,
    Side,
    Site,
)
from clinic_app.domain.dose_volume import DoseVolume, dose_volume, format_dose, to_micrograms
from clinic_app.domain.errors import NotFound, UserError
from clinic_app.domain.platelet_bands import (
    PlateletAssessment,
    PlateletRules,
    ThresholdError,
    assess_platelets,
)
from clinic_app.domain.protocol import Dose, Protocol
from clinic_app.domain.protocol_snapshot import protocol_from_json
from clinic_app.domain.site_rotation import SiteChoice, site_label, suggest_site
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    ClinicSession,
    Course,
    LabResult,
    Lot,
    Patient,
    PrescriberDecision,
    Product,
    SafetyAcknowledgement,
    Slot,
    User,
)
from clinic_app.persistence.store.settings_store import clinic_calendar, read_settings
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.library.thresholds import platelet_rules
from clinic_app.services.planning.course_plans import LIVE_OR_GIVEN, current_plan
from clinic_app.services.queries.prescribers import PrescriberSummary, active_prescribers
from clinic_app.services.queries.stock import product_summary

_DOSE_PHASES = (Phase.LOADING, Phase.MAINTENANCE)


_OPEN = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


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
    #: The booked slot's start (local clinic time), where and in which room.
    booked_start: dt.datetime | None = None
    location: str = ""
    room: str = ""
    #: The window's end of a clinician review passed with no decision (warned about).
    overdue_review: dt.date | None = None

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
                "lot_in_use_expired": "OPEN VIAL EXPIRED",
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
    #: Active prescribers on the clinic's list: who a decision taken here can name.
    prescribers: tuple[PrescriberSummary, ...] = ()

    def lot(self, lot_id: int | None) -> LotOption | None:
        return next((option for option in self.lots if option.facts.lot_id == lot_id), None)

    def check(self, choice: Choice, pending: tuple[DecisionFacts, ...] = ()) -> Findings:
        """The findings for the nurse's current choices (and decisions about to be saved)."""
        facts = replace(self.facts, decisions=self.facts.decisions + pending) if pending else None
        return check_administration(facts or self.facts, choice)


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
        """ "1 mg = 1 mL" as recorded (volume from the product's strength at the time)."""
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
    prescriber_id: int | None = None
    by_prescriber: bool = False
    recorded_by: str = ""

    @property
    def in_force_until(self) -> dt.date:
        """The end date, or the default lapse when none was given."""
        return self.valid_until or self.decided_on + dt.timedelta(days=DECISION_DEFAULT_DAYS)


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
            prescribers=active_prescribers(session),
        )


def get_administration(uow: UnitOfWork, administration_id: int) -> AdministrationRecord:
    with uow.read() as session:
        row = session.get(Administration, administration_id)
        if row is None:
            raise NotFound(f"No administration with id {administration_id}.")
        return _record(session, row)


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
        overdue_review=plan.overdue_reviews[0].latest if plan.overdue_reviews else None,
        **_booked_place(session, appointment),
    )
    return target, course, appointment, takeover


def _booked_place(session: Session, appointment: Appointment | None) -> dict[str, Any]:
    """The booked slot's time and the session's location and room: what the patient was
    told, which is not always the planned day the plan first gave."""
    if appointment is None or appointment.slot_id is None:
        return {}
    row = session.execute(
        select(Slot.start, ClinicSession.location, ClinicSession.room)
        .join(ClinicSession, ClinicSession.id == Slot.session_id)
        .where(Slot.id == appointment.slot_id)
    ).first()
    if row is None:
        return {}
    return {"booked_start": row.start, "location": row.location, "room": row.room}


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
        overdue_review=target.overdue_review,
        inr_max_age_days=settings.inr_max_age_days,
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
            LabResult.patient_id == patient_id,
            LabResult.test == LabTest.PLATELETS,
            LabResult.status == LabResultStatus.FINAL,  # a mistyped count is no low count
        )
    )
    ever_low = lowest is not None and rules.is_low(lowest)
    return assess_platelets(latest, ever_low, today, settings.platelet_stale_days, rules)


def _latest(session: Session, patient_id: int, test: LabTest) -> tuple[float, dt.date] | None:
    row = session.execute(
        select(LabResult.value, LabResult.taken_on)
        .where(
            LabResult.patient_id == patient_id,
            LabResult.test == test,
            LabResult.status == LabResultStatus.FINAL,  # never a result marked in error
        )
        .order_by(LabResult.taken_on.desc(), LabResult.recorded_at.desc(), LabResult.id.desc())
        .limit(1)
    ).first()
    return (row.value, row.taken_on) if row else None


def _decisions(
    session: Session, patient_id: int, course_id: int | None
) -> tuple[DecisionFacts, ...]:
    rows = session.execute(
        select(PrescriberDecision, User.display_name)
        .outerjoin(User, User.id == PrescriberDecision.recorded_by)
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
            prescriber_id=row.prescriber_id,
            by_prescriber=row.by_prescriber,
            recorded_by=recorder or "",
        )
        for row, recorder in rows
        if row.course_id is None or row.course_id == course_id
    )


def decision_record(session: Session, row: PrescriberDecision) -> DecisionRecord:
    recorder = ""
    if row.recorded_by is not None:
        recorder = session.scalar(select(User.display_name).where(User.id == row.recorded_by)) or ""
    return DecisionRecord(
        id=row.id,
        patient_id=row.patient_id,
        course_id=row.course_id,
        topic=row.topic,
        decision=row.decision,
        prescriber_name=row.prescriber_name,
        decided_on=row.decided_on,
        valid_until=row.valid_until,
        prescriber_id=row.prescriber_id,
        by_prescriber=row.by_prescriber,
        recorded_by=recorder,
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
        opened_on=lot.opened_on,
        in_use_days=product.in_use_days,
    )


def _flags(patient: Patient) -> PatientFlags:
    return PatientFlags(
        renal_impairment=patient.renal_impairment,
        on_folic_acid=patient.on_folic_acid,
        anticoagulant=patient.anticoagulant,
        anticoagulant_name=patient.anticoagulant_name,
        anticoagulant_class=patient.anticoagulant_class,
        inr_target_low=patient.inr_target_low,
        inr_target_high=patient.inr_target_high,
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


def _platelet_rules() -> PlateletRules:
    """The thresholds are a safety control: with a broken file nothing is recorded."""
    try:
        return platelet_rules()
    except ThresholdError as error:
        raise UserError(
            f"The clinic's platelet threshold file cannot be used ({error}). No injection "
            "can be recorded until it is fixed: ask the practice manager."
        ) from error


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
