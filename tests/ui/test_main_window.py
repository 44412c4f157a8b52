"""The main window as a receptionist uses it: search, open, edit, add."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from clinic_app.domain.actor import Actor
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.queries.patients import get_patient
from clinic_app.ui.main_window import MainWindow
from clinic_app.ui.ops import Ops
from tests.ui.conftest import TODAY


def _window(qtbot: QtBot, clinic: UnitOfWork, actor: Actor) -> MainWindow:
    window = MainWindow(
        Ops(clinic, actor, today=lambda: TODAY),
        library=load_protocol_library(),
        database_description="test.sqlite",
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.roster.busy)
    return window


def _type(qtbot: QtBot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(window.roster.search, text)
    qtbot.waitUntil(lambda: not window.roster.busy)


def test_search_narrows_the_roster_as_you_type(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    window = _window(qtbot, clinic, actor)
    model = window.roster_model
    assert model.rowCount() == 5
    assert window.roster.summary.text() == "5 patients"
    _type(qtbot, window, "smith")
    assert model.rowCount() == 3
    _type(qtbot, window, "s")
    assert model.rowCount() == 1
    assert model.data(model.index(0, 0)) == "SMITHSON, John"
    assert window.roster.summary.text() == "1 patient"


def test_selecting_a_patient_opens_their_details_and_edits_save(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    window = _window(qtbot, clinic, actor)
    qtbot.keyClicks(window.roster.search, "obrien")  # Enter before the results: still right
    with qtbot.waitSignal(window.patient_shown):
        qtbot.keyClick(window.roster.search, Qt.Key.Key_Return)
    form = window.patient_form
    assert window.pages.currentWidget() is window.patient_tabs
    assert form.heading.text() == "O'BRIEN, Sean"
    form.inputs["town"].setText("")
    qtbot.keyClicks(form.inputs["town"], "Harrogate")
    with qtbot.waitSignal(form.save_finished):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert get_patient(clinic, roster_of_five[3]).details.town == "Harrogate"
    assert "Saved Sean O'Brien" in window.statusBar().currentMessage()


def test_new_patient_appears_in_the_roster_once_saved(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    window = _window(qtbot, clinic, actor)
    window.new_patient_action.trigger()
    form = window.patient_form
    assert form.heading.text() == "New patient"
    for field, text in (
        ("nhs_number", "943 476 5919"),
        ("given_name", "Ada"),
        ("family_name", "Lovelace"),
        ("date_of_birth", "10/12/1955"),
        ("phone", "07700 900555"),
    ):
        qtbot.keyClicks(form.inputs[field], text)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.roster.summary.text() == "6 patients")
    qtbot.waitUntil(lambda: window.roster.selected_patient_id() is not None)
    assert window.roster_model.row_of_patient(form.record.id if form.record else -1) is not None
    assert window.roster.summary.text() == "6 patients"
    assert window.roster.selected_patient_id() == form.record.id  # type: ignore[union-attr]


def test_the_clinic_menu_opens_the_list_of_prescribers(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor
) -> None:
    window = _window(qtbot, clinic, actor)
    clinic_menu = next(
        action.menu() for action in window.menuBar().actions() if action.text() == "&Clinic"
    )
    assert window.prescribers_action in clinic_menu.actions()
    dialog = window.open_prescribers()
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowTitle() == "Prescribers"
    dialog.close()
