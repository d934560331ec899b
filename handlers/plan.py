"""Plans in the chat: the approver's summary with its chart, /usulan, /rencana, /jalankan and
/simulasi (what-if: nothing stored or sent), the admin alerts, and the why-not lines of /status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardMarkup, InputFile

from core.domain import Role
from core.domain.errors import DomainError
from core.domain.messages import (
    AdminAlert,
    LeftOutPair,
    PlanReport,
    PlanSummary,
    UnreachedMove,
    WorkloadFlag,
)
from core.usecases.approval.cards import card_payload, record_card_copy
from core.usecases.planning import (
    DeliveredTo,
    PlanDelivery,
    PlanOutcome,
    SolveSnapshot,
    propose_plan,
)
from core.views.awaiting_cards import awaiting_cards
from core.views.plan_overview import plan_overview, plan_workbook_view
from core.views.plan_summary import left_out_pairs_of
from handlers.access import StaleButton, Turn, handler
from handlers.approval import FEATURE as APPROVAL
from handlers.approval import (
    render_card,
    state_word,
)
from handlers.charts import ChartLabels, render_plan_chart
from handlers.context import BotContext
from handlers.digest import open_digest
from handlers.i18n import Translator
from handlers.keyboards import button, keyboard
from handlers.plan_workbook import build_plan_workbook

log = logging.getLogger(__name__)

#: Buttons under /rencana (the plan as a spreadsheet).
FEATURE = "rencana"
#: How many cards /usulan shows at once (the rest: "and N more").
CARDS_PER_COMMAND = 10
#: Telegram's limit for a photo caption.
CAPTION_LIMIT = 1024
#: How many moves /simulasi lists.
MOVES_LISTED = 15
#: How many large workload changes a summary names (a photo caption holds 1,024 characters).
FLAGS_LISTED = 3


def chart_labels(t: Translator, plan_date: str) -> ChartLabels:
    """The chart's words in one language."""
    return ChartLabels(
        t("chart.title", date=plan_date),
        t("chart.need"),
        t("chart.before"),
        t("chart.after"),
        t("chart.axis"),
    )


def improvement_percent(before: float, after: float) -> float:
    """How much of the status quo's score the plan removes, in percent."""
    return 0.0 if before <= 0 else round(100.0 * (before - after) / before, 1)


def summary_caption(t: Translator, summary: PlanSummary) -> str:
    """The words of an approver's plan summary."""
    before = summary.status_quo_objective
    after = summary.objective
    not_granted = summary.not_granted
    text = t(
        "summary.caption",
        date=t.date(summary.plan_date),
        count=summary.moves,
        mine=waiting_for_you(t, summary),
        before=t.fixed(before, 0),
        after=t.fixed(after, 0),
        pct=t.fixed(improvement_percent(before, after), 1),
        not_granted=t("summary.not_granted", count=not_granted) if not_granted else "",
    )
    text = "\n".join(line.rstrip() for line in text.split("\n") if line.strip())
    flags = workload_flag_lines(t, summary.workload_flags)
    return "\n".join([text, *flags])


def waiting_for_you(t: Translator, summary: PlanSummary) -> str:
    """What of the plan waits for the reader: their decisions, and a committee member's votes
    ("menunggu suara Anda"); "" when the summary does not say (no reader)."""
    if summary.your_cards is None:
        return ""
    decisions = summary.your_cards - summary.your_votes
    if not summary.your_votes:
        return t("summary.mine", count=decisions)
    votes = t("summary.mine_votes", count=summary.your_votes)
    return t("summary.mine", count=decisions) + " " + votes if decisions else votes


def workload_flag_lines(
    t: Translator, flags: Sequence[WorkloadFlag], limit: int = FLAGS_LISTED
) -> list[str]:
    """The mark on a plan resting on workload reports confirmed despite a large FTE change."""
    if not flags:
        return []
    lines = [t("summary.workload_flags", count=len(flags))]
    for flag in flags[:limit]:
        lines.append(
            t(
                "summary.workload_flag",
                unit=escape((flag.unit_name or flag.unit)[:40]),
                jabatan=escape(flag.jabatan[:40]),
                month=t.month(flag.month),
                old=t.fixed(flag.previous_fte or 0.0),
                new=t.fixed(flag.required_fte or 0.0),
            )
        )
    if len(flags) > limit:
        lines.append(t("usulan.more", count=len(flags) - limit))
    return lines


#: How many left-out (unit, jabatan) pairs a plan message names before "... and N more".
LEFT_OUT_LISTED = 10


def left_out_text(t: Translator, pairs: Sequence[LeftOutPair], listed: int = 0) -> str:
    """The (unit, jabatan) pairs a plan left out for lack of ABK: a count line, then (LISTED > 0)
    up to LISTED pairs; "" when there are none."""
    if not pairs:
        return ""
    staff = sum(p.staff for p in pairs)
    lines = [t("summary.left_out", pairs=len(pairs), staff=staff)]
    for pair in pairs[:listed]:
        lines.append(
            t(
                "summary.left_out_pair",
                unit=escape(pair.unit),
                jabatan=escape(pair.jabatan),
                staff=pair.staff,
            )
        )
    if 0 < listed < len(pairs):
        lines.append(t("usulan.more", count=len(pairs) - listed))
    return "\n".join(lines)


def render_summary(
    t: Translator, summary: PlanSummary, left_out_listed: int = 0
) -> tuple[str, InlineKeyboardMarkup | None, bytes | None]:
    """Caption, "Setujui semua" button and the chart PNG of a plan summary (the pairs left out
    for lack of ABK are counted, and the first LEFT_OUT_LISTED named)."""
    bars = list(summary.bars)
    day = t.date(summary.plan_date)
    png = render_plan_chart(bars, chart_labels(t, day)) if bars else None
    markup = None
    if (summary.your_cards or 0) - summary.your_votes > 0:  # votes are cast in the digest
        markup = keyboard([button(t("summary.approve_all"), APPROVAL, "all", summary.plan_id)])
    caption = summary_caption(t, summary)
    left_out = left_out_text(t, summary.left_out, left_out_listed)
    return (caption + "\n" + left_out if left_out else caption), markup, png


#: How many moves a no-approver alert lists before "and N more" (keeps it one message).
UNREACHED_LISTED = 30


def unreached_lines(t: Translator, proposals: Sequence[UnreachedMove]) -> list[str]:
    """The moves nobody can decide, one line each (NIP, from -> to), then "and N more"."""
    lines = [
        t(
            "admin.no_approver_line",
            id=p.id,
            nip=p.nip,
            origin=p.from_unit,
            destination=p.to_unit,
        )
        for p in proposals[:UNREACHED_LISTED]
    ]
    if len(proposals) > UNREACHED_LISTED:
        lines.append(t("usulan.more", count=len(proposals) - UNREACHED_LISTED))
    return lines


def delivery_lines(t: Translator, delivery: PlanDelivery) -> list[str]:
    """Who got the plan's cards or digest, and how many moves reach no approver."""
    lines = [
        t(
            "delivery.digest" if a.digest else "delivery.cards",
            name=escape(a.name),
            count=a.moves,
        )
        for a in delivery.approvers
    ]
    if not delivery.approvers:
        lines.append(t("delivery.nobody_at_all"))
    if delivery.unreached:
        lines.append(t("delivery.unreached", count=len(delivery.unreached)))
    return lines


def render_plan_report(t: Translator, report: PlanReport) -> tuple[str, None]:
    """The admins' morning report of the nightly plan: who got what, who has no approver."""
    delivery = PlanDelivery(
        tuple(DeliveredTo(name, moves, digest) for name, moves, digest in report.approvers),
        report.unreached,
    )
    head = t("delivery.report", id=report.plan_id, moves=report.moves)
    return "\n".join([head, *delivery_lines(t, delivery)]), None


def render_admin_alert(t: Translator, alert: AdminAlert) -> tuple[str, None]:
    """A note to admins (e.g. someone blocked the bot, moves no approver can decide)."""
    if alert.alert == "no_approver":
        head = t(
            "admin.no_approver",
            count=len(alert.proposals),
            stage=alert.stage + 1,
        )
        return "\n".join([head, *unreached_lines(t, alert.proposals)]), None
    return t(
        f"admin.{alert.alert}",
        nips=", ".join(alert.nips) or "?",
        kind=alert.kind,
    ), None


@handler(role=Role.ASN)
async def show_awaiting(turn: Turn) -> None:
    """/usulan: the cards waiting for the caller's decision when they are few, else the digest
    of the plan holding the oldest of them (one message, paged in place). Approvers, their
    deputies (/wakil) and the committee's members (the moves waiting for their vote)."""
    rules = turn.context.rules.approval
    async with turn.context.uow() as uow:
        # core.views.awaiting_cards refuses anyone who neither approves, stands in for an
        # approver today, nor sits on the committee.
        waiting = await awaiting_cards(
            uow, rules, turn.me, now=turn.context.now(), today=turn.context.today()
        )
    pending = waiting.pending
    if not pending:
        await turn.say_key("usulan.none")
        return
    if len(pending) > rules.cards_max:
        await open_digest(turn, pending[0].plan_id)
        plans = {p.plan_id for p in pending}
        if len(plans) > 1:
            await turn.say_key("digest.other_plans", count=len(plans) - 1)
        return
    await turn.say_key("usulan.header", count=len(pending))
    for proposal, content in waiting.cards:
        assert proposal.id is not None
        text, markup = render_card(turn.t, card_payload(proposal, rules, content))
        sent = await turn.say(text, markup)
        async with turn.context.uow() as uow:
            await record_card_copy(
                uow, proposal, turn.chat_id, rules, turn.context.now(), sent.message_id
            )
            await uow.commit()


@handler(role=Role.ASN)
async def show_plan(turn: Turn) -> None:
    """/rencana: the latest plan's summary, its states and the chart (approvers and admins;
    core.views.plan_overview refuses anyone else)."""
    async with turn.context.uow() as uow:
        overview = await plan_overview(
            uow, turn.me, turn.context.rules.approval, turn.context.today()
        )
    if overview is None:
        await turn.say_key("rencana.none")
        return
    summary, evaluations = overview.summary, overview.evaluations
    # Drawing the chart takes a CPU for a while: off the event loop, like the summary's in
    # bot.outbox_sender, so replies to other people go on meanwhile.
    caption, markup, png = await asyncio.to_thread(
        render_summary, turn.t, summary, LEFT_OUT_LISTED
    )
    states = ", ".join(f"{state_word(turn.t, s)}: {n}" for s, n in overview.states)
    text = caption + ("\n" + turn.t("rencana.states", states=states) if states else "")
    if evaluations.rated_transfers:
        scores = ", ".join(
            f"{turn.t(f'evaluation.kind.{kind}')} {turn.t.fixed(avg, 1)}"
            for kind, avg in evaluations.averages.items()
        )
        text += "\n" + turn.t(
            "rencana.evaluations", count=evaluations.rated_transfers, scores=scores
        )
    rows = [list(row) for row in markup.inline_keyboard] if markup else []
    rows.append([button(turn.t("export.plan.button"), FEATURE, "xlsx", summary.plan_id)])
    buttons = InlineKeyboardMarkup(rows)
    if png is None:
        await turn.say(text, buttons)
        return
    # The summary is the chart's caption (one message); a caption holds at most 1024 characters.
    fits = len(text) <= CAPTION_LIMIT
    await turn.context.bot.send_photo(
        turn.chat_id,
        InputFile(png, filename="rencana.png"),
        caption=text if fits else caption,
        parse_mode="HTML",
        reply_markup=buttons,
    )
    if not fits:
        await turn.say(text[len(caption) :].strip())


@handler(role=Role.ASN)
async def send_plan_workbook(turn: Turn) -> None:
    """The /rencana button: the plan as a workbook (summary, one sheet per OPD, minutes).

    An admin or an approver over everything gets every proposal; an approver scoped to OPDs or
    units gets the proposals leaving or entering their scope.
    """
    press = turn.press
    plan_id = press.int_arg(0) if press is not None and press.action == "xlsx" else None
    if plan_id is None:
        raise StaleButton()
    async with turn.context.uow() as uow:
        report = await plan_workbook_view(
            uow, turn.me, plan_id, turn.context.rules.approval, turn.context.today()
        )
    data = build_plan_workbook(report, turn.t, turn.context.rules.zone)
    date = report.plan.plan_date.isoformat()
    await turn.send_file(
        data,
        f"rencana-mutasi-{date}.xlsx",
        caption=turn.t("export.plan.caption", date=date, count=len(report.lines)),
    )


def _solver(context: BotContext) -> SolveSnapshot:
    solve = context.services.solve
    if solve is None:
        raise DomainError("no solver installed")
    return solve


def outcome_text(t: Translator, outcome: PlanOutcome) -> str:
    """A plan run's result in words, with the first moves listed."""
    before = outcome.solution.status_quo_objective
    after = outcome.solution.objective
    if outcome.dry_run:
        head = t(
            "simulasi.result",
            count=len(outcome.moves),
            before=t.fixed(before, 0),
            after=t.fixed(after, 0),
            pct=t.fixed(improvement_percent(before, after), 1),
        )
    elif outcome.created:
        assert outcome.plan is not None
        head = t(
            "jalankan.created",
            id=outcome.plan.id,
            count=len(outcome.proposals),
            before=t.fixed(before, 0),
            after=t.fixed(after, 0),
        )
    else:
        assert outcome.plan is not None
        head = t(
            "jalankan.exists",
            id=outcome.plan.id,
            date=outcome.plan.plan_date,
            count=len(outcome.proposals),
        )
    lines = [head]
    left_out = left_out_text(t, left_out_pairs_of(outcome.left_out), LEFT_OUT_LISTED)
    if left_out:
        lines.append(left_out)
    if outcome.delivery is not None:
        lines.extend(delivery_lines(t, outcome.delivery))
    for move in outcome.moves[:MOVES_LISTED]:
        lines.append(
            t(
                "simulasi.move",
                name=escape(outcome.employee_names.get(move.employee, move.employee)),
                origin=escape(outcome.unit_names.get(move.from_unit, move.from_unit)),
                destination=escape(outcome.unit_names.get(move.to_unit, move.to_unit)),
            )
        )
    if len(outcome.moves) > MOVES_LISTED:
        lines.append(t("usulan.more", count=len(outcome.moves) - MOVES_LISTED))
    return "\n".join(lines)


async def _run_and_report(turn: Turn, dry_run: bool) -> None:
    try:
        outcome = await propose_plan(
            turn.context.services.uow_factory,
            turn.context.clock,
            turn.context.rules.planning,
            _solver(turn.context),
            dry_run=dry_run,
            actor=turn.me.nip,
        )
    except DomainError:
        await turn.say_key("jalankan.failed")
        return
    except Exception:  # noqa: BLE001 - a background task has nobody else to tell
        log.exception("plan run failed")
        await turn.say_key("jalankan.failed")
        return
    await turn.say(outcome_text(turn.t, outcome))
    if dry_run and outcome.bars:
        labels = chart_labels(turn.t, turn.t.date(turn.context.today()))
        png = await asyncio.to_thread(render_plan_chart, list(outcome.bars), labels)
        await turn.context.bot.send_photo(turn.chat_id, InputFile(png, filename="simulasi.png"))


def _start_run(turn: Turn, dry_run: bool) -> None:
    # The solve can take a while: run it as a task so other users keep getting answers.
    turn.context.application.create_task(_run_and_report(turn, dry_run), update=turn.update)


@handler(role=Role.ADMIN)
async def run_plan(turn: Turn) -> None:
    """/jalankan: make tonight's plan now and send it to approvers (once per day)."""
    await turn.say_key("jalankan.started")
    _start_run(turn, dry_run=False)


@handler(role=Role.ADMIN)
async def simulate_plan(turn: Turn) -> None:
    """/simulasi: what-if; the plan is shown to the admin only, nothing stored or sent."""
    await turn.say_key("simulasi.started")
    _start_run(turn, dry_run=True)
