"""Invitations remember when a newer link replaced them, so the old link can say "diganti"
(replaced) instead of "kedaluwarsa" (expired).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009_invitation_replaced"
down_revision: str | None = "0006_crash_safety"


def upgrade() -> None:
    """Add invitations.replaced_at (empty for every existing link)."""
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop invitations.replaced_at."""
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("replaced_at")
