"""Places in a slot, counted by the database inside the booking transaction.

Capacity is never checked only in Python: a place is taken with

    UPDATE slots SET booked_count = booked_count + 1
    WHERE id = :id AND booked_count < capacity AND status <> 'busy-unavailable'

and a row count of 0 means another workstation took the last place first. The
database evaluates the condition on the row as it is when the update runs (after any
other workstation's commit; SQLite serialises writers, PostgreSQL re-reads the locked
row), and the CHECK ``booked_count <= capacity`` backs it up. Callers take slots in id
order, so two workstations booking several slots at once cannot deadlock.

The invariant every service keeps: a slot's ``booked_count`` equals the number of
appointments in it that hold a place (booked, arrived or given).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, case, func, literal, select, update
from sqlalchemy.orm import Session

from clinic_app.domain.appointment_text import describe_start
from clinic_app.domain.codes import AppointmentStatus, SlotStatus
from clinic_app.persistence.models import Appointment, Slot

#: Appointment statuses that hold a place in a slot (counted in ``slots.booked_count``).
HOLDS_SLOT = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.FULFILLED)


def slot_taken_message(start: dt.datetime | None) -> str:
    when = f" ({describe_start(start)})" if start is not None else ""
    return f"That slot was just taken{when}: please choose another."


_SLOTS = cast(Table, Slot.__table__)


# Built once: executing a prepared Core statement costs a tenth of building an ORM
# update per booking, and a course books seven doses in one go.
_TAKE = (
    update(_SLOTS)
    .where(
        _SLOTS.c.id == bindparam("slot"),
        _SLOTS.c.booked_count < _SLOTS.c.capacity,
        _SLOTS.c.status != SlotStatus.BUSY_UNAVAILABLE.value,
    )
    .values(
        booked_count=_SLOTS.c.booked_count + 1,
        status=case(
            (_SLOTS.c.booked_count + 1 >= _SLOTS.c.capacity, literal(SlotStatus.BUSY.value)),
            else_=literal(SlotStatus.FREE.value),
        ),
    )
)


_RELEASE = (
    update(_SLOTS)
    .where(_SLOTS.c.id == bindparam("slot"), _SLOTS.c.booked_count > 0)
    .values(
        booked_count=_SLOTS.c.booked_count - 1,
        status=case(
            (_SLOTS.c.status == SlotStatus.BUSY.value, literal(SlotStatus.FREE.value)),
            else_=_SLOTS.c.status,
        ),
    )
)


def take_slot(session: Session, slot_id: int) -> bool:
    """Take one place in a slot inside the caller's transaction; False when none is left."""
    return rowcount(session.connection().execute(_TAKE, {"slot": slot_id})) == 1


def release_slot(session: Session, slot_id: int) -> None:
    """Give a place back (a cancellation, a move, a did-not-attend)."""
    if rowcount(session.connection().execute(_RELEASE, {"slot": slot_id})) != 1:
        raise RuntimeError(f"slot {slot_id} has no booked place to give back")


def recount_slots(session: Session, session_ids: Sequence[int]) -> None:
    """Set each slot's count from the appointments that hold a place in it."""
    holders = (
        select(func.count())
        .select_from(Appointment)
        .where(Appointment.slot_id == Slot.id, Appointment.status.in_(HOLDS_SLOT))
        .scalar_subquery()
    )
    session.execute(
        update(Slot)
        .where(Slot.session_id.in_(session_ids))
        .values(booked_count=holders)
        .execution_options(synchronize_session=False)
    )


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched (typed access to the cursor result)."""
    return cast(CursorResult[Any], result).rowcount
