"""Crash safety: outbox claims per process, an inbox of updates, undeliverable chats apart from
unbound accounts, and invitation-code attempts for throttling.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_crash_safety"
down_revision: str | None = "0002_lawful_rules"

UTC_TIME = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add the columns and tables."""
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
    with op.batch_alter_table("telegram_accounts") as batch:
        batch.add_column(
            sa.Column(
                "undeliverable", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", JSON_DOC, nullable=True),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("handled_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("update_id", name="pk_inbox_updates"),
    )
    op.create_index("ix_inbox_updates_handled_at", "inbox_updates", ["handled_at"])
    op.create_table(
        "invitation_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invitation_attempts"),
    )
    op.create_index(
        "ix_invitation_attempts_telegram_user_id_at",
        "invitation_attempts",
        ["telegram_user_id", "at"],
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("invitation_attempts")
    op.drop_table("inbox_updates")
    with op.batch_alter_table("telegram_accounts") as batch:
        batch.drop_column("undeliverable")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("claimed_by")
