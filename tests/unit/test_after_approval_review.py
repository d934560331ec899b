"""Issue 15 after approval, tried the hostile way (review): deadlines as the messages say them,
the Minister's letter refused where it means nothing, and clear errors for the operator."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import ProposalState
from core.objections import chase_objections, decide_objection
from tests.unit.loop_agency import APPROVER
from tests.unit.test_after_approval import at, objected, outbox


async def test_the_approver_may_still_rule_on_the_deadline_day_the_card_names() -> None:
    factory, clock, pid, approval = await objected()  # Wednesday 25 November 2026
    [card, *_] = outbox(factory, "objection")
    deadline = dt.date.fromisoformat(card.payload["deadline"])
    assert deadline == dt.date(2026, 12, 9)
    # The daily job runs before working hours on the deadline day: the objection is still open.
    clock.current = at(deadline, 7)
    assert (await chase_objections(factory, clock, approval)).lapsed == ()
    clock.current = at(deadline, 14)
    ruled = await decide_objection(
        factory, clock, approval, proposal_id=pid, approver_nip=APPROVER, cancel=False
    )
    assert ruled.proposal.state == ProposalState.APPROVED


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
    from core.approval import ApprovalRules
    from core.objections import object_transfer
    from tests.unit.loop_agency import ADMIN, CHAT, NURSE_A
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
    assert raised.payload["escalated"] is True
    assert raised.payload["reason"] == "ibu saya sakit"
    assert raised.payload["deadline"] == "2026-12-09"
    assert raised.payload["to_name"] and raised.payload["name"]
