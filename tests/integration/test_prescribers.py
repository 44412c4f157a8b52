"""The clinic's list of prescribers, kept by the manager (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic_app.domain.codes import Profession, Role
from clinic_app.domain.errors import Conflict
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.domain.prescriber_details import PrescriberDetails
from clinic_app.persistence.models import AuditEvent
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.prescribers import (
    add_prescriber,
    deactivate_prescriber,
    reactivate_prescriber,
    update_prescriber,
)
from clinic_app.services.envelope import NotPermitted
from clinic_app.services.queries.prescribers import list_prescribers, prescriber_users
from tests.builders import add_user, manager, nurse


def _add(uow: UnitOfWork, name: str, profession: Profession, number: str, **kw: object) -> int:
    details = PrescriberDetails(name, profession.value, number, **kw)  # type: ignore[arg-type]
    return add_prescriber(uow, manager(uow), details).id


def test_a_manager_adds_a_doctor_a_nurse_and_a_pharmacist_and_sees_them_listed(
    uow: UnitOfWork,
) -> None:
    _add(uow, "Dr Helen  Morgan", Profession.DOCTOR, "4512345")
    _add(uow, "Sam Okafor", Profession.NURSE, "12a 3456e")
    _add(uow, "Ravi Kumar", Profession.PHARMACIST, "2012345")
    listed = {p.name: p.registration for p in list_prescribers(uow)}
    assert listed == {
        "Dr Helen Morgan": "GMC 4512345",
        "Sam Okafor": "NMC 12A3456E",  # stored as the register prints it
        "Ravi Kumar": "GPhC 2012345",
    }


@pytest.mark.parametrize(
    ("profession", "number", "problem"),
    [
        (Profession.DOCTOR, "451234", "a GMC number is 7 digits"),
        (Profession.DOCTOR, "12A3456E", "a GMC number is 7 digits"),
        (Profession.NURSE, "4512345", "an NMC PIN is 2 digits, a letter, 4 digits and a letter"),
        (Profession.NURSE, "1A23456E", "an NMC PIN is 2 digits"),
        (Profession.PHARMACIST, "20123456", "a GPhC number is 7 digits"),
        (Profession.PHARMACIST, "", "is required (GPhC number)"),
    ],
)
def test_a_number_that_is_not_the_registers_shape_is_refused_naming_the_field(
    uow: UnitOfWork, profession: Profession, number: str, problem: str
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        _add(uow, "Dr Someone", profession, number)
    assert problem in failure.value.errors["registration_number"]
    assert list_prescribers(uow) == []


def test_the_same_number_on_the_same_register_is_refused_but_another_register_may_hold_it(
    uow: UnitOfWork,
) -> None:
    _add(uow, "Dr Helen Morgan", Profession.DOCTOR, "4512345")
    with pytest.raises(ValidationFailed) as failure:
        _add(uow, "Dr H Morgan", Profession.DOCTOR, "4512345")
    assert failure.value.errors["registration_number"] == (
        "GMC 4512345 is already on the list (Dr Helen Morgan)"
    )
    _add(uow, "Ravi Kumar", Profession.PHARMACIST, "4512345")  # GPhC is its own register
    assert len(list_prescribers(uow)) == 2


def test_only_the_manager_keeps_the_list(uow: UnitOfWork) -> None:
    details = PrescriberDetails("Dr Helen Morgan", "doctor", "4512345")
    with pytest.raises(NotPermitted, match="Only a manager can change the list of prescribers"):
        add_prescriber(uow, nurse(uow), details)


def test_a_link_to_an_app_user_must_be_a_prescriber_and_only_one_entry_each(
    uow: UnitOfWork,
) -> None:
    doctor = add_user(uow, "Dr Helen Morgan", Role.PRESCRIBER)
    receptionist = add_user(uow, "Jo Reception", Role.RECEPTIONIST)
    assert [u.display_name for u in prescriber_users(uow)] == ["Dr Helen Morgan"]
    with pytest.raises(ValidationFailed) as failure:
        _add(uow, "Jo", Profession.DOCTOR, "1111111", user_id=receptionist.id)
    assert failure.value.errors == {"user_id": "Jo Reception is a receptionist, not a prescriber"}
    _add(uow, "Dr Helen Morgan", Profession.DOCTOR, "4512345", user_id=doctor.id)
    with pytest.raises(ValidationFailed) as failure:
        _add(uow, "Dr H Morgan", Profession.DOCTOR, "2222222", user_id=doctor.id)
    assert failure.value.errors == {
        "user_id": "Dr Helen Morgan is already linked to Dr Helen Morgan"
    }
    (listed,) = list_prescribers(uow)
    assert listed.user_name == "Dr Helen Morgan"


def test_edit_and_deactivate_are_audited_and_an_inactive_prescriber_stays_listed(
    uow: UnitOfWork,
) -> None:
    boss = manager(uow)
    prescriber_id = _add(uow, "Dr Helen Morgn", Profession.DOCTOR, "4512345")
    (first,) = list_prescribers(uow)
    corrected = update_prescriber(
        uow,
        boss,
        prescriber_id,
        PrescriberDetails("Dr Helen Morgan", "doctor", "4512345"),
        expected_version=first.version,
    )
    assert corrected.name == "Dr Helen Morgan"
    with pytest.raises(Conflict, match="changed on another workstation"):
        deactivate_prescriber(uow, boss, prescriber_id, expected_version=first.version)
    gone = deactivate_prescriber(uow, boss, prescriber_id, expected_version=corrected.version)
    assert not gone.active
    assert [p.active for p in list_prescribers(uow)] == [False]
    assert list_prescribers(uow, include_inactive=False) == []
    back = reactivate_prescriber(uow, boss, prescriber_id, expected_version=gone.version)
    assert back.active
    with uow.read() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity == "prescriber", AuditEvent.entity_id == prescriber_id)
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["prescriber.manage"] * 4
