"""Committee votes: each member's vote at a committee stage (the Tim Penilai Kinerja)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_committee"
down_revision: str | None = "0007_delegations"

# Written out here (not imported from db.rows) so this revision never changes after release.
UTC_TIME = sa.DateTime(timezone=True)
NIP = sa.String(32)


def upgrade() -> None:
    """Create the committee_votes table."""
    op.create_table(
        "committee_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("member_nip", NIP, nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("voted_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["transfer_proposals.id"],
            name="fk_committee_votes_proposal_id_transfer_proposals",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_committee_votes"),
        # One vote per member and stage: a second tap (or two at once) records one.
        sa.UniqueConstraint(
            "proposal_id",
            "stage",
            "member_nip",
            name="uq_committee_votes_proposal_id_stage_member_nip",
        ),
    )
    op.create_index("ix_committee_votes_proposal_id", "committee_votes", ["proposal_id"])


def downgrade() -> None:
    """Drop the committee_votes table."""
    op.drop_index("ix_committee_votes_proposal_id", table_name="committee_votes")
    op.drop_table("committee_votes")
