"""Clinic-wide settings every workstation shares (open days, thresholds, horizon).

Kept in the database, not in a workstation's file, so two front desks pointed at one
PostgreSQL server can never disagree about when the clinic is open.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.persistence.base import Base, UtcDateTime, utcnow


class ClinicSetting(Base):
    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: JSON-encoded value, typed by the setting's declaration.
    value: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
