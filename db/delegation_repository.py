"""Delegations (core.usecases.delegation) in the `delegations` table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from core.domain import Delegation
from db.mapping import column_values, from_row
from db.repositories import SqlRepository
from db.rows import DelegationRow


def delegation_from_row(row: DelegationRow) -> Delegation:
    """The domain value of a delegation row."""
    return from_row(Delegation, row)


class SqlDelegationRepository(SqlRepository):
    """core.ports.DelegationRepository over `delegations`."""

    async def add(self, delegation: Delegation) -> Delegation:
        """Store a new delegation; returns it with its id."""
        row = DelegationRow(**column_values(delegation))
        self.session.add(row)
        await self.session.flush()
        return delegation_from_row(row)

    async def update(self, delegation: Delegation) -> None:
        """Store an early end (the only change a delegation has)."""
        await self._update_by_id(
            DelegationRow, delegation.id, "delegation", ended_at=delegation.ended_at
        )

    async def list_for(self, nip: str) -> Sequence[Delegation]:
        """Delegations NIP gave or received, oldest first."""
        return await self._list_where(
            delegation_from_row,
            DelegationRow,
            or_(DelegationRow.approver_nip == nip, DelegationRow.delegate_nip == nip),
            DelegationRow.id,
        )

    async def list_all(self) -> Sequence[Delegation]:
        """Every delegation, oldest first."""
        rows = await self._all(select(DelegationRow).order_by(DelegationRow.id))
        return [delegation_from_row(r) for r in rows]
