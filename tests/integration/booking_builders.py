"""Builders the booking tests share: nurses, weekly sessions, patients on a course."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import func, select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import AppointmentStatus, CourseStatus, Phase, Role
from clinic_app.domain.protocol import Protocol
from clinic_app.domain.protocol_snapshot import protocol_to_json
from clinic_app.persistence.models import Appointment, Course, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.patients import create_patient
from clinic_app.services.commands.sessions import create_template
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.planning.course_plans import sync_course_plan
from clinic_app.services.queries.session_templates import TemplateDetails
from tests.integration.helpers import details, make_actor

#: A Monday with no bank holiday near it (Easter 2027 is 28 March).
TODAY = dt.date(2027, 2, 1)
TUESDAY, THURSDAY, FRIDAY = 1, 3, 4


@lru_cache(maxsize=8)
def protocol(protocol_id: str = "hydroxo-standard") -> Protocol:
    found = load_protocol_library().get(protocol_id)
    assert found is not None, protocol_id
    return found


def nurse(uow: UnitOfWork, name: str = "Amira Patel (RN)") -> Actor:
    return make_actor(uow, name, Role.NURSE)


def weekly(
    weekday: int,
    nurse_id: int | None,
    *,
    start: dt.time = dt.time(9, 0),
    end: dt.time = dt.time(10, 0),
    slot_minutes: int = 10,
    capacity: int = 1,
    name: str = "",
    room: str = "Room 3",
    location: str = "Main surgery",
    valid_from: dt.date = TODAY,
    valid_until: dt.date | None = None,
) -> TemplateDetails:
    return TemplateDetails(
        name=name or f"B12 clinic day {weekday} {start:%H%M}",
        weekday=weekday,
        start_time=start,
        end_time=end,
        slot_minutes=slot_minutes,
        capacity=capacity,
        nurse_id=nurse_id,
        valid_from=valid_from,
        room=room,
        location=location,
        valid_until=valid_until,
    )


def clinic_week(
    uow: UnitOfWork, actor: Actor, *, capacity: int = 1, today: dt.date = TODAY
) -> list[int]:
    """Tuesday and Thursday mornings, Friday afternoon: 6 ten-minute slots each."""
    ids = []
    for weekday, start in ((TUESDAY, 9), (THURSDAY, 9), (FRIDAY, 14)):
        change = create_template(
            uow,
            actor,
            weekly(
                weekday,
                actor.user_id,
                start=dt.time(start, 0),
                end=dt.time(start + 1, 0),
                capacity=capacity,
            ),
            today=today,
        )
        ids.append(change.template.id)
    return ids


def patient(uow: UnitOfWork, actor: Actor, seed: int, **changes: object) -> int:
    given = changes.pop("given_name", f"Pat{seed}")
    return create_patient(
        uow,
        actor,
        details(seed, given_name=given, family_name=changes.pop("family_name", "Jones"), **changes),
        today=TODAY,
    ).id


def start_course(
    uow: UnitOfWork,
    patient_id: int,
    *,
    start: dt.date = TODAY,
    protocol_id: str = "hydroxo-standard",
    today: dt.date = TODAY,
) -> int:
    """A course prescribed today, planned by the real engine (rows as 'proposed')."""
    chosen = protocol(protocol_id)
    with uow.write() as session:
        course = Course(
            patient_id=patient_id,
            protocol_id=chosen.id,
            protocol_version=chosen.version,
            protocol_snapshot=protocol_to_json(chosen),
            start_date=start,
            status=CourseStatus.ACTIVE,
        )
        session.add(course)
        session.flush()
        sync_course_plan(session, course.id, today=today)
        return course.id


def appointments(uow: UnitOfWork, course_id: int) -> list[Appointment]:
    with uow.read() as session:
        return list(
            session.scalars(
                select(Appointment)
                .where(Appointment.course_id == course_id, Appointment.phase != Phase.MONITORING)
                .order_by(Appointment.planned_date, Appointment.id)
            )
        )


def proposed(uow: UnitOfWork, course_id: int, phase: Phase | None = None) -> list[Appointment]:
    return [
        a
        for a in appointments(uow, course_id)
        if a.status is AppointmentStatus.PROPOSED and (phase is None or a.phase is phase)
    ]


def slot_counts(uow: UnitOfWork) -> dict[int, tuple[int, int]]:
    """slot id -> (booked_count, appointments holding a place): the two must agree."""
    with uow.read() as session:
        counts = dict(session.execute(select(Slot.id, Slot.booked_count)).all())
        held = dict(
            session.execute(
                select(Appointment.slot_id, func.count())
                .where(
                    Appointment.slot_id.is_not(None),
                    Appointment.status.in_(
                        (
                            AppointmentStatus.BOOKED,
                            AppointmentStatus.ARRIVED,
                            AppointmentStatus.FULFILLED,
                        )
                    ),
                )
                .group_by(Appointment.slot_id)
            ).all()
        )
    return {slot_id: (count, held.get(slot_id, 0)) for slot_id, count in counts.items()}


def assert_counts_consistent(uow: UnitOfWork) -> None:
    for slot_id, (count, held) in slot_counts(uow).items():
        assert count == held, f"slot {slot_id}: booked_count {count} but {held} appointments"


def slot_start(uow: UnitOfWork, slot_id: int | None) -> dt.datetime:
    assert slot_id is not None
    with uow.read() as session:
        start = session.scalar(select(Slot.start).where(Slot.id == slot_id))
    assert start is not None
    return start


def slots_on(uow: UnitOfWork, day: dt.date) -> list[int]:
    with uow.read() as session:
        return list(
            session.scalars(
                select(Slot.id)
                .where(
                    Slot.start >= dt.datetime.combine(day, dt.time.min),
                    Slot.start < dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min),
                )
                .order_by(Slot.start)
            )
        )
