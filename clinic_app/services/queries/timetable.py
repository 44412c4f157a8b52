"""What the practice manager's timetable screen reads: sessions with how full they are,
closures, and the nurses a session can be given to.

Reads only; the changes themselves are in ``sessions`` and ``rebooking``. Sessions are
counted in SQL (one grouped query), so a horizon of a few hundred sessions costs the
same as a handful.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select

from clinic_app.domain.codes import Role, SessionStatus
from clinic_app.persistence.models import ClinicSession, Closure, Slot, User
from clinic_app.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class UpcomingSession:
    session_id: int
    template_id: int | None
    session_date: dt.date
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    nurse_name: str
    room: str
    location: str
    status: SessionStatus
    cancel_reason: str
    #: Places taken (sum of the slots' booked counts) and places in total.
    booked: int
    places: int

    @property
    def cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED

    @property
    def one_off(self) -> bool:
        return self.template_id is None


@dataclass(frozen=True)
class ClosureRecord:
    id: int
    first_day: dt.date
    last_day: dt.date
    reason: str
    location: str


@dataclass(frozen=True)
class Nurse:
    id: int
    display_name: str


def upcoming_sessions(uow: UnitOfWork, day_from: dt.date, day_to: dt.date) -> list[UpcomingSession]:
    """Sessions from ``day_from`` to ``day_to`` (cancelled ones too), in date and time order,
    each with its booked and total places."""
    columns = (
        ClinicSession.id,
        ClinicSession.template_id,
        ClinicSession.session_date,
        ClinicSession.start_time,
        ClinicSession.end_time,
        ClinicSession.slot_minutes,
        User.display_name,
        ClinicSession.room,
        ClinicSession.location,
        ClinicSession.status,
        ClinicSession.cancel_reason,
    )
    booked = func.coalesce(func.sum(Slot.booked_count), 0)
    places = func.coalesce(func.sum(case((Slot.id.is_not(None), Slot.capacity), else_=0)), 0)
    with uow.read() as session:
        rows = session.execute(
            select(*columns, booked, places)
            .outerjoin(User, User.id == ClinicSession.nurse_id)
            .outerjoin(Slot, Slot.session_id == ClinicSession.id)
            .where(ClinicSession.session_date.between(day_from, day_to))
            .group_by(*columns)
            .order_by(ClinicSession.session_date, ClinicSession.start_time, ClinicSession.id)
        ).all()
    return [
        UpcomingSession(
            session_id=row[0],
            template_id=row[1],
            session_date=row[2],
            start_time=row[3],
            end_time=row[4],
            slot_minutes=row[5],
            nurse_name=row[6] or "",
            room=row[7],
            location=row[8],
            status=SessionStatus(row[9]),
            cancel_reason=row[10],
            booked=int(row[11]),
            places=int(row[12]),
        )
        for row in rows
    ]


def list_closures(uow: UnitOfWork, *, ending_on_or_after: dt.date) -> list[ClosureRecord]:
    """Closures still to come or under way (past ones are history, kept in the audit)."""
    with uow.read() as session:
        rows = session.scalars(
            select(Closure)
            .where(Closure.last_day >= ending_on_or_after)
            .order_by(Closure.first_day, Closure.id)
        ).all()
        return [
            ClosureRecord(row.id, row.first_day, row.last_day, row.reason, row.location)
            for row in rows
        ]


def active_nurses(uow: UnitOfWork) -> list[Nurse]:
    """Who can run a session: active staff with the nurse role."""
    with uow.read() as session:
        rows = session.execute(
            select(User.id, User.display_name)
            .where(User.active.is_(True), User.role == Role.NURSE)
            .order_by(User.display_name)
        ).all()
        return [Nurse(user_id, name) for user_id, name in rows]
