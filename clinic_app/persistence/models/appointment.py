"""Appointments: every planned, booked, given or missed dose, review and blood test.

A dose is one row from the moment it is planned; booking fills ``slot_id``, moving
changes it, giving it marks it fulfilled. Missed rows stay (status noshow) for the
recall worklist and the audit trail, and the re-planned dose gets a new row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import AppointmentStatus, Phase
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded

_LIVE = "status IN ('proposed', 'booked', 'arrived', 'fulfilled')"


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    #: Empty only for a walk-in outside any course.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    dose_number: Mapped[int | None] = mapped_column(SmallInteger)
    phase: Mapped[Phase] = mapped_column(coded(Phase, "phase"))
    planned_date: Mapped[dt.date] = mapped_column(Date)
    window_earliest: Mapped[dt.date] = mapped_column(Date)
    window_latest: Mapped[dt.date] = mapped_column(Date)
    #: Comma-separated tests for a monitoring appointment ("b12,fbc,homocysteine").
    tests_due: Mapped[str] = mapped_column(String(120), default="")
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id"))
    status: Mapped[AppointmentStatus] = mapped_column(
        coded(AppointmentStatus, "appointment_status"), default=AppointmentStatus.PROPOSED
    )
    #: FHIR Appointment.cancelationReason, and the note for a did-not-attend.
    cancelation_reason: Mapped[str] = mapped_column(Text, default="")
    walk_in: Mapped[bool] = mapped_column(default=False)
    booked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("window_earliest <= planned_date", name="window_starts_before"),
        CheckConstraint("planned_date <= window_latest", name="window_ends_after"),
        CheckConstraint(
            "slot_id IS NOT NULL OR status NOT IN ('booked', 'arrived')", name="booked_has_slot"
        ),
        # One live appointment per dose of a course: a second booking of the same dose
        # (two workstations, a double click) fails in the database, not only in Python.
        Index(
            "uq_appointments_live_dose",
            "course_id",
            "phase",
            "dose_number",
            unique=True,
            sqlite_where=text(_LIVE),
            postgresql_where=text(_LIVE),
        ),
        Index("ix_appointments_patient_id_planned_date", "patient_id", "planned_date"),
        Index("ix_appointments_slot_id", "slot_id"),
        Index("ix_appointments_status_planned_date", "status", "planned_date"),
    )
