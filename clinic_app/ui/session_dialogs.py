"""The timetable's forms: weekly sessions, one-off sessions, cancelling, ending early,
closures, and the list of patients to ring afterwards.

Each form saves through a command on the worker (ops) (generating a template's sessions
or cancelling a full session can take a while) and stays open until the service says
yes: a problem the service finds is shown beside the field it names, nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QTime
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.date_text import format_date, parse_date
from clinic_app.services.commands.sessions import MAX_CAPACITY, SLOT_MINUTES_RANGE, SessionDetails
from clinic_app.services.queries.rebooking import AffectedAppointment
from clinic_app.services.queries.session_templates import WEEKDAY_LABELS, TemplateDetails
from clinic_app.services.queries.timetable import Nurse, UpcomingSession
from clinic_app.ui.affected_appointments_model import AffectedAppointmentsModel
from clinic_app.ui.form_dialog import FormDialog
from clinic_app.ui.ops import Bound, Ops

DATE_HINT = "DD/MM/YYYY"
#: Help under a field: quieter than the field itself (the stylesheet has no hint rule).


def _time_edit(value: dt.time, name: str) -> QTimeEdit:
    edit = QTimeEdit(QTime(value.hour, value.minute))
    edit.setDisplayFormat("HH:mm")
    edit.setObjectName(name)
    return edit


def _time(edit: QTimeEdit) -> dt.time:
    value = edit.time()
    return dt.time(value.hour(), value.minute())


def _date_edit(value: dt.date | None, name: str) -> QLineEdit:
    edit = QLineEdit(format_date(value))
    edit.setPlaceholderText(DATE_HINT)
    edit.setObjectName(name)
    return edit


def _nurse_combo(nurses: Sequence[Nurse], chosen: int | None) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("nurse")
    combo.addItem("No nurse yet", None)
    for nurse in nurses:
        combo.addItem(nurse.display_name, nurse.id)
    found = combo.findData(chosen) if chosen is not None else 0
    combo.setCurrentIndex(max(found, 0))
    return combo


def _date_problem(edit: QLineEdit, *, optional: bool = False) -> str | None:
    text = edit.text().strip()
    if not text:
        return None if optional else f"is required ({DATE_HINT})"
    return None if parse_date(text) is not None else f"is not a date: use {DATE_HINT}"


class _SessionShape:
    """Times, slot length, capacity, nurse, room and location: shared by both forms."""

    def __init__(
        self,
        dialog: FormDialog,
        nurses: Sequence[Nurse],
        start: dt.time,
        end: dt.time,
        slot_minutes: int,
        capacity: int,
        nurse_id: int | None,
        room: str,
        location: str,
    ) -> None:
        self.start_time = _time_edit(start, "startTime")
        self.end_time = _time_edit(end, "endTime")
        self.slot_minutes = QSpinBox()
        self.slot_minutes.setObjectName("slotMinutes")
        self.slot_minutes.setRange(1, 240)
        self.slot_minutes.setSuffix(" min")
        self.slot_minutes.setValue(slot_minutes)
        self.capacity = QSpinBox()
        self.capacity.setObjectName("capacity")
        self.capacity.setRange(1, MAX_CAPACITY)
        self.capacity.setValue(capacity)
        self.nurse = _nurse_combo(nurses, nurse_id)
        self.room = QLineEdit(room)
        self.room.setObjectName("room")
        self.location = QLineEdit(location)
        self.location.setObjectName("location")
        low, high = SLOT_MINUTES_RANGE
        dialog.add_field("Starts", "start_time", self.start_time)
        dialog.add_field("Ends", "end_time", self.end_time)
        dialog.add_field(
            "Slot length", "slot_minutes", self.slot_minutes, f"{low} to {high} minutes"
        )
        dialog.add_field(
            "Patients per slot", "capacity", self.capacity, "How many patients one slot can take"
        )
        dialog.add_field("Nurse", "nurse_id", self.nurse)
        dialog.add_field("Room", "room", self.room)
        dialog.add_field("Location", "location", self.location)

    def nurse_id(self) -> int | None:
        value = self.nurse.currentData()
        return int(value) if value is not None else None


class TemplateDialog(FormDialog):
    """A weekly session; saving it generates its sessions for the booking horizon."""

    def __init__(
        self,
        nurses: Sequence[Nurse],
        ops: Ops,
        save: Callable[[TemplateDetails], Bound[Any]],
        *,
        today: dt.date,
        initial: TemplateDetails | None = None,
        parent: QWidget | None = None,
    ) -> None:
        editing = initial is not None
        super().__init__(
            "Edit weekly session" if editing else "New weekly session",
            "Save changes" if editing else "Add weekly session",
            ops,
            parent,
        )
        self._save = save
        start = initial or TemplateDetails(
            name="",
            weekday=1,
            start_time=dt.time(9, 0),
            end_time=dt.time(12, 0),
            slot_minutes=10,
            capacity=1,
            nurse_id=None,
            valid_from=today,
        )
        self.name = QLineEdit(start.name)
        self.name.setObjectName("name")
        self.name.setPlaceholderText("e.g. Tuesday morning B12")
        self.weekday = QComboBox()
        self.weekday.setObjectName("weekday")
        for number, label in enumerate(WEEKDAY_LABELS):
            self.weekday.addItem(label, number)
        self.weekday.setCurrentIndex(start.weekday)
        self.add_field("Name", "name", self.name)
        self.add_field("Weekday", "weekday", self.weekday)
        self.shape = _SessionShape(
            self,
            nurses,
            start.start_time,
            start.end_time,
            start.slot_minutes,
            start.capacity,
            start.nurse_id,
            start.room,
            start.location,
        )
        self.valid_from = _date_edit(start.valid_from, "validFrom")
        self.valid_until = _date_edit(start.valid_until, "validUntil")
        self.add_field("Runs from", "valid_from", self.valid_from, DATE_HINT)
        self.add_field(
            "Runs until", "valid_until", self.valid_until, "Leave empty to run until stopped"
        )
        self.finish_layout(
            "Changes apply from today: sessions nobody is booked into are remade; sessions "
            "with bookings keep their times and are listed so you can adjust them."
            if editing
            else "Sessions are created for the booking horizon as soon as you save."
        )

    def details(self) -> TemplateDetails:
        return TemplateDetails(
            name=self.name.text(),
            weekday=self.weekday.currentIndex(),
            start_time=_time(self.shape.start_time),
            end_time=_time(self.shape.end_time),
            slot_minutes=self.shape.slot_minutes.value(),
            capacity=self.shape.capacity.value(),
            nurse_id=self.shape.nurse_id(),
            valid_from=parse_date(self.valid_from.text()) or dt.date.min,
            room=self.shape.room.text(),
            location=self.shape.location.text(),
            valid_until=parse_date(self.valid_until.text()),
        )

    def local_problems(self) -> dict[str, str]:
        problems = {}
        if problem := _date_problem(self.valid_from):
            problems["valid_from"] = problem
        if problem := _date_problem(self.valid_until, optional=True):
            problems["valid_until"] = problem
        return problems

    def work(self) -> Bound[Any]:
        details, save = self.details(), self._save
        return save(details)


class OneOffSessionDialog(FormDialog):
    """An extra session on one day (a catch-up Saturday, a pre-Christmas afternoon)."""

    def __init__(
        self,
        nurses: Sequence[Nurse],
        ops: Ops,
        save: Callable[[SessionDetails], Bound[Any]],
        *,
        today: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Add one-off session", "Add session", ops, parent)
        self._save = save
        self.session_date = _date_edit(today, "sessionDate")
        self.add_field("Date", "session_date", self.session_date, DATE_HINT)
        self.shape = _SessionShape(self, nurses, dt.time(9, 0), dt.time(12, 0), 10, 1, None, "", "")
        self.finish_layout(
            "Weekends and bank holidays are allowed for catch-up clinics; a closed day is not."
        )

    def details(self) -> SessionDetails:
        return SessionDetails(
            session_date=parse_date(self.session_date.text()) or dt.date.min,
            start_time=_time(self.shape.start_time),
            end_time=_time(self.shape.end_time),
            slot_minutes=self.shape.slot_minutes.value(),
            capacity=self.shape.capacity.value(),
            nurse_id=self.shape.nurse_id(),
            room=self.shape.room.text(),
            location=self.shape.location.text(),
        )

    def local_problems(self) -> dict[str, str]:
        problem = _date_problem(self.session_date)
        return {"session_date": problem} if problem else {}

    def work(self) -> Bound[Any]:
        details, save = self.details(), self._save
        return save(details)


def describe_session(row: UpcomingSession) -> str:
    nurse = f" with {row.nurse_name}" if row.nurse_name else ""
    return (
        f"{row.session_date:%A} {format_date(row.session_date)}, "
        f"{row.start_time:%H:%M}–{row.end_time:%H:%M}{nurse}"
    )


class CancelSessionDialog(FormDialog):
    def __init__(
        self,
        row: UpcomingSession,
        ops: Ops,
        save: Callable[[str], Bound[Any]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Cancel session", "Cancel session", ops, parent)
        self._save = save
        self.cancel_button.setText("Keep session")
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("e.g. Nurse off sick")
        self.add_field("Reason", "reason", self.reason, "Kept with the session and in the audit")
        booked = f"{row.booked} patient{'s' if row.booked != 1 else ''} booked"
        self.finish_layout(
            f"{describe_session(row)} ({booked}). Every booked patient is listed for "
            "rebooking; nobody is dropped."
        )
        self.reason.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        self.ok_button.setEnabled(False)

    def local_problems(self) -> dict[str, str]:
        if not self.reason.text().strip():
            return {"reason": "is required: say why the session is cancelled"}
        return {}

    def work(self) -> Bound[Any]:
        reason, save = self.reason.text(), self._save
        return save(reason)


class ShortenSessionDialog(FormDialog):
    def __init__(
        self,
        row: UpcomingSession,
        ops: Ops,
        save: Callable[[dt.time], Bound[Any]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("End session early", "End early", ops, parent)
        self._save = save
        self.cancel_button.setText("Keep as it is")
        suggested = dt.datetime.combine(row.session_date, row.end_time) - dt.timedelta(
            minutes=row.slot_minutes
        )
        self.new_end = _time_edit(suggested.time(), "newEnd")
        self.add_field("New end time", "new_end", self.new_end, f"Now ends at {row.end_time:%H:%M}")
        self.finish_layout(
            f"{describe_session(row)}. Patients booked after the new end are listed for rebooking."
        )

    def work(self) -> Bound[Any]:
        new_end, save = _time(self.new_end), self._save
        return save(new_end)


class ClosureDialog(FormDialog):
    def __init__(
        self,
        ops: Ops,
        save: Callable[[dt.date, dt.date, str, str], Bound[Any]],
        *,
        today: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Add closure", "Close the clinic", ops, parent)
        self._save = save
        self.first_day = _date_edit(today, "firstDay")
        self.last_day = _date_edit(None, "lastDay")
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("e.g. Practice training afternoon")
        self.location = QLineEdit()
        self.location.setObjectName("location")
        self.location.setPlaceholderText("Leave empty to close every location")
        self.add_field("First day", "first_day", self.first_day, DATE_HINT)
        self.add_field("Last day", "last_day", self.last_day, "Leave empty for a single day")
        self.add_field("Reason", "reason", self.reason)
        self.add_field("Location", "location", self.location)
        self.finish_layout(
            "Sessions on these days are cancelled and their patients listed for rebooking; "
            "course plans avoid the closed days."
        )

    def local_problems(self) -> dict[str, str]:
        problems = {}
        if problem := _date_problem(self.first_day):
            problems["first_day"] = problem
        if problem := _date_problem(self.last_day, optional=True):
            problems["last_day"] = problem
        return problems

    def work(self) -> Bound[Any]:
        first = parse_date(self.first_day.text()) or dt.date.min
        last = parse_date(self.last_day.text()) or first
        reason, location, save = self.reason.text(), self.location.text(), self._save
        return save(first, last, reason, location)


class ConfirmDialog(FormDialog):
    """A yes/no for an action with no fields (stopping a weekly session)."""

    def __init__(
        self,
        title: str,
        explanation: str,
        action: str,
        ops: Ops,
        save: Bound[Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, action, ops, parent)
        self._save = save
        self.finish_layout(explanation)

    def work(self) -> Bound[Any]:
        return self._save


class AffectedAppointmentsDialog(QDialog):
    """Who to ring: read, copy into an email or a spreadsheet, then rebook."""

    def __init__(
        self, headline: str, affected: Sequence[AffectedAppointment], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Patients to rebook")
        self.resize(820, 420)
        count = len(affected)
        title = QLabel(headline)
        title.setObjectName("affectedHeadline")
        title.setWordWrap(True)
        where = QLabel(
            f"{'This appointment is' if count == 1 else f'These {count} appointments are'} "
            "now under “Needs rebooking” in the clinic calendar. Ring each patient and book "
            "them a new slot there."
        )
        where.setObjectName("affectedWhere")
        where.setWordWrap(True)
        self.model = AffectedAppointmentsModel()
        self.model.set_rows(affected)
        self.table = QTableView()
        self.table.setObjectName("affectedTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((190, 120, 130, 170)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.copy_button = QPushButton("Copy list")
        self.copy_button.setObjectName("copyAffected")
        self.copy_button.setToolTip("Copies the list as text, ready to paste")
        self.copy_button.clicked.connect(self.copy)
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(where)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def text(self) -> str:
        return self.model.as_text()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied")
