"""Granting and revoking roles (admin work, from the CLI); every change is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain import AuditEvent, JsonValue, Role, RoleGrant, ScopeKind
from core.domain.errors import InvalidInput, NotFound
from core.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class RoleChange:
    """What a grant or revoke did."""

    grant: RoleGrant
    changed: bool


async def resolve_scope(uow: UnitOfWork, scope: str | None) -> tuple[ScopeKind, str | None]:
    """`all`/None; `unit:CODE` or `opd:NAME`; or a bare unit code or OPD name (looked up)."""
    if scope is None or scope.strip().lower() in ("", "all", "*"):
        return ScopeKind.ALL, None
    text = scope.strip()
    kind, sep, value = text.partition(":")
    if sep and kind.lower() in ("unit", "opd") and value.strip():
        return ScopeKind(kind.lower()), value.strip()
    if await uow.units.get(text) is not None:
        return ScopeKind.UNIT, text
    if text in await _opd_names(uow):
        return ScopeKind.OPD, text
    raise NotFound(scope=text)


async def change_role(
    uow: UnitOfWork,
    *,
    nip: str,
    role: Role,
    scope_kind: ScopeKind,
    scope_value: str | None,
    grant: bool,
    actor: str,
    now: dt.datetime,
) -> RoleChange:
    """Grant (or revoke) ROLE over a scope to NIP; commits with an audit event."""
    if await uow.employees.get(nip) is None:
        raise NotFound(nip=nip)
    if role == Role.ASN:
        raise InvalidInput(field="role")
    if scope_kind == ScopeKind.ALL:
        scope_value = None
    elif not scope_value:
        raise InvalidInput(field="scope")
    elif scope_kind == ScopeKind.UNIT and await uow.units.get(scope_value) is None:
        raise NotFound(unit=scope_value)
    elif scope_kind == ScopeKind.OPD and scope_value not in {
        u.opd for u in await uow.units.list()
    }:
        raise NotFound(opd=scope_value)
    value = RoleGrant(nip, role, scope_kind, scope_value)
    changed = await (uow.roles.grant(value) if grant else uow.roles.revoke(value))
    if changed:
        described: dict[str, JsonValue] = {
            "role": role.value,
            "scope": scope_kind.value,
            "value": scope_value,
        }
        await uow.audit.add(
            AuditEvent(
                actor,
                "role.grant" if grant else "role.revoke",
                f"employee:{nip}",
                now,
                None if grant else described,
                described if grant else None,
            )
        )
    await uow.commit()
    return RoleChange(value, changed)


async def _opd_names(uow: UnitOfWork) -> set[str]:
    return {u.opd for u in await uow.units.list()}
