"""Job runs get a table of their own; users.role admits "administrator".

The daily upkeep's claim was a clinic_settings row (``upkeep.done_on``) and the nightly
refresh read what its predecessor saw back from the audit log. Both move to
``job_runs``: the claim becomes an upkeep row whose unique (job, run_key) lets one of two
workstations win, and the latest ``plans.refresh`` audit row's detail becomes the last
refresh's row. Audit rows stay where they are: they are history. Every refresh since
writes its audit row as well, so a downgrade needs only the claim put back.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 02:26:55.190808
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPKEEP_SETTING = "upkeep.done_on"
UPKEEP_JOB = "upkeep.daily"
REFRESH_JOB = "plans.refresh"
ROLES_0003 = ("nurse", "receptionist", "manager", "prescriber")
ROLES_0004 = (*ROLES_0003, "administrator")

# The tables as this revision knows them (never the app's models, which move on).
settings = sa.table(
    "clinic_settings",
    sa.column("key", sa.String),
    sa.column("value", sa.Text),
    sa.column("updated_by", sa.Integer),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
audit = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("user_id", sa.Integer),
    sa.column("workstation", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("detail", sa.Text),
)
job_runs = sa.table(
    "job_runs",
    sa.column("job", sa.String),
    sa.column("run_key", sa.String),
    sa.column("status", sa.String),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("finished_at", sa.DateTime(timezone=True)),
    sa.column("workstation", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("detail", sa.JSON),
)
users = sa.table("users", sa.column("role", sa.String))


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("run_key", sa.String(length=40), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "claimed",
                "running",
                "done",
                "failed",
                name="job_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workstation", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_job_runs_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "run_key", name=op.f("uq_job_runs_job_run_key")),
    )
    bind = op.get_bind()
    _upkeep_claim_in(bind)
    _last_refresh_in(bind)
    _allow_roles(ROLES_0004)


def downgrade() -> None:
    bind = op.get_bind()
    administrators = bind.scalar(
        sa.select(sa.func.count()).select_from(users).where(users.c.role == "administrator")
    )
    if administrators:
        raise RuntimeError(
            f"{administrators} users have the administrator role, which revision 0003 does "
            "not know: give them another role before downgrading"
        )
    _allow_roles(ROLES_0003)
    _upkeep_claim_out(bind)
    op.drop_table("job_runs")


def _upkeep_claim_in(bind: sa.Connection) -> None:
    claim = bind.execute(
        sa.select(settings.c.value, settings.c.updated_by, settings.c.updated_at).where(
            settings.c.key == UPKEEP_SETTING
        )
    ).first()
    if claim is None:
        return
    day = _loads(claim.value)
    if isinstance(day, str):  # anything else was never a claim: the upkeep runs again
        bind.execute(
            job_runs.insert().values(
                job=UPKEEP_JOB,
                run_key=day,
                status="done",
                started_at=claim.updated_at,
                finished_at=None,  # the setting never said when the run ended
                workstation="",
                user_id=claim.updated_by,
                detail={"moved_from": "clinic_settings"},
            )
        )
    bind.execute(settings.delete().where(settings.c.key == UPKEEP_SETTING))


def _last_refresh_in(bind: sa.Connection) -> None:
    latest = bind.execute(
        sa.select(audit.c.occurred_at, audit.c.user_id, audit.c.workstation, audit.c.detail)
        .where(
            audit.c.action == REFRESH_JOB,
            audit.c.entity == "course",
            audit.c.entity_id.is_(None),
        )
        .order_by(audit.c.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return
    detail = _loads(latest.detail)
    bind.execute(
        job_runs.insert().values(
            job=REFRESH_JOB,
            run_key=None,
            status="done",
            started_at=latest.occurred_at,
            finished_at=latest.occurred_at,
            workstation=latest.workstation,
            user_id=latest.user_id,
            detail=detail if isinstance(detail, dict) else {},
        )
    )


def _upkeep_claim_out(bind: sa.Connection) -> None:
    """The latest day claimed and not failed (a failed run had given its claim back)."""
    latest = bind.execute(
        sa.select(job_runs.c.run_key, job_runs.c.user_id, job_runs.c.started_at)
        .where(
            job_runs.c.job == UPKEEP_JOB,
            job_runs.c.status != "failed",
            job_runs.c.run_key.is_not(None),
        )
        .order_by(job_runs.c.run_key.desc())
        .limit(1)
    ).first()
    if latest is None:
        return
    bind.execute(settings.delete().where(settings.c.key == UPKEEP_SETTING))
    bind.execute(
        settings.insert().values(
            key=UPKEEP_SETTING,
            value=json.dumps(latest.run_key),
            updated_by=latest.user_id,
            updated_at=latest.started_at,
        )
    )


def _allow_roles(roles: Sequence[str]) -> None:
    """Replace the CHECK of users.role (on SQLite a copy of the table: batch mode)."""
    allowed = ", ".join(f"'{role}'" for role in roles)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), sa.text(f"role IN ({allowed})"))


def _loads(text: str | None) -> Any:
    try:
        return json.loads(text or "null")
    except ValueError:
        return None
