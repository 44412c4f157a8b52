"""Fixtures for the widget tests: a real SQLite clinic with a few patients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool

from clinic_app.domain.actor import Actor
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.commands.patients import create_patient
from tests.builders import details, make_actor

TODAY = dt.date(2026, 11, 21)


@pytest.fixture
def clinic(sqlite_url: str) -> Iterator[UnitOfWork]:
    engine = create_engine(sqlite_url)
    upgrade_database(engine, backup=False)
    yield UnitOfWork(engine)
    finish_background_reads()
    engine.dispose()


def finish_background_reads() -> None:
    """A screen may still be reading on the worker when a test ends (the window's tabs
    each read the patient): closing the engine under it crashes SQLite, so wait first."""
    QThreadPool.globalInstance().waitForDone(30_000)


@pytest.fixture
def actor(clinic: UnitOfWork) -> Actor:
    return make_actor(clinic)


@pytest.fixture
def roster_of_five(clinic: UnitOfWork, actor: Actor) -> list[int]:
    people = [
        ("Margaret", "Smith"),
        ("John", "Smithson"),
        ("Joan", "Smith"),
        ("Sean", "O'Brien"),
        ("Zoë", "Adams"),
    ]
    return [
        create_patient(clinic, actor, details(n + 1, given_name=g, family_name=f)).id
        for n, (g, f) in enumerate(people)
    ]
