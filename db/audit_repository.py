"""The audit trail's repository. It never commits; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.domain import AuditEvent
from db.mapping import column_values, from_row
from db.repositories import SqlRepository
from db.rows import AuditEventRow


def audit_from_row(row: AuditEventRow) -> AuditEvent:
    """The domain value of an audit row."""
    return from_row(AuditEvent, row)


class SqlAuditRepository(SqlRepository):
    """core.ports.AuditRepository over `audit_events` (append-only)."""

    async def add(self, event: AuditEvent) -> None:
        """Append one event."""
        self.session.add(AuditEventRow(**column_values(event)))
        await self.session.flush()

    async def list(self, subject: str | None = None) -> Sequence[AuditEvent]:
        """Events, oldest first, optionally only those about one subject."""
        statement = select(AuditEventRow).order_by(AuditEventRow.at, AuditEventRow.id)
        if subject is not None:
            statement = statement.where(AuditEventRow.subject == subject)
        return [audit_from_row(r) for r in await self._all(statement)]
