"""Declarative base and the naming convention every constraint follows.

Named constraints are what let Alembic alter or drop them on both SQLite (batch mode)
and PostgreSQL, and what lets a service tell "slot just taken" from any other
integrity error by the constraint's name.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite has no time zones and PostgreSQL's ``timestamptz`` does; normalising here
    means a record made on one workstation reads back as the same instant on another.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def sort_key_type(length: int) -> String:
    """A string column that sorts and prefix-matches bytewise on every database.

    Search keys are stored lower-cased; PostgreSQL's default linguistic collation would
    make a range scan (``key >= 'smi' AND key < 'smi\\U0010ffff'``) skip its index, so
    on PostgreSQL these columns use the "C" collation. SQLite's BINARY default already
    behaves that way.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
