"""The roster as a Qt table model that fetches pages as the view scrolls.

Holds only the rows fetched so far (a page at a time, by keyset), never the whole
table, so 100,000 patients cost what the visible screenful costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from clinic_app.domain.codes import PatientStatus
from clinic_app.domain.date_text import format_date
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.services.queries.roster import RosterQuery, RosterRow, RosterSort

Index = QModelIndex | QPersistentModelIndex
#: (query, after this sort key or None, page size, matches counted for the query or None)
PageFetcher = Callable[[RosterQuery, tuple[Any, ...] | None, int, int | None], list[RosterRow]]

COLUMNS: tuple[tuple[str, RosterSort | None], ...] = (
    ("Name", RosterSort.NAME),
    ("NHS number", RosterSort.NHS_NUMBER),
    ("Date of birth", RosterSort.DATE_OF_BIRTH),
    ("Status", RosterSort.STATUS),
    ("Regimen", None),
    ("Next due", None),
)
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class RosterModel(QAbstractTableModel):
    def __init__(
        self,
        fetch_page: PageFetcher,
        regimen_titles: dict[str, str] | None = None,
        page_size: int = 100,
    ) -> None:
        super().__init__()
        self._fetch_page = fetch_page
        self._titles = regimen_titles or {}
        self._page_size = page_size
        self._query = RosterQuery()
        self._rows: list[RosterRow] = []
        self._exhausted = True
        self._matches: int | None = None

    # -- the query ----------------------------------------------------------------
    @property
    def query(self) -> RosterQuery:
        return self._query

    def set_query(self, query: RosterQuery, matches: int | None = None) -> None:
        """Show the first page for a new search, filter or sort.

        ``matches`` is how many patients the query finds, when the caller has just
        counted them: it spares the service counting again.
        """
        first = self._fetch_page(query, None, self._page_size, matches)
        self.beginResetModel()
        self._query = query
        self._matches = matches
        self._rows = first
        self._exhausted = len(first) < self._page_size
        self.endResetModel()

    def row_at(self, row: int) -> RosterRow:
        return self._rows[row]

    def row_of_patient(self, patient_id: int) -> int | None:
        for number, entry in enumerate(self._rows):
            if entry.id == patient_id:
                return number
        return None

    # -- Qt model -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or not self._rows:
            return
        page = self._fetch_page(self._query, self._rows[-1].cursor, self._page_size, self._matches)
        self._exhausted = len(page) < self._page_size
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, index.column())
        if role == PATIENT_ID_ROLE:
            return entry.id
        if role == Qt.ItemDataRole.ForegroundRole and entry.status is not PatientStatus.ACTIVE:
            # Paused, transferred and deceased patients stay findable but recede.
            return QBrush(QColor("#7b8794"))
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4 and entry.protocol_id:
            return self._titles.get(entry.protocol_id, entry.protocol_id)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(replace(self._query, sort=key, descending=descending), self._matches)

    def _display(self, entry: RosterRow, column: int) -> str:
        if column == 0:
            return f"{entry.family_name.upper()}, {entry.given_name}"
        if column == 1:
            return format_for_display(entry.nhs_number)
        if column == 2:
            return format_date(entry.date_of_birth)
        if column == 3:
            return entry.status.label
        if column == 4:
            return entry.protocol_id or "—"
        if column == 5:
            return format_date(entry.next_due)
        return ""
