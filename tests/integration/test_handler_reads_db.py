"""The reads the handlers used to do themselves, now views of core.views, on SQLite and
PostgreSQL: a committee member's card with its votes (core.views.committee_card), the units
an admin invites into and a supervisor reports for, with their activities (core.views.scopes),
each with its authorisation: someone out of scope is refused with the domain's access error."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain import AspirationWish, ProposalState, ReasonCategory, Role, RoleGrant, ScopeKind
from core.domain.access import OutOfScope, RoleRequired
from core.domain.errors import NotFound
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.chain import ApprovalRules
from core.usecases.aspirations import EligibilityPolicy, submit_aspiration
from core.usecases.committee import NotACommitteeMember, vote
from core.usecases.effect import NotDestinationHead
from core.views.arrival import arrival_to_confirm
from core.views.aspiration_units import current_aspiration, units_by_code, units_to_wish
from core.views.awaiting_cards import awaiting_cards
from core.views.committee_card import (
    MemberCard,
    member_card,
    member_card_from_digest,
    vote_standings,
)
from core.views.delegations import delegation_named, delegations_of
from core.views.digest import DigestView
from core.views.digest_page import entry_details, reader_digest
from core.views.menus import menu_holders
from core.views.proposals import require_approver
from core.views.scopes import (
    activities_to_report,
    invitation_scope,
    jabatan_to_report,
    units_in_role,
)
from tests.integration.test_views_db import TUESDAY, agency, caller, delegate, planned, team
from tests.support import loop_agency as tiny
from tests.support.clock import FakeClock

__all__ = ["agency"]  # the fixture, imported for the tests below


async def team_plan(factory: UnitOfWorkFactory) -> tuple[ApprovalRules, FakeClock, list[int]]:
    """The three moves planned under the chain whose first stage is the team (`team`): its
    approval rules, the clock and the proposals' ids."""
    planning = team()
    clock, ids = await planned(factory, planning)
    return planning.approval, clock, ids


async def digest_of(
    uow: UnitOfWork, nip: str, approval: ApprovalRules, today: dt.date = TUESDAY
) -> DigestView:
    """NIP's digest of the latest plan on TODAY (core.views.digest_page.reader_digest)."""
    plan_id = await uow.plans.latest_id()
    assert plan_id is not None
    return await reader_digest(uow, approval, nip, plan_id, today)


async def opened(
    factory: UnitOfWorkFactory,
    uow: UnitOfWork,
    approval: ApprovalRules,
    clock: FakeClock,
    nip: str,
    proposal_id: int,
) -> MemberCard | None:
    """PROPOSAL_ID as NIP opens it from the digest as a member."""
    return await member_card_from_digest(
        uow, approval, await caller(factory, nip), proposal_id=proposal_id, now=clock.now()
    )


async def cast(
    factory: UnitOfWorkFactory,
    clock: FakeClock,
    approval: ApprovalRules,
    proposal_id: int,
    member: str,
    dissent: str | None = None,
) -> None:
    """MEMBER votes on PROPOSAL_ID at the team's stage: agreeing, or not with DISSENT's
    reason."""
    await vote(
        factory,
        clock,
        approval,
        proposal_id=proposal_id,
        stage=0,
        member_nip=member,
        approve=dissent is None,
        reason=dissent,
    )


async def test_a_member_reads_the_card_with_the_tally_their_vote_and_the_minutes(
    agency: UnitOfWorkFactory,
) -> None:
    approval, clock, ids = await team_plan(agency)
    await cast(agency, clock, approval, ids[0], tiny.SUP_A, "Masih dibutuhkan")
    async with agency() as uow:
        fresh = await member_card(
            uow, approval, proposal_id=ids[0], member_nip=tiny.APPROVER, now=clock.now()
        )
        voted = await member_card(
            uow,
            approval,
            proposal_id=ids[0],
            member_nip=tiny.SUP_A,
            now=clock.now(),
            stage=0,
            with_minutes=True,
        )
    assert (fresh.proposal.id, fresh.stage, fresh.at_committee_stage) == (ids[0], 0, True)
    assert fresh.content.name == "Siti Aminah"
    assert fresh.tally is not None and (fresh.tally.yes, fresh.tally.no, fresh.tally.open) == (
        0,
        1,
        2,
    )
    assert fresh.own_vote is None and fresh.minutes is None
    assert voted.own_vote is not None
    assert (voted.own_vote.approved, voted.own_vote.reason) == (False, "Masih dibutuhkan")
    assert voted.minutes is not None
    assert [(v.member_name, v.approved) for v in voted.minutes.votes] == [
        ("Kapus Wonosari", False)
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        voted.stage = 1  # type: ignore[misc]


async def test_a_card_is_refused_to_someone_outside_the_committee(
    agency: UnitOfWorkFactory,
) -> None:
    approval, clock, ids = await team_plan(agency)
    async with agency() as uow:
        # Sekretaris Dinkes approves both units of the move, but does not sit on the team.
        with pytest.raises(NotACommitteeMember):
            await member_card(
                uow, approval, proposal_id=ids[0], member_nip=tiny.APPROVER_2, now=clock.now()
            )
        with pytest.raises(NotACommitteeMember):
            await opened(agency, uow, approval, clock, tiny.APPROVER_2, ids[0])
        with pytest.raises(NotFound):
            await member_card(
                uow, approval, proposal_id=ids[2] + 99, member_nip=tiny.SUP_A, now=clock.now()
            )
        # Without a committee in the chain nobody is a member.
        with pytest.raises(NotACommitteeMember):
            await member_card(
                uow,
                tiny.rules().approval,
                proposal_id=ids[0],
                member_nip=tiny.SUP_A,
                now=clock.now(),
            )


async def test_from_the_digest_an_approving_member_gets_their_approvers_card_past_the_team(
    agency: UnitOfWorkFactory,
) -> None:
    approval, clock, ids = await team_plan(agency)
    for member in (tiny.APPROVER, tiny.SUP_A):  # two of three agree: the move passes the team
        await cast(agency, clock, approval, ids[0], member)
    async with agency() as uow:
        # Kepala Dinkes approves the move's units: at the next stage the card is his as an
        # approver, not as a member.
        assert await opened(agency, uow, approval, clock, tiny.APPROVER, ids[0]) is None
        # Kapus Wonosari approves nothing: she reads where the move stands, as a member.
        past = await opened(agency, uow, approval, clock, tiny.SUP_A, ids[0])
        # A move still at the team's stage is a member's card for everyone on it.
        open_card = await opened(agency, uow, approval, clock, tiny.APPROVER, ids[1])
    assert past is not None and open_card is not None
    assert (past.stage, past.at_committee_stage, past.proposal.state) == (
        1,
        False,
        ProposalState.PENDING,
    )
    assert (open_card.stage, open_card.at_committee_stage, open_card.own_vote) == (0, True, None)


async def test_a_digest_page_says_where_the_members_own_votes_stand(
    agency: UnitOfWorkFactory,
) -> None:
    approval, clock, ids = await team_plan(agency)
    await cast(agency, clock, approval, ids[1], tiny.SUP_A)
    await cast(agency, clock, approval, ids[1], tiny.CLERK, "Belum waktunya")
    async with agency() as uow:
        view = await digest_of(uow, tiny.SUP_A, approval)
        entries = [e for g in view.groups for e in g.entries]
        standings = await vote_standings(uow, approval, member_nip=tiny.SUP_A, entries=entries)
        with pytest.raises(NotACommitteeMember):
            await vote_standings(uow, approval, member_nip=tiny.APPROVER_2, entries=entries)
    # Only the move she voted on: the other two still wait for her vote.
    assert [(s.proposal_id, s.approved, s.yes) for s in standings] == [(ids[1], True, 1)]


async def test_an_admin_invites_into_the_units_of_their_scope(agency: UnitOfWorkFactory) -> None:
    admin = await caller(agency, tiny.ADMIN)
    scoped = dataclasses.replace(
        admin, grants=(RoleGrant(tiny.ADMIN, Role.ADMIN, ScopeKind.OPD, "Dinkes"),)
    )
    async with agency() as uow:
        everywhere = await invitation_scope(uow, admin)
        dinkes = await invitation_scope(uow, scoped)
        typed = await units_in_role(uow, admin, Role.ADMIN, matching="  PLAYEN ")
        by_code = await units_in_role(uow, admin, Role.ADMIN, matching="sd-")
        with pytest.raises(RoleRequired):  # a supervisor invites nobody
            await invitation_scope(uow, await caller(agency, tiny.SUP_A))
    # Sorted by name: the puskesmas before the school. Only an admin over everything gets
    # the "every unit" button.
    assert ([u.code for u in everywhere.units], everywhere.everywhere) == (
        ["PKM-B", "PKM-A", "SD-1"],
        True,
    )
    assert ([u.code for u in dinkes.units], dinkes.everywhere) == (["PKM-B", "PKM-A"], False)
    assert [u.code for u in typed] == ["PKM-B"]
    assert [u.code for u in by_code] == ["SD-1"]


async def test_a_supervisor_reports_for_their_own_unit_and_its_activities(
    agency: UnitOfWorkFactory,
) -> None:
    kapus = await caller(agency, tiny.SUP_A)
    async with agency() as uow:
        units = await units_in_role(uow, kapus, Role.SUPERVISOR)
        activities = await activities_to_report(uow, kapus, "PKM-A", "Perawat Terampil")
        jabatan = await jabatan_to_report(uow, kapus, "PKM-A")
        with pytest.raises(OutOfScope):
            await jabatan_to_report(uow, kapus, "PKM-B")
        with pytest.raises(OutOfScope):  # the other puskesmas has its own head
            await activities_to_report(uow, kapus, "PKM-B", "Perawat Terampil")
        with pytest.raises(OutOfScope):  # no such unit
            await activities_to_report(uow, kapus, "PKM-Z", "Perawat Terampil")
        with pytest.raises(NotFound):  # no ABK activity for that jabatan
            await activities_to_report(uow, kapus, "PKM-A", "Kepala Puskesmas")
        with pytest.raises(RoleRequired):  # an approver reports no workload
            await units_in_role(uow, await caller(agency, tiny.APPROVER), Role.SUPERVISOR)
        with pytest.raises(RoleRequired):
            await activities_to_report(
                uow, await caller(agency, tiny.APPROVER), "PKM-A", "Perawat Terampil"
            )
    assert [u.code for u in units] == ["PKM-A"]
    assert jabatan == ("Perawat Terampil",)
    assert [(a.unit_code, a.name) for a in activities] == [("PKM-A", "Asuhan keperawatan")]


async def test_usulan_lists_what_waits_for_the_caller_with_cards_when_few(
    agency: UnitOfWorkFactory,
) -> None:
    clock, ids = await planned(agency)
    approval = tiny.rules().approval
    now = clock.now()
    async with agency() as uow:
        mine = await awaiting_cards(
            uow, approval, await caller(agency, tiny.APPROVER), now=now, today=TUESDAY
        )
        school = await awaiting_cards(
            uow, approval, await caller(agency, tiny.OUTSIDER), now=now, today=TUESDAY
        )
        many = await awaiting_cards(
            uow,
            dataclasses.replace(approval, cards_max=2),
            await caller(agency, tiny.APPROVER),
            now=now,
            today=TUESDAY,
        )
        with pytest.raises(RoleRequired):  # a supervisor neither approves nor stands in
            await awaiting_cards(
                uow, approval, await caller(agency, tiny.SUP_A), now=now, today=TUESDAY
            )
    assert [p.id for p in mine.pending] == ids
    assert [(p.id, content.name) for p, content in mine.cards] == [
        (ids[0], "Siti Aminah"),
        (ids[1], "Budi Santoso"),
        (ids[2], "Dewi Lestari"),
    ]
    assert [p.id for p in school.pending] == [ids[2]]
    assert [c.destination.unit_name for _p, c in school.cards] == ["Puskesmas Playen"]
    # More than fit as cards: the digest shows them, no card is built.
    assert ([p.id for p in many.pending], many.cards) == (ids, ())


async def test_usulan_of_a_deputy_and_of_a_member(agency: UnitOfWorkFactory) -> None:
    clock, ids = await planned(agency)
    await delegate(agency, clock, tiny.APPROVER, tiny.SUP_B)
    planning = team()
    async with agency() as uow:
        # Kapus Playen stands in for Kepala Dinkes today: his three moves wait for her.
        deputy = await awaiting_cards(
            uow,
            tiny.rules().approval,
            await caller(agency, tiny.SUP_B),
            now=clock.now(),
            today=TUESDAY,
        )
        # The day after the delegation she is a supervisor again.
        with pytest.raises(RoleRequired):
            await awaiting_cards(
                uow,
                tiny.rules().approval,
                await caller(agency, tiny.SUP_B),
                now=clock.now(),
                today=TUESDAY + dt.timedelta(days=4),
            )
        # Under a chain whose first stage is the team, Kapus Wonosari sits on it: the three
        # moves wait for her vote.
        member = await awaiting_cards(
            uow,
            planning.approval,
            await caller(agency, tiny.SUP_A),
            now=clock.now(),
            today=TUESDAY,
        )
    assert [p.id for p in deputy.pending] == ids
    assert [p.id for p in member.pending] == ids
    assert len(member.cards) == 3


async def test_the_destination_head_confirms_an_arrival_and_no_one_else(
    agency: UnitOfWorkFactory,
) -> None:
    _clock, ids = await planned(agency)
    async with agency() as uow:
        seen = await arrival_to_confirm(uow, await caller(agency, tiny.SUP_B), ids[0])
        with pytest.raises(NotDestinationHead):  # the head of the unit she leaves
            await arrival_to_confirm(uow, await caller(agency, tiny.SUP_A), ids[0])
        with pytest.raises(NotDestinationHead):  # an approver is no unit's head
            await arrival_to_confirm(uow, await caller(agency, tiny.APPROVER), ids[0])
        with pytest.raises(NotFound):
            await arrival_to_confirm(uow, await caller(agency, tiny.SUP_B), ids[2] + 99)
    assert (seen.proposal.id, seen.name, seen.destination) == (
        ids[0],
        "Siti Aminah",
        "Puskesmas Playen",
    )


async def test_wakil_lists_a_persons_own_delegations_with_names(
    agency: UnitOfWorkFactory,
) -> None:
    clock, _ids = await planned(agency)
    created = await delegate(
        agency, clock, tiny.APPROVER, tiny.SUP_A, TUESDAY + dt.timedelta(days=1)
    )
    async with agency() as uow:
        given = await delegations_of(uow, tiny.APPROVER, TUESDAY)
        received = await delegations_of(uow, tiny.SUP_A, TUESDAY)
        none = await delegations_of(uow, tiny.NURSE_A, TUESDAY)
        after = await delegations_of(uow, tiny.APPROVER, TUESDAY + dt.timedelta(days=5))
        named = await delegation_named(uow, tiny.APPROVER, created)
        with pytest.raises(NotFound):  # someone else's delegation
            await delegation_named(uow, tiny.NURSE_A, created)
    assert [(d.approver, d.delegate) for d in given] == [("Kepala Dinkes", "Kapus Wonosari")]
    assert [d.delegation.id for d in received] == [created.id]
    assert (none, after) == ((), ())
    assert (named.approver, named.delegate) == ("Kepala Dinkes", "Kapus Wonosari")


async def test_aspirasi_reads_the_persons_own_wish_and_the_units_to_pick(
    agency: UnitOfWorkFactory,
) -> None:
    clock = FakeClock(tiny.NIGHT.astimezone(dt.UTC))
    wish = AspirationWish(("SD-1", "PKM-B"), "Perawat", ReasonCategory.FAMILY, "", 2)
    async with agency() as uow:
        await submit_aspiration(
            uow,
            nip=tiny.NURSE_A,
            draft=wish,
            now=clock.now(),
            today=TUESDAY,
            policy=EligibilityPolicy(),
        )
    nurse = (await caller(agency, tiny.NURSE_A)).employee
    async with agency() as uow:
        own = await current_aspiration(uow, tiny.NURSE_A)
        nobody = await current_aspiration(uow, tiny.NURSE_B)
        listed = await units_to_wish(uow, nurse, query=None, chosen=("SD-1",))
        searched = await units_to_wish(uow, nurse, query="Wonosari", chosen=())
        coded = await units_by_code(uow, ("SD-1", "GONE", "PKM-A"))
    assert own is not None and nobody is None
    assert own.aspiration.wish.choices == ("SD-1", "PKM-B")
    assert dict(own.unit_names) == {"SD-1": "SD Negeri 1 Wonosari", "PKM-B": "Puskesmas Playen"}
    # Never her own unit (PKM-A) nor one already chosen.
    assert [u.code for u in listed] == ["PKM-B"]
    assert [u.code for u in searched] == ["SD-1"]
    assert [u.code for u in coded] == ["SD-1", "PKM-A"]


async def test_a_digest_page_reads_only_the_moves_of_the_readers_view(
    agency: UnitOfWorkFactory,
) -> None:
    ids = (await planned(agency))[1]
    async with agency() as uow:
        school = await digest_of(uow, tiny.OUTSIDER, tiny.rules().approval)
        page = await entry_details(uow, school, [ids[2]])
        names = await entry_details(uow, school, [ids[2]], explained=False)
        with pytest.raises(OutOfScope):  # a move inside Dinkes: not on Kepala Dindik's digest
            await entry_details(uow, school, [ids[0]])
    assert list(page.people) == [tiny.CLERK]
    assert page.explanations[ids[2]].destination.unit == "PKM-B"
    assert page.units["PKM-B"].name == "Puskesmas Playen"
    assert (list(names.people), dict(names.explanations), dict(names.units)) == (
        [tiny.CLERK],
        {},
        {},
    )


async def test_the_per_chat_menus_go_to_role_holders_and_members(
    agency: UnitOfWorkFactory,
) -> None:
    async with agency() as uow:
        holders = await menu_holders(uow, members=(tiny.CLERK,))
        plain = await menu_holders(uow)
    expected = sorted(
        [tiny.APPROVER, tiny.APPROVER_2, tiny.OUTSIDER, tiny.SUP_A, tiny.SUP_B, tiny.ADMIN]
    )
    assert [c.nip for c in plain] == expected
    assert [c.nip for c in holders] == sorted([*expected, tiny.CLERK])
    # The ASN who is not a member gets no menu of her own.
    assert tiny.NURSE_A not in {c.nip for c in holders}


async def test_an_approvers_press_is_for_approvers_and_their_deputies_today(
    agency: UnitOfWorkFactory,
) -> None:
    clock, _ids = await planned(agency)
    await delegate(agency, clock, tiny.APPROVER, tiny.SUP_B)
    async with agency() as uow:
        await require_approver(uow, await caller(agency, tiny.APPROVER), TUESDAY)
        await require_approver(uow, await caller(agency, tiny.SUP_B), TUESDAY)  # the deputy
        later = TUESDAY + dt.timedelta(days=4)
        for nip, day in ((tiny.SUP_B, later), (tiny.SUP_A, TUESDAY), (tiny.ADMIN, TUESDAY)):
            with pytest.raises(RoleRequired):
                await require_approver(uow, await caller(agency, nip), day)


async def test_a_deputy_reads_the_digest_of_whom_they_stand_in_for(
    agency: UnitOfWorkFactory,
) -> None:
    clock, ids = await planned(agency)
    await delegate(agency, clock, tiny.OUTSIDER, tiny.ADMIN)
    approval = tiny.rules().approval
    async with agency() as uow:
        deputy = await digest_of(uow, tiny.ADMIN, approval)
        after = await digest_of(uow, tiny.ADMIN, approval, TUESDAY + dt.timedelta(days=4))
        nurse = await digest_of(uow, tiny.NURSE_A, approval)
    # Operator BKPSDM stands in for Kepala Dindik: the move out of the school, waiting for him.
    assert [(e.proposal.id, e.mine) for g in deputy.groups for e in g.entries] == [(ids[2], True)]
    # Once the delegation is over, and for an ASN, the digest holds nothing.
    assert (after.groups, nurse.groups) == ((), ())
