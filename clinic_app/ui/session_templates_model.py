"""The clinic's weekly sessions; stopped ones stay listed, greyed, as history."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.session_templates import WEEKDAY_LABELS, SessionTemplateRecord
from clinic_app.ui.rows_model import RowsTableModel

_GREY = QColor("#7b8794")


class SessionTemplatesModel(RowsTableModel[SessionTemplateRecord]):
    HEADERS = (
        "Name",
        "Weekday",
        "Times",
        "Slot",
        "Per slot",
        "Nurse",
        "Room",
        "Location",
        "From",
        "Until",
        "Active",
    )

    def __init__(self) -> None:
        super().__init__(self.HEADERS, _cells)

    def decorate(self, row: SessionTemplateRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return QBrush(_GREY)
        return None


def _cells(row: SessionTemplateRecord) -> tuple[str, ...]:
    d = row.details
    return (
        d.name,
        WEEKDAY_LABELS[d.weekday],
        f"{d.start_time:%H:%M}–{d.end_time:%H:%M}",
        f"{d.slot_minutes} min",
        str(d.capacity),
        row.nurse_name or "—",
        d.room,
        d.location,
        format_date(d.valid_from),
        format_date(d.valid_until) or "open-ended",
        "Yes" if row.active else "Stopped",
    )
