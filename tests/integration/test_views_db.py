"""The read side's views that the handlers only render, on SQLite and PostgreSQL: /rencana's
latest plan and its workbook (core.views.plan_overview), a card opened from the digest
(core.views.proposals.proposal_details), who signed a decision (decided_by) and an ASN's own
notice (core.views.own_notice), each with its authorisation: someone out of scope is refused
with the domain's access error."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain import Delegation, ProposalState
from core.domain.access import Caller, OutOfScope, load_caller
from core.domain.errors import NotAllowed, NotFound
from core.domain.messages import Notice, PlanSummary
from core.ports import UnitOfWorkFactory
from core.usecases.approval.chain import parse_chain
from core.usecases.approval.decisions import decide
from core.usecases.committee import Committee, with_committee
from core.usecases.delegation import create_delegation
from core.usecases.planning import PlanningRules, propose_plan
from core.views.own_notice import own_notice
from core.views.plan_overview import plan_overview, plan_workbook_view
from core.views.proposals import decided_by, proposal_details
from tests.support import loop_agency as tiny
from tests.support.clock import FakeClock
from tests.support.fakes import stored_id

TUESDAY = tiny.NIGHT.date()
#: Two moves inside Dinkes and one out of the Dindik school into a puskesmas.
MOVES = [tiny.move(tiny.NURSE_A), tiny.move(tiny.NURSE_B), tiny.move(tiny.CLERK, "SD-1", "PKM-B")]


@pytest.fixture
async def agency(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    await tiny.LOOP_AGENCY.write_to(uow_factory)
    return uow_factory


async def caller(factory: UnitOfWorkFactory, nip: str) -> Caller:
    async with factory() as uow:
        found = await load_caller(uow, tiny.CHAT[nip])
    assert found is not None
    return found


async def planned(
    factory: UnitOfWorkFactory, planning: PlanningRules | None = None
) -> tuple[FakeClock, list[int]]:
    clock = FakeClock(tiny.NIGHT.astimezone(dt.UTC))
    outcome = await propose_plan(
        factory, clock, planning or tiny.rules(), tiny.ScriptedEngine(MOVES)
    )
    return clock, [stored_id(p) for p in outcome.proposals]


async def approve(factory: UnitOfWorkFactory, clock: FakeClock, pid: int, nip: str) -> None:
    """NIP approves the first stage of proposal PID under the one-stage chain."""
    await decide(
        factory,
        clock,
        tiny.rules().approval,
        proposal_id=pid,
        stage=0,
        approver_nip=nip,
        approve=True,
    )


async def delegate(
    factory: UnitOfWorkFactory,
    clock: FakeClock,
    approver: str,
    deputy: str,
    first_day: dt.date = TUESDAY,
) -> Delegation:
    """APPROVER names DEPUTY (/wakil) from FIRST_DAY for four days."""
    return await create_delegation(
        factory,
        clock,
        tiny.JAKARTA,
        approver_nip=approver,
        delegate_nip=deputy,
        first_day=first_day,
        last_day=first_day + dt.timedelta(days=3),
    )


def team(members: tuple[str, ...] = (tiny.APPROVER, tiny.SUP_A, tiny.CLERK)) -> PlanningRules:
    """The chain `tpk,ppk` whose first stage is a committee of MEMBERS (two agree)."""
    committee = Committee("tpk", members, 2)
    base = tiny.rules("tpk,ppk")
    approval = dataclasses.replace(
        base.approval,
        stages=with_committee(parse_chain("tpk,ppk"), committee),
        committee=committee,
    )
    return dataclasses.replace(base, approval=approval)


async def test_rencana_reads_the_latest_plan_for_an_approver_with_their_share_and_states(
    agency: UnitOfWorkFactory,
) -> None:
    approval = tiny.rules().approval
    approver = await caller(agency, tiny.APPROVER)
    async with agency() as uow:
        assert await plan_overview(uow, approver, approval, TUESDAY) is None
    clock, ids = await planned(agency)
    await approve(agency, clock, ids[0], tiny.APPROVER)
    async with agency() as uow:
        mine = await plan_overview(uow, approver, approval, TUESDAY)
        outsider = await plan_overview(uow, await caller(agency, tiny.OUTSIDER), approval, TUESDAY)
        admin = await plan_overview(uow, await caller(agency, tiny.ADMIN), approval, TUESDAY)
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
            uow, await caller(agency, tiny.APPROVER), planning.approval, TUESDAY
        )
        admin = await plan_overview(
            uow, await caller(agency, tiny.ADMIN), planning.approval, TUESDAY
        )
    assert member is not None and admin is not None
    # Every move is at the team's stage: all three wait for the member's vote, none for a
    # decision of theirs.
    assert (member.summary.your_cards, member.summary.your_votes) == (3, 3)
    assert (admin.summary.your_cards, admin.summary.your_votes) == (0, 0)
    # The summary the plan step queued for the member's chat says the same, read back from
    # the outbox's stored JSON.
    async with agency() as uow:
        [queued] = [
            m.payload
            for m in await uow.outbox.list()
            if m.chat_id == tiny.CHAT[tiny.APPROVER] and isinstance(m.payload, PlanSummary)
        ]
    assert (queued.your_cards, queued.your_votes) == (3, 3)


async def test_rencana_refuses_someone_who_neither_approves_nor_administers(
    agency: UnitOfWorkFactory,
) -> None:
    await planned(agency)
    approval = tiny.rules().approval
    for nip in (tiny.NURSE_A, tiny.SUP_A):  # an ASN; a supervisor
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
    approval = tiny.rules().approval
    # The admin sees every move; Kepala Dindik only the school's; Kepala Dinkes every move
    # (each touches Dinkes).
    expected = {tiny.ADMIN: ids, tiny.OUTSIDER: [ids[2]], tiny.APPROVER: ids}
    async with agency() as uow:
        plan_id = await uow.plans.latest_id()
        assert plan_id is not None
        for nip, shown in expected.items():
            report = await plan_workbook_view(
                uow, await caller(agency, nip), plan_id, approval, TUESDAY
            )
            assert [line.proposal.id for line in report.lines] == shown, nip
        with pytest.raises(NotFound):
            await plan_workbook_view(
                uow, await caller(agency, tiny.ADMIN), plan_id + 99, approval, TUESDAY
            )


async def test_a_card_opened_from_the_digest_is_refused_out_of_scope(
    agency: UnitOfWorkFactory,
) -> None:
    clock, ids = await planned(agency)
    approval = tiny.rules().approval
    async with agency() as uow:
        card = await proposal_details(
            uow, approval, proposal_id=ids[2], viewer_nip=tiny.OUTSIDER, now=clock.now()
        )
        assert (card.proposal.id, card.proposal.state) == (ids[2], ProposalState.PENDING)
        assert card.content.nip == tiny.CLERK
        with pytest.raises(OutOfScope):  # Kepala Dindik: a move inside Dinkes
            await proposal_details(
                uow, approval, proposal_id=ids[0], viewer_nip=tiny.OUTSIDER, now=clock.now()
            )
        with pytest.raises(OutOfScope):  # a supervisor approves nothing
            await proposal_details(
                uow, approval, proposal_id=ids[0], viewer_nip=tiny.SUP_A, now=clock.now()
            )


async def test_a_deputys_decision_is_signed_on_behalf_of_the_approver(
    agency: UnitOfWorkFactory,
) -> None:
    clock, ids = await planned(agency)
    approval = tiny.rules().approval
    await delegate(agency, clock, tiny.APPROVER, tiny.SUP_A)
    await approve(agency, clock, ids[0], tiny.SUP_A)
    await approve(agency, clock, ids[1], tiny.APPROVER_2)
    deputy = await caller(agency, tiny.SUP_A)
    second = await caller(agency, tiny.APPROVER_2)
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
                viewer=(await caller(agency, tiny.OUTSIDER)).employee,
                now=clock.now(),
            )
        with pytest.raises(NotFound):
            await decided_by(
                uow, approval, proposal_id=ids[2] + 99, viewer=second.employee, now=clock.now()
            )
    assert (signed.name, signed.on_behalf_of) == ("Kapus Wonosari", "Kepala Dinkes")
    assert (own.name, own.on_behalf_of) == ("Sekretaris Dinkes", None)
    assert (none_of_hers.name, none_of_hers.on_behalf_of) == ("Sekretaris Dinkes", None)


async def test_an_asn_opens_only_their_own_notice(agency: UnitOfWorkFactory) -> None:
    clock, ids = await planned(agency)
    approval = tiny.rules().approval
    await approve(agency, clock, ids[0], tiny.APPROVER)  # Siti's move: her notice is queued
    async with agency() as uow:
        sent = await own_notice(
            uow, approval, proposal_id=ids[0], viewer_nip=tiny.NURSE_A, now=clock.now()
        )
        # Budi's move waits for its approver: no notice was sent, it is built as of now.
        rebuilt = await own_notice(
            uow, approval, proposal_id=ids[1], viewer_nip=tiny.NURSE_B, now=clock.now()
        )
        for nip, pid in ((tiny.NURSE_B, ids[0]), (tiny.APPROVER, ids[0]), (tiny.NURSE_A, 999)):
            with pytest.raises(NotFound):  # someone else's notice, or no such number
                await own_notice(uow, approval, proposal_id=pid, viewer_nip=nip, now=clock.now())
        queued = [
            m.payload
            for m in await uow.outbox.list()
            if m.chat_id == tiny.CHAT[tiny.NURSE_A] and isinstance(m.payload, Notice)
        ]
    assert queued == [sent.notice]
    assert (sent.notice.content.name, sent.state) == ("Siti Aminah", ProposalState.APPROVED)
    assert (rebuilt.notice.proposal_id, rebuilt.state) == (ids[1], ProposalState.PENDING)
    assert rebuilt.notice.content.name == "Budi Santoso"
    assert rebuilt.notice.objection_days == approval.objection_days
