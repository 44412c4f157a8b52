"""The audit trail: who did what to which record, and from which workstation.

Written by the services inside the same transaction as the change it describes, so
there is never a change without its audit row, nor an audit row for a rolled-back change.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.persistence.base import Base, UtcDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    workstation: Mapped[str] = mapped_column(String(120), default="")
    #: A verb phrase such as "patient.update" or "appointment.book".
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    #: JSON: the fields changed, before and after.
    detail: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        Index("ix_audit_events_entity_entity_id", "entity", "entity_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )
