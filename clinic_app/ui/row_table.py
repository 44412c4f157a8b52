"""The table view every list of records sits in, and selecting a record in it.

One place for the look (whole rows selected, no row numbers, columns a person can
widen) so the stock and the timetable lists read alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from clinic_app.ui.paged_table_model import PagedTableModel

Row = TypeVar("Row")


def row_table(model: PagedTableModel[Any], widths: Sequence[int]) -> QTableView:
    """One row selected at a time; ``widths`` for the first columns, the last stretches."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    return table


def selected_row(table: QTableView, model: PagedTableModel[Row]) -> Row | None:
    rows = table.selectionModel().selectedRows()
    return model.row_at(rows[0].row()) if rows else None


def select_row(
    table: QTableView, model: PagedTableModel[Row], wanted: Callable[[Row], bool]
) -> bool:
    """Select the first fetched row that is wanted; False (nothing selected) if none is."""
    number = model.find_row(wanted)
    if number is None:
        return False
    table.selectRow(number)
    return True
