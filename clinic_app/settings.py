"""Workstation settings, declared once: typed, with a default and a line of help each.

These are the few things that differ between workstations (which database, where
files go). Rules the whole clinic shares live in the database and in resources/.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import platformdirs

APP_NAME = "clinic-app"
ENV_PREFIX = "CLINIC_APP_"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(
        default_factory=_default_data_dir,
        metadata={
            "help": "Folder for the SQLite database, backups and the clinic's own templates."
        },
    )
    database_url: str = field(
        default="",
        metadata={"help": "SQLAlchemy URL; empty means the SQLite file clinic.sqlite in data_dir."},
    )
    demo_patients: int = field(
        default=300, metadata={"help": "Patients in the demo clinic offered on first run."}
    )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'clinic.sqlite'}"

    @property
    def protocols_dir(self) -> Path:
        """Where a clinic puts its own or overriding protocol templates."""
        return self.data_dir / "protocols"


def load_settings(
    *, database_url: str | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, overridden by ``CLINIC_APP_<NAME>`` variables, overridden by arguments."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for setting in fields(Settings):
        raw = environ.get(ENV_PREFIX + setting.name.upper())
        if raw is None or raw == "":
            continue
        if setting.type in ("Path", Path):
            values[setting.name] = Path(raw).expanduser()
        elif setting.type in ("int", int):
            values[setting.name] = int(raw)
        else:
            values[setting.name] = raw
    if database_url:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for ``--help`` and docs."""
    defaults = Settings()
    return [
        (ENV_PREFIX + s.name.upper(), str(getattr(defaults, s.name)), s.metadata["help"])
        for s in fields(Settings)
    ]
