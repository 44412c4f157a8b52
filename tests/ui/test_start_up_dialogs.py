"""First run on an empty database, and choosing who is working."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from clinic_app.domain.codes import Role
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.users import list_active_users
from clinic_app.ui.first_run import FirstRunDialog
from clinic_app.ui.user_picker import UserPickerDialog
from tests.builders import add_user


def test_first_run_offers_the_demo_clinic(qtbot: QtBot) -> None:
    dialog = FirstRunDialog(300, "/tmp/clinic.sqlite")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "300" in dialog.demo_button.text()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert dialog.wants_demo


def test_first_run_can_set_up_an_empty_clinic_with_its_first_user(qtbot: QtBot) -> None:
    dialog = FirstRunDialog(300, "/tmp/clinic.sqlite")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.setup_button.isEnabled()  # a name is needed first
    qtbot.keyClicks(dialog.name, "Sam Patel")
    assert dialog.setup_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.setup_button, Qt.MouseButton.LeftButton)
    assert not dialog.wants_demo
    assert dialog.first_user() == ("Sam Patel", Role.MANAGER)


def test_user_picker_returns_the_chosen_person(qtbot: QtBot, clinic: UnitOfWork) -> None:
    add_user(clinic, "Amira Patel", Role.NURSE)
    add_user(clinic, "Jo Bennett", Role.RECEPTIONIST)
    dialog = UserPickerDialog(list_active_users(clinic))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.list.count() == 2
    dialog.list.setCurrentRow(1)
    chosen = dialog.chosen()
    assert chosen is not None and chosen.display_name == "Jo Bennett"
    assert chosen.as_actor().role is Role.RECEPTIONIST
