"""Clinic settings: a form built from the declarations, saved in one go off the GUI thread."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel, QLineEdit, QScrollArea, QSpinBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from clinic_app.domain.actor import Actor
from clinic_app.domain.clinic_settings import SETTINGS, ClinicSettings
from clinic_app.persistence.models import AuditEvent
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.settings import load_settings
from clinic_app.ui.clinic_settings_dialog import ClinicSettingsDialog
from clinic_app.ui.ops import Ops


@pytest.fixture
def dialog(qtbot: QtBot, clinic: UnitOfWork, actor: Actor) -> ClinicSettingsDialog:
    widget = ClinicSettingsDialog(Ops(clinic, actor))
    qtbot.addWidget(widget)
    widget.resize(1024, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.ready)
    return widget


def spin(dialog: ClinicSettingsDialog, name: str) -> QSpinBox:
    found = dialog.findChild(QSpinBox, name)
    assert found is not None
    return found


def text(dialog: ClinicSettingsDialog, name: str) -> QLineEdit:
    found = dialog.findChild(QLineEdit, name)
    assert found is not None
    return found


def day(dialog: ClinicSettingsDialog, name: str) -> QCheckBox:
    found = dialog.findChild(QCheckBox, f"open_days_{name}")
    assert found is not None
    return found


def inr(dialog: ClinicSettingsDialog) -> QDoubleSpinBox:
    found = dialog.findChild(QDoubleSpinBox, "inr_ceiling")
    assert found is not None
    return found


def save(qtbot: QtBot, dialog: ClinicSettingsDialog) -> None:
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.ready)


def setting_changes(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.read() as session:
        rows = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "setting.change")
            .order_by(AuditEvent.id)
        )
        return [json.loads(detail) for detail in rows]


def test_the_form_shows_every_declared_setting_with_its_label_help_unit_and_range(
    dialog: ClinicSettingsDialog,
) -> None:
    assert list(dialog.inputs) == list(SETTINGS)
    for name, declared in SETTINGS.items():
        label = dialog.findChild(QLabel, f"label_{name}")
        assert label is not None and label.text() == declared.label
        assert label.isVisibleTo(dialog)
        hints = [h.text() for h in dialog.inputs[name].widget.parent().findChildren(QLabel)]
        assert declared.help in hints
    booking = spin(dialog, "booking_horizon_weeks")
    assert booking.suffix() == " weeks"
    assert (booking.minimum(), booking.maximum()) == (1, SETTINGS["booking_horizon_weeks"].maximum)
    assert booking.value() == 12
    assert inr(dialog).value() == 3.0
    assert inr(dialog).specialValueText() == "No ceiling"
    assert text(dialog, "country").maxLength() == 3
    assert [
        n for n in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if day(dialog, n).isChecked()
    ] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
    assert dialog.values() == {name: getattr(ClinicSettings(), name) for name in SETTINGS}


def test_two_changes_are_saved_in_one_go(
    qtbot: QtBot, dialog: ClinicSettingsDialog, clinic: UnitOfWork
) -> None:
    spin(dialog, "low_stock_threshold").setValue(35)
    inr(dialog).setValue(3.5)
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save_button.click()
    assert saved.args == [["inr_ceiling", "low_stock_threshold"]]
    stored = load_settings(clinic)
    assert (stored.low_stock_threshold, stored.inr_ceiling) == (35, 3.5)
    # The envelope's audit rows carry "before" and "after" (they said "from"/"to"
    # when each setting was its own save); one row per changed setting.
    assert setting_changes(clinic) == [
        {"name": "inr_ceiling", "before": 3.0, "after": 3.5},
        {"name": "low_stock_threshold", "before": 20, "after": 35},
    ]
    assert dialog.status.text() == "Saved: INR ceiling, Low stock at."
    qtbot.waitUntil(lambda: dialog.ready)
    save(qtbot, dialog)
    assert dialog.status.text() == "Nothing has changed."


def test_bad_fields_are_named_beside_them_and_nothing_is_saved(
    qtbot: QtBot, dialog: ClinicSettingsDialog, clinic: UnitOfWork
) -> None:
    spin(dialog, "low_stock_threshold").setValue(35)  # valid on its own
    text(dialog, "subdivision").setText("XYZ")
    for name in SETTINGS["open_days"].choices:
        day(dialog, name).setChecked(False)
    save(qtbot, dialog)
    assert "no public holidays known" in dialog.errors["subdivision"].text()
    assert dialog.errors["subdivision"].isVisible()
    assert "at least one" in dialog.errors["open_days"].text()
    assert not dialog.errors["low_stock_threshold"].isVisible()
    assert dialog.status.text() == "Nothing saved: correct Region, Open days."
    assert load_settings(clinic) == ClinicSettings()
    assert setting_changes(clinic) == []

    text(dialog, "subdivision").setText("ENG")
    day(dialog, "wed").setChecked(True)
    save(qtbot, dialog)
    assert not any(label.isVisible() for label in dialog.errors.values())
    assert load_settings(clinic).open_days == ("wed",)


def test_a_calendar_change_says_plans_follow(
    qtbot: QtBot, dialog: ClinicSettingsDialog, clinic: UnitOfWork
) -> None:
    day(dialog, "sat").setChecked(True)
    save(qtbot, dialog)
    assert load_settings(clinic).open_days == ("mon", "tue", "wed", "thu", "fri", "sat")
    assert "re-planned at the next daily upkeep" in dialog.status.text()


def test_moving_to_another_country_saves_country_and_region_together(
    qtbot: QtBot, dialog: ClinicSettingsDialog, clinic: UnitOfWork
) -> None:
    text(dialog, "country").setText("de")
    text(dialog, "subdivision").setText("by")
    save(qtbot, dialog)
    stored = load_settings(clinic)
    assert (stored.country, stored.subdivision) == ("DE", "BY")
    assert text(dialog, "country").text() == "DE"
    assert not any(label.isVisible() for label in dialog.errors.values())


def test_the_form_fits_a_small_screen_by_scrolling(
    qtbot: QtBot, dialog: ClinicSettingsDialog
) -> None:
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 700
    assert (dialog.width(), dialog.height()) == (1024, 700)
    scroll = dialog.findChild(QScrollArea, "settingsScroll")
    assert scroll is not None
    last = dialog.inputs["low_stock_threshold"].widget
    scroll.ensureWidgetVisible(last)
    assert not last.visibleRegion().isEmpty()
    assert dialog.save_button.isVisible()
    # At its narrowest no field is cut off at the side (there is no sideways scroll).
    dialog.resize(100, 400)
    qtbot.waitUntil(lambda: dialog.width() < 1024)
    assert dialog.width() == max(hint.width(), dialog.minimumWidth())
    sunday = day(dialog, "sun")
    scroll.ensureWidgetVisible(sunday)
    assert sunday.visibleRegion().boundingRect() == sunday.rect()
