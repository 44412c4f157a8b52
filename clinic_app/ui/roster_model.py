"""The roster as a Qt table model that fetches pages as the view scrolls.

Holds only the rows fetched so far (a page at a time, by keyset: each page starts
after the sort key of the last row held), never the whole table, so 100,000
patients cost what the visible screenful costs. Every page is read through the ops
gateway on the worker: the first page of a search with its count (``search``), the
next ones as the view scrolls; an answer for a search no longer shown is dropped.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor

from clinic_app.domain.codes import PatientStatus
from clinic_app.domain.date_text import format_date
from clinic_app.domain.nhs_number import format_for_display
from clinic_app.services.queries.roster import (
    RosterQuery,
    RosterRow,
    RosterSort,
    count_roster,
    search_roster,
)
from clinic_app.ui.ops import Ops
from clinic_app.ui.paged_table_model import Column, Index, PagedTableModel

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
    #: A search's first page is on screen: (how many patients it matches).
    shown = Signal(int)

    def __init__(
        self, ops: Ops, regimen_titles: dict[str, str] | None = None, page_size: int = 100
    ) -> None:
        super().__init__(COLUMNS, None, page_size)
        self._ops = ops
        self._titles = regimen_titles or {}
        self._query = RosterQuery()
        self._matches: int | None = None
        #: Bumped per search: pages of an earlier search are dropped when they arrive.
        self._generation = 0
        self._shown_generation = 0
        self._paging = False

    # -- the query ----------------------------------------------------------------
    @property
    def query(self) -> RosterQuery:
        return self._query

    @property
    def searching(self) -> bool:
        """A search (or a page of it) is being read."""
        return self._generation != self._shown_generation or self._paging

    def search(self, query: RosterQuery) -> None:
        """Count and show the first page for a new search, filter or sort."""
        self._generation += 1
        generation, limit = self._generation, self.page_size

        def read(uow: Any) -> tuple[int, list[RosterRow]]:
            total = count_roster(uow, query)
            return total, search_roster(uow, query, limit=limit, matches=total)

        def arrived(result: tuple[int, list[RosterRow]]) -> None:
            if generation != self._generation:
                return  # the person has typed on since
            total, rows = result
            self._query, self._matches = query, total
            self._shown_generation = generation
            self._paging = False
            self._reset(rows, complete=len(rows) < self.page_size)
            self.shown.emit(total)

        self._ops.read(read, arrived)

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
        self.search(replace(self._query, sort=key, descending=descending))

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self.exhausted and not self.searching

    def fetchMore(self, parent: Index) -> None:
        """The next page, read on the worker; the view asks again when it arrives."""
        if not self.canFetchMore(parent) or not self.rowCount():
            return
        self._paging = True
        generation, query, matches = self._generation, self._query, self._matches
        after, limit = self.row_at(self.rowCount() - 1).cursor, self.page_size

        def arrived(more: list[RosterRow]) -> None:
            if generation != self._generation:
                return
            # Rows in before another page may be asked for: a view (or Qt's model
            # tester) can ask from inside the insertion itself.
            self.append_page(more)
            self._paging = False

        self._ops.read(
            lambda uow: search_roster(uow, query, after=after, limit=limit, matches=matches),
            arrived,
        )
