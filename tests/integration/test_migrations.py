"""The schema changes only through Alembic, and a migration never loses a record.

Every test runs on SQLite and on PostgreSQL: a practice that moves from one
workstation to several must get the same schema from the same revisions.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from importlib.resources import files
from pathlib import Path
from pprint import pformat
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from clinic_app.domain.codes import AnticoagulantClass, JobStatus, Phase, Role, Sex
from clinic_app.persistence.base import Base
from clinic_app.persistence.engine import create_engine
from clinic_app.persistence.migrate import (
    alembic_config,
    current_revision,
    downgrade_database,
    head_revision,
    upgrade_database,
)
from clinic_app.persistence.models import Appointment, Course, Lot, Patient, Product, User
from clinic_app.persistence.store import job_runs
from clinic_app.persistence.unit_of_work import UnitOfWork
from clinic_app.services.planning.nightly_refresh import REFRESH_JOB
from clinic_app.services.queries.upkeep import UPKEEP_JOB, upkeep_due
from tests.builders import add_user


def _script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(files("clinic_app.migrations")))
    return ScriptDirectory.from_config(config)


SCRIPT = _script_directory()


def _parents(revision: Script) -> tuple[str, ...]:
    down = revision.down_revision
    if down is None:
        return ()
    return (down,) if isinstance(down, str) else tuple(down)


#: Every (revision, parent) step in the history: empty while only 0001 exists.
STEPS = [(rev.revision, parent) for rev in SCRIPT.walk_revisions() for parent in _parents(rev)]

SAMPLE_TABLES = ("users", "patients", "products", "lots", "courses", "appointments")


@pytest.fixture
def empty_engine(empty_database_url: str) -> Iterator[Engine]:
    """An engine on a brand-new database that no migration has touched."""
    engine = create_engine(empty_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


# -- helpers ---------------------------------------------------------------------------


def schema_diff(engine: Engine) -> list[Any]:
    """What autogenerate would write to make the database match the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "target_metadata": Base.metadata,
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite",
            },
        )
        return list(compare_metadata(context, Base.metadata))


def schema_snapshot(engine: Engine) -> dict[str, Any]:
    """Everything reflection sees of every clinic table, in a comparable form."""

    def by_name(items: list[Any]) -> list[Any]:
        return sorted(items, key=lambda item: str(item.get("name")))

    inspector = inspect(engine)
    snapshot = {
        table: {
            "columns": inspector.get_columns(table),  # in table order
            "primary_key": inspector.get_pk_constraint(table),
            "foreign_keys": by_name(inspector.get_foreign_keys(table)),
            "indexes": by_name(inspector.get_indexes(table)),
            "unique": by_name(inspector.get_unique_constraints(table)),
            "checks": by_name(inspector.get_check_constraints(table)),
        }
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }
    comparable: dict[str, Any] = _comparable(snapshot)
    return comparable


def _comparable(value: Any) -> Any:
    """Dicts and lists of plain values: types and SQL text become their strings."""
    if isinstance(value, dict):
        return {str(key): _comparable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_comparable(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def insert_sample_rows(engine: Engine) -> None:
    """A user, a patient, a product, a lot, a course and an appointment."""
    start = dt.date(2026, 1, 5)
    with UnitOfWork(engine).write() as session:
        nurse = User(
            username="nurse.patel",
            display_name="Nurse Patel",
            role=Role.NURSE,
            registration="12A3456B",
        )
        patient = Patient(
            nhs_number="9434765919",
            given_name="Zoë",
            family_name="O'Brien",
            given_key="zoe",
            family_key="o'brien",
            date_of_birth=dt.date(1950, 3, 1),
            sex=Sex.FEMALE,
            anticoagulant=True,
            anticoagulant_name="warfarin",
            anticoagulant_class=AnticoagulantClass.VKA,
        )
        product = Product(
            drug="hydroxocobalamin",
            brand="Neo-Cytamen",
            form="ampoule",
            strength_micrograms_per_ml=1000,
        )
        session.add_all([nurse, patient, product])
        session.flush()
        lot = Lot(
            product_id=product.id,
            lot_number="B12-0042",
            expiry_date=dt.date(2027, 6, 30),
            quantity_received=10,
            quantity_remaining=9,
            received_on=start,
            received_by=nurse.id,
        )
        course = Course(
            patient_id=patient.id,
            protocol_id="b12-no-neuro",
            protocol_version="1",
            protocol_snapshot='{"loading": 6}',
            product_id=product.id,
            start_date=start,
            interval_factor=1.5,
            created_by=nurse.id,
        )
        session.add_all([lot, course])
        session.flush()
        session.add(
            Appointment(
                patient_id=patient.id,
                course_id=course.id,
                dose_number=1,
                phase=Phase.LOADING,
                planned_date=start,
                window_earliest=start,
                window_latest=start + dt.timedelta(days=2),
                tests_due="b12,fbc",
            )
        )


def read_sample_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    rows = {}
    with engine.connect() as connection:
        for name in SAMPLE_TABLES:
            table = Base.metadata.tables[name]
            query = select(table).order_by(*table.primary_key.columns)
            rows[name] = [tuple(row) for row in connection.execute(query)]
    return rows


def sqlite_tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        names = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in names}


# -- the history -----------------------------------------------------------------------


def test_history_has_exactly_one_head_and_one_base() -> None:
    assert SCRIPT.get_heads() == [head_revision()], "merge the heads: alembic merge heads"
    assert len(SCRIPT.get_bases()) == 1


def test_upgrade_from_empty_leaves_no_difference_from_the_models(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None

    upgrade_database(empty_engine, backup=False)

    assert current_revision(empty_engine) == head_revision()
    diff = schema_diff(empty_engine)
    assert diff == [], "models and migrations disagree; autogenerate a revision:\n" + pformat(diff)


def test_downgrade_to_base_drops_everything_and_upgrade_recreates_it(
    empty_engine: Engine,
) -> None:
    upgrade_database(empty_engine, backup=False)
    insert_sample_rows(empty_engine)
    before = schema_snapshot(empty_engine)
    assert set(Base.metadata.tables) <= set(before)

    downgrade_database(empty_engine, "base")

    assert current_revision(empty_engine) is None
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}

    upgrade_database(empty_engine, backup=False)

    assert schema_snapshot(empty_engine) == before
    assert schema_diff(empty_engine) == []


@pytest.mark.parametrize(
    ("revision", "parent"), STEPS, ids=[f"{parent}-to-{rev}" for rev, parent in STEPS]
)
def test_downgrade_and_upgrade_again_keeps_the_rows(
    empty_engine: Engine, revision: str, parent: str
) -> None:
    """Down to ``parent`` (undoing ``revision`` and all after it) and back to head."""
    upgrade_database(empty_engine, backup=False)
    insert_sample_rows(empty_engine)
    before = read_sample_rows(empty_engine)
    assert all(before.values())

    downgrade_database(empty_engine, parent)
    assert current_revision(empty_engine) == parent
    upgrade_database(empty_engine, backup=False)

    assert read_sample_rows(empty_engine) == before
    assert schema_diff(empty_engine) == []


# -- the upgrade the app runs at start-up ----------------------------------------------


def test_startup_upgrade_backs_up_an_existing_sqlite_file_first(empty_engine: Engine) -> None:
    with empty_engine.begin() as connection:
        connection.execute(text("CREATE TABLE legacy_notes (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.execute(text("INSERT INTO legacy_notes (id, body) VALUES (1, 'kept')"))
    assert current_revision(empty_engine) is None

    backup = upgrade_database(empty_engine)

    assert current_revision(empty_engine) == head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert {"legacy_notes", *Base.metadata.tables} <= tables
    if empty_engine.dialect.name != "sqlite":
        assert backup is None  # a server database is the server's to back up
        return
    database = Path(str(empty_engine.url.database))
    assert backup is not None
    assert backup.parent == database.parent
    assert re.fullmatch(r"clinic\.backup-\d{8}-\d{6}\.sqlite", backup.name), backup.name
    assert sqlite_tables(backup) == {"legacy_notes"}
    with closing(sqlite3.connect(backup)) as copy:
        assert copy.execute("SELECT body FROM legacy_notes").fetchall() == [("kept",)]

    assert upgrade_database(empty_engine) is None  # already at head: no second copy
    assert list(database.parent.glob("*.backup-*")) == [backup]


def test_first_start_on_a_new_sqlite_file_makes_no_backup(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        assert upgrade_database(engine) is None
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    assert not list(Path(sqlite_url.removeprefix("sqlite:///")).parent.glob("*.backup-*"))


# -- revisions that move data ------------------------------------------------------------

#: The tables as revision 0003 left them (the models have moved on).
SETTINGS_0003 = sa.table(
    "clinic_settings",
    sa.column("key", sa.String),
    sa.column("value", sa.Text),
    sa.column("updated_by", sa.Integer),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
AUDIT_0003 = sa.table(
    "audit_events",
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("user_id", sa.Integer),
    sa.column("workstation", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("detail", sa.Text),
)
USERS_0003 = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("display_name", sa.String),
    sa.column("role", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
CLAIMED_AT = dt.datetime(2026, 11, 20, 7, 55, tzinfo=dt.UTC)


def _rows(engine: Engine, table: sa.TableClause, *order: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        query = select(table).order_by(*(table.c[name] for name in order))
        return [tuple(row) for row in connection.execute(query)]


def _refresh_history(engine: Engine) -> list[tuple[Any, ...]]:
    return [row for row in _rows(engine, AUDIT_0003, "occurred_at") if row[3] == "plans.refresh"]


def test_revision_0004_moves_the_job_state_to_job_runs_and_back(empty_engine: Engine) -> None:
    """The day's upkeep claim and the last refresh survive the upgrade and the downgrade."""
    command.upgrade(alembic_config(empty_engine), "0003")
    refresh = {
        "as_of": "2026-11-20",
        "calendar": "f" * 64,
        "changed": 12,
        "courses": 40,
        "full": False,
        "last_course_id": 40,
        "unreadable": [],
    }
    user = {"display_name": "Nurse Patel", "active": True, "created_at": CLAIMED_AT}
    with empty_engine.begin() as connection:
        connection.execute(USERS_0003.insert().values(id=1, username="patel", role="nurse", **user))
        for key, value, by in (
            ("upkeep.done_on", '"2026-11-20"', 1),
            ("open_days", '["tue", "thu"]', None),
        ):
            connection.execute(
                SETTINGS_0003.insert().values(
                    key=key, value=value, updated_by=by, updated_at=CLAIMED_AT
                )
            )
        for hours, detail in ((-24, {**refresh, "as_of": "2026-11-19"}), (0, refresh)):
            connection.execute(
                AUDIT_0003.insert().values(
                    occurred_at=CLAIMED_AT + dt.timedelta(hours=hours, minutes=1),
                    user_id=None,
                    workstation="",
                    action="plans.refresh",
                    entity="course",
                    entity_id=None,
                    detail=json.dumps(detail, sort_keys=True),
                )
            )
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(USERS_0003.insert().values(username="ada", role="administrator", **user))
    settings_before = _rows(empty_engine, SETTINGS_0003, "key")
    audit_before = _refresh_history(empty_engine)

    upgrade_database(empty_engine, backup=False)

    uow = UnitOfWork(empty_engine)
    assert not upkeep_due(uow, dt.date(2026, 11, 20))  # the day is not upkept twice
    assert upkeep_due(uow, dt.date(2026, 11, 21))
    with uow.read() as session:
        claim = job_runs.latest(session, UPKEEP_JOB)
        last_refresh = job_runs.latest(session, REFRESH_JOB)
    assert claim is not None and last_refresh is not None
    assert (claim.run_key, claim.status, claim.user_id) == ("2026-11-20", JobStatus.DONE, 1)
    assert claim.started_at == CLAIMED_AT
    assert dict(last_refresh.detail) == refresh  # the newer of the two
    assert last_refresh.started_at == CLAIMED_AT + dt.timedelta(minutes=1)
    assert [row[0] for row in _rows(empty_engine, SETTINGS_0003, "key")] == ["open_days"]
    assert _refresh_history(empty_engine) == audit_before  # history stays
    administrator = add_user(uow, "Ada Lovelace", Role.ADMINISTRATOR)

    with pytest.raises(RuntimeError, match="administrator role"):
        downgrade_database(empty_engine, "0003")
    # Each revision is its own transaction: the later ones went down, 0004 refused.
    assert current_revision(empty_engine) == "0004"
    with empty_engine.begin() as connection:
        connection.execute(USERS_0003.delete().where(USERS_0003.c.id == administrator.id))

    downgrade_database(empty_engine, "0003")

    assert "job_runs" not in inspect(empty_engine).get_table_names()
    assert _rows(empty_engine, SETTINGS_0003, "key") == settings_before
    assert _refresh_history(empty_engine) == audit_before
