"""Reading a patient's courses: the summaries on the Courses tab and a course's timeline
of doses, bookings, monitoring and frequency changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from clinic_app.domain.codes import (
    AdministrationStatus,
    AppointmentStatus,
    CourseEndReason,
    CourseStatus,
    Phase,
)
from clinic_app.domain.date_text import format_date
from clinic_app.domain.errors import NotFound
from clinic_app.domain.interval_factor import effective_interval_text
from clinic_app.domain.protocol import Interval, Protocol
from clinic_app.domain.protocol_snapshot import protocol_from_json
from clinic_app.persistence.models import (
    Administration,
    Appointment,
    ClinicSession,
    Course,
    Slot,
    User,
)
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.planning.course_plans import (
    LIVE_OR_GIVEN,
    current_plan,
)

_LIVE = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class EntryKind(StrEnum):
    """What a timeline line is, as a nurse reads it."""

    GIVEN = "given"
    BOOKED = "booked"
    PLANNED = "planned"
    MISSED = "missed"
    CANCELLED = "cancelled"
    REVIEW = "review"
    #: A review whose window has passed with no decision recorded.
    OVERDUE_REVIEW = "overdue_review"
    MONITORING = "monitoring"
    DONE = "done"


@dataclass(frozen=True)
class CourseSummary:
    id: int
    patient_id: int
    protocol_id: str
    protocol_version: str
    title: str
    summary: str
    source: str
    drug: str
    start_date: dt.date
    prescriber_name: str
    status: CourseStatus
    #: The template's own maintenance interval, before any frequency adjustment.
    maintenance_every: Interval
    #: The maintenance frequency in force, e.g. "every 2 months (3 months × 1.5 more
    #: often)".
    frequency: str
    #: How it was adjusted, who by and why ("" when the template's own).
    frequency_note: str
    interval_factor: float
    interval_factor_reason: str
    loading: str
    loading_open_ended: bool
    #: "End loading" applies: the course is active and still in its loading phase.
    in_loading: bool
    loading_ended_on: dt.date | None
    loading_ended_by: str
    ended_on: dt.date | None
    end_reason: CourseEndReason | None
    end_note: str
    ended_by: str
    #: The next dose planned or booked (its slot's day when booked).
    next_dose: dt.date | None
    version: int

    @property
    def active(self) -> bool:
        return self.status is CourseStatus.ACTIVE


@dataclass(frozen=True)
class TimelineEntry:
    appointment_id: int
    kind: EntryKind
    phase: Phase
    dose_number: int | None
    date: dt.date
    earliest: dt.date
    latest: dt.date
    #: "Given", "Booked", "Planned", "Did not attend", "Review due"...
    status_label: str
    #: Site and lot, slot time and nurse, tests due, or why it was cancelled.
    detail: str
    #: A booked slot no longer inside the dose's window: it needs rebooking.
    needs_rebooking: bool = False
    #: The dose record of a given dose (what "entered in error" marks).
    administration_id: int | None = None


@dataclass(frozen=True)
class CourseTimeline:
    course: CourseSummary
    entries: tuple[TimelineEntry, ...]
    #: Doses given before the app's records began (counted, not dated).
    earlier_doses: int


# -- reading ------------------------------------------------------------------------------


def list_courses(uow: UnitOfWork, patient_id: int) -> list[CourseSummary]:
    """The patient's courses, the active one first, then the most recent."""
    with uow.read() as session:
        courses = list(
            session.scalars(
                select(Course)
                .where(Course.patient_id == patient_id)
                .order_by(Course.start_date.desc(), Course.id.desc())
            )
        )
        summaries = _summaries(session, courses)
    return sorted(summaries, key=lambda summary: not summary.active)


def get_course(uow: UnitOfWork, course_id: int) -> CourseSummary:
    with uow.read() as session:
        course = session.get(Course, course_id)
        if course is None:
            raise NotFound(f"No course with id {course_id}: it may have been removed.")
        return _summaries(session, [course])[0]


def course_timeline(uow: UnitOfWork, course_id: int, *, today: dt.date) -> CourseTimeline:
    """Every appointment of the course, past and planned, in date order."""
    with uow.read() as session:
        course = session.get(Course, course_id)
        if course is None:
            raise NotFound(f"No course with id {course_id}: it may have been removed.")
        summary = _summaries(session, [course])[0]
        windows: dict[tuple[str, int], tuple[dt.date, dt.date]] | None = None
        earlier: int | None = None
        if course.status is CourseStatus.ACTIVE:
            # Today's plan, to tell which bookings no longer fit their dose's window.
            plan, history = current_plan(session, course_id, today=today)
            offset = history.number_offset
            windows = {}
            for dose in plan.doses:
                if dose.status == "planned":
                    number = dose.number if dose.phase == "review" else dose.number + offset
                    window = (min(dose.earliest, dose.date), max(dose.latest, dose.date))
                    windows[(dose.phase, number)] = window
            earlier = history.earlier
        entries = [_entry(row, today, windows) for row in _timeline_rows(session, course)]
    if earlier is None:
        first_given = min(
            (e.dose_number for e in entries if e.kind is EntryKind.GIVEN and e.dose_number),
            default=1,
        )
        earlier = max(0, first_given - 1)
    entries.sort(key=lambda e: (e.date, e.phase is not Phase.REVIEW, e.dose_number or 0))
    return CourseTimeline(summary, tuple(entries), earlier_doses=earlier)


def _summaries(session: Session, courses: Sequence[Course]) -> list[CourseSummary]:
    if not courses:
        return []
    user_ids = {
        user_id
        for course in courses
        for user_id in (course.interval_factor_set_by, course.loading_ended_by, course.ended_by)
        if user_id is not None
    }
    names: dict[int, str] = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
        if user_ids
        else []
    )
    ids = [course.id for course in courses]
    phases = _live_phases(session, ids)
    next_dose = _next_doses(session, ids)
    result = []
    for course in courses:
        protocol = _protocol(course)
        result.append(
            CourseSummary(
                id=course.id,
                patient_id=course.patient_id,
                protocol_id=course.protocol_id,
                protocol_version=course.protocol_version,
                title=protocol.title,
                summary=" ".join(protocol.summary.split()),
                source=" ".join(protocol.source.split()),
                drug=protocol.drug,
                start_date=course.start_date,
                prescriber_name=course.prescriber_name,
                status=course.status,
                maintenance_every=protocol.maintenance.every,
                frequency=_frequency(protocol, course.interval_factor),
                frequency_note=_frequency_note(course, protocol, names),
                interval_factor=course.interval_factor,
                interval_factor_reason=course.interval_factor_reason,
                loading=protocol.loading.describe(),
                loading_open_ended=protocol.loading.open_ended,
                in_loading=_in_loading(course, protocol, phases),
                loading_ended_on=course.loading_ended_on,
                loading_ended_by=names.get(course.loading_ended_by or 0, ""),
                ended_on=course.ended_on,
                end_reason=course.end_reason,
                end_note=course.end_note,
                ended_by=names.get(course.ended_by or 0, ""),
                next_dose=next_dose.get(course.id),
                version=course.version,
            )
        )
    return result


def _frequency(protocol: Protocol, factor: float) -> str:
    """The interval in force, saying how it was adjusted: "every 2 months (3 months ×
    1.5 more often)"."""
    return effective_interval_text(protocol.maintenance.every, factor)


def _frequency_note(course: Course, protocol: Protocol, names: dict[int, str]) -> str:
    if course.interval_factor == 1:
        return ""
    who = names.get(course.interval_factor_set_by or 0, "")
    when = course.interval_factor_set_at
    by = f" by {who}" if who else ""
    on = f" on {format_date(when.astimezone().date())}" if when else ""
    reason = f": {course.interval_factor_reason}" if course.interval_factor_reason else ""
    return f"×{course.interval_factor:g}{by}{on}{reason}"


def _next_doses(session: Session, course_ids: Sequence[int]) -> dict[int, dt.date]:
    """The next dose per course: the booked slot's day, else the planned date."""
    query = (
        select(
            Appointment.course_id,
            Appointment.planned_date,
            Slot.start,
            Appointment.status,
            Appointment.phase,
        )
        .outerjoin(Slot, Slot.id == Appointment.slot_id)
        .where(
            Appointment.course_id.in_(course_ids),
            LIVE_OR_GIVEN,
        )
    )
    found: dict[int, dt.date] = {}
    for course_id, planned, slot_start, status, phase in session.execute(query):
        if status not in _LIVE or phase not in (Phase.LOADING, Phase.MAINTENANCE):
            continue
        day = slot_start.date() if slot_start is not None else planned
        if course_id is not None and (course_id not in found or day < found[course_id]):
            found[course_id] = day
    return found


def _timeline_rows(session: Session, course: Course) -> list[Any]:
    """All the course's rows, reached by patient (indexed), whatever their status."""
    nurse = aliased(User)
    performer = aliased(User)
    query = (
        select(
            Appointment.id,
            Appointment.phase,
            Appointment.dose_number,
            Appointment.status,
            Appointment.planned_date,
            Appointment.window_earliest,
            Appointment.window_latest,
            Appointment.tests_due,
            Appointment.cancelation_reason,
            Slot.start.label("slot_start"),
            nurse.display_name.label("nurse"),
            Administration.id.label("administration_id"),
            Administration.occurred_at,
            Administration.site,
            Administration.side,
            Administration.lot_number,
            Administration.volume_ml,
            Administration.route,
            performer.display_name.label("performer"),
        )
        .outerjoin(Slot, Slot.id == Appointment.slot_id)
        .outerjoin(ClinicSession, ClinicSession.id == Slot.session_id)
        .outerjoin(nurse, nurse.id == ClinicSession.nurse_id)
        .outerjoin(
            Administration,
            (Administration.appointment_id == Appointment.id)
            & (Administration.status == AdministrationStatus.COMPLETED),
        )
        .outerjoin(performer, performer.id == Administration.performer_id)
        .where(Appointment.patient_id == course.patient_id, Appointment.course_id == course.id)
    )
    return list(session.execute(query).all())


_STATUS_LABELS = {
    AppointmentStatus.BOOKED: "Booked",
    AppointmentStatus.ARRIVED: "Arrived",
    AppointmentStatus.NOSHOW: "Did not attend",
    AppointmentStatus.CANCELLED: "Cancelled",
}


def _entry(
    row: Any, today: dt.date, windows: dict[tuple[str, int], tuple[dt.date, dt.date]] | None
) -> TimelineEntry:
    status: AppointmentStatus = row.status
    phase: Phase = row.phase
    day: dt.date = row.planned_date
    detail = ""
    rebook = False
    if status is AppointmentStatus.FULFILLED:
        if phase in (Phase.LOADING, Phase.MAINTENANCE):
            kind, label = EntryKind.GIVEN, "Given"
            if row.occurred_at is not None:
                day = row.occurred_at.astimezone().date()
            detail = _given_detail(row)
        elif phase is Phase.REVIEW:
            kind, label = EntryKind.DONE, "Review held"
            detail = row.cancelation_reason  # the decision, as hold_review wrote it
        else:
            kind, label = EntryKind.DONE, "Done"
            detail = _tests_text(row.tests_due)
    elif status in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED):
        kind, label = EntryKind.BOOKED, _STATUS_LABELS[status]
        problem = ""
        if row.slot_start is not None:
            day = row.slot_start.date()
            with_nurse = f" with {row.nurse}" if row.nurse else ""
            detail = f"{row.slot_start:%H:%M}{with_nurse}"
            problem = _booking_problem(row, day, windows)
        if phase is Phase.MONITORING:
            detail = "; ".join(filter(None, (detail, _tests_text(row.tests_due))))
        if problem:
            rebook = True
            detail += f" — {problem}"
    elif status is AppointmentStatus.NOSHOW:
        kind, label, detail = EntryKind.MISSED, "Did not attend", row.cancelation_reason
    elif status is AppointmentStatus.CANCELLED:
        kind, label, detail = EntryKind.CANCELLED, "Cancelled", row.cancelation_reason
    elif phase is Phase.REVIEW:
        kind, label = EntryKind.REVIEW, "Review due"
        detail = "Continue loading, or record no further improvement"
        if row.window_latest < today:
            kind, label = EntryKind.OVERDUE_REVIEW, "Review overdue"
            detail = (
                f"No decision recorded since {format_date(row.window_latest)}: a clinician "
                "decides whether loading continues, or records no further improvement"
            )
    elif phase is Phase.MONITORING:
        kind, label, detail = EntryKind.MONITORING, "Blood tests due", _tests_text(row.tests_due)
        if row.window_latest < today:
            label = "Blood tests overdue"  # listed until a result completes them
    else:
        kind, label = EntryKind.PLANNED, "Planned"
        if row.planned_date < today:
            label = "Overdue"
    return TimelineEntry(
        appointment_id=row.id,
        kind=kind,
        phase=phase,
        dose_number=row.dose_number,
        date=day,
        earliest=row.window_earliest,
        latest=row.window_latest,
        status_label=label,
        detail=detail,
        needs_rebooking=rebook,
        administration_id=row.administration_id if kind is EntryKind.GIVEN else None,
    )


def _booking_problem(
    row: Any, day: dt.date, windows: dict[tuple[str, int], tuple[dt.date, dt.date]] | None
) -> str:
    """Why a booked day no longer suits the dose ("" when it does)."""
    earliest, latest = row.window_earliest, row.window_latest
    if windows is not None and row.phase is not Phase.MONITORING:
        window = windows.get((row.phase.value, row.dose_number or 0))
        if window is None:
            return "not in the current plan: check it or cancel it"
        earliest, latest = window
    if earliest <= day <= latest:
        return ""
    return f"outside the dose window ({earliest:%d/%m}–{latest:%d/%m}): rebook"


def _given_detail(row: Any) -> str:
    parts = []
    if row.site is not None:
        side = f"{row.side.label.lower()} " if row.side is not None else ""
        parts.append(f"{side}{row.site.label.lower()}")
    if row.volume_ml is not None:
        route = f" {row.route.value}" if row.route is not None else ""
        parts.append(f"{row.volume_ml:g} mL{route}")
    if row.lot_number:
        parts.append(f"lot {row.lot_number}")
    if row.performer:
        parts.append(f"by {row.performer}")
    return " · ".join(parts)


def _tests_text(tests: str) -> str:
    return ", ".join(test.strip() for test in tests.split(",") if test.strip())


def _protocol(course: Course) -> Protocol:
    return protocol_from_json(course.protocol_snapshot)


def _live_phases(session: Session, course_ids: Sequence[int]) -> dict[int, set[str]]:
    phases: dict[int, set[str]] = {course_id: set() for course_id in course_ids}
    query = select(Appointment.course_id, Appointment.phase, Appointment.status).where(
        Appointment.course_id.in_(course_ids), LIVE_OR_GIVEN
    )
    for course_id, phase, status in session.execute(query):
        if course_id is not None and status in _LIVE:
            phases[course_id].add(phase)
    return phases


def _in_loading(course: Course, protocol: Protocol, phases: dict[int, set[str]]) -> bool:
    """Still loading: open-ended loading not yet ended, or loading doses still planned."""
    if course.status is not CourseStatus.ACTIVE or course.loading_ended_on is not None:
        return False
    if not protocol.loading.steps:
        return False
    return protocol.loading.open_ended or Phase.LOADING in phases.get(course.id, set())
