"""The clinic's sessions as a grid: one column per session, one row per slot time.

``SlotGridModel`` holds one date range of ``SessionDay`` rows (a week is a few dozen
slots, so the whole range is held; it is fetched again on every change). Cells say
who is booked and how many places are left; a booked appointment can be dragged onto
a free slot (a move) and a dose from the patient's timeline dropped onto one (a
booking). The model only asks: the calendar view does the booking and reloads.

``WeekModel`` shows Monday to Sunday; ``day_model.DayModel`` one day in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from clinic_app.domain.codes import AppointmentStatus
from clinic_app.services.queries.calendar import BookedPatient, SessionDay, SlotOccupancy

Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[dt.date, dt.date], list[SessionDay]]

#: Drag payloads: a booked appointment (to move) or a dose from the timeline (to book).
APPOINTMENT_MIME = "application/x-clinic-appointment"
DOSE_MIME = "application/x-clinic-dose"
SLOT_ROLE = Qt.ItemDataRole.UserRole + 1
SESSION_ROLE = Qt.ItemDataRole.UserRole + 2

FREE = QColor("#eaf6ec")
FULL = QColor("#eef0f3")
CANCELLED = QColor("#f3e9e9")
MINE = QColor("#ffe39a")
FITS = QColor("#b9e4c1")
MUTED = QColor("#7b8794")
TEXT = QColor("#1f2d3d")
_STATUS_SUFFIX = {
    AppointmentStatus.ARRIVED: " (arrived)",
    AppointmentStatus.FULFILLED: " (given)",
}


def patient_text(patient: BookedPatient) -> str:
    return patient.name + _STATUS_SUFFIX.get(patient.status, "")


class SlotGridModel(QAbstractTableModel):
    """Sessions as columns, slot start times (time of day) as rows."""

    #: A booked appointment was dropped on a slot: (appointment id, slot id).
    move_requested = Signal(int, int)
    #: A dose to book was dropped on a slot: (appointment id, slot id).
    book_requested = Signal(int, int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._first = dt.date.today()
        self._last = self._first
        self._sessions: list[SessionDay] = []
        self._row_labels: list[str] = []
        self._cells: dict[tuple[int, int], SlotOccupancy] = {}
        self._slot_index: dict[int, tuple[int, int]] = {}
        self._focus_patient: int | None = None
        self._fits: frozenset[int] = frozenset()

    # -- what is shown -------------------------------------------------------------
    @property
    def first_day(self) -> dt.date:
        return self._first

    @property
    def last_day(self) -> dt.date:
        return self._last

    @property
    def sessions(self) -> Sequence[SessionDay]:
        return self._sessions

    def range_of(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """The first and last day this grid shows when ``day`` is to be in view."""
        return day, day

    def show_days(self, first: dt.date, last: dt.date, days: list[SessionDay]) -> None:
        """Show the sessions read for ``first`` to ``last`` (the view reads them)."""
        self.beginResetModel()
        self._first, self._last = first, last
        self._sessions = days
        self._row_labels, self._cells = self.layout(days)
        self._slot_index = {slot.slot_id: where for where, slot in self._cells.items()}
        self.endResetModel()

    def layout(
        self, days: Sequence[SessionDay]
    ) -> tuple[list[str], dict[tuple[int, int], SlotOccupancy]]:
        """Row labels, and the slot in each (row, column): rows are the times of day."""
        times = sorted({slot.start.time() for day in days for slot in day.slots})
        row_of = {time: row for row, time in enumerate(times)}
        cells = {
            (row_of[slot.start.time()], column): slot
            for column, day in enumerate(days)
            for slot in day.slots
        }
        return [time.strftime("%H:%M") for time in times], cells

    def set_focus(self, patient_id: int | None, fits: frozenset[int] = frozenset()) -> None:
        """Highlight the patient's appointments, and the free slots (by id) that the dose
        being booked may go into."""
        self._focus_patient = patient_id
        self._fits = fits
        if self._row_labels and self._sessions:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._row_labels) - 1, len(self._sessions) - 1),
                [Qt.ItemDataRole.BackgroundRole],
            )

    def slot_at(self, index: Index) -> SlotOccupancy | None:
        if not index.isValid():
            return None
        return self._cells.get((index.row(), index.column()))

    def session_at(self, column: int) -> SessionDay | None:
        return self._sessions[column] if 0 <= column < len(self._sessions) else None

    def index_of_slot(self, slot_id: int) -> QModelIndex:
        where = self._slot_index.get(slot_id)
        return QModelIndex() if where is None else self.index(*where)

    def first_slot_index(self) -> QModelIndex:
        """The earliest slot of the first session (where the keyboard starts)."""
        for day in self._sessions:
            if day.slots:
                return self.index_of_slot(day.slots[0].slot_id)
        return QModelIndex()

    def target_appointment(self, index: Index) -> BookedPatient | None:
        """The appointment an action on this cell means: the focused patient's if they
        are in it, else the only one; None when the cell is empty or ambiguous."""
        slot = self.slot_at(index)
        if slot is None or not slot.patients:
            return None
        for patient in slot.patients:
            if patient.patient_id == self._focus_patient:
                return patient
        return slot.patients[0] if len(slot.patients) == 1 else None

    def fits_chosen_dose(self, slot: SlotOccupancy) -> bool:
        return slot.slot_id in self._fits and slot.free > 0

    # -- text, overridden by the week and day models ----------------------------------
    def column_title(self, day: SessionDay) -> str:
        nurse = day.nurse_name or "No nurse assigned"
        status = "CANCELLED" if day.cancelled else day.room
        return f"{day.session_date:%a %d %b}\n{nurse}\n{status}"

    def cell_text(self, day: SessionDay, slot: SlotOccupancy) -> str:
        if day.cancelled:
            return "Cancelled"
        names = [patient_text(p) for p in slot.patients]
        if slot.capacity == 1:
            return names[0] if names else "Free"
        places = f"{slot.free} free" if slot.free else "full"
        if len(names) == 1:
            return f"{names[0]} \u00b7 {places}"
        return f"{len(names)} booked \u00b7 {places}" if names else places.capitalize()

    # -- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._row_labels)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._sessions)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            day = self.session_at(section)
            if day is None:
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return self.column_title(day)
            if role == Qt.ItemDataRole.ToolTipRole:
                return _session_tooltip(day)
            if role == SESSION_ROLE:
                return day
            return None
        if 0 <= section < len(self._row_labels) and role == Qt.ItemDataRole.DisplayRole:
            return self._row_labels[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        slot = self.slot_at(index)
        if slot is None:
            return None
        day = self._sessions[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(day, slot)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _slot_tooltip(day, slot)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(self._background(day, slot))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(MUTED if day.cancelled or (not slot.patients and not slot.free) else TEXT)
        if role == SLOT_ROLE:
            return slot
        if role == SESSION_ROLE:
            return day
        return None

    def _background(self, day: SessionDay, slot: SlotOccupancy) -> QColor:
        if day.cancelled:
            return CANCELLED
        if self._focus_patient is not None and any(
            p.patient_id == self._focus_patient for p in slot.patients
        ):
            return MINE
        if self.fits_chosen_dose(slot):
            return FITS
        return FREE if slot.free else FULL

    def flags(self, index: Index) -> Qt.ItemFlag:
        slot = self.slot_at(index)
        if slot is None:
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.target_appointment(index) is not None:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        if slot.free:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    # -- drag and drop ---------------------------------------------------------------------
    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [APPOINTMENT_MIME, DOSE_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        for index in indexes:
            appointment = self.target_appointment(index)
            if appointment is not None:
                data.setData(APPOINTMENT_MIME, QByteArray(str(appointment.appointment_id).encode()))
                break
        return data

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        slot = self.slot_at(parent)
        if slot is None or not slot.free or self._sessions[parent.column()].cancelled:
            return False
        return data.hasFormat(APPOINTMENT_MIME) or data.hasFormat(DOSE_MIME)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """Ask for the move or booking; nothing changes here (the view reloads after)."""
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        slot = self.slot_at(parent)
        assert slot is not None
        if data.hasFormat(APPOINTMENT_MIME):
            appointment_id = int(bytes(data.data(APPOINTMENT_MIME).data()).decode())
            if any(p.appointment_id == appointment_id for p in slot.patients):
                return False
            self.move_requested.emit(appointment_id, slot.slot_id)
        else:
            appointment_id = int(bytes(data.data(DOSE_MIME).data()).decode())
            self.book_requested.emit(appointment_id, slot.slot_id)
        # False: the drag source must not remove anything; the reload shows the result.
        return False


class WeekModel(SlotGridModel):
    """Monday to Sunday of the week containing a day.

    Each session's slots run down its own column, each cell naming its time, so a
    morning and an afternoon session sit side by side and a whole week fits on one
    screen (the day view lines sessions up by time instead).
    """

    def range_of(self, day: dt.date) -> tuple[dt.date, dt.date]:
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)

    def layout(
        self, days: Sequence[SessionDay]
    ) -> tuple[list[str], dict[tuple[int, int], SlotOccupancy]]:
        cells = {
            (row, column): slot
            for column, day in enumerate(days)
            for row, slot in enumerate(day.slots)
        }
        rows = max((len(day.slots) for day in days), default=0)
        return [str(row + 1) for row in range(rows)], cells

    def column_title(self, day: SessionDay) -> str:
        nurse = day.nurse_name or "No nurse assigned"
        times = f"{day.start_time:%H:%M}-{day.end_time:%H:%M}"
        return f"{day.session_date:%a %d %b}  {times}\n{nurse}\n{room_and_load(day)}"

    def cell_text(self, day: SessionDay, slot: SlotOccupancy) -> str:
        return f"{slot.start:%H:%M}   {super().cell_text(day, slot)}"


def room_and_load(day: SessionDay) -> str:
    if day.cancelled:
        return "CANCELLED"
    places = sum(slot.capacity for slot in day.slots)
    booked = sum(slot.booked_count for slot in day.slots)
    return " \u00b7 ".join(part for part in (day.room, f"{booked}/{places} booked") if part)


def _session_tooltip(day: SessionDay) -> str:
    lines = [
        f"{day.session_date:%A %d %B %Y}, {day.start_time:%H:%M}-{day.end_time:%H:%M}",
        f"Nurse: {day.nurse_name or 'not assigned'}",
        ", ".join(part for part in (day.location, day.room) if part),
    ]
    if day.cancelled:
        lines.append(f"Cancelled: {day.cancel_reason}")
    return "\n".join(line for line in lines if line)


def _slot_tooltip(day: SessionDay, slot: SlotOccupancy) -> str:
    head = f"{slot.start:%a %d/%m %H:%M}-{slot.end:%H:%M} with {day.nurse_name or 'no nurse'}"
    if day.cancelled:
        return f"{head}\nSession cancelled: {day.cancel_reason}"
    lines = [head]
    lines += [f"{patient_text(p)}: {p.label}" for p in slot.patients]
    lines.append(f"{slot.free} of {slot.capacity} places free")
    return "\n".join(lines)
