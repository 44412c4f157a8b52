"""The clinic's list of prescribers; lab results and doses marked entered-in-error;
the anticoagulant class and INR target; the in-use expiry of opened vials.

A hold was lifted by any typed name: decisions and courses now point at a row of
``prescribers`` (older rows keep only their name). A mistyped result or dose is
marked entered-in-error with a reason, never deleted. Patients recorded as
anticoagulated get a class from the drug name they carry, so only vitamin K
antagonists keep the INR check; a name the migration cannot place is treated as a
vitamin K antagonist, the cautious reading (the check the patient had before).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 04:16:28.979865
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LAB_TESTS_0004 = ("b12", "hb", "mcv", "platelets", "homocysteine", "mma", "potassium", "inr")
LAB_TESTS_0005 = (*LAB_TESTS_0004, "reticulocytes")
DOSE_STATUSES_0004 = ("completed", "not-done")
DOSE_STATUSES_0005 = (*DOSE_STATUSES_0004, "entered-in-error")

#: Drug names (lower case, first word) the migration can place in a class.
DOAC_NAMES = ("apixaban", "rivaroxaban", "edoxaban", "dabigatran", "eliquis", "xarelto",
              "lixiana", "pradaxa")  # fmt: skip
HEPARIN_NAMES = ("heparin", "enoxaparin", "dalteparin", "tinzaparin", "clexane", "fragmin",
                 "innohep")  # fmt: skip

patients = sa.table(
    "patients",
    sa.column("id", sa.Integer),
    sa.column("anticoagulant", sa.Boolean),
    sa.column("anticoagulant_name", sa.String),
    sa.column("anticoagulant_class", sa.String),
)
lab_results = sa.table("lab_results", sa.column("test", sa.String), sa.column("status", sa.String))
administrations = sa.table("administrations", sa.column("status", sa.String))


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table(
        "prescribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "profession", _enum("profession", "doctor", "nurse", "pharmacist"), nullable=False
        ),
        sa.Column("registration_number", sa.String(length=12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_prescribers_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_prescribers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescribers")),
        sa.UniqueConstraint(
            "profession",
            "registration_number",
            name=op.f("uq_prescribers_profession_registration_number"),
        ),
        sa.UniqueConstraint("user_id", name=op.f("uq_prescribers_user_id")),
    )
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("error_marked_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("error_marked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_administrations_error_marked_by_users"),
            "users",
            ["error_marked_by"],
            ["id"],
        )
        _replace_values(batch_op, "administrations", "administration_status", "status",
                        DOSE_STATUSES_0005)  # fmt: skip
        batch_op.create_check_constraint(
            op.f("ck_administrations_error_has_reason"),
            sa.text("status <> 'entered-in-error' OR error_reason <> ''"),
        )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prescriber_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_courses_prescriber_id_prescribers"),
            "prescribers",
            ["prescriber_id"],
            ["id"],
        )
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "status",
                _enum("lab_result_status", "final", "entered-in-error"),
                nullable=False,
                server_default="final",
            )
        )
        batch_op.add_column(sa.Column("corrected_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("error_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("error_marked_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("error_marked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_foreign_key(
            batch_op.f("fk_lab_results_error_marked_by_users"), "users", ["error_marked_by"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_lab_results_corrected_by_id_lab_results"),
            "lab_results",
            ["corrected_by_id"],
            ["id"],
        )
        _replace_values(batch_op, "lab_results", "lab_test", "test", LAB_TESTS_0005)
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "anticoagulant_class",
                _enum("anticoagulant_class", "vka", "doac", "heparin"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("inr_target_low", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("inr_target_high", sa.Float(), nullable=True))
    with op.batch_alter_table("prescriber_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prescriber_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("by_prescriber", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_prescriber_decisions_prescriber_id_prescribers"),
            "prescribers",
            ["prescriber_id"],
            ["id"],
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_use_days", sa.Integer(), nullable=True))
    _drop_server_defaults()
    _classify_anticoagulants(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    for table, column, value in (
        (administrations, administrations.c.status, "entered-in-error"),
        (lab_results, lab_results.c.test, "reticulocytes"),
    ):
        count = bind.scalar(sa.select(sa.func.count()).select_from(table).where(column == value))
        if count:
            raise RuntimeError(
                f"{count} rows of {table.name} hold {value!r}, which revision 0004 does not "
                "know: they cannot be downgraded without losing what they say"
            )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("in_use_days")
    with op.batch_alter_table("prescriber_decisions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_prescriber_decisions_prescriber_id_prescribers"), type_="foreignkey"
        )
        batch_op.drop_column("by_prescriber")
        batch_op.drop_column("prescriber_id")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("inr_target_high")
        batch_op.drop_column("inr_target_low")
        batch_op.drop_constraint(op.f("ck_patients_anticoagulant_class"), type_="check")
        batch_op.drop_column("anticoagulant_class")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_column("opened_on")
    with op.batch_alter_table("lab_results", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_lab_results_corrected_by_id_lab_results"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_lab_results_error_marked_by_users"), type_="foreignkey"
        )
        batch_op.drop_column("version")
        batch_op.drop_column("error_marked_at")
        batch_op.drop_column("error_marked_by")
        batch_op.drop_column("error_reason")
        batch_op.drop_column("corrected_by_id")
        batch_op.drop_constraint(op.f("ck_lab_results_lab_result_status"), type_="check")
        batch_op.drop_column("status")
        batch_op.drop_column("source")
        _replace_values(batch_op, "lab_results", "lab_test", "test", LAB_TESTS_0004)
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_courses_prescriber_id_prescribers"), type_="foreignkey"
        )
        batch_op.drop_column("prescriber_id")
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_administrations_error_has_reason"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_administrations_error_marked_by_users"), type_="foreignkey"
        )
        batch_op.drop_column("error_marked_at")
        batch_op.drop_column("error_marked_by")
        batch_op.drop_column("error_reason")
        _replace_values(batch_op, "administrations", "administration_status", "status",
                        DOSE_STATUSES_0004)  # fmt: skip
    op.drop_table("prescribers")


def _replace_values(
    batch_op: object, table: str, name: str, column: str, values: Sequence[str]
) -> None:
    """A coded column's CHECK, replaced with a new list of allowed values."""
    allowed = ", ".join(f"'{value}'" for value in values)
    batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")  # type: ignore[attr-defined]
    batch_op.create_check_constraint(  # type: ignore[attr-defined]
        op.f(f"ck_{table}_{name}"), sa.text(f"{column} IN ({allowed})")
    )


def _drop_server_defaults() -> None:
    """The defaults only filled the existing rows; the models give every new row its value."""
    for table, columns in (
        ("administrations", ("error_reason",)),
        ("lab_results", ("source", "status", "error_reason", "version")),
        ("prescriber_decisions", ("by_prescriber",)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, server_default=None)


def _classify_anticoagulants(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.select(patients.c.id, patients.c.anticoagulant_name).where(
            patients.c.anticoagulant.is_(True)
        )
    ).all()
    for row in rows:
        words = (row.anticoagulant_name or "").lower().split()
        first = words[0] if words else ""
        kind = "doac" if first in DOAC_NAMES else "heparin" if first in HEPARIN_NAMES else "vka"
        bind.execute(
            patients.update().where(patients.c.id == row.id).values(anticoagulant_class=kind)
        )
