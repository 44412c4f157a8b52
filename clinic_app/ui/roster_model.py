"""The roster as a Qt table model that fetches pages as the view scrolls.

Holds only the rows fetched so far (a page at a time, by keyset: each page starts
after the sort key of the last row held), never the whole table, so 100,000
patients cost what the visible screenful costs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from clinic_app.domain.codes import PatientStatus
from clinic_app.domain.date_text import format_date
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.services.queries.roster import RosterQuery, RosterRow, RosterSort
from clinic_app.ui.paged_table_model import Column, PagedTableModel

#: (query, after this sort key or None, page size, matches counted for the query or None)
PageFetcher = Callable[[RosterQuery, tuple[Any, ...] | None, int, int | None], list[RosterRow]]

REGIMEN = 4
COLUMNS: tuple[Column[RosterRow], ...] = (
    Column(
        "Name", lambda row: f"{row.family_name.upper()}, {row.given_name}", sort=RosterSort.NAME
    ),
    Column(
        "NHS number", lambda row: format_for_display(row.nhs_number), sort=RosterSort.NHS_NUMBER
    ),
    Column(
        "Date of birth", lambda row: format_date(row.date_of_birth), sort=RosterSort.DATE_OF_BIRTH
    ),
    Column("Status", lambda row: row.status.label, sort=RosterSort.STATUS),
    Column("Regimen", lambda row: row.protocol_id or "—"),
    Column("Next due", lambda row: format_date(row.next_due)),
)
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_RECEDED = QColor("#7b8794")


class RosterModel(PagedTableModel[RosterRow]):
    def __init__(
        self,
        fetch_page: PageFetcher,
        regimen_titles: dict[str, str] | None = None,
        page_size: int = 100,
    ) -> None:
        super().__init__(COLUMNS, self._next_page, page_size)
        self._fetch_page = fetch_page
        self._titles = regimen_titles or {}
        self._query = RosterQuery()
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
        first = self._fetch_page(query, None, self.page_size, matches)
        self._query = query
        self._matches = matches
        self.show_first_page(first)

    def row_of_patient(self, patient_id: int) -> int | None:
        return self.find_row(lambda row: row.id == patient_id)

    # -- Qt model -----------------------------------------------------------------
    def role_data(self, row: RosterRow, column: int, role: int) -> Any:
        if role == PATIENT_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and row.status is not PatientStatus.ACTIVE:
            # Paused, transferred and deceased patients stay findable but recede.
            return QBrush(_RECEDED)
        if role == Qt.ItemDataRole.ToolTipRole and column == REGIMEN and row.protocol_id:
            return self._titles.get(row.protocol_id, row.protocol_id)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].sort if 0 <= column < len(self.columns) else None
        if not isinstance(key, RosterSort):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(replace(self._query, sort=key, descending=descending), self._matches)

    def _next_page(self, after: RosterRow | None, _held: int, limit: int) -> Sequence[RosterRow]:
        cursor = after.cursor if after is not None else None
        return self._fetch_page(self._query, cursor, limit, self._matches)
