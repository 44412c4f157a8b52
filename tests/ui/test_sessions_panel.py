"""The timetable screen, driven through its real widgets on a small SQLite clinic."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QTime
from PySide6.QtGui import QGuiApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from clinic_app.domain.codes import AppointmentStatus
from clinic_app.persistence.models import Appointment
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.rebooking import add_closure
from clinic_app.services.queries import timetable
from clinic_app.services.queries.rebooking import rebooking_list
from clinic_app.services.queries.session_templates import list_templates
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.ops import Ops
from clinic_app.ui.sessions_panel import SessionsPanel
from tests.builders import (
    FIRST_THURSDAY,
    FIRST_TUESDAY,
    Timetable,
    book_first_dose,
    build_timetable,
)
from tests.builders import TIMETABLE_TODAY as TODAY


@pytest.fixture
def timetable_clinic(clinic: UnitOfWork) -> Timetable:
    return build_timetable(clinic)


@pytest.fixture
def panel(qtbot: QtBot, timetable_clinic: Timetable) -> SessionsPanel:
    widget = SessionsPanel(Ops(timetable_clinic.uow, timetable_clinic.nurse, today=lambda: TODAY))
    qtbot.addWidget(widget)
    widget.resize(1200, 900)
    widget.show()
    settle(qtbot, widget)
    return widget


def settle(qtbot: QtBot, panel: SessionsPanel) -> None:
    """Wait until the timetable the panel asked for (on the worker) is on screen."""
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


def cell(panel: SessionsPanel, row: int, column: int) -> object:
    model = panel.upcoming_model
    return model.data(model.index(row, column))


def save(qtbot: QtBot, panel: SessionsPanel, dialog: FormDialog) -> None:
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        dialog.ok_button.click()


def session_on(panel: SessionsPanel, day: dt.date) -> int:
    return next(r.session_id for r in panel.upcoming_model.rows() if r.session_date == day)


def test_upcoming_sessions_show_nurse_and_how_full(
    qtbot: QtBot, panel: SessionsPanel, timetable_clinic: Timetable
) -> None:
    book_first_dose(timetable_clinic, 1, FIRST_TUESDAY)
    panel.refresh()
    settle(qtbot, panel)
    assert panel.upcoming_model.rowCount() == 35  # 3 a week for 12 weeks, less Good Friday
    assert [cell(panel, 0, column) for column in range(7)] == [
        "Tue 02/02/2027",
        "09:00–10:00 (10 min)",
        "Amira Patel (RN)",
        "Room 3",
        "Main surgery",
        "1 / 12",
        "On",
    ]
    assert "1 of 420 places booked" in panel.upcoming_summary.text()


def test_cancelling_a_session_lists_its_patients_to_ring(
    qtbot: QtBot, qtmodeltester: ModelTester, panel: SessionsPanel, timetable_clinic: Timetable
) -> None:
    book_first_dose(timetable_clinic, 1, FIRST_TUESDAY)
    panel.refresh()
    settle(qtbot, panel)
    assert not panel.cancel_session_button.isEnabled()
    panel.select_session(session_on(panel, FIRST_TUESDAY))
    assert panel.cancel_session_button.isEnabled()
    dialog = panel.open_cancel_session()
    assert dialog is not None
    assert not dialog.ok_button.isEnabled()  # a reason is required
    dialog.reason.setText("Nurse off sick")
    save(qtbot, panel, dialog)

    shown = panel.affected_dialog
    assert shown is not None and shown.isVisible()
    assert shown.model.rowCount() == 1
    row = shown.model.rows()[0]
    assert (row.patient_name, row.dose) == ("Pat1 Jones", "Loading dose 1")
    qtmodeltester.check(shown.model)
    text = shown.text()
    assert "Pat1 Jones" in text and "Tue 02/02/2027 09:00" in text and row.phone in text
    shown.copy()
    assert QGuiApplication.clipboard().text() == text
    assert "Needs rebooking" in panel.message.text()
    assert cell(panel, 0, 6) == "Cancelled: Nurse off sick"
    assert not panel.cancel_session_button.isEnabled()
    to_rebook = rebooking_list(timetable_clinic.uow, today=TODAY)
    assert [a.patient_name for a in to_rebook] == ["Pat1 Jones"]


def test_ending_a_session_early_lists_only_the_later_patients(
    qtbot: QtBot, panel: SessionsPanel, timetable_clinic: Timetable
) -> None:
    book_first_dose(timetable_clinic, 1, FIRST_THURSDAY, slot=0)  # 09:00
    late = book_first_dose(timetable_clinic, 2, FIRST_THURSDAY, slot=5)  # 09:50
    panel.refresh()
    settle(qtbot, panel)
    panel.select_session(session_on(panel, FIRST_THURSDAY))
    dialog = panel.open_shorten_session()
    assert dialog is not None
    dialog.new_end.setTime(QTime(9, 0))
    dialog.ok_button.click()
    qtbot.waitUntil(dialog.errors["new_end"].isVisible, timeout=10_000)
    assert "no whole 10-minute slot" in dialog.errors["new_end"].text()
    assert dialog.isVisible()

    dialog.new_end.setTime(QTime(9, 30))
    save(qtbot, panel, dialog)
    shown = panel.affected_dialog
    assert shown is not None
    assert [a.appointment_id for a in shown.model.rows()] == [late]
    thursday = next(r for r in panel.upcoming_model.rows() if r.session_date == FIRST_THURSDAY)
    assert (thursday.end_time, thursday.booked, thursday.places) == (dt.time(9, 30), 1, 6)


def test_a_new_weekly_session_fills_the_horizon(
    qtbot: QtBot, panel: SessionsPanel, timetable_clinic: Timetable
) -> None:
    dialog = panel.open_new_template()
    assert dialog.shape.nurse.count() == 2  # "No nurse yet" and the one nurse
    dialog.name.setText("Monday catch-up")
    dialog.weekday.setCurrentIndex(0)
    dialog.shape.start_time.setTime(QTime(14, 0))
    dialog.shape.end_time.setTime(QTime(13, 0))
    dialog.valid_until.setText("31/13/2027")
    dialog.ok_button.click()
    assert dialog.errors["valid_until"].text() == "is not a date: use DD/MM/YYYY"
    dialog.valid_until.clear()
    dialog.ok_button.click()
    qtbot.waitUntil(dialog.errors["end_time"].isVisible, timeout=10_000)
    assert dialog.errors["end_time"].text() == "must be after the start time (14:00)"
    assert len(list_templates(timetable_clinic.uow)) == 3  # nothing saved

    dialog.shape.end_time.setTime(QTime(16, 0))
    dialog.shape.nurse.setCurrentIndex(1)
    save(qtbot, panel, dialog)
    assert panel.templates_model.rowCount() == 4
    assert "Monday catch-up" in panel.message.text() and "12 sessions created" in (
        panel.message.text()
    )
    # 13 Mondays in the horizon, less Easter Monday (29/03/2027)
    mondays = [r for r in panel.upcoming_model.rows() if r.session_date.weekday() == 0]
    assert len(mondays) == 12 and mondays[0].nurse_name == "Amira Patel (RN)"


def test_editing_and_stopping_a_weekly_session(
    qtbot: QtBot, panel: SessionsPanel, timetable_clinic: Timetable
) -> None:
    book_first_dose(timetable_clinic, 1, FIRST_TUESDAY)
    panel.refresh()
    settle(qtbot, panel)
    tuesday = timetable_clinic.template_ids[0]
    panel.select_template(tuesday)
    dialog = panel.open_edit_template()
    assert dialog is not None and dialog.name.text().startswith("B12 clinic day 1")
    dialog.shape.room.setText("Room 5")
    save(qtbot, panel, dialog)
    assert all(
        r.room == "Room 5" for r in panel.upcoming_model.rows() if r.session_date.weekday() == 1
    )

    panel.select_template(tuesday)
    stop = panel.open_deactivate_template()
    assert stop is not None
    save(qtbot, panel, stop)
    assert "Kept as they were because patients are booked: 02/02/2027 (1 booked)" in (
        panel.message.text()
    )
    tuesdays = [r for r in panel.upcoming_model.rows() if r.session_date.weekday() == 1]
    assert [r.session_date for r in tuesdays] == [FIRST_TUESDAY]
    assert panel.selected_template() is not None
    assert not panel.edit_template_button.isEnabled()


def test_generate_sessions_reports_how_many_were_added(
    qtbot: QtBot, timetable_clinic: Timetable
) -> None:
    today = [TODAY]
    panel = SessionsPanel(Ops(timetable_clinic.uow, timetable_clinic.nurse, today=lambda: today[0]))
    qtbot.addWidget(panel)
    settle(qtbot, panel)
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        panel.generate_button.click()
    assert "none added" in panel.message.text()
    today[0] = TODAY + dt.timedelta(weeks=2)  # two weeks on, the horizon has moved
    with qtbot.waitSignal(panel.changed, timeout=10_000):
        panel.generate_button.click()
    assert panel.message.text() == "6 sessions added up to the booking horizon."
    assert panel.generate_button.isEnabled()


def test_a_one_off_session_is_added(qtbot: QtBot, panel: SessionsPanel) -> None:
    dialog = panel.open_add_session()
    dialog.session_date.setText("06/02/2027")  # a Saturday catch-up
    dialog.shape.nurse.setCurrentIndex(1)
    save(qtbot, panel, dialog)
    saturday = panel.selected_session()
    assert saturday is not None and saturday.session_date == dt.date(2027, 2, 6)
    assert cell(panel, panel.upcoming_model.rows().index(saturday), 6) == "One-off"


def test_a_closure_cancels_its_sessions_and_lists_their_patients(
    qtbot: QtBot, panel: SessionsPanel, timetable_clinic: Timetable
) -> None:
    ann = book_first_dose(timetable_clinic, 1, FIRST_THURSDAY)
    panel.refresh()
    settle(qtbot, panel)
    dialog = panel.open_add_closure()
    dialog.first_day.setText("04/02/2027")
    dialog.last_day.setText("05/02/2027")
    dialog.ok_button.click()
    qtbot.waitUntil(dialog.errors["reason"].isVisible, timeout=10_000)
    assert timetable.list_closures(timetable_clinic.uow, ending_on_or_after=TODAY) == []

    dialog.reason.setText("Boiler failure")
    save(qtbot, panel, dialog)
    assert panel.closures_model.rowCount() == 1
    closure = panel.closures_model
    assert [closure.data(closure.index(0, c)) for c in range(4)] == [
        "04/02/2027",
        "05/02/2027",
        "Boiler failure",
        "Whole clinic",
    ]
    assert "2 sessions cancelled" in panel.message.text()
    shown = panel.affected_dialog
    assert shown is not None and [a.appointment_id for a in shown.model.rows()] == [ann]
    with timetable_clinic.uow.read() as session:
        appointment = session.get(Appointment, ann)
        assert appointment is not None and appointment.status is AppointmentStatus.PROPOSED


def test_the_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, panel: SessionsPanel, timetable_clinic: Timetable
) -> None:
    book_first_dose(timetable_clinic, 1, FIRST_TUESDAY)
    add_closure(
        timetable_clinic.uow,
        timetable_clinic.nurse,
        first_day=dt.date(2027, 3, 1),
        last_day=dt.date(2027, 3, 1),
        reason="Training",
    )
    panel.refresh()
    settle(qtbot, panel)
    for model in (panel.templates_model, panel.upcoming_model, panel.closures_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)
