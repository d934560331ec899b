"""Issuing new links replaces the unused old ones: one live code per person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from core.ports import UnitOfWorkFactory
from core.usecases.invitations import hash_invitation_code, issue_invitations
from core.usecases.registration import (
    InvitationExpired,
    InvitationReplaced,
    register_with_invitation,
)
from tests.integration.sample_data import NOW, NURSE, SAMPLE


def codes(*values: str) -> Iterator[str]:
    yield from values


async def test_a_reissued_link_ends_the_unused_old_one_and_only_the_new_one_binds(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.commit()
    first_codes = codes("oldcode-1", "oldcode-2", "oldcode-3", "oldcode-4")
    async with uow_factory() as uow:
        first = await issue_invitations(
            uow,
            unit_code="PKM-A",
            caller=None,
            actor="admin",
            now=NOW,
            valid_days=14,
            make_code=lambda: next(first_codes),
        )
    old = next(i.code for i in first if i.nip == NURSE.nip)
    later = NOW + dt.timedelta(days=1)
    second_codes = codes("newcode-1", "newcode-2", "newcode-3", "newcode-4")
    async with uow_factory() as uow:
        second = await issue_invitations(
            uow,
            unit_code="PKM-A",
            caller=None,
            actor="admin",
            now=later,
            valid_days=14,
            make_code=lambda: next(second_codes),
        )
    new = next(i.code for i in second if i.nip == NURSE.nip)

    async with uow_factory() as uow:
        stored = await uow.invitations.get(hash_invitation_code(old))
        assert stored is not None and stored.expires_at == later and stored.used_at is None
    with pytest.raises(InvitationReplaced):
        async with uow_factory() as uow:
            await register_with_invitation(
                uow,
                code=old,
                telegram_user_id=501,
                chat_id=501,
                language="id",
                now=later + dt.timedelta(minutes=5),
            )
    async with uow_factory() as uow:
        done = await register_with_invitation(
            uow,
            code=new,
            telegram_user_id=502,
            chat_id=502,
            language="id",
            now=later + dt.timedelta(minutes=6),
        )
    assert done.caller.account.nip == NURSE.nip and done.newly_bound
    async with uow_factory() as uow:
        assert [a.telegram_user_id for a in await uow.accounts.list_for_nip(NURSE.nip)] == [502]
        # A used code is history, not a live code: issuing again leaves it as it was.
        assert await uow.invitations.expire_unused([NURSE.nip], later + dt.timedelta(days=2)) == []
        used = await uow.invitations.get(hash_invitation_code(new))
        assert used is not None and used.expires_at == later + dt.timedelta(days=14)


async def test_a_link_that_ran_out_says_expired_and_a_replaced_one_says_replaced(
    uow_factory: UnitOfWorkFactory,
) -> None:
    from handlers.i18n import translator

    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.commit()
    first_codes = codes("runout-1", "runout-2", "runout-3", "runout-4")
    async with uow_factory() as uow:
        first = await issue_invitations(
            uow, unit_code="PKM-A", caller=None, actor="admin", now=NOW, valid_days=1,
            make_code=lambda: next(first_codes),
        )  # fmt: skip
    old = next(i.code for i in first if i.nip == NURSE.nip)
    with pytest.raises(InvitationExpired) as ran_out:
        async with uow_factory() as uow:
            await register_with_invitation(
                uow, code=old, telegram_user_id=601, chat_id=601, language="id",
                now=NOW + dt.timedelta(days=2),
            )  # fmt: skip
    assert type(ran_out.value) is InvitationExpired
    t = translator("id")
    assert "kedaluwarsa" in t(ran_out.value.key)
    replaced = t(InvitationReplaced.key)
    assert "diganti" in replaced and "kedaluwarsa" not in replaced
    assert "replaced" in translator("en")(InvitationReplaced.key)
