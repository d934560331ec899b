"""Deciding many at once: a group of moves approved in chunks of a few per transaction, each
move checked as `decide` checks it; a move that changed meanwhile is skipped, not forced."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain import ProposalState
from core.domain.errors import Conflict, NotAllowed, StaleAction
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.chain import ApprovalRules
from core.usecases.approval.decisions import MayDecide, check_may_decide, settle_allowed
from core.usecases.read_once import read_once


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What "Setujui semua" did."""

    approved: int
    skipped: int


#: Moves decided per transaction by a group decision (see approve_many), and the pause after
#: each such transaction.
DECISION_CHUNK = 4


DECISION_PAUSE_SECONDS = 0.02


async def approve_many(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    proposal_ids: Sequence[int],
    approver_nip: str,
) -> BulkOutcome:
    """Approve each of PROPOSAL_IDS at its current stage; those the caller may not decide (or
    already decided) are skipped and counted.

    The moves are decided DECISION_CHUNK at a time, each chunk one transaction: every move of
    it is checked before anything is written, and the reference data (units, grants, accounts,
    names) is read once per chunk (core.usecases.read_once). After each chunk the database is left
    to
    others for DECISION_PAUSE_SECONDS: SQLite lets one transaction write at a time, and while
    a whole group of 30-40 moves was one transaction, every other writer (the inbox storing
    each incoming update, so every reply to anyone) waited for all of it; small chunks decide
    the group as fast and keep those waits short (benchmarks/bench_notices.py). When another
    decision on a move of a chunk lands meanwhile (Conflict, or a proposal that moved on between
    the check and the write), nothing of that chunk was stored, and its moves are decided again
    one at a time, each in its own transaction."""
    approved = 0
    for start in range(0, len(proposal_ids), DECISION_CHUNK):
        chunk = proposal_ids[start : start + DECISION_CHUNK]
        if start:
            await asyncio.sleep(DECISION_PAUSE_SECONDS)
        try:
            approved += await _approve_together(uow_factory, clock, rules, chunk, approver_nip)
        except (Conflict, StaleAction):
            for proposal_id in chunk:
                with contextlib.suppress(Conflict, StaleAction):  # decided meanwhile
                    approved += await _approve_together(
                        uow_factory, clock, rules, [proposal_id], approver_nip
                    )
    return BulkOutcome(approved, len(proposal_ids) - approved)


async def _approve_together(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    proposal_ids: Sequence[int],
    approver_nip: str,
) -> int:
    """Approve those of PROPOSAL_IDS the caller may decide now, in one transaction: all of them
    are checked first, then written; returns how many. Conflict or AlreadyDecided (nothing
    stored) when another decision lands between the check and the write."""
    async with uow_factory() as uow:
        shared, now = read_once(uow), clock.now()
        allowed = [
            may
            for proposal_id in proposal_ids
            if (may := await _allowed(shared, rules, proposal_id, approver_nip, now))
        ]
        for may in allowed:
            await settle_allowed(
                shared, rules, may, actor_nip=approver_nip, approve=True, reason=None, now=now
            )
        if allowed:
            await uow.commit()
    return len(allowed)


async def _allowed(
    uow: UnitOfWork, rules: ApprovalRules, proposal_id: int, approver_nip: str, now: dt.datetime
) -> MayDecide | None:
    """Whether APPROVER_NIP may decide PROPOSAL_ID at its current stage now (None: no)."""
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None or proposal.state != ProposalState.PENDING:
        return None
    try:
        return await check_may_decide(
            uow,
            rules,
            proposal_id=proposal_id,
            stage=proposal.stage,
            approver_nip=approver_nip,
            now=now,
        )
    except (StaleAction, NotAllowed):
        return None


async def approve_all(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: ApprovalRules,
    *,
    plan_id: int,
    approver_nip: str,
) -> BulkOutcome:
    """Approve every pending proposal of the plan the caller decides at its current stage."""
    async with uow_factory() as uow:
        # Light lines (no explanation decoded): only the ids of the pending moves are needed.
        lines = await uow.proposals.lines_for_plan(plan_id, None)
    pending = [p.id for p in lines if p.state == ProposalState.PENDING and p.id is not None]
    outcome = await approve_many(
        uow_factory, clock, rules, proposal_ids=pending, approver_nip=approver_nip
    )
    return outcome
