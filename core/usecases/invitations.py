"""One-time invitation codes (flow 1): random, single-use, expiring, stored only as a hash."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.domain import AuditEvent, Employee, Invitation, Role, ScopeKind
from core.domain.access import Caller, OutOfScope, require_role
from core.domain.errors import InvalidInput, NotFound
from core.ports import UnitOfWork

CODE_BYTES = 12  # 16 URL-safe characters, 96 random bits; fits Telegram's 64-char start payload


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """A freshly issued code for one employee; the plain code exists only in this value."""

    nip: str
    name: str
    unit_code: str
    code: str
    expires_at: dt.datetime


def new_invitation_code() -> str:
    """A random code that carries no personal data (URL-safe, usable in a t.me start link)."""
    return secrets.token_urlsafe(CODE_BYTES)


def hash_invitation_code(code: str) -> str:
    """The stored form of a code: its SHA-256 hex digest."""
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def invitation_link(bot_username: str, code: str) -> str:
    """The deep link that opens the bot with the code as /start payload."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


@dataclass(frozen=True, slots=True)
class InvitationBatch:
    """What one issue did: the new codes, and whose unused older links they replaced."""

    issued: list[IssuedInvitation]
    replaced_nips: list[str]


async def issue_invitations(
    uow: UnitOfWork,
    *,
    unit_code: str | None,
    caller: Caller | None,
    actor: str,
    now: dt.datetime,
    valid_days: int,
    make_code: Callable[[], str] = new_invitation_code,
) -> list[IssuedInvitation]:
    """Issue one code per employee of UNIT_CODE (or of every unit when None) on behalf of
    CALLER (None: the operator); commits. Raises like `issue_invitation_batch`."""
    batch = await issue_invitation_batch(
        uow,
        unit_code=unit_code,
        caller=caller,
        actor=actor,
        now=now,
        valid_days=valid_days,
        make_code=make_code,
    )
    return batch.issued


async def issue_invitation_batch(
    uow: UnitOfWork,
    *,
    unit_code: str | None = None,
    nip: str | None = None,
    caller: Caller | None,
    actor: str,
    now: dt.datetime,
    valid_days: int,
    make_code: Callable[[], str] = new_invitation_code,
) -> InvitationBatch:
    """Issue one code for NIP, or per employee of UNIT_CODE, or of every unit when both are
    None; unused older links of the same people end as replaced. Commits.

    CALLER is the admin asking through Telegram, or None for the operator of the server (the
    `mutasi invite` command: whoever runs it already holds the database). A caller is refused,
    before anything is issued or stored, with RoleRequired when they are no admin, and with
    OutOfScope for a unit, or a NIP working in a unit, outside their admin grants (an unknown
    unit or NIP too: they learn nothing of it), and for every unit unless a grant covers all.

    Raises, for the operator, NotFound(nip=…) or NotFound(unit=…) for an unknown person or
    unit; and InvalidInput(field="valid_days") when VALID_DAYS < 1.
    """
    if valid_days < 1:
        raise InvalidInput(field="valid_days")
    if caller is not None:
        require_role(caller, Role.ADMIN)
    employees: Sequence[Employee]
    if nip is not None:
        person = await uow.employees.get(nip)
        if caller is not None:
            await _require_admin_over(uow, caller, person.unit_code if person else None, nip=nip)
        if person is None:
            raise NotFound(nip=nip)
        employees = [person]
    elif unit_code is None:
        if caller is not None and not admin_everywhere(caller):
            raise OutOfScope()
        employees = await uow.employees.list()
    else:
        if caller is not None:
            await _require_admin_over(uow, caller, unit_code, unit=unit_code)
        if await uow.units.get(unit_code) is None:
            raise NotFound(unit=unit_code)
        employees = await uow.employees.list_by_unit(unit_code)
    expires = now + dt.timedelta(days=valid_days)
    # A new link replaces the old ones: one live code per person, so no two phones can race
    # two codes to bind the same employee.
    replaced = await uow.invitations.expire_unused([e.nip for e in employees], now)
    issued: list[IssuedInvitation] = []
    for employee in sorted(employees, key=lambda e: (e.unit_code, e.name, e.nip)):
        code = make_code()
        await uow.invitations.add(
            Invitation(hash_invitation_code(code), employee.nip, now, expires, created_by=actor)
        )
        issued.append(
            IssuedInvitation(employee.nip, employee.name, employee.unit_code, code, expires)
        )
    subject = f"employee:{nip}" if nip else f"unit:{unit_code}" if unit_code else "unit:*"
    await uow.audit.add(
        AuditEvent(
            actor=actor,
            action="invitations.issue",
            subject=subject,
            at=now,
            before=None,
            after={
                "count": len(issued),
                "expires_at": expires.isoformat(),
                "replaced_unused": len(replaced),
            },
        )
    )
    await uow.commit()
    return InvitationBatch(issued, list(replaced))


def admin_everywhere(caller: Caller) -> bool:
    """Whether one of CALLER's admin grants covers every unit (the "every unit" button)."""
    return any(g.role == Role.ADMIN and g.scope_kind == ScopeKind.ALL for g in caller.grants)


async def _require_admin_over(
    uow: UnitOfWork, caller: Caller, unit_code: str | None, **refused: str
) -> None:
    """Raise OutOfScope(**REFUSED) unless CALLER is admin over UNIT_CODE (an unknown unit, or
    None, is outside every scope)."""
    unit = await uow.units.get(unit_code) if unit_code is not None else None
    if unit is None or not caller.may_act_on_unit(Role.ADMIN, unit):
        raise OutOfScope(**refused)


INVITATION_CSV_HEADER = ("nip", "nama", "kode_unit", "tautan", "berlaku_sampai")


def invitations_csv(
    issued: Sequence[IssuedInvitation],
    bot_username: str,
    zone: dt.tzinfo = dt.UTC,
    expiry_text: Callable[[dt.datetime], str] | None = None,
) -> str:
    """The CSV an admin hands out: one row per employee with their link and expiry (in ZONE,
    written by EXPIRY_TEXT, e.g. "14 Desember 2026 16.00 WIB"; ISO 8601 when None)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(INVITATION_CSV_HEADER)
    for item in issued:
        writer.writerow(
            [
                item.nip,
                item.name,
                item.unit_code,
                invitation_link(bot_username, item.code),
                expiry_text(item.expires_at.astimezone(zone))
                if expiry_text
                else item.expires_at.astimezone(zone).isoformat(timespec="minutes"),
            ]
        )
    return buffer.getvalue()
