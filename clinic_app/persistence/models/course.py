"""A prescribed course of injections: one regimen for one patient, usually for life."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import CourseEndReason, CourseStatus
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    protocol_id: Mapped[str] = mapped_column(String(60))
    protocol_version: Mapped[str] = mapped_column(String(20))
    #: The template as it was when prescribed (JSON), so a later edit of the clinic's
    #: protocol file never silently changes an existing patient's plan.
    protocol_snapshot: Mapped[str] = mapped_column(Text)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    #: From the clinic's list of prescribers; None only on courses started before it.
    prescriber_id: Mapped[int | None] = mapped_column(ForeignKey("prescribers.id"))
    prescriber_name: Mapped[str] = mapped_column(String(120), default="")
    #: 1.5 means 50% more frequent maintenance (a 3-month interval becomes 2 months).
    interval_factor: Mapped[float] = mapped_column(Float, default=1.0)
    interval_factor_reason: Mapped[str] = mapped_column(Text, default="")
    interval_factor_set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    interval_factor_set_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: Open-ended loading ("until no further improvement") ends only on this date.
    loading_ended_on: Mapped[dt.date | None] = mapped_column(Date)
    loading_ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[CourseStatus] = mapped_column(
        coded(CourseStatus, "course_status"), default=CourseStatus.ACTIVE
    )
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[CourseEndReason | None] = mapped_column(
        coded(CourseEndReason, "course_end_reason")
    )
    end_note: Mapped[str] = mapped_column(Text, default="")
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("interval_factor > 0", name="interval_factor_positive"),
        CheckConstraint("(status = 'ended') = (end_reason IS NOT NULL)", name="ended_has_reason"),
        Index("ix_courses_patient_id_status", "patient_id", "status"),
        # One active course per patient, whichever workstation starts it.
        Index(
            "uq_courses_one_active_per_patient",
            "patient_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_courses_protocol_id_patient_id", "protocol_id", "patient_id"),
    )
