"""Fixtures every layer of the suite shares: fresh databases on SQLite and PostgreSQL.

``database_url`` and everything built on it run each test twice, once on a SQLite file
and once on a real PostgreSQL that the suite starts itself (marker ``postgres``).
Without PostgreSQL installed the run fails with the command that installs it;
``CLINIC_APP_TEST_POSTGRES=0`` skips the PostgreSQL half instead (or ``-m "not postgres"``).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from clinic_app.persistence import models  # noqa: F401  (every table on Base.metadata)
from clinic_app.persistence.base import Base
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.unit_of_work import UnitOfWork
from tests.pg_server import APT_INSTALL, PostgresServer, find_bindir

# Qt reads this when the QApplication is built (pytest-qt's qapp fixture), so setting
# it while conftest loads is early enough; without a display Qt would abort silently.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

POSTGRES_DISABLED = os.environ.get("CLINIC_APP_TEST_POSTGRES", "1").strip() == "0"


UI_TESTS = Path(__file__).parent / "ui"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every widget test ``gui`` (so ``-m "not gui"`` runs the rest without Qt),
    and skip the PostgreSQL half when asked to."""
    for item in items:
        if Path(item.path).is_relative_to(UI_TESTS):
            item.add_marker(pytest.mark.gui)
    if not POSTGRES_DISABLED:
        return
    skip = pytest.mark.skip(reason="CLINIC_APP_TEST_POSTGRES=0: PostgreSQL tests skipped")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


# -- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL server on 127.0.0.1 for the whole run, removed at the end."""
    if POSTGRES_DISABLED:
        pytest.skip("CLINIC_APP_TEST_POSTGRES=0: PostgreSQL tests skipped")
    bindir = find_bindir()
    if bindir is None:
        pytest.fail(
            "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and "
            f"PATH). Install them with:\n    {APT_INSTALL}\n"
            "or run with CLINIC_APP_TEST_POSTGRES=0 to skip the PostgreSQL tests.",
            pytrace=False,
        )
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run; ``engine`` copies it for each test."""
    path = tmp_path_factory.mktemp("template") / "clinic.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    try:
        upgrade_database(engine, backup=False)
    finally:
        engine.dispose()
    return path


# -- Databases -------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a SQLite file that does not exist yet (for SQLite-only tests)."""
    return f"sqlite:///{tmp_path / 'clinic.sqlite'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on: each such test runs once on each."""
    return str(request.param)


@pytest.fixture
def empty_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """The URL of a brand-new, EMPTY database (no schema): for the migration tests."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'clinic.sqlite'}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = f"t_{uuid.uuid4().hex}"
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)


@pytest.fixture(scope="session")
def pg_clinic_url(pg_server: PostgresServer) -> str:
    """One PostgreSQL clinic database for the run, migrated once; emptied after each test."""
    url = pg_server.create_database("t_clinic")
    engine = create_engine(url)
    try:
        upgrade_database(engine, backup=False)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated clinic database with no rows in it, for one test.

    On SQLite a copy of a file migrated once per run (3 ms instead of 75 ms). On
    PostgreSQL the run's one migrated database, emptied again when the test ends
    (``TRUNCATE ... RESTART IDENTITY`` is far cheaper than creating and migrating a
    database per test); tests run one at a time, so none sees another's rows.
    """
    if backend == "sqlite":
        path = tmp_path / "clinic.sqlite"
        _copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("pg_clinic_url")
    try:
        yield url
    finally:
        _empty_postgres(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on ``database_url`` (migrated, empty), disposed afterwards."""
    db_engine = create_engine(database_url)
    try:
        yield db_engine
    finally:
        db_engine.dispose()


def _empty_postgres(url: str) -> None:
    """Remove every row a test left, ending any connection it left open first."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    """A unit of work on the migrated ``engine``."""
    return UnitOfWork(engine)


def _copy_sqlite(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
