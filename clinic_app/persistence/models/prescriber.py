"""The clinic's list of prescribers: only a decision naming one of them lifts a hold.

A nurse once lifted a platelet hold by typing any name. The list is kept by a
manager; a prescriber who leaves is made inactive (never deleted), so the decisions
and courses that name them still say who decided.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import Profession
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded


class Prescriber(Base):
    __tablename__ = "prescribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    profession: Mapped[Profession] = mapped_column(coded(Profession, "profession"))
    #: The number on the profession's register (GMC, NMC or GPhC), as printed there.
    registration_number: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The app user who is this prescriber, when they sign in themselves.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("profession", "registration_number"),)
