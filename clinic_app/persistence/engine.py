"""Create the engine for any SQLAlchemy URL, with the SQLite pragmas the clinic relies on.

SQLite is the embedded default; PostgreSQL serves a practice with several workstations.
On SQLite every connection turns on foreign keys (off by default there), WAL (readers
never block the writer, and a killed process loses no committed transaction), a busy
timeout (a second workstation waits instead of failing at once) and synchronous=FULL
(a committed record survives a power cut, not only a crash).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import make_url

#: How long a SQLite writer waits for another workstation's transaction, in ms.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa_create_engine(
            parsed,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate_when_writing)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        # psycopg (3) is the driver the project installs; plain postgresql:// URLs use it.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return sa_create_engine(parsed, echo=echo, pool_pre_ping=True)


#: How much of the database file SQLite may map into memory for reading.
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would defer BEGIN; we emit it ourselves below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        # Reads from the OS page cache rather than through read() calls: a search on a
        # 600 MB clinic then no longer waits on I/O while another process writes (the
        # day's upkeep). Writes still go through the WAL, so nothing about durability
        # changes.
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
    finally:
        cursor.close()


def _sqlite_begin_immediate_when_writing(connection: Any) -> None:
    """Start every SQLite transaction explicitly.

    A deferred BEGIN that later upgrades to a write lock can fail with "database is
    locked" without waiting on the busy timeout; BEGIN IMMEDIATE takes the write lock
    up front and waits its turn. Read-only work asks for ``execution_options(
    sqlite_readonly=True)`` and gets a plain deferred BEGIN so readers never queue.
    """
    if connection.get_execution_options().get("sqlite_readonly"):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
