"""The approver's digest: one message per plan that pages through the moves by OPD and origin
unit, opens one move's card, and approves a whole group or the picked entries after a
confirmation that says how many and which. Every page edits the same message.

Presses are `dg:<action>:<args>` with small ids (plan id, group index in the viewer's stable
group order, page, proposal id); the server rebuilds the view and re-checks authority on every
press. The entries picked on a group page are kept per user in memory (a view state, not a
decision: after a restart the approver picks again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.domain import Employee, ProposalState, Role, Unit
from core.domain.errors import NotFound
from core.rebalance.model import Explanation
from core.usecases.approval.cards import card_payload, record_card_copy
from core.usecases.approval.chain import ApprovalRules
from core.usecases.approval.groups import approve_many
from core.views.digest import DigestEntry, DigestGroup, DigestView
from core.views.digest_page import entry_details, reader_digest
from core.views.proposals import proposal_details
from handlers import committee
from handlers.access import PressRouter, Turn, handler, show
from handlers.approval import (
    approver_press,
    render_card,
    state_word,
)
from handlers.i18n import Translator
from handlers.keyboards import CallbackId, button, keyboard, page_of

FEATURE = "dg"
#: Groups listed on one overview page, entries on one group page (both keep a page short).
GROUPS_PER_PAGE = 8
ENTRIES_PER_PAGE = 8
#: How many picked moves the confirmation names before "and N more".
NAMED_IN_CONFIRMATION = 10
SELECTION_KEY = "digest_selection"


# --- rendering ---------------------------------------------------------------------------------


def overview(t: Translator, view: DigestView, page: int) -> tuple[str, InlineKeyboardMarkup]:
    """The digest's first page: counts, then the groups (OPD › origin unit) as buttons."""
    shown = page_of(len(view.groups), page, GROUPS_PER_PAGE)
    lines = [t("digest.title", plan=view.plan_id), *committee.digest_counts(t, view)]
    rows: list[list[InlineKeyboardButton]] = []
    opd = None
    for index in range(shown.start, shown.stop):
        group = view.groups[index]
        if group.opd != opd:
            opd = group.opd
            lines.append(f"\n<b>{escape(opd or '-')}</b>")
        lines.append(
            t(
                "digest.group_line",
                unit=escape(group.unit_name),
                waiting=len(group.waiting),
                total=len(group.entries),
            )
        )
        rows.append(
            [
                button(
                    t("digest.open_group", unit=group.unit_name[:40], waiting=len(group.waiting)),
                    FEATURE,
                    "g",
                    view.plan_id,
                    index,
                    0,
                )
            ]
        )
    if shown.count > 1:
        lines.append(t("digest.page", page=shown.number + 1, pages=shown.count))
    rows.append(_nav(t, shown.has_previous, shown.has_next, "v", view.plan_id, shown.number))
    if not view.groups:
        lines.append(t("usulan.none"))
    return "\n".join(lines), InlineKeyboardMarkup([r for r in rows if r])


def _nav(
    t: Translator, previous: bool, following: bool, action: str, *prefix_and_page: int
) -> list[InlineKeyboardButton]:
    *prefix, number = prefix_and_page
    nav: list[InlineKeyboardButton] = []
    if previous:
        nav.append(button(t("paging.previous"), FEATURE, action, *prefix, number - 1))
    if following:
        nav.append(button(t("paging.next"), FEATURE, action, *prefix, number + 1))
    return nav


def reason_line(t: Translator, explanation: Explanation | None) -> str:
    """One line of why, from the engine's explanation of a move: both units' gap against ABK
    need (empty without an explanation)."""
    if explanation is None:
        return ""
    parts: list[str] = []
    origin, destination = explanation.origin, explanation.destination
    if origin.unit and destination.unit:
        gap_origin = origin.staff_before - origin.required
        gap_destination = destination.staff_before - destination.required
        parts.append(
            t(
                "digest.reason_gaps",
                origin=_signed(t, gap_origin),
                destination=_signed(t, gap_destination),
            )
        )
    rank = explanation.aspiration_rank
    if rank:
        parts.append(t("digest.reason_aspiration", rank=rank))
    return "; ".join(parts)


def _signed(t: Translator, value: float) -> str:
    text = t.fixed(abs(value), 1)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def group_page(
    t: Translator,
    view: DigestView,
    index: int,
    group: DigestGroup,
    page: int,
    selected: set[int],
    people: Mapping[str, Employee],
    units: Mapping[str, Unit],
    explanations: Mapping[int, Explanation],
    notes: Mapping[int, str] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of a group: numbered entries with their reason and state; pick, card, decide.
    EXPLANATIONS: the engine's explanation of each shown entry, by proposal id; NOTES: a
    state to show instead of the usual one (a member's vote so far), by proposal id."""
    shown = page_of(len(group.entries), page, ENTRIES_PER_PAGE)
    votes_only = committee.votes_only(view, group)
    lines = [
        t(
            "digest.group_title_votes" if votes_only else "digest.group_title",
            opd=escape(group.opd or "-"),
            unit=escape(group.unit_name),
            waiting=len(group.waiting),
            total=len(group.entries),
        )
    ]
    rows: list[list[InlineKeyboardButton]] = []
    for entry in group.entries[shown.start : shown.stop]:
        proposal = entry.proposal
        assert proposal.id is not None
        person = people.get(proposal.nip)
        name = person.name if person else proposal.nip
        destination = units.get(proposal.to_unit)
        if entry.mine:
            mark = "☑" if proposal.id in selected else "☐"
            status = ""
        else:
            mark = "•"
            status = " — " + ((notes or {}).get(proposal.id) or _status(t, view, entry))
        lines.append(
            t(
                "digest.entry",
                mark=mark,
                id=proposal.id,
                name=escape(name),
                destination=escape(destination.name if destination else proposal.to_unit),
                reason=escape(reason_line(t, explanations.get(proposal.id))),
            )
            + status
        )
        row = []
        if entry.mine:
            row.append(
                button(
                    f"{mark} #{proposal.id} {name[:24]}",
                    FEATURE,
                    "t",
                    view.plan_id,
                    index,
                    shown.number,
                    proposal.id,
                )
            )
        row.append(button(t("digest.card", id=proposal.id), FEATURE, "c", proposal.id))
        rows.append(row)
    if shown.count > 1:
        lines.append(t("digest.page", page=shown.number + 1, pages=shown.count))
    rows.append(
        _nav(t, shown.has_previous, shown.has_next, "g", view.plan_id, index, shown.number)
    )
    picked = [e for e in group.waiting if e.proposal.id in selected]
    decide_row = []
    if group.waiting:
        decide_row.append(
            button(
                t(
                    "digest.vote_group" if votes_only else "digest.approve_group",
                    count=len(group.waiting),
                ),
                FEATURE,
                "ag",
                view.plan_id,
                index,
            )
        )
    if picked:
        decide_row.append(
            button(
                t(
                    "digest.vote_selected" if votes_only else "digest.approve_selected",
                    count=len(picked),
                ),
                FEATURE,
                "as",
                view.plan_id,
                index,
            )
        )
    rows.append(decide_row)
    rows.append([button(t("digest.back"), FEATURE, "v", view.plan_id, index // GROUPS_PER_PAGE)])
    return "\n".join(lines), InlineKeyboardMarkup([r for r in rows if r])


def _status(t: Translator, view: DigestView, entry: DigestEntry) -> str:
    proposal = entry.proposal
    if proposal.state == ProposalState.PENDING and view.stage_count > 1:
        return t("digest.waiting_stage", stage=proposal.stage + 1, stages=view.stage_count)
    return state_word(t, proposal.state.value)


def render_digest_payload(t: Translator, view: DigestView) -> tuple[str, InlineKeyboardMarkup]:
    """The digest as the outbox sends it (its first page, as of sending)."""
    return overview(t, view, 0)


# --- presses -----------------------------------------------------------------------------------


async def load_view(turn: Turn, plan_id: int) -> DigestView:
    """The caller's digest of PLAN_ID as of now (with whom they stand in for today)."""
    async with turn.context.uow() as uow:
        return await reader_digest(
            uow, turn.context.rules.approval, turn.me.nip, plan_id, turn.context.today()
        )


def _selection(turn: Turn, plan_id: int, index: int) -> set[int]:
    store: dict[Any, Any] = turn.context.user_data if turn.context.user_data is not None else {}
    selections: dict[tuple[int, int], set[int]] = store.setdefault(SELECTION_KEY, {})
    return selections.setdefault((plan_id, index), set())


async def show_group(turn: Turn, plan_id: int, index: int, page: int) -> None:
    """Edit the digest message to one page of one group."""
    view = await load_view(turn, plan_id)
    group = view.group(index)
    if group is None:
        raise NotFound()
    shown = page_of(len(group.entries), page, ENTRIES_PER_PAGE)
    entries = group.entries[shown.start : shown.stop]
    async with turn.context.uow() as uow:
        # core.views.digest_page reads only moves of the caller's own digest view.
        details = await entry_details(uow, view, [e.proposal.id for e in entries])
    selected = _selection(turn, plan_id, index)
    selected &= {e.proposal.id for e in group.waiting if e.proposal.id is not None}
    notes = await committee.vote_notes(turn, view, entries)
    text, markup = group_page(
        turn.t,
        view,
        index,
        group,
        page,
        selected,
        details.people,
        details.units,
        details.explanations,
        notes,
    )
    await show(turn, text, markup)


async def open_digest(turn: Turn, plan_id: int, page: int = 0) -> None:
    """The digest's overview page (edits the pressed message; a command sends a new one)."""
    view = await load_view(turn, plan_id)
    text, markup = overview(turn.t, view, page)
    await show(turn, text, markup)


def fingerprint(entries: Sequence[DigestEntry]) -> str:
    """A short mark of exactly which moves ENTRIES are: the first 8 hex characters of the
    SHA-256 of their sorted proposal ids. The group yes-button carries it (Telegram's callback
    data holds at most 64 bytes), so the press decides only the moves its confirmation named."""
    ids = sorted(e.proposal.id for e in entries if e.proposal.id is not None)
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:8]


async def _confirm(
    turn: Turn, plan_id: int, index: int, *, selected_only: bool, notice: str = ""
) -> None:
    """Ask before deciding group INDEX (or its picked entries); NOTICE goes above the question."""
    view, group, chosen = await _chosen(turn, plan_id, index, selected_only)
    lead = notice + "\n\n" if notice else ""
    if not chosen:
        await show(turn, lead + turn.t("usulan.none"), _back(turn.t, plan_id, index))
        return
    named_entries = chosen[:NAMED_IN_CONFIRMATION]
    async with turn.context.uow() as uow:
        people = (
            await entry_details(uow, view, [e.proposal.id for e in named_entries], explained=False)
        ).people
    names = []
    for entry in named_entries:
        person = people.get(entry.proposal.nip)
        names.append(
            f"#{entry.proposal.id} {escape(person.name if person else entry.proposal.nip)}"
        )
    listed = ", ".join(names)
    if len(chosen) > NAMED_IN_CONFIRMATION:
        listed += " " + turn.t("usulan.more", count=len(chosen) - NAMED_IN_CONFIRMATION)
    votes = sum(1 for e in chosen if e.vote)
    if votes:
        text = committee.vote_confirmation(
            turn.t, view, group.unit_name, votes, len(chosen) - votes, listed
        )
    else:
        text = turn.t(
            "digest.confirm",
            count=len(chosen),
            unit=escape(group.unit_name),
            names=listed,
        )
    yes = "ys" if selected_only else "yg"
    # The ticked entries bound "ys" already; the whole group's yes names its moves' fingerprint.
    named = () if selected_only else (fingerprint(chosen),)
    yes_key = "digest.confirm_votes_yes" if votes == len(chosen) else "digest.confirm_yes"
    markup = keyboard(
        [
            button(turn.t(yes_key, count=len(chosen)), FEATURE, yes, plan_id, index, *named),
            button(turn.t("summary.confirm_no"), FEATURE, "g", plan_id, index, 0),
        ]
    )
    await show(turn, lead + text, markup)


async def _chosen(
    turn: Turn, plan_id: int, index: int, selected_only: bool
) -> tuple[DigestView, DigestGroup, list[DigestEntry]]:
    """The plan's digest, its group INDEX and the group's waiting moves: all, or the
    selected ones."""
    view = await load_view(turn, plan_id)
    group = view.group(index)
    if group is None:
        raise NotFound()
    if not selected_only:
        return view, group, list(group.waiting)
    selected = _selection(turn, plan_id, index)
    return view, group, [e for e in group.waiting if e.proposal.id in selected]


def _back(t: Translator, plan_id: int, index: int) -> InlineKeyboardMarkup:
    return keyboard([button(t("digest.back"), FEATURE, "g", plan_id, index, 0)])


async def _approve(
    turn: Turn, plan_id: int, index: int, *, selected_only: bool, named: str | None = None
) -> None:
    """Decide the moves the confirmation named: the picked entries, or (NAMED, the yes-button's
    fingerprint) the whole group as it was shown. When the group no longer has exactly those
    moves (one joined, or the index now points at another unit), decide nothing and ask again."""
    _, _, chosen = await _chosen(turn, plan_id, index, selected_only)
    if not selected_only and named != fingerprint(chosen):
        await _confirm(
            turn, plan_id, index, selected_only=False, notice=turn.t("digest.group_changed")
        )
        return
    ids = [e.proposal.id for e in chosen if e.proposal.id is not None and not e.vote]
    said = []
    if ids:
        result = await turn.run_use_case(
            approve_many,
            proposal_ids=ids,
            approver_nip=turn.me.nip,
        )
        said.append(
            turn.t("summary.all_done", count=result.approved)
            + (" " + turn.t("summary.all_skipped", count=result.skipped) if result.skipped else "")
        )
    if any(e.vote for e in chosen):
        voted = await committee.cast_group_vote(turn, [e for e in chosen if e.vote])
        said.append(committee.group_vote_result(turn.t, voted))
    _selection(turn, plan_id, index).clear()
    await show(turn, "\n".join(said), _back(turn.t, plan_id, index))


async def _open_card(turn: Turn, proposal_id: int) -> None:
    if await committee.open_member_card(turn, proposal_id):
        return
    rules: ApprovalRules = turn.context.rules.approval
    async with turn.context.uow() as uow:
        # core.views.proposals refuses an approver whose scope (or their principals', /wakil)
        # covers neither unit of the move.
        details = await proposal_details(
            uow, rules, proposal_id=proposal_id, viewer_nip=turn.me.nip, now=turn.context.now()
        )
    proposal = details.proposal
    card = card_payload(proposal, rules, details.content)
    text, markup = render_card(turn.t, card)
    if proposal.state != ProposalState.PENDING:
        await turn.say(
            text + "\n\n" + turn.t("card.state", state=state_word(turn.t, proposal.state.value))
        )
        return
    sent = await turn.say(text, markup)
    async with turn.context.uow() as uow:
        await record_card_copy(
            uow, proposal, turn.chat_id, rules, turn.context.now(), sent.message_id
        )
        await uow.commit()


#: The digest's buttons: `v` overview page, `g` group page, `t` pick an entry, `ag`/`as` ask to
#: decide the group or the picked entries, `yg`/`ys` decide them, `c` one move's card.
PRESSES = PressRouter()


@PRESSES.on("t")
async def _toggle(turn: Turn, press: CallbackId, plan_id: int) -> None:
    """Pick or unpick one entry of a group page, and show the page again."""
    index, page, proposal_id = (press.int_arg(i) for i in (1, 2, 3))
    if index is None or proposal_id is None:
        raise NotFound()
    selected = _selection(turn, plan_id, index)
    selected ^= {proposal_id}
    await show_group(turn, plan_id, index, page or 0)


@PRESSES.on("v")
async def _open_overview(turn: Turn, press: CallbackId, plan_id: int) -> None:
    await open_digest(turn, plan_id, press.int_arg(1) or 0)


@PRESSES.on("g")
async def _open_group(turn: Turn, press: CallbackId, plan_id: int) -> None:
    await show_group(turn, plan_id, press.int_arg(1) or 0, press.int_arg(2) or 0)


@PRESSES.on("ag", "as")
async def _confirm_group(turn: Turn, press: CallbackId, plan_id: int) -> None:
    await _confirm(turn, plan_id, press.int_arg(1) or 0, selected_only=press.action == "as")


@PRESSES.on("yg", "ys")
async def _approve_group(turn: Turn, press: CallbackId, plan_id: int) -> None:
    await _approve(
        turn,
        plan_id,
        press.int_arg(1) or 0,
        selected_only=press.action == "ys",
        named=press.arg(2),
    )


@PRESSES.on("c")
async def _card(turn: Turn, press: CallbackId, proposal_id: int) -> None:
    await _open_card(turn, proposal_id)


@handler(role=Role.ASN)
async def on_press(turn: Turn) -> None:
    """Every press on a digest (approvers, their deputies, and the committee's members)."""
    await PRESSES.route(turn, await committee.member_press(turn) or await approver_press(turn))
