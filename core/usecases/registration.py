"""Binding a Telegram account to an employee with a one-time invitation (flow 1)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from core.domain import AuditEvent, TelegramAccount
from core.domain.access import Caller, caller_of
from core.domain.errors import DomainError, StaleAction
from core.ports import UnitOfWork
from core.usecases.invitations import hash_invitation_code


class InvitationUnknown(DomainError):
    """No invitation has this code."""

    key = "error.invitation_unknown"


class InvitationUsed(StaleAction):
    """The invitation was already used."""

    key = "error.invitation_used"


class InvitationExpired(StaleAction):
    """The invitation is past its expiry."""

    key = "error.invitation_expired"


class InvitationReplaced(InvitationExpired):
    """A newer link for the same person ended this one before it was used."""

    key = "error.invitation_replaced"


class SecondAccountNeedsAdmin(DomainError):
    """The employee already has a Telegram account; only an admin may bind another."""

    key = "error.second_account"


class AlreadyRegisteredElsewhere(DomainError):
    """This Telegram account is already bound to a different employee."""

    key = "error.already_registered_other"


@dataclass(frozen=True, slots=True)
class Registration:
    """The outcome of opening an invitation: the person now acting through the account (their
    account, employee record and grants), and whether this call bound it (False: it was already
    bound to them)."""

    caller: Caller
    newly_bound: bool


class TooManyInvitationAttempts(DomainError):
    """More invitation codes typed from one account in an hour than the agency allows."""

    key = "error.invitation_throttled"


async def note_invitation_attempt(
    uow: UnitOfWork, *, telegram_user_id: int, now: dt.datetime, per_hour: int
) -> None:
    """Count one typed code for this account and commit; TooManyInvitationAttempts (nothing
    counted) when PER_HOUR codes were already typed in the last hour. Guessing a 96-bit code is
    hopeless anyway; this keeps it cheap."""
    since = now - dt.timedelta(hours=1)
    if await uow.invitation_attempts.count_since(telegram_user_id, since) >= per_hour:
        oldest = await uow.invitation_attempts.oldest_since(telegram_user_id, since) or now
        wait = oldest + dt.timedelta(hours=1) - now
        raise TooManyInvitationAttempts(minutes=max(1, math.ceil(wait.total_seconds() / 60)))
    await uow.invitation_attempts.add(telegram_user_id, now)
    await uow.commit()


async def register_with_invitation(
    uow: UnitOfWork,
    *,
    code: str,
    telegram_user_id: int,
    chat_id: int,
    language: str,
    now: dt.datetime,
) -> Registration:
    """Bind TELEGRAM_USER_ID to the invited employee, spending the code; commits. Returns the
    registrant as a `Caller` (with their grants, read after the commit)."""
    invitation = await uow.invitations.get(hash_invitation_code(code))
    if invitation is None:
        raise InvitationUnknown()
    existing = await uow.accounts.get_by_telegram(telegram_user_id)
    if existing is not None and not existing.blocked:
        if existing.nip != invitation.nip:
            raise AlreadyRegisteredElsewhere()
        return Registration(await _acting_through(uow, existing), newly_bound=False)
    if invitation.used_at is not None:
        raise InvitationUsed(used_at=invitation.used_at)
    if now >= invitation.expires_at:
        if invitation.replaced_at is not None:
            raise InvitationReplaced(replaced_at=invitation.replaced_at)
        raise InvitationExpired(expires_at=invitation.expires_at)
    employee = await uow.employees.get(invitation.nip)
    if employee is None:
        raise InvitationUnknown()
    others = [a for a in await uow.accounts.list_for_nip(invitation.nip) if not a.blocked]
    if others:
        raise SecondAccountNeedsAdmin()
    if not await uow.invitations.mark_used(invitation.code_hash, telegram_user_id, now):
        raise InvitationUsed(used_at=now)
    account = TelegramAccount(telegram_user_id, employee.nip, language=language, chat_id=chat_id)
    await uow.accounts.save(account)
    await uow.audit.add(
        AuditEvent(
            actor=employee.nip,
            action="account.bind",
            subject=f"employee:{employee.nip}",
            at=now,
            before=None,
            after={"telegram_user_id": telegram_user_id, "language": language},
        )
    )
    await uow.commit()
    return Registration(await _acting_through(uow, account), newly_bound=True)


async def _acting_through(uow: UnitOfWork, account: TelegramAccount) -> Caller:
    """The registrant acting through ACCOUNT; InvitationUnknown when their employee record is
    gone."""
    caller = await caller_of(uow, account)
    if caller is None:
        raise InvitationUnknown()
    return caller


async def unbind_accounts(uow: UnitOfWork, *, nip: str, actor: str, now: dt.datetime) -> int:
    """Block every Telegram account of NIP so a new invitation may bind another; commits."""
    count = 0
    for account in await uow.accounts.list_for_nip(nip):
        if account.blocked:
            continue
        await uow.accounts.save(
            TelegramAccount(
                account.telegram_user_id, account.nip, account.language, account.chat_id, True
            )
        )
        count += 1
    await uow.audit.add(
        AuditEvent(actor, "account.unbind", f"employee:{nip}", now, None, {"blocked": count})
    )
    await uow.commit()
    return count


async def set_language(
    uow: UnitOfWork, *, telegram_user_id: int, language: str, now: dt.datetime
) -> TelegramAccount | None:
    """Store the account's language; None when the user is not registered; commits."""
    account = await uow.accounts.get_by_telegram(telegram_user_id)
    if account is None:
        return None
    if account.language == language:
        return account
    updated = TelegramAccount(
        account.telegram_user_id, account.nip, language, account.chat_id, account.blocked
    )
    await uow.accounts.save(updated)
    await uow.audit.add(
        AuditEvent(
            account.nip,
            "account.language",
            f"employee:{account.nip}",
            now,
            {"language": account.language},
            {"language": language},
        )
    )
    await uow.commit()
    return updated
