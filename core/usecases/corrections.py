"""A person asks for their data to be corrected (/koreksi): the request reaches the admins
whose scope covers the person's unit as a task in their chat (outbox kind
`correction_request`), and is recorded in the audit log (the right to correct, UU 27/2022
tentang Pelindungan Data Pribadi, Pasal 6).
"""

from __future__ import annotations

from core.domain import AuditEvent, Role
from core.domain.access import grant_covers_unit
from core.domain.errors import InvalidInput
from core.domain.messages import CorrectionRequest
from core.ports import Clock, UnitOfWorkFactory
from core.usecases.outbox import chats_of, enqueue

#: The longest request kept (a request is a sentence or two, not a document).
MAX_REQUEST_CHARS = 1000


async def request_correction(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, nip: str, text: str
) -> int:
    """Send NIP's correction request TEXT to the admins; returns how many chats it reached
    (0 when no admin is reachable: the request is still recorded in the audit log).
    Raises InvalidInput for an empty request."""
    request = " ".join(text.split())[:MAX_REQUEST_CHARS]
    if not request:
        raise InvalidInput("empty correction request")
    now = clock.now()
    async with uow_factory() as uow:
        employee = await uow.employees.get(nip)
        unit = await uow.units.get(employee.unit_code) if employee else None
        reached = 0
        seen: set[int] = set()
        for grant in await uow.roles.list_by_role(Role.ADMIN.value):
            if unit is not None and not grant_covers_unit(grant, unit):
                continue
            for chat_id, _language in await chats_of(uow, grant.nip):
                if chat_id in seen:
                    continue
                seen.add(chat_id)
                reached += 1
                await enqueue(
                    uow,
                    chat_id,
                    CorrectionRequest(
                        nip=nip,
                        name=employee.name if employee else nip,
                        unit=unit.name if unit else "",
                        request=request,
                        at=now,
                    ),
                    now=now,
                    dedupe_key=f"correction:{nip}:{now.isoformat()}:{chat_id}",
                )
        await uow.audit.add(
            AuditEvent(
                nip, "correction.request", f"employee:{nip}", now, None, {"request": request}
            )
        )
        await uow.commit()
    return reached
