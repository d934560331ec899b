"""Lawful plans (issue 15): dated locks, CPNS, PPPK contract end, SKP, teachers' subject,
daerah khusus and heads of units, and the jabatan catalogue.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_lawful_rules"
down_revision: str | None = "0003_after_approval"

NIP = sa.String(32)
NAME = sa.String(255)


def upgrade() -> None:
    """Add the new columns (all nullable or defaulted: existing rows keep their meaning).

    Plain ADD/DROP COLUMN (no batch table copy): SQLite does them in place, and a copy of
    `employees` would trip the foreign keys that point at it.
    """
    op.add_column(
        "units",
        sa.Column("daerah_khusus", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("units", sa.Column("head_nip", NIP, nullable=True))
    op.add_column("employees", sa.Column("lock_kind", sa.String(32), nullable=True))
    op.add_column("employees", sa.Column("lock_until", sa.Date(), nullable=True))
    op.add_column("employees", sa.Column("contract_end", sa.Date(), nullable=True))
    op.add_column("employees", sa.Column("skp_1", sa.String(32), nullable=True))
    op.add_column("employees", sa.Column("skp_2", sa.String(32), nullable=True))
    op.add_column("employees", sa.Column("mapel", NAME, nullable=True))
    op.add_column("activities", sa.Column("mapel", NAME, nullable=True))
    op.create_table(
        "jabatan_catalogue",
        sa.Column("key", NAME, nullable=False),
        sa.Column("jabatan", NAME, nullable=False),
        sa.Column("jenis", sa.String(16), nullable=False),
        sa.Column("needs_sip", sa.Boolean(), nullable=False),
        sa.Column("min_tenure_months", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_jabatan_catalogue"),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("jabatan_catalogue")
    op.drop_column("activities", "mapel")
    for column in ("mapel", "skp_2", "skp_1", "contract_end", "lock_until", "lock_kind"):
        op.drop_column("employees", column)
    op.drop_column("units", "head_nip")
    op.drop_column("units", "daerah_khusus")
