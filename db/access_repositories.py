"""Repositories for who may do what: role grants, Telegram accounts and invitations. They never
commit; the unit of work does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from core.domain import Invitation, Role, RoleGrant, ScopeKind, TelegramAccount
from core.domain.errors import Conflict
from db.mapping import column_values, from_row
from db.repositories import SqlRepository
from db.rows import InvitationRow, RoleGrantRow, TelegramAccountRow
from db.statements import insert_new_rows, insert_unless_taken, upsert_rows

# ----------------------------------------------------------------------------- roles


def grant_from_row(row: RoleGrantRow) -> RoleGrant:
    """The domain value of a role grant row ('' scope means none)."""
    return from_row(
        RoleGrant,
        row,
        role=Role(row.role),
        scope_kind=ScopeKind(row.scope_kind),
        scope_value=row.scope_value or None,
    )


class SqlRoleRepository(SqlRepository):
    """core.ports.RoleRepository over `role_grants`."""

    async def list_for(self, nip: str) -> Sequence[RoleGrant]:
        """Every grant an employee holds."""
        return await self._list_where(
            grant_from_row, RoleGrantRow, RoleGrantRow.nip == nip, RoleGrantRow.id
        )

    async def list_by_role(self, role: str) -> Sequence[RoleGrant]:
        """Every grant of one role."""
        return await self._list_where(
            grant_from_row, RoleGrantRow, RoleGrantRow.role == str(role), RoleGrantRow.id
        )

    async def grant(self, grant: RoleGrant) -> bool:
        """Store the grant; False if it was already held."""
        return await insert_unless_taken(
            self.session,
            RoleGrantRow,
            _grant_values(grant),
        )

    async def grant_many(self, grants: Sequence[RoleGrant]) -> int:
        """Store every grant not already held; returns how many were new."""
        rows = [_grant_values(grant) for grant in grants]
        return await insert_new_rows(self.session, RoleGrantRow.__table__, rows, "id")

    async def revoke(self, grant: RoleGrant) -> bool:
        """Remove the grant; False if it was not held."""
        result = await self.session.execute(
            delete(RoleGrantRow).where(
                RoleGrantRow.nip == grant.nip,
                RoleGrantRow.role == grant.role.value,
                RoleGrantRow.scope_kind == grant.scope_kind.value,
                RoleGrantRow.scope_value == (grant.scope_value or ""),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _grant_values(grant: RoleGrant) -> dict[str, Any]:
    """A grant's columns ('' scope means none: a NULL would not be unique)."""
    return column_values(grant, scope_value=grant.scope_value or "")


# -------------------------------------------------------------------------- accounts


def account_from_row(row: TelegramAccountRow) -> TelegramAccount:
    """The domain value of a Telegram account row."""
    return from_row(TelegramAccount, row)


class SqlAccountRepository(SqlRepository):
    """core.ports.AccountRepository over `telegram_accounts`."""

    async def get_by_telegram(self, telegram_user_id: int) -> TelegramAccount | None:
        """The account of one Telegram user."""
        return await self._first_where(
            account_from_row,
            TelegramAccountRow,
            TelegramAccountRow.telegram_user_id == telegram_user_id,
        )

    async def list_for_nip(self, nip: str) -> Sequence[TelegramAccount]:
        """The Telegram accounts bound to one employee."""
        return await self._list_where(
            account_from_row,
            TelegramAccountRow,
            TelegramAccountRow.nip == nip,
            TelegramAccountRow.telegram_user_id,
        )

    async def list_for_chat(self, chat_id: int) -> Sequence[TelegramAccount]:
        """Accounts reached through `chat_id` (their chat id, or their user id if none)."""
        rows = await self._all(
            select(TelegramAccountRow)
            .where(
                or_(
                    TelegramAccountRow.chat_id == chat_id,
                    and_(
                        TelegramAccountRow.chat_id.is_(None),
                        TelegramAccountRow.telegram_user_id == chat_id,
                    ),
                )
            )
            .order_by(TelegramAccountRow.telegram_user_id)
        )
        return [account_from_row(r) for r in rows]

    async def save(self, account: TelegramAccount) -> None:
        """Insert the account or replace the stored one for the same Telegram user."""
        await upsert_rows(
            self.session,
            TelegramAccountRow.__table__,
            [column_values(account, skip=())],
            ("telegram_user_id",),
        )


# ----------------------------------------------------------------------- invitations


def invitation_from_row(row: InvitationRow) -> Invitation:
    """The domain value of an invitation row."""
    return from_row(Invitation, row)


class SqlInvitationRepository(SqlRepository):
    """core.ports.InvitationRepository over `invitations` (code hash unique)."""

    async def get(self, code_hash: str) -> Invitation | None:
        """The invitation with this code hash."""
        return await self._first_where(
            invitation_from_row, InvitationRow, InvitationRow.code_hash == code_hash
        )

    async def add(self, invitation: Invitation) -> None:
        """Store a new invitation; Conflict if the code hash is already taken."""
        inserted = await insert_unless_taken(
            self.session,
            InvitationRow,
            column_values(invitation),
        )
        if not inserted:
            raise Conflict("invitation code already exists", table="invitations")

    async def mark_used(self, code_hash: str, telegram_user_id: int, at: dt.datetime) -> bool:
        """Use the invitation once: False if it is unknown or was already used."""
        result = await self.session.execute(
            update(InvitationRow)
            .where(InvitationRow.code_hash == code_hash, InvitationRow.used_at.is_(None))
            .values(used_at=at, used_by_telegram_id=telegram_user_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def expire_unused(self, nips: Sequence[str], at: dt.datetime) -> list[str]:
        """End every unused, still valid code of these employees now, marking it replaced;
        the NIPs whose codes were ended (sorted, each once)."""
        ended: set[str] = set()
        for start in range(0, len(nips), 900):  # under SQLite's parameter limit
            live = (
                InvitationRow.nip.in_(list(nips[start : start + 900])),
                InvitationRow.used_at.is_(None),
                InvitationRow.expires_at > at,
            )
            ended.update(
                (await self.session.execute(select(InvitationRow.nip).where(*live))).scalars()
            )
            await self.session.execute(
                update(InvitationRow)
                .where(*live)
                .values(expires_at=at, replaced_at=at)
                .execution_options(synchronize_session=False)
            )
        return sorted(ended)
