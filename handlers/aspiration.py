"""/aspirasi (flow 2): up to three ranked destinations, the work wished, reason, willingness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from html import escape

from telegram import InlineKeyboardMarkup

from core.domain import AspirationWish, ReasonCategory, Role, Unit
from core.domain.errors import InvalidInput
from core.usecases.aspirations import (
    MAX_CHOICES,
    WILLINGNESS_LEVELS,
    choice_problems,
    person_problems,
    submit_aspiration,
    withdraw_aspiration,
)
from core.usecases.dialogue import AspirationAnswers, DialogueState
from core.views.aspiration_units import (
    current_aspiration,
    unit_names,
    units_by_code,
    units_to_wish,
)
from handlers.access import StaleButton, Turn, handler, show
from handlers.formatting import aspiration_text, problems_block, unit_label
from handlers.keyboards import button, keyboard, unit_keyboard

FEATURE = AspirationAnswers.FLOW
PER_PAGE = 8
MAX_TEXT = 1000


@handler(role=Role.ASN)
async def start_aspiration(turn: Turn) -> None:
    """Show the current aspiration (change / withdraw), or start a new one."""
    async with turn.context.uow() as uow:
        current = await current_aspiration(uow, turn.me.nip)
    if current is not None:
        aspiration = current.aspiration
        assert aspiration.id is not None  # a stored aspiration (core.views.aspiration_units)
        await turn.say(
            turn.t("aspiration.current")
            + "\n\n"
            + aspiration_text(turn.t, aspiration, current.unit_names),
            keyboard(
                [button(turn.t("aspiration.change"), FEATURE, "new")],
                [button(turn.t("aspiration.withdraw"), FEATURE, "wd", aspiration.id)],
            ),
        )
        return
    await _begin(turn)


async def _begin(turn: Turn) -> None:
    async with turn.context.uow() as uow:
        problems = await person_problems(
            uow, turn.me.employee, turn.context.today(), turn.context.rules.eligibility
        )
    if problems:
        await turn.say(
            turn.t("aspiration.cannot_be_granted") + "\n" + problems_block(turn.t, problems)
        )
    state = await turn.start_dialogue(AspirationAnswers(), "choice")
    await _list_units(turn, state, query=None)


async def _candidates(turn: Turn, state: DialogueState, query: str | None) -> list[Unit]:
    async with turn.context.uow() as uow:
        return list(
            await units_to_wish(uow, turn.me.employee, query=query, chosen=_answers(state).choices)
        )


async def _list_units(turn: Turn, state: DialogueState, query: str | None) -> None:
    units = await _candidates(turn, state, query)
    if not units:
        await turn.say_key("aspiration.no_match", text=escape(query or ""))
        return
    answers = replace(_answers(state), results=tuple(u.code for u in units), page=0)
    state = await turn.advance(state, "choice", answers)
    await turn.show_list(state, _choice_prompt(turn, state), _results_keyboard(turn, state, units))


def _choice_prompt(turn: Turn, state: DialogueState) -> str:
    return turn.t("aspiration.ask_choice", rank=len(_answers(state).choices) + 1)


def _results_keyboard(turn: Turn, state: DialogueState, units: list[Unit]) -> InlineKeyboardMarkup:
    return unit_keyboard(
        turn.t,
        units,
        feature=FEATURE,
        page=_answers(state).page,
        pick_action="pick",
        per_page=PER_PAGE,
    )


def _answers(state: DialogueState) -> AspirationAnswers:
    return state.answers_as(AspirationAnswers)


async def _units_by_code(turn: Turn, codes: Sequence[str]) -> list[Unit]:
    async with turn.context.uow() as uow:
        return list(await units_by_code(uow, codes))


@handler(role=Role.ASN)
async def on_press(turn: Turn) -> None:
    """Every button of the aspiration dialogue; each checks the dialogue's step first."""
    press = turn.press
    if press is None:
        raise StaleButton()
    if press.action == "new":
        await _begin(turn)
    elif press.action == "wd":
        await _withdraw(turn, press.int_arg(0))
    elif press.action == "page":
        state = await turn.dialogue_in(FEATURE, "choice")
        page = press.int_arg(0) or 0
        state = await turn.advance(state, "choice", replace(_answers(state), page=page))
        units = await _units_by_code(turn, _answers(state).results)
        await show(turn, _choice_prompt(turn, state), _results_keyboard(turn, state, units))
    elif press.action == "pick":
        await _pick(turn, press.int_arg(0))
    elif press.action == "add":
        state = await turn.dialogue_in(FEATURE, "more")
        await _list_units(turn, await turn.advance(state, "choice"), query=None)
    elif press.action == "enough":
        await _ask_work(turn, await turn.dialogue_in(FEATURE, "more"))
    elif press.action == "worksame":
        state = await turn.dialogue_in(FEATURE, "work")
        same = replace(_answers(state), work=turn.me.employee.jabatan)
        await _ask_reason(turn, await turn.advance(state, "reason", same))
    elif press.action == "reason":
        await _reason(turn, press.arg(0))
    elif press.action == "skip":
        state = await turn.dialogue_in(FEATURE, "reason_text")
        skipped = replace(_answers(state), reason_text="")
        await _ask_willingness(turn, await turn.advance(state, "willing", skipped))
    elif press.action == "will":
        await _willing(turn, press.int_arg(0))
    elif press.action == "send":
        await _send(turn)
    elif press.action == "cancel":
        await turn.cancel_dialogue(FEATURE)
    else:
        raise StaleButton()


async def _withdraw(turn: Turn, aspiration_id: int | None) -> None:
    if aspiration_id is None:
        raise StaleButton()
    async with turn.context.uow() as uow:
        await withdraw_aspiration(
            uow, nip=turn.me.nip, aspiration_id=aspiration_id, now=turn.context.now()
        )
    await turn.end_dialogue()
    await turn.say_key("aspiration.withdrawn")


async def _pick(turn: Turn, index: int | None) -> None:
    state = await turn.dialogue_in(FEATURE, "choice")
    results = _answers(state).results
    if index is None or index >= len(results):
        raise StaleButton()
    code = results[index]
    choices = _answers(state).choices
    if code in choices or code == turn.me.employee.unit_code:
        raise StaleButton()
    async with turn.context.uow() as uow:
        problems = await choice_problems(uow, turn.me.employee, code)
        unit = next(iter(await units_by_code(uow, [code])), None)
    if problems or unit is None:
        await turn.say(
            turn.t("aspiration.choice_refused") + "\n" + problems_block(turn.t, problems)
        )
        return
    choices = (*choices, code)
    state = await turn.advance(
        state, "more", replace(_answers(state), choices=choices, results=(), page=0)
    )
    rank = len(choices)
    await turn.say_key("aspiration.choice_taken", rank=rank, unit=escape(unit_label(unit)))
    if rank >= MAX_CHOICES:
        await _ask_work(turn, state)
        return
    await turn.say(
        turn.t("aspiration.ask_more", rank=rank + 1),
        keyboard(
            [button(turn.t("aspiration.add_choice", rank=rank + 1), FEATURE, "add")],
            [button(turn.t("aspiration.enough"), FEATURE, "enough")],
        ),
    )


async def _ask_work(turn: Turn, state: DialogueState) -> None:
    await turn.advance(state, "work")
    await turn.say(
        turn.t("aspiration.ask_work"),
        keyboard(
            [
                button(
                    turn.t("aspiration.work_same", jabatan=turn.me.employee.jabatan)[:60],
                    FEATURE,
                    "worksame",
                )
            ]
        ),
    )


async def _ask_reason(turn: Turn, state: DialogueState) -> None:
    await turn.say(
        turn.t("aspiration.ask_reason"),
        keyboard(
            *[
                [button(turn.t(f"reason.{r.value}"), FEATURE, "reason", r.value)]
                for r in ReasonCategory
            ]
        ),
    )


async def _reason(turn: Turn, value: str | None) -> None:
    state = await turn.dialogue_in(FEATURE, "reason")
    if value not in {r.value for r in ReasonCategory}:
        raise StaleButton()
    await turn.advance(state, "reason_text", replace(_answers(state), reason=value))
    await turn.say(
        turn.t("aspiration.ask_reason_text"),
        keyboard([button(turn.t("aspiration.skip"), FEATURE, "skip")]),
    )


async def _ask_willingness(turn: Turn, state: DialogueState) -> None:
    await turn.say(
        turn.t("aspiration.ask_willingness"),
        keyboard(
            *[[button(turn.t(f"willingness.{w}"), FEATURE, "will", w)] for w in WILLINGNESS_LEVELS]
        ),
    )


async def _willing(turn: Turn, level: int | None) -> None:
    state = await turn.dialogue_in(FEATURE, "willing")
    if level not in WILLINGNESS_LEVELS:
        raise StaleButton()
    state = await turn.advance(state, "confirm", replace(_answers(state), willingness=level))
    answers = _answers(state)
    units = await _units_by_code(turn, answers.choices)
    lines = "\n".join(
        turn.t("aspiration.choice_line", rank=i + 1, unit=escape(unit_label(u)))
        for i, u in enumerate(units)
    )
    await turn.say(
        turn.t(
            "aspiration.confirm",
            choices=lines,
            work=escape(answers.work),
            reason=turn.t(f"reason.{answers.reason}"),
            reason_text=escape(answers.reason_text or "—"),
            willingness=turn.t(f"willingness.{level}"),
        ),
        keyboard(
            [button(turn.t("aspiration.send"), FEATURE, "send")],
            [button(turn.t("aspiration.cancel"), FEATURE, "cancel")],
        ),
    )


async def _send(turn: Turn) -> None:
    state = await turn.dialogue_in(FEATURE, "confirm")
    answers = _answers(state)
    if answers.reason is None or answers.willingness is None:
        raise StaleButton()
    draft = AspirationWish(
        choices=answers.choices,
        work_wished=answers.work,
        reason=ReasonCategory(answers.reason),
        reason_text=answers.reason_text,
        willingness=answers.willingness,
    )
    async with turn.context.uow() as uow:
        result = await submit_aspiration(
            uow,
            nip=turn.me.nip,
            draft=draft,
            now=turn.context.now(),
            today=turn.context.today(),
            policy=turn.context.rules.eligibility,
        )
        names = await unit_names(uow, result.aspiration.wish.choices)
    await turn.end_dialogue()
    text = turn.t("aspiration.saved") + "\n\n" + aspiration_text(turn.t, result.aspiration, names)
    if result.problems:
        text += "\n\n" + turn.t("aspiration.cannot_be_granted") + "\n"
        text += problems_block(turn.t, result.problems)
    await turn.say(text)


async def on_text(turn: Turn, state: DialogueState, text: str) -> None:
    """Typed answers: a unit search, the work wished, or the free-text reason."""
    text = text.strip()
    if state.step == "choice":
        if len(text) < 2:
            await turn.say_key("aspiration.search_too_short")
            return
        await _list_units(turn, state, query=text[:60])
    elif state.step == "work":
        if not text or len(text) > 200:
            raise InvalidInput(field="text")
        await _ask_reason(
            turn, await turn.advance(state, "reason", replace(_answers(state), work=text))
        )
    elif state.step == "reason_text":
        if len(text) > MAX_TEXT:
            raise InvalidInput(field="text")
        given = replace(_answers(state), reason_text=text)
        await _ask_willingness(turn, await turn.advance(state, "willing", given))
    else:
        await turn.say_key("dialogue.use_buttons")
