"""Delegations: an approver's cards and digests go to a named delegate for a range of dates."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007_delegations"
down_revision: str | None = "0009_invitation_replaced"


def upgrade() -> None:
    """Create the delegations table."""
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("approver_nip", sa.String(32), nullable=False),
        sa.Column("delegate_nip", sa.String(32), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("first_day <= last_day", name="ck_delegations_day_order"),
        sa.PrimaryKeyConstraint("id", name="pk_delegations"),
    )
    op.create_index("ix_delegations_approver_nip", "delegations", ["approver_nip"])
    op.create_index("ix_delegations_delegate_nip", "delegations", ["delegate_nip"])


def downgrade() -> None:
    """Drop the delegations table."""
    op.drop_index("ix_delegations_delegate_nip", table_name="delegations")
    op.drop_index("ix_delegations_approver_nip", table_name="delegations")
    op.drop_table("delegations")
