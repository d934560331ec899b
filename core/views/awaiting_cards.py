"""/usulan as a view: what waits for the caller now, their decisions as an approver (in their
own name or a principal's, /wakil) and their votes as a committee member, and, when they are
few enough to send one card each, what each card says.

Authorisation: only an approver, a deputy whose delegation runs today, or a member of the
committee may ask; anyone else gets `RoleRequired` (the approver's role). What is listed is
what the caller may decide or vote on now (`core.views.proposals.awaiting`,
`core.usecases.committee.awaiting_votes`), nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain import TransferProposal
from core.domain.access import Caller
from core.domain.notices import TransferContent, transfer_content
from core.ports import UnitOfWork
from core.usecases.approval.chain import ApprovalRules
from core.usecases.committee import awaiting_votes, sits_on_committee
from core.views.proposals import awaiting, require_approver


@dataclass(frozen=True, slots=True)
class AwaitingCards:
    """PENDING: every proposal waiting for the caller's decision or vote, by id; CARDS: each
    of them with what its card says, when there are at most `cards_max` of them (else empty:
    the digest shows them)."""

    pending: tuple[TransferProposal, ...]
    cards: tuple[tuple[TransferProposal, TransferContent], ...]


async def awaiting_cards(
    uow: UnitOfWork, rules: ApprovalRules, caller: Caller, *, now: dt.datetime, today: dt.date
) -> AwaitingCards:
    """What waits for CALLER at NOW (TODAY: the agency's date, for delegations); a card's
    content is as of NOW, frozen when NOW falls in the pre-election freeze. Raises
    RoleRequired when CALLER neither approves, stands in for an approver today, nor sits on
    the committee."""
    member = sits_on_committee(rules, caller.nip)
    if not member:
        await require_approver(uow, caller, today)
    pending = await awaiting(uow, caller.nip, rules, today)
    if member:
        votes = await awaiting_votes(uow, rules, caller.nip)
        pending = sorted([*pending, *votes], key=lambda p: p.id or 0)
    if len(pending) > rules.cards_max:
        return AwaitingCards(tuple(pending), ())
    units = {u.code: u for u in await uow.units.list()}
    cards = [
        (
            p,
            transfer_content(
                p,
                await uow.employees.get(p.nip),
                units,
                freeze=rules.frozen_on(now),
                today=today,
            ),
        )
        for p in pending
    ]
    return AwaitingCards(tuple(pending), tuple(cards))
