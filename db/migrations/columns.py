"""Column types, column groups and constraint names the migration revisions share.

Written out here, not imported from db.rows, so a released revision never changes when the
models do. For the same reason nothing here may change what it creates once a released revision
calls it: a later schema change gets a new function (or is written out in its own revision).
Constraint names follow db.rows' naming convention (`pk_<table>`,
`fk_<table>_<column>_<referred table>`, `uq_<table>_<columns>`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import SchemaItem

UTC_TIME = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
NIP = sa.String(32)
CODE = sa.String(64)
NAME = sa.String(255)


def create_id_table(table: str, *columns_and_constraints: SchemaItem) -> None:
    """Create TABLE keyed by an integer `id` (its first column, primary key `pk_<table>`),
    then COLUMNS_AND_CONSTRAINTS in the order given."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        *columns_and_constraints,
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )


def foreign_key(table: str, column: str, referred: str, **options: Any) -> sa.ForeignKeyConstraint:
    """TABLE.COLUMN references REFERRED ("<table>.<column>"); OPTIONS as for
    sa.ForeignKeyConstraint (e.g. ondelete)."""
    referred_table = referred.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [referred], name=f"fk_{table}_{column}_{referred_table}", **options
    )


def unique(table: str, *columns: str) -> sa.UniqueConstraint:
    """At most one row of TABLE per value of COLUMNS."""
    return sa.UniqueConstraint(*columns, name=f"uq_{table}_{'_'.join(columns)}")


def unit_and_jabatan(table: str) -> tuple[SchemaItem, ...]:
    """The columns `unit_code` (a foreign key to `units`) and `jabatan` of TABLE: a jabatan in
    a work unit, the cell the ABK counts workload and staff by."""
    return (
        sa.Column("unit_code", CODE, nullable=False),
        sa.Column("jabatan", NAME, nullable=False),
        foreign_key(table, "unit_code", "units.code"),
    )


def proposal_id() -> sa.Column[int]:
    """The column `proposal_id`: the transfer proposal a record is about."""
    return sa.Column("proposal_id", sa.Integer(), nullable=False)


def create_unique_index_where(
    table: str, column: str, label: str, where: str, *, postgresql_where: str | None = None
) -> None:
    """A unique index `uq_<table>_<column>_<label>` on TABLE.COLUMN over the rows WHERE selects
    (an SQL condition; POSTGRESQL_WHERE where PostgreSQL spells it differently)."""
    op.create_index(
        f"uq_{table}_{column}_{label}",
        table,
        [column],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(postgresql_where or where),
    )


def create_stage_verdicts(table: str, person: str, at: str, *once_per: str) -> None:
    """Create TABLE: verdicts (approved or not, with an optional reason) that the employee in
    column PERSON gives at a stage of a transfer proposal, at time AT; at most one per the
    columns ONCE_PER. Used for approval decisions and committee votes."""
    create_id_table(
        table,
        proposal_id(),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column(person, NIP, nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(at, UTC_TIME, nullable=False),
        foreign_key(table, "proposal_id", "transfer_proposals.id"),
        unique(table, *once_per),
    )
