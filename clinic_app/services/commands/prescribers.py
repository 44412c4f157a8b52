"""The manager's list of prescribers: add one, correct one, make one inactive (or active
again). Never deleted: decisions and courses that name a prescriber keep saying who.

A registration number is unique on its register (the database says so too), and a
list entry may be linked to the app user who is that prescriber, so that a decision
they record themselves is recorded as theirs.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clinic_app.domain.changes import Change
from clinic_app.domain.codes import Profession, Role
from clinic_app.domain.errors import Conflict
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.permissions import Action
from clinic_app.domain.prescriber_details import PrescriberDetails, validate_prescriber
from clinic_app.persistence.models import Prescriber, User
from clinic_app.services.envelope import Work, command
from clinic_app.services.queries.prescribers import PrescriberSummary, _load, _summary


@command(Action.MANAGE_PRESCRIBERS, Change.PRESCRIBERS)
def add_prescriber(work: Work, details: PrescriberDetails) -> PrescriberSummary:
    details = _checked(work.session, details, None)
    row = Prescriber(
        name=details.name,
        profession=Profession(details.profession),
        registration_number=details.registration_number,
        user_id=details.user_id,
        active=True,
        created_by=work.actor.user_id or None,
    )
    work.session.add(row)
    _flush(work.session)
    work.audit("prescriber", row.id, after=_audited(row))
    return _summary(work.session, row)


@command(Action.MANAGE_PRESCRIBERS, Change.PRESCRIBERS)
def update_prescriber(
    work: Work, prescriber_id: int, details: PrescriberDetails, *, expected_version: int
) -> PrescriberSummary:
    """Correct a name, number or link; refused if another workstation changed it first."""
    session = work.session
    row = _current(session, prescriber_id, expected_version)
    details = _checked(session, details, prescriber_id)
    before = _audited(row)
    row.name = details.name
    row.profession = Profession(details.profession)
    row.registration_number = details.registration_number
    row.user_id = details.user_id
    after = _audited(row)
    if after == before:
        work.unchanged()
        return _summary(session, row)
    _flush(session)
    work.audit("prescriber", row.id, before=before, after=after)
    return _summary(session, row)


@command(Action.MANAGE_PRESCRIBERS, Change.PRESCRIBERS)
def deactivate_prescriber(
    work: Work, prescriber_id: int, *, expected_version: int
) -> PrescriberSummary:
    """No longer chosen for new decisions or courses; what they decided still stands
    until it lapses, and still names them."""
    return _set_active(work, prescriber_id, False, expected_version)


@command(Action.MANAGE_PRESCRIBERS, Change.PRESCRIBERS)
def reactivate_prescriber(
    work: Work, prescriber_id: int, *, expected_version: int
) -> PrescriberSummary:
    return _set_active(work, prescriber_id, True, expected_version)


def _set_active(
    work: Work, prescriber_id: int, active: bool, expected_version: int
) -> PrescriberSummary:
    session = work.session
    row = _current(session, prescriber_id, expected_version)
    if row.active == active:
        work.unchanged()
        return _summary(session, row)
    row.active = active
    _flush(session)
    work.audit("prescriber", row.id, before={"active": not active}, after={"active": active})
    return _summary(session, row)


def _current(session: Session, prescriber_id: int, expected_version: int) -> Prescriber:
    row = _load(session, prescriber_id)
    if row.version != expected_version:
        raise Conflict(
            "This prescriber was changed on another workstation since you opened the list. "
            "Reload it, then make your change again."
        )
    return row


def _checked(
    session: Session, details: PrescriberDetails, prescriber_id: int | None
) -> PrescriberDetails:
    details = details.normalised()
    errors = validate_prescriber(details)
    if "registration_number" not in errors and "profession" not in errors:
        clash = session.scalar(
            select(Prescriber.name).where(
                Prescriber.profession == Profession(details.profession),
                Prescriber.registration_number == details.registration_number,
                Prescriber.id != (prescriber_id or 0),
            )
        )
        if clash is not None:
            register = Profession(details.profession).register
            errors["registration_number"] = (
                f"{register} {details.registration_number} is already on the list ({clash})"
            )
    if details.user_id is not None:
        problem = _user_problem(session, details.user_id, prescriber_id)
        if problem:
            errors["user_id"] = problem
    if errors:
        raise ValidationFailed(errors)
    return details


def _user_problem(session: Session, user_id: int, prescriber_id: int | None) -> str | None:
    user = session.get(User, user_id)
    if user is None or not user.active:
        return "is not an active user of the app"
    if user.role is not Role.PRESCRIBER:
        return f"{user.display_name} is a {user.role.label.lower()}, not a prescriber"
    linked = session.scalar(
        select(Prescriber.name).where(
            Prescriber.user_id == user_id, Prescriber.id != (prescriber_id or 0)
        )
    )
    if linked is not None:
        return f"{user.display_name} is already linked to {linked}"
    return None


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise Conflict(
            "This prescriber was changed on another workstation at the same moment. "
            "Reload the list, then make your change again."
        ) from error
    except IntegrityError as error:
        # Two workstations adding the same number at once: the constraint decides.
        raise ValidationFailed(
            {"registration_number": "is already on the list (just added on another workstation)"}
        ) from error


def _audited(row: Prescriber) -> dict[str, object]:
    return {
        "name": row.name,
        "profession": row.profession.value,
        "registration_number": row.registration_number,
        "user_id": row.user_id,
    }
