"""/bebankerja (flow 3): pick unit, jabatan and month, enter volumes or upload the template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from html import escape

from telegram import Document, InlineKeyboardMarkup

from core.domain import Activity, Role, Unit
from core.domain.access import OutOfScope
from core.usecases.dialogue import DialogueState, WorkloadAnswers
from core.usecases.safe_files import parse_with_budget
from core.usecases.workload import (
    FiguresChanged,
    MonthlyVolumes,
    WorkloadPreview,
    parse_volume,
    preview_workload,
    record_workload_report,
    report_months,
)
from core.views.scopes import activities_to_report, jabatan_to_report, units_in_role
from handlers.access import StaleButton, Turn, handler, show
from handlers.formatting import figures_text, preview_text
from handlers.keyboards import button, keyboard, unit_keyboard
from handlers.workload_sheet import TEMPLATE_BUDGET, TemplateInfo, build_template, read_template

FEATURE = WorkloadAnswers.FLOW
PER_PAGE = 8


async def _scoped_units(turn: Turn, matching: str = "") -> list[Unit]:
    """The units the caller reports for (core.views.scopes), those MATCHING a typed text
    when given."""
    async with turn.context.uow() as uow:
        return list(await units_in_role(uow, turn.me, Role.SUPERVISOR, matching=matching))


@handler(role=Role.SUPERVISOR)
async def start_report(turn: Turn) -> None:
    """List the caller's units (paged); one unit goes straight to the next step."""
    await _start(turn)


async def _start(turn: Turn) -> None:
    units = await _scoped_units(turn)
    if not units:
        raise OutOfScope()
    state = await turn.start_dialogue(
        WorkloadAnswers(results=tuple(u.code for u in units)), "unit"
    )
    if len(units) == 1:
        await _unit_chosen(turn, state, units[0])
        return
    await turn.show_list(state, turn.t("workload.ask_unit"), _units_keyboard(turn, units, 0))


def _units_keyboard(turn: Turn, units: list[Unit], page: int) -> InlineKeyboardMarkup:
    return unit_keyboard(turn.t, units, feature=FEATURE, page=page, per_page=PER_PAGE)


async def _unit_chosen(turn: Turn, state: DialogueState, unit: Unit) -> None:
    async with turn.context.uow() as uow:
        # core.views.scopes refuses a unit the caller does not supervise (OutOfScope).
        jabatan = await jabatan_to_report(uow, turn.me, unit.code)
    if not jabatan:
        await turn.end_dialogue()
        await turn.say_key("workload.no_activities", unit=escape(unit.name))
        return
    answers = replace(
        _answers(state), unit=unit.code, unit_name=unit.name, jabatan_list=tuple(jabatan)
    )
    state = await turn.advance(state, "jabatan", answers)
    if len(jabatan) == 1:
        only = replace(answers, jabatan=jabatan[0])
        await _ask_month(turn, await turn.advance(state, "month", only))
        return
    await turn.say(
        turn.t("workload.ask_jabatan", unit=escape(unit.name)),
        keyboard(*[[button(j[:60], FEATURE, "jab", i)] for i, j in enumerate(jabatan)]),
    )


async def _ask_month(turn: Turn, state: DialogueState) -> None:
    # Finished months first (newest first); the running month last and marked as running.
    months = report_months(turn.context.today(), 3)
    answers = replace(_answers(state), months=tuple(m.month for m in months))
    await turn.advance(state, "month", answers)
    labels = [
        turn.t("workload.month_running", month=turn.t.month(m.month))
        if m.running
        else turn.t.month(m.month)
        for m in months
    ]
    await turn.say(
        turn.t("workload.ask_month", jabatan=escape(answers.jabatan)),
        keyboard(*[[button(label, FEATURE, "month", i)] for i, label in enumerate(labels)]),
    )


def _answers(state: DialogueState) -> WorkloadAnswers:
    return state.answers_as(WorkloadAnswers)


def _entered(answers: WorkloadAnswers) -> MonthlyVolumes:
    """The volumes entered so far in the dialogue, for the preview and for saving."""
    return MonthlyVolumes(answers.unit, answers.jabatan, answers.month, dict(answers.volumes))


async def _activities(turn: Turn, state: DialogueState) -> list[Activity]:
    """The activities of the dialogue's unit and jabatan (core.views.scopes: the caller must
    still supervise the unit)."""
    answers = _answers(state)
    async with turn.context.uow() as uow:
        return list(await activities_to_report(uow, turn.me, answers.unit, answers.jabatan))


async def _ask_volume(turn: Turn, state: DialogueState) -> None:
    activities = await _activities(turn, state)
    index = _answers(state).index
    if index >= len(activities):
        await _show_preview(turn, state)
        return
    activity = activities[index]
    await turn.say(
        turn.t(
            "workload.ask_volume",
            number=index + 1,
            total=len(activities),
            activity=escape(activity.name),
            output=escape(activity.output_unit),
            month=turn.t.month(_answers(state).month),
        ),
        keyboard([button(turn.t("workload.template_button"), FEATURE, "xlsx")]),
    )


async def _show_preview(turn: Turn, state: DialogueState, note: str = "") -> None:
    answers = _answers(state)
    async with turn.context.uow() as uow:
        preview = await preview_workload(
            uow, _entered(answers), policy=turn.context.rules.workload
        )
    # Saving checks that the figures are still those shown (see
    # core.usecases.workload.FiguresChanged).
    await turn.advance(state, "confirm", replace(answers, seen=preview.basis))
    text = preview_text(turn.t, preview, answers.unit_name or answers.unit)
    await turn.say(note + text, _confirm_keyboard(turn, preview))


def _confirm_keyboard(turn: Turn, preview: WorkloadPreview) -> InlineKeyboardMarkup:
    if preview.large_change:  # the figures side by side are above; saving needs a clear "yes"
        return keyboard(
            [button(turn.t("workload.confirm_large"), FEATURE, "confirm")],
            [button(turn.t("workload.redo"), FEATURE, "redo")],
            [button(turn.t("workload.cancel"), FEATURE, "cancel")],
        )
    return keyboard(
        [button(turn.t("workload.save"), FEATURE, "save")],
        [button(turn.t("workload.cancel"), FEATURE, "cancel")],
    )


@handler(role=Role.SUPERVISOR)
async def on_press(turn: Turn) -> None:
    """Every button of the workload dialogue; each re-checks step and scope."""
    press = turn.press
    if press is None:
        raise StaleButton()
    if press.action == "start":  # the reminder's button
        await _start(turn)
    elif press.action == "page":
        state = await turn.dialogue_in(FEATURE, "unit")
        units = await _units_from(turn, _answers(state).results)
        await show(
            turn, turn.t("workload.ask_unit"), _units_keyboard(turn, units, press.int_arg(0) or 0)
        )
    elif press.action == "unit":
        state = await turn.dialogue_in(FEATURE, "unit")
        units = await _units_from(turn, [turn.pressed_option(_answers(state).results)])
        if not units:
            raise StaleButton()
        await _unit_chosen(turn, state, units[0])
    elif press.action == "jab":
        state = await turn.dialogue_in(FEATURE, "jabatan")
        jabatan = turn.pressed_option(_answers(state).jabatan_list)
        chosen = replace(_answers(state), jabatan=jabatan)
        await _ask_month(turn, await turn.advance(state, "month", chosen))
    elif press.action == "month":
        state = await turn.dialogue_in(FEATURE, "month")
        month = turn.pressed_option(_answers(state).months)
        state = await turn.advance(
            state, "volume", replace(_answers(state), month=month, index=0, volumes={})
        )
        await _ask_volume(turn, state)
    elif press.action == "xlsx":
        await _send_template(turn, await turn.dialogue_in(FEATURE, "volume"))
    elif press.action == "save":
        await _save(turn, await turn.dialogue_in(FEATURE, "confirm"), confirmed=False)
    elif press.action == "confirm":
        await _save(turn, await turn.dialogue_in(FEATURE, "confirm"), confirmed=True)
    elif press.action == "redo":  # enter the volumes again from the first activity
        state = await turn.dialogue_in(FEATURE, "confirm")
        again = replace(_answers(state), index=0, volumes={})
        await _ask_volume(turn, await turn.advance(state, "volume", again))
    elif press.action == "cancel":
        await turn.cancel_dialogue(FEATURE)
    else:
        raise StaleButton()


async def _units_from(turn: Turn, codes: Sequence[str]) -> list[Unit]:
    """Those of CODES, in their order, that the caller still reports for."""
    scoped = {u.code: u for u in await _scoped_units(turn)}
    return [scoped[c] for c in codes if c in scoped]


def _info(state: DialogueState) -> TemplateInfo:
    answers = _answers(state)
    return TemplateInfo(answers.unit, answers.jabatan, answers.month)


async def _send_template(turn: Turn, state: DialogueState) -> None:
    activities = await _activities(turn, state)
    info = _info(state)
    data = build_template(info, activities)
    await turn.send_file(
        data,
        f"bebankerja-{info.unit_code}-{info.month}.xlsx",
        caption=turn.t("workload.template_caption"),
    )


async def _save(turn: Turn, state: DialogueState, *, confirmed: bool) -> None:
    answers = _answers(state)
    try:
        async with turn.context.uow() as uow:
            preview = await record_workload_report(
                uow,
                caller=turn.me,
                entered=_entered(answers),
                now=turn.context.now(),
                policy=turn.context.rules.workload,
                confirmed_large_change=confirmed,
                seen=answers.seen,
            )
    except FiguresChanged:  # another report arrived meanwhile: show what it changes first
        await _show_preview(turn, state, turn.t("workload.changed_meanwhile") + "\n\n")
        return
    await turn.end_dialogue()
    await turn.say(
        turn.t(
            "workload.saved",
            unit=escape(answers.unit_name or preview.unit_code),
            month=turn.t.month(preview.month),
        )
        + "\n"
        + figures_text(turn.t, preview.figures)
        + "\n"
        + _need_line(turn, preview)
    )


def _need_line(turn: Turn, preview: WorkloadPreview) -> str:
    return turn.t(
        "workload.need_used",
        count=preview.average_months,
        fte=turn.t.fixed(preview.accepted_fte or 0.0),
    )


async def on_text(turn: Turn, state: DialogueState, text: str) -> None:
    """A typed volume (step `volume`), or a unit search (step `unit`)."""
    if state.step == "unit":
        units = await _scoped_units(turn, text)
        if not units:
            await turn.say_key("aspiration.no_match", text=escape(text.strip()[:60]))
            return
        listed = replace(_answers(state), results=tuple(u.code for u in units), page=0)
        state = await turn.advance(state, "unit", listed)
        await turn.show_list(state, turn.t("workload.ask_unit"), _units_keyboard(turn, units, 0))
        return
    if state.step != "volume":
        await turn.say_key("dialogue.use_buttons")
        return
    value = parse_volume(text)  # NotANumber -> friendly message, state unchanged
    activities = await _activities(turn, state)
    answers = _answers(state)
    index = answers.index
    if index >= len(activities):
        raise StaleButton()
    volumes = {**answers.volumes, activities[index].name: value}
    state = await turn.advance(state, "volume", replace(answers, volumes=volumes, index=index + 1))
    await _ask_volume(turn, state)


async def on_document(turn: Turn, state: DialogueState, document: Document) -> None:
    """The filled-in XLSX template: all volumes at once, then the preview."""
    if state.step != "volume":
        await turn.say_key("dialogue.no_file_expected")
        return
    if document.file_size is not None and document.file_size > 1_000_000:
        await turn.say_key("error.sheet_size")
        return
    activities = await _activities(turn, state)
    tg_file = await turn.context.bot.get_file(document.file_id)
    data = bytes(await tg_file.download_as_bytearray())
    # Checked and parsed in a separate process within a memory and time budget: a hostile
    # file is refused without stalling anyone else's replies.
    volumes = await parse_with_budget(
        read_template,
        data,
        _info(state),
        activities,
        budget=TEMPLATE_BUDGET,
    )
    entered = replace(_answers(state), volumes=volumes, index=len(activities))
    state = await turn.advance(state, "volume", entered)
    await _show_preview(turn, state)
