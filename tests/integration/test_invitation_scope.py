"""Issuing invitation codes on behalf of a Telegram caller checks the caller's admin scope in
core (core.usecases.invitations), on SQLite and PostgreSQL: a unit, a NIP or "every unit"
outside it is refused with the domain's access error, and nothing is issued, expired or
audited. The operator's path (no caller: the `mutasi invite` CLI) is not scoped."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain import Role, RoleGrant, ScopeKind
from core.domain.access import Caller, OutOfScope, RoleRequired
from core.domain.errors import NotAllowed
from core.ports import UnitOfWorkFactory
from core.usecases.invitations import hash_invitation_code, issue_invitation_batch
from tests.integration.test_views_db import agency, caller
from tests.support import loop_agency as tiny

__all__ = ["agency"]  # the fixture, imported for the tests below

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def scoped(admin: Caller, kind: ScopeKind, value: str) -> Caller:
    """ADMIN with one admin grant over an OPD or a unit instead of everything."""
    return dataclasses.replace(admin, grants=(RoleGrant(admin.nip, Role.ADMIN, kind, value),))


async def operator_codes(factory: UnitOfWorkFactory) -> dict[str, str]:
    """Live codes for everybody, issued by the operator (no caller): NIP -> code."""
    numbers = iter(range(1000))
    async with factory() as uow:
        batch = await issue_invitation_batch(
            uow,
            caller=None,
            actor="operator",
            now=NOW,
            valid_days=14,
            make_code=lambda: f"operator-{next(numbers)}",
        )
    return {i.nip: i.code for i in batch.issued}


async def refused(
    factory: UnitOfWorkFactory,
    who: Caller,
    error: type[NotAllowed],
    *,
    unit_code: str | None = None,
    nip: str | None = None,
) -> None:
    """WHO asking for codes is refused with ERROR before any code is made or anything stored."""
    made: list[str] = []

    def make_code() -> str:
        made.append("x")
        return f"refused-{len(made)}"

    async with factory() as uow:
        audit_before = len(await uow.audit.list())
    with pytest.raises(error):
        async with factory() as uow:
            await issue_invitation_batch(
                uow,
                unit_code=unit_code,
                nip=nip,
                caller=who,
                actor=who.nip,
                now=NOW + dt.timedelta(hours=1),
                valid_days=14,
                make_code=make_code,
            )
    assert made == []
    async with factory() as uow:
        assert len(await uow.audit.list()) == audit_before
        assert await uow.invitations.get(hash_invitation_code("refused-1")) is None


async def test_an_opd_admin_cannot_issue_codes_outside_their_opd(
    agency: UnitOfWorkFactory,
) -> None:
    before = await operator_codes(agency)
    dinkes = scoped(await caller(agency, tiny.ADMIN), ScopeKind.OPD, "Dinkes")
    await refused(agency, dinkes, OutOfScope, unit_code="SD-1")  # the school is Dindik's
    await refused(agency, dinkes, OutOfScope)  # every unit: the grant covers only Dinkes
    await refused(agency, dinkes, OutOfScope, nip=tiny.CLERK)  # works at SD-1
    # An unknown unit or NIP is refused the same way: a scoped admin learns nothing of it.
    await refused(agency, dinkes, OutOfScope, unit_code="NOPE")
    await refused(agency, dinkes, OutOfScope, nip="000000000000000000")
    # The operator's earlier codes were not replaced by the refused requests.
    async with agency() as uow:
        for nip in (tiny.CLERK, tiny.ADMIN, tiny.NURSE_A):
            stored = await uow.invitations.get(hash_invitation_code(before[nip]))
            assert stored is not None and stored.expires_at == NOW + dt.timedelta(days=14)


async def test_a_unit_admin_cannot_issue_codes_for_the_other_unit_of_the_same_opd(
    agency: UnitOfWorkFactory,
) -> None:
    playen = scoped(await caller(agency, tiny.ADMIN), ScopeKind.UNIT, "PKM-B")
    await refused(agency, playen, OutOfScope, unit_code="PKM-A")
    await refused(agency, playen, OutOfScope, nip=tiny.NURSE_A)
    await refused(agency, playen, OutOfScope)


async def test_someone_who_is_no_admin_is_refused_the_role(agency: UnitOfWorkFactory) -> None:
    supervisor = await caller(agency, tiny.SUP_A)
    await refused(agency, supervisor, RoleRequired, unit_code="PKM-A")  # supervises it
    await refused(agency, supervisor, RoleRequired)


async def test_an_admin_issues_within_their_scope(agency: UnitOfWorkFactory) -> None:
    admin = await caller(agency, tiny.ADMIN)
    dinkes = scoped(admin, ScopeKind.OPD, "Dinkes")
    async with agency() as uow:
        unit = await issue_invitation_batch(
            uow, unit_code="PKM-B", caller=dinkes, actor=admin.nip, now=NOW, valid_days=14
        )
    async with agency() as uow:
        one = await issue_invitation_batch(
            uow, nip=tiny.NURSE_A, caller=dinkes, actor=admin.nip, now=NOW, valid_days=14
        )
    async with agency() as uow:
        everyone = await issue_invitation_batch(
            uow, caller=admin, actor=admin.nip, now=NOW, valid_days=14
        )
    assert [i.nip for i in unit.issued] == [tiny.SUP_B]
    assert [i.nip for i in one.issued] == [tiny.NURSE_A]
    assert {i.unit_code for i in everyone.issued} == {"PKM-A", "PKM-B", "SD-1"}
    assert len(everyone.issued) == len(tiny.LOOP_AGENCY.people)


async def test_the_operator_issues_for_any_unit_without_a_caller(
    agency: UnitOfWorkFactory,
) -> None:
    async with agency() as uow:
        school = await issue_invitation_batch(
            uow, unit_code="SD-1", caller=None, actor="operator", now=NOW, valid_days=14
        )
    assert {i.nip for i in school.issued} == {tiny.CLERK, tiny.OUTSIDER, tiny.ADMIN}
