"""Bring any database to the current schema, backing up a SQLite file first.

The app calls ``upgrade_database`` at every start, so a practice never runs an old
schema against new code. The schema changes only through Alembic revisions, shipped
inside the package (``clinic_app.migrations``), so a plain install can migrate.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from importlib.resources import as_file, files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from clinic_app.persistence.engine import is_sqlite


def alembic_config(engine: Engine) -> Config:
    config = Config()
    script_dir = files("clinic_app.migrations")
    config.set_main_option("script_location", str(script_dir))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    with as_file(files("clinic_app.migrations")) as path:
        config = Config()
        config.set_main_option("script_location", str(path))
        head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no Alembic revisions are shipped")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) != head_revision()


def upgrade_database(engine: Engine, *, backup: bool = True) -> Path | None:
    """Upgrade to head; returns the backup made of an existing SQLite file, if any."""
    if not needs_upgrade(engine):
        return None
    backup_path = None
    if backup and is_sqlite(str(engine.url)) and _has_tables(engine):
        backup_path = backup_sqlite(engine)
    command.upgrade(alembic_config(engine), "head")
    return backup_path


def downgrade_database(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def backup_sqlite(engine: Engine, destination: Path | None = None) -> Path:
    """Copy a live SQLite database consistently (the online backup API, WAL included)."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("only a SQLite file can be backed up this way")
    source = Path(database)
    if destination is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = source.with_name(f"{source.stem}.backup-{stamp}{source.suffix}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.backup(dst)
    return destination


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())
