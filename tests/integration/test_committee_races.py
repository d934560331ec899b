"""Committee votes racing on a real database (issue 10 step 7): two members voting at the same
moment settle the stage exactly once; one member tapping twice at once counts once.

On PostgreSQL the first race holds both votes inside their transactions until both are written,
so neither transaction sees the other's vote and the stage is settled by the re-check after
commit. SQLite lets one writer in at a time, so there the same race runs without that hold.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from types import TracebackType
from typing import Any

from core.domain import CommitteeVote, ProposalState, Role, RoleGrant, ScopeKind
from core.ports import UnitOfWorkFactory
from core.usecases.approval.chain import parse_chain
from core.usecases.approval.decisions import decide
from core.usecases.committee import AlreadyVoted, Committee, vote, with_committee
from core.usecases.planning import propose_plan
from tests.support.clock import FakeClock
from tests.support.loop_agency import (
    APPROVER,
    CLERK,
    LOOP_AGENCY,
    NIGHT,
    NURSE_A,
    OUTSIDER,
    SUP_A,
    SUP_B,
    ScriptedEngine,
    move,
    rules,
)

CHAIN = "kepala_opd:opd,tpk,ppk"


class HoldVotes:
    """Holds each of two votes inside its transaction until both are written (PostgreSQL)."""

    def __init__(self, hold: bool) -> None:
        self.hold = hold
        self.barrier = asyncio.Barrier(2)

    def wrap(self, factory: UnitOfWorkFactory) -> Any:
        return lambda: _HeldUnitOfWork(factory(), self)


class _HeldVotes:
    def __init__(self, inner: Any, gate: HoldVotes) -> None:
        self._inner = inner
        self._gate = gate

    async def add(self, cast: CommitteeVote) -> bool:
        stored = bool(await self._inner.add(cast))
        if self._gate.hold:
            await asyncio.wait_for(self._gate.barrier.wait(), timeout=20)
        return stored

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _HeldUnitOfWork:
    def __init__(self, inner: Any, gate: HoldVotes) -> None:
        self._inner = inner
        self._gate = gate

    async def __aenter__(self) -> Any:
        uow = await self._inner.__aenter__()
        uow.committee_votes = _HeldVotes(uow.committee_votes, self._gate)
        return uow

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)


async def waiting_for_the_team(uow_factory: UnitOfWorkFactory) -> tuple[Any, FakeClock, int]:
    """The tiny agency with one move past its first stage, waiting at the committee (2 of 3)."""
    await LOOP_AGENCY.write_to(uow_factory)
    async with uow_factory() as uow:
        await uow.roles.grant(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "ppk"))
        await uow.commit()
    committee = Committee("tpk", (SUP_A, SUP_B, CLERK), 2)
    base = rules(CHAIN)
    approval = dataclasses.replace(
        base.approval, stages=with_committee(parse_chain(CHAIN), committee), committee=committee
    )
    planning = dataclasses.replace(base, approval=approval)
    clock = FakeClock(NIGHT.astimezone(dt.UTC))
    outcome = await propose_plan(uow_factory, clock, planning, ScriptedEngine([move(NURSE_A)]))
    [proposal] = outcome.proposals
    assert proposal.id is not None
    await decide(
        uow_factory,
        clock,
        approval,
        proposal_id=proposal.id,
        stage=0,
        approver_nip=APPROVER,
        approve=True,
    )
    return approval, clock, proposal.id


async def test_two_members_voting_at_once_settle_the_stage_exactly_once(
    uow_factory: UnitOfWorkFactory, database_backend: str
) -> None:
    approval, clock, pid = await waiting_for_the_team(uow_factory)
    gate = HoldVotes(hold=database_backend == "postgresql")
    held = gate.wrap(uow_factory)
    first, second = await asyncio.gather(
        vote(held, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_A, approve=True),
        vote(held, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_B, approve=True),
    )
    assert [first.settled is not None, second.settled is not None].count(True) == 1
    async with uow_factory() as uow:
        stored = await uow.proposals.get(pid)
        decisions = [d for d in await uow.decisions.list_for(pid) if d.stage == 1]
        votes = await uow.committee_votes.list_for(pid)
        events = await uow.audit.list(f"proposal:{pid}")
        cards = await uow.outbox.list_by_dedupe_prefix(f"card:{pid}:2:")
    assert stored is not None and stored.state == ProposalState.PENDING and stored.stage == 2
    assert len(decisions) == 1 and decisions[0].approved
    assert sorted(v.member_nip for v in votes) == sorted([SUP_A, SUP_B])
    assert [e.action for e in events].count("committee.vote") == 2
    assert [e.action for e in events].count("proposal.approve") == 2  # stage 1, and the team
    assert len(cards) == 1  # the PPK's card, queued once


async def test_one_member_tapping_twice_at_once_votes_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    approval, clock, pid = await waiting_for_the_team(uow_factory)
    results = await asyncio.gather(
        vote(
            uow_factory, clock, approval, proposal_id=pid, stage=1, member_nip=SUP_A, approve=True
        ),
        vote(
            uow_factory,
            clock,
            approval,
            proposal_id=pid,
            stage=1,
            member_nip=SUP_A,
            approve=False,
            reason="ketukan kedua",
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, AlreadyVoted)]
    assert len(refused) == 1, results
    async with uow_factory() as uow:
        votes = await uow.committee_votes.list_for(pid)
        stored = await uow.proposals.get(pid)
        events = await uow.audit.list(f"proposal:{pid}")
    assert len(votes) == 1 and votes[0].member_nip == SUP_A
    assert [e.action for e in events].count("committee.vote") == 1
    assert stored is not None and stored.stage == 1  # one vote of three: nothing settled
