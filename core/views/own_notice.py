"""An ASN's own transfer notice as they open it again (ℹ️ Rincian, ✅ Terima, 📝 Ajukan
keberatan): the notice the outbox sent them, or the same rebuilt now when it is not stored,
and where their transfer stands.

Authorisation: a notice is its employee's alone. Anyone else, and a number that is no
proposal, gets `NotFound` (the same answer, so a number does not tell whether it exists).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain import ProposalState
from core.domain.errors import NotFound
from core.domain.messages import Notice
from core.ports import UnitOfWork
from core.usecases.approval.cards import content_of
from core.usecases.approval.chain import ApprovalRules


@dataclass(frozen=True, slots=True)
class OwnNotice:
    """The NOTICE as sent (or rebuilt as of now) and the transfer's STATE now."""

    notice: Notice
    state: ProposalState


async def own_notice(
    uow: UnitOfWork,
    rules: ApprovalRules,
    *,
    proposal_id: int,
    viewer_nip: str,
    now: dt.datetime,
) -> OwnNotice:
    """The notice of PROPOSAL_ID for VIEWER_NIP, the employee it moves: the one queued for
    them (dedupe key `notice:<id>:...`), else its content built at NOW with the objection
    window of RULES. Raises NotFound when there is no such proposal or it moves someone
    else."""
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None or proposal.nip != viewer_nip:
        raise NotFound()
    for message in await uow.outbox.list_by_dedupe_prefix(f"notice:{proposal_id}:"):
        if isinstance(message.payload, Notice):
            return OwnNotice(message.payload, proposal.state)
    content = await content_of(uow, proposal, rules, now)
    notice = Notice(proposal_id=proposal_id, content=content, objection_days=rules.objection_days)
    return OwnNotice(notice, proposal.state)
