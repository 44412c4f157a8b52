"""Clinic sessions and their bookable slots, generated from weekly templates.

A slot keeps its own ``booked_count`` under a CHECK constraint: booking increments it
with a conditional UPDATE inside the booking transaction, so two workstations can
never push a slot past its capacity whatever the database.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import SessionStatus, SlotStatus
from clinic_app.persistence.base import Base
from clinic_app.persistence.models.columns import coded


class SessionTemplate(Base):
    """A weekly pattern, e.g. "Tuesday 09:00-12:00, 10-minute slots, Nurse Patel, Room 3"."""

    __tablename__ = "session_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    #: 0 = Monday ... 6 = Sunday, as ``date.weekday()``.
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(SmallInteger)
    capacity: Mapped[int] = mapped_column(SmallInteger, default=1)
    nurse_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    location: Mapped[str] = mapped_column(String(80), default="")
    room: Mapped[str] = mapped_column(String(40), default="")
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("slot_minutes > 0", name="slot_minutes_positive"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )


class ClinicSession(Base):
    __tablename__ = "clinic_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("session_templates.id"))
    session_date: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(SmallInteger)
    capacity: Mapped[int] = mapped_column(SmallInteger, default=1)
    nurse_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    location: Mapped[str] = mapped_column(String(80), default="")
    room: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[SessionStatus] = mapped_column(
        coded(SessionStatus, "session_status"), default=SessionStatus.ACTIVE
    )
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        UniqueConstraint("template_id", "session_date"),
        Index("ix_clinic_sessions_session_date", "session_date", "start_time"),
    )


class Slot(Base):
    """A bookable time in a session (FHIR Slot)."""

    __tablename__ = "slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("clinic_sessions.id", ondelete="CASCADE"))
    #: Local clinic wall-clock time: a slot is "Tuesday 09:10" whatever the season.
    start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    capacity: Mapped[int] = mapped_column(SmallInteger, default=1)
    booked_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[SlotStatus] = mapped_column(
        coded(SlotStatus, "slot_status"), default=SlotStatus.FREE
    )

    __table_args__ = (
        CheckConstraint("booked_count >= 0", name="booked_not_negative"),
        CheckConstraint("booked_count <= capacity", name="within_capacity"),
        CheckConstraint('"end" > start', name="ends_after_start"),
        UniqueConstraint("session_id", "start"),
        Index("ix_slots_start", "start"),
    )


class Closure(Base):
    """A day or range when the clinic is shut (training day, refurbishment, Christmas)."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: Empty applies to every location.
    location: Mapped[str] = mapped_column(String(80), default="")

    __table_args__ = (CheckConstraint("last_day >= first_day", name="range_ordered"),)
