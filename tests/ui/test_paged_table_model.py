"""The one table-model base: pages arrive as the view asks, a short list is one page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from clinic_app.ui.paged_table_model import RIGHT, Column, PagedTableModel


@dataclass(frozen=True)
class Dose:
    number: int
    name: str


COLUMNS = (
    Column[Dose]("Dose", lambda dose: f"Dose {dose.number}", align=RIGHT),
    Column[Dose]("Patient", lambda dose: dose.name),
)
DOSES = [Dose(n, f"Patient {n}") for n in range(1, 8)]


class Asked:
    """A fake database that pages by offset and notes every page asked of it."""

    def __init__(self) -> None:
        self.pages: list[tuple[Dose | None, int, int]] = []

    def __call__(self, last: Dose | None, held: int, limit: int) -> Sequence[Dose]:
        self.pages.append((last, held, limit))
        return DOSES[held : held + limit]


def test_a_paged_model_fetches_only_as_the_view_scrolls(qtmodeltester: ModelTester) -> None:
    asked = Asked()
    model = PagedTableModel(COLUMNS, asked, page_size=3)
    model.reload()
    assert model.rowCount() == 3 and model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    qtmodeltester.check(model)
    assert model.rowCount() == 7
    # Each page starts after the last row held: keyset and offset paging both work.
    assert asked.pages == [(None, 0, 3), (DOSES[2], 3, 3), (DOSES[5], 6, 3)]


def test_a_page_fetched_elsewhere_is_shown_and_the_rest_follows() -> None:
    asked = Asked()
    model = PagedTableModel(COLUMNS, asked, page_size=3)
    model.show_first_page(DOSES[:3])
    assert asked.pages == []
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 6
    model.show_first_page(DOSES[:2])  # fewer than a page: that is everything
    assert not model.canFetchMore(QModelIndex())


def test_a_short_list_is_one_page(qtmodeltester: ModelTester) -> None:
    model = PagedTableModel(COLUMNS)
    model.set_rows(DOSES)
    qtmodeltester.check(model)
    assert not model.canFetchMore(QModelIndex())
    assert model.rowCount() == 7 and model.columnCount() == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Patient"
    assert model.data(model.index(2, 0)) == "Dose 3"
    assert model.data(model.index(2, 0), Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert model.data(model.index(2, 1), Qt.ItemDataRole.TextAlignmentRole) is None
    assert model.find_row(lambda dose: dose.name == "Patient 5") == 4
    assert model.find_row(lambda dose: dose.number > 99) is None
    assert model.as_text().splitlines()[:2] == ["Dose\tPatient", "Dose 1\tPatient 1"]
