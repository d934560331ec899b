"""Committee votes (core.usecases.committee) in the `committee_votes` table."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from core.domain import CommitteeVote
from db.repositories import ProposalRecords
from db.rows import ApprovalDecisionRow, CommitteeVoteRow, TransferProposalRow


class SqlCommitteeVoteRepository(
    ProposalRecords[CommitteeVote], row=CommitteeVoteRow, order=("voted_at", "id")
):
    """core.ports.CommitteeVoteRepository over `committee_votes` (one per member and stage;
    `list_for` gives them in the order they were cast)."""

    async def add(self, vote: CommitteeVote) -> bool:
        """Record a vote; False (nothing stored) if the member already voted at that stage."""
        return await self._add_once(vote)

    async def acted_on(self, plan_id: int, nip: str) -> Collection[int]:
        """Ids of the proposals of PLAN_ID that NIP voted on or decided a stage of."""
        in_plan = select(TransferProposalRow.id).where(TransferProposalRow.plan_id == plan_id)
        voted = await self._all(
            select(CommitteeVoteRow.proposal_id).where(
                CommitteeVoteRow.member_nip == nip, CommitteeVoteRow.proposal_id.in_(in_plan)
            )
        )
        decided = await self._all(
            select(ApprovalDecisionRow.proposal_id).where(
                ApprovalDecisionRow.approver_nip == nip,
                ApprovalDecisionRow.proposal_id.in_(in_plan),
            )
        )
        return {*voted, *decided}
