"""The envelope every write goes through: permission first, all or nothing, audit, Changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from clinic_app.domain.actor import Actor
from clinic_app.domain.changes import Change
from clinic_app.domain.codes import Role
from clinic_app.domain.permissions import Action
from clinic_app.persistence.models import AuditEvent, ClinicSetting
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.envelope import JobWork, NotPermitted, Work, command, job
from tests.builders import make_actor


def _settings(uow: UnitOfWork) -> list[str]:
    with uow.read() as session:
        return list(session.scalars(select(ClinicSetting.key).order_by(ClinicSetting.key)))


def _audit_rows(uow: UnitOfWork) -> list[tuple[str, str, int | None]]:
    with uow.read() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.entity, AuditEvent.entity_id)
            .where(AuditEvent.action.like("setting.%"))
            .order_by(AuditEvent.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


@command(Action.CHANGE_SETTINGS, Change.SETTINGS)
def _store(work: Work, key: str, *, fail: bool = False) -> str:
    work.session.add(ClinicSetting(key=key, value='"x"', updated_by=work.actor.user_id))
    work.session.flush()
    work.audit("clinic_setting", None, {"name": key}, after="x")
    if fail:
        raise RuntimeError("failed after writing")
    return key


@command(Action.CHANGE_SETTINGS, Change.SETTINGS)
def _store_silently(work: Work, key: str) -> None:
    work.session.add(ClinicSetting(key=key, value='"y"'))


def test_a_transaction_left_without_commit_keeps_nothing(uow: UnitOfWork) -> None:
    with uow.transaction() as tx:
        tx.session.add(ClinicSetting(key="test.uncommitted", value="1"))
        tx.session.flush()
    assert "test.uncommitted" not in _settings(uow)
    with uow.transaction() as tx:
        tx.session.add(ClinicSetting(key="test.committed", value="1"))
        tx.commit()
    assert "test.committed" in _settings(uow)


def test_a_command_commits_its_change_with_its_audit_row_and_says_what_changed(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow, role=Role.MANAGER)
    done = _store.run(uow, actor, "test.one")
    assert done.value == "test.one"
    assert done.changes.touches(Change.SETTINGS)
    assert not done.changes.touches(Change.PATIENTS)
    assert "test.one" in _settings(uow)
    assert _audit_rows(uow) == [("setting.change", "clinic_setting", None)]


def test_a_command_that_fails_half_way_leaves_neither_change_nor_audit_row(
    uow: UnitOfWork,
) -> None:
    actor = make_actor(uow, role=Role.MANAGER)
    with pytest.raises(RuntimeError, match="failed after writing"):
        _store(uow, actor, "test.two", fail=True)
    assert "test.two" not in _settings(uow)
    assert _audit_rows(uow) == []


def test_a_command_that_notes_no_audit_row_still_gets_one_for_its_action(
    uow: UnitOfWork,
) -> None:
    _store_silently(uow, make_actor(uow), "test.three")
    assert _audit_rows(uow) == [("setting.change", "setting", None)]


def test_a_refused_role_is_stopped_before_any_database_work(uow: UnitOfWork) -> None:
    nobody = Actor(user_id=10_000, display_name="Nobody", role=Role.RECEPTIONIST)

    @command(Action.RECORD_ADMINISTRATION)
    def record(work: Work) -> None:
        raise AssertionError("the function must not run for a refused role")

    with pytest.raises(NotPermitted, match="Only a nurse or prescriber can record an injection"):
        record(uow, nobody)


def test_a_job_commits_each_batch_on_its_own(uow: UnitOfWork) -> None:
    actor = make_actor(uow, role=Role.MANAGER)

    @job(Action.CHANGE_SETTINGS, Change.SETTINGS)
    def two_batches(work: JobWork) -> None:
        with work.batch() as batch:
            batch.session.add(ClinicSetting(key="test.batch1", value="1"))
            batch.audit("clinic_setting", None, {"name": "test.batch1"})
        with work.batch() as batch:
            batch.session.add(ClinicSetting(key="test.batch2", value="1"))
            raise RuntimeError("second batch fails")

    with pytest.raises(RuntimeError):
        two_batches(uow, actor)
    assert "test.batch1" in _settings(uow)
    assert "test.batch2" not in _settings(uow)
    with uow.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) >= 1
