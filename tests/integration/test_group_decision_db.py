"""Group decisions (issue 10) against real databases (SQLite and PostgreSQL): a group is stored in
one transaction, and two approvers deciding the same group at once decide each move once."""

from __future__ import annotations

import asyncio
import datetime as dt

from core.domain import ProposalLine, ProposalState, TransferProposal, Unit
from core.ports import UnitOfWorkFactory
from core.rebalance.documents import MoveDocument
from core.usecases.approval.groups import approve_many
from core.usecases.planning import propose_plan
from tests.support.clock import FakeClock
from tests.support.fakes import stored_id
from tests.support.loop_agency import (
    APPROVER,
    APPROVER_2,
    CLERK,
    LOOP_AGENCY,
    NIGHT,
    ScriptedEngine,
    employee,
    explained,
    move,
    rules,
)

MOVERS = 12


def nip_of(i: int) -> str:
    return f"19900101201503{1 + i % 2}{i:03d}"


async def group_plan(uows: UnitOfWorkFactory) -> list[int]:
    """The tiny agency plus MOVERS nurses of PKM-A, each proposed to move to PKM-B."""
    await LOOP_AGENCY.write_to(uows)
    async with uows() as uow:
        for i in range(MOVERS):
            await uow.employees.upsert(employee(nip_of(i), f"Perawat {i}", "PKM-A"))
        await uow.commit()
    moves: list[MoveDocument] = [move(nip_of(i), "PKM-A", "PKM-B") for i in range(MOVERS)]
    clock = FakeClock(NIGHT.astimezone(dt.UTC))
    outcome = await propose_plan(uows, clock, rules(), ScriptedEngine(moves))
    return [p.id for p in outcome.proposals if p.id is not None]


async def test_two_approvers_deciding_the_same_group_at_once_decide_each_move_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ids = await group_plan(uow_factory)
    assert len(ids) == MOVERS
    clock = FakeClock(NIGHT.astimezone(dt.UTC) + dt.timedelta(hours=8))
    approval = rules().approval
    first, second = await asyncio.gather(
        approve_many(uow_factory, clock, approval, proposal_ids=ids, approver_nip=APPROVER),
        approve_many(uow_factory, clock, approval, proposal_ids=ids, approver_nip=APPROVER_2),
    )
    assert first.approved + second.approved == MOVERS
    assert first.skipped + second.skipped == MOVERS
    async with uow_factory() as uow:
        decisions = [d for i in ids for d in await uow.decisions.list_for(i)]
        proposals = [await uow.proposals.get(i) for i in ids]
        notices = [m for m in await uow.outbox.list() if m.kind == "supervisor_info"]
        audits = [e for e in await uow.audit.list() if e.action == "proposal.approve"]
    assert sorted(d.proposal_id for d in decisions) == sorted(ids)
    assert {p.state for p in proposals if p is not None} == {ProposalState.APPROVED}
    # Each move's word to each supervisor once, and one audit event per move.
    assert len({m.dedupe_key for m in notices}) == len(notices)
    assert sorted(int(e.subject.split(":")[1]) for e in audits) == sorted(ids)


async def test_a_plans_lines_are_the_moves_touching_the_given_units_in_creation_order(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ids = await group_plan(uow_factory)  # PKM-A -> PKM-B (Dinkes)
    async with uow_factory() as uow:
        await uow.units.upsert(Unit("SD-2", "SD Negeri 2 Wonosari", "Dindik", -7.98, 110.62))
        # a school clerk between two schools (Dindik)
        first = await uow.proposals.get(ids[0])
        assert first is not None
        plan_id = first.plan_id
        [school] = await uow.proposals.add_many(
            [
                TransferProposal(
                    None, plan_id, CLERK, "SD-1", "SD-2", explanation=explained("SD-1", "SD-2")
                )
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        everything = await uow.proposals.lines_for_plan(plan_id, None)
        schools = await uow.proposals.lines_for_plan(plan_id, {"SD-2"})
        nurses = await uow.proposals.lines_for_plan(plan_id, ["PKM-B", "PKM-A"])
        nobody = await uow.proposals.lines_for_plan(plan_id, set())
        other_plan = await uow.proposals.lines_for_plan(plan_id + 1, None)
    assert [line.id for line in everything] == [*ids, school.id]
    assert schools == [
        ProposalLine(stored_id(school), plan_id, CLERK, "SD-1", "SD-2", ProposalState.PENDING, 0)
    ]
    assert [line.id for line in nurses] == ids
    assert (nobody, other_plan) == ([], [])
