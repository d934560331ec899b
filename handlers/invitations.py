"""/undang (admin): one-time invitation links for a unit (or every unit) as a CSV document."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from core.domain import Role, Unit
from core.domain.access import OutOfScope
from core.usecases.dialogue import DialogueState, InvitationAnswers
from core.usecases.invitations import invitations_csv, issue_invitations
from core.views.scopes import InvitationScope, invitation_scope
from handlers.access import StaleButton, Turn, handler, show
from handlers.keyboards import button, unit_keyboard

FEATURE = InvitationAnswers.FLOW
PER_PAGE = 8


async def _scope(turn: Turn, matching: str = "") -> InvitationScope:
    """Where the caller may invite (core.views.scopes), the units MATCHING a typed text when
    given."""
    async with turn.context.uow() as uow:
        return await invitation_scope(uow, turn.me, matching=matching)


def _keyboard(turn: Turn, scope: InvitationScope, page: int) -> InlineKeyboardMarkup:
    extra = [[button(turn.t("invite.all_units"), FEATURE, "all")]] if scope.everywhere else []
    return unit_keyboard(
        turn.t, list(scope.units), feature=FEATURE, page=page, per_page=PER_PAGE, extra_rows=extra
    )


@handler(role=Role.ADMIN)
async def start_invite(turn: Turn) -> None:
    """`/undang CODE` issues at once; plain `/undang` lists the admin's units (paged)."""
    scope = await _scope(turn)
    units = scope.units
    if turn.command_args:
        code = turn.command_args[0].strip()
        match = [u for u in units if u.code.lower() == code.lower()]
        if not match:
            raise OutOfScope(unit=code)
        await _issue(turn, match[0])
        return
    if not units:
        raise OutOfScope()
    state = await turn.start_dialogue(
        InvitationAnswers(results=tuple(u.code for u in units)), "unit"
    )
    await turn.show_list(state, turn.t("invite.ask_unit"), _keyboard(turn, scope, 0))


@handler(role=Role.ADMIN)
async def on_press(turn: Turn) -> None:
    """Pick a unit, page, or every unit (admins scoped to all only)."""
    press = turn.press
    state = await turn.dialogue_in(FEATURE, "unit")
    if press is None:
        raise StaleButton()
    scope = await _scope(turn)
    if press.action == "page":
        await show(turn, turn.t("invite.ask_unit"), _keyboard(turn, scope, press.int_arg(0) or 0))
        return
    if press.action == "all":
        if not scope.everywhere:
            raise OutOfScope()
        await turn.end_dialogue()
        await _issue(turn, None)
        return
    codes = state.answers_as(InvitationAnswers).results
    index = press.int_arg(0)
    if press.action != "unit" or index is None or index >= len(codes):
        raise StaleButton()
    chosen = [u for u in scope.units if u.code == codes[index]]
    if not chosen:
        raise OutOfScope(unit=codes[index])
    await turn.end_dialogue()
    await _issue(turn, chosen[0])


async def _issue(turn: Turn, unit: Unit | None) -> None:
    services = turn.context.services
    async with turn.context.uow() as uow:
        issued = await issue_invitations(
            uow,
            unit_code=unit.code if unit else None,
            actor=turn.me.nip,
            now=turn.context.now(),
            valid_days=services.rules.invitation_days,
        )
    if not issued:
        await turn.say_key("invite.none")
        return
    data = invitations_csv(issued, services.bot_username, services.rules.zone).encode("utf-8")
    name = f"undangan-{unit.code if unit else 'semua'}.csv"
    await turn.send_file(
        data,
        name,
        caption=turn.t("invite.caption", count=len(issued))
        + " "
        + turn.t("invite.valid", count=services.rules.invitation_days),
    )


async def on_text(turn: Turn, state: DialogueState, text: str) -> None:
    """Typed part of a unit's name: the matching units of the admin's scope."""
    needle = text.strip().lower()
    scope = await _scope(turn, needle)
    if not needle or not scope.units:
        await turn.say_key("aspiration.no_match", text=escape(text.strip()[:60]))
        return
    state = await turn.advance(
        state, "unit", InvitationAnswers(results=tuple(u.code for u in scope.units))
    )
    await turn.show_list(state, turn.t("invite.ask_unit"), _keyboard(turn, scope, 0))
