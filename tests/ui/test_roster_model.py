"""The paged roster model: correct for Qt's model rules, and it never loads everything.

Every page is read on the worker, so each step waits for the answer as the view would.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from clinic_app.domain.actor import Actor
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.roster import RosterQuery
from clinic_app.ui.ops import Ops
from clinic_app.ui.roster_model import RosterModel


def _model(clinic: UnitOfWork, actor: Actor, page_size: int) -> RosterModel:
    return RosterModel(Ops(clinic, actor), page_size=page_size)


def _search(qtbot: QtBot, model: RosterModel, query: RosterQuery) -> None:
    with qtbot.waitSignal(model.shown):
        model.search(query)


def _next_page(qtbot: QtBot, model: RosterModel) -> None:
    held = model.rowCount()
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() > held or not model.searching)


def test_model_passes_qt_model_tester(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    clinic: UnitOfWork,
    actor: Actor,
    roster_of_five: list[int],
) -> None:
    model = _model(clinic, actor, 2)
    _search(qtbot, model, RosterQuery())
    qtmodeltester.check(model)  # the tester asks for more pages as a view would
    while True:
        qtbot.waitUntil(lambda: not model.searching)
        if not model.canFetchMore(QModelIndex()):
            break
        _next_page(qtbot, model)
    qtmodeltester.check(model)
    assert model.rowCount() == 5


def test_pages_arrive_as_the_view_asks(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    model = _model(clinic, actor, 2)
    _search(qtbot, model, RosterQuery())
    assert model.rowCount() == 2
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert not model.canFetchMore(QModelIndex())  # one page at a time, never two at once
    qtbot.waitUntil(lambda: model.rowCount() == 4)
    _next_page(qtbot, model)
    assert model.rowCount() == 5
    assert not model.canFetchMore(QModelIndex())


def test_an_answer_overtaken_by_the_next_keystroke_is_dropped(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    model = _model(clinic, actor, 50)
    model.search(RosterQuery(text="smith"))
    with qtbot.waitSignal(model.shown) as shown:
        model.search(RosterQuery(text="smiths"))
    qtbot.wait(50)  # the first answer, if it came later, must not replace the second
    assert shown.args == [1]
    assert model.rowCount() == 1
    assert model.data(model.index(0, 0)) == "SMITHSON, John"


def test_sorting_by_a_column_reorders_from_the_database(
    qtbot: QtBot, clinic: UnitOfWork, actor: Actor, roster_of_five: list[int]
) -> None:
    model = _model(clinic, actor, 50)
    _search(qtbot, model, RosterQuery())
    first = model.data(model.index(0, 0))
    with qtbot.waitSignal(model.shown):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) != first
    assert model.data(model.index(0, 0)) == "SMITHSON, John"
    assert model.data(model.index(4, 0)) == "ADAMS, Zoë"
