"""One unit of work per user action: it commits everything, or nothing.

A command runs inside ``with uow.transaction() as tx:`` (the envelope opens it) and
nothing is kept unless ``tx.commit()`` is called: leaving the block any other way, by
an exception or by simply returning, rolls back, so no half-saved record can exist.
A long job may commit several times in one block, one short transaction per batch.
``uow.write()`` is the same block committing when it ends normally, for the jobs and
test set-up that write outside a person's action. Reads use ``uow.read()``, which
never writes and on SQLite never takes the write lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


class Transaction:
    """A session whose work is kept only by an explicit ``commit()``."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.committed = False

    def commit(self) -> None:
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        self.session.rollback()


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = sessionmaker(engine, expire_on_commit=False)
        self._reader = sessionmaker(
            engine.execution_options(sqlite_readonly=True), expire_on_commit=False
        )

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        session = self._writer()
        try:
            yield Transaction(session)
        finally:
            # Whatever was not committed is rolled back: an exception, or a return
            # without commit(), leaves the database as it was.
            session.rollback()
            session.close()

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
