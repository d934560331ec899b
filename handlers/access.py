"""The per-update frame every handler runs in: who is calling, in which language, with what role.

Write a handler as `async def f(turn: Turn) -> None` and wrap it with `@handler(role=...)`:
the wrapper loads the caller from the database on every update (commands, texts, documents and
button presses alike), refuses politely when the role or registration is missing, answers the
callback query, and turns a `DomainError` into its translated message.

On a button press, short answers ("already decided", a stale button, a refusal) are toasts: the
`answerCallbackQuery` text, not a new message in the chat. Answering is best effort: Telegram
refuses answers to presses older than about 15 seconds ("query is too old", as after a restart);
that failure is logged and the press is still carried out.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Concatenate, ParamSpec, TypeVar

from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from core.domain import Role
from core.domain.access import Caller, load_caller
from core.domain.errors import DomainError, MessageValue, StaleAction
from core.domain.values import Reading, format_reading
from core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from core.usecases.approval.chain import ApprovalRules
from core.usecases.dialogue import Answers, DialogueState
from handlers.context import BotContext
from handlers.i18n import Translator, normalise_language, translator
from handlers.keyboards import CallbackId, parse_callback_id

log = logging.getLogger(__name__)

#: A dialogue left alone this long is forgotten (its buttons then say they are stale).
DIALOGUE_TTL = dt.timedelta(days=2)

#: Telegram's limit for the text of an answerCallbackQuery (a toast); longer answers are sent
#: as messages instead.
TOAST_LIMIT = 200

HandlerFn = Callable[["Turn"], Awaitable[None]]
PtbCallback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


T = TypeVar("T")
P = ParamSpec("P")


class StaleButton(StaleAction):
    """A button from an earlier step (or a finished dialogue) was pressed."""

    key = "error.stale_button"


@dataclass(slots=True)
class Turn:
    """One update being handled: the caller (None if unregistered), their language, replies."""

    update: Update
    context: BotContext
    user_id: int
    chat_id: int
    t: Translator
    caller: Caller | None
    press: CallbackId | None = None
    answered: bool = False

    @property
    def me(self) -> Caller:
        """The registered caller (the `handler` wrapper guarantees it when a role is required)."""
        if self.caller is None:
            raise DomainError("caller required")
        return self.caller

    @property
    def text(self) -> str:
        """The text of the message being handled ('' for presses and documents)."""
        message = self.update.effective_message
        return (message.text or "") if message is not None and self.press is None else ""

    @property
    def command_args(self) -> list[str]:
        """Words after the command (`/start CODE` -> ["CODE"])."""
        return list(self.context.args or [])

    async def say(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> Message:
        """Send TEXT (HTML) to the caller's chat, with an optional inline keyboard."""
        return await self.context.bot.send_message(
            self.chat_id, text, parse_mode="HTML", reply_markup=keyboard
        )

    async def say_key(self, key: str, /, **values: MessageValue) -> Message:
        """Send the translation of KEY."""
        return await self.say(self.t(key, **values))

    async def answer(self, text: str | None = None) -> None:
        """Answer the press once (a toast when TEXT is given); failures are logged, not raised."""
        query = self.update.callback_query
        if query is None or self.answered:
            return
        self.answered = True
        try:
            await query.answer(text=text)
        except TelegramError as error:
            log.warning("could not answer a button press of user %s: %s", self.user_id, error)

    async def notify(self, text: str) -> None:
        """A short answer: a toast on a button press (if it fits and is not yet answered),
        otherwise a message."""
        pressed = self.update.callback_query is not None and not self.answered
        if pressed and len(text) <= TOAST_LIMIT:
            await self.answer(text)
        else:
            await self.say(text)

    async def replace(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message whose button was pressed (text and buttons); a new message when
        there is no pressed message or it can no longer be edited."""
        await show(self, text, keyboard)

    async def send_file(self, data: bytes, filename: str, caption: str | None = None) -> Message:
        """Send DATA as a document named FILENAME."""
        return await self.context.bot.send_document(
            self.chat_id, InputFile(data, filename=filename), caption=caption
        )

    async def show_list(
        self, state: DialogueState, text: str, keyboard: InlineKeyboardMarkup
    ) -> DialogueState:
        """Send a list of choices for the dialogue STATE and delete the list it showed before
        (a new search result replaces the old list; its buttons could only go stale). The
        new list's message id is kept in the dialogue (`list_message`)."""
        sent = await self.say(text, keyboard)
        previous = state.list_message
        if previous is not None and previous != sent.message_id:
            try:
                await self.context.bot.delete_message(self.chat_id, previous)
            except TelegramError as error:  # older than 48 h, or already gone
                log.info("could not delete the old list %s: %s", previous, error)
        moved = state.at(state.step, self.context.now(), list_message=sent.message_id)
        await self.context.dialogues.save(moved)
        return moved

    async def dialogue(self) -> DialogueState | None:
        """The caller's open dialogue, if any (one untouched for DIALOGUE_TTL is dropped)."""
        state = await self.context.dialogues.get(self.user_id)
        if state is None or state.updated_at is None:
            return state
        if self.context.now() - state.updated_at > DIALOGUE_TTL:
            await self.context.dialogues.clear(self.user_id)
            return None
        return state

    async def dialogue_in(self, flow: str, *steps: str) -> DialogueState:
        """The open dialogue of FLOW at one of STEPS (any step if none given); else StaleButton."""
        state = await self.dialogue()
        if state is None or state.flow != flow or (steps and state.step not in steps):
            raise StaleButton()
        return state

    async def start_dialogue(self, answers: Answers, step: str) -> DialogueState:
        """Open (or replace) the caller's dialogue of ANSWERS' flow at STEP."""
        state = DialogueState(self.user_id, step, answers, self.context.now())
        await self.context.dialogues.save(state)
        return state

    async def advance(
        self, state: DialogueState, step: str, answers: Answers | None = None
    ) -> DialogueState:
        """Move the dialogue to STEP with ANSWERS (unchanged when None); survives a restart."""
        moved = state.at(step, self.context.now(), answers)
        await self.context.dialogues.save(moved)
        return moved

    async def end_dialogue(self) -> None:
        """Close the caller's dialogue."""
        await self.context.dialogues.clear(self.user_id)

    async def run_use_case(
        self,
        use_case: Callable[Concatenate[UnitOfWorkFactory, Clock, ApprovalRules, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run one of the cycle's use cases that take the unit-of-work factory, the clock and
        the approval rules first (core.usecases.approval, core.usecases.objections,
        core.usecases.effect, ...)."""
        context = self.context
        return await use_case(
            context.services.uow_factory, context.clock, context.rules.approval, *args, **kwargs
        )

    async def run_check(
        self,
        check: Callable[Concatenate[UnitOfWork, ApprovalRules, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run, in a unit of work of its own, one of the cycle's checks that take a unit of
        work and the approval rules first and write nothing (whether the caller may still
        decide or vote: `check_may_decide`, `check_may_vote`); their errors pass through."""
        async with self.context.uow() as uow:
            return await check(uow, self.context.rules.approval, *args, **kwargs)

    def pressed_option(self, options: Sequence[T]) -> T:
        """The one of OPTIONS the pressed button names by its index (its first argument);
        StaleButton when it names none of them (a keyboard from before the list changed)."""
        index = self.press.int_arg(0) if self.press is not None else None
        if index is None or not 0 <= index < len(options):
            raise StaleButton()
        return options[index]

    async def cancel_dialogue(self, flow: str) -> None:
        """A dialogue's own cancel button: close FLOW's dialogue and say so (StaleButton when
        the caller is no longer in FLOW)."""
        await self.dialogue_in(flow)
        await self.end_dialogue()
        await self.say_key("cancel.done")


async def open_turn(update: Update, context: BotContext) -> Turn | None:
    """Build the Turn for UPDATE: load the caller and pick the language; None if no user."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None:
        return None
    async with context.uow() as uow:
        caller = await load_caller(uow, user.id)
    language = (
        caller.account.language
        if caller is not None
        else normalise_language(user.language_code, context.rules.language)
    )
    press = parse_callback_id(update.callback_query.data) if update.callback_query else None
    chat_id = chat.id if chat is not None else user.id
    return Turn(update, context, user.id, chat_id, translator(language), caller, press)


def refusal_for(turn: Turn, role: Role | None) -> str | None:
    """The polite refusal when the caller may not use a handler that needs ROLE, else None."""
    if role is None:
        return None
    if turn.caller is None:
        return turn.t("error.not_registered")
    if not turn.caller.has_role(role):
        return turn.t("error.role_required", role=turn.t(f"role.{role.value}"))
    return None


def domain_message(turn: Turn, error: DomainError) -> str:
    """The translated, friendly text of a domain error."""
    values = {
        k: escape(v)
        if isinstance(v, str)
        else format_reading(v, turn.t.language)
        if isinstance(v, Reading)
        else v
        for k, v in error.values.items()
    }
    if isinstance(values.get("role"), str):
        values["role"] = turn.t(f"role.{values['role']}")
    try:
        return turn.t(error.key, **values)
    except (KeyError, IndexError, ValueError):
        return turn.t("error.domain")


def handler(*, role: Role | None = Role.ASN) -> Callable[[HandlerFn], PtbCallback]:
    """Wrap a Turn handler with the caller/role check (ROLE None: anyone, even unregistered)."""

    def wrap(fn: HandlerFn) -> PtbCallback:
        @functools.wraps(fn)
        async def run(update: Update, context: BotContext) -> None:
            turn = await open_turn(update, context)
            if turn is None:
                return
            try:
                chat = update.effective_chat
                if chat is not None and chat.type != ChatType.PRIVATE:
                    await turn.say(turn.t("dialogue.private_only"))
                    return
                refused = refusal_for(turn, role)
                if refused is not None:
                    log.info("refused %s for user %s", fn.__name__, turn.user_id)
                    await turn.notify(refused)
                    return
                try:
                    await fn(turn)
                except DomainError as error:
                    log.info("domain refusal %s in %s", error.key, fn.__name__)
                    await turn.notify(domain_message(turn, error))
            finally:
                await turn.answer()

        return run

    return wrap


async def show(turn: Turn, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message's text and buttons (paging); send a new message otherwise."""
    query = turn.update.callback_query
    message = query.message if query is not None else None
    if query is None or not isinstance(message, Message):
        await turn.say(text, keyboard)
        return
    try:
        if message.photo or message.document:
            await query.edit_message_caption(text, parse_mode="HTML", reply_markup=keyboard)
        else:
            await query.edit_message_text(text, parse_mode="HTML", reply_markup=keyboard)
    except BadRequest as error:
        lowered = str(error).lower()
        if "not modified" in lowered:  # the same page pressed twice: nothing to change
            return
        if "can't be edited" in lowered or "not found" in lowered:
            await turn.say(text, keyboard)
            return
        raise


#: What one button does: the turn, the press, and the number the press carries first.
PressAction = Callable[[Turn, CallbackId, int], Awaitable[None]]


class PressRouter:
    """A feature's buttons: the function of each action, registered with `on`, and `route`
    to run the one a press names."""

    def __init__(self) -> None:
        self._actions: dict[str, PressAction] = {}

    def on(self, *actions: str) -> Callable[[PressAction], PressAction]:
        """Register the decorated function for ACTIONS (each at most once per router)."""

        def register(action: PressAction) -> PressAction:
            for name in actions:
                if name in self._actions:
                    raise ValueError(f"press action {name!r} registered twice")
                self._actions[name] = action
            return action

        return register

    @property
    def actions(self) -> frozenset[str]:
        """The actions registered."""
        return frozenset(self._actions)

    async def route(self, turn: Turn, pressed: tuple[CallbackId, int] | None) -> None:
        """Run the function of the action PRESSED (a press and its first number, as a
        feature's check returns it) names; nothing when PRESSED is None (no press, or a
        refusal already said); raises StaleButton when it names no registered action (a
        button of an older version of the bot)."""
        if pressed is None:
            return
        press, target = pressed
        action = self._actions.get(press.action)
        if action is None:
            raise StaleButton()
        await action(turn, press, target)
