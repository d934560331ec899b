"""Workload reports keep their history: the month's FTE as saved, the figure it was compared
with, whether the supervisor confirmed a large change, and which earlier report it replaces.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_workload_history"
down_revision: str | None = "0001"


def upgrade() -> None:
    """Add the four history columns (existing reports: no figures, not a large change)."""
    with op.batch_alter_table("workload_reports") as batch:
        batch.add_column(sa.Column("required_fte", sa.Float(), nullable=True))
        batch.add_column(sa.Column("previous_fte", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("large_change", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the history columns."""
    with op.batch_alter_table("workload_reports") as batch:
        batch.drop_column("replaces_id")
        batch.drop_column("large_change")
        batch.drop_column("previous_fte")
        batch.drop_column("required_fte")
