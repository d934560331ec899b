"""The unit of work: only `commit` makes changes durable, on both backends."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.exc import IntegrityError

from core.domain import Employee
from core.ports import UnitOfWorkFactory
from db.uow import SqlUnitOfWork
from tests.integration.sample_data import NURSE, PUSKESMAS_A, PUSKESMAS_B


async def test_changes_without_commit_are_discarded(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.units.upsert(PUSKESMAS_A)
        assert await uow.units.get("PKM-A") == PUSKESMAS_A  # visible inside the transaction
    async with uow_factory() as uow:
        assert await uow.units.list() == []


async def test_committed_changes_are_seen_by_the_next_unit_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.units.upsert(PUSKESMAS_A)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.units.list() == [PUSKESMAS_A]


async def test_an_exception_rolls_back_everything_since_the_last_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with uow_factory() as uow:
            await uow.units.upsert(PUSKESMAS_A)
            await uow.commit()
            await uow.units.upsert(PUSKESMAS_B)
            raise RuntimeError("boom")
    async with uow_factory() as uow:
        assert await uow.units.list() == [PUSKESMAS_A]


async def test_explicit_rollback_discards_and_the_unit_of_work_stays_usable(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.units.upsert(PUSKESMAS_A)
        await uow.rollback()
        await uow.units.upsert(PUSKESMAS_B)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.units.list() == [PUSKESMAS_B]


async def test_foreign_keys_are_enforced(uow_factory: UnitOfWorkFactory) -> None:
    orphan: Employee = dataclasses.replace(NURSE, unit_code="NO-SUCH-UNIT")
    with pytest.raises(IntegrityError):
        async with uow_factory() as uow:
            await uow.employees.upsert(orphan)
            await uow.commit()
    async with uow_factory() as uow:
        assert await uow.employees.list() == []


async def test_each_factory_call_is_a_separate_unit_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first, second = uow_factory(), uow_factory()
    assert isinstance(first, SqlUnitOfWork)
    assert first is not second
    async with first as uow:
        await uow.units.upsert(PUSKESMAS_A)
        async with second as other:
            assert await other.units.list() == []
        await uow.commit()


async def test_using_a_closed_unit_of_work_says_so(uow_factory: UnitOfWorkFactory) -> None:
    uow = uow_factory()
    assert isinstance(uow, SqlUnitOfWork)
    with pytest.raises(RuntimeError, match="not open"):
        await uow.commit()
