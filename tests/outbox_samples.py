"""One plausible message of every outbox kind (core.messages), for tests that need "a message"
of a kind, and for the check that every kind stores, reads back and renders."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from core.domain import OutboxMessage
from core.messages import (
    KIND_TYPES,
    AdminAlert,
    ApprovalCard,
    ApprovalDigest,
    ArrivalRequest,
    AspirationRenew,
    CardOutcome,
    CorrectionRequest,
    DelegationNotice,
    DigestRefresh,
    EscalationDigest,
    EvaluationRequest,
    LeftOutPair,
    Notice,
    NoticeOutcome,
    ObjectionCard,
    ObjectionCardOutcome,
    ObjectionReminder,
    ObjectionRuling,
    OutboxPayload,
    PlanReport,
    PlanSummary,
    Reminder,
    ReminderDigest,
    SupervisorCancelled,
    SupervisorInfo,
    TransferAlert,
    TransferEffective,
    TransferFacts,
    UnreachedMove,
    WorkloadFlag,
    WorkloadReminder,
)
from core.notices import SideFigures, TransferContent, UnitBar

NIP = "199001012015032001"
CONTENT = TransferContent(
    proposal_id=7,
    nip=NIP,
    name="Siti Aminah",
    jabatan="Perawat",
    golongan="III/a",
    origin=SideFigures("PKM-A", "Puskesmas Wonosari I", "Perawat", 4.0, 6, 5),
    destination=SideFigures("PKM-B", "Puskesmas Playen", "Perawat", 5.0, 3, 4),
    tmt="2027-01-01",
    aspiration_rank=1,
    skills_matched=("gawat darurat",),
    training=(),
    distance_before_km=12.5,
    distance_after_km=3.0,
    objective_delta=-2.5,
    chain_size=1,
    alternative="Puskesmas Semanu",
    alternative_delta=-1.0,
    months_in_unit=64,
    aspiration_reason="family",
    long_tenure=True,
)
OBJECTION = ObjectionCard(
    proposal_id=7,
    reason="merawat orang tua",
    name="Siti Aminah",
    nip=NIP,
    from_unit="PKM-A",
    to_unit="PKM-B",
    from_name="Puskesmas Wonosari I",
    to_name="Puskesmas Playen",
    deadline=dt.date(2026, 12, 9),
)
FACTS = TransferFacts(
    proposal_id=7,
    nip=NIP,
    name="Siti Aminah",
    jabatan="Perawat",
    from_name="Puskesmas Wonosari I",
    to_name="Puskesmas Playen",
    tmt=dt.date(2027, 1, 1),
    butuh_sip=True,
)

SAMPLES: dict[type[OutboxPayload], OutboxPayload] = {
    ApprovalCard: ApprovalCard(proposal_id=7, content=CONTENT, stage=0, stage_count=2),
    CardOutcome: CardOutcome(
        edit_of=None,
        proposal_id=7,
        outcome="forwarded",
        by_name="Budi",
        content=CONTENT,
        decided_stage=0,
        stage_count=2,
        next_stage=1,
        next_stage_name="sekda",
    ),
    Reminder: Reminder(proposal_id=7, stage=0, waited_days=2, expires_in=8),
    ReminderDigest: ReminderDigest(count=30, ids=tuple(range(1, 31)), expires_in=3),
    EscalationDigest: EscalationDigest(count=12, ids=tuple(range(1, 13)), days=5),
    ApprovalDigest: ApprovalDigest(plan_id=1, stage=0, nip=NIP, count=40),
    DigestRefresh: DigestRefresh(edit_of=None, plan_id=1, stage=0, nip=NIP, count=41),
    ObjectionCard: OBJECTION,
    ObjectionCardOutcome: ObjectionCardOutcome(
        edit_of=None,
        proposal_id=7,
        outcome="upheld",
        by_name="Budi",
        objection=OBJECTION,
    ),
    ObjectionReminder: ObjectionReminder(
        proposal_id=7, waited_days=2, deadline=dt.date(2026, 12, 9)
    ),
    Notice: Notice(proposal_id=7, content=CONTENT, objection_days=7),
    NoticeOutcome: NoticeOutcome(
        edit_of=None, proposal_id=7, outcome="accepted", content=CONTENT
    ),
    SupervisorInfo: SupervisorInfo(proposal_id=7, direction="in", content=CONTENT),
    SupervisorCancelled: SupervisorCancelled(
        proposal_id=7, direction="out", nip=NIP, from_unit="PKM-A", to_unit="PKM-B"
    ),
    ObjectionRuling: ObjectionRuling(
        proposal_id=7, outcome="cancelled", reason=None, from_unit="PKM-A", to_unit="PKM-B"
    ),
    ArrivalRequest: ArrivalRequest.of(FACTS, reminder=True, waited_days=2),
    TransferAlert: TransferAlert.of(FACTS, alert="arrival_overdue"),
    TransferEffective: TransferEffective(
        proposal_id=7, to_unit="PKM-B", to_name="Puskesmas Playen", tmt=dt.date(2027, 1, 1)
    ),
    EvaluationRequest: EvaluationRequest(
        proposal_id=7,
        kind="performance",
        nip=NIP,
        name="Siti Aminah",
        to_unit="PKM-B",
        to_name="Puskesmas Playen",
    ),
    PlanSummary: PlanSummary(
        plan_id=1,
        plan_date=dt.date(2026, 11, 24),
        moves=3,
        your_cards=2,
        objective=10.0,
        status_quo_objective=25.0,
        bound=9.5,
        not_granted=1,
        left_out=(LeftOutPair(unit="RSUD", jabatan="Apoteker", staff=2),),
        bars=(UnitBar("PKM-A", "Puskesmas Wonosari I", "Perawat", 4.0, 6, 5),),
        workload_flags=(
            WorkloadFlag(
                unit="PKM-A",
                unit_name="Puskesmas Wonosari I",
                jabatan="Perawat",
                month="2026-10",
                previous_fte=4.0,
                required_fte=6.5,
            ),
        ),
    ),
    PlanReport: PlanReport(plan_id=1, moves=3, approvers=(("Budi", 3, False),), unreached=(9,)),
    AdminAlert: AdminAlert(
        alert="no_approver",
        proposals=(UnreachedMove(id=9, nip=NIP, from_unit="PKM-A", to_unit="PKM-B"),),
        stage=1,
    ),
    DelegationNotice: DelegationNotice(
        event="start",
        to="delegate",
        approver="Budi",
        delegate="Wati",
        first_day=dt.date(2026, 12, 1),
        last_day=dt.date(2026, 12, 5),
    ),
    AspirationRenew: AspirationRenew(expires_at=dt.datetime(2027, 1, 15, tzinfo=dt.UTC)),
    WorkloadReminder: WorkloadReminder(month="2026-10", units=("Puskesmas Playen",)),
    CorrectionRequest: CorrectionRequest(
        nip=NIP,
        name="Siti Aminah",
        unit="Puskesmas Playen",
        request="Golongan saya sudah III/b",
        at=dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC),
    ),
}


def sample(kind: str) -> OutboxPayload:
    """The sample message of KIND."""
    return SAMPLES[KIND_TYPES[kind]]


P = TypeVar("P", bound=OutboxPayload)


def payload_of(message: OutboxMessage, cls: type[P]) -> P:
    """MESSAGE's payload, which must be of CLS (narrowed for the type checker)."""
    assert isinstance(message.payload, cls), (message.kind, cls.KIND)
    return message.payload
