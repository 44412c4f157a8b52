"""The clinic's list of prescribers: for the manager's list, and for the combos where a
decision or a course names one (only active prescribers can be chosen there).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clinic_app.domain.codes import Profession, Role
from clinic_app.domain.errors import NotFound
from clinic_app.persistence.models import Prescriber, User
from clinic_app.persistence.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PrescriberSummary:
    id: int
    version: int
    name: str
    profession: Profession
    registration_number: str
    active: bool
    user_id: int | None
    user_name: str

    @property
    def registration(self) -> str:
        """ "GMC 1234567": the register and the number, as printed beside a name."""
        return f"{self.profession.register} {self.registration_number}"

    def label(self) -> str:
        """ "Dr Helen Morgan (GMC 1234567)": how a combo names them."""
        return f"{self.name} ({self.registration})"


@dataclass(frozen=True)
class PrescriberUser:
    """An app user with the prescriber role, who may be linked to a list entry."""

    id: int
    display_name: str


def list_prescribers(uow: UnitOfWork, *, include_inactive: bool = True) -> list[PrescriberSummary]:
    """Active first, then by name; inactive ones only when asked for (the manager's list)."""
    with uow.read() as session:
        statement = select(Prescriber).order_by(
            Prescriber.active.desc(), Prescriber.name, Prescriber.id
        )
        if not include_inactive:
            statement = statement.where(Prescriber.active.is_(True))
        return [_summary(session, row) for row in session.scalars(statement)]


def active_prescribers(session: Session) -> tuple[PrescriberSummary, ...]:
    """In an open read: who a decision or a course can name now."""
    rows = session.scalars(
        select(Prescriber)
        .where(Prescriber.active.is_(True))
        .order_by(Prescriber.name, Prescriber.id)
    )
    return tuple(_summary(session, row) for row in rows)


def get_prescriber(uow: UnitOfWork, prescriber_id: int) -> PrescriberSummary:
    with uow.read() as session:
        return _summary(session, _load(session, prescriber_id))


def prescriber_users(uow: UnitOfWork) -> list[PrescriberUser]:
    """Active users whose role is prescriber: the ones a list entry can be linked to."""
    with uow.read() as session:
        rows = session.execute(
            select(User.id, User.display_name)
            .where(User.role == Role.PRESCRIBER, User.active.is_(True))
            .order_by(User.display_name)
        )
        return [PrescriberUser(row.id, row.display_name) for row in rows]


def _load(session: Session, prescriber_id: int) -> Prescriber:
    row = session.get(Prescriber, prescriber_id)
    if row is None:
        raise NotFound(f"No prescriber with id {prescriber_id}: they may have been removed.")
    return row


def _summary(session: Session, row: Prescriber) -> PrescriberSummary:
    user_name = ""
    if row.user_id is not None:
        user_name = session.scalar(select(User.display_name).where(User.id == row.user_id)) or ""
    return PrescriberSummary(
        id=row.id,
        version=row.version,
        name=row.name,
        profession=row.profession,
        registration_number=row.registration_number,
        active=row.active,
        user_id=row.user_id,
        user_name=user_name,
    )
