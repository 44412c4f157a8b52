"""What `clinic-app check` reports about the database itself: integrity and row counts.

Kept as a query so the command line never holds SQL of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text

from clinic_app.persistence import models
from clinic_app.persistence.base import Base
from clinic_app.persistence.engine import is_sqlite

#: The tables a person checking the clinic wants counted, in the order printed.
COUNTED_TABLES = ("patients", "courses", "appointments", "administrations", "lots", "users")


@dataclass(frozen=True)
class DatabaseHealth:
    integrity: str | None  # SQLite's quick_check verdict; None on PostgreSQL
    counts: tuple[tuple[str, int], ...]

    @property
    def ok(self) -> bool:
        return self.integrity in (None, "ok")


def database_health(engine: Engine) -> DatabaseHealth:
    assert models.__all__  # every table registered on Base.metadata
    integrity = None
    with engine.connect() as connection:
        if is_sqlite(str(engine.url)):
            integrity = str(connection.execute(text("PRAGMA quick_check")).scalar())
        counts = tuple(
            (
                name,
                int(
                    connection.execute(
                        select(func.count()).select_from(Base.metadata.tables[name])
                    ).scalar_one()
                ),
            )
            for name in COUNTED_TABLES
        )
    return DatabaseHealth(integrity, counts)
