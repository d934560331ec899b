"""Group votes from the members' digest racing on a real database (issue 10 step 7): two members
agreeing to the same group at the same moment each record one vote per move and settle each
move's stage exactly once; one member confirming the same group twice at once votes once per
move. Also the one query a member's digest needs (`acted_on`) on SQLite and PostgreSQL.

On PostgreSQL the two members' votes on each move are held inside their transactions until both
are written (tests/integration/test_committee_races.HoldVotes), so neither sees the other's vote
and each move's stage is settled by the re-check after commit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from core.domain import ProposalState, Role, RoleGrant, ScopeKind
from core.ports import UnitOfWorkFactory
from core.usecases.committee import GroupVote, vote_many
from core.usecases.planning import propose_plan
from tests.integration.test_committee_races import HoldVotes, waiting_for_the_team
from tests.support import loop_agency as tiny
from tests.support.clock import FakeClock
from tests.unit.test_committee_digest import nurse, team_rules

GROUP = 6


async def a_group_before_the_team(
    uow_factory: UnitOfWorkFactory,
) -> tuple[Any, FakeClock, list[int], int]:
    """GROUP nurses of PKM-A proposed to move to PKM-B, waiting for the team (2 of 3) at the
    first stage; the approval rules, the clock, the proposal ids and the plan id."""
    await tiny.LOOP_AGENCY.write_to(uow_factory)
    async with uow_factory() as uow:
        await uow.roles.grant(RoleGrant(tiny.OUTSIDER, Role.APPROVER, ScopeKind.ALL, "ppk"))
        for i in range(GROUP):
            await uow.employees.upsert(tiny.employee(nurse(i), f"Perawat {i}", "PKM-A"))
        await uow.commit()
    planning = team_rules()
    clock = FakeClock(tiny.NIGHT.astimezone(dt.UTC))
    outcome = await propose_plan(
        uow_factory,
        clock,
        planning,
        tiny.ScriptedEngine([tiny.move(nurse(i)) for i in range(GROUP)]),
    )
    ids = [p.id or 0 for p in outcome.proposals]
    return planning.approval, clock, ids, outcome.proposals[0].plan_id


async def test_two_members_agreeing_to_one_group_at_once_settle_each_move_once(
    uow_factory: UnitOfWorkFactory, database_backend: str
) -> None:
    approval, clock, ids, _plan = await a_group_before_the_team(uow_factory)
    gate = HoldVotes(hold=database_backend == "postgresql")
    held = gate.wrap(uow_factory)
    ballots = [(i, 0) for i in ids]
    first, second = await asyncio.gather(
        vote_many(held, clock, approval, ballots=ballots, member_nip=tiny.SUP_A),
        vote_many(held, clock, approval, ballots=ballots, member_nip=tiny.CLERK),
    )
    assert (first.voted, second.voted) == (GROUP, GROUP)
    assert first.passed + second.passed == GROUP  # each move passed by exactly one of them
    async with uow_factory() as uow:
        for pid in ids:
            stored = await uow.proposals.get(pid)
            decisions = [d for d in await uow.decisions.list_for(pid) if d.stage == 0]
            votes = await uow.committee_votes.list_for(pid)
            events = [e.action for e in await uow.audit.list(f"proposal:{pid}")]
            cards = await uow.outbox.list_by_dedupe_prefix(f"card:{pid}:1:")
            assert stored is not None and stored.state == ProposalState.PENDING
            assert stored.stage == 1
            assert len(decisions) == 1 and decisions[0].approved
            assert sorted(v.member_nip for v in votes) == sorted([tiny.SUP_A, tiny.CLERK])
            assert events.count("committee.vote") == 2
            assert events.count("proposal.approve") == 1
            assert len(cards) <= 1  # the PPK's card (or their digest), never twice


async def test_one_member_confirming_a_group_twice_at_once_votes_once_per_move(
    uow_factory: UnitOfWorkFactory,
) -> None:
    approval, clock, ids, plan_id = await a_group_before_the_team(uow_factory)
    ballots = [(i, 0) for i in ids]
    results: tuple[GroupVote, GroupVote] = await asyncio.gather(
        vote_many(uow_factory, clock, approval, ballots=ballots, member_nip=tiny.SUP_B),
        vote_many(uow_factory, clock, approval, ballots=ballots, member_nip=tiny.SUP_B),
    )
    assert sum(r.voted for r in results) == GROUP
    assert sum(r.skipped for r in results) == GROUP
    assert sum(r.passed for r in results) == 0  # one vote of the two needed
    async with uow_factory() as uow:
        for pid in ids:
            votes = await uow.committee_votes.list_for(pid)
            stored = await uow.proposals.get(pid)
            events = [e.action for e in await uow.audit.list(f"proposal:{pid}")]
            assert [v.member_nip for v in votes] == [tiny.SUP_B]
            assert events.count("committee.vote") == 1
            assert stored is not None and stored.stage == 0
        assert set(await uow.committee_votes.acted_on(plan_id, tiny.SUP_B)) == set(ids)
        assert set(await uow.committee_votes.acted_on(plan_id, tiny.SUP_A)) == set()
        assert set(await uow.committee_votes.acted_on(plan_id + 1, tiny.SUP_B)) == set()


async def test_acted_on_counts_a_stage_decided_as_well_as_a_vote(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Whoever decided an earlier stage of a move may not vote on it: the digest's one query
    returns those moves too."""
    _approval, _clock, pid = await waiting_for_the_team(uow_factory)
    async with uow_factory() as uow:
        proposal = await uow.proposals.get(pid)
        assert proposal is not None
        assert set(await uow.committee_votes.acted_on(proposal.plan_id, tiny.APPROVER)) == {pid}
        assert set(await uow.committee_votes.acted_on(proposal.plan_id, tiny.SUP_A)) == set()
