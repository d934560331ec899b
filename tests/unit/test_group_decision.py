"""A group decision (issue 10): the moves go in small transactions (each read once, checked
before anything is written), and a race with another approver on one of its moves decides each
move exactly once."""

from __future__ import annotations

from typing import Any

from core.domain import ApprovalDecision, ProposalState, Unit
from core.domain.errors import Conflict
from core.domain.messages import SupervisorInfo
from core.rebalance.documents import MoveDocument
from core.usecases.approval.decisions import decide
from core.usecases.approval.groups import DECISION_CHUNK, approve_many
from core.usecases.planning import propose_plan
from core.views.digest import digest_view
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUnitOfWork, FakeUowFactory
from tests.support.loop_agency import APPROVER, APPROVER_2, ScriptedEngine, employee, move, rules
from tests.support.loop_agency import world as agency_world
from tests.support.outbox_samples import payload_of


def nip_of(i: int) -> str:
    return f"19900101201503{1 + i % 2}{i:03d}"


class CountingFactory(FakeUowFactory):
    """Counts the units of work opened and the commits made through them."""

    def __init__(self, inner: FakeUowFactory) -> None:
        super().__init__(inner.store)
        self.opened = 0
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        uow = super().__call__()
        self.opened += 1
        commit = uow.commit

        async def counted() -> None:
            self.commits += 1
            await commit()

        uow.commit = counted  # type: ignore[method-assign]
        return uow


async def one_group_of(count: int) -> tuple[CountingFactory, FakeClock, list[int]]:
    """COUNT moves out of one unit (PKM-C) to PKM-B; returns their proposal ids."""
    inner, clock = await agency_world()
    inner.store.units["PKM-C"] = Unit("PKM-C", "Puskesmas C", "Dinkes", -7.9, 110.6)
    moves: list[MoveDocument] = []
    for i in range(count):
        inner.store.employees[nip_of(i)] = employee(nip_of(i), f"Perawat {i}", "PKM-C")
        moves.append(move(nip_of(i), "PKM-C", "PKM-B"))
    outcome = await propose_plan(inner, clock, rules(), ScriptedEngine(moves))
    assert outcome.plan is not None and outcome.plan.id is not None
    async with inner() as uow:
        view = await digest_view(uow, outcome.plan.id, [APPROVER], rules().approval)
    [group] = view.groups
    ids = [e.proposal.id for e in group.waiting if e.proposal.id is not None]
    assert len(ids) == count
    return CountingFactory(inner), clock, ids


async def test_a_group_of_twenty_moves_is_decided_a_chunk_per_transaction() -> None:
    factory, clock, ids = await one_group_of(20)
    result = await approve_many(
        factory, clock, rules().approval, proposal_ids=ids, approver_nip=APPROVER
    )
    assert (result.approved, result.skipped) == (20, 0)
    assert factory.commits == -(-20 // DECISION_CHUNK)  # not one commit per move
    proposals = factory.store.proposals
    assert {proposals[i].state for i in ids} == {ProposalState.APPROVED}
    # The word to the destination's supervisor (the movers of this world have no account).
    words = [m for m in factory.store.outbox.values() if m.kind == "supervisor_info"]
    assert sorted(payload_of(m, SupervisorInfo).proposal_id for m in words) == sorted(ids)
    audits = [e for e in factory.store.audit if e.action == "proposal.approve"]
    assert sorted(e.subject for e in audits) == sorted(f"proposal:{i}" for i in ids)


class RacingFactory(CountingFactory):
    """Another approver's decision on RACED lands (committed) just before the group decision
    writes its own, which then meets the database's Conflict."""

    def __init__(self, inner: CountingFactory, raced: int, clock: FakeClock) -> None:
        super().__init__(inner)
        self.raced = raced
        self.clock = clock
        self.raced_once = False

    def __call__(self) -> FakeUnitOfWork:
        uow = super().__call__()
        add = uow.decisions.add

        async def add_or_lose(decision: ApprovalDecision) -> Any:
            if decision.proposal_id == self.raced and not self.raced_once:
                self.raced_once = True
                await decide(
                    self,
                    self.clock,
                    rules().approval,
                    proposal_id=self.raced,
                    stage=0,
                    approver_nip=APPROVER_2,
                    approve=False,
                    reason="tidak sesuai",
                )
                raise Conflict("stage already decided", proposal=self.raced)
            return await add(decision)

        uow.decisions.add = add_or_lose  # type: ignore[method-assign]
        return uow


async def test_a_race_on_one_move_stores_nothing_of_its_chunk_then_decides_each_once() -> None:
    plain, clock, ids = await one_group_of(10)
    raced = ids[4]
    factory = RacingFactory(plain, raced, clock)
    result = await approve_many(
        factory, clock, rules().approval, proposal_ids=ids, approver_nip=APPROVER
    )
    assert (result.approved, result.skipped) == (9, 1)
    store = factory.store
    assert store.proposals[raced].state == ProposalState.REJECTED
    assert {store.proposals[i].state for i in ids if i != raced} == {ProposalState.APPROVED}
    decided = sorted(d.proposal_id for d in store.decisions)
    assert decided == sorted(ids)  # one decision per move: nothing of the first try was kept
    # The raced chunk's transaction was not committed; its other moves went one at a time.
    chunks = -(-10 // DECISION_CHUNK)
    assert factory.commits == (chunks - 1) + 1 + (DECISION_CHUNK - 1)
