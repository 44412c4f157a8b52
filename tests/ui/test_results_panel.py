"""The Results tab, driven through its real widgets and dialogs on a SQLite clinic."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import LabTest, Role
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.lab_results import record_lab_result
from clinic_app.services.queries.lab_results import results_overview
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.lab_result_dialogs import (
    CorrectLabResultDialog,
    LabResultDialog,
    WithdrawLabResultDialog,
)
from clinic_app.ui.ops import Ops
from clinic_app.ui.results_panel import ResultsPanel
from tests.builders import make_actor, start_dose_course
from tests.ui.conftest import TODAY


def _panel(qtbot: QtBot, clinic: UnitOfWork, actor: Actor, patient_id: int) -> ResultsPanel:
    panel = ResultsPanel(Ops(clinic, actor, today=lambda: TODAY))
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    with qtbot.waitSignal(panel.loaded):
        panel.show_patient(patient_id)
    return panel


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _type(qtbot: QtBot, edit: QWidget, text: str) -> None:
    edit.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _save(qtbot: QtBot, panel: ResultsPanel, dialog: FormDialog) -> None:
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        _click(qtbot, dialog.ok_button)


def _counts(clinic: UnitOfWork, actor: Actor, patient: int, *values: tuple[int, float]) -> None:
    for days_ago, value in values:
        taken = TODAY - dt.timedelta(days=days_ago)
        record_lab_result(clinic, actor, patient, "platelets", value, "", taken, today=TODAY)


def test_the_tab_shows_the_latest_count_in_its_band_and_the_trend_with_the_band_edges(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    patient = roster_of_five[0]
    _counts(clinic, actor, patient, (60, 140), (30, 70), (2, 38))
    panel = _panel(qtbot, clinic, actor, patient)
    ModelTester(None).check(panel.model)
    assert panel.current_test is LabTest.PLATELETS
    band = panel.findChild(QLabel, "band_platelets")
    assert band is not None
    assert band.text() == "25-50: Low platelets: small needle and firm pressure"
    value = panel.findChild(QLabel, "latest_platelets")
    assert value is not None and "38 x10^9/L" in value.text()
    assert [v for _d, v in panel.chart.points] == [140, 70, 38]
    assert set(panel.chart.reference_values) == {50, 25, 10}
    assert len(panel.chart.chart().series()) == 4  # the trend and three band edges
    assert panel.model.rowCount() == 3


def test_entering_a_result_refuses_an_implausible_value_naming_the_field(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    panel = _panel(qtbot, clinic, actor, roster_of_five[0])
    assert panel.findChild(QLabel, "latestEmpty") is not None
    _click(qtbot, panel.enter_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, LabResultDialog) and dialog.isVisible()
    dialog.choose_test(LabTest.PLATELETS)
    assert dialog.unit.text() == "x10^9/L"  # from the lab tests file
    assert dialog.range_hint.text() == "Plausible: 0-2000 x10^9/L"
    assert dialog.taken_on.text() == "21/11/2026"  # today
    _type(qtbot, dialog.value, "2500")
    _type(qtbot, dialog.source, "Practice phlebotomy")
    _click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not dialog.busy)
    error = dialog.errors["value"]
    assert error.isVisible()
    assert error.text().startswith("Value 2500 is not a plausible platelet count (0-2000 x10^9/L)")
    assert dialog.isVisible()  # nothing saved, still open

    _type(qtbot, dialog.value, "250")
    _save(qtbot, panel, dialog)
    assert not dialog.isVisible()
    assert [panel.model.row_at(r).value for r in range(panel.model.rowCount())] == [250]
    assert panel.model.row_at(0).source == "Practice phlebotomy"
    assert panel.chart.points == ((TODAY, 250),)


def test_a_value_that_is_not_a_number_is_refused_before_saving(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    panel = _panel(qtbot, clinic, actor, roster_of_five[0])
    dialog = panel.open_entry(LabTest.INR)
    assert dialog is not None and dialog.unit.text() == ""
    _type(qtbot, dialog.value, "2,4")
    _click(qtbot, dialog.ok_button)
    assert dialog.errors["value"].text() == "Value is not a number (use a decimal point: 2.4)"
    assert not dialog.busy


def test_correcting_a_mistyped_count_strikes_it_out_and_the_trend_uses_the_correction(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    patient = roster_of_five[0]
    _counts(clinic, actor, patient, (30, 160), (1, 15))
    panel = _panel(qtbot, clinic, actor, patient)
    band = panel.findChild(QLabel, "band_platelets")
    assert band is not None and band.text().startswith("10-25: Hold")
    assert not panel.correct_button.isEnabled()  # nothing selected
    panel.table.selectRow(0)
    assert panel.correct_button.isEnabled()
    _click(qtbot, panel.correct_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, CorrectLabResultDialog)
    assert "marked entered in error" in dialog.findChildren(QLabel)[0].text()
    _type(qtbot, dialog.value, "150")
    _click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.errors["reason"].text().startswith("Reason is required")
    _type(qtbot, dialog.reason, "Typed 15 for 150")
    _save(qtbot, panel, dialog)

    rows = [panel.model.row_at(r) for r in range(panel.model.rowCount())]
    assert [(r.value, r.in_error) for r in rows] == [(150, False), (15, True), (160, False)]
    index = panel.model.index(1, 1)
    assert panel.model.data(index, Qt.ItemDataRole.FontRole).strikeOut()
    assert panel.model.data(panel.model.index(1, 4)) == "Entered in error: Typed 15 for 150"
    tooltip = panel.model.data(panel.model.index(1, 4), Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("Entered in error by Amira Patel")
    assert [v for _d, v in panel.chart.points] == [160, 150]
    band = panel.findChild(QLabel, "band_platelets")
    assert band is not None and band.text() == "over 50: Standard IM administration"
    panel.table.selectRow(1)
    assert not panel.correct_button.isEnabled()  # an entry in error is not corrected again


def test_monitoring_bloods_due_are_listed_and_entering_them_completes_them(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    patient = roster_of_five[0]
    start_dose_course(clinic, patient, "hydroxo-standard", start=TODAY - dt.timedelta(days=88))
    panel = _panel(qtbot, clinic, actor, patient)
    assert panel.due_box.isVisibleTo(panel)
    (due,) = results_overview(clinic, patient, today=TODAY).monitoring
    label = panel.findChild(QLabel, f"due_{due.appointment_id}")
    assert label is not None and "B12, FBC, homocysteine" in label.text()
    assert "none done yet" in label.text()
    for value in ("310", "140", "9"):
        button = panel.findChild(QPushButton, f"dueEnter_{due.appointment_id}")
        assert button is not None
        _click(qtbot, button)
        dialog = panel.active_dialog
        assert isinstance(dialog, LabResultDialog)
        _type(qtbot, dialog.value, value)
        _save(qtbot, panel, dialog)
    assert not panel.due_box.isVisibleTo(panel)  # all three done: the bloods are complete
    tests = {row.test for row in panel.overview.history} if panel.overview else set()
    assert tests == {LabTest.B12, LabTest.PLATELETS, LabTest.HOMOCYSTEINE}


def test_a_receptionist_sees_results_but_cannot_enter_them(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    _counts(clinic, actor, roster_of_five[0], (3, 200))
    receptionist = make_actor(clinic, "Front Desk", Role.RECEPTIONIST)
    panel = _panel(qtbot, clinic, receptionist, roster_of_five[0])
    assert panel.model.rowCount() == 1
    assert not panel.enter_button.isEnabled()
    assert "Only a nurse or prescriber" in panel.enter_button.toolTip()


def test_a_result_on_the_wrong_patient_is_marked_entered_in_error_with_nothing_in_its_place(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    patient = roster_of_five[0]
    _counts(clinic, actor, patient, (30, 160), (1, 15))
    panel = _panel(qtbot, clinic, actor, patient)
    panel.table.selectRow(0)  # the 15, someone else's count
    _click(qtbot, panel.withdraw_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, WithdrawLabResultDialog)
    _click(qtbot, dialog.ok_button)
    assert dialog.errors["reason"].isVisible()  # a reason is required; nothing saved
    qtbot.keyClicks(dialog.reason, "Entered on the wrong patient")
    _save(qtbot, panel, dialog)

    rows = [panel.model.row_at(r) for r in range(panel.model.rowCount())]
    assert [(r.value, r.in_error) for r in rows] == [(15, True), (160, False)]
    band = panel.findChild(QLabel, "band_platelets")
    assert band is not None and band.text() == "over 50: Standard IM administration"
