"""Open the clinic database named by the settings, upgraded and ready for services.

Shared by the GUI and every command, so each opens the database the same way: the
folder is created, the schema upgraded (a SQLite file is backed up first).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from clinic_app.persistence.engine import create_engine, is_sqlite
from clinic_app.persistence.migrate import upgrade_database
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.settings import Settings


@dataclass(frozen=True)
class ClinicDatabase:
    engine: Engine
    uow: UnitOfWork
    url: str
    backup_made: Path | None

    @property
    def description(self) -> str:
        """The database as a person would name it: a file path, or host/database."""
        url = self.engine.url
        if is_sqlite(self.url):
            return str(url.database)
        return f"{url.get_backend_name()} {url.host}/{url.database}"


def open_clinic_database(settings: Settings) -> ClinicDatabase:
    url = settings.effective_database_url
    engine = create_engine(url)
    if is_sqlite(url) and engine.url.database not in (None, "", ":memory:"):
        Path(str(engine.url.database)).parent.mkdir(parents=True, exist_ok=True)
    backup = upgrade_database(engine)
    return ClinicDatabase(engine=engine, uow=UnitOfWork(engine), url=url, backup_made=backup)
