"""The clinic's weekly sessions; stopped ones stay listed, greyed, as history."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.session_templates import WEEKDAY_LABELS, SessionTemplateRecord
from clinic_app.ui.paged_table_model import Column, PagedTableModel

_GREY = QColor("#7b8794")

COLUMNS: tuple[Column[SessionTemplateRecord], ...] = (
    Column("Name", lambda row: row.details.name),
    Column("Weekday", lambda row: WEEKDAY_LABELS[row.details.weekday]),
    Column("Times", lambda row: f"{row.details.start_time:%H:%M}–{row.details.end_time:%H:%M}"),
    Column("Slot", lambda row: f"{row.details.slot_minutes} min"),
    Column("Per slot", lambda row: str(row.details.capacity)),
    Column("Nurse", lambda row: row.nurse_name or "—"),
    Column("Room", lambda row: row.details.room),
    Column("Location", lambda row: row.details.location),
    Column("From", lambda row: format_date(row.details.valid_from)),
    Column("Until", lambda row: format_date(row.details.valid_until) or "open-ended"),
    Column("Active", lambda row: "Yes" if row.active else "Stopped"),
)


class SessionTemplatesModel(PagedTableModel[SessionTemplateRecord]):
    def __init__(self) -> None:
        super().__init__(COLUMNS)

    def role_data(self, row: SessionTemplateRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return QBrush(_GREY)
        return None
