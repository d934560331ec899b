"""/wakil as a view: the delegations a person gives or receives that run today or are still to
come, with both people's names.

Authorisation: a person reads only the delegations they are a party to (as the approver who
is away or as the deputy); `delegation_named` refuses any other with `NotFound`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain import Delegation
from core.domain.errors import NotFound
from core.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class DelegationLine:
    """One DELEGATION with the APPROVER's and the DELEGATE's names (a NIP when the employee
    record is gone)."""

    delegation: Delegation
    approver: str
    delegate: str


async def _named(uow: UnitOfWork, delegation: Delegation, names: dict[str, str]) -> DelegationLine:
    for nip in (delegation.approver_nip, delegation.delegate_nip):
        if nip not in names:
            person = await uow.employees.get(nip)
            names[nip] = person.name if person else nip
    return DelegationLine(
        delegation, names[delegation.approver_nip], names[delegation.delegate_nip]
    )


async def delegations_of(uow: UnitOfWork, nip: str, today: dt.date) -> tuple[DelegationLine, ...]:
    """NIP's delegations, given or received, that have not ended by TODAY (an agency date), in
    the order stored."""
    names: dict[str, str] = {}
    return tuple(
        [
            await _named(uow, d, names)
            for d in await uow.delegations.list_for(nip)
            if not d.over_by(today)
        ]
    )


async def delegation_named(uow: UnitOfWork, nip: str, delegation: Delegation) -> DelegationLine:
    """DELEGATION (one NIP just made, `core.usecases.delegation.create_delegation`) with both
    names. Raises NotFound when NIP is neither its approver nor its delegate."""
    if nip not in (delegation.approver_nip, delegation.delegate_nip):
        raise NotFound()
    return await _named(uow, delegation, {})
