"""Opening an invitation answers with the registrant as a caller: account, employee and grants."""

from __future__ import annotations

from core.domain import Role, RoleGrant, ScopeKind
from core.ports import UnitOfWorkFactory
from core.usecases.invitations import issue_invitations
from core.usecases.registration import register_with_invitation
from tests.integration.sample_data import NOW, NURSE, SAMPLE


async def test_the_registrant_comes_back_with_their_grants_once_bound_and_again(
    uow_factory: UnitOfWorkFactory,
) -> None:
    head = RoleGrant(NURSE.nip, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-A")
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.roles.grant(head)
        await uow.commit()
    async with uow_factory() as uow:
        issued = await issue_invitations(
            uow, unit_code="PKM-A", caller=None, actor="admin", now=NOW, valid_days=14
        )
    code = next(i.code for i in issued if i.nip == NURSE.nip)

    outcomes = []
    for _ in range(2):  # the second time the account is already bound to her
        async with uow_factory() as uow:
            outcomes.append(
                await register_with_invitation(
                    uow, code=code, telegram_user_id=701, chat_id=702, language="en", now=NOW
                )
            )
    assert [o.newly_bound for o in outcomes] == [True, False]
    for outcome in outcomes:
        caller = outcome.caller
        assert (caller.nip, caller.employee.name) == (NURSE.nip, NURSE.name)
        assert (caller.account.telegram_user_id, caller.account.chat_id) == (701, 702)
        assert caller.account.language == "en"
        assert caller.grants == (head,)
        assert caller.roles == frozenset({Role.ASN, Role.SUPERVISOR})
