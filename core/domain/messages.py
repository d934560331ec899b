"""The outbox's message kinds: one frozen dataclass per kind, the contract between the code that
queues a notification (core) and the code that renders it (handlers).

Each class names its outbox kind in `KIND`; `OutboxPayload` is the union of all of them, and
`KIND_TYPES` maps each kind back to its class (the database stores the kind beside the payload).
The renderer of every kind is chosen by an exhaustive `match` over this union on the handlers'
side (`handlers.outbox_render`), so a new kind without a renderer is a type error under
`mypy --strict`, not a message that fails at sending time.

The classes hold plain values (str, int, float, bool, dates, tuples and the frozen dataclasses of
`core.domain.notices`); JSON exists only at the database edge (`db.outbox_codec`), which writes the
same
keys as the field names. Fields added later get defaults, so rows stored before still read.

A fact several kinds carry (an edit's `edit_of`, a proposal's outcome, the move a card shows, the
list of undecided proposals, which digest) is a base class without a `KIND` that those kinds
inherit: its fields stay flat in each kind, so the stored keys are the same as before they shared
it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, get_args

from core.domain.notices import TransferContent, UnitBar

#: Which way a move goes for a unit's supervisor: someone leaves ("out") or joins ("in").
Direction = Literal["out", "in"]


# --- approval (flow 5) -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """A message that edits one sent before, named by that message's dedupe key (`edit_of`; None:
    it is sent as a new message). Not a kind of its own: the kinds of `EditPayload` carry it."""

    edit_of: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposalOutcome(Edit):
    """An edit that shows what became of proposal `proposal_id` (`outcome`, a word each kind
    names). Not a kind of its own: the card, objection card and notice outcomes carry it."""

    proposal_id: int
    outcome: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitteeFacts:
    """What a card shows of the committee deciding its stage: its name, how many members,
    how many must agree."""

    name: str
    members: int
    quorum: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MoveShown:
    """A proposal (`proposal_id`) and its move as the messages show it (`content`). Not a kind of
    its own: the approval card, the notice and the word to supervisors carry these fields."""

    proposal_id: int
    content: TransferContent


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalCard(MoveShown):
    """An approval card of one proposal at one stage (✅ Setujui · ❌ Tolak · ℹ️ Rincian)."""

    KIND: ClassVar[Literal["approval_card"]] = "approval_card"
    #: The stage (0-based) this card decides, of `stage_count`.
    stage: int = 0
    stage_name: str = ""
    stage_count: int = 1
    #: Raised to this chat after `waited_limit` working days without a decision.
    escalated: bool = False
    waited_limit: int = 0
    #: The committee deciding this stage (a member's card, with the vote buttons).
    committee: CommitteeFacts | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CardOutcome(ProposalOutcome):
    """Edits a sent approval card (`edit_of`, its dedupe key) to show what a stage decided.

    `outcome`: approved, rejected, expired, cancelled or forwarded (approved at a stage that is
    not the last; `next_stage` is then the stage it goes to)."""

    KIND: ClassVar[Literal["card_outcome"]] = "card_outcome"
    by_name: str | None = None
    reason: str | None = None
    #: The card's content (None on rows stored before cards carried it: outcome line only).
    content: TransferContent | None = None
    #: The stage of the card edited, and the stage whose decision this is.
    stage: int = 0
    decided_stage: int | None = None
    stage_count: int = 1
    next_stage: int = 0
    next_stage_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitteeTally(Edit):
    """Edits a sent committee card (`edit_of`) after a member's vote: the card as sent, the
    votes so far (`yes`, `no`, `open`: members who may still vote), and this copy's member's
    own vote (`voted`: None while they have not voted; the dissent's `reason`)."""

    KIND: ClassVar[Literal["committee_tally"]] = "committee_tally"
    card: ApprovalCard
    yes: int
    no: int
    open: int
    voted: bool | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Reminder:
    """A reminder of a card still undecided after `waited_days` working days."""

    KIND: ClassVar[Literal["reminder"]] = "reminder"
    proposal_id: int
    stage: int
    waited_days: int
    #: Working days left before the proposal expires.
    expires_in: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Undecided:
    """Many undecided proposals in one message instead of one message each: how many, and their
    ids (not a kind of its own: the reminder and escalation digests carry these fields)."""

    count: int
    ids: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderDigest(Undecided):
    """One reminder of them all; the first of them expires in `expires_in` working days."""

    KIND: ClassVar[Literal["reminder_digest"]] = "reminder_digest"
    expires_in: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationDigest(Undecided):
    """Raised to one chat at once, after `days` working days."""

    KIND: ClassVar[Literal["escalation_digest"]] = "escalation_digest"
    days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestOf:
    """Which digest: of plan `plan_id`'s `count` moves at `stage`, for approver `nip` (not a kind
    of its own: the digest and its refresh carry these fields)."""

    plan_id: int
    stage: int
    nip: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalDigest(DigestOf):
    """One digest (rendered from the database when sent, so it shows the numbers of that
    moment)."""

    KIND: ClassVar[Literal["approval_digest"]] = "approval_digest"


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestRefresh(DigestOf):
    """Edits a sent digest (`edit_of`) to its current numbers."""

    KIND: ClassVar[Literal["digest_refresh"]] = "digest_refresh"
    edit_of: str | None


# --- objections and notices (flow 6) ---------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MoveUnits:
    """A proposal's person and units, by code and by name (not a kind of its own: the
    objection card and the word to supervisors about a cancelled move carry these fields)."""

    proposal_id: int
    nip: str
    from_unit: str
    to_unit: str
    from_name: str | None = None
    to_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectionCard(MoveUnits):
    """An ASN's (`name`) objection put to the approvers (or, `escalated`, to the admins), with
    uphold / cancel buttons; the ruling is due by `deadline`."""

    KIND: ClassVar[Literal["objection"]] = "objection"
    reason: str
    name: str
    deadline: dt.date | None = None
    escalated: bool = False

    @classmethod
    def of(
        cls, units: MoveUnits, *, reason: str, name: str, deadline: dt.date | None
    ) -> ObjectionCard:
        """The objection to the move UNITS describes."""
        return cls(reason=reason, name=name, deadline=deadline, **_fields_of(units, MoveUnits))


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectionCardOutcome(ProposalOutcome):
    """Edits a sent objection card (`edit_of`) to show the ruling (`outcome`) and by whom."""

    KIND: ClassVar[Literal["objection_card_outcome"]] = "objection_card_outcome"
    by_name: str | None
    objection: ObjectionCard


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectionReminder:
    """A reminder of an objection waiting for the approvers' ruling."""

    KIND: ClassVar[Literal["objection_reminder"]] = "objection_reminder"
    proposal_id: int
    waited_days: int
    deadline: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice(MoveShown):
    """The transfer notice to the ASN (✅ Terima · 📝 Ajukan keberatan · ℹ️ Rincian); the
    objection window is `objection_days` days from its delivery."""

    KIND: ClassVar[Literal["notice"]] = "notice"
    objection_days: int = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeOutcome(ProposalOutcome):
    """Edits the sent notice (`edit_of`) after the ASN's answer (`outcome`)."""

    KIND: ClassVar[Literal["notice_outcome"]] = "notice_outcome"
    content: TransferContent | None = None
    objection_days: int = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisorInfo(MoveShown):
    """To a unit's supervisor: someone leaves (`out`) or joins (`in`) the unit."""

    KIND: ClassVar[Literal["supervisor_info"]] = "supervisor_info"
    direction: Direction


@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisorCancelled(MoveUnits):
    """To a unit's supervisor: the transfer was cancelled after an objection."""

    KIND: ClassVar[Literal["supervisor_cancelled"]] = "supervisor_cancelled"
    direction: Direction

    @classmethod
    def of(cls, units: MoveUnits, *, direction: Direction) -> SupervisorCancelled:
        """The word to the supervisor on the DIRECTION side of the move UNITS describes."""
        return cls(direction=direction, **_fields_of(units, MoveUnits))


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectionRuling:
    """To the ASN: what the approvers ruled on their objection (`outcome`)."""

    KIND: ClassVar[Literal["objection_outcome"]] = "objection_outcome"
    proposal_id: int
    outcome: str
    reason: str | None
    from_unit: str
    to_unit: str


# --- after approval: SPMT, TMT, evaluation ---------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferFacts:
    """Who moves where and when (not a kind of its own: the SPMT request and the alerts to
    admins about one move carry these fields)."""

    proposal_id: int
    nip: str
    name: str
    jabatan: str
    from_name: str
    to_name: str
    tmt: dt.date | None
    #: The jabatan needs a new SIP for the destination facility (PP 28/2024).
    butuh_sip: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ArrivalRequest(TransferFacts):
    """To the destination head on (and after) the TMT: confirm the SPMT with one tap;
    `reminder` after `waited_days` working days without it."""

    KIND: ClassVar[Literal["arrival_request"]] = "arrival_request"
    reminder: bool = False
    waited_days: int = 0

    @classmethod
    def of(cls, facts: TransferFacts, *, reminder: bool, waited_days: int) -> ArrivalRequest:
        """The request about the move FACTS describes."""
        return cls(reminder=reminder, waited_days=waited_days, **_fields_of(facts, TransferFacts))


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferAlert(TransferFacts):
    """To admins about one move: `alert` is arrival_no_head, arrival_overdue,
    minister_letter_needed or unit_changed."""

    KIND: ClassVar[Literal["transfer_alert"]] = "transfer_alert"
    alert: str

    @classmethod
    def of(cls, facts: TransferFacts, *, alert: str) -> TransferAlert:
        """The ALERT about the move FACTS describes."""
        return cls(alert=alert, **_fields_of(facts, TransferFacts))


def _fields_of(value: object, base: type) -> dict[str, Any]:
    """VALUE's fields of the dataclass BASE, to build a subclass from it."""
    return {f.name: getattr(value, f.name) for f in fields(base)}


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferEffective:
    """To the ASN on the TMT: the move took effect."""

    KIND: ClassVar[Literal["transfer_effective"]] = "transfer_effective"
    proposal_id: int
    to_unit: str
    to_name: str | None
    tmt: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationRequest:
    """90 days after the TMT: a 1-5 rating (`kind`: performance, adaptation or move)."""

    KIND: ClassVar[Literal["evaluation_request"]] = "evaluation_request"
    proposal_id: int
    kind: str
    nip: str
    name: str | None
    to_unit: str
    to_name: str | None


# --- plans -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LeftOutPair:
    """A (unit, jabatan) a plan left out for lack of ABK, with its headcount."""

    unit: str
    jabatan: str
    staff: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkloadFlag:
    """A workload report confirmed despite a large FTE change, which a plan rests on."""

    unit: str
    unit_name: str
    jabatan: str
    #: YYYY-MM
    month: str
    previous_fte: float | None
    required_fte: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanSummary:
    """An approver's plan summary: the numbers, the chart's bars, "Setujui semua" when the
    chat has cards of its own (`your_cards`). Of those, `your_votes` wait for the reader's
    vote as a member of the committee, not for their decision."""

    KIND: ClassVar[Literal["plan_summary"]] = "plan_summary"
    plan_id: int
    plan_date: dt.date
    moves: int
    your_cards: int | None
    objective: float
    status_quo_objective: float
    bound: float | None = None
    not_granted: int = 0
    left_out: tuple[LeftOutPair, ...] = ()
    bars: tuple[UnitBar, ...] = ()
    workload_flags: tuple[WorkloadFlag, ...] = ()
    your_votes: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanReport:
    """The admins' morning report of a nightly plan: each approver as (name, moves, whether
    they got a digest), and the proposals no approver can decide."""

    KIND: ClassVar[Literal["plan_report"]] = "plan_report"
    plan_id: int
    moves: int
    approvers: tuple[tuple[str, int, bool], ...] = ()
    unreached: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreachedMove:
    """A proposal nobody can decide at its stage (listed to admins)."""

    id: int
    nip: str
    from_unit: str
    to_unit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminAlert:
    """A note to admins. `alert`: undeliverable / failed (a message of kind `kind` could not
    reach `nips`), or no_approver (`proposals` at `stage` reach no approver)."""

    KIND: ClassVar[Literal["admin_alert"]] = "admin_alert"
    alert: str
    nips: tuple[str, ...] = ()
    kind: str = ""
    proposals: tuple[UnreachedMove, ...] = ()
    stage: int = 0


# --- delegation, reminders of flows 2 and 3, corrections ----------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DelegationNotice:
    """A delegation's start or end (`event`), told `to` the approver or the delegate."""

    KIND: ClassVar[Literal["delegation_notice"]] = "delegation_notice"
    event: Literal["start", "end"]
    to: Literal["approver", "delegate"]
    approver: str
    delegate: str
    first_day: dt.date
    last_day: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class AspirationRenew:
    """A month before an aspiration expires: renew it."""

    KIND: ClassVar[Literal["aspiration_renew"]] = "aspiration_renew"
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkloadReminder:
    """Last month's (YYYY-MM) workload is still missing for these units."""

    KIND: ClassVar[Literal["workload_reminder"]] = "workload_reminder"
    month: str
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionRequest:
    """To an admin: a person asks for a correction of their data."""

    KIND: ClassVar[Literal["correction_request"]] = "correction_request"
    nip: str
    name: str
    unit: str
    request: str
    at: dt.datetime


#: Every kind drawn as text by `handlers.outbox_render.render_text`.
TextPayload = (
    ApprovalCard
    | CardOutcome
    | CommitteeTally
    | Reminder
    | ReminderDigest
    | EscalationDigest
    | ObjectionCard
    | ObjectionCardOutcome
    | ObjectionReminder
    | Notice
    | NoticeOutcome
    | SupervisorInfo
    | SupervisorCancelled
    | ObjectionRuling
    | ArrivalRequest
    | TransferAlert
    | TransferEffective
    | EvaluationRequest
    | PlanReport
    | AdminAlert
    | DelegationNotice
    | AspirationRenew
    | WorkloadReminder
    | CorrectionRequest
)
#: Digests drawn from the database when sent (they show the numbers of that moment).
LiveDigest = ApprovalDigest | DigestRefresh
#: Every outbox payload: text, the live digests, and the plan summary (sent as a photo).
OutboxPayload = TextPayload | LiveDigest | PlanSummary

#: Payloads that edit an earlier message, named by its dedupe key in `edit_of`.
EditPayload = CardOutcome | CommitteeTally | NoticeOutcome | ObjectionCardOutcome | DigestRefresh

#: Kind -> class, from the union above (the one list of kinds).
KIND_TYPES: dict[str, type[OutboxPayload]] = {cls.KIND: cls for cls in get_args(OutboxPayload)}


def edit_of(payload: OutboxPayload) -> str | None:
    """The dedupe key of the message PAYLOAD edits (None: a new message)."""
    if isinstance(payload, EditPayload):
        return payload.edit_of
    return None
