"""Adding the people who work in the clinic.

The first user of a new clinic is added by nobody: ``create_first_user`` runs the same
command as the set-up actor, which the command accepts only while the clinic has no
users, and the audit row then names the new user as having added themselves.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from clinic_app.domain.actor import Actor
from clinic_app.domain.changes import Change
from clinic_app.domain.codes import Role
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.persistence.models import User
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.users import UserSummary, _summary

#: Who acts while a new clinic has no users yet (never valid once one exists).
SETUP_ACTOR = Actor(user_id=0, display_name="First-run set-up", role=Role.ADMINISTRATOR)


@command(Action.CREATE_USER, Change.USERS)
def create_user(
    work: Work,
    display_name: str,
    role: Role,
    *,
    username: str | None = None,
    registration: str = "",
) -> UserSummary:
    display_name = " ".join(display_name.split())
    if not display_name:
        raise ValidationFailed({"display_name": "is required"})
    username = username or _username_for(display_name)
    session = work.session
    if work.actor is SETUP_ACTOR and session.scalar(select(func.count()).select_from(User)):
        raise UserError("This clinic already has users: sign in as one of them to add another.")
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
    created = _summary(user)
    if work.actor is SETUP_ACTOR:
        work.actor = created.as_actor()
    work.audit("user", user.id, {"role": role})
    return created


def create_first_user(uow: UnitOfWork, display_name: str, role: Role) -> UserSummary:
    """The first user of a new clinic (first-run set-up), through the same command."""
    return create_user(uow, SETUP_ACTOR, display_name, role)


def _username_for(display_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", display_name.casefold()).strip(".")[:64] or "user"
