"""The one table-model base: pages arrive as the view asks, a short list is one page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from clinic_app.domain.actor import Actor
from clinic_app.domain.codes import Role
from clinic_app.ui.ops import Ops
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

    def __call__(self, _uow: object, last: Dose | None, held: int, limit: int) -> Sequence[Dose]:
        self.pages.append((last, held, limit))
        return DOSES[held : held + limit]


def _ops() -> Ops:
    """The gateway, over a source that needs no unit of work (pages come from a list)."""
    return Ops(None, Actor(user_id=1, display_name="A nurse", role=Role.NURSE))


def _all_pages(qtbot: QtBot, model: PagedTableModel[Dose]) -> None:
    while True:
        qtbot.waitUntil(lambda: not model.reading)
        if not model.canFetchMore(QModelIndex()):
            return
        model.fetchMore(QModelIndex())


def test_a_paged_model_fetches_only_as_the_view_scrolls(
    qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    asked = Asked()
    model = PagedTableModel(COLUMNS, (_ops(), asked), page_size=3)
    with qtbot.waitSignal(model.reloaded):
        model.reload()
    assert model.rowCount() == 3 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert not model.canFetchMore(QModelIndex())  # one page in flight at a time
    _all_pages(qtbot, model)
    qtmodeltester.check(model)
    _all_pages(qtbot, model)
    qtmodeltester.check(model)
    assert model.rowCount() == 7
    # Each page starts after the last row held: keyset and offset paging both work.
    assert asked.pages == [(None, 0, 3), (DOSES[2], 3, 3), (DOSES[5], 6, 3)]


def test_a_page_fetched_elsewhere_is_shown_and_the_rest_follows(qtbot: QtBot) -> None:
    asked = Asked()
    model = PagedTableModel(COLUMNS, (_ops(), asked), page_size=3)
    model.show_first_page(DOSES[:3])
    assert asked.pages == []
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 6)
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
