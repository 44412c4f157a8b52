"""The one table model every list in the UI sits on: columns declared once, rows by the page.

A view asks for rows through ``canFetchMore``/``fetchMore`` as it scrolls, and each
page is read through the ops gateway on the worker, so a table costs what its
screenful costs however long it is and never waits on the database (the roster
pages by keyset through
100,000 patients, the lot trace by offset through a recall). A list that is short by
nature (the weekly sessions, the closures, one course's timeline) is a list whose
first page is all of it. The Qt plumbing (counts, headers, display text, alignment)
is written here once; a model says only what its columns show and what colours or
tooltips its rows carry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from clinic_app.ui.ops import Ops

Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")
#: The next page, read on the worker: (the unit of work; the last row held, or None for
#: the first page; how many rows are held; how many to fetch). Keyset paging reads the
#: second, offset paging the third.
PageRead = Callable[[Any, Row | None, int, int], Sequence[Row]]
#: Numbers line up on the right, as in a spreadsheet.
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column(Generic[Row]):
    """A column as the person reads it: its header, its text, and how it lines up."""

    header: str
    text: Callable[[Row], str]
    align: Qt.AlignmentFlag | None = None
    #: What the query orders by when this header is clicked; None: the column cannot sort.
    sort: object = None


class PagedTableModel(QAbstractTableModel, Generic[Row]):
    """Read-only rows held as fetched, never more: a page at a time, or one short list."""

    #: The first page after ``reload`` is on screen.
    reloaded = Signal()

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        read: tuple[Ops, PageRead[Row]] | None = None,
        page_size: int = 200,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._read = read
        self._page_size = page_size
        self._rows: list[Row] = []
        self._exhausted = True
        #: Bumped per reload: a page of the rows shown before is dropped when it comes.
        self._generation = 0
        self._reading = False

    # -- what is held -------------------------------------------------------------------
    @property
    def columns(self) -> tuple[Column[Row], ...]:
        return self._columns

    @property
    def page_size(self) -> int:
        return self._page_size

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show a whole short list: nothing more is fetched as the view scrolls."""
        self._reset(rows, complete=True)

    def show_first_page(self, rows: Sequence[Row]) -> None:
        """Show a first page (read off the GUI thread); later pages follow."""
        self._generation += 1
        self._reading = False
        self._reset(rows, complete=self._read is None or len(rows) < self._page_size)

    @property
    def reading(self) -> bool:
        """A page is being read on the worker."""
        return self._reading

    def reload(self) -> None:
        """Read the first page again, after a change; what was scrolled to is let go."""
        if self._read is None:
            raise TypeError(f"{type(self).__name__} is given its rows: use set_rows")
        ops, read = self._read
        self._generation += 1
        self._reading = True
        generation, size = self._generation, self._page_size

        def arrived(rows: Sequence[Row]) -> None:
            if generation != self._generation:
                return
            self._reading = False
            self._reset(rows, complete=len(rows) < size)
            self.reloaded.emit()

        ops.read(lambda uow: read(uow, None, 0, size), arrived)

    def rows(self) -> tuple[Row, ...]:
        return tuple(self._rows)

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def find_row(self, wanted: Callable[[Row], bool]) -> int | None:
        """The first row held that is wanted; rows not fetched yet are not searched."""
        for number, row in enumerate(self._rows):
            if wanted(row):
                return number
        return None

    def as_text(self) -> str:
        """Tab-separated, with a header line: pastes into a spreadsheet or an email."""
        lines = ["\t".join(column.header for column in self._columns)]
        lines += ["\t".join(column.text(row) for column in self._columns) for row in self._rows]
        return "\n".join(lines) + "\n"

    # -- to override ---------------------------------------------------------------------
    def role_data(self, row: Row, column: int, role: int) -> Any:
        """Anything but the display text and alignment: colours, fonts, tooltips, ids."""
        return None

    # -- Qt model -----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            not index.isValid()
            or not 0 <= index.row() < len(self._rows)
            or not 0 <= index.column() < len(self._columns)
        ):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align is not None:
            return int(column.align)
        return self.role_data(row, index.column(), role)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._reading

    def fetchMore(self, parent: Index) -> None:
        if not self.canFetchMore(parent) or self._read is None:
            return
        ops, read = self._read
        self._reading = True
        generation, held, size = self._generation, len(self._rows), self._page_size
        last = self._rows[-1] if self._rows else None

        def arrived(more: Sequence[Row]) -> None:
            if generation != self._generation:
                return
            # Rows in before another page may be asked for: a view (or Qt's model
            # tester) can ask from inside the insertion itself.
            self.append_page(list(more))
            self._reading = False

        ops.read(lambda uow: read(uow, last, held, size), arrived)

    def append_page(self, more: Sequence[Row]) -> None:
        """Add a page fetched off the GUI thread (a model that pages asynchronously)."""
        self._exhausted = len(more) < self._page_size
        if not more:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    @property
    def exhausted(self) -> bool:
        """Every row there is has been fetched."""
        return self._exhausted

    def _reset(self, rows: Sequence[Row], *, complete: bool) -> None:
        held = list(rows)
        self.beginResetModel()
        self._rows = held
        self._exhausted = complete
        self.endResetModel()
