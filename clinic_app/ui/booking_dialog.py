"""Review the whole-course booking the app proposes, adjust any dose, confirm in one go.

Every dose due in the booking horizon is listed with the slot proposed for it; each
slot is a drop-down of the other free slots the dose may use (or "do not book now").
Doses that could not be placed say why. Confirming books them all in one transaction;
if another workstation took a slot meanwhile nothing is booked, the message says so
and the proposal is worked out again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.date_text import format_date
from clinic_app.domain.errors import UserError
from clinic_app.domain.field_errors import ValidationFailed
from clinic_app.services.commands.booking import BookingResult, confirm_booking
from clinic_app.services.queries.booking_context import SlotChoice
from clinic_app.services.queries.booking_options import (
    BookingProposal,
    ProposedDose,
    propose_course_booking,
    slot_options,
)
from clinic_app.ui.ops import Ops

COLUMNS = ("Dose", "Window", "Slot", "Note")
NOT_NOW = "Do not book now"


#: Errors a person can fix: shown as a message, never as a crash.
EXPECTED = (UserError, ValidationFailed)


def error_text(error: Exception) -> str:
    """A message a person can act on: the problems only, without field names."""
    if isinstance(error, ValidationFailed):
        return " ".join(
            problem if problem[:1].isupper() else f"The {field.replace('_', ' ')} {problem}."
            for field, problem in error.errors.items()
        )
    return str(error)


def describe_preferences(days: str, time: str) -> str:
    parts = []
    if days:
        parts.append(", ".join(day.strip().capitalize() for day in days.split(",") if day.strip()))
    if time:
        parts.append({"am": "mornings", "pm": "afternoons"}.get(time, time))
    return "Prefers " + " · ".join(parts) if parts else "No preferred days or times"


class BookingDialog(QDialog):
    #: The doses were booked (BookingResult).
    booked = Signal(object)
    #: The proposal (and each dose's other slots) is on screen.
    ready = Signal()

    def __init__(
        self, ops: Ops, course_id: int, today: dt.date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._options: dict[int, list[SlotChoice]] = {}
        self._course_id = course_id
        self._today = today
        self.proposal: BookingProposal | None = None
        self.booking_result: BookingResult | None = None
        self.setObjectName("bookingDialog")
        self.setWindowTitle("Book the course")

        self.heading = QLabel()
        self.heading.setObjectName("patientHeading")
        self.preferences = QLabel()
        self.preferences.setObjectName("patientSubheading")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("proposalTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(2, 330)
        self.summary = QLabel()
        self.message = QLabel()
        self.message.setObjectName("problemSummary")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.confirm_button.setObjectName("saveButton")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.preferences)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        self.resize(900, 480)
        self.refresh()

    @property
    def confirm_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def refresh(self) -> None:
        """Work the proposal out again from what is free now (read on the worker)."""
        course_id, today = self._course_id, self._today

        def read(uow: Any) -> tuple[BookingProposal, dict[int, list[SlotChoice]]]:
            proposal = propose_course_booking(uow, course_id, today=today)
            options = {
                dose.appointment_id: slot_options(uow, dose.appointment_id, today=today)
                for dose in proposal.doses
            }
            return proposal, options

        self.confirm_button.setEnabled(False)
        self._ops.read(read, self._show, failed=self._cannot_propose)

    def _show(self, read: tuple[BookingProposal, dict[int, list[SlotChoice]]]) -> None:
        proposal, self._options = read
        self.proposal = proposal
        self.heading.setText(f"Book {proposal.patient_name}'s course")
        self.preferences.setText(
            describe_preferences(proposal.preferred_days, proposal.preferred_time)
        )
        self.table.setRowCount(len(proposal.doses))
        for row, dose in enumerate(proposal.doses):
            self._fill_row(row, dose)
        self.table.resizeRowsToContents()
        self._update_summary()
        self.ready.emit()

    def _cannot_propose(self, error: Exception) -> None:
        self.message.setText(error_text(error))
        self.ready.emit()

    def _fill_row(self, row: int, dose: ProposedDose) -> None:
        self.table.setItem(row, 0, QTableWidgetItem(dose.label))
        window = f"{format_date(dose.window_earliest)} to {format_date(dose.window_latest)}"
        self.table.setItem(row, 1, QTableWidgetItem(window))
        combo = QComboBox()
        combo.setAccessibleName(f"Slot for {dose.label}")
        combo.addItem(NOT_NOW, None)
        if dose.slot is not None:
            combo.addItem(dose.slot.describe(), dose.slot.slot_id)
        for option in self._options.get(dose.appointment_id, []):
            if dose.slot is None or option.slot_id != dose.slot.slot_id:
                combo.addItem(option.describe(), option.slot_id)
        combo.setCurrentIndex(1 if dose.slot is not None else 0)
        combo.currentIndexChanged.connect(self._update_summary)
        self.table.setCellWidget(row, 2, combo)
        note = dose.problem
        if dose.outside_preferences:
            note = "No slot on the preferred days or times in the window: another was chosen."
        item = QTableWidgetItem(note)
        if dose.slot is None:
            item.setForeground(Qt.GlobalColor.darkRed)
        self.table.setItem(row, 3, item)

    def combo(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, 2)
        assert isinstance(widget, QComboBox)
        return widget

    def choices(self) -> list[tuple[int, int]]:
        assert self.proposal is not None
        chosen = []
        for row, dose in enumerate(self.proposal.doses):
            slot_id = self.combo(row).currentData()
            if slot_id is not None:
                chosen.append((dose.appointment_id, int(slot_id)))
        return chosen

    def _update_summary(self) -> None:
        total = len(self.proposal.doses) if self.proposal else 0
        count = len(self.choices()) if self.proposal else 0
        if not total:
            self.summary.setText("Nothing to book: every dose due is already booked.")
        else:
            self.summary.setText(f"{count} of {total} doses will be booked.")
        self.confirm_button.setText(f"Book {count} dose" + ("" if count == 1 else "s"))
        self.confirm_button.setEnabled(count > 0)

    def confirm(self) -> None:
        self.confirm_button.setEnabled(False)
        self._ops.write(
            confirm_booking.bind(self.choices(), today=self._today),
            self._done,
            failed=self._refused,
        )

    def _done(self, result: BookingResult) -> None:
        self.booking_result = result
        self.booked.emit(result)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self.message.setText(f"{error_text(error)} Nothing was booked; here is a new proposal.")
        self.refresh()
