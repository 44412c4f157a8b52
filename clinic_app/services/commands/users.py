"""Adding the people who work in the clinic (first-run set-up and the demo)."""

from __future__ import annotations

import re

from sqlalchemy import select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import Role
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import User
from clinic_app.persistence.store import audit_log as audit
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.users import UserSummary, _summary


def create_user(
    uow: UnitOfWork,
    display_name: str,
    role: Role,
    *,
    username: str | None = None,
    registration: str = "",
    actor: Actor | None = None,
) -> UserSummary:
    display_name = " ".join(display_name.split())
    if not display_name:
        raise ValidationFailed({"display_name": "is required"})
    username = username or _username_for(display_name)
    with uow.write() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise ValidationFailed({"username": f"{username!r} is already taken"})
        user = User(
            username=username,
            display_name=display_name,
            role=role,
            registration=registration or None,
            active=True,
        )
        session.add(user)
        session.flush()
        audit.record(session, actor, "user.create", "user", user.id, {"role": role})
        return _summary(user)


def _username_for(display_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", display_name.casefold()).strip(".")[:64] or "user"
