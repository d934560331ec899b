"""The reads the handlers used to do themselves, now views of core.views, on SQLite and
PostgreSQL: a committee member's card with its votes (core.views.committee_card), the units
an admin invites into and a supervisor reports for, with their activities (core.views.scopes),
each with its authorisation: someone out of scope is refused with the domain's access error."""

from __future__ import annotations

import dataclasses

import pytest

from core.domain import ProposalState, Role, RoleGrant, ScopeKind
from core.domain.access import OutOfScope, RoleRequired
from core.domain.errors import NotFound
from core.ports import UnitOfWorkFactory
from core.usecases.committee import NotACommitteeMember, vote
from core.views.committee_card import member_card, member_card_from_digest, vote_standings
from core.views.digest import digest_view
from core.views.scopes import activities_to_report, units_in_role
from tests.integration.test_views_db import agency, caller, planned, team
from tests.support import loop_agency as tiny

__all__ = ["agency"]  # the fixture, imported for the tests below


async def test_a_member_reads_the_card_with_the_tally_their_vote_and_the_minutes(
    agency: UnitOfWorkFactory,
) -> None:
    planning = team()
    approval = planning.approval
    clock, ids = await planned(agency, planning)
    await vote(
        agency,
        clock,
        approval,
        proposal_id=ids[0],
        stage=0,
        member_nip=tiny.SUP_A,
        approve=False,
        reason="Masih dibutuhkan",
    )
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
    planning = team()
    clock, ids = await planned(agency, planning)
    approval = planning.approval
    async with agency() as uow:
        # Sekretaris Dinkes approves both units of the move, but does not sit on the team.
        with pytest.raises(NotACommitteeMember):
            await member_card(
                uow, approval, proposal_id=ids[0], member_nip=tiny.APPROVER_2, now=clock.now()
            )
        with pytest.raises(NotACommitteeMember):
            await member_card_from_digest(
                uow,
                approval,
                await caller(agency, tiny.APPROVER_2),
                proposal_id=ids[0],
                now=clock.now(),
            )
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
    planning = team()
    approval = planning.approval
    clock, ids = await planned(agency, planning)
    for member in (tiny.APPROVER, tiny.SUP_A):  # two of three agree: the move passes the team
        await vote(
            agency, clock, approval, proposal_id=ids[0], stage=0, member_nip=member, approve=True
        )
    async with agency() as uow:
        # Kepala Dinkes approves the move's units: at the next stage the card is his as an
        # approver, not as a member.
        assert (
            await member_card_from_digest(
                uow,
                approval,
                await caller(agency, tiny.APPROVER),
                proposal_id=ids[0],
                now=clock.now(),
            )
            is None
        )
        # Kapus Wonosari approves nothing: she reads where the move stands, as a member.
        past = await member_card_from_digest(
            uow, approval, await caller(agency, tiny.SUP_A), proposal_id=ids[0], now=clock.now()
        )
        # A move still at the team's stage is a member's card for everyone on it.
        open_card = await member_card_from_digest(
            uow,
            approval,
            await caller(agency, tiny.APPROVER),
            proposal_id=ids[1],
            now=clock.now(),
        )
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
    planning = team()
    approval = planning.approval
    clock, ids = await planned(agency, planning)
    await vote(
        agency, clock, approval, proposal_id=ids[1], stage=0, member_nip=tiny.SUP_A, approve=True
    )
    await vote(
        agency,
        clock,
        approval,
        proposal_id=ids[1],
        stage=0,
        member_nip=tiny.CLERK,
        approve=False,
        reason="Belum waktunya",
    )
    async with agency() as uow:
        plan_id = await uow.plans.latest_id()
        assert plan_id is not None
        view = await digest_view(uow, plan_id, [tiny.SUP_A], approval)
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
        everywhere = await units_in_role(uow, admin, Role.ADMIN)
        dinkes = await units_in_role(uow, scoped, Role.ADMIN)
        typed = await units_in_role(uow, admin, Role.ADMIN, matching="  PLAYEN ")
        by_code = await units_in_role(uow, admin, Role.ADMIN, matching="sd-")
        with pytest.raises(RoleRequired):  # a supervisor invites nobody
            await units_in_role(uow, await caller(agency, tiny.SUP_A), Role.ADMIN)
    # Sorted by name: the puskesmas before the school.
    assert [u.code for u in everywhere] == ["PKM-B", "PKM-A", "SD-1"]
    assert [u.code for u in dinkes] == ["PKM-B", "PKM-A"]
    assert [u.code for u in typed] == ["PKM-B"]
    assert [u.code for u in by_code] == ["SD-1"]


async def test_a_supervisor_reports_for_their_own_unit_and_its_activities(
    agency: UnitOfWorkFactory,
) -> None:
    kapus = await caller(agency, tiny.SUP_A)
    async with agency() as uow:
        units = await units_in_role(uow, kapus, Role.SUPERVISOR)
        activities = await activities_to_report(uow, kapus, "PKM-A", "Perawat Terampil")
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
    assert [(a.unit_code, a.name) for a in activities] == [("PKM-A", "Asuhan keperawatan")]
