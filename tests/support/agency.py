"""The one agency builder of the tests: an agency is a value (units, people, ABK activities,
role grants, Telegram accounts) written through any unit of work — the in-memory one of
`tests.support.fakes` or the database's — the way the bot's own use cases write it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from core.domain import Activity, Employee, RoleGrant, TelegramAccount, Unit
from core.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class Agency:
    """What a test agency holds; `write`/`write_to` store it (upserts: twice is a no-op)."""

    units: tuple[Unit, ...] = ()
    people: tuple[Employee, ...] = ()
    activities: tuple[Activity, ...] = ()
    grants: tuple[RoleGrant, ...] = ()
    accounts: tuple[TelegramAccount, ...] = ()

    def plus(
        self,
        *,
        units: Iterable[Unit] = (),
        people: Iterable[Employee] = (),
        activities: Iterable[Activity] = (),
        grants: Iterable[RoleGrant] = (),
        accounts: Iterable[TelegramAccount] = (),
    ) -> Agency:
        """This agency with more of each."""
        return Agency(
            (*self.units, *units),
            (*self.people, *people),
            (*self.activities, *activities),
            (*self.grants, *grants),
            (*self.accounts, *accounts),
        )

    def without_accounts(self) -> Agency:
        """The same agency before anyone opened an invitation link."""
        return dataclasses.replace(self, accounts=())

    async def write(self, uow: UnitOfWork) -> None:
        """Store everything in UOW's transaction and commit."""
        await uow.units.upsert_many(self.units)
        await uow.employees.upsert_many(self.people)
        await uow.activities.upsert_many(self.activities)
        await uow.roles.grant_many(self.grants)
        for account in self.accounts:
            await uow.accounts.save(account)
        await uow.commit()

    async def write_to(self, uow_factory: UnitOfWorkFactory) -> None:
        """`write` in a unit of work of its own."""
        async with uow_factory() as uow:
            await self.write(uow)


def person(
    nip: str,
    name: str,
    unit: str,
    jabatan: str,
    tmt: dt.date = dt.date(2018, 1, 1),
    **fields: object,
) -> Employee:
    """A PNS of golongan III/a retiring at 58, with any other Employee field given by name."""
    base = Employee(nip, name, "PNS", unit, jabatan, "III/a", tmt, 58)
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]
