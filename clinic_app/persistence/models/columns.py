"""Column types shared by the models."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa


def coded(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    """A coded-value column stored as its string, with a named CHECK constraint.

    Non-native enums keep SQLite and PostgreSQL identical and let a migration add a
    value with a batch ALTER instead of PostgreSQL's ``ALTER TYPE`` dance.
    """
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
