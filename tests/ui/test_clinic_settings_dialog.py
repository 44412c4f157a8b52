"""Clinic settings: every field with its help, checked together, saved field by field."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from clinic_app.domain.actor import Actor
from clinic_app.domain.clinic_settings import SETTING_HELP, ClinicSettings
from clinic_app.persistence.models import AuditEvent
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.settings import load_settings
from clinic_app.ui.clinic_settings_dialog import ClinicSettingsDialog


@pytest.fixture
def dialog(qtbot: QtBot, clinic: UnitOfWork, actor: Actor) -> ClinicSettingsDialog:
    widget = ClinicSettingsDialog(clinic, actor)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def setting_changes(uow: UnitOfWork) -> list[str]:
    with uow.read() as session:
        return list(
            session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "setting.change"))
        )


def test_the_form_shows_every_setting_with_its_help(dialog: ClinicSettingsDialog) -> None:
    assert set(dialog.errors) == set(SETTING_HELP)
    assert dialog.country.text() == "GB" and dialog.subdivision.text() == "ENG"
    assert [n for n, box in dialog.open_days.items() if box.isChecked()] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
    assert dialog.spins["booking_horizon_weeks"].value() == 12
    assert dialog.inr_ceiling.value() == 3.0
    assert dialog.spins["low_stock_threshold"].toolTip() == SETTING_HELP["low_stock_threshold"]
    assert dialog.settings() == ClinicSettings()


def test_an_invalid_value_is_named_beside_its_field_and_nothing_is_saved(
    dialog: ClinicSettingsDialog, clinic: UnitOfWork
) -> None:
    dialog.spins["low_stock_threshold"].setValue(35)  # valid on its own
    dialog.spins["booking_horizon_weeks"].setValue(0)
    for box in dialog.open_days.values():
        box.setChecked(False)
    dialog.save_button.click()
    assert dialog.errors["booking_horizon_weeks"].isVisible()
    assert dialog.errors["booking_horizon_weeks"].text() == "must be at least 1"
    assert "at least one" in dialog.errors["open_days"].text()
    assert not dialog.errors["low_stock_threshold"].isVisible()
    assert "Nothing saved" in dialog.status.text()
    assert load_settings(clinic) == ClinicSettings()
    assert setting_changes(clinic) == []


def test_an_unknown_region_is_refused(dialog: ClinicSettingsDialog, clinic: UnitOfWork) -> None:
    dialog.subdivision.setText("XYZ")
    dialog.save_button.click()
    assert "no public holidays known" in dialog.errors["subdivision"].text()
    assert load_settings(clinic).subdivision == "ENG"


def test_valid_changes_are_saved_and_a_calendar_change_says_plans_follow(
    qtbot: QtBot, dialog: ClinicSettingsDialog, clinic: UnitOfWork
) -> None:
    dialog.spins["low_stock_threshold"].setValue(35)
    dialog.inr_ceiling.setValue(3.5)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save_button.click()
    assert saved.args == [["inr_ceiling", "low_stock_threshold"]]
    stored = load_settings(clinic)
    assert (stored.low_stock_threshold, stored.inr_ceiling) == (35, 3.5)
    assert "re-planned" not in dialog.status.text()
    assert len(setting_changes(clinic)) == 2

    dialog.open_days["sat"].setChecked(True)
    dialog.save_button.click()
    assert load_settings(clinic).open_days == ("mon", "tue", "wed", "thu", "fri", "sat")
    assert "re-planned at the next daily upkeep" in dialog.status.text()


def test_moving_to_another_country_saves_country_and_region_together(
    dialog: ClinicSettingsDialog, clinic: UnitOfWork
) -> None:
    dialog.country.setText("de")
    dialog.subdivision.setText("by")
    dialog.save_button.click()
    stored = load_settings(clinic)
    assert (stored.country, stored.subdivision) == ("DE", "BY")
    assert not any(label.isVisible() for label in dialog.errors.values())
