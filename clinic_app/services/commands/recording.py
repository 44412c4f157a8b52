"""Recording an injection, or that it was not given: the record an auditor, a product
recall or a court reads later. One transaction takes the ampoule from stock, re-plans
the course and books the next dose; the checks shown first are ``queries.recording``.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clinic_app.domain.actor import Actor
from clinic_app.domain.administration_checks import (
    Choice,
    Finding,
    LotFacts,
    Severity,
    check_administration,
)
from clinic_app.domain.changes import Change
from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.domain.codes import (
    AdministrationStatus,
    AppointmentStatus,
    Authority,
    NotGivenReason,
    Route,
    Side,
    Site,
    StockMovementKind,
)
from clinic_app.domain.dose_volume import dose_volume
from clinic_app.domain.errors import Conflict, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.domain.recording_rules import (
    AdministrationInput,
    NotGivenInput,
    validate_administration_input,
    validate_not_given,
)
from clinic_app.domain.site_rotation import SiteChoice
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    Course,
    Lot,
    Patient,
    Product,
    SafetyAcknowledgement,
)
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.persistence.store.slot_capacity import release_slot
from clinic_app.persistence.store.stock_ledger import record_movement, take_from_lot
from clinic_app.services.commands.booking import book_next_dose
from clinic_app.services.commands.clinical_record import add_decision
from clinic_app.services.envelope import Work, command
from clinic_app.services.planning.course_plans import sync_course_plan
from clinic_app.services.queries.recording import (
    _DOSE_PHASES,
    _OPEN,
    AdministrationRecord,
    DoseTarget,
    Refused,
    _as_lot_facts,
    _facts,
    _load_patient,
    _platelet_rules,
    _record,
    _resolve_target,
    band_prefill_problems,
)

log = logging.getLogger(__name__)


# -- public: recording ---------------------------------------------------------------------


@command(
    Action.RECORD_ADMINISTRATION, Change.RECORDS, Change.BOOKINGS, Change.COURSES, Change.STOCK
)
def record_administration(
    work: Work, data: AdministrationInput, *, today: dt.date
) -> AdministrationRecord:
    """Record a dose as given, from an appointment or as a walk-in. One transaction."""
    actor = work.actor
    errors = validate_administration_input(data)
    if errors:
        raise ValidationFailed(errors)
    rules = _platelet_rules()
    lot_id = data.lot_id
    assert lot_id is not None  # validated above
    session = work.session
    settings, patient, (target, course, appointment, takeover) = _open_dose(
        session, data.patient_id, data.appointment_id, today
    )
    for decision in data.decisions:
        add_decision(work, data.patient_id, course.id, decision, today)
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
        new_vial=data.new_vial,
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
        occurred_at=_occurred_at(today, data.given_at),
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
    if lot.multi_dose and (lot.opened_on is None or data.new_vial):
        _vial_opened(session, lot.lot_id, today)
    appointment.status = AppointmentStatus.FULFILLED
    appointment.updated_at = utcnow()
    acknowledged = _store_acknowledgements(session, actor, administration, findings.to_acknowledge)
    _flush_or_explain(session, target)
    work.audit(
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


@command(Action.RECORD_NOT_GIVEN, Change.RECORDS, Change.BOOKINGS, Change.COURSES)
def record_not_given(work: Work, data: NotGivenInput, *, today: dt.date) -> AdministrationRecord:
    """Record that a due dose was not given, and why; the dose is re-planned."""
    actor = work.actor
    errors = validate_not_given(data)
    if errors:
        raise ValidationFailed(errors)
    reason = NotGivenReason(data.reason)
    note = " ".join(data.note.split())
    session = work.session
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
    work.audit(
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


def _lot_facts(session: Session, lot_id: int) -> LotFacts | None:
    row = session.execute(
        select(Lot, Product).join(Product, Product.id == Lot.product_id).where(Lot.id == lot_id)
    ).first()
    return _as_lot_facts(row[0], row[1]) if row else None


def _vial_opened(session: Session, lot_id: int, today: dt.date) -> None:
    """The vial in use was opened today: its in-use days count from here."""
    session.execute(
        update(Lot)
        .where(Lot.id == lot_id)
        .values(opened_on=today, version=Lot.version + 1)
        .execution_options(synchronize_session=False)
    )


def _lot_product_id(session: Session, lot_id: int) -> int:
    product_id = session.scalar(select(Lot.product_id).where(Lot.id == lot_id))
    assert product_id is not None
    return product_id


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


def _occurred_at(today: dt.date, at: dt.time | None = None) -> dt.datetime:
    """Now (or the time the nurse corrected it to), on the clinic's day; ``today`` is
    injectable so tests can fix the date. Local time, stored as UTC."""
    when = at or dt.datetime.now().time()
    return dt.datetime.combine(today, when).astimezone(dt.UTC)
