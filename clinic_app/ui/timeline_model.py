"""A course's timeline as a Qt table: given, booked, planned, missed and blood tests.

One course holds at most a few hundred lines (a lifetime of doses plus a two-year
plan), fetched in one query by ``course_timeline``, so the model holds them all.
Kinds are told apart three ways, so colour is never the only cue: the status text,
a coloured marker beside it, and muted text for what is only planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from clinic_app.domain.codes import Phase
from clinic_app.domain.date_text import format_date
from clinic_app.services.queries.courses import EntryKind, TimelineEntry
from clinic_app.ui.paged_table_model import Column, PagedTableModel

#: The entry's kind (an EntryKind value) for tests and delegates.
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
APPOINTMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 2

_MARKERS = {
    EntryKind.GIVEN: "#2e7d32",
    EntryKind.BOOKED: "#1f5fa8",
    EntryKind.PLANNED: "#9aa5b1",
    EntryKind.REVIEW: "#8e6bbf",
    EntryKind.MONITORING: "#b7791f",
    EntryKind.MISSED: "#b42318",
    EntryKind.OVERDUE_REVIEW: "#b42318",
    EntryKind.CANCELLED: "#9aa5b1",
    EntryKind.DONE: "#2e7d32",
}
_MUTED = QColor("#7b8794")
_ALERT = QColor("#b42318")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _dose_text(entry: TimelineEntry) -> str:
    if entry.phase is Phase.MONITORING:
        return "Blood tests"
    if entry.phase is Phase.REVIEW:
        return f"Review {entry.dose_number}" if entry.dose_number else "Review"
    name = entry.phase.label
    return f"{name} {entry.dose_number}" if entry.dose_number else name


def _window(entry: TimelineEntry) -> str:
    if entry.kind in (EntryKind.GIVEN, EntryKind.DONE) or entry.earliest == entry.latest:
        return ""
    return f"{entry.earliest:%d/%m}–{entry.latest:%d/%m}"


COLUMNS: tuple[Column[TimelineEntry], ...] = (
    Column("Date", lambda entry: f"{_WEEKDAYS[entry.date.weekday()]} {format_date(entry.date)}"),
    Column("Dose", _dose_text),
    Column("Status", lambda entry: entry.status_label),
    Column("Window", _window),
    Column("Details", lambda entry: entry.detail),
)
DATE, DOSE, STATUS, WINDOW, DETAILS = range(len(COLUMNS))


class TimelineModel(PagedTableModel[TimelineEntry]):
    def __init__(self) -> None:
        super().__init__(COLUMNS)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._bold = QFont()
        self._bold.setBold(True)
        self._struck = QFont()
        self._struck.setStrikeOut(True)

    def set_entries(self, entries: Sequence[TimelineEntry]) -> None:
        self.set_rows(entries)

    def entry(self, row: int) -> TimelineEntry:
        return self.row_at(row)

    def row_of_next(self) -> int | None:
        """The first line still to come (booked or planned), to scroll to."""
        return self.find_row(
            lambda entry: (
                entry.kind
                in (EntryKind.OVERDUE_REVIEW, EntryKind.BOOKED, EntryKind.PLANNED, EntryKind.REVIEW)
            )
        )

    def role_data(self, entry: TimelineEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry)
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            return QColor(_MARKERS[entry.kind])
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(entry, column)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(entry, column)
        if role == KIND_ROLE:
            return entry.kind.value
        if role == APPOINTMENT_ID_ROLE:
            return entry.appointment_id
        return None

    # -- presentation --------------------------------------------------------------------
    def _tooltip(self, entry: TimelineEntry) -> str:
        lines = [f"{_dose_text(entry)}: {entry.status_label}, {format_date(entry.date)}"]
        if entry.kind not in (EntryKind.GIVEN, EntryKind.DONE) and entry.earliest != entry.latest:
            lines.append(
                f"On time between {format_date(entry.earliest)} and {format_date(entry.latest)}"
            )
        if entry.detail:
            lines.append(entry.detail)
        return "\n".join(lines)

    def _foreground(self, entry: TimelineEntry, column: int) -> QBrush | None:
        if entry.kind in (EntryKind.MISSED, EntryKind.OVERDUE_REVIEW) or (
            entry.needs_rebooking and column == DETAILS
        ):
            return QBrush(_ALERT)
        if entry.kind in (
            EntryKind.PLANNED,
            EntryKind.REVIEW,
            EntryKind.MONITORING,
            EntryKind.CANCELLED,
        ):
            return QBrush(_MUTED)
        return None

    def _font(self, entry: TimelineEntry, column: int) -> QFont | None:
        if entry.kind is EntryKind.CANCELLED and column != DETAILS:
            return self._struck
        if entry.kind in (EntryKind.PLANNED, EntryKind.REVIEW, EntryKind.MONITORING):
            return self._italic
        if entry.kind in (EntryKind.BOOKED, EntryKind.OVERDUE_REVIEW) and column == STATUS:
            return self._bold
        return None
