"""The Courses tab, driven through its real widgets and dialogs on a SQLite clinic."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import CourseEndReason, Role
from clinic_app.domain.course_warnings import RENAL_CYANOCOBALAMIN
from clinic_app.persistence.models import SafetyAcknowledgement
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.courses import start_course
from clinic_app.services.commands.patients import create_patient
from clinic_app.services.commands.recording import record_administration
from clinic_app.services.commands.settings import change_settings
from clinic_app.services.library.protocols import load_protocol_library
from clinic_app.services.queries.courses import EntryKind, course_timeline, list_courses
from clinic_app.ui.course_dialogs import EndCourseDialog, EndLoadingDialog, FrequencyDialog
from clinic_app.ui.course_panel import CoursePanel
from clinic_app.ui.dose_error_dialog import DoseErrorDialog
from clinic_app.ui.ops import Ops
from clinic_app.ui.review_dialog import ReviewHeldDialog
from clinic_app.ui.start_course_dialog import StartCourseDialog
from clinic_app.ui.timeline_model import KIND_ROLE, STATUS, TimelineModel
from tests.builders import (
    add_lot,
    add_product,
    details,
    due_appointment,
    given_input,
    lot_remaining,
    make_actor,
    start_dose_course,
    the_prescriber,
)
from tests.ui.conftest import TODAY

LIBRARY = load_protocol_library()


def _panel(qtbot: QtBot, clinic: UnitOfWork, actor: Actor, patient_id: int) -> CoursePanel:
    panel = CoursePanel(Ops(clinic, actor, today=lambda: TODAY), LIBRARY)
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    with qtbot.waitSignal(panel.loaded):
        panel.show_patient(patient_id)
    return panel


def _start(clinic: UnitOfWork, actor: Actor, patient_id: int, protocol_id: str) -> None:
    start_course(
        clinic,
        actor,
        patient_id,
        protocol_id,
        TODAY,
        prescriber_id=the_prescriber(clinic),
        today=TODAY,
    )


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _type(qtbot: QtBot, edit: QWidget, text: str) -> None:
    edit.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _statuses(panel: CoursePanel) -> list[str]:
    model = panel.model
    return [model.data(model.index(row, STATUS)) for row in range(model.rowCount())]


def test_starting_a_course_through_the_dialog_shows_its_timeline(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    the_prescriber(clinic)  # Dr Helen Morgan on the clinic's list
    panel = _panel(qtbot, clinic, actor, roster_of_five[0])
    assert "No course yet" in panel.message.text()
    assert not panel.frequency_button.isEnabled() and not panel.end_course_button.isEnabled()
    _click(qtbot, panel.start_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, StartCourseDialog) and dialog.isVisible()
    dialog.select_template("hydroxo-standard")
    details_text = dialog.details.toPlainText()
    assert "3 times a week for 2 weeks" in details_text
    assert "Where sources disagree" in details_text and "BNF" in details_text
    assert dialog.start_date.text() == "21/11/2026"
    qtbot.waitUntil(lambda: dialog.prescriber.count() == 2)  # the list, read on the worker
    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: not dialog.busy)  # the command refuses it on the worker
    assert dialog.errors["prescriber_id"].isVisible()  # named beside the field
    assert list_courses(clinic, roster_of_five[0]) == []
    offered = [dialog.prescriber.itemText(i) for i in range(dialog.prescriber.count())]
    assert offered == ["Choose the prescriber…", "Dr Helen Morgan (GMC 4512345)"]
    dialog.prescriber.setCurrentIndex(1)  # from the clinic's list, never typed
    with qtbot.waitSignal(panel.changed):
        _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: panel.active_dialog is None)
    course = panel.current_course
    assert course is not None and course.protocol_id == "hydroxo-standard"
    assert panel.course_title.text().startswith("Hydroxocobalamin 1 mg: 3 times a week")
    assert "prescribed by Dr Helen Morgan" in panel.values["started"].text()
    statuses = _statuses(panel)
    assert statuses.count("Planned") >= 6 + 8  # six loading doses, two years of maintenance
    assert "Blood tests due" in statuses
    assert not panel.start_button.isEnabled()  # one active course at a time
    assert panel.end_loading_button.isEnabled()  # loading doses are still to come


def test_a_warning_must_be_ticked_before_the_course_starts(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor
) -> None:
    patient = create_patient(clinic, actor, details(9, renal_impairment=True), today=TODAY).id
    listed = the_prescriber(clinic)
    panel = _panel(qtbot, clinic, actor, patient)
    dialog = panel.open_start_dialog()
    assert dialog is not None
    dialog.select_template("cyano-us-1000")
    qtbot.waitUntil(lambda: dialog.prescriber.findData(listed) > 0)
    dialog.prescriber.setCurrentIndex(dialog.prescriber.findData(listed))
    _click(qtbot, dialog.start_button)
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.warnings_box.isVisible()
    box = dialog.warning_boxes[RENAL_CYANOCOBALAMIN]
    message = dialog.findChild(QWidget, f"warning_{RENAL_CYANOCOBALAMIN}")
    assert "prefers hydroxocobalamin" in message.text()  # type: ignore[union-attr]
    assert not dialog.start_button.isEnabled()
    assert list_courses(clinic, patient) == []  # nothing saved yet
    box.setChecked(True)
    assert dialog.start_button.isEnabled()
    with qtbot.waitSignal(panel.changed):
        _click(qtbot, dialog.start_button)
    with clinic.read() as session:
        stored = session.scalars(select(SafetyAcknowledgement)).one()
    assert (stored.check_code, stored.acknowledged_by) == (RENAL_CYANOCOBALAMIN, actor.user_id)
    assert panel.current_course is not None and panel.current_course.drug == "cyanocobalamin"


def test_changing_the_frequency_needs_a_reason_and_replans(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    _start(clinic, actor, roster_of_five[0], "post-bariatric")
    panel = _panel(qtbot, clinic, actor, roster_of_five[0])
    assert panel.values["frequency"].text() == "every 3 months"
    _click(qtbot, panel.frequency_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, FrequencyDialog)
    if not dialog.factor.isEnabled():
        qtbot.waitSignal(dialog.ready).wait()
    # The clinic's default range: 0.15 (a slip for 1.5) cannot be entered.
    assert (dialog.factor.minimum(), dialog.factor.maximum()) == (0.75, 1.5)
    assert "0.75 (less often) to 1.5 (more often)" in dialog.range_note.text()
    dialog.factor.setValue(0.15)
    assert dialog.factor.value() == 0.75
    assert dialog.preview.text() == "maintenance every 4 months (3 months × 0.75 less often)"
    dialog.factor.setValue(1.5)
    assert dialog.preview.text() == "maintenance every 2 months (3 months × 1.5 more often)"
    _click(qtbot, dialog.ok_button)
    assert dialog.ok_button.text() == "Saving…"  # the service answers from the worker
    qtbot.waitUntil(dialog.errors["reason"].isVisible)
    assert dialog.ok_button.text() == "Change frequency" and dialog.isVisible()
    assert "Reason is required" in dialog.errors["reason"].text()
    _type(qtbot, dialog.reason, "tingling back after ten weeks")
    with qtbot.waitSignal(panel.changed):
        _click(qtbot, dialog.ok_button)
    frequency = panel.values["frequency"].text()
    assert frequency.startswith("every 2 months")
    assert "tingling back after ten weeks" in frequency and "Amira Patel" in frequency


def test_ending_loading_for_the_neuro_template_starts_maintenance(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    _start(clinic, actor, roster_of_five[1], "hydroxo-neuro")
    panel = _panel(qtbot, clinic, actor, roster_of_five[1])
    kinds = {
        panel.model.data(panel.model.index(r, 0), KIND_ROLE) for r in range(panel.model.rowCount())
    }
    assert EntryKind.REVIEW.value in kinds
    assert "Maintenance" not in " ".join(
        panel.model.data(panel.model.index(r, 1)) for r in range(panel.model.rowCount())
    )
    assert panel.end_loading_button.isEnabled()
    _click(qtbot, panel.end_loading_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, EndLoadingDialog)
    _type(qtbot, dialog.on_date, "31/02/2026")
    _click(qtbot, dialog.ok_button)
    assert dialog.errors["on_date"].text() == "Date is not a date: use DD/MM/YYYY"
    _type(qtbot, dialog.on_date, "01/12/2026")
    _click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.errors["on_date"].text() == "Date cannot be in the future")
    _type(qtbot, dialog.on_date, "21/11/2026")
    with qtbot.waitSignal(panel.changed):
        _click(qtbot, dialog.ok_button)
    assert not panel.end_loading_button.isEnabled()
    assert "ended 21/11/2026 by Amira Patel" in panel.values["loading"].text()
    doses = [panel.model.data(panel.model.index(r, 1)) for r in range(panel.model.rowCount())]
    assert not any(dose.startswith(("Review", "Loading")) for dose in doses)
    assert sum(dose.startswith("Maintenance") for dose in doses) >= 12  # every 2 months


def test_ending_the_course_needs_a_reason_and_clears_the_plan(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    _start(clinic, actor, roster_of_five[2], "hydroxo-standard")
    panel = _panel(qtbot, clinic, actor, roster_of_five[2])
    _click(qtbot, panel.end_course_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, EndCourseDialog)
    _click(qtbot, dialog.ok_button)
    qtbot.waitUntil(dialog.errors["reason"].isVisible)
    dialog.reason.setCurrentIndex(dialog.reason.findData(CourseEndReason.OTHER.value))
    _click(qtbot, dialog.ok_button)
    qtbot.waitUntil(dialog.errors["note"].isVisible)
    assert dialog.errors["note"].text().startswith("Note is required when the reason is Other")
    assert panel.current_course is not None and panel.current_course.active
    _type(qtbot, dialog.note, "care taken over by the hospital clinic")
    with qtbot.waitSignal(panel.changed):
        _click(qtbot, dialog.ok_button)
    assert panel.values["status"].text().startswith("Ended 21/11/2026 by Amira Patel · Other")
    assert panel.model.rowCount() == 0  # nothing had been given; nothing is planned
    assert not panel.frequency_button.isEnabled() and not panel.end_course_button.isEnabled()
    assert panel.start_button.isEnabled()  # a new course may start


def test_a_receptionist_sees_the_courses_but_cannot_change_them(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    _start(clinic, actor, roster_of_five[0], "hydroxo-neuro")
    receptionist = make_actor(clinic, "Jo Bennett", Role.RECEPTIONIST)
    panel = _panel(qtbot, clinic, receptionist, roster_of_five[0])
    assert panel.model.rowCount() > 0
    for button in (
        panel.start_button,
        panel.frequency_button,
        panel.end_loading_button,
        panel.end_course_button,
    ):
        assert not button.isEnabled()
        assert "Only a nurse" in button.toolTip()


def test_no_patient_shows_a_hint_and_no_actions(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor
) -> None:
    panel = CoursePanel(Ops(clinic, actor, today=lambda: TODAY), LIBRARY)
    qtbot.addWidget(panel)
    assert panel.message.text() == "Select a patient to see their courses."
    assert not panel.start_button.isEnabled()


def test_the_timeline_model_passes_the_qt_model_tester(
    qtmodeltester: ModelTester, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    _start(clinic, actor, roster_of_five[0], "hydroxo-neuro")
    course = list_courses(clinic, roster_of_five[0])[0]
    model = TimelineModel()
    qtmodeltester.check(model)
    model.set_entries(course_timeline(clinic, course.id, today=TODAY).entries)
    qtmodeltester.check(model)
    assert model.rowCount() > 0
    assert model.data(model.index(0, STATUS)) in ("Planned", "Review due")
    first = model.entry(0)
    assert first.date >= dt.date(2026, 11, 21)


def test_a_given_dose_is_marked_entered_in_error_from_the_timeline(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    patient = roster_of_five[0]
    product = add_product(clinic)
    lot = add_lot(clinic, product, "CH26B310", TODAY + dt.timedelta(days=400), 10)
    course = start_dose_course(clinic, patient, start=TODAY)
    record_administration(
        clinic, actor, given_input(patient, due_appointment(clinic, course), lot), today=TODAY
    )
    panel = _panel(qtbot, clinic, actor, patient)
    given = next(
        row
        for row in range(panel.model.rowCount())
        if panel.model.entry(row).kind is EntryKind.GIVEN
    )
    assert not panel.in_error_button.isEnabled()  # nothing selected yet
    panel.table.selectRow(given)
    assert panel.in_error_button.isEnabled()

    _click(qtbot, panel.in_error_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, DoseErrorDialog) and dialog.isVisible()
    _click(qtbot, dialog.ok_button)  # no reason yet: refused beside the field
    assert (
        dialog.errors["reason"].isVisible()
        and "Reason is required" in dialog.errors["reason"].text()
    )
    qtbot.keyClicks(dialog.reason, "Recorded for the wrong patient")
    with qtbot.waitSignal(panel.changed):
        _click(qtbot, dialog.ok_button)

    assert EntryKind.GIVEN not in {
        panel.model.entry(row).kind for row in range(panel.model.rowCount())
    }
    assert lot_remaining(clinic, lot) == 10  # the ampoule is back in stock
    timeline = course_timeline(clinic, course, today=TODAY)
    assert timeline.entries[0].dose_number == 1  # dose 1 is due again


def test_no_template_is_preselected_so_enter_cannot_start_the_first_in_the_list(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    listed = the_prescriber(clinic)
    panel = _panel(qtbot, clinic, actor, roster_of_five[0])
    _click(qtbot, panel.start_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, StartCourseDialog)
    with qtbot.waitSignal(dialog.settings_read):
        pass
    assert dialog.selected_protocol() is None
    assert "Choose the prescribed template" in dialog.details.toPlainText()
    qtbot.waitUntil(lambda: dialog.prescriber.findData(listed) > 0)
    dialog.prescriber.setCurrentIndex(dialog.prescriber.findData(listed))
    _click(qtbot, dialog.start_button)
    assert dialog.isVisible() and dialog.errors["protocol_id"].isVisible()
    assert "choose the prescribed template" in dialog.errors["protocol_id"].text()
    assert list_courses(clinic, roster_of_five[0]) == []


def test_the_clinics_default_template_is_preselected(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    manager = make_actor(clinic, "Practice Manager", Role.MANAGER)
    change_settings(clinic, manager, {"default_template": "hydroxo-standard"})
    panel = _panel(qtbot, clinic, actor, roster_of_five[0])
    _click(qtbot, panel.start_button)
    dialog = panel.active_dialog
    assert isinstance(dialog, StartCourseDialog)
    qtbot.waitUntil(lambda: dialog.selected_protocol() is not None)
    selected = dialog.selected_protocol()
    assert selected is not None and selected.id == "hydroxo-standard"


def test_an_overdue_review_is_held_from_the_timeline_and_loading_continues(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    patient = roster_of_five[0]
    begun = TODAY - dt.timedelta(days=24)
    start_course(
        clinic,
        actor,
        patient,
        "hydroxo-neuro",
        begun,
        prescriber_id=the_prescriber(clinic),
        today=begun,
    )
    panel = _panel(qtbot, clinic, actor, patient)
    kinds = [panel.model.entry(row).kind for row in range(panel.model.rowCount())]
    overdue = kinds.index(EntryKind.OVERDUE_REVIEW)
    assert not panel.review_button.isEnabled()
    panel.table.selectRow(overdue)
    assert panel.review_button.isEnabled()

    _click(qtbot, panel.review_button)
    dialog = panel.active_dialog
    assert (
        isinstance(dialog, ReviewHeldDialog)
        and "End loading" in dialog.findChildren(QLabel)[0].text()
    )
    qtbot.keyClicks(dialog.note, "Tingling improving: continue")
    with qtbot.waitSignal(panel.changed):
        _click(qtbot, dialog.ok_button)

    entries = [panel.model.entry(row) for row in range(panel.model.rowCount())]
    assert EntryKind.OVERDUE_REVIEW not in {e.kind for e in entries}
    assert any(e.status_label == "Review held" for e in entries)
    assert any(e.kind is EntryKind.REVIEW for e in entries)  # the next one, planned
