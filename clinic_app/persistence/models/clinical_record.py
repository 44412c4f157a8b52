"""Dated lab results, prescriber decisions and acknowledged safety warnings.

Results are stored as dated values, never as flags: a platelet band is always
computed from the latest count, because counts change with treatment.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import LabResultStatus, LabTest
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
    #: Where the result came from: the practice's phlebotomy, the hospital lab, a letter.
    source: Mapped[str] = mapped_column(String(80), default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[LabResultStatus] = mapped_column(
        coded(LabResultStatus, "lab_result_status"), default=LabResultStatus.FINAL
    )
    #: The entry that corrects this one, when it was a typing slip.
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("lab_results.id"))
    error_reason: Mapped[str] = mapped_column(Text, default="")
    error_marked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    error_marked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
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
    #: From the clinic's list of prescribers; None only on rows made before the list.
    prescriber_id: Mapped[int | None] = mapped_column(ForeignKey("prescribers.id"))
    #: The name as it was when decided (the list may later be corrected).
    prescriber_name: Mapped[str] = mapped_column(String(120))
    #: True when the prescriber was signed in and recorded the decision themselves.
    by_prescriber: Mapped[bool] = mapped_column(Boolean, default=False)
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
