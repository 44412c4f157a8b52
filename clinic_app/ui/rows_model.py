"""A read-only table over a short list of frozen records, with a hook for colours.

For lists that are short by nature (weekly templates, the sessions of the booking
horizon, closures, the patients of one cancelled session); long lists page through
the database instead (see ``stock_panel.PagedTableModel``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")


class RowsTableModel(QAbstractTableModel, Generic[Row]):
    def __init__(self, headers: Sequence[str], cells: Callable[[Row], Sequence[str]]) -> None:
        super().__init__()
        self._headers = tuple(headers)
        self._cells = cells
        self._rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> tuple[Row, ...]:
        return tuple(self._rows)

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells(row)[index.column()]
        return self.decorate(row, index.column(), role)

    def decorate(self, row: Row, column: int, role: int) -> Any:
        return None

    def as_text(self) -> str:
        """Tab-separated, with a header line: pastes into a spreadsheet or an email."""
        lines = ["\t".join(self._headers)]
        lines += ["\t".join(self._cells(row)) for row in self._rows]
        return "\n".join(lines) + "\n"
