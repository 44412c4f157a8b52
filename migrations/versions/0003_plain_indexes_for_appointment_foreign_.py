"""Plain indexes on the columns that point at appointments.

A re-plan deletes proposed appointment rows; SQLite checks every foreign key that
points at them, and without a plain index on administrations.appointment_id (the
existing one is partial) and recall_contacts.appointment_id each check scanned the
table: about 1.2 s for 1,800 rows in a nightly refresh.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 09:32:22.003155
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.create_index("ix_administrations_appointment_id", ["appointment_id"], unique=False)

    with op.batch_alter_table("recall_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_recall_contacts_appointment_id", ["appointment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recall_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_recall_contacts_appointment_id")

    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_index("ix_administrations_appointment_id")
