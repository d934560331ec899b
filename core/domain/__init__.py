"""Domain dataclasses: the typed values that cross every boundary (db <-> core <-> handlers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, TypeAlias

if (
    TYPE_CHECKING
):  # core.domain.messages builds on core.domain.notices, which builds on this module
    from core.domain.messages import OutboxPayload
    from core.domain.plan_document import PlanDocument
    from core.rebalance.model import Explanation

EmployeeStatus = Literal["PNS", "PPPK", "CPNS"]

#: Any JSON value (RFC 8259): what `json.loads` returns and `json.dumps` takes. For values that
#: really are free-form JSON (an audit record's details, a Telegram update as the Bot API sent
#: it); a document with known keys gets its own TypedDict or dataclass instead.
JsonValue: TypeAlias = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class Role(StrEnum):
    """What a person may do (docs/domain.md, Roles)."""

    ASN = "asn"
    SUPERVISOR = "supervisor"
    APPROVER = "approver"
    ADMIN = "admin"


class ScopeKind(StrEnum):
    """What a role grant covers."""

    UNIT = "unit"
    OPD = "opd"
    ALL = "all"


class ReasonCategory(StrEnum):
    """Why an ASN wishes to move (flow 2)."""

    CAREER = "career"
    FAMILY = "family"
    HEALTH = "health"
    HOME = "home"
    OTHER = "other"


class ProposalState(StrEnum):
    """Life of a transfer proposal (flows 5-7)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    OBJECTED = "objected"
    CANCELLED = "cancelled"
    EFFECTIVE = "effective"


class OutboxStatus(StrEnum):
    """Delivery state of one outgoing notification."""

    PENDING = "pending"
    #: Its Bot API call is (or was, if the process died) in flight.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"


@dataclass(frozen=True, slots=True)
class Unit:
    """A work unit (unit kerja): a school, a puskesmas, a section."""

    code: str
    name: str
    opd: str
    lat: float
    lon: float
    skills_needed: tuple[str, ...] = ()
    daerah_khusus: bool = False  # a school in a special area: the teachers' 4 years do not apply
    head_nip: str | None = None  # kepala unit (else: the unit's supervisor grant)


@dataclass(frozen=True, slots=True)
class Employee:
    """A civil servant (ASN), as imported from the agency's employee file."""

    nip: str
    name: str
    status: EmployeeStatus
    unit_code: str
    jabatan: str
    golongan: str
    tmt_unit: dt.date
    retirement_age: int
    skills: tuple[str, ...] = ()
    home_lat: float | None = None
    home_lon: float | None = None
    spouse_nip: str | None = None
    lock_reason: str | None = None  # free-text note of the lock (`kunci`)
    lock_kind: str | None = None  # `jenis_kunci`: one of core.domain.eligibility.LOCK_KINDS
    lock_until: dt.date | None = None  # the lock ends by itself on this day (None: open-ended)
    contract_end: dt.date | None = None  # PPPK `akhir_kontrak`
    skp_1: str | None = None  # SKP rating of the last year (core.domain.eligibility.SKP_RATINGS)
    skp_2: str | None = None  # SKP rating of the year before
    mapel: str | None = None  # a teacher's subject ("guru kelas" for SD class teachers)

    @property
    def locked(self) -> bool:
        """Whether the file names a lock at all (dated or not; see core.domain.eligibility)."""
        return self.lock_reason is not None or self.lock_kind is not None


@dataclass(frozen=True, slots=True)
class Activity:
    """One ABK activity of a (unit, jabatan): norma waktu and the accepted annual volume."""

    unit_code: str
    jabatan: str
    name: str
    output_unit: str
    minutes_per_output: float
    annual_volume: float
    mapel: str | None = None  # the subject this need is for (teachers), None for any


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """A role held by an employee over a scope (a unit code, an OPD name, or everything)."""

    nip: str
    role: Role
    scope_kind: ScopeKind = ScopeKind.ALL
    scope_value: str | None = None


@dataclass(frozen=True, slots=True)
class TelegramAccount:
    """The binding of a Telegram user to one employee."""

    telegram_user_id: int
    nip: str
    language: str = "id"
    chat_id: int | None = None
    blocked: bool = False  # unbound by an admin (a new invitation may bind another account)
    undeliverable: bool = False  # Telegram said 403: they blocked the bot; cleared when they write


@dataclass(frozen=True, slots=True)
class Invitation:
    """A one-time registration code, stored only as its hash."""

    code_hash: str
    nip: str
    created_at: dt.datetime
    expires_at: dt.datetime
    created_by: str | None = None
    used_at: dt.datetime | None = None
    used_by_telegram_id: int | None = None
    replaced_at: dt.datetime | None = None  # a newer link for the same person ended this one


@dataclass(frozen=True, slots=True)
class AspirationWish:
    """What an ASN wishes (flow 2): up to three destination unit codes, ranked; the work wished;
    why (a category and free text); and how willing they are to move (1: only to my choices,
    2: willing, 3: very willing). The /aspirasi dialogue's draft, and the part of a stored
    `Aspiration` the ASN chose."""

    choices: tuple[str, ...]
    work_wished: str
    reason: ReasonCategory
    reason_text: str
    willingness: int


@dataclass(frozen=True, slots=True)
class Aspiration:
    """An ASN's wish (`AspirationWish`) as stored: whose, when it was made and until when it
    counts, and when it was withdrawn."""

    nip: str
    wish: AspirationWish
    created_at: dt.datetime
    expires_at: dt.datetime
    id: int | None = None
    withdrawn_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class WorkloadReport:
    """A supervisor's monthly volumes for the activities of one (unit, jabatan)."""

    unit_code: str
    jabatan: str
    month: str  # YYYY-MM
    volumes: dict[str, float]  # activity name -> volume in that month
    reported_by: str
    reported_at: dt.datetime
    id: int | None = None
    required_fte: float | None = None  # the month's FTE, annualised, as shown when saved
    previous_fte: float | None = None  # the figure it was compared with
    large_change: bool = False  # confirmed by the supervisor despite a change over the threshold
    replaces_id: int | None = None  # an earlier report of the same month, kept in history


@dataclass(frozen=True, slots=True)
class Plan:
    """One night's rebalancing result for the agency."""

    id: int | None
    plan_date: dt.date
    created_at: dt.datetime
    status: str
    objective: float
    status_quo_objective: float
    bound: float
    #: The engine's solution document with the chart, left-out pairs and workload flags.
    solution: PlanDocument
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class ProposalHead:
    """What every read of a transfer proposal shows: who (`nip`) moves from `from_unit` to
    `to_unit` in plan `plan_id`, and where the proposal stands (its state and approval stage);
    `id` is None until it is stored. A `TransferProposal` is a head with the engine's
    explanation and the dates of its life; a `ProposalLine` is the head of a stored one."""

    id: int | None
    plan_id: int
    nip: str
    from_unit: str
    to_unit: str
    state: ProposalState = ProposalState.PENDING
    stage: int = 0


@dataclass(frozen=True, slots=True)
class TransferProposal(ProposalHead):
    """One proposed move of one employee (its `ProposalHead`), with the engine's explanation."""

    explanation: Explanation = field(kw_only=True)
    tmt: dt.date | None = None
    decided_at: dt.datetime | None = None
    #: The jabatan needs a practice licence (SIP) tied to one facility: a new one before the TMT.
    butuh_sip: bool = False
    #: When the notice first reached the ASN's chat: the objection window starts here.
    notice_delivered_at: dt.datetime | None = None
    #: When the ASN objected: the objection must be ruled on within a deadline from here.
    objected_at: dt.datetime | None = None
    #: SPMT: the destination head (or an admin for them) confirmed the person started work.
    arrival_confirmed_at: dt.datetime | None = None
    arrival_confirmed_by: str | None = None
    #: The Minister's written approval (number, date) for a move inside a freeze window.
    minister_letter_number: str | None = None
    minister_letter_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ProposalLine(ProposalHead):
    """A stored proposal as one line of a list (the approval digest): its head alone, without
    the engine's explanation (read it with `ProposalRepository.get` for the few lines shown)."""

    id: int


#: The stage number an objection's ruling is recorded with (one per proposal; approval stages
#: are numbered from 0 and never reach it). For a ruling, `approved` means the transfer stands.
OBJECTION_STAGE = 99


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    """One stage's decision on one proposal, by whom and when (`stage` OBJECTION_STAGE: the
    ruling on the employee's objection)."""

    proposal_id: int
    stage: int
    approver_nip: str
    approved: bool
    reason: str | None
    decided_at: dt.datetime

    @property
    def is_objection_ruling(self) -> bool:
        """Whether this is the ruling on the employee's objection, not an approval stage."""
        return self.stage == OBJECTION_STAGE


@dataclass(frozen=True, slots=True)
class CommitteeVote:
    """One committee member's vote on one proposal at the committee stage
    (core.usecases.committee)."""

    proposal_id: int
    stage: int
    member_nip: str
    approved: bool
    reason: str | None
    voted_at: dt.datetime


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A notification to send, committed with the state change that caused it; its kind is
    its payload's (core.domain.messages)."""

    id: int | None
    chat_id: int
    payload: OutboxPayload
    created_at: dt.datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    telegram_message_id: int | None = None
    dedupe_key: str | None = None
    claimed_by: str | None = None  # the dispatcher process whose send is in flight

    @property
    def kind(self) -> str:
        """The outbox kind (core.domain.messages: each payload class names its own)."""
        return self.payload.KIND


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A 1-5 rating 90 days after a transfer, by the new supervisor or the ASN."""

    proposal_id: int
    rater_nip: str
    kind: Literal["performance", "adaptation", "move"]
    score: int
    rated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who changed what, when, with the before and after."""

    actor: str
    action: str
    subject: str
    at: dt.datetime
    before: dict[str, JsonValue] | None = None
    after: dict[str, JsonValue] | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Delegation:
    """A delegation while an approver is away (core.usecases.delegation): APPROVER_NIP's approvals
    go
    to DELEGATE_NIP from FIRST_DAY to LAST_DAY (agency dates, inclusive), unless ENDED_AT."""

    id: int | None
    approver_nip: str
    delegate_nip: str
    first_day: dt.date
    last_day: dt.date
    created_at: dt.datetime
    ended_at: dt.datetime | None = None

    def runs_on(self, day: dt.date) -> bool:
        """Whether the delegation is in force on DAY."""
        return self.ended_at is None and self.first_day <= day <= self.last_day

    def over_by(self, day: dt.date) -> bool:
        """Whether the delegation has ended by DAY (its last day passed, or ended early)."""
        return self.ended_at is not None or day > self.last_day
