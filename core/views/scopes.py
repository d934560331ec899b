"""What a caller acts on in one of their roles: the units an admin may invite into (/undang),
the units a supervisor reports the workload of (/bebankerja), and the jabatan and activities
of one of them.

Authorisation: a caller without the role is refused with `RoleRequired`; a unit outside the
caller's scope in that role with `OutOfScope`. An admin's or a supervisor's scope is their
grants (a unit, an OPD, or everything; `core.domain.access`).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import Activity, Role, ScopeKind, Unit
from core.domain.access import Caller, OutOfScope, require_role, units_in_scope
from core.domain.errors import NotFound
from core.ports import UnitOfWork
from core.usecases.workload import reportable_jabatan


async def units_in_role(
    uow: UnitOfWork, caller: Caller, role: Role, *, matching: str = ""
) -> tuple[Unit, ...]:
    """The units over which CALLER holds ROLE, sorted by name then code; with MATCHING (any
    case), only those whose name or code contains it. Raises RoleRequired when CALLER does
    not hold ROLE."""
    require_role(caller, role)
    needle = matching.strip().lower()
    return tuple(
        u
        for u in units_in_scope(caller, role, await uow.units.list())
        if needle in u.name.lower() or needle in u.code.lower()
    )


@dataclass(frozen=True, slots=True)
class InvitationScope:
    """Where an admin may invite (/undang): UNITS of their scope (sorted by name then code), and
    EVERYWHERE when a grant covers every unit (the "every unit" button)."""

    units: tuple[Unit, ...]
    everywhere: bool


async def invitation_scope(
    uow: UnitOfWork, caller: Caller, *, matching: str = ""
) -> InvitationScope:
    """CALLER's invitation scope, its units those MATCHING a typed text when given
    (`units_in_role`). Raises RoleRequired when CALLER is no admin."""
    units = await units_in_role(uow, caller, Role.ADMIN, matching=matching)
    everywhere = any(g.role == Role.ADMIN and g.scope_kind == ScopeKind.ALL for g in caller.grants)
    return InvitationScope(units, everywhere)


async def _require_supervised(uow: UnitOfWork, caller: Caller, unit_code: str) -> None:
    require_role(caller, Role.SUPERVISOR)
    unit = await uow.units.get(unit_code)
    if unit is None or not caller.may_act_on_unit(Role.SUPERVISOR, unit):
        raise OutOfScope(unit=unit_code)


async def jabatan_to_report(uow: UnitOfWork, caller: Caller, unit_code: str) -> tuple[str, ...]:
    """The jabatan of UNIT_CODE that have ABK activities, sorted, for CALLER to pick one to
    report. Raises RoleRequired (not a supervisor) and OutOfScope (a unit outside CALLER's
    supervision, or no such unit)."""
    await _require_supervised(uow, caller, unit_code)
    return tuple(await reportable_jabatan(uow, unit_code))


async def activities_to_report(
    uow: UnitOfWork, caller: Caller, unit_code: str, jabatan: str
) -> tuple[Activity, ...]:
    """The ABK activities of JABATAN in UNIT_CODE, whose monthly volumes CALLER reports, in
    their stored order. Raises RoleRequired (not a supervisor), OutOfScope (a unit outside
    CALLER's supervision, or no such unit) and NotFound (no activity listed)."""
    await _require_supervised(uow, caller, unit_code)
    found = await uow.activities.list_for(unit_code, jabatan)
    if not found:
        raise NotFound(unit=unit_code)
    return tuple(found)
