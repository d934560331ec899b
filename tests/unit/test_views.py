"""The read side in core (core.views): frozen views with their authorisation, read from the
tiny agency after a real nightly plan and a real approval."""

from __future__ import annotations

import dataclasses

import pytest

from core.domain import ProposalState
from core.domain.access import OutOfScope
from core.domain.errors import NotFound
from core.usecases.aspirations import EligibilityPolicy
from core.usecases.planning import propose_plan
from core.views.proposals import proposal_details
from core.views.status import NotGranted, status_view, transfers_view
from tests.support.loop_agency import (
    APPROVER,
    CLERK,
    NURSE_A,
    OUTSIDER,
    ScriptedEngine,
    move,
    rules,
    world,
)
from tests.unit.test_after_approval import approved_move


async def test_an_approver_in_scope_sees_the_details_and_every_decision() -> None:
    factory, clock, pid, approval = await approved_move()
    async with factory() as uow:
        details = await proposal_details(
            uow, approval, proposal_id=pid, viewer_nip=APPROVER, now=clock.now()
        )
    assert details.proposal.id == pid
    assert details.proposal.state == ProposalState.APPROVED
    assert details.stage_count == 1
    assert [(d.stage, d.approver_nip, d.approved) for d in details.decisions] == [
        (0, APPROVER, True)
    ]
    assert (details.content.name, details.content.nip) == ("Siti Aminah", NURSE_A)
    with pytest.raises(dataclasses.FrozenInstanceError):
        details.stage_count = 2  # type: ignore[misc]


async def test_an_approver_out_of_scope_or_an_unknown_number_is_refused() -> None:
    factory, clock, pid, approval = await approved_move()
    async with factory() as uow:
        with pytest.raises(OutOfScope):
            await proposal_details(
                uow, approval, proposal_id=pid, viewer_nip=OUTSIDER, now=clock.now()
            )
        with pytest.raises(OutOfScope):  # an ASN holds no approver grant at all
            await proposal_details(
                uow, approval, proposal_id=pid, viewer_nip=NURSE_A, now=clock.now()
            )
        with pytest.raises(NotFound):
            await proposal_details(
                uow, approval, proposal_id=pid + 99, viewer_nip=APPROVER, now=clock.now()
            )


async def test_the_status_view_says_where_the_plan_moves_a_person_and_why_not_another() -> None:
    factory, clock = await world()
    planning = rules()
    await propose_plan(factory, clock, planning, ScriptedEngine([move(NURSE_A)]))
    async with factory() as uow:
        moved = await transfers_view(uow, NURSE_A, planning.approval, clock.now())
        clerk = factory.store.employees[CLERK]
        policy = EligibilityPolicy()
        refused = await status_view(uow, clerk, planning.approval, policy, clock.now())
    [line] = moved.transfers
    assert (line.origin, line.destination, line.state) == (
        "Puskesmas Wonosari I",
        "Puskesmas Playen",
        ProposalState.PENDING,
    )
    assert not line.waiting_spmt and not line.waiting_minister
    assert moved.not_granted == ()
    # Nurse A asked for nothing: the move is not "your aspiration".
    assert (moved.moved_to, moved.moved_as_asked) == ("Puskesmas Playen", False)

    assert refused.unit == "SD Negeri 1 Wonosari"
    assert refused.jabatan == "Pengadministrasi Umum"
    assert refused.tenure_months == 106  # 1 January 2018 to 24 November 2026
    assert refused.aspiration is None
    assert refused.transfers.transfers == ()
    assert refused.transfers.not_granted == (NotGranted("Puskesmas Playen", "FAMILY_NOT_IN_UNIT"),)
    assert refused.transfers.moved_to is None
