"""End to end over HTTP: two approvers press ✅ Setujui on the same card at the same moment.

The bot handles different people's updates concurrently, so both presses are inside the
approval use case together. A gate on the database holds each decision's first read of the
card until both have read it as still pending: the worst interleaving, on every run. Exactly
one decision wins; the other approver is told the card was already decided.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Callable
from types import TracebackType
from typing import Any

import pytest

from core.domain import ProposalState
from core.domain.messages import CardOutcome
from core.ports import UnitOfWork, UnitOfWorkFactory
from devtools.emulator import EmulatedUser
from tests.support.e2e import E2E, fire_nightly
from tests.support.loop_agency import APPROVER, APPROVER_2, CHAT, JAKARTA, NURSE_A
from tests.support.outbox_samples import payload_of

pytestmark = pytest.mark.e2e

#: Only guards against a hang (e.g. if updates were handled one at a time, the first decision
#: would wait at the gate for a second one that can never start).
GATE_TIMEOUT = 15.0
WON = "Pemberitahuan akan dikirim"
LOST = "ketukan Anda tidak mengubah apa pun"


class ReadTogether:
    """Holds the first two reads of one proposal until both have happened."""

    def __init__(self) -> None:
        self.proposal_id: int | None = None
        self.held = 0
        self.barrier = asyncio.Barrier(2)

    def arm(self, proposal_id: int) -> None:
        """From now on, the next two reads of PROPOSAL_ID wait for each other."""
        self.proposal_id = proposal_id

    async def read(self, proposal_id: int) -> None:
        """Called after every read of a proposal by id."""
        if proposal_id != self.proposal_id or self.held >= 2:
            return
        self.held += 1
        await asyncio.wait_for(self.barrier.wait(), GATE_TIMEOUT)

    def wrap(self, uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
        """UOWS whose proposal reads pass through the gate."""

        def gated() -> UnitOfWork:
            return GatedUnitOfWork(uows(), self)  # type: ignore[return-value]

        return gated


class GatedProposals:
    """The proposal repository, its `get` passing through the gate."""

    def __init__(self, inner: Any, gate: ReadTogether) -> None:
        self._inner = inner
        self._gate = gate

    async def get(self, proposal_id: int) -> Any:
        """The stored proposal, after the gate lets this read through."""
        found = await self._inner.get(proposal_id)
        await self._gate.read(proposal_id)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class GatedUnitOfWork:
    """A real unit of work whose proposals repository is gated."""

    def __init__(self, inner: Any, gate: ReadTogether) -> None:
        self._inner = inner
        self._gate = gate

    async def __aenter__(self) -> Any:
        uow = await self._inner.__aenter__()
        uow.proposals = GatedProposals(uow.proposals, self._gate)
        return uow

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)


def siti_card(user: EmulatedUser) -> Any:
    """The approval card about Siti Aminah in USER's chat."""
    return next(m for m in user.messages() if "Usulan mutasi #" in m.body and "Siti" in m.body)


def decided(card_id: int) -> Callable[[Any], bool]:
    """Whether a message is the card CARD_ID edited to show it was approved."""
    return lambda m: bool(m.message_id == card_id and "Disetujui oleh" in m.body)


async def reply_to_press(user: EmulatedUser, query_id: str) -> str:
    """The bot's answer to USER's press, a toast: approved, or already decided."""
    answer = await user.wait_for_callback_answer(query_id, timeout=20)
    return answer.text or ""


async def test_two_approvers_pressing_the_same_card_at_once_decide_it_exactly_once(
    loop: E2E,
) -> None:
    gate = ReadTogether()
    racing = dataclasses.replace(loop, uows=gate.wrap(loop.uows))
    async with racing.running(concurrent_updates=8) as app:
        users = await racing.register_everyone()
        approvers = {APPROVER: users[APPROVER], APPROVER_2: users[APPROVER_2]}
        nurse_a = users[NURSE_A]
        await fire_nightly(app)
        loop.clock.current = dt.datetime(2026, 11, 24, 8, 0, tzinfo=JAKARTA)
        for user in approvers.values():
            await user.wait_for_message(contains="Siti Aminah", timeout=10)
        cards = {nip: siti_card(user) for nip, user in approvers.items()}
        async with loop.uows() as uow:
            [siti] = await uow.proposals.list_for_nip(NURSE_A)
        assert siti.id is not None and siti.state == ProposalState.PENDING

        gate.arm(siti.id)
        queries = await asyncio.gather(
            *(user.press("✅ Setujui", cards[nip]) for nip, user in approvers.items())
        )
        replies = dict(
            zip(
                approvers,
                await asyncio.gather(
                    *(
                        reply_to_press(u, q)
                        for u, q in zip(approvers.values(), queries, strict=True)
                    )
                ),
                strict=True,
            )
        )

        # Both decisions read the card while it was still pending, inside the bot, together.
        assert gate.held == 2
        [winner] = [nip for nip, reply in replies.items() if WON in reply]
        [loser] = [nip for nip, reply in replies.items() if LOST in reply]
        assert f"Usulan #{siti.id} sudah disetujui" in replies[loser]

        # Every approver's copy of the card ends edited to the one outcome, naming the winner.
        winner_name = {APPROVER: "Kepala Dinkes", APPROVER_2: "Sekretaris Dinkes"}[winner]
        for nip, user in approvers.items():
            edited = await user.wait_for_message(decided(cards[nip].message_id), timeout=10)
            assert f"Disetujui oleh {winner_name}" in edited.body
            assert edited.buttons == []

        # The ASN is told once.
        await nurse_a.wait_for_message(contains="Pemberitahuan mutasi", timeout=10)

    async with loop.uows() as uow:
        proposal = await uow.proposals.get(siti.id)
        decisions = await uow.decisions.list_for(siti.id)
        outbox = await uow.outbox.list()
        audit = [e.action for e in await uow.audit.list()]
    assert proposal is not None and proposal.state == ProposalState.APPROVED
    assert [(d.approver_nip, d.approved) for d in decisions] == [(winner, True)]
    assert audit.count("proposal.approve") == 1
    notices = [m for m in outbox if m.kind == "notice" and m.chat_id == CHAT[NURSE_A]]
    assert len(notices) == 1
    outcomes = [
        m
        for m in outbox
        if m.kind == "card_outcome" and payload_of(m, CardOutcome).proposal_id == siti.id
    ]
    assert sorted(m.chat_id for m in outcomes) == sorted(CHAT[nip] for nip in approvers)
    delivered = [
        c
        for c in loop.emulator.calls_of("sendMessage", chat_id=CHAT[NURSE_A])
        if c.ok and "Pemberitahuan mutasi" in str(c)
    ]
    assert len(delivered) == 1
