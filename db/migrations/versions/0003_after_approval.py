"""After approval: the SIP flag, notice delivery, objection time, SPMT (arrival) and the
Minister's letter on each transfer proposal.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_after_approval"
down_revision: str | None = "0005_workload_history"

UTC_TIME = sa.DateTime(timezone=True)
TABLE = "transfer_proposals"


def upgrade() -> None:
    """Add the after-approval columns (all nullable or defaulted: old rows stay valid)."""
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(
            sa.Column("butuh_sip", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("notice_delivered_at", UTC_TIME, nullable=True))
        batch.add_column(sa.Column("objected_at", UTC_TIME, nullable=True))
        batch.add_column(sa.Column("arrival_confirmed_at", UTC_TIME, nullable=True))
        batch.add_column(sa.Column("arrival_confirmed_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("minister_letter_number", sa.String(128), nullable=True))
        batch.add_column(sa.Column("minister_letter_date", sa.Date(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table(TABLE) as batch:
        for name in (
            "minister_letter_date",
            "minister_letter_number",
            "arrival_confirmed_by",
            "arrival_confirmed_at",
            "objected_at",
            "notice_delivered_at",
            "butuh_sip",
        ):
            batch.drop_column(name)
