"""Who works in the clinic: the start-up "who is working?" list."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from sqlalchemy import func, select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import Role
from clinic_app.persistence.models import User
from clinic_app.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class UserSummary:
    id: int
    username: str
    display_name: str
    role: Role

    def as_actor(self) -> Actor:
        return Actor(
            user_id=self.id,
            display_name=self.display_name,
            role=self.role,
            workstation=socket.gethostname(),
        )


def list_active_users(uow: UnitOfWork) -> list[UserSummary]:
    with uow.read() as session:
        rows = session.scalars(
            select(User).where(User.active.is_(True)).order_by(User.display_name)
        ).all()
        return [_summary(user) for user in rows]


def count_users(uow: UnitOfWork) -> int:
    with uow.read() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def _summary(user: User) -> UserSummary:
    return UserSummary(user.id, user.username, user.display_name, user.role)
