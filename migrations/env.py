"""Alembic environment: runs revisions on the connection or engine the app gives it.

Each revision runs in a transaction of its own, so a failed upgrade leaves the clinic
on the last revision that worked rather than half-way through one.

On SQLite, ALTER is done in batch mode (copy the table, drop the old one, rename the
copy), and foreign keys are OFF while the revisions run: with them on, dropping the
old ``clinic_sessions`` would fire the ``ON DELETE CASCADE`` of ``slots.session_id``
and silently delete every slot, and dropping the old ``users`` would be refused. The
pragma does nothing inside a transaction, so it is set on the bare connection before
the first revision begins and set back once the last has ended (Prefect's habit).
Each revision checks ``PRAGMA foreign_key_check`` before it commits: one that leaves
a row pointing at nothing is rolled back instead of kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import Connection, Engine

from clinic_app.persistence import models  # noqa: F401  (registers every table)
from clinic_app.persistence.base import Base, UtcDateTime
from clinic_app.persistence.engine import create_engine

config = context.config


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render the app's column types as plain SQLAlchemy ones.

    A revision must not import the application: it has to run unchanged years later,
    whatever the models have become.
    """
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    """Use the connection handed in (``config.attributes["connection"]``), else connect."""
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        _run(connection)


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if connection.in_transaction():
        # Only reads can be pending here (a revision check); a revision's transaction
        # must be the connection's own, and the pragma must run outside one.
        connection.commit()
    with _foreign_keys_off(connection) if sqlite else nullcontext():
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things; batch mode copies the table instead.
            render_as_batch=sqlite,
            transaction_per_migration=True,
            compare_type=True,
            render_item=render_item,
            on_version_apply=_check_foreign_keys if sqlite else None,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    _set_foreign_keys(connection, on=False)
    try:
        yield
    finally:
        if connection.in_transaction():  # a revision failed: its work is undone
            connection.rollback()
        _set_foreign_keys(connection, on=True)


def _set_foreign_keys(connection: Connection, *, on: bool) -> None:
    """Set the pragma on the driver's connection, which is in autocommit mode.

    Through SQLAlchemy the statement would first begin a transaction, inside which
    SQLite ignores it. A pooled connection must never go back to the app with foreign
    keys off, so one that does not confirm the change is thrown away.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    if driver.execute("PRAGMA foreign_keys").fetchone()[0] != int(on):
        connection.invalidate()
        raise RuntimeError(f"SQLite did not turn foreign keys {'on' if on else 'off'}")


def _check_foreign_keys(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    """Called inside each revision's transaction, just before it commits."""
    assert ctx.connection is not None
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        what = f"{'upgrade to' if step.is_upgrade else 'downgrade from'} {step.up_revision_id}"
        raise RuntimeError(
            f"the {what} would leave {len(broken)} rows pointing at missing rows "
            f"(in {', '.join(tables)}); nothing of it was kept"
        )


run_migrations()
