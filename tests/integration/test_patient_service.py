"""Adding and editing patients through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from clinic_app.domain.errors import Conflict
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import AuditEvent, Patient
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.patients import create_patient, update_patient
from clinic_app.services.queries.patients import get_patient
from tests.builders import details, make_actor


def test_create_then_read_back(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    created = create_patient(uow, actor, details(postcode="ls1 4ap"))
    loaded = get_patient(uow, created.id)
    assert loaded.details == created.details
    assert loaded.details.postcode == "LS1 4AP"
    assert loaded.updated_by == "Amira Patel"


def test_invalid_details_are_refused_and_nothing_is_saved(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    with pytest.raises(ValidationFailed) as failure:
        create_patient(uow, actor, details(nhs_number="9434765918", family_name=""))
    assert set(failure.value.errors) == {"nhs_number", "family_name"}
    with uow.read() as session:
        assert session.scalars(select(Patient)).all() == []
        assert session.scalars(select(AuditEvent).where(AuditEvent.entity == "patient")).all() == []


def test_duplicate_nhs_number_names_the_other_patient(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    create_patient(uow, actor, details(1))
    with pytest.raises(ValidationFailed) as failure:
        create_patient(uow, actor, details(1, given_name="Other"))
    assert "Margaret Smith" in failure.value.errors["nhs_number"]


def test_update_records_who_changed_what(uow: UnitOfWork) -> None:
    nurse = make_actor(uow)
    receptionist = make_actor(uow, "Jo Bennett")
    created = create_patient(uow, nurse, details())
    updated = update_patient(
        uow,
        receptionist,
        created.id,
        replace(created.details, phone="07700 900999"),
        expected_version=created.version,
    )
    assert updated.details.phone == "07700 900999"
    assert updated.updated_by == "Jo Bennett"
    with uow.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "patient.update")
        ).one()
    assert event.user_id == receptionist.user_id
    assert json.loads(event.detail)["phone"] == ["07700 900123", "07700 900999"]


def test_a_stale_edit_from_another_workstation_is_refused(uow: UnitOfWork) -> None:
    actor = make_actor(uow)
    created = create_patient(uow, actor, details())
    update_patient(
        uow, actor, created.id, replace(created.details, town="Leeds"), expected_version=1
    )
    with pytest.raises(Conflict):
        update_patient(
            uow, actor, created.id, replace(created.details, town="York"), expected_version=1
        )
    assert get_patient(uow, created.id).details.town == "Leeds"
