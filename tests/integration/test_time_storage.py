"""Times are stored in UTC and always come back timezone-aware, SQLite included."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import AuditEvent
from core.ports import UnitOfWorkFactory
from db.rows import AuditEventRow
from tests.integration.sample_data import NOW


async def test_times_come_back_aware_in_utc_and_equal_to_what_was_stored(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.audit.add(AuditEvent("system", "test", "clock", NOW))
        await uow.commit()
    async with uow_factory() as uow:
        (event,) = await uow.audit.list("clock")
    assert event.at.tzinfo is not None
    assert event.at.utcoffset() == dt.timedelta(0)
    assert event.at == NOW
    assert event.at.hour == NOW.hour - 7  # 08:15 WIB is 01:15 UTC


async def test_sqlite_stores_the_utc_wall_clock(
    sqlite_uow_factory: UnitOfWorkFactory,
) -> None:
    async with sqlite_uow_factory() as uow:
        await uow.audit.add(AuditEvent("system", "test", "clock", NOW))
        await uow.commit()
        session: AsyncSession = uow.session  # type: ignore[attr-defined]
        stored = (await session.execute(text("SELECT at FROM audit_events"))).scalar_one()
    assert stored.startswith("2026-03-02 01:15:30.123456")


async def test_naive_times_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.audit.add(AuditEvent("system", "test", "clock", dt.datetime(2026, 3, 2)))


async def test_time_comparisons_use_the_instant_not_the_zone(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.audit.add(AuditEvent("system", "test", "clock", NOW))
        await uow.commit()
    new_york_winter = dt.timezone(dt.timedelta(hours=-5))
    later_elsewhere = (NOW + dt.timedelta(seconds=1)).astimezone(new_york_winter)
    async with uow_factory() as uow:
        session: AsyncSession = uow.session  # type: ignore[attr-defined]
        before = await session.scalars(
            select(AuditEventRow.id).where(AuditEventRow.at < later_elsewhere)
        )
        assert len(before.all()) == 1
        after = await session.scalars(
            select(AuditEventRow.id).where(AuditEventRow.at >= later_elsewhere)
        )
        assert after.all() == []
