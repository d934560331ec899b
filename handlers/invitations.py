"""/undang (admin): one-time invitation links for a unit (or every unit) as a CSV document."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from core.domain import Role, ScopeKind, Unit
from core.domain.access import OutOfScope
from core.usecases.dialogue import DialogueState, InvitationAnswers
from core.usecases.invitations import invitations_csv, issue_invitations
from core.views.scopes import units_in_role
from handlers.access import StaleButton, Turn, handler, show
from handlers.keyboards import button, unit_keyboard

FEATURE = InvitationAnswers.FLOW
PER_PAGE = 8


def _admin_everywhere(turn: Turn) -> bool:
    return any(g.role == Role.ADMIN and g.scope_kind == ScopeKind.ALL for g in turn.me.grants)


async def _units(turn: Turn, matching: str = "") -> list[Unit]:
    """The units the caller may invite into (core.views.scopes), those MATCHING a typed text
    when given."""
    async with turn.context.uow() as uow:
        return list(await units_in_role(uow, turn.me, Role.ADMIN, matching=matching))


def _keyboard(turn: Turn, units: list[Unit], page: int) -> InlineKeyboardMarkup:
    extra = (
        [[button(turn.t("invite.all_units"), FEATURE, "all")]] if _admin_everywhere(turn) else []
    )
    return unit_keyboard(
        turn.t, units, feature=FEATURE, page=page, per_page=PER_PAGE, extra_rows=extra
    )


@handler(role=Role.ADMIN)
async def start_invite(turn: Turn) -> None:
    """`/undang CODE` issues at once; plain `/undang` lists the admin's units (paged)."""
    units = await _units(turn)
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
    await turn.show_list(state, turn.t("invite.ask_unit"), _keyboard(turn, units, 0))


@handler(role=Role.ADMIN)
async def on_press(turn: Turn) -> None:
    """Pick a unit, page, or every unit (admins scoped to all only)."""
    press = turn.press
    state = await turn.dialogue_in(FEATURE, "unit")
    if press is None:
        raise StaleButton()
    units = await _units(turn)
    if press.action == "page":
        await show(turn, turn.t("invite.ask_unit"), _keyboard(turn, units, press.int_arg(0) or 0))
        return
    if press.action == "all":
        if not _admin_everywhere(turn):
            raise OutOfScope()
        await turn.end_dialogue()
        await _issue(turn, None)
        return
    codes = state.answers_as(InvitationAnswers).results
    index = press.int_arg(0)
    if press.action != "unit" or index is None or index >= len(codes):
        raise StaleButton()
    chosen = [u for u in units if u.code == codes[index]]
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
    units = await _units(turn, needle)
    if not needle or not units:
        await turn.say_key("aspiration.no_match", text=escape(text.strip()[:60]))
        return
    state = await turn.advance(
        state, "unit", InvitationAnswers(results=tuple(u.code for u in units))
    )
    await turn.show_list(state, turn.t("invite.ask_unit"), _keyboard(turn, units, 0))
