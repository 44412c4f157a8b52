"""The daily booking pass writes in short batches and respects what changed meanwhile.

"Meanwhile" is real: another workstation (its own engine on the same database) acts
just before the pass opens a write transaction, after the pass has read and placed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from clinic_app.domain.actor import Actor
from clinic_app.domain.changes import Change
from clinic_app.domain.codes import AppointmentStatus, CourseEndReason, Phase, Role
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.models import Appointment, ClinicSession, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import book_appointment, keep_maintenance_booked
from clinic_app.services.commands.courses import end_course
from clinic_app.services.commands.rebooking import cancel_session
from tests.builders import TIMETABLE_TODAY as TODAY
from tests.builders import (
    add_user,
    appointments,
    assert_counts_consistent,
    clinic_week,
    patient,
    proposed,
    start_course,
)

COURSES = 6


@pytest.fixture
def courses(uow: UnitOfWork, amira: Actor) -> list[int]:
    """Maintenance from the start (post-bariatric), two places in each slot."""
    clinic_week(uow, amira, capacity=2)
    return [
        start_course(uow, patient(uow, amira, seed), protocol_id="post-bariatric")
        for seed in range(1, COURSES + 1)
    ]


@pytest.fixture
def other(uow: UnitOfWork) -> Iterator[UnitOfWork]:
    """Another workstation on the same database."""
    engine = create_engine(uow.engine.url.render_as_string(hide_password=False))
    try:
        yield UnitOfWork(engine)
    finally:
        engine.dispose()


@pytest.fixture
def after_commit(uow: UnitOfWork) -> Iterator[Callable[[Callable[[int], None]], None]]:
    """``after_commit(act)``: ``act(n)`` runs once the pass's n-th write has committed."""
    listeners: list[Callable[[Session], None]] = []

    def register(act: Callable[[int], None]) -> None:
        commits = [0]

        def committed(session: Session) -> None:
            if session.get_bind() is uow.engine:  # not the other workstation's
                commits[0] += 1
                act(commits[0])

        event.listen(Session, "after_commit", committed)
        listeners.append(committed)

    yield register
    for listener in listeners:
        event.remove(Session, "after_commit", listener)


def after_reading(engine: Engine, act: Callable[[], None]) -> None:
    """Call ``act()`` once, as the pass's first read ends (it has read; it writes next)."""
    done = [False]

    def read_ends(connection: Any) -> None:
        if connection.get_execution_options().get("sqlite_readonly") and not done[0]:
            done[0] = True
            act()

    event.listen(engine, "rollback", read_ends)


def first_maintenance(uow: UnitOfWork, course_id: int) -> Appointment:
    with uow.read() as session:
        dose = session.scalars(
            select(Appointment)
            .where(Appointment.course_id == course_id, Appointment.phase == Phase.MAINTENANCE)
            .order_by(Appointment.dose_number)
        ).first()
    assert dose is not None
    return dose


def booked_now(uow: UnitOfWork, courses: list[int]) -> int:
    return sum(first_maintenance(uow, c).status is AppointmentStatus.BOOKED for c in courses)


def test_the_pass_commits_in_batches_so_others_see_them_and_save_in_between(
    uow: UnitOfWork,
    amira: Actor,
    courses: list[int],
    other: UnitOfWork,
    after_commit: Callable[[Callable[[int], None]], None],
) -> None:
    seen_between: list[int] = []

    def receptionist(commit: int) -> None:
        if commit == 1:  # the first batch is in; the pass goes on
            seen_between.append(booked_now(other, courses))
            add_user(other, "Front Desk", Role.RECEPTIONIST)  # a save does not wait

    after_commit(receptionist)

    done = keep_maintenance_booked.run(uow, amira, today=TODAY, batch_size=2)

    assert done.value == COURSES
    assert seen_between == [2], "the pass booked everything in one transaction"
    assert done.changes.touches(Change.BOOKINGS)
    assert len(done.changes.patient_ids) == COURSES  # each patient's record refreshes
    assert booked_now(uow, courses) == COURSES
    assert_counts_consistent(uow)
    assert keep_maintenance_booked(uow, amira, today=TODAY) == 0


def test_what_another_workstation_changed_since_the_read_is_respected(
    uow: UnitOfWork, amira: Actor, courses: list[int], other: UnitOfWork
) -> None:
    ended, booked_elsewhere, *rest = courses
    dose = first_maintenance(uow, booked_elsewhere)
    with uow.read() as session:
        sessions = session.execute(
            select(ClinicSession.id, ClinicSession.session_date)
            .where(ClinicSession.session_date >= dose.window_earliest)
            .order_by(ClinicSession.session_date)
        ).all()
        slot_elsewhere = session.scalar(
            select(Slot.id)
            .where(Slot.session_id == sessions[1].id)
            .order_by(Slot.start.desc())
            .limit(1)
        )
    assert slot_elsewhere is not None
    cancelled = sessions[0].id  # the first session in the windows: the pass aims there

    def meanwhile() -> None:
        end_course(other, amira, ended, CourseEndReason.MOVED_AWAY, "Moved", TODAY, today=TODAY)
        book_appointment(other, amira, dose.id, slot_elsewhere, today=TODAY)
        cancel_session(other, amira, cancelled, "Nurse off sick")

    after_reading(uow.engine, meanwhile)

    booked = keep_maintenance_booked(uow, amira, today=TODAY, batch_size=2)

    assert booked == len(rest)
    assert proposed(uow, ended, Phase.MAINTENANCE) == []
    assert [a for a in appointments(uow, ended) if a.status is AppointmentStatus.BOOKED] == []
    again = first_maintenance(uow, booked_elsewhere)
    assert (again.status, again.slot_id) == (AppointmentStatus.BOOKED, slot_elsewhere)
    with uow.read() as session:
        in_cancelled = session.scalars(
            select(Appointment.id)
            .join(Slot, Slot.id == Appointment.slot_id)
            .where(Slot.session_id == cancelled, Appointment.status == AppointmentStatus.BOOKED)
        ).all()
    assert in_cancelled == []
    for course in rest:  # placed again, in the sessions that are still on
        assert first_maintenance(uow, course).status is AppointmentStatus.BOOKED
    assert_counts_consistent(uow)
