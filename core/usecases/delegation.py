"""Delegation while an approver is away (the approver role may "delegate while away"; see
docs/approval.md).

An approver names a delegate for a range of agency dates. While it runs, the approver's cards
and digests go to the delegate's chats instead, and the delegate decides in the approver's name
(the decision is the approver's; the audit event names both). It ends by itself after its last
day. Both people are told when it starts and when it ends.

Who may be a delegate: a registered employee other than the approver who could hold the
approver role for the same scope, i.e. works in the OPD of every OPD- or unit-scoped approver
grant of the approver (anyone, for an all-scope grant), and can be reached on Telegram.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from core.domain import AuditEvent, Delegation, Role, ScopeKind
from core.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.domain.messages import DelegationNotice
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.outbox import chats_of, enqueue

#: Longest delegation one request may set up (a long absence is a new grant, not a delegation).
MAX_DAYS = 90


class NotADelegate(NotAllowed):
    """The named person cannot stand in for this approver (scope, registration, themselves)."""

    key = "error.not_a_delegate"


class DelegationDates(InvalidInput):
    """The range starts in the past, ends before it starts, or is longer than MAX_DAYS."""

    key = "error.delegation_dates"


class DelegationOverlaps(Conflict):
    """The approver already has a delegation on some of these days."""

    key = "error.delegation_overlaps"


async def running_for_approver(
    uow: UnitOfWork, approver_nip: str, day: dt.date
) -> Delegation | None:
    """The approver's delegation in force on DAY, if any."""
    for delegation in await uow.delegations.list_for(approver_nip):
        if delegation.approver_nip == approver_nip and delegation.runs_on(day):
            return delegation
    return None


async def chats_deciding_for(
    uow: UnitOfWork, approver_nip: str, today: dt.date
) -> list[tuple[int, str]]:
    """(chat id, viewer NIP) that receive APPROVER_NIP's cards and digests on TODAY: the
    delegate's chats while a delegation runs, else the approver's own."""
    running = await running_for_approver(uow, approver_nip, today)
    nip = running.delegate_nip if running is not None else approver_nip
    return [(chat_id, nip) for chat_id, _language in await chats_of(uow, nip)]


async def principals_of(uow: UnitOfWork, nip: str, today: dt.date) -> list[str]:
    """NIP itself, then every approver whose delegation to NIP runs on TODAY."""
    found = [nip]
    for delegation in await uow.delegations.list_for(nip):
        if (
            delegation.delegate_nip == nip
            and delegation.runs_on(today)
            and delegation.approver_nip not in found
        ):
            found.append(delegation.approver_nip)
    return found


async def _may_stand_in(uow: UnitOfWork, approver_nip: str, delegate_nip: str) -> bool:
    delegate = await uow.employees.get(delegate_nip)
    if delegate is None or delegate_nip == approver_nip:
        return False
    if not await chats_of(uow, delegate_nip):
        return False
    home = await uow.units.get(delegate.unit_code)
    grants = [g for g in await uow.roles.list_for(approver_nip) if g.role == Role.APPROVER]
    if not grants:
        return False
    for grant in grants:
        if grant.scope_kind == ScopeKind.ALL:
            continue
        if grant.scope_kind == ScopeKind.OPD:
            opd = grant.scope_value
        else:
            unit = await uow.units.get(grant.scope_value or "")
            opd = unit.opd if unit else None
        if home is None or home.opd != opd:
            return False
    return True


async def create_delegation(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    zone: dt.tzinfo,
    *,
    approver_nip: str,
    delegate_nip: str,
    first_day: dt.date,
    last_day: dt.date,
) -> Delegation:
    """/wakil: record a delegation; tell both people now if it starts today.

    Raises DelegationDates (past, reversed, longer than MAX_DAYS), NotFound (no such
    employee), NotADelegate, DelegationOverlaps."""
    now = clock.now()
    today = now.astimezone(zone).date()
    if first_day < today or last_day < first_day or (last_day - first_day).days + 1 > MAX_DAYS:
        raise DelegationDates("dates", days=MAX_DAYS)
    async with uow_factory() as uow:
        if await uow.employees.get(delegate_nip) is None:
            raise NotFound(nip=delegate_nip)
        if not await _may_stand_in(uow, approver_nip, delegate_nip):
            raise NotADelegate(nip=delegate_nip)
        for other in await uow.delegations.list_for(approver_nip):
            if (
                other.approver_nip == approver_nip
                and other.ended_at is None
                and other.first_day <= last_day
                and first_day <= other.last_day
            ):
                raise DelegationOverlaps(
                    first=other.first_day.isoformat(), last=other.last_day.isoformat()
                )
        stored = await uow.delegations.add(
            Delegation(None, approver_nip, delegate_nip, first_day, last_day, now)
        )
        await uow.audit.add(
            AuditEvent(
                approver_nip,
                "delegation.create",
                f"delegation:{stored.id}",
                now,
                None,
                {
                    "delegate": delegate_nip,
                    "first_day": first_day.isoformat(),
                    "last_day": last_day.isoformat(),
                },
            )
        )
        await _announce(uow, stored, today, now)
        await uow.commit()
    return stored


async def end_delegation(
    uow_factory: UnitOfWorkFactory, clock: Clock, zone: dt.tzinfo, *, approver_nip: str
) -> Delegation | None:
    """/wakil selesai: end the approver's running or coming delegation now (None: there was
    none); both people are told."""
    now = clock.now()
    today = now.astimezone(zone).date()
    async with uow_factory() as uow:
        current = [
            d
            for d in await uow.delegations.list_for(approver_nip)
            if d.approver_nip == approver_nip and not d.over_by(today)
        ]
        if not current:
            return None
        ended = dataclasses.replace(current[0], ended_at=now)
        await uow.delegations.update(ended)
        await uow.audit.add(
            AuditEvent(approver_nip, "delegation.end", f"delegation:{ended.id}", now, None, {})
        )
        await _announce(uow, ended, today, now)
        await uow.commit()
    return ended


async def _announce(
    uow: UnitOfWork, delegation: Delegation, today: dt.date, now: dt.datetime
) -> int:
    """Queue the start or end notices that are due on TODAY (each once); returns how many."""
    event: Literal["start", "end"]
    if delegation.over_by(today):
        event = "end"
    elif delegation.runs_on(today):
        event = "start"
    else:
        return 0
    approver = await uow.employees.get(delegation.approver_nip)
    delegate = await uow.employees.get(delegation.delegate_nip)
    queued = 0
    people: tuple[tuple[Literal["approver", "delegate"], str], ...] = (
        ("approver", delegation.approver_nip),
        ("delegate", delegation.delegate_nip),
    )
    for role, nip in people:
        for chat_id, _language in await chats_of(uow, nip):
            message = await enqueue(
                uow,
                chat_id,
                DelegationNotice(
                    event=event,
                    to=role,
                    approver=approver.name if approver else delegation.approver_nip,
                    delegate=delegate.name if delegate else delegation.delegate_nip,
                    first_day=delegation.first_day,
                    last_day=delegation.last_day,
                ),
                now=now,
                dedupe_key=f"delegation:{delegation.id}:{event}:{chat_id}",
                once=True,
            )
            queued += message is not None
    return queued


async def announce_delegations(
    uow_factory: UnitOfWorkFactory, clock: Clock, zone: dt.tzinfo
) -> int:
    """The daily chore: tell both people of every delegation that started or ended by today
    (once each); returns how many notices were queued."""
    now = clock.now()
    today = now.astimezone(zone).date()
    queued = 0
    async with uow_factory() as uow:
        for delegation in await uow.delegations.list_all():
            if delegation.over_by(today - dt.timedelta(days=7)):
                continue  # long over: told already, or the bot was down for a week
            queued += await _announce(uow, delegation, today, now)
        await uow.commit()
    return queued
