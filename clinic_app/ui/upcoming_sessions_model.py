"""The sessions of the booking horizon: when, who, how full, and whether still on."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.timetable import UpcomingSession
from clinic_app.ui.paged_table_model import RIGHT, Column, PagedTableModel

_CANCELLED = QColor("#fdecea")
_FULL = QColor("#fff4e0")


def _full(row: UpcomingSession) -> bool:
    return bool(row.places) and row.booked >= row.places


def _status(row: UpcomingSession) -> str:
    if row.cancelled:
        return f"Cancelled: {row.cancel_reason}"
    if _full(row):
        return "Full"
    return "One-off" if row.one_off else "On"


COLUMNS: tuple[Column[UpcomingSession], ...] = (
    Column("Date", lambda row: f"{row.session_date:%a} {format_date(row.session_date)}"),
    Column(
        "Times",
        lambda row: f"{row.start_time:%H:%M}–{row.end_time:%H:%M} ({row.slot_minutes} min)",
    ),
    Column("Nurse", lambda row: row.nurse_name or "—"),
    Column("Room", lambda row: row.room),
    Column("Location", lambda row: row.location),
    Column("Booked", lambda row: f"{row.booked} / {row.places}", align=RIGHT),
    Column("Status", _status),
)


class UpcomingSessionsModel(PagedTableModel[UpcomingSession]):
    def __init__(self) -> None:
        super().__init__(COLUMNS)

    def role_data(self, row: UpcomingSession, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.cancelled:
                return QBrush(_CANCELLED)
            return QBrush(_FULL) if _full(row) else None
        if role == Qt.ItemDataRole.ToolTipRole and row.cancelled:
            return f"Cancelled: {row.cancel_reason}"
        return None
