"""The committee stage in the chat (core.usecases.committee): a member's card with ✅ Setuju ·
❌ Tidak setuju (asks a reason) · ℹ️ Rincian, the vote's toast, and the pressed card edited to
show the member's vote and the tally.

Presses are `kom:<action>:<proposal id>:<stage>`; every press re-checks membership and the
proposal's stage in core.usecases.committee, so a stale or forged press is refused with a toast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardMarkup

from core.domain import ProposalState, Role
from core.domain.errors import MessageValue, NotFound
from core.domain.messages import ApprovalCard, CardOutcome, CommitteeFacts, CommitteeTally
from core.usecases.approval.cards import card_payload, record_card_copy
from core.usecases.approval.decisions import AlreadyDecided
from core.usecases.committee import (
    AlreadyVoted,
    Committee,
    GroupVote,
    Tally,
    VoteOutcome,
    check_may_vote,
    committee_at,
    sits_on_committee,
    vote,
    vote_many,
)
from core.usecases.dialogue import DialogueState, DissentAnswers
from core.views.committee_card import (
    MemberCard,
    member_card,
    member_card_from_digest,
    vote_standings,
)
from core.views.digest import DigestEntry, DigestGroup, DigestView
from handlers.access import Turn, handler
from handlers.approval import (
    ask_reason,
    card_text,
    edit_best_effort,
    render_card_outcome,
    stale_text,
    state_word,
    typed_reason,
)
from handlers.i18n import Translator
from handlers.keyboards import CallbackId, button, keyboard

FEATURE = "kom"
DISSENT_FLOW = DissentAnswers.FLOW


# --- rendering ---------------------------------------------------------------------------------


def committee_keyboard(
    t: Translator, proposal_id: int, stage: int, *, voting: bool = True, expanded: bool = False
) -> InlineKeyboardMarkup:
    """✅ Setuju · ❌ Tidak setuju (while VOTING), then ℹ️ Rincian or 🔼 Ringkas."""
    toggle = (
        button(t("transfer.less"), FEATURE, "less", proposal_id, stage)
        if expanded
        else button(t("card.details"), FEATURE, "info", proposal_id, stage)
    )
    votes = (
        [
            button(t("committee.yes"), FEATURE, "yes", proposal_id, stage),
            button(t("committee.no"), FEATURE, "no", proposal_id, stage),
        ]
        if voting
        else []
    )
    return keyboard(votes, [toggle])


def committee_line(t: Translator, facts: CommitteeFacts | None) -> str:
    """Who decides this stage and how: "🗳 Tim Penilai Kinerja: perlu 2 dari 3 anggota setuju"."""
    return t(
        "committee.card_line",
        name=escape(facts.name if facts else ""),
        quorum=facts.quorum if facts else 1,
        members=facts.members if facts else 1,
    )


def tally_line(t: Translator, tally: Tally) -> str:
    """The votes so far: agreeing, not agreeing, needed."""
    return t(
        "committee.tally",
        yes=tally.yes,
        no=tally.no,
        quorum=tally.quorum,
        members=tally.members,
    )


def render_committee_card(t: Translator, card: ApprovalCard) -> tuple[str, InlineKeyboardMarkup]:
    """A member's card (outbox kind approval_card with a `committee`): the approval card's
    first screen, who decides and the quorum, and the vote buttons."""
    lines = card_text(t, card).split("\n")
    lines.insert(1, committee_line(t, card.committee))
    return "\n".join(lines), committee_keyboard(t, card.proposal_id, card.stage)


def render_committee_tally(
    t: Translator, edit: CommitteeTally
) -> tuple[str, InlineKeyboardMarkup]:
    """A member's card edited after a vote (outbox kind committee_tally): the card, this
    member's own vote once cast, and the votes so far; the vote buttons stay until the member
    votes, then only ℹ️ Rincian remains."""
    card = edit.card
    lines = card_text(t, card).split("\n")
    lines.insert(1, committee_line(t, card.committee))
    lines.append("")
    if edit.voted is not None:
        lines.append(own_vote_line(t, edit.voted, edit.reason))
    facts = card.committee
    members = facts.members if facts else edit.yes + edit.no + edit.open
    lines.append(
        tally_line(
            t,
            Tally(
                members=members,
                quorum=facts.quorum if facts else members,
                yes=edit.yes,
                no=edit.no,
                open=edit.open,
            ),
        )
    )
    return "\n".join(lines), committee_keyboard(
        t, card.proposal_id, card.stage, voting=edit.voted is None
    )


def _when(t: Translator, moment: dt.datetime, zone: dt.tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{t.date(local.date())} {local:%H:%M}"


def own_vote_line(t: Translator, approved: bool, reason: str | None) -> str:
    """The member's own vote, as their card shows it after the tap."""
    if approved:
        return t("committee.your_vote_yes")
    return t("committee.your_vote_no", reason=escape(reason or ""))


# --- presses -----------------------------------------------------------------------------------


async def _member_card(
    turn: Turn, proposal_id: int, stage: int | None = None, *, with_minutes: bool = False
) -> tuple[MemberCard, ApprovalCard]:
    """The caller's card of PROPOSAL_ID as of now (core.views.committee_card refuses anyone
    but a member) and its first screen at the proposal's stage now."""
    rules = turn.context.rules.approval
    async with turn.context.uow() as uow:
        view = await member_card(
            uow,
            rules,
            proposal_id=proposal_id,
            member_nip=turn.me.nip,
            now=turn.context.now(),
            stage=stage,
            with_minutes=with_minutes,
        )
    card = ApprovalCard(
        proposal_id=proposal_id,
        content=view.content,
        stage=view.proposal.stage,
        stage_count=len(rules.stages),
    )
    return view, card


def _committee(turn: Turn, stage: int) -> Committee | None:
    return committee_at(turn.context.rules.approval, stage)


async def _refuse_outsider(turn: Turn, stage: int) -> bool:
    committee = _committee(turn, stage) or turn.context.rules.approval.committee
    if committee is None or turn.me.nip not in committee.members:
        await turn.notify(turn.t("error.not_committee_member"))
        return True
    return False


@handler(role=Role.ASN)
async def on_press(turn: Turn) -> None:
    """Every press on a member's card; each edits the card it came from."""
    press = turn.press
    if press is None:
        return
    proposal_id, stage = press.int_arg(0), press.int_arg(1)
    if proposal_id is None or stage is None:
        raise NotFound()
    if await _refuse_outsider(turn, stage):
        return
    if press.action == "yes":
        await _vote_yes(turn, proposal_id, stage)
    elif press.action == "no":
        await _ask_reason(turn, proposal_id, stage)
    elif press.action in ("info", "less"):
        await _details(turn, proposal_id, stage, expanded=press.action == "info")


async def _refused(turn: Turn, error: AlreadyDecided | AlreadyVoted, proposal_id: int) -> None:
    """A second tap or a tap after the stage decided: a toast saying what happened."""
    if isinstance(error, AlreadyDecided):
        await turn.notify(stale_text(turn.t, error, proposal_id))
        return
    at = error.values.get("at")
    word = "committee.word_yes" if error.values.get("approved") else "committee.word_no"
    when = _when(turn.t, at, turn.context.rules.zone) if isinstance(at, dt.datetime) else ""
    await turn.notify(
        turn.t("committee.already_voted", id=proposal_id, vote=turn.t(word), at=when)
    )


async def _cast(
    turn: Turn, proposal_id: int, stage: int, dissent: str | None = None
) -> VoteOutcome | None:
    """The caller's vote (agreeing, or with DISSENT's reason); None when it was refused with
    a toast (a second vote, or the stage decided)."""
    try:
        return await vote(
            turn.context.services.uow_factory,
            turn.context.clock,
            turn.context.rules.approval,
            proposal_id=proposal_id,
            stage=stage,
            member_nip=turn.me.nip,
            approve=dissent is None,
            reason=dissent,
        )
    except (AlreadyDecided, AlreadyVoted) as error:
        await _refused(turn, error, proposal_id)
        return None


async def _vote_yes(turn: Turn, proposal_id: int, stage: int) -> None:
    outcome = await _cast(turn, proposal_id, stage)
    if outcome is None:
        return
    await turn.replace(*await _after_vote(turn, outcome, stage, None))
    await turn.notify(_vote_toast(turn.t, outcome, proposal_id))


def _vote_toast(t: Translator, outcome: VoteOutcome, proposal_id: int) -> str:
    if outcome.settled is None:
        return t(
            "committee.voted",
            id=proposal_id,
            yes=outcome.tally.yes,
            quorum=outcome.tally.quorum,
        )
    if outcome.settled.approved:
        return t(
            "committee.passed",
            id=proposal_id,
            yes=outcome.tally.yes,
            members=outcome.tally.members,
            next=outcome.proposal.stage + 1,
        )
    return t(
        "committee.failed", id=proposal_id, yes=outcome.tally.yes, quorum=outcome.tally.quorum
    )


async def _after_vote(
    turn: Turn, outcome: VoteOutcome, stage: int, reason: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The pressed card after the vote: its first screen, the member's vote, the tally, or
    the stage's outcome once decided; only ℹ️ Rincian remains."""
    proposal_id = outcome.proposal.id or 0
    _view, card = await _member_card(turn, proposal_id)
    rules = turn.context.rules.approval
    committee = rules.committee
    card = dataclasses.replace(
        card, stage=stage, committee=committee.card_facts() if committee else None
    )
    # The same text the other copies get (core.usecases.committee.enqueue_tally_edits).
    text, _markup = render_committee_tally(
        turn.t,
        CommitteeTally(
            edit_of=None,
            card=card,
            yes=outcome.tally.yes,
            no=outcome.tally.no,
            open=outcome.tally.open,
            voted=outcome.approved,
            reason=reason,
        ),
    )
    if outcome.settled is not None:
        settled = CardOutcome(
            edit_of=None,
            proposal_id=proposal_id,
            outcome=("forwarded" if not outcome.settled.final else "approved")
            if outcome.settled.approved
            else "rejected",
            by_name=committee.name if committee else "",
            reason=reason,
            content=card.content,
            stage=stage,
            decided_stage=stage,
            stage_count=card.stage_count,
            next_stage=outcome.proposal.stage,
            next_stage_name=rules.stage_at(outcome.proposal.stage).name,
        )
        text = render_card_outcome(turn.t, settled)[0]
        text += "\n" + own_vote_line(turn.t, outcome.approved, reason)
        text += "\n" + tally_line(turn.t, outcome.tally)
    return text, committee_keyboard(turn.t, proposal_id, stage, voting=False)


async def _ask_reason(turn: Turn, proposal_id: int, stage: int) -> None:
    """❌ Tidak setuju: refuse a stale or second tap first, then ask for the reason."""
    try:
        await turn.run_check(
            check_may_vote, proposal_id=proposal_id, stage=stage, member_nip=turn.me.nip
        )
    except (AlreadyDecided, AlreadyVoted) as error:
        await _refused(turn, error, proposal_id)
        return
    await ask_reason(turn, DissentAnswers, "committee.ask_reason", proposal_id, stage)


async def on_dissent_reason(turn: Turn, state: DialogueState, text: str) -> None:
    """The reason typed after ❌ Tidak setuju: record the vote and edit the card."""
    answers = state.answers_as(DissentAnswers)
    proposal_id, stage = answers.proposal_id, answers.stage
    reason = await typed_reason(turn, text, "committee.ask_reason", proposal_id)
    if reason is None:
        return
    outcome = await _cast(turn, proposal_id, stage, reason)
    if outcome is None:
        return
    if answers.card_message is not None:
        body, markup = await _after_vote(turn, outcome, stage, reason)
        await edit_best_effort(turn, answers.card_message, body, markup)
    await turn.say(_vote_toast(turn.t, outcome, proposal_id))


async def _details(turn: Turn, proposal_id: int, stage: int, *, expanded: bool) -> None:
    """ℹ️ Rincian / 🔼 Ringkas: the card with the second layer and every vote so far."""
    view, card = await _member_card(turn, proposal_id, stage, with_minutes=True)
    proposal, minutes, tally = view.proposal, view.minutes, view.tally
    rules = turn.context.rules.approval
    committee = rules.committee
    lines = card_text(turn.t, card, expanded=expanded).split("\n")
    lines.insert(1, committee_line(turn.t, committee.card_facts() if committee else None))
    mine = minutes is not None and any(v.member_nip == turn.me.nip for v in minutes.votes)
    voting = proposal.state == ProposalState.PENDING and proposal.stage == stage and not mine
    if expanded:
        lines.append(turn.t("card.state", state=state_word(turn.t, proposal.state.value)))
        if tally is not None:
            lines.append(tally_line(turn.t, tally))
        for entry in minutes.votes if minutes else ():
            lines.append(
                turn.t(
                    "committee.vote_line_yes" if entry.approved else "committee.vote_line_no",
                    name=escape(entry.member_name),
                    at=_when(turn.t, entry.voted_at, turn.context.rules.zone),
                    reason=escape(entry.reason or ""),
                )
            )
    markup = committee_keyboard(turn.t, proposal_id, stage, voting=voting, expanded=expanded)
    await turn.replace("\n".join(lines), markup)


# --- the members' digest (handlers.digest) and /usulan ---------------------------------------


def is_member(turn: Turn) -> bool:
    """Whether the caller is a member of the committee (who may open the digest and vote)."""
    return sits_on_committee(turn.context.rules.approval, turn.me.nip)


def digest_counts(t: Translator, view: DigestView) -> list[str]:
    """The digest's counting lines: what waits for the viewer's decision and, for a member,
    what waits for their vote and how the stage is decided."""
    if view.committee is None:
        return [t("digest.counts", waiting=view.waiting, total=view.total)]
    votes = sum(1 for g in view.groups for e in g.entries if e.vote)
    decisions = view.waiting - votes
    lines = [t("digest.counts", waiting=decisions, total=view.total)] if decisions else []
    lines.append(
        t(
            "digest.counts_votes",
            votes=votes,
            total=view.total,
            name=escape(view.committee.name),
            quorum=view.committee.quorum,
            members=len(view.committee.members),
        )
    )
    if not decisions:
        lines.append(t("digest.pick_group"))
    return lines


def votes_only(view: DigestView, group: DigestGroup) -> bool:
    """Whether everything the viewer may act on in GROUP is a vote (a member who does not
    approve any of it): the page then speaks of votes, not decisions."""
    return view.committee is not None and not any(e.mine and not e.vote for e in group.entries)


async def vote_notes(
    turn: Turn, view: DigestView, entries: Sequence[DigestEntry]
) -> dict[int, str]:
    """For the shown ENTRIES at the committee stage that the viewer already voted on: their
    vote and the votes so far ("suara Anda: setuju; 2 dari 3 setuju"), by proposal id."""
    committee = view.committee
    if committee is None:
        return {}
    async with turn.context.uow() as uow:
        standings = await vote_standings(
            uow, turn.context.rules.approval, member_nip=turn.me.nip, entries=entries
        )
    return {
        standing.proposal_id: turn.t(
            "digest.vote_status",
            vote=turn.t("committee.word_yes" if standing.approved else "committee.word_no"),
            yes=standing.yes,
            members=len(committee.members),
        )
        for standing in standings
    }


def vote_confirmation(
    t: Translator, view: DigestView, unit: str, votes: int, decisions: int, names: str
) -> str:
    """The confirmation of a group or selection holding VOTES of the member (and DECISIONS
    of theirs as an approver): how many, which, and that each agreeing vote counts once."""
    committee = view.committee
    assert committee is not None
    facts: dict[str, MessageValue] = {
        "name": escape(committee.name),
        "quorum": committee.quorum,
        "members": len(committee.members),
    }
    if not decisions:
        return t("digest.confirm_votes", count=votes, unit=escape(unit), names=names, **facts)
    return "\n".join(
        [
            t("digest.confirm", count=votes + decisions, unit=escape(unit), names=names),
            t("digest.confirm_mixed", count=votes, **facts),
        ]
    )


def group_vote_result(t: Translator, result: GroupVote) -> str:
    """What a group vote did: votes recorded, moves that passed the stage, moves skipped."""
    parts = [t("digest.votes_done", count=result.voted)]
    if result.passed:
        parts.append(t("digest.votes_passed", count=result.passed))
    if result.skipped:
        parts.append(t("digest.votes_skipped", count=result.skipped))
    return " ".join(parts)


async def cast_group_vote(turn: Turn, entries: Sequence[DigestEntry]) -> GroupVote:
    """The caller's agreeing vote on each of ENTRIES (core.usecases.committee.vote_many)."""
    return await turn.run_use_case(
        vote_many,
        ballots=[(e.proposal.id, e.proposal.stage) for e in entries],
        member_nip=turn.me.nip,
    )


async def open_member_card(turn: Turn, proposal_id: int) -> bool:
    """A member opens one move's card from the digest: at the committee stage, the card with
    the votes so far (and the vote buttons until they voted), remembered as a copy so that
    later votes and the decision edit it too; elsewhere the card without buttons and where
    the move stands. False (nothing sent) when the caller is not a member, or the move is
    not at the committee stage and the caller may open it as an approver
    (`core.views.committee_card.member_card_from_digest`: the approver's card, with its
    buttons, is theirs)."""
    if not is_member(turn):
        return False
    rules = turn.context.rules.approval
    async with turn.context.uow() as uow:
        view = await member_card_from_digest(
            uow, rules, turn.me, proposal_id=proposal_id, now=turn.context.now()
        )
    if view is None:
        return False
    proposal, tally, mine = view.proposal, view.tally, view.own_vote
    card = card_payload(proposal, rules, view.content)
    if not view.at_committee_stage or tally is None:
        text = card_text(turn.t, card)
        state = (
            turn.t("digest.waiting_stage", stage=proposal.stage + 1, stages=len(rules.stages))
            if proposal.state == ProposalState.PENDING
            else state_word(turn.t, proposal.state.value)
        )
        await turn.say(text + "\n\n" + turn.t("card.state", state=state))
        return True
    text, markup = render_committee_tally(
        turn.t,
        CommitteeTally(
            edit_of=None,
            card=card,
            yes=tally.yes,
            no=tally.no,
            open=tally.open,
            voted=None if mine is None else mine.approved,
            reason=None if mine is None else mine.reason,
        ),
    )
    sent = await turn.say(text, markup)
    async with turn.context.uow() as uow:
        await record_card_copy(
            uow, proposal, turn.chat_id, rules, turn.context.now(), sent.message_id
        )
        await uow.commit()
    return True


async def member_press(turn: Turn) -> tuple[CallbackId, int] | None:
    """A member's press on the digest and the number it carries first; None when the caller
    is not a member (the approvers' check follows). Raises NotFound without a number."""
    press = turn.press
    if press is None or not is_member(turn):
        return None
    target = press.int_arg(0)
    if target is None:
        raise NotFound()
    return press, target
