"""The daily jobs: run once a day, by whichever workstation starts first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, Phase
from clinic_app.persistence.models import Appointment, ClinicSession, Course
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.upkeep import run_daily_upkeep, upkeep_due
from clinic_app.services.queries.users import list_active_users

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
