"""Who works in the clinic: the start-up "who is working?" list and first-run set-up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from clinic_app.domain.codes import Role
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import User
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services import audit
from clinic_app.services.actor import Actor


@dataclass(frozen=True)
class UserSummary:
    id: int
    username: str
    display_name: str
    role: Role

    def as_actor(self) -> Actor:
        return Actor(user_id=self.id, display_name=self.display_name, role=self.role)


def list_active_users(uow: UnitOfWork) -> list[UserSummary]:
    with uow.read() as session:
        rows = session.scalars(
            select(User).where(User.active.is_(True)).order_by(User.display_name)
        ).all()
        return [_summary(user) for user in rows]


def count_users(uow: UnitOfWork) -> int:
    with uow.read() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


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


def _summary(user: User) -> UserSummary:
    return UserSummary(user.id, user.username, user.display_name, user.role)
