"""People who use the app; every change records one of them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.domain.codes import Role
from clinic_app.persistence.base import Base, UtcDateTime, utcnow
from clinic_app.persistence.models.columns import coded


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(coded(Role, "role"))
    #: Professional registration (e.g. NMC PIN) printed beside a signature.
    registration: Mapped[str | None] = mapped_column(String(40))
    #: argon2 hash; empty until sign-in arrives (step 7).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
