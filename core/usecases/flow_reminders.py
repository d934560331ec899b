"""Reminders of flows 2 and 3: renew an aspiration a month before it expires; report last
month's workload by the 5th. Each goes through the outbox once (dedupe key per chat)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain import Role
from core.domain.access import grant_covers_unit
from core.domain.messages import AspirationRenew, WorkloadReminder
from core.ports import UnitOfWork
from core.usecases.outbox import chats_of, enqueue


@dataclass(frozen=True, slots=True)
class FlowReminderPolicy:
    """When the reminders go out."""

    renew_days_before: int = 30
    workload_due_day: int = 5


@dataclass(frozen=True, slots=True)
class FlowReminders:
    """How many reminders were queued."""

    aspiration_renewals: int
    workload_reminders: int


def previous_month(today: dt.date) -> str:
    """The month before TODAY's, as `YYYY-MM`."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


async def queue_flow_reminders(
    uow: UnitOfWork, *, now: dt.datetime, today: dt.date, policy: FlowReminderPolicy
) -> FlowReminders:
    """Queue due renewal and workload reminders (idempotent per day and person); commits."""
    renewals = 0
    horizon = now + dt.timedelta(days=policy.renew_days_before)
    for aspiration in await uow.aspirations.list_active(now):
        if aspiration.expires_at > horizon or aspiration.id is None:
            continue
        for chat_id, _ in await chats_of(uow, aspiration.nip):
            renew = AspirationRenew(expires_at=aspiration.expires_at)
            key = f"aspiration-renew:{aspiration.id}:{chat_id}"
            queued = await enqueue(uow, chat_id, renew, now=now, dedupe_key=key, once=True)
            renewals += queued is not None
    workload = 0
    if today.day >= policy.workload_due_day:
        month = previous_month(today)
        reported = {
            (r.unit_code, r.jabatan) for r in await uow.workload_reports.list_for_month(month)
        }
        families = {(a.unit_code, a.jabatan) for a in await uow.activities.list()}
        units = {u.code: u for u in await uow.units.list()}
        missing_by_nip: dict[str, set[str]] = {}
        for grant in await uow.roles.list_by_role(Role.SUPERVISOR.value):
            for unit_code, _jabatan in families - reported:
                unit = units.get(unit_code)
                if unit is not None and grant_covers_unit(grant, unit):
                    missing_by_nip.setdefault(grant.nip, set()).add(unit.name)
        for nip, names in sorted(missing_by_nip.items()):
            for chat_id, _ in await chats_of(uow, nip):
                remind = WorkloadReminder(month=month, units=tuple(sorted(names)))
                key = f"workload-remind:{month}:{chat_id}"
                queued = await enqueue(uow, chat_id, remind, now=now, dedupe_key=key, once=True)
                workload += queued is not None
    await uow.commit()
    return FlowReminders(renewals, workload)
