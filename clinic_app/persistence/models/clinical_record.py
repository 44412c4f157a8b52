"""Dated lab results, prescriber decisions and acknowledged safety warnings.

Results are stored as dated values, never as flags: a platelet band is always
computed from the latest count, because counts change with treatment.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import LabTest
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded


class LabResult(Base):
    __tablename__ = "lab_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    test: Mapped[LabTest] = mapped_column(coded(LabTest, "lab_test"))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    taken_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_lab_results_patient_test_taken", "patient_id", "test", "taken_on"),)


class PrescriberDecision(Base):
    """A prescriber's recorded decision that unlocks a held dose or an off-template route."""

    __tablename__ = "prescriber_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    #: What it is about: "platelet_hold", "sc_route", "inr".
    topic: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(Text)
    prescriber_name: Mapped[str] = mapped_column(String(120))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class SafetyAcknowledgement(Base):
    """A warning shown to a person and acknowledged, kept as evidence it was seen."""

    __tablename__ = "safety_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    administration_id: Mapped[int | None] = mapped_column(ForeignKey("administrations.id"))
    check_code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    acknowledged_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
