"""One unit of work per user action: it commits everything, or nothing.

A service opens ``with uow.write() as session:``; leaving the block normally commits,
any exception rolls back, so no half-saved record can exist. Reads use
``uow.read()``, which never writes and on SQLite never takes the write lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = sessionmaker(engine, expire_on_commit=False)
        self._reader = sessionmaker(
            engine.execution_options(sqlite_readonly=True), expire_on_commit=False
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        session = self._writer()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._reader()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was read, so the
            # caller can still turn loaded rows into dataclasses after the block.
            session.close()
