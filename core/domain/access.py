"""Who may do what: roles with scopes, checked on the server for every command and button."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.domain import Employee, Role, RoleGrant, ScopeKind, TelegramAccount, Unit
from core.domain.errors import NotAllowed
from core.ports import UnitOfWork


class NotRegistered(NotAllowed):
    """The Telegram account is not bound to any employee."""

    key = "error.not_registered"


class RoleRequired(NotAllowed):
    """The caller lacks the role a command needs."""

    key = "error.role_required"


class OutOfScope(NotAllowed):
    """The caller holds the role, but not over this unit (or the thing belongs to someone else)."""

    key = "error.out_of_scope"


@dataclass(frozen=True, slots=True)
class Caller:
    """A registered person acting through Telegram: their account, employee record and grants."""

    account: TelegramAccount
    employee: Employee
    grants: tuple[RoleGrant, ...]

    @property
    def nip(self) -> str:
        """The caller's NIP."""
        return self.employee.nip

    @property
    def roles(self) -> frozenset[Role]:
        """Every role the caller holds; every registered employee is an `asn`."""
        return frozenset({Role.ASN, *(g.role for g in self.grants)})

    def has_role(self, role: Role) -> bool:
        """Whether the caller holds ROLE over any scope."""
        return role in self.roles

    def may_act_on_unit(self, role: Role, unit: Unit) -> bool:
        """Whether the caller holds ROLE over UNIT (directly, through its OPD, or everywhere)."""
        return any(grant_covers_unit(g, unit) for g in self.grants if g.role == role)


def grant_covers_unit(grant: RoleGrant, unit: Unit) -> bool:
    """Whether one grant's scope includes UNIT."""
    if grant.scope_kind == ScopeKind.ALL:
        return True
    if grant.scope_kind == ScopeKind.OPD:
        return grant.scope_value == unit.opd
    return grant.scope_value == unit.code


def units_in_scope(caller: Caller, role: Role, units: Iterable[Unit]) -> list[Unit]:
    """The units over which the caller holds ROLE, sorted by name."""
    return sorted(
        (u for u in units if caller.may_act_on_unit(role, u)), key=lambda u: (u.name, u.code)
    )


def require_role(caller: Caller, role: Role) -> None:
    """Raise RoleRequired unless the caller holds ROLE."""
    if not caller.has_role(role):
        raise RoleRequired(role=role.value)


def require_unit_scope(caller: Caller, role: Role, unit: Unit) -> None:
    """Raise unless the caller holds ROLE over UNIT."""
    require_role(caller, role)
    if not caller.may_act_on_unit(role, unit):
        raise OutOfScope(unit=unit.code)


async def load_caller(uow: UnitOfWork, telegram_user_id: int) -> Caller | None:
    """The registered caller behind a Telegram user id, or None if not registered."""
    account = await uow.accounts.get_by_telegram(telegram_user_id)
    if account is None or account.blocked:
        return None
    return await caller_of(uow, account)


async def caller_of(uow: UnitOfWork, account: TelegramAccount) -> Caller | None:
    """The person acting through ACCOUNT (blocked or not), with their grants; None when the
    employee record it is bound to is gone."""
    employee = await uow.employees.get(account.nip)
    if employee is None:
        return None
    grants: Sequence[RoleGrant] = await uow.roles.list_for(account.nip)
    return Caller(account, employee, tuple(grants))
