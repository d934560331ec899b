"""Issue 15 after approval, tried the hostile way (review): deadlines as the messages say them,
the Minister's letter refused where it means nothing, and clear errors for the operator."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import ProposalState
from core.domain.messages import ObjectionCard, TransferAlert
from core.usecases.objections import chase_objections, decide_objection
from tests.support.loop_agency import APPROVER
from tests.support.outbox_samples import payload_of
from tests.unit.test_after_approval import at, objected, outbox


async def test_the_approver_may_still_rule_on_the_deadline_day_the_card_names() -> None:
    factory, clock, pid, approval = await objected()  # Wednesday 25 November 2026
    [card, *_] = outbox(factory, "objection")
    deadline = payload_of(card, ObjectionCard).deadline
    assert deadline is not None
    assert deadline == dt.date(2026, 12, 9)
    # The daily job runs before working hours on the deadline day: the objection is still open.
    clock.current = at(deadline, 7)
    assert (await chase_objections(factory, clock, approval)).lapsed == ()
    clock.current = at(deadline, 14)
    ruled = await decide_objection(
        factory, clock, approval, proposal_id=pid, approver_nip=APPROVER, cancel=False
    )
    assert ruled.state == ProposalState.APPROVED


async def test_an_objection_lapses_on_the_first_working_day_after_the_deadline() -> None:
    factory, clock, pid, approval = await objected()
    clock.current = at(dt.date(2026, 12, 9), 7)
    await chase_objections(factory, clock, approval)
    assert factory.store.proposals[pid].state == ProposalState.OBJECTED
    clock.current = at(dt.date(2026, 12, 10), 7)
    assert (await chase_objections(factory, clock, approval)).lapsed == (pid,)
    assert factory.store.proposals[pid].state == ProposalState.CANCELLED


@pytest.mark.parametrize("hour", [7, 16])
async def test_nothing_lapses_before_the_deadline_day_ends(hour: int) -> None:
    factory, clock, pid, approval = await objected()
    clock.current = at(dt.date(2026, 12, 8), hour)
    assert (await chase_objections(factory, clock, approval)).lapsed == ()


async def test_an_objection_nobody_was_asked_about_still_reaches_the_admins() -> None:
    """No approver of the last stage has a chat (none registered yet): no card went out, so the
    escalation must build the card itself rather than let the objection lapse unseen."""
    from core.usecases.approval.chain import ApprovalRules
    from core.usecases.objections import object_transfer
    from tests.support.loop_agency import ADMIN, CHAT, NURSE_A
    from tests.unit.test_after_approval import approved_move

    factory, clock, pid, approval = await approved_move()
    assert isinstance(approval, ApprovalRules)
    factory.store.accounts = {
        key: account
        for key, account in factory.store.accounts.items()
        if account.nip not in (APPROVER,) and account.chat_id not in (201, 202)
    }
    clock.current = at(dt.date(2026, 11, 25))
    await object_transfer(
        factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="ibu saya sakit"
    )
    assert outbox(factory, "objection") == []  # nobody to ask
    clock.current = at(dt.date(2026, 12, 2), 7)  # five working days
    chores = await chase_objections(factory, clock, approval)
    assert chores.escalated == 1
    [raised] = outbox(factory, "objection", CHAT[ADMIN])
    assert payload_of(raised, ObjectionCard).escalated is True
    assert payload_of(raised, ObjectionCard).reason == "ibu saya sakit"
    assert payload_of(raised, ObjectionCard).deadline == dt.date(2026, 12, 9)
    assert payload_of(raised, ObjectionCard).to_name and payload_of(raised, ObjectionCard).name


async def test_a_notice_to_a_chat_that_blocked_the_bot_does_not_start_the_window() -> None:
    from core.domain import OutboxStatus
    from core.usecases.objections import object_transfer
    from core.usecases.outbox import SendResult, dispatch_due
    from tests.support.fakes import RecordingSender
    from tests.support.loop_agency import CHAT, NURSE_A
    from tests.unit.test_after_approval import approved_move

    factory, clock, pid, approval = await approved_move()
    sender = RecordingSender()
    sender.script[CHAT[NURSE_A]] = [SendResult("blocked")]
    clock.current = at(dt.date(2026, 11, 25), 9)
    await dispatch_due(factory, sender, clock)
    [notice] = outbox(factory, "notice", CHAT[NURSE_A])
    assert notice.status == OutboxStatus.UNDELIVERABLE
    assert factory.store.proposals[pid].notice_delivered_at is None
    clock.current = at(dt.date(2026, 12, 15), 9)  # three weeks later, the person writes again
    objected = await object_transfer(
        factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="baru tahu hari ini"
    )
    assert objected.state == ProposalState.OBJECTED


async def test_a_person_already_imported_into_the_destination_is_not_left_in_limbo() -> None:
    """BKPSDM often re-imports employees.csv after the SK: the nurse is already in PKM-B when
    the head taps the SPMT. The move has happened; it must not wait for a Minister's letter
    nobody needs (what the head was told) nor stay approved for ever."""
    import dataclasses

    from core.usecases.effect import confirm_arrival
    from tests.support.loop_agency import NURSE_A, SUP_B
    from tests.unit.test_after_approval import TMT, approved_move

    factory, clock, pid, approval = await approved_move()
    nurse = factory.store.employees[NURSE_A]
    factory.store.employees[NURSE_A] = dataclasses.replace(nurse, unit_code="PKM-B")
    clock.current = at(TMT)
    outcome = await confirm_arrival(
        factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True
    )
    assert outcome.applied
    assert factory.store.proposals[pid].state == ProposalState.EFFECTIVE
    assert factory.store.employees[NURSE_A].unit_code == "PKM-B"


async def test_a_person_moved_elsewhere_meanwhile_is_told_to_the_admins_not_as_a_letter() -> None:
    import dataclasses

    from core.usecases.effect import confirm_arrival
    from tests.support.loop_agency import ADMIN, CHAT, NURSE_A, SUP_B
    from tests.unit.test_after_approval import TMT, approved_move

    factory, clock, pid, approval = await approved_move()
    nurse = factory.store.employees[NURSE_A]
    factory.store.employees[NURSE_A] = dataclasses.replace(nurse, unit_code="SD-1")
    clock.current = at(TMT)
    outcome = await confirm_arrival(
        factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True
    )
    assert not outcome.applied
    assert outcome.waiting == ("unit",)
    [alert] = outbox(factory, "transfer_alert", CHAT[ADMIN])
    assert payload_of(alert, TransferAlert).alert == "unit_changed"
    assert factory.store.employees[NURSE_A].unit_code == "SD-1"


async def test_status_tells_the_asn_the_move_waits_for_the_ministers_letter() -> None:
    """The SPMT is in, but an acting head is in office: /status must say what the move still
    waits for (docs/after-approval.md), not just "approved" while the unit does not change."""
    import dataclasses

    from core.usecases.effect import confirm_arrival
    from core.views.status import transfers_view
    from handlers.i18n import translator
    from handlers.status import transfer_lines
    from tests.support.loop_agency import NURSE_A, SUP_B, rules
    from tests.unit.test_after_approval import TMT, approved_move

    acting = dataclasses.replace(rules().approval, acting_head=True)
    factory, clock, pid, approval = await approved_move(acting)
    clock.current = at(TMT)
    await confirm_arrival(factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True)
    for language, words in (("id", "surat persetujuan tertulis Menteri"), ("en", "Minister")):
        async with factory() as uow:
            view = await transfers_view(uow, NURSE_A, approval, clock.current)
        lines = transfer_lines(translator(language), view)
        assert any(words in line for line in lines), lines
