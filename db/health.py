"""What an operator asks of the database: is it there, is the schema current, is an agency
imported, is the outbox keeping up, when was the last plan made. Read-only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from db.engine import create_engine
from db.migrate import current_revision, head_revision
from db.rows import EmployeeRow, OutboxMessageRow, PlanRow, UnitRow


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """Counts and times read from one database (times are UTC; None when there is none)."""

    revision: str | None
    head: str
    units: int = 0
    employees: int = 0
    outbox_pending: int = 0
    oldest_due: dt.datetime | None = None
    last_plan_at: dt.datetime | None = None

    @property
    def at_head(self) -> bool:
        """Whether the schema is the newest this program knows."""
        return self.revision == self.head

    @property
    def has_agency(self) -> bool:
        """Whether units and employees have been imported."""
        return self.units > 0 and self.employees > 0


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _refuse_missing_sqlite_file(database_url: str) -> None:
    """Reading must not create a SQLite file (connecting to a missing one would)."""
    import sqlite3
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from db.engine import is_sqlite, normalise_url

    if not is_sqlite(database_url):
        return
    name = make_url(normalise_url(database_url)).database
    if name and name != ":memory:" and not Path(name).exists():
        raise sqlite3.OperationalError(f"unable to open database file: no file {name}")


async def read_facts(database_url: str) -> DatabaseFacts:
    """DatabaseFacts of DATABASE_URL; connection errors propagate (see db.engine.explain)."""
    _refuse_missing_sqlite_file(database_url)
    revision = await current_revision(database_url)
    head = head_revision()
    if revision is None:
        return DatabaseFacts(revision, head)
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            units = (await connection.execute(select(func.count()).select_from(UnitRow))).scalar()
            employees = (
                await connection.execute(select(func.count()).select_from(EmployeeRow))
            ).scalar()
            pending = (
                await connection.execute(
                    select(
                        func.count(),
                        func.min(
                            func.coalesce(
                                OutboxMessageRow.next_attempt_at, OutboxMessageRow.created_at
                            )
                        ),
                    ).where(OutboxMessageRow.status == "pending")
                )
            ).one()
            last_plan = (
                await connection.execute(
                    select(func.max(PlanRow.created_at)).where(PlanRow.dry_run.is_(False))
                )
            ).scalar()
    finally:
        await engine.dispose()
    return DatabaseFacts(
        revision,
        head,
        units=int(units or 0),
        employees=int(employees or 0),
        outbox_pending=int(pending[0] or 0),
        oldest_due=_utc(pending[1]),
        last_plan_at=_utc(last_plan),
    )
