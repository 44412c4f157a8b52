"""The daily jobs: run once a day, by whichever workstation starts first."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from sqlalchemy import delete, func, select

from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.changes import Change
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, JobStatus, Phase, Role
from clinic_app.domain.permissions import Action
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.models import (
    Appointment,
    AuditEvent,
    ClinicSession,
    ClinicSetting,
    Course,
    JobRun,
)
from clinic_app.persistence.store import job_runs
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.upkeep import UpkeepResult, run_daily_upkeep
from clinic_app.services.queries.upkeep import UPKEEP_JOB, upkeep_due
from clinic_app.services.queries.users import list_active_users
from tests.builders import make_actor

TODAY = dt.date(2026, 11, 21)


def test_upkeep_runs_once_a_day_and_keeps_every_course_planned(uow: UnitOfWork) -> None:
    create_demo_clinic(uow, patients=40, today=TODAY)
    actor = list_active_users(uow)[0].as_actor()
    with uow.read() as session:
        sessions_before = session.scalar(select(func.count()).select_from(ClinicSession))
    assert upkeep_due(uow, TODAY)

    result = run_daily_upkeep(uow, actor, today=TODAY)
    assert result is not None
    assert not upkeep_due(uow, TODAY)
    assert run_daily_upkeep(uow, actor, today=TODAY) is None  # claimed: not run twice

    with uow.read() as session:
        assert session.scalar(select(func.count()).select_from(ClinicSession)) == (
            (sessions_before or 0) + result.sessions_created
        )
        active = session.scalars(select(Course.id).where(Course.status == CourseStatus.ACTIVE))
        for course_id in active:
            upcoming = session.scalar(
                select(func.count())
                .select_from(Appointment)
                .where(
                    Appointment.course_id == course_id,
                    Appointment.phase.in_((Phase.LOADING, Phase.MAINTENANCE, Phase.REVIEW)),
                    Appointment.status.in_((AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED)),
                )
            )
            assert upcoming, f"course {course_id} has no next appointment: 'for life' broken"

    tomorrow = TODAY + dt.timedelta(days=1)
    assert upkeep_due(uow, tomorrow)
    assert run_daily_upkeep(uow, actor, today=tomorrow) is not None


def _workstation(uow: UnitOfWork) -> UnitOfWork:
    """A second workstation: its own engine (connections, pool) on the same database."""
    url = uow.engine.url.render_as_string(hide_password=False)
    return UnitOfWork(create_engine(url))


def test_two_workstations_starting_together_run_the_upkeep_once(uow: UnitOfWork) -> None:
    create_demo_clinic(uow, patients=20, today=TODAY)
    actor = list_active_users(uow)[0].as_actor()
    other = _workstation(uow)
    start = threading.Barrier(2)
    results: list[UpkeepResult | None] = []

    def start_up(workstation: UnitOfWork) -> None:
        start.wait(timeout=30)
        results.append(run_daily_upkeep(workstation, actor, today=TODAY))

    threads = [threading.Thread(target=start_up, args=(w,)) for w in (uow, other)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        other.engine.dispose()
    assert len(results) == 2
    assert sum(result is not None for result in results) == 1
    with uow.read() as session:
        runs = session.scalars(select(JobRun).where(JobRun.job == UPKEEP_JOB)).all()
        assert [(run.run_key, run.status) for run in runs] == [(TODAY.isoformat(), JobStatus.DONE)]


def test_a_claim_waits_for_the_other_workstations_and_loses(uow: UnitOfWork) -> None:
    """The claim is a unique insert: the second one waits for the first to commit, then
    finds the day taken (on PostgreSQL by the constraint refusing its own insert)."""
    actor = make_actor(uow, "Front Desk", Role.RECEPTIONIST)
    other = _workstation(uow)
    first_claimed = threading.Event()
    second: list[int | None] = []

    def second_workstation() -> None:
        first_claimed.wait(timeout=30)
        with other.write() as session:
            second.append(job_runs.claim(session, UPKEEP_JOB, TODAY.isoformat(), actor))

    thread = threading.Thread(target=second_workstation)
    thread.start()
    try:
        with uow.write() as session:
            first = job_runs.claim(session, UPKEEP_JOB, TODAY.isoformat(), actor)
            first_claimed.set()
            time.sleep(0.3)  # the other workstation is now waiting on this transaction
        thread.join(timeout=30)
    finally:
        other.engine.dispose()
    assert first is not None
    assert second == [None]


def test_a_failed_upkeep_gives_the_day_back_and_keeps_what_it_did(uow: UnitOfWork) -> None:
    create_demo_clinic(uow, patients=20, today=TODAY)
    actor = list_active_users(uow)[0].as_actor()
    with uow.write() as session:  # a setting the re-plan cannot use (sessions can)
        session.merge(ClinicSetting(key="plan_horizon_months", value='"twenty-four"'))
        session.flush()
        sessions_before = session.scalar(select(func.count()).select_from(ClinicSession))

    with pytest.raises(TypeError):
        run_daily_upkeep(uow, actor, today=TODAY)

    assert upkeep_due(uow, TODAY)  # the next start tries again
    with uow.read() as session:
        failed = job_runs.latest(session, UPKEEP_JOB, status=JobStatus.FAILED)
        sessions_after = session.scalar(select(func.count()).select_from(ClinicSession))
    assert failed is not None and failed.detail["error"] == "TypeError"
    created = failed.detail["sessions_created"]
    assert isinstance(created, int) and sessions_after == (sessions_before or 0) + created
    with uow.write() as session:
        session.execute(delete(ClinicSetting).where(ClinicSetting.key == "plan_horizon_months"))

    result = run_daily_upkeep(uow, actor, today=TODAY)

    assert result is not None
    assert not upkeep_due(uow, TODAY)


def test_the_upkeep_tells_the_screens_what_moved_and_leaves_an_audit_row(uow: UnitOfWork) -> None:
    create_demo_clinic(uow, patients=20, today=TODAY)
    actor = list_active_users(uow)[0].as_actor()

    done = run_daily_upkeep.run(uow, actor, today=TODAY)

    assert done.value is not None
    for kind in (Change.SESSIONS, Change.COURSES, Change.BOOKINGS):
        assert done.changes.touches(kind), kind
    with uow.read() as session:
        row = session.execute(
            select(AuditEvent.user_id, AuditEvent.detail).where(
                AuditEvent.action == Action.RUN_DAILY_UPKEEP.value
            )
        ).one()
    detail = json.loads(row.detail)
    assert row.user_id == actor.user_id
    assert (detail["day"], detail["status"]) == (TODAY.isoformat(), "done")
    assert detail["doses_booked"] == done.value.doses_booked

    again = run_daily_upkeep.run(uow, actor, today=TODAY)  # another workstation's start
    assert again.value is None
    assert not again.changes  # nothing for its screens to refresh
