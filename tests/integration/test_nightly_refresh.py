"""The nightly refresh re-plans only the courses a night can change, and misses none.

The property checked: after the nightly (incremental) refresh of a day, a full
refresh of the same day finds nothing left to change, so the rows are exactly what
re-planning every course would have made.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, PatientStatus, Phase, Role
from clinic_app.persistence.models import Appointment, AuditEvent, Course, Patient
from clinic_app.persistence.store import job_runs
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.rebooking import add_closure
from clinic_app.services.commands.settings import change_settings
from clinic_app.services.planning.nightly_refresh import (
    REFRESH_ACTION,
    REFRESH_JOB,
    refresh_all_plans,
)
from tests.builders import make_actor

DEMO_DAY = dt.date(2026, 3, 10)
LIVE = (AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


def _demo(uow: UnitOfWork) -> None:
    create_demo_clinic(uow, patients=150, today=DEMO_DAY)
    refresh_all_plans(uow, today=DEMO_DAY, full=True)


def _last_refresh(uow: UnitOfWork) -> dict[str, object]:
    """What the next night starts from (its job run), checked against the audit trail."""
    with uow.read() as session:
        run = job_runs.latest(session, REFRESH_JOB)
        history = session.scalar(
            select(AuditEvent.detail)
            .where(AuditEvent.action == REFRESH_ACTION)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
    assert run is not None and history is not None
    assert json.loads(history) == run.detail
    return dict(run.detail)


def _active_courses(uow: UnitOfWork) -> int:
    with uow.read() as session:
        query = select(func.count()).where(Course.status == CourseStatus.ACTIVE)
        return session.scalar(query) or 0


def _courses_without_a_next_dose(uow: UnitOfWork, day: dt.date) -> list[int]:
    """Active courses of active patients with no live dose (or review) from ``day`` on."""
    with uow.read() as session:
        upcoming = select(Appointment.course_id).where(
            Appointment.status.in_(LIVE),
            Appointment.phase.in_((Phase.LOADING, Phase.MAINTENANCE, Phase.REVIEW)),
            Appointment.planned_date >= day,
        )
        query = (
            select(Course.id)
            .join(Patient, Patient.id == Course.patient_id)
            .where(
                Course.status == CourseStatus.ACTIVE,
                Patient.status == PatientStatus.ACTIVE,
                Course.id.not_in(upcoming),
            )
        )
        return list(session.scalars(query))


def test_each_night_re_plans_only_some_courses_and_leaves_nothing_to_change(
    uow: UnitOfWork,
) -> None:
    _demo(uow)
    active = _active_courses(uow)
    for days in (0, 1, 7, 40, 100):
        day = DEMO_DAY + dt.timedelta(days=days)
        refresh_all_plans(uow, today=day)
        nightly = _last_refresh(uow)
        assert nightly["full"] is False
        assert refresh_all_plans(uow, today=day, full=True) == 0, day
        assert _courses_without_a_next_dose(uow, day) == [], day
        if days <= 7:  # a night re-plans a fraction of the clinic, not all of it
            courses = nightly["courses"]
            assert isinstance(courses, int) and courses < active


def test_a_closure_re_plans_every_course(uow: UnitOfWork) -> None:
    _demo(uow)
    actor = make_actor(uow, "Night Manager", Role.MANAGER)
    refresh_all_plans(uow, today=DEMO_DAY + dt.timedelta(days=1))
    closed = DEMO_DAY + dt.timedelta(days=300)
    add_closure(
        uow, actor, first_day=closed, last_day=closed + dt.timedelta(days=13), reason="Move"
    )
    day = DEMO_DAY + dt.timedelta(days=2)
    refresh_all_plans(uow, today=day)
    assert _last_refresh(uow)["full"] is True
    assert refresh_all_plans(uow, today=day, full=True) == 0
    with uow.read() as session:
        in_closure = session.scalar(
            select(func.count()).where(
                Appointment.status.in_(LIVE),
                Appointment.planned_date.between(closed, closed + dt.timedelta(days=13)),
            )
        )
    assert in_closure == 0
    later = day + dt.timedelta(days=1)
    refresh_all_plans(uow, today=later)
    assert _last_refresh(uow)["full"] is False
    assert refresh_all_plans(uow, today=later, full=True) == 0
    assert _courses_without_a_next_dose(uow, later) == []


def test_a_change_of_open_days_re_plans_every_course(uow: UnitOfWork) -> None:
    _demo(uow)
    actor = make_actor(uow, "Night Manager", Role.MANAGER)
    refresh_all_plans(uow, today=DEMO_DAY + dt.timedelta(days=1))
    change_settings(uow, actor, {"open_days": ("tue", "thu", "fri")})
    day = DEMO_DAY + dt.timedelta(days=3)
    changed = refresh_all_plans(uow, today=day)
    assert _last_refresh(uow)["full"] is True
    assert changed > 0
    assert refresh_all_plans(uow, today=day, full=True) == 0
    with uow.read() as session:
        days = session.scalars(
            select(Appointment.planned_date)
            .where(Appointment.status == AppointmentStatus.PROPOSED)
            .distinct()
        ).all()
    assert {d.weekday() for d in days if d > day} <= {1, 3, 4}
    later = day + dt.timedelta(days=7)
    refresh_all_plans(uow, today=later)
    assert refresh_all_plans(uow, today=later, full=True) == 0
    assert _courses_without_a_next_dose(uow, later) == []
