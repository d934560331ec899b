"""The repository of employees' aspirations (wishes to move). It never commits; the unit of
work does."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select, update

from core.domain import Aspiration, AspirationWish, ReasonCategory
from db.mapping import column_values, from_row
from db.repositories import SqlRepository
from db.rows import AspirationRow
from db.statements import insert_rows


def aspiration_from_row(row: AspirationRow | Row[Any]) -> Aspiration:
    """The domain value of an aspiration row (the wish's fields are columns of the row)."""
    wish = from_row(
        AspirationWish, row, choices=tuple(row.choices), reason=ReasonCategory(row.reason)
    )
    return from_row(Aspiration, row, wish=wish)


def _columns(aspiration: Aspiration) -> dict[str, Any]:
    """The column values of an aspiration (its wish flattened into the row)."""
    return column_values(aspiration, skip=("id", "wish"), **column_values(aspiration.wish))


class SqlAspirationRepository(SqlRepository):
    """core.ports.AspirationRepository over `aspirations` (history kept, newest counts)."""

    _newest_first = (AspirationRow.created_at.desc(), AspirationRow.id.desc())

    async def current_for(self, nip: str) -> Aspiration | None:
        """The newest aspiration of NIP not withdrawn (expiry is the caller's to judge)."""
        row = await self._one_or_none(
            select(AspirationRow)
            .where(AspirationRow.nip == nip, AspirationRow.withdrawn_at.is_(None))
            .order_by(*self._newest_first)
            .limit(1)
        )
        return aspiration_from_row(row) if row else None

    async def list_active(self, at: dt.datetime) -> Sequence[Aspiration]:
        """The newest live aspiration of each employee (not withdrawn, not expired at `at`)."""
        rows = await self._records(
            select(AspirationRow.__table__)
            .where(AspirationRow.withdrawn_at.is_(None), AspirationRow.expires_at > at)
            .order_by(AspirationRow.nip, *self._newest_first)
        )
        newest: dict[str, Aspiration] = {}
        for row in rows:
            if row.nip not in newest:
                newest[row.nip] = aspiration_from_row(row)
        return builtins.list(newest.values())

    async def add(self, aspiration: Aspiration) -> Aspiration:
        """Store an aspiration; returns it with its id."""
        row = AspirationRow(**_columns(aspiration))
        self.session.add(row)
        await self.session.flush()
        return aspiration_from_row(row)

    async def add_many(self, aspirations: Sequence[Aspiration]) -> None:
        """Store many aspirations at once, in order (their ids are not read back)."""
        rows = [_columns(aspiration) for aspiration in aspirations]
        await insert_rows(self.session, AspirationRow.__table__, rows)

    async def withdraw(self, nip: str, at: dt.datetime) -> bool:
        """Withdraw every live aspiration of NIP; False if there was none."""
        result = await self.session.execute(
            update(AspirationRow)
            .where(AspirationRow.nip == nip, AspirationRow.withdrawn_at.is_(None))
            .values(withdrawn_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
