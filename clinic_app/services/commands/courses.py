"""Changing a patient's course: start one from a template, change its frequency, end
loading, end the course. Reading a course and its timeline is ``queries.courses``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clinic_app.domain.changes import Change
from clinic_app.domain.clinic_settings import factor_range
from clinic_app.domain.codes import (
    AdministrationStatus,
    CourseEndReason,
    CourseStatus,
    PatientStatus,
    Phase,
)
from clinic_app.domain.course_warnings import CourseWarning, course_start_warnings
from clinic_app.domain.date_text import format_date
from clinic_app.domain.errors import Conflict, NotFound, UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.interval_factor import factor_problems
from clinic_app.domain.permissions import Action
from clinic_app.domain.protocol import Protocol
from clinic_app.domain.protocol_snapshot import protocol_to_json
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import (
    Administration,
    Course,
    Patient,
    Prescriber,
    Product,
    SafetyAcknowledgement,
)
from clinic_app.persistence.store.settings_store import read_settings
from clinic_app.services.envelope import Work, command
from clinic_app.services.library.protocols import ProtocolLibrary, load_protocol_library
from clinic_app.services.planning.course_plans import (
    cancel_bookings,
    sync_course_plan,
)
from clinic_app.services.queries.courses import (
    CourseSummary,
    _in_loading,
    _live_phases,
    _protocol,
    _summaries,
)

LOADING_ENDED_REASON = "loading ended: no further improvement"


class WarningsNeedAcknowledgement(UserError):
    """Course-start warnings the person has not ticked yet; nothing has been saved."""

    def __init__(self, warnings: Sequence[CourseWarning]) -> None:
        self.warnings = tuple(warnings)
        count = len(self.warnings)
        noun = "warning" if count == 1 else "warnings"
        super().__init__(
            f"Read and acknowledge {count} {noun} before starting this course: "
            + " ".join(warning.message for warning in self.warnings)
        )

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(warning.code for warning in self.warnings)


# -- actions ------------------------------------------------------------------------------


@command(Action.START_COURSE, Change.COURSES, Change.BOOKINGS)
def start_course(
    work: Work,
    patient_id: int,
    protocol_id: str,
    start_date: dt.date | None,
    *,
    prescriber_id: int | None,
    product_id: int | None = None,
    acknowledged: Collection[str] = frozenset(),
    today: dt.date | None = None,
    library: ProtocolLibrary | None = None,
) -> CourseSummary:
    """Start a course from a template; refused while the patient has an active one.

    Raises WarningsNeedAcknowledgement (saving nothing) until every course-start
    warning's code is in ``acknowledged``.
    """
    actor = work.actor
    today = today or dt.date.today()
    library = library or load_protocol_library()
    protocol = library.get(protocol_id)
    errors: dict[str, str] = {}
    if protocol is None:
        errors["protocol_id"] = f"{protocol_id!r} is not one of the clinic's templates"
    session = work.session
    prescriber, problem = _prescriber(session, prescriber_id)
    if problem:
        errors["prescriber_id"] = problem
    if start_date is None:
        errors["start_date"] = "is required (DD/MM/YYYY)"
    elif start_date > today + dt.timedelta(days=366):
        errors["start_date"] = "is more than a year ahead: check the year"
    if errors:
        raise ValidationFailed(errors)
    assert protocol is not None and start_date is not None and prescriber is not None
    # Locking the patient row makes two workstations starting a course for the
    # same patient take turns, so the "one active course" check cannot be raced.
    patient = session.get(Patient, patient_id, with_for_update=True)
    if patient is None:
        raise NotFound(f"No patient with id {patient_id}: they may have been removed.")
    if patient.status in (PatientStatus.DECEASED, PatientStatus.TRANSFERRED):
        raise UserError(
            f"{_name(patient)} is marked {patient.status.label.lower()}: "
            "a course cannot be started for them."
        )
    _refuse_second_active_course(session, patient)
    if product_id is not None:
        _check_product(session, product_id, protocol)
    given = session.scalar(
        select(func.count())
        .select_from(Administration)
        .where(
            Administration.patient_id == patient_id,
            Administration.status == AdministrationStatus.COMPLETED,
        )
    )
    warnings = course_start_warnings(
        drug=protocol.drug,
        renal_impairment=patient.renal_impairment,
        on_folic_acid=patient.on_folic_acid,
        b12_doses_given=given or 0,
    )
    if any(warning.code not in acknowledged for warning in warnings):
        raise WarningsNeedAcknowledgement(warnings)
    course = Course(
        patient_id=patient_id,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        protocol_snapshot=protocol_to_json(protocol),
        product_id=product_id,
        start_date=start_date,
        prescriber_id=prescriber.id,
        prescriber_name=prescriber.name,
        interval_factor=1.0,
        status=CourseStatus.ACTIVE,
        created_by=actor.user_id,
    )
    session.add(course)
    session.flush()
    for warning in warnings:
        session.add(
            SafetyAcknowledgement(
                patient_id=patient_id,
                course_id=course.id,
                check_code=warning.code,
                message=warning.message,
                acknowledged_by=actor.user_id,
            )
        )
    work.audit(
        "course",
        course.id,
        {
            "patient_id": patient_id,
            "protocol": protocol.id,
            "protocol_version": protocol.version,
            "start_date": start_date,
            "prescriber_id": prescriber.id,
            "prescriber": prescriber.name,
            "acknowledged": [warning.code for warning in warnings],
        },
    )
    sync_course_plan(session, course.id, today=today)
    return _summaries(session, [course])[0]


def _prescriber(
    session: Session, prescriber_id: int | None
) -> tuple[Prescriber | None, str | None]:
    """The course's prescriber from the clinic's list, or why it cannot be them."""
    if prescriber_id is None:
        return None, "choose who prescribed this course from the clinic's list"
    prescriber = session.get(Prescriber, prescriber_id)
    if prescriber is None:
        return None, "is not on the clinic's list of prescribers"
    if not prescriber.active:
        return None, (
            f"{prescriber.name} is no longer an active prescriber on the clinic's list: "
            "ask the practice manager"
        )
    return prescriber, None


@command(Action.SET_INTERVAL_FACTOR, Change.COURSES, Change.BOOKINGS)
def set_interval_factor(
    work: Work,
    course_id: int,
    factor: float,
    reason: str,
    *,
    today: dt.date,
    expected_version: int | None = None,
) -> CourseSummary:
    """Make maintenance more (or less) frequent for this patient, recording who and why.

    The factor must lie in the clinic's allowed range (clinic settings
    ``interval_factor_min`` / ``interval_factor_max``); a refusal names the field
    ``interval_factor``. A reason is required, and said to be for a factor below 1.
    """
    actor = work.actor
    reason = reason.strip()
    errors = factor_problems(factor, reason, factor_range(read_settings(work.session)))
    if errors:
        raise ValidationFailed(errors)
    session = work.session
    course = _load_active(session, course_id, expected_version, "its frequency cannot be changed")
    before = (course.interval_factor, course.interval_factor_reason)
    course.interval_factor = float(factor)
    course.interval_factor_reason = reason
    course.interval_factor_set_by = actor.user_id
    course.interval_factor_set_at = utcnow()
    _flush(session)
    work.audit(
        "course",
        course.id,
        {"reason": reason},
        before={"interval_factor": before[0]},
        after={"interval_factor": float(factor)},
    )
    sync_course_plan(session, course.id, today=today)
    return _summaries(session, [course])[0]


@command(Action.END_LOADING, Change.COURSES, Change.BOOKINGS)
def end_loading(
    work: Work,
    course_id: int,
    on_date: dt.date | None,
    *,
    today: dt.date,
    expected_version: int | None = None,
) -> CourseSummary:
    """Record "no further improvement": loading ends and maintenance is planned.

    Loading doses and reviews still booked are cancelled (their places go back to
    the slots): after this decision they must not be given.
    """
    actor = work.actor
    session = work.session
    course = _load_active(session, course_id, expected_version, "its loading cannot be ended")
    if not _in_loading(course, _protocol(course), _live_phases(session, [course.id])):
        raise UserError("This course is not in its loading phase, so loading cannot be ended.")
    errors = _date_errors("on_date", on_date, course.start_date, today)
    if errors:
        raise ValidationFailed(errors)
    assert on_date is not None
    course.loading_ended_on = on_date
    course.loading_ended_by = actor.user_id
    _flush(session)
    cancelled = cancel_bookings(
        session, course.id, (Phase.LOADING, Phase.REVIEW), LOADING_ENDED_REASON
    )
    work.audit(
        "course",
        course.id,
        {"bookings_cancelled": cancelled},
        before={"loading_ended_on": None},
        after={"loading_ended_on": on_date},
    )
    sync_course_plan(session, course.id, today=today)
    return _summaries(session, [course])[0]


@command(Action.END_COURSE, Change.COURSES, Change.BOOKINGS)
def end_course(
    work: Work,
    course_id: int,
    reason: CourseEndReason | str | None,
    note: str,
    on_date: dt.date | None,
    *,
    today: dt.date,
    expected_version: int | None = None,
) -> CourseSummary:
    """End a course by a recorded clinician decision; its future appointments go."""
    actor = work.actor
    note = note.strip()
    errors: dict[str, str] = {}
    code: CourseEndReason | None = None
    if reason is None or reason == "":
        errors["reason"] = "is required: why is the course ending?"
    else:
        try:
            code = CourseEndReason(reason)
        except ValueError:
            errors["reason"] = f"{reason!r} is not a reason the app knows"
    if code is CourseEndReason.OTHER and not note:
        errors["note"] = "is required when the reason is Other: say what happened"
    session = work.session
    course = _load_active(session, course_id, expected_version, "it cannot be ended again")
    errors.update(_date_errors("on_date", on_date, course.start_date, today))
    if errors:
        raise ValidationFailed(errors)
    assert code is not None and on_date is not None
    course.status = CourseStatus.ENDED
    course.ended_on = on_date
    course.end_reason = code
    course.end_note = note
    course.ended_by = actor.user_id
    _flush(session)
    work.audit(
        "course",
        course.id,
        {"reason": code, "note": note},
        before={"status": CourseStatus.ACTIVE},
        after={"status": CourseStatus.ENDED, "ended_on": on_date},
    )
    sync_course_plan(session, course.id, today=today)
    return _summaries(session, [course])[0]


# -- internals ------------------------------------------------------------------------------


def _name(patient: Patient) -> str:
    return f"{patient.given_name} {patient.family_name}"


def _refuse_second_active_course(session: Session, patient: Patient) -> None:
    active = session.scalars(
        select(Course).where(Course.patient_id == patient.id, Course.status == CourseStatus.ACTIVE)
    ).first()
    if active is not None:
        title = _protocol(active).title
        raise UserError(
            f"{_name(patient)} already has an active course ({title}, started "
            f"{format_date(active.start_date)}). End that course before starting another."
        )


def _check_product(session: Session, product_id: int, protocol: Protocol) -> None:
    product = session.get(Product, product_id)
    if product is None:
        raise ValidationFailed({"product_id": "is not a product in the clinic's stock list"})
    if product.drug != protocol.drug:
        raise ValidationFailed(
            {"product_id": f"is {product.drug}, but this template is for {protocol.drug}"}
        )


def _load_active(
    session: Session, course_id: int, expected_version: int | None, refusal: str
) -> Course:
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound(f"No course with id {course_id}: it may have been removed.")
    if expected_version is not None and course.version != expected_version:
        raise Conflict(
            "This course was changed on another workstation since you opened it. "
            "Look at it again, then make your change."
        )
    if course.status is not CourseStatus.ACTIVE:
        raise UserError(f"This course has ended, so {refusal}.")
    return course


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise Conflict(
            "This course was changed on another workstation at the same moment. "
            "Nothing was saved: look at it again and retry."
        ) from error


def _date_errors(
    name: str, value: dt.date | None, start: dt.date, today: dt.date
) -> dict[str, str]:
    if value is None:
        return {name: "is required (DD/MM/YYYY)"}
    if value > today:
        return {name: "cannot be in the future"}
    if value < start:
        return {name: f"is before the course started ({format_date(start)})"}
    return {}
