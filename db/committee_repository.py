"""Committee votes (core.usecases.committee) in the `committee_votes` table."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select

from core.domain import CommitteeVote
from db.mapping import column_values, from_row
from db.repositories import SqlRepository
from db.rows import ApprovalDecisionRow, CommitteeVoteRow, TransferProposalRow
from db.statements import insert_unless_taken


def vote_from_row(row: CommitteeVoteRow) -> CommitteeVote:
    """The domain value of a committee vote row."""
    return from_row(CommitteeVote, row)


class SqlCommitteeVoteRepository(SqlRepository):
    """core.ports.CommitteeVoteRepository over `committee_votes` (one per member and stage)."""

    async def add(self, vote: CommitteeVote) -> bool:
        """Record a vote; False (nothing stored) if the member already voted at that stage."""
        return await insert_unless_taken(
            self.session,
            CommitteeVoteRow,
            column_values(vote),
        )

    async def list_for(self, proposal_id: int) -> Sequence[CommitteeVote]:
        """The votes on one proposal, in the order they were cast."""
        rows = await self._all(
            select(CommitteeVoteRow)
            .where(CommitteeVoteRow.proposal_id == proposal_id)
            .order_by(CommitteeVoteRow.voted_at, CommitteeVoteRow.id)
        )
        return [vote_from_row(r) for r in rows]

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
