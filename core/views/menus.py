"""Who gets a command menu of their own in their chat: everyone holding a role beyond `asn`
(supervisors, approvers, admins) and the committee's members, with their accounts.

Read at start by the composition root to publish the per-chat menus; not a person's view, so
there is no caller to refuse: it lists registered, unblocked accounts only
(`core.domain.access.load_caller`).
"""

from __future__ import annotations

from collections.abc import Collection

from core.domain import Role
from core.domain.access import Caller, load_caller
from core.ports import UnitOfWork

#: The roles whose holders see more than the ASN's menu.
MENU_ROLES = (Role.SUPERVISOR, Role.APPROVER, Role.ADMIN)


async def menu_holders(uow: UnitOfWork, members: Collection[str] = ()) -> tuple[Caller, ...]:
    """Every registered account of a person holding one of MENU_ROLES or among MEMBERS (the
    committee's NIPs), as callers, by NIP."""
    nips: set[str] = set(members)
    for role in MENU_ROLES:
        nips.update(g.nip for g in await uow.roles.list_by_role(role.value))
    callers: list[Caller] = []
    for nip in sorted(nips):
        for account in await uow.accounts.list_for_nip(nip):
            caller = await load_caller(uow, account.telegram_user_id)
            if caller is not None:
                callers.append(caller)
    return tuple(callers)
