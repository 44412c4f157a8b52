"""The sessions of the booking horizon: when, who, how full, and whether still on."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.timetable import UpcomingSession
from clinic_app.ui.rows_model import RowsTableModel

_CANCELLED = QColor("#fdecea")
_FULL = QColor("#fff4e0")


class UpcomingSessionsModel(RowsTableModel[UpcomingSession]):
    HEADERS = ("Date", "Times", "Nurse", "Room", "Location", "Booked", "Status")

    def __init__(self) -> None:
        super().__init__(self.HEADERS, _cells)

    def decorate(self, row: UpcomingSession, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.cancelled:
                return QBrush(_CANCELLED)
            if row.places and row.booked >= row.places:
                return QBrush(_FULL)
            return None
        if role == Qt.ItemDataRole.ToolTipRole and row.cancelled:
            return f"Cancelled: {row.cancel_reason}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _cells(row: UpcomingSession) -> tuple[str, ...]:
    if row.cancelled:
        status = f"Cancelled: {row.cancel_reason}"
    elif row.places and row.booked >= row.places:
        status = "Full"
    else:
        status = "One-off" if row.one_off else "On"
    return (
        f"{row.session_date:%a} {format_date(row.session_date)}",
        f"{row.start_time:%H:%M}–{row.end_time:%H:%M} ({row.slot_minutes} min)",
        row.nurse_name or "—",
        row.room,
        row.location,
        f"{row.booked} / {row.places}",
        status,
    )
