"""Contacts made to bring a patient back: the receptionist's recall log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import RecallMethod, RecallOutcome
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded


class RecallContact(Base):
    __tablename__ = "recall_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    method: Mapped[RecallMethod] = mapped_column(coded(RecallMethod, "recall_method"))
    outcome: Mapped[RecallOutcome] = mapped_column(coded(RecallOutcome, "recall_outcome"))
    contacted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    contacted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_recall_contacts_patient_id_contacted_at", "patient_id", "contacted_at"),
        # Serves the foreign-key check when a re-plan deletes an appointment row.
        Index("ix_recall_contacts_appointment_id", "appointment_id"),
    )
