"""Beside the calendar: the chosen patient's doses, and who needs rebooking.

Shows what it is given (a ``PatientTimeline``, a rebooking list); the calendar view
asks the services and acts on the signals. A dose still to book can be dragged from
the list onto a free slot.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.appointment_text import describe_start
from clinic_app.domain.codes import AppointmentStatus
from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.calendar import PatientTimeline, TimelineEntry
from clinic_app.services.queries.rebooking import AffectedAppointment
from clinic_app.ui.booking_dialog import describe_preferences
from clinic_app.ui.week_model import DOSE_MIME

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_WAITING = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
NO_PATIENT = (
    "Choose a patient on the roster to book their doses.\n"
    "The calendar still shows every session and who is booked."
)


class DoseList(QListWidget):
    """The patient's doses; one still to book can be dragged onto a slot."""

    def mimeTypes(self) -> list[str]:
        return [DOSE_MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        data = QMimeData()
        for item in items:
            entry = item.data(ENTRY_ROLE)
            if isinstance(entry, TimelineEntry) and entry.bookable:
                data.setData(DOSE_MIME, QByteArray(str(entry.appointment_id).encode()))
                break
        return data


class DosePanel(QWidget):
    #: The dose chosen in the list changed (or was cleared).
    dose_chosen = Signal()
    #: "Book whole course…" was pressed.
    book_course = Signal()
    #: An entry of the rebooking list was chosen: (patient id, appointment id).
    rebooking_chosen = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientPanel")
        self.timeline_data: PatientTimeline | None = None
        self.heading = QLabel("No patient chosen")
        self.heading.setObjectName("patientHeading")
        self.heading.setWordWrap(True)
        self.details = QLabel(NO_PATIENT)
        self.details.setObjectName("patientSubheading")
        self.details.setWordWrap(True)
        self.timeline = DoseList()
        self.timeline.setObjectName("doseTimeline")
        self.timeline.setAccessibleName("The patient's doses")
        self.timeline.setDragEnabled(True)
        self.timeline.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.timeline.setWordWrap(True)
        self.timeline.setAlternatingRowColors(True)
        self.course_button = QPushButton("Book whole &course\u2026")
        self.course_button.setEnabled(False)
        self.hint = QLabel(
            "Pick a dose, then double-click a green slot, drag the dose onto it, "
            "or select the slot and press Book here."
        )
        self.hint.setObjectName("calendarHint")
        self.hint.setWordWrap(True)
        self.rebooking_title = QLabel("Needs rebooking")
        self.rebooking_title.setObjectName("sectionTitle")
        self.rebooking = QListWidget()
        self.rebooking.setObjectName("rebookingList")
        self.rebooking.setAccessibleName("Appointments that lost their slot")
        self.rebooking.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.details)
        layout.addWidget(self.timeline, 3)
        layout.addWidget(self.course_button)
        layout.addWidget(self.hint)
        layout.addSpacing(8)
        layout.addWidget(self.rebooking_title)
        layout.addWidget(self.rebooking, 1)

        self.timeline.currentItemChanged.connect(lambda *_args: self.dose_chosen.emit())
        self.course_button.clicked.connect(lambda _checked=False: self.book_course.emit())
        self.rebooking.itemActivated.connect(self._rebooking_item)
        self.rebooking.itemClicked.connect(self._rebooking_item)

    def show_timeline(self, timeline: PatientTimeline | None) -> None:
        """Show the patient's doses, keeping the chosen dose chosen if it is still listed."""
        chosen = self.selected_dose()
        self.timeline_data = timeline
        self.timeline.blockSignals(True)
        self.timeline.clear()
        if timeline is None:
            self.heading.setText("No patient chosen")
            self.details.setText(NO_PATIENT)
        else:
            self.heading.setText(timeline.name)
            number = timeline.nhs_number
            self.details.setText(
                f"NHS {number[:3]} {number[3:6]} {number[6:]}  \u00b7  "
                f"{describe_preferences(timeline.preferred_days, timeline.preferred_time)}"
                + ("" if timeline.course_ids else "\nNo active course: nothing to book.")
            )
            for entry in timeline.entries:
                item = _item(entry)
                self.timeline.addItem(item)
                if chosen is not None and entry.appointment_id == chosen.appointment_id:
                    self.timeline.setCurrentItem(item)
        self.timeline.blockSignals(False)
        self.course_button.setEnabled(bool(timeline and timeline.course_ids))

    def show_rebooking(self, waiting: Sequence[AffectedAppointment]) -> None:
        self.rebooking.clear()
        for affected in waiting:
            item = QListWidgetItem(
                f"{affected.patient_name} \u00b7 {affected.dose}\n"
                f"was {describe_start(affected.old_start)} \u00b7 {affected.phone or 'no phone'}"
            )
            item.setData(Qt.ItemDataRole.UserRole, (affected.patient_id, affected.appointment_id))
            item.setToolTip(affected.reason)
            self.rebooking.addItem(item)
        self.rebooking_title.setText(f"Needs rebooking ({len(waiting)})")

    def selected_dose(self) -> TimelineEntry | None:
        item = self.timeline.currentItem()
        entry = item.data(ENTRY_ROLE) if item is not None else None
        return entry if isinstance(entry, TimelineEntry) else None

    def choose_dose(self, appointment_id: int) -> bool:
        for row in range(self.timeline.count()):
            item = self.timeline.item(row)
            entry = item.data(ENTRY_ROLE)
            if isinstance(entry, TimelineEntry) and entry.appointment_id == appointment_id:
                self.timeline.setCurrentItem(item)
                return True
        return False

    def _rebooking_item(self, item: QListWidgetItem) -> None:
        patient_id, appointment_id = item.data(Qt.ItemDataRole.UserRole)
        self.rebooking_chosen.emit(patient_id, appointment_id)


def _item(entry: TimelineEntry) -> QListWidgetItem:
    item = QListWidgetItem(entry_text(entry))
    item.setData(ENTRY_ROLE, entry)
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    if entry.bookable:
        flags |= Qt.ItemFlag.ItemIsDragEnabled
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    elif entry.status not in _WAITING:
        item.setForeground(Qt.GlobalColor.darkGray)
    item.setFlags(flags)
    return item


def entry_text(entry: TimelineEntry) -> str:
    if entry.status in _WAITING:
        assert entry.slot_start is not None
        state = "arrived" if entry.status is AppointmentStatus.ARRIVED else "booked"
        return f"\u2713 {entry.label}\n{state} {describe_start(entry.slot_start)}"
    if entry.status is AppointmentStatus.PROPOSED:
        window = f"{format_date(entry.window_earliest)} to {format_date(entry.window_latest)}"
        return f"{entry.label}  \u2014  to book\nwindow {window}"
    when = format_date(entry.slot_start.date() if entry.slot_start else entry.planned_date)
    return f"{entry.label}\n{entry.status.label.lower()} {when}"
