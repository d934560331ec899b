"""The read side's views that the handlers only render, on SQLite and PostgreSQL: /rencana's
latest plan and its workbook (core.views.plan_overview), a card opened from the digest
(core.views.proposals.proposal_details) and who signed a decision (decided_by), each with its
authorisation: someone out of scope is refused with the domain's access error."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain import ProposalState
from core.domain.access import Caller, OutOfScope, load_caller
from core.domain.errors import NotAllowed, NotFound
from core.ports import UnitOfWorkFactory
from core.usecases.approval.chain import parse_chain
from core.usecases.approval.decisions import decide
from core.usecases.committee import Committee, with_committee
from core.usecases.delegation import create_delegation
from core.usecases.planning import PlanningRules, propose_plan
from core.views.plan_overview import plan_overview, plan_workbook_view
from core.views.proposals import decided_by, proposal_details
from tests.support.clock import FakeClock
from tests.support.fakes import stored_id
from tests.support.loop_agency import (
    ADMIN,
    APPROVER,
    APPROVER_2,
    CHAT,
    CLERK,
    JAKARTA,
    LOOP_AGENCY,
    NIGHT,
    NURSE_A,
    NURSE_B,
    OUTSIDER,
    SUP_A,
    ScriptedEngine,
    move,
    rules,
)

TUESDAY = NIGHT.date()
#: Two moves inside Dinkes and one out of the Dindik school into a puskesmas.
MOVES = [move(NURSE_A), move(NURSE_B), move(CLERK, "SD-1", "PKM-B")]


@pytest.fixture
async def agency(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    await LOOP_AGENCY.write_to(uow_factory)
    return uow_factory


async def caller(factory: UnitOfWorkFactory, nip: str) -> Caller:
    async with factory() as uow:
        found = await load_caller(uow, CHAT[nip])
    assert found is not None
    return found


async def planned(
    factory: UnitOfWorkFactory, planning: PlanningRules | None = None
) -> tuple[FakeClock, list[int]]:
    clock = FakeClock(NIGHT.astimezone(dt.UTC))
    outcome = await propose_plan(factory, clock, planning or rules(), ScriptedEngine(MOVES))
    return clock, [stored_id(p) for p in outcome.proposals]


def team(members: tuple[str, ...] = (APPROVER, SUP_A, CLERK)) -> PlanningRules:
    """The chain `tpk,ppk` whose first stage is a committee of MEMBERS (two agree)."""
    committee = Committee("tpk", members, 2)
    base = rules("tpk,ppk")
    approval = dataclasses.replace(
        base.approval,
        stages=with_committee(parse_chain("tpk,ppk"), committee),
        committee=committee,
    )
    return dataclasses.replace(base, approval=approval)


async def test_rencana_reads_the_latest_plan_for_an_approver_with_their_share_and_states(
    agency: UnitOfWorkFactory,
) -> None:
    approval = rules().approval
    approver = await caller(agency, APPROVER)
    async with agency() as uow:
        assert await plan_overview(uow, approver, approval, TUESDAY) is None
    clock, ids = await planned(agency)
    await decide(
        agency, clock, approval, proposal_id=ids[0], stage=0, approver_nip=APPROVER, approve=True
    )
    async with agency() as uow:
        mine = await plan_overview(uow, approver, approval, TUESDAY)
        outsider = await plan_overview(uow, await caller(agency, OUTSIDER), approval, TUESDAY)
        admin = await plan_overview(uow, await caller(agency, ADMIN), approval, TUESDAY)
    assert mine is not None and outsider is not None and admin is not None
    assert mine.summary.moves == 3
    assert mine.states == (("approved", 1), ("pending", 2))
    # Kepala Dinkes decides both moves still pending (they touch Dinkes); Kepala Dindik only
    # the one out of the school; the admin decides nothing.
    assert (mine.summary.your_cards, mine.summary.your_votes) == (2, 0)
    assert (outsider.summary.your_cards, admin.summary.your_cards) == (1, 0)
    assert mine.evaluations.rated_transfers == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        mine.states = ()  # type: ignore[misc]


async def test_rencana_counts_a_members_votes_apart_from_their_decisions(
    agency: UnitOfWorkFactory,
) -> None:
    planning = team()
    await planned(agency, planning)
    async with agency() as uow:
        member = await plan_overview(
            uow, await caller(agency, APPROVER), planning.approval, TUESDAY
        )
        admin = await plan_overview(uow, await caller(agency, ADMIN), planning.approval, TUESDAY)
    assert member is not None and admin is not None
    # Every move is at the team's stage: all three wait for the member's vote, none for a
    # decision of theirs.
    assert (member.summary.your_cards, member.summary.your_votes) == (3, 3)
    assert (admin.summary.your_cards, admin.summary.your_votes) == (0, 0)


async def test_rencana_refuses_someone_who_neither_approves_nor_administers(
    agency: UnitOfWorkFactory,
) -> None:
    await planned(agency)
    approval = rules().approval
    for nip in (NURSE_A, SUP_A):  # an ASN; a supervisor
        refused = await caller(agency, nip)
        async with agency() as uow:
            with pytest.raises(NotAllowed):
                await plan_overview(uow, refused, approval, TUESDAY)
            with pytest.raises(NotAllowed):
                await plan_workbook_view(uow, refused, 1, approval, TUESDAY)


async def test_the_plan_workbook_holds_what_the_reader_may_see(
    agency: UnitOfWorkFactory,
) -> None:
    _clock, ids = await planned(agency)
    approval = rules().approval
    async with agency() as uow:
        plan = await uow.plans.latest()
        assert plan is not None and plan.id is not None
        everything = await plan_workbook_view(
            uow, await caller(agency, ADMIN), plan.id, approval, TUESDAY
        )
        dindik = await plan_workbook_view(
            uow, await caller(agency, OUTSIDER), plan.id, approval, TUESDAY
        )
        dinkes = await plan_workbook_view(
            uow, await caller(agency, APPROVER), plan.id, approval, TUESDAY
        )
        with pytest.raises(NotFound):
            await plan_workbook_view(
                uow, await caller(agency, ADMIN), plan.id + 99, approval, TUESDAY
            )
    assert [line.proposal.id for line in everything.lines] == ids
    assert [line.proposal.id for line in dindik.lines] == [ids[2]]  # the school's move only
    assert [line.proposal.id for line in dinkes.lines] == ids  # every move touches Dinkes


async def test_a_card_opened_from_the_digest_is_refused_out_of_scope(
    agency: UnitOfWorkFactory,
) -> None:
    clock, ids = await planned(agency)
    approval = rules().approval
    async with agency() as uow:
        card = await proposal_details(
            uow, approval, proposal_id=ids[2], viewer_nip=OUTSIDER, now=clock.now()
        )
        assert (card.proposal.id, card.proposal.state) == (ids[2], ProposalState.PENDING)
        assert card.content.nip == CLERK
        with pytest.raises(OutOfScope):  # Kepala Dindik: a move inside Dinkes
            await proposal_details(
                uow, approval, proposal_id=ids[0], viewer_nip=OUTSIDER, now=clock.now()
            )
        with pytest.raises(OutOfScope):  # a supervisor approves nothing
            await proposal_details(
                uow, approval, proposal_id=ids[0], viewer_nip=SUP_A, now=clock.now()
            )


async def test_a_deputys_decision_is_signed_on_behalf_of_the_approver(
    agency: UnitOfWorkFactory,
) -> None:
    clock, ids = await planned(agency)
    approval = rules().approval
    await create_delegation(
        agency,
        clock,
        JAKARTA,
        approver_nip=APPROVER,
        delegate_nip=SUP_A,
        first_day=TUESDAY,
        last_day=TUESDAY + dt.timedelta(days=3),
    )
    await decide(
        agency, clock, approval, proposal_id=ids[0], stage=0, approver_nip=SUP_A, approve=True
    )
    await decide(
        agency, clock, approval, proposal_id=ids[1], stage=0, approver_nip=APPROVER_2, approve=True
    )
    deputy = await caller(agency, SUP_A)
    second = await caller(agency, APPROVER_2)
    async with agency() as uow:
        signed = await decided_by(
            uow, approval, proposal_id=ids[0], viewer=deputy.employee, now=clock.now()
        )
        own = await decided_by(
            uow, approval, proposal_id=ids[1], viewer=second.employee, now=clock.now()
        )
        # Sekretaris Dinkes reads only her own lines: she decided nothing on the first move.
        none_of_hers = await decided_by(
            uow, approval, proposal_id=ids[0], viewer=second.employee, now=clock.now()
        )
        with pytest.raises(OutOfScope):  # Kepala Dindik: a move inside Dinkes
            await decided_by(
                uow,
                approval,
                proposal_id=ids[0],
                viewer=(await caller(agency, OUTSIDER)).employee,
                now=clock.now(),
            )
        with pytest.raises(NotFound):
            await decided_by(
                uow, approval, proposal_id=ids[2] + 99, viewer=second.employee, now=clock.now()
            )
    assert (signed.name, signed.on_behalf_of) == ("Kapus Wonosari", "Kepala Dinkes")
    assert (own.name, own.on_behalf_of) == ("Sekretaris Dinkes", None)
    assert (none_of_hers.name, none_of_hers.on_behalf_of) == ("Sekretaris Dinkes", None)
