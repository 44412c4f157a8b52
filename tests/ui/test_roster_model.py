"""The paged roster model: correct for Qt's model rules, and it never loads everything."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.queries.roster import RosterQuery, RosterRow, search_roster
from clinic_app.ui.roster_model import RosterModel


def _fetcher(uow: UnitOfWork, calls: list[int]) -> Any:
    def fetch(
        query: RosterQuery, after: tuple[Any, ...] | None, limit: int, matches: int | None
    ) -> list[RosterRow]:
        calls.append(limit)
        return search_roster(uow, query, after=after, limit=limit, matches=matches)

    return fetch


def test_model_passes_qt_model_tester(
    qtmodeltester: ModelTester, clinic: UnitOfWork, roster_of_five: list[int]
) -> None:
    model = RosterModel(_fetcher(clinic, []), page_size=2)
    model.set_query(RosterQuery())
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    qtmodeltester.check(model)
    assert model.rowCount() == 5


def test_pages_arrive_as_the_view_asks(clinic: UnitOfWork, roster_of_five: list[int]) -> None:
    calls: list[int] = []
    model = RosterModel(_fetcher(clinic, calls), page_size=2)
    model.set_query(RosterQuery())
    assert model.rowCount() == 2
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 5
    assert not model.canFetchMore(QModelIndex())
    assert len(calls) == 3


def test_sorting_by_a_column_reorders_from_the_database(
    clinic: UnitOfWork, roster_of_five: list[int]
) -> None:
    model = RosterModel(_fetcher(clinic, []), page_size=50)
    model.set_query(RosterQuery())
    first = model.data(model.index(0, 0))
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) != first
    assert model.data(model.index(0, 0)) == "SMITHSON, John"
    assert model.data(model.index(4, 0)) == "ADAMS, Zoë"
