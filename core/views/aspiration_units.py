"""/aspirasi as views: a person's own current aspiration with the names of the units it
wishes for, the units they may pick as a destination, and units named by code.

Authorisation: an aspiration is its employee's alone, read by their own NIP (nobody's else is
reachable here). The units are the agency's public list: every registered person may wish
for any unit but their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.domain import Aspiration, Employee, Unit
from core.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class CurrentAspiration:
    """A person's ASPIRATION in force and UNIT_NAMES, the names of the units it wishes for by
    code."""

    aspiration: Aspiration
    unit_names: Mapping[str, str]


async def units_by_code(uow: UnitOfWork, codes: Sequence[str]) -> tuple[Unit, ...]:
    """The units of CODES that exist, in CODES' order."""
    known = {u.code: u for u in await uow.units.list()}
    return tuple(known[c] for c in codes if c in known)


async def current_aspiration(uow: UnitOfWork, nip: str) -> CurrentAspiration | None:
    """NIP's own aspiration in force with its units' names, or None when they have none."""
    current = await uow.aspirations.current_for(nip)
    if current is None or current.id is None:
        return None
    return CurrentAspiration(current, await unit_names(uow, current.wish.choices))


async def unit_names(uow: UnitOfWork, codes: Sequence[str]) -> Mapping[str, str]:
    """The names of the units of CODES that exist, by code."""
    return {u.code: u.name for u in await units_by_code(uow, codes)}


async def units_to_wish(
    uow: UnitOfWork, employee: Employee, *, query: str | None, chosen: Sequence[str]
) -> tuple[Unit, ...]:
    """The units EMPLOYEE may pick next: those matching QUERY (the store's search, at most 50,
    in its order) or, without one, every unit sorted by name then code; never their own unit
    nor one already CHOSEN."""
    units = await uow.units.search(query, limit=50) if query else await uow.units.list()
    found = [u for u in units if u.code != employee.unit_code and u.code not in chosen]
    return tuple(found if query else sorted(found, key=lambda u: (u.name, u.code)))
