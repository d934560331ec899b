"""The digest as a reader opens it on a day (`reader_digest`: their own scope and that of whom
they stand in for), and what a page of it shows of the moves on it beyond their light lines
(`core.views.digest`): the people moved, the units, and the engine's explanation of each move
(its reason line); and the names a confirmation lists.

Authorisation: only moves of the reader's own digest view are read; a number that is not on
it is refused with `OutOfScope` (a `NotAllowed`). The view itself (`digest_view`) holds the
reader's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.domain import Employee, ProposalLine, Unit
from core.domain.access import OutOfScope
from core.ports import UnitOfWork
from core.rebalance.model import Explanation
from core.usecases.approval.chain import ApprovalRules
from core.usecases.delegation import principals_of
from core.views.digest import DigestView, digest_view


async def reader_digest(
    uow: UnitOfWork, rules: ApprovalRules, reader_nip: str, plan_id: int, today: dt.date
) -> DigestView:
    """PLAN_ID's digest as READER_NIP reads it on TODAY (an agency date): the moves in their
    own approver scope and in that of every approver whose delegation to them runs that day
    (`core.usecases.delegation.principals_of`), or, for a committee member, the whole plan
    (`core.views.digest.digest_view`). Empty for a reader who neither approves nor votes."""
    return await digest_view(uow, plan_id, await principals_of(uow, reader_nip, today), rules)


@dataclass(frozen=True, slots=True)
class EntryDetails:
    """PEOPLE moved by NIP (an employee whose record is gone is left out), and when asked
    for, EXPLANATIONS by proposal id and every unit by code (UNITS)."""

    people: Mapping[str, Employee]
    explanations: Mapping[int, Explanation] = field(default_factory=dict)
    units: Mapping[str, Unit] = field(default_factory=dict)


def _lines_of(view: DigestView, proposal_ids: Sequence[int]) -> list[ProposalLine]:
    shown = {e.proposal.id: e.proposal for g in view.groups for e in g.entries}
    for proposal_id in proposal_ids:
        if proposal_id not in shown:
            raise OutOfScope(proposal=proposal_id)
    return [shown[i] for i in proposal_ids]


async def entry_details(
    uow: UnitOfWork, view: DigestView, proposal_ids: Sequence[int], *, explained: bool = True
) -> EntryDetails:
    """The people moved by PROPOSAL_IDS (moves of VIEW) and, when EXPLAINED, their
    explanations and the units. Raises OutOfScope for a number that is not in VIEW."""
    lines = _lines_of(view, proposal_ids)
    people: dict[str, Employee] = {}
    explanations: dict[int, Explanation] = {}
    for line in lines:
        person = await uow.employees.get(line.nip)
        if person is not None:
            people[person.nip] = person
        if explained:
            full = await uow.proposals.get(line.id)
            if full is not None:
                explanations[line.id] = full.explanation
    if not explained:
        return EntryDetails(people)
    return EntryDetails(people, explanations, {u.code: u for u in await uow.units.list()})
