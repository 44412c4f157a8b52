"""The manager's list of prescribers, through the real dialog (pytest-qt)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from clinic_app.domain.codes import Profession, Role
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.prescribers import list_prescribers
from clinic_app.ui.ops import Ops
from clinic_app.ui.prescribers_dialog import PrescribersDialog
from tests.builders import add_prescriber, add_user, make_actor, manager


def _dialog(qtbot: QtBot, clinic: UnitOfWork, ops: Ops) -> PrescribersDialog:
    dialog = PrescribersDialog(ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not ops.busy)
    return dialog


def _cells(dialog: PrescribersDialog) -> list[list[str]]:
    model = dialog.model
    return [
        [model.data(model.index(row, column)) for column in range(model.columnCount())]
        for row in range(model.rowCount(QModelIndex()))
    ]


def test_a_manager_adds_edits_and_deactivates_a_prescriber(
    qtbot: QtBot, clinic: UnitOfWork
) -> None:
    boss = manager(clinic)
    doctor = add_user(clinic, "Dr Helen Morgan", Role.PRESCRIBER)
    ops = Ops(clinic, boss)
    dialog = _dialog(qtbot, clinic, ops)
    assert _cells(dialog) == []
    assert "No prescribers yet" in dialog.message.text()

    form = dialog.open_add()
    qtbot.keyClicks(form.name, "Dr Helen Morgan")
    qtbot.keyClicks(form.number, "451234")  # a digit short
    error = form.errors["registration_number"]
    assert error.isVisible()
    assert (
        error.text()
        == "Number 451234 is not a valid GMC number: a GMC number is 7 digits (e.g. 1234567)"
    )
    form.submit()
    assert not form.busy  # refused on the form: nothing sent
    qtbot.keyClicks(form.number, "5")
    assert not error.isVisible()
    form.user.setCurrentIndex(form.user.findData(doctor.id))
    with qtbot.waitSignal(form.saved, timeout=10_000):
        form.submit()
    qtbot.waitUntil(lambda: dialog.model.rowCount(QModelIndex()) == 1)
    assert _cells(dialog) == [
        ["Dr Helen Morgan", "Doctor (GMC)", "GMC 4512345", "Dr Helen Morgan", "Active"]
    ]

    dialog.table.selectRow(0)
    form = dialog.open_edit()
    assert form is not None and form.number.text() == "4512345"
    form.profession.setCurrentIndex(form.profession.findData(Profession.NURSE.value))
    assert (
        "is not a valid NMC number: an NMC PIN is 2 digits"
        in form.errors["registration_number"].text()
    )
    form.number.setText("12A3456E")
    form.name.setText("Helen Morgan")
    with qtbot.waitSignal(form.saved, timeout=10_000):
        form.submit()
    qtbot.waitUntil(lambda: _cells(dialog)[0][2] == "NMC 12A3456E")

    dialog.table.selectRow(0)
    assert dialog.active_button.text() == "Deactivate"
    with qtbot.waitSignal(ops.changed, timeout=10_000):
        dialog.active_button.click()
    qtbot.waitUntil(lambda: _cells(dialog)[0][4] == "Inactive")
    assert dialog.model.data(dialog.model.index(0, 0), Qt.ItemDataRole.ForegroundRole)
    assert dialog.active_button.text() == "Reactivate"
    assert list_prescribers(clinic, include_inactive=False) == []


def test_a_duplicate_number_is_refused_beside_the_field(qtbot: QtBot, clinic: UnitOfWork) -> None:
    add_prescriber(clinic, "Dr Helen Morgan", Profession.DOCTOR, "4512345")
    dialog = _dialog(qtbot, clinic, Ops(clinic, manager(clinic)))
    form = dialog.open_add()
    qtbot.keyClicks(form.name, "Dr H Morgan")
    qtbot.keyClicks(form.number, "4512345")
    form.submit()
    qtbot.waitUntil(lambda: not form.busy)
    assert form.errors["registration_number"].text() == (
        "Number GMC 4512345 is already on the list (Dr Helen Morgan)"
    )
    assert form.isVisible()


def test_a_nurse_sees_the_list_but_cannot_change_it(qtbot: QtBot, clinic: UnitOfWork) -> None:
    add_prescriber(clinic)
    nurse = make_actor(clinic, "Amira Patel (RN)", Role.NURSE)
    dialog = _dialog(qtbot, clinic, Ops(clinic, nurse))
    qtbot.waitUntil(lambda: dialog.model.rowCount(QModelIndex()) == 1)
    dialog.table.selectRow(0)
    assert not dialog.add_button.isEnabled()
    assert not dialog.edit_button.isEnabled()
    assert not dialog.active_button.isEnabled()
    assert "Only a manager can change the list of prescribers" in dialog.message.text()


def test_the_prescribers_model_passes_the_qt_model_tester(
    qtmodeltester: ModelTester, qtbot: QtBot, clinic: UnitOfWork
) -> None:
    add_prescriber(clinic)
    dialog = _dialog(qtbot, clinic, Ops(clinic, manager(clinic)))
    qtbot.waitUntil(lambda: dialog.model.rowCount(QModelIndex()) == 1)
    qtmodeltester.check(dialog.model)
