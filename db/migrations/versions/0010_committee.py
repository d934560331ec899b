"""Committee votes: each member's vote at a committee stage (the Tim Penilai Kinerja)."""

from __future__ import annotations

from alembic import op

from db.migrations.columns import create_stage_verdicts

revision: str = "0010_committee"
down_revision: str | None = "0007_delegations"


def upgrade() -> None:
    """Create the committee_votes table."""
    # One vote per member and stage: a second tap (or two at once) records one.
    create_stage_verdicts(
        "committee_votes", "member_nip", "voted_at", "proposal_id", "stage", "member_nip"
    )
    op.create_index("ix_committee_votes_proposal_id", "committee_votes", ["proposal_id"])


def downgrade() -> None:
    """Drop the committee_votes table."""
    op.drop_index("ix_committee_votes_proposal_id", table_name="committee_votes")
    op.drop_table("committee_votes")
