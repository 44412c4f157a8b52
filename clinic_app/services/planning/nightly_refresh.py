"""The nightly refresh: every active course re-planned up to the rolling horizon.

Every command that changes a course re-plans it there and then, so a night needs only
the courses that the day itself can change (``nightly_candidates``); a change of the
calendar or settings re-plans the whole clinic. Batches are written in short
transactions of their own, so a workstation is never kept waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict
from typing import Any, NamedTuple

from sqlalchemy import (
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, Phase
from clinic_app.domain.errors import Conflict
from clinic_app.domain.schedule_dates import add_months
from clinic_app.domain.schedule_monitoring import MONITORING_LEEWAY_DAYS
from clinic_app.persistence.base import utcnow
from clinic_app.persistence.models import (
    Closure,
    Course,
)
from clinic_app.persistence.store import audit_log as audit
from clinic_app.persistence.store import job_runs
from clinic_app.persistence.store.settings_store import clinic_calendar, read_settings
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.planning.course_plans import (
    _A,
    _BOOKED,
    _CHUNK,
    _LIVE,
    _PLAN_FORMAT,
    _SLOT,
    LIVE_OR_GIVEN,
    _apply,
    _plan_changes,
    _read_active_courses,
    _read_courses,
    _scan_rows,
    _stale,
    _sync,
)

REFRESH_BATCH = 2000
REFRESH_ACTION = "plans.refresh"
#: The job's name in job_runs, where each refresh leaves what the next one starts from.
REFRESH_JOB = "plans.refresh"
_HORIZON_MARGIN = dt.timedelta(days=2)
_LEEWAY = dt.timedelta(days=MONITORING_LEEWAY_DAYS)
_LOADING_MARGIN = dt.timedelta(days=31)


def refresh_all_plans(uow: UnitOfWork, *, today: dt.date, full: bool = False) -> int:
    """Re-plan the active courses from ``today`` (the nightly rolling horizon).

    Returns how many courses had at least one row created, moved, unbooked, deleted or
    cancelled.

    Every service that changes a course re-plans it there and then, so a night can
    change only the courses that ``nightly_candidates`` picks; the rest are left
    alone. The whole clinic is re-planned (``full``, or when there is no earlier
    refresh to go on, or the calendar or settings changed since it): then the clinic
    is read by table scans (on SQLite a scan is several times faster than fetching
    each course's rows through an index). Courses are planned in batches, and each
    batch's changes are written in a short transaction of their own, so a workstation
    is never kept waiting for long. A batch whose courses or rows were changed on
    another workstation since the read is planned again from a fresh read inside its
    write transaction.
    """
    began = utcnow()
    with uow.read() as session:
        settings = read_settings(session)
        calendar = clinic_calendar(session, settings)
        fingerprint = _calendar_fingerprint(session, settings)
        last_course_id = session.scalar(select(func.max(Course.id))) or 0
        previous = None if full else _last_refresh(session)
        incremental = (
            previous is not None and previous.fingerprint == fingerprint and previous.as_of <= today
        )
        if previous is not None and incremental:
            ids = sorted(nightly_candidates(session, today, settings, previous))
            courses = [
                c for c in _read_courses(session, ids) if c.status == CourseStatus.ACTIVE.value
            ]
            courses.sort(key=lambda course: course.id)
            picked = {course.id for course in courses}
            rows = _scan_rows(session, picked, whole=len(picked) > 4 * _CHUNK)
        else:
            courses = _read_active_courses(session)
            rows = _scan_rows(session, {course.id for course in courses})
    horizon = settings.plan_horizon_months
    changed = 0
    unreadable: list[int] = []
    for first in range(0, len(courses), REFRESH_BATCH):
        batch = courses[first : first + REFRESH_BATCH]
        changes, broken = _plan_changes(batch, rows, today, horizon, calendar)
        unreadable += broken
        if not changes.changed:
            continue
        try:
            with uow.write() as session:
                if _stale(session, batch):
                    raise Conflict("changed since read")
                _apply(session, changes)
        except (Conflict, IntegrityError):
            with uow.write() as session:
                fresh = _read_courses(session, [course.id for course in batch])
                active = [c for c in fresh if c.status == CourseStatus.ACTIVE.value]
                changes, _broken = _sync(session, active, today, horizon, calendar)
        changed += len(changes.changed)
    detail = {
        "as_of": today.isoformat(),
        "courses": len(courses),
        "changed": changed,
        "unreadable": unreadable,
        "full": not incremental,
        "calendar": fingerprint,
        "last_course_id": last_course_id,
    }
    with uow.write() as session:
        # The audit row is the history; the job run is what the next night reads.
        audit.record(session, None, REFRESH_ACTION, "course", None, detail)
        job_runs.record(session, REFRESH_JOB, None, detail, started_at=began)
    return changed


class LastRefresh(NamedTuple):
    """What the previous nightly refresh recorded in its job run."""

    as_of: dt.date
    fingerprint: str
    #: The highest course id when it read the clinic: courses added since are new.
    last_course_id: int


def nightly_candidates(
    session: Session, today: dt.date, settings: ClinicSettings, previous: LastRefresh
) -> set[int]:
    """The active courses whose plan a night since ``previous`` can have changed.

    Every other course's rows match the plan its last sync or refresh made, and the
    engine gives the same plan again on ``today``: the calendar and settings are the
    same (the fingerprint), nothing in the course's history changed (every service
    that changes it re-plans it), and its plan depends on the day only through

    - the horizon: a for-life plan always reaches one dose, and one blood test
      (placed at most ``MONITORING_LEEWAY_DAYS`` before its ideal day), past
      ``today + plan_horizon_months``; a course without a live dose and a live test
      that far ahead may grow (fixed-length and open-ended courses, and protocols
      without repeat tests, are therefore picked every night);
    - the re-planning day: a live row whose window has opened (or whose day has
      passed) may be clipped or re-planned from today, and a booking whose day has
      passed is re-planned the same way;
    - loading and reviews (the reviews are listed a fixed time ahead), and loading
      ended on a day since the last refresh: always picked while they last.

    The margins are generous on purpose: picking a course too many costs a re-plan
    that changes nothing, missing one could leave a dose unplanned.
    """
    horizon_end = dt.date.fromordinal(add_months(today.toordinal(), settings.plan_horizon_months))
    live = _A.c.status.in_(_LIVE)
    courses = session.execute(
        select(Course.id, Course.loading_ended_on).where(Course.status == CourseStatus.ACTIVE)
    ).all()
    loading_since = min(previous.as_of, today) - _LOADING_MARGIN
    picked = {
        course_id
        for course_id, loading_ended in courses
        if course_id >= previous.last_course_id
        or (loading_ended is not None and loading_ended >= loading_since)
    }

    def course_ids(*conditions: Any) -> set[int]:
        query = select(_A.c.course_id).where(LIVE_OR_GIVEN, live, *conditions).distinct()
        return set(session.scalars(query))

    far_dose = course_ids(
        _A.c.phase == Phase.MAINTENANCE.value,
        _A.c.planned_date >= horizon_end + _HORIZON_MARGIN,
    )
    far_test = course_ids(
        _A.c.phase == Phase.MONITORING.value,
        _A.c.planned_date >= horizon_end + _HORIZON_MARGIN + _LEEWAY,
    )
    picked.update(course_id for course_id, _ in courses if course_id not in far_dose)
    picked.update(course_id for course_id, _ in courses if course_id not in far_test)
    # A window that has opened, or loading and reviews: one scan of the table. The
    # status is wrapped on purpose, so that SQLite scans rather than fetching every
    # live row through the (status, planned date) index (five times slower).
    opened = (
        select(_A.c.course_id)
        .where(
            func.coalesce(_A.c.status, "").in_(_LIVE),
            or_(
                _A.c.window_earliest < today,
                _A.c.planned_date < today,
                _A.c.phase.in_((Phase.LOADING.value, Phase.REVIEW.value)),
            ),
        )
        .distinct()
    )
    picked.update(session.scalars(opened))
    slot_passed = dt.datetime.combine(today + dt.timedelta(days=2), dt.time())
    booked = (
        select(_A.c.course_id)
        .select_from(_A.join(_SLOT, _SLOT.c.id == _A.c.slot_id))
        .where(
            LIVE_OR_GIVEN,
            _A.c.status.in_((_BOOKED, AppointmentStatus.ARRIVED.value)),
            _SLOT.c.start < slot_passed,
        )
        .distinct()
    )
    picked.update(session.scalars(booked))
    active = {course_id for course_id, _ in courses}
    return picked & active


def _calendar_fingerprint(session: Session, settings: ClinicSettings) -> str:
    """A digest of everything clinic-wide the engine plans with: settings and closures."""
    closures = sorted(
        (first.isoformat(), last.isoformat())
        for first, last in session.execute(select(Closure.first_day, Closure.last_day)).all()
    )
    text_ = json.dumps(
        {"settings": asdict(settings), "closures": closures, "plan": _PLAN_FORMAT},
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(text_.encode()).hexdigest()


def _last_refresh(session: Session) -> LastRefresh | None:
    """The previous refresh's day and fingerprint (None: refresh everything)."""
    run = job_runs.latest(session, REFRESH_JOB)
    if run is None:
        return None
    try:
        as_of = dt.date.fromisoformat(run.detail["as_of"])
        fingerprint = run.detail["calendar"]
        last_course_id = run.detail["last_course_id"]
    except (ValueError, KeyError, TypeError):
        return None  # written before fingerprints were kept
    if not isinstance(fingerprint, str) or not isinstance(last_course_id, int):
        return None
    return LastRefresh(as_of, fingerprint, last_course_id)
