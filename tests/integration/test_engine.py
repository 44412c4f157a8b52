"""The engine and the unit of work keep what the clinic records, and only that."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from clinic_app.domain.codes import Role
from clinic_app.persistence.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.models import Lot, User
from clinic_app.persistence.unit_of_work import UnitOfWork


class SimulatedError(Exception):
    """Stands for any failure half-way through a user's action."""


def pragma(connection: Connection, name: str) -> object:
    return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def count_users(uow: UnitOfWork) -> int:
    with uow.read() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_sqlite_pragmas_are_on_for_every_connection(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url).execution_options(sqlite_readonly=True)
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert pragma(connection, "foreign_keys") == 1
                assert pragma(connection, "journal_mode") == "wal"
                assert pragma(connection, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
                assert pragma(connection, "synchronous") == 2  # FULL
    finally:
        engine.dispose()


def test_foreign_key_violation_is_refused(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            insert(Lot).values(
                product_id=4242,  # no such product
                lot_number="ORPHAN-1",
                expiry_date=dt.date(2027, 1, 31),
                quantity_received=10,
                quantity_remaining=10,
                received_on=dt.date(2026, 1, 5),
            )
        )
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Lot)) == 0


def test_a_failed_unit_of_work_saves_nothing(uow: UnitOfWork) -> None:
    with pytest.raises(SimulatedError), uow.write() as session:
        session.add(User(username="half.saved", display_name="Half Saved", role=Role.NURSE))
        session.flush()  # the INSERT has reached the database inside the transaction
        raise SimulatedError

    assert count_users(uow) == 0
    # ...and nothing is left locked: the next action saves normally.
    with uow.write() as session:
        session.add(User(username="next.one", display_name="Next One", role=Role.NURSE))
    assert count_users(uow) == 1


KILL_AFTER_COMMIT = textwrap.dedent(
    """
    import os, signal, sys

    from clinic_app.domain.codes import Role
    from clinic_app.persistence.engine import create_engine
    from clinic_app.persistence.models import User
    from clinic_app.persistence.unit_of_work import UnitOfWork

    uow = UnitOfWork(create_engine(sys.argv[1]))
    with uow.write() as session:
        session.add(User(username="survivor", display_name="Kept", role=Role.NURSE))
    os.kill(os.getpid(), signal.SIGKILL)  # a power cut right after "Saved"
    """
)


def test_a_committed_row_survives_a_hard_kill(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    upgrade_database(engine, backup=False)
    engine.dispose()

    result = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_COMMIT, sqlite_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == -signal.SIGKILL, result.stderr
    wal = Path(sqlite_url.removeprefix("sqlite:///") + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the commit should still be in the WAL"
    engine = create_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            usernames = connection.scalars(select(User.username)).all()
            integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    finally:
        engine.dispose()
    assert usernames == ["survivor"]
    assert integrity == "ok"
