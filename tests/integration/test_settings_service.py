"""Saving clinic settings: every change in one transaction, or none of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from clinic_app.domain.actor import Actor
from clinic_app.domain.changes import Change
from clinic_app.domain.clinic_settings import ClinicSettings
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.persistence.models import AuditEvent, ClinicSetting
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.settings import change_settings
from clinic_app.services.queries.settings import load_settings
from tests.builders import make_actor


@pytest.fixture
def actor(uow: UnitOfWork) -> Actor:
    return make_actor(uow, "Priya Shah")


@pytest.fixture
def commits(engine: Engine) -> Iterator[list[int]]:
    """One entry per transaction the database committed (a real listener, no mock)."""
    seen: list[int] = []

    def count(_connection: Any) -> None:
        seen.append(1)

    event.listen(engine, "commit", count)
    yield seen
    event.remove(engine, "commit", count)


def audit_details(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.read() as session:
        rows = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "setting.change")
            .order_by(AuditEvent.id)
        )
        return [json.loads(detail) for detail in rows]


def stored_keys(uow: UnitOfWork) -> list[str]:
    with uow.read() as session:
        return list(session.scalars(select(ClinicSetting.key).order_by(ClinicSetting.key)))


def test_a_new_clinic_reads_the_declared_defaults(uow: UnitOfWork) -> None:
    assert load_settings(uow) == ClinicSettings()


def test_two_changes_are_saved_in_one_transaction_with_an_audit_row_each(
    uow: UnitOfWork, actor: Actor, commits: list[int]
) -> None:
    done = change_settings.run(
        uow, actor, {"low_stock_threshold": 35, "open_days": ["mon", "wed", "fri"]}
    )
    assert len(commits) == 1
    assert done.value.changed == ("open_days", "low_stock_threshold")
    assert done.changes.touches(Change.SETTINGS)
    stored = load_settings(uow)
    assert stored == done.value.settings
    assert (stored.low_stock_threshold, stored.open_days) == (35, ("mon", "wed", "fri"))
    assert audit_details(uow) == [
        {
            "name": "open_days",
            "before": ["mon", "tue", "wed", "thu", "fri"],
            "after": ["mon", "wed", "fri"],
        },
        {"name": "low_stock_threshold", "before": 20, "after": 35},
    ]


def test_one_bad_field_saves_nothing_and_the_message_names_it(
    uow: UnitOfWork, actor: Actor, commits: list[int]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        change_settings(
            uow, actor, {"low_stock_threshold": 35, "booking_horizon_weeks": 0, "country": "GB"}
        )
    assert refused.value.errors == {"booking_horizon_weeks": "must be at least 1"}
    assert "booking_horizon_weeks: must be at least 1" in str(refused.value)
    assert commits == []
    assert load_settings(uow) == ClinicSettings()
    assert stored_keys(uow) == [] and audit_details(uow) == []


def test_every_bad_field_is_named_at_once(uow: UnitOfWork, actor: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        change_settings(
            uow,
            actor,
            {"open_days": [], "subdivision": "XYZ", "inr_ceiling": 99.0, "colour": "blue"},
        )
    # An unknown name is refused before the values are looked at.
    assert refused.value.errors == {"colour": "is not a clinic setting"}
    with pytest.raises(ValidationFailed) as refused:
        change_settings(uow, actor, {"open_days": [], "subdivision": "XYZ", "inr_ceiling": 99.0})
    assert set(refused.value.errors) == {"open_days", "subdivision", "inr_ceiling"}
    assert load_settings(uow) == ClinicSettings()


def test_country_and_region_move_together(uow: UnitOfWork, actor: Actor) -> None:
    # Neither is valid alone with the other's old value (DE has no ENG, GB no BY).
    saved = change_settings(uow, actor, {"country": " de", "subdivision": "by "})
    assert (saved.settings.country, saved.settings.subdivision) == ("DE", "BY")
    assert [d["name"] for d in audit_details(uow)] == ["country", "subdivision"]
    later = change_settings(uow, actor, {"inr_ceiling": 2.5})
    assert load_settings(uow) == later.settings
    assert (later.settings.country, later.settings.inr_ceiling) == ("DE", 2.5)


def test_saving_the_values_already_stored_changes_nothing(uow: UnitOfWork, actor: Actor) -> None:
    change_settings(uow, actor, {"expiry_warning_days": 45})
    done = change_settings.run(uow, actor, {"expiry_warning_days": 45, "country": "gb"})
    assert done.value.changed == ()
    assert not done.changes
    assert len(audit_details(uow)) == 1
