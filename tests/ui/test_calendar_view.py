"""The clinic calendar driven like a receptionist would: click, double-click, keys, drag."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import AppointmentStatus
from clinic_app.persistence.models import Appointment
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.booking import book_appointment
from clinic_app.services.commands.rebooking import cancel_session
from clinic_app.services.queries.calendar import slot_occupancy
from clinic_app.ui.appointment_dialogs import ReasonDialog, SlotPickerDialog
from clinic_app.ui.booking_dialog import BookingDialog
from clinic_app.ui.calendar_view import CalendarView
from clinic_app.ui.day_model import DayModel
from clinic_app.ui.ops import Ops
from clinic_app.ui.week_model import DOSE_MIME, WeekModel
from tests.builders import TIMETABLE_TODAY as TODAY
from tests.builders import clinic_week, patient, proposed, slots_on, start_course

TUESDAY = dt.date(2027, 2, 2)


class Clock:
    """A "today" the test can move (arrived is only allowed on the day)."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


@pytest.fixture
def course(clinic: UnitOfWork, actor: Actor) -> int:
    clinic_week(clinic, actor)
    person = patient(clinic, actor, 1, given_name="Ann", family_name="Archer")
    return start_course(clinic, person)


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
def view(qtbot: QtBot, clinic: UnitOfWork, actor: Actor, course: int, clock: Clock) -> CalendarView:
    widget = CalendarView(Ops(clinic, actor, today=clock))
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitExposed(widget)
    settle(qtbot, widget)
    return widget


def settle(qtbot: QtBot, view: CalendarView) -> None:
    """Wait until what the calendar asked for (on the worker) is on screen."""
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)


def person_of(clinic: UnitOfWork, course_id: int) -> int:
    return proposed(clinic, course_id)[0].patient_id


def status_and_slot(
    clinic: UnitOfWork, appointment_id: int
) -> tuple[AppointmentStatus, int | None]:
    with clinic.read() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None
        return row.status, row.slot_id


def click_cell(
    qtbot: QtBot, table: QTableView, index: QModelIndex, *, double: bool = False
) -> None:
    table.scrollTo(index)
    centre = table.visualRect(index).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    if double:  # a real double-click is a click, then the double-click event
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def choose_dose_by_click(qtbot: QtBot, view: CalendarView, appointment_id: int) -> None:
    for row in range(view.timeline.count()):
        item = view.timeline.item(row)
        if (
            view.timeline.item(row).data(Qt.ItemDataRole.UserRole + 1).appointment_id
            == appointment_id
        ):
            rect = view.timeline.visualItemRect(item)
            qtbot.mouseClick(view.timeline.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return
    raise AssertionError(f"dose {appointment_id} not in the timeline")


def book_first_dose(clinic: UnitOfWork, actor: Actor, course: int) -> tuple[int, int]:
    first = proposed(clinic, course)[0]
    slot_id = slots_on(clinic, TUESDAY)[0]
    book_appointment(clinic, actor, first.id, slot_id, today=TODAY)
    return first.id, slot_id


# -- the models ---------------------------------------------------------------------------


def test_week_and_day_models_pass_the_qt_model_tester(
    qtmodeltester: ModelTester, clinic: UnitOfWork, actor: Actor, course: int
) -> None:
    book_first_dose(clinic, actor, course)
    friday = slot_occupancy(clinic, dt.date(2027, 2, 5), dt.date(2027, 2, 5))[0]
    cancel_session(clinic, actor, friday.session_id, "Nurse on a course")
    week = WeekModel()
    first, last = week.range_of(TODAY)
    week.show_days(first, last, slot_occupancy(clinic, first, last))
    qtmodeltester.check(week)
    assert week.columnCount() == 3 and week.rowCount() == 6
    assert "\nAmira Patel\n" in week.headerData(0, Qt.Orientation.Horizontal)
    assert week.data(week.index(0, 0)) == "09:00   Ann Archer"
    assert week.data(week.index(0, 2)) == "14:00   Cancelled"
    day = DayModel()
    day.show_days(TUESDAY, TUESDAY, slot_occupancy(clinic, TUESDAY, TUESDAY))
    qtmodeltester.check(day)
    assert day.headerData(0, Qt.Orientation.Vertical) == "09:00"
    assert day.data(day.index(0, 0)) == "Ann Archer · Loading dose 1"
    assert day.data(day.index(1, 0)) == "Free"


# -- booking -------------------------------------------------------------------------------


def test_booking_a_dose_by_choosing_it_then_a_slot(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, course: int
) -> None:
    first = proposed(clinic, course)[0]
    view.set_patient(first.patient_id)
    settle(qtbot, view)
    choose_dose_by_click(qtbot, view, first.id)
    settle(qtbot, view)
    slot_id = slots_on(clinic, TUESDAY)[2]
    index = view.week_model.index_of_slot(slot_id)
    assert view.week_model.fits_chosen_dose(view.week_model.slot_at(index))  # shown in green
    click_cell(qtbot, view.week_table, index)
    assert view.book_button.isEnabled()
    assert view.book_button.text() == "&Book Loading dose 1 here"
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(view.book_button, Qt.MouseButton.LeftButton)
    assert status_and_slot(clinic, first.id) == (AppointmentStatus.BOOKED, slot_id)
    assert "Ann Archer" in view.week_model.data(view.week_model.index_of_slot(slot_id))
    assert view.message.text() == "Booked Loading dose 1 for Tue 02/02/2027 09:20."
    assert "booked Tue 02/02/2027 09:20" in view.timeline.item(0).text()


def test_double_clicking_a_free_slot_books_the_chosen_dose(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, course: int
) -> None:
    first = proposed(clinic, course)[0]
    view.set_patient(first.patient_id)
    settle(qtbot, view)
    choose_dose_by_click(qtbot, view, first.id)
    settle(qtbot, view)
    slot_id = slots_on(clinic, dt.date(2027, 2, 4))[1]
    with qtbot.waitSignal(view.changed):
        click_cell(qtbot, view.week_table, view.week_model.index_of_slot(slot_id), double=True)
    assert status_and_slot(clinic, first.id) == (AppointmentStatus.BOOKED, slot_id)


def test_dropping_a_dose_from_the_timeline_onto_a_slot_books_it(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, course: int
) -> None:
    first = proposed(clinic, course)[0]
    view.set_patient(first.patient_id)
    settle(qtbot, view)
    data = view.timeline.mimeData([view.timeline.item(0)])
    assert data.hasFormat(DOSE_MIME)
    model = view.week_model
    target = model.index_of_slot(slots_on(clinic, TUESDAY)[4])
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, -1, target)
    with qtbot.waitSignal(view.changed):
        model.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, target)
    assert status_and_slot(clinic, first.id)[0] is AppointmentStatus.BOOKED


def test_the_keyboard_moves_between_slots_and_weeks_and_books_with_enter(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, course: int
) -> None:
    first = proposed(clinic, course)[0]
    view.set_patient(first.patient_id)
    settle(qtbot, view)
    view.choose_dose(first.id)
    settle(qtbot, view)
    table = view.week_table
    table.setFocus()
    table.setCurrentIndex(view.week_model.index_of_slot(slots_on(clinic, TUESDAY)[0]))
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Right)  # Thursday 09:10
    assert view.current_slot_id() == slots_on(clinic, dt.date(2027, 2, 4))[1]
    qtbot.keyClick(table, Qt.Key.Key_PageDown)
    settle(qtbot, view)
    assert view.range_label.text().startswith("Week of Monday 08 February 2027")
    qtbot.keyClick(table, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(table, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, view)
    assert view.range_label.text().startswith("Week of Monday 25 January 2027")
    qtbot.keyClick(table, Qt.Key.Key_T)
    settle(qtbot, view)
    assert view.range_label.text().startswith("Week of Monday 01 February 2027")
    table.setCurrentIndex(view.week_model.index_of_slot(slots_on(clinic, TUESDAY)[3]))
    with qtbot.waitSignal(view.changed):
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert status_and_slot(clinic, first.id) == (
        AppointmentStatus.BOOKED,
        slots_on(clinic, TUESDAY)[3],
    )


def test_a_slot_taken_on_another_workstation_gives_a_clear_message(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, actor: Actor, course: int
) -> None:
    first = proposed(clinic, course)[0]
    view.set_patient(first.patient_id)
    settle(qtbot, view)
    view.choose_dose(first.id)
    settle(qtbot, view)
    slot_id = slots_on(clinic, TUESDAY)[0]
    view.select_slot(slot_id)
    rival = start_course(clinic, patient(clinic, actor, 2), protocol_id="post-bariatric")
    book_appointment(clinic, actor, proposed(clinic, rival)[0].id, slot_id, today=TODAY)
    qtbot.mouseClick(view.book_button, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    assert view.message.text().startswith("That slot was just taken")
    assert status_and_slot(clinic, first.id) == (AppointmentStatus.PROPOSED, None)
    assert "Pat2 Jones" in view.week_model.data(view.week_model.index_of_slot(slot_id))


def test_booking_the_whole_course_through_the_dialog(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, course: int
) -> None:
    view.set_patient(person_of(clinic, course))
    settle(qtbot, view)
    qtbot.mouseClick(view.course_button, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    dialog = view.open_dialog
    assert isinstance(dialog, BookingDialog)
    assert dialog.heading.text() == "Book Ann Archer's course"
    placed = len(dialog.choices())
    assert placed >= 4
    dialog.combo(0).setCurrentIndex(0)  # "Do not book now" for the first dose
    assert dialog.confirm_button.text() == f"Book {placed - 1} doses"
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    with clinic.read() as session:
        booked = session.scalars(
            select(Appointment.id).where(
                Appointment.course_id == course, Appointment.status == AppointmentStatus.BOOKED
            )
        ).all()
    assert len(booked) == placed - 1


# -- changing a booking ------------------------------------------------------------------------


def test_moving_with_the_move_button(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, actor: Actor, course: int
) -> None:
    appointment_id, slot_id = book_first_dose(clinic, actor, course)
    view.refresh()
    settle(qtbot, view)
    assert not view.move_button.isEnabled()  # nothing picked yet: nothing to move
    click_cell(qtbot, view.week_table, view.week_model.index_of_slot(slot_id))
    assert view.move_button.isEnabled()
    qtbot.mouseClick(view.move_button, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    dialog = view.open_dialog
    assert isinstance(dialog, SlotPickerDialog)
    thursday_first = slots_on(clinic, dt.date(2027, 2, 4))[0]
    rows = [
        dialog.options.item(n).data(Qt.ItemDataRole.UserRole) for n in range(dialog.options.count())
    ]
    assert slot_id not in rows and thursday_first in rows
    dialog.options.setCurrentRow(rows.index(thursday_first))
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert status_and_slot(clinic, appointment_id) == (AppointmentStatus.BOOKED, thursday_first)
    assert view.message.text() == "Moved Loading dose 1 to Thu 04/02/2027 09:00."


def test_moving_by_dragging_onto_a_free_slot(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, actor: Actor, course: int
) -> None:
    appointment_id, slot_id = book_first_dose(clinic, actor, course)
    view.refresh()
    settle(qtbot, view)
    model = view.week_model
    source = model.index_of_slot(slot_id)
    assert model.flags(source) & Qt.ItemFlag.ItemIsDragEnabled
    data = model.mimeData([source])
    target_slot = slots_on(clinic, TUESDAY)[5]
    target = model.index_of_slot(target_slot)
    with qtbot.waitSignal(view.changed):
        assert not model.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, target)
    assert status_and_slot(clinic, appointment_id) == (AppointmentStatus.BOOKED, target_slot)
    assert model.data(model.index_of_slot(slot_id)).endswith("Free")


def test_cancelling_asks_for_a_reason_and_the_dose_returns_to_book(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, actor: Actor, course: int
) -> None:
    appointment_id, slot_id = book_first_dose(clinic, actor, course)
    view.set_patient(person_of(clinic, course))
    settle(qtbot, view)
    view.refresh()
    settle(qtbot, view)
    click_cell(qtbot, view.week_table, view.week_model.index_of_slot(slot_id))
    qtbot.keyClick(view.week_table, Qt.Key.Key_Delete)
    dialog = view.open_dialog
    assert isinstance(dialog, ReasonDialog)
    assert not dialog.ok_button.isEnabled()
    line = dialog.reason.lineEdit()
    assert line is not None
    qtbot.keyClicks(line, "Patient unwell")
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    status, _slot = status_and_slot(clinic, appointment_id)
    assert status is AppointmentStatus.CANCELLED
    assert view.week_model.data(view.week_model.index_of_slot(slot_id)).endswith("Free")
    assert "to book" in view.timeline.item(0).text()


def test_arrived_and_did_not_attend_from_the_appointment_menu(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, actor: Actor, course: int, clock: Clock
) -> None:
    appointment_id, slot_id = book_first_dose(clinic, actor, course)
    clock.day = TUESDAY
    view.refresh()
    settle(qtbot, view)
    index = view.week_model.index_of_slot(slot_id)
    appointment = view.week_model.target_appointment(index)
    assert appointment is not None
    actions = {a.text(): a for a in view.appointment_actions(appointment)}
    with qtbot.waitSignal(view.changed):
        actions["Mark arrived"].trigger()
    assert status_and_slot(clinic, appointment_id)[0] is AppointmentStatus.ARRIVED
    assert view.week_model.data(index).endswith("Ann Archer (arrived)")
    arrived = view.week_model.target_appointment(index)
    assert arrived is not None
    actions = {a.text(): a for a in view.appointment_actions(arrived)}
    assert not actions["Move\u2026"].isEnabled()
    actions["Did not attend\u2026"].trigger()
    dialog = view.open_dialog
    assert isinstance(dialog, ReasonDialog)
    assert dialog.text() == "Did not attend: no contact"
    with qtbot.waitSignal(view.changed):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert status_and_slot(clinic, appointment_id) == (AppointmentStatus.NOSHOW, slot_id)


def test_a_cancelled_session_puts_its_patients_on_the_rebooking_list(
    qtbot: QtBot, view: CalendarView, clinic: UnitOfWork, actor: Actor, course: int
) -> None:
    appointment_id, _slot_id = book_first_dose(clinic, actor, course)
    tuesday = slot_occupancy(clinic, TUESDAY, TUESDAY)[0]
    cancel_session(clinic, actor, tuesday.session_id, "Nurse off sick")
    view.refresh()
    settle(qtbot, view)
    assert view.rebooking_title.text() == "Needs rebooking (1)"
    item = view.rebooking.item(0)
    assert item.text().startswith("Ann Archer · Loading dose 1")
    qtbot.mouseClick(
        view.rebooking.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.rebooking.visualItemRect(item).center(),
    )
    settle(qtbot, view)
    assert view.patient_heading.text() == "Ann Archer"
    chosen = view.selected_dose()
    assert chosen is not None and chosen.appointment_id == appointment_id
    assert view.week_model.headerData(0, Qt.Orientation.Horizontal).endswith("CANCELLED")
