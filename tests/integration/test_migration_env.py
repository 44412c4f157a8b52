"""How every revision is run (migrations/env.py), proved with throwaway revisions.

A revision written here goes into a temporary versions folder beside the shipped one
and is run through the same ``upgrade_database`` path the app uses at start-up.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError

from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade_database,
)
from clinic_app.persistence.models import ClinicSession, Slot
from clinic_app.persistence.unit_of_work import UnitOfWork

DAY = dt.date(2027, 2, 2)


def throwaway_config(engine: Engine, folder: Path, revisions: dict[str, str]) -> Config:
    """An Alembic config whose history is the shipped one plus ``revisions``.

    ``revisions`` maps a revision id to its ``upgrade()`` body; they chain in order
    after the shipped head, and each ``downgrade()`` does what its upgrade did again
    (enough for a batch rebuild, which is its own inverse).
    """
    down = head_revision()
    for revision, body in revisions.items():
        source = "\n".join(
            [
                f'"""Throwaway revision {revision} (tests only)."""',
                "import sqlalchemy as sa",
                "from alembic import op",
                "",
                f"revision = {revision!r}",
                f"down_revision = {down!r}",
                "branch_labels = None",
                "depends_on = None",
                "",
                "",
                "def upgrade() -> None:",
                textwrap.indent(textwrap.dedent(body).strip(), "    "),
                "",
                "",
                "def downgrade() -> None:",
                "    upgrade()",
                "",
            ]
        )
        (folder / f"{revision}_throwaway.py").write_text(source, "utf-8")
        down = revision
    config = alembic_config(engine)
    shipped = str(files("clinic_app.migrations") / "versions")
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join([shipped, str(folder)]))
    return config


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlite_url)
    upgrade_database(engine, backup=False)
    try:
        yield engine
    finally:
        engine.dispose()


def a_session_with_slots(engine: Engine, slots: int = 6) -> int:
    with UnitOfWork(engine).write() as session:
        row = ClinicSession(
            session_date=DAY, start_time=dt.time(9), end_time=dt.time(10), slot_minutes=10
        )
        session.add(row)
        session.flush()
        for number in range(slots):
            start = dt.datetime.combine(DAY, dt.time(9, 10 * number))
            session.add(Slot(session_id=row.id, start=start, end=start + dt.timedelta(minutes=10)))
        return row.id


def slots_of(engine: Engine, session_id: int) -> int:
    with UnitOfWork(engine).read() as session:
        query = select(func.count()).select_from(Slot).where(Slot.session_id == session_id)
        return session.scalar(query) or 0


REBUILD_SESSIONS = """
    with op.batch_alter_table("clinic_sessions", recreate="always") as batch_op:
        batch_op.alter_column("room", existing_type=sa.String(40), type_=sa.String(40))
"""


def test_rebuilding_clinic_sessions_on_sqlite_keeps_every_slot(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The table copy drops the old clinic_sessions: with foreign keys on, its CASCADE
    would have deleted every slot (and with them the week's bookings)."""
    session_id = a_session_with_slots(sqlite_engine)
    config = throwaway_config(sqlite_engine, tmp_path, {"zz01": REBUILD_SESSIONS})

    command.upgrade(config, "zz01")
    assert current_revision(sqlite_engine) == "zz01"
    assert slots_of(sqlite_engine, session_id) == 6
    command.downgrade(config, head_revision())
    assert slots_of(sqlite_engine, session_id) == 6

    # Foreign keys are back on for the app: a slot of no session is refused.
    with pytest.raises(IntegrityError), UnitOfWork(sqlite_engine).write() as session:
        start = dt.datetime.combine(DAY, dt.time(11))
        session.add(Slot(session_id=9999, start=start, end=start + dt.timedelta(minutes=10)))


def test_a_revision_leaving_rows_that_point_at_nothing_is_rolled_back(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    session_id = a_session_with_slots(sqlite_engine)
    delete_sessions = 'op.execute("DELETE FROM clinic_sessions")\n'
    config = throwaway_config(sqlite_engine, tmp_path, {"zz01": delete_sessions})

    with pytest.raises(RuntimeError, match="pointing at missing rows"):
        command.upgrade(config, "zz01")

    assert current_revision(sqlite_engine) == head_revision()
    assert slots_of(sqlite_engine, session_id) == 6
    with UnitOfWork(sqlite_engine).read() as session:
        assert session.get(ClinicSession, session_id) is not None


def test_a_failed_revision_leaves_the_database_on_the_one_before(
    database_url: str, tmp_path: Path
) -> None:
    """One transaction per revision: the revisions that worked stay applied."""
    engine = create_engine(database_url)
    try:
        upgrade_database(engine, backup=False)
        config = throwaway_config(
            engine,
            tmp_path,
            {
                "zz01": 'op.create_table("scratch_notes", sa.Column("id", sa.Integer, '
                "primary_key=True))\n",
                "zz02": 'op.add_column("scratch_notes", sa.Column("body", sa.Text))\n'
                'raise RuntimeError("this revision fails")\n',
            },
        )
        with pytest.raises(RuntimeError, match="this revision fails"):
            command.upgrade(config, "zz02")

        assert current_revision(engine) == "zz01"
        columns = {column["name"] for column in inspect(engine).get_columns("scratch_notes")}
        assert columns == {"id"}
    finally:
        engine.dispose()
