"""The main window on a demo clinic, as someone exploring it on first run would see it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from clinic_app.clinic_db import open_clinic_database
from clinic_app.demo.clinic import create_demo_clinic
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.queries.users import list_active_users
from clinic_app.settings import load_settings
from clinic_app.ui.main_window import MainWindow
from clinic_app.ui.ops import Ops


def test_exploring_the_demo_clinic(qtbot: QtBot, tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    clinic = open_clinic_database(settings)
    create_demo_clinic(clinic.uow, patients=80)
    library = load_protocol_library()
    nurse = list_active_users(clinic.uow)[0]
    window = MainWindow(
        Ops(clinic.uow, nurse.as_actor()),
        library=library,
        database_description=clinic.description,
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.roster.summary.text() == "80 patients")
    model = window.roster_model
    regimens = {model.data(model.index(row, 4)) for row in range(model.rowCount())}
    assert regimens & set(library.ids())
    next_due = [model.data(model.index(row, 5)) for row in range(model.rowCount())]
    assert any(next_due), "active courses show their next due date"

    window.roster.regimen_filter.setCurrentIndex(
        window.roster.regimen_filter.findData("hydroxo-neuro")
    )
    qtbot.waitUntil(lambda: not window.roster.busy)
    assert all(model.data(model.index(r, 4)) == "hydroxo-neuro" for r in range(model.rowCount()))

    with qtbot.waitSignal(window.patient_shown):
        window.roster.table.selectRow(0)
    form = window.patient_form
    assert form.heading.text() == model.data(model.index(0, 0))
    assert form.flags["neuro_involvement"].isChecked()
    qtbot.keyClick(window.roster.search, Qt.Key.Key_Escape)
    assert "last changed" in form.subheading.text()
    assert dt.date.today().strftime("%d/%m/%Y") in form.subheading.text()
    clinic.engine.dispose()


def test_the_patient_in_hand_follows_into_courses_calendar_and_recording(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Choosing a patient in the roster sets them in every view a nurse moves to."""
    from clinic_app.ui.record_dose_dialog import RecordDoseDialog

    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'clinic.sqlite'}")
    clinic = open_clinic_database(settings)
    create_demo_clinic(clinic.uow, patients=60)
    nurse = list_active_users(clinic.uow)[0]
    window = MainWindow(
        Ops(clinic.uow, nurse.as_actor()),
        library=load_protocol_library(),
        database_description=clinic.description,
    )
    qtbot.addWidget(window)
    window.show()
    assert not window.record_action.isEnabled()  # nobody chosen yet

    window.roster.regimen_filter.setCurrentIndex(
        window.roster.regimen_filter.findData("hydroxo-standard")
    )
    qtbot.waitUntil(lambda: not window.roster.busy)
    with qtbot.waitSignal(window.course_panel.loaded):
        window.roster.table.selectRow(0)
    patient_id = window.roster.selected_patient_id()
    assert patient_id is not None
    assert window.course_panel.course_title.text()  # their course is shown
    assert window.calendar.patient_id == patient_id
    assert window.record_action.isEnabled()

    window.sections.setCurrentWidget(window.calendar)
    assert window.sections.currentIndex() == 1
    with qtbot.waitSignal(window.recording_opened) as opened:
        window.record_action.trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, RecordDoseDialog) and dialog.isVisible()
    dialog.reject()
    clinic.engine.dispose()
