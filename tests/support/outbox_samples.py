"""One plausible message of every outbox kind (core.domain.messages), for tests that need "a
message"
of a kind, and for the check that every kind stores, reads back and renders."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from core.domain import OutboxMessage
from core.domain import messages as m
from core.domain.messages import KIND_TYPES, OutboxPayload
from core.domain.notices import SideFigures, TransferContent, UnitBar
from core.rebalance.model import Explanation, StaffingSide

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
OBJECTION = m.ObjectionCard(
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
FACTS = m.TransferFacts(
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
    m.ApprovalCard: m.ApprovalCard(proposal_id=7, content=CONTENT, stage=0, stage_count=2),
    m.CommitteeTally: m.CommitteeTally(
        edit_of="card:7:1:301",
        card=m.ApprovalCard(
            proposal_id=7,
            content=CONTENT,
            stage=1,
            stage_count=3,
            committee=m.CommitteeFacts(name="Tim Penilai Kinerja", members=3, quorum=2),
        ),
        yes=1,
        no=1,
        open=1,
        voted=False,
        reason="Formasi unit tujuan sudah penuh",
    ),
    m.CardOutcome: m.CardOutcome(
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
    m.Reminder: m.Reminder(proposal_id=7, stage=0, waited_days=2, expires_in=8),
    m.ReminderDigest: m.ReminderDigest(count=30, ids=tuple(range(1, 31)), expires_in=3),
    m.EscalationDigest: m.EscalationDigest(count=12, ids=tuple(range(1, 13)), days=5),
    m.ApprovalDigest: m.ApprovalDigest(plan_id=1, stage=0, nip=NIP, count=40),
    m.DigestRefresh: m.DigestRefresh(edit_of=None, plan_id=1, stage=0, nip=NIP, count=41),
    m.ObjectionCard: OBJECTION,
    m.ObjectionCardOutcome: m.ObjectionCardOutcome(
        edit_of=None,
        proposal_id=7,
        outcome="upheld",
        by_name="Budi",
        objection=OBJECTION,
    ),
    m.ObjectionReminder: m.ObjectionReminder(
        proposal_id=7, waited_days=2, deadline=dt.date(2026, 12, 9)
    ),
    m.Notice: m.Notice(proposal_id=7, content=CONTENT, objection_days=7),
    m.NoticeOutcome: m.NoticeOutcome(
        edit_of=None, proposal_id=7, outcome="accepted", content=CONTENT
    ),
    m.SupervisorInfo: m.SupervisorInfo(proposal_id=7, direction="in", content=CONTENT),
    m.SupervisorCancelled: m.SupervisorCancelled(
        proposal_id=7, direction="out", nip=NIP, from_unit="PKM-A", to_unit="PKM-B"
    ),
    m.ObjectionRuling: m.ObjectionRuling(
        proposal_id=7, outcome="cancelled", reason=None, from_unit="PKM-A", to_unit="PKM-B"
    ),
    m.ArrivalRequest: m.ArrivalRequest.of(FACTS, reminder=True, waited_days=2),
    m.TransferAlert: m.TransferAlert.of(FACTS, alert="arrival_overdue"),
    m.TransferEffective: m.TransferEffective(
        proposal_id=7, to_unit="PKM-B", to_name="Puskesmas Playen", tmt=dt.date(2027, 1, 1)
    ),
    m.EvaluationRequest: m.EvaluationRequest(
        proposal_id=7,
        kind="performance",
        nip=NIP,
        name="Siti Aminah",
        to_unit="PKM-B",
        to_name="Puskesmas Playen",
    ),
    m.PlanSummary: m.PlanSummary(
        plan_id=1,
        plan_date=dt.date(2026, 11, 24),
        moves=3,
        your_cards=2,
        objective=10.0,
        status_quo_objective=25.0,
        bound=9.5,
        not_granted=1,
        left_out=(m.LeftOutPair(unit="RSUD", jabatan="Apoteker", staff=2),),
        bars=(UnitBar("PKM-A", "Puskesmas Wonosari I", "Perawat", 4.0, 6, 5),),
        workload_flags=(
            m.WorkloadFlag(
                unit="PKM-A",
                unit_name="Puskesmas Wonosari I",
                jabatan="Perawat",
                month="2026-10",
                previous_fte=4.0,
                required_fte=6.5,
            ),
        ),
    ),
    m.PlanReport: m.PlanReport(
        plan_id=1, moves=3, approvers=(("Budi", 3, False),), unreached=(9,)
    ),
    m.AdminAlert: m.AdminAlert(
        alert="no_approver",
        proposals=(m.UnreachedMove(id=9, nip=NIP, from_unit="PKM-A", to_unit="PKM-B"),),
        stage=1,
    ),
    m.DelegationNotice: m.DelegationNotice(
        event="start",
        to="delegate",
        approver="Budi",
        delegate="Wati",
        first_day=dt.date(2026, 12, 1),
        last_day=dt.date(2026, 12, 5),
    ),
    m.AspirationRenew: m.AspirationRenew(expires_at=dt.datetime(2027, 1, 15, tzinfo=dt.UTC)),
    m.WorkloadReminder: m.WorkloadReminder(month="2026-10", units=("Puskesmas Playen",)),
    m.CorrectionRequest: m.CorrectionRequest(
        nip=NIP,
        name="Siti Aminah",
        unit="Puskesmas Playen",
        request="Golongan saya sudah III/b",
        at=dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC),
    ),
}


P = TypeVar("P", bound=OutboxPayload)


def sample(kind: str) -> OutboxPayload:
    """The sample message of KIND."""
    return SAMPLES[KIND_TYPES[kind]]


def sample_of(cls: type[P]) -> P:
    """The sample message of class CLS."""
    found = SAMPLES[cls]  # type: ignore[index]  # P is one of the keys' classes
    assert isinstance(found, cls)
    return found


def explanation(
    origin: str = "PKM-A", destination: str = "PKM-B", family: str = "Perawat Terampil"
) -> Explanation:
    """The engine's explanation of a nurse's move from ORIGIN (2 staff, need 1.02) to
    DESTINATION (1 staff, need 2.4), asked for as second choice."""
    return Explanation(
        origin=StaffingSide(origin, family, 1.02, 2, 1),
        destination=StaffingSide(destination, family, 2.4, 1, 2),
        aspiration_rank=2,
        skills_matched=(),
        distance_before_km=3.0,
        distance_after_km=6.5,
        objective_delta=-42.0,
        chain=(),
    )


def payload_of(message: OutboxMessage, cls: type[P]) -> P:
    """MESSAGE's payload, which must be of CLS (narrowed for the type checker)."""
    assert isinstance(message.payload, cls), (message.kind, cls.KIND)
    return message.payload
