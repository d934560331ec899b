"""An arrival request (SPMT) as the destination unit's head answers it: which transfer, whom it
moves and into which unit, read before the tap is recorded (`core.usecases.effect`).

Authorisation: only a supervisor of the transfer's destination unit; anyone else gets
`NotDestinationHead` (a `NotAllowed`), an unknown number `NotFound`.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import Role, TransferProposal
from core.domain.access import Caller
from core.domain.errors import NotFound
from core.ports import UnitOfWork
from core.usecases.effect import NotDestinationHead


@dataclass(frozen=True, slots=True)
class ArrivalToConfirm:
    """The PROPOSAL, the moved employee's NAME (their NIP when the record is gone) and the
    DESTINATION unit's name (its code when the unit is gone)."""

    proposal: TransferProposal
    name: str
    destination: str


async def arrival_to_confirm(
    uow: UnitOfWork, caller: Caller, proposal_id: int
) -> ArrivalToConfirm:
    """PROPOSAL_ID as CALLER, the head of its destination unit, confirms its arrival. Raises
    NotFound (no such proposal) or NotDestinationHead (CALLER does not supervise the
    destination unit)."""
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound()
    destination = await uow.units.get(proposal.to_unit)
    if destination is None or not caller.may_act_on_unit(Role.SUPERVISOR, destination):
        raise NotDestinationHead(unit=proposal.to_unit)
    employee = await uow.employees.get(proposal.nip)
    return ArrivalToConfirm(
        proposal, employee.name if employee else proposal.nip, destination.name
    )
