"""Issue 15, after approval: the SIP flag, the SPMT gate, the freeze and the Minister's letter,
the objection window from delivery and the objection deadline (docs/after-approval.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain import OutboxMessage, ProposalState
from core.domain.eligibility import JabatanInfo, catalogue_by_key
from core.domain.errors import InvalidInput, NotAllowed
from core.domain.messages import (
    ApprovalCard,
    ArrivalRequest,
    Notice,
    ObjectionCard,
    ObjectionRuling,
    TransferAlert,
)
from core.domain.sip import needs_sip
from core.usecases.approval.chain import ApprovalRules
from core.usecases.approval.decisions import decide
from core.usecases.effect import (
    ArrivalAlreadyConfirmed,
    ArrivalNotDue,
    NotDestinationHead,
    SipNotConfirmed,
    TransferNotApproved,
    apply_due_transfers,
    confirm_arrival,
    record_minister_letter,
)
from core.usecases.objections import (
    ObjectionWindowClosed,
    TransferNotOpen,
    chase_objections,
    decide_objection,
    object_transfer,
)
from core.usecases.outbox import dispatch_due
from core.usecases.planning import propose_plan
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUowFactory, RecordingSender, stored_id
from tests.support.loop_agency import (
    ADMIN,
    APPROVER,
    CHAT,
    CLERK,
    JAKARTA,
    NURSE_A,
    SUP_A,
    SUP_B,
    ScriptedEngine,
    move,
    rules,
    world,
)
from tests.support.outbox_samples import payload_of

TMT = dt.date(2027, 1, 1)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=JAKARTA)


def outbox(factory: FakeUowFactory, kind: str, chat: int | None = None) -> list[OutboxMessage]:
    return [
        m
        for m in factory.store.outbox.values()
        if m.kind == kind and (chat is None or m.chat_id == chat)
    ]


async def approved_move(
    approval: ApprovalRules | None = None, mover: str = NURSE_A, origin: str = "PKM-A"
) -> tuple[FakeUowFactory, FakeClock, int, ApprovalRules]:
    """A planned move of MOVER, approved at 09:00 on Tuesday 24 November 2026 (TMT 1 Jan)."""
    factory, clock = await world()
    base = rules()
    planning = dataclasses.replace(base, approval=approval or base.approval)
    outcome = await propose_plan(factory, clock, planning, ScriptedEngine([move(mover, origin)]))
    pid = stored_id(outcome.proposals[0])
    clock.current = at(dt.date(2026, 11, 24))
    await decide(
        factory,
        clock,
        planning.approval,
        proposal_id=pid,
        stage=0,
        approver_nip=APPROVER,
        approve=True,
    )
    return factory, clock, pid, planning.approval


# --- item 4: SIP and SPMT ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jabatan", "expected"),
    [
        ("Perawat Terampil", True),
        ("Bidan Ahli Pertama", True),
        ("Dokter Gigi Ahli Muda", True),
        ("Apoteker Ahli Pertama", True),
        ("Pranata Laboratorium Kesehatan Terampil", True),
        ("Pengadministrasi Umum", False),
        ("Kepala Puskesmas", False),
        ("Guru Ahli Pertama", False),
        ("Penyuluh Kesehatan Masyarakat", False),  # a health jabatan that does not practise
    ],
)
def test_without_a_catalogue_the_name_says_whether_a_sip_is_needed(
    jabatan: str, expected: bool
) -> None:
    assert needs_sip(jabatan) is expected


def test_a_catalogue_entry_overrides_the_reading_of_the_name() -> None:
    catalogue = catalogue_by_key(
        [
            JabatanInfo("Perawat Terampil", "kesehatan", needs_sip=False),
            JabatanInfo("Penyuluh Kesehatan", "kesehatan", needs_sip=True),
        ]
    )
    assert needs_sip("perawat  terampil", catalogue) is False
    assert needs_sip("Penyuluh Kesehatan", catalogue) is True
    assert needs_sip("Bidan Terampil", catalogue) is True


async def test_planning_reads_the_sip_flag_from_the_jabatan_catalogue() -> None:
    factory, clock = await world()
    factory.store.jabatan = [JabatanInfo("Perawat Terampil", "kesehatan", needs_sip=False)]
    outcome = await propose_plan(factory, clock, rules(), ScriptedEngine([move(NURSE_A)]))
    assert [p.butuh_sip for p in outcome.proposals] == [False]


async def test_planning_stores_the_sip_flag_and_the_card_carries_it() -> None:
    factory, clock = await world()
    engine = ScriptedEngine([move(NURSE_A), move(CLERK, "SD-1", "PKM-B")])
    outcome = await propose_plan(factory, clock, rules(), engine)
    flags = {p.nip: p.butuh_sip for p in outcome.proposals}
    assert flags == {NURSE_A: True, CLERK: False}
    cards = {payload_of(m, ApprovalCard).content.nip: m for m in outbox(factory, "approval_card")}
    assert payload_of(cards[NURSE_A], ApprovalCard).content.butuh_sip is True
    assert payload_of(cards[CLERK], ApprovalCard).content.butuh_sip is False


async def test_the_unit_changes_only_after_the_heads_spmt_with_the_sip() -> None:
    factory, clock, pid, approval = await approved_move()
    clock.current = at(TMT, 6)
    report = await apply_due_transfers(factory, clock, approval)
    assert report.applied == ()
    assert factory.store.employees[NURSE_A].unit_code == "PKM-A"
    [request] = outbox(factory, "arrival_request")
    assert request.chat_id == CHAT[SUP_B] and payload_of(request, ArrivalRequest).butuh_sip is True
    # A second pass the same day asks nobody twice.
    await apply_due_transfers(factory, clock, approval)
    assert len(outbox(factory, "arrival_request")) == 1
    with pytest.raises(SipNotConfirmed):
        await confirm_arrival(factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=False)
    assert factory.store.proposals[pid].arrival_confirmed_at is None
    outcome = await confirm_arrival(
        factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True
    )
    assert outcome.applied and outcome.proposal.state == ProposalState.EFFECTIVE
    moved = factory.store.employees[NURSE_A]
    assert (moved.unit_code, moved.tmt_unit) == ("PKM-B", TMT)
    [spmt] = [e for e in factory.store.audit if e.action == "proposal.spmt"]
    assert spmt.actor == SUP_B and spmt.after is not None and spmt.after["sip_held"] is True
    with pytest.raises(ArrivalAlreadyConfirmed):
        await confirm_arrival(factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True)


async def test_only_the_destination_head_confirms_and_not_before_the_tmt() -> None:
    factory, clock, pid, approval = await approved_move()
    with pytest.raises(ArrivalNotDue):
        await confirm_arrival(factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True)
    clock.current = at(TMT)
    for outsider in (SUP_A, NURSE_A, APPROVER):
        with pytest.raises(NotDestinationHead):
            await confirm_arrival(
                factory, clock, approval, proposal_id=pid, nip=outsider, sip_held=True
            )
    # An admin may not pass as the head without saying so.
    with pytest.raises(NotDestinationHead):
        await confirm_arrival(factory, clock, approval, proposal_id=pid, nip=ADMIN, sip_held=True)
    assert factory.store.employees[NURSE_A].unit_code == "PKM-A"


async def test_an_admin_confirms_on_the_heads_behalf_and_the_audit_says_so() -> None:
    factory, clock, pid, approval = await approved_move()
    clock.current = at(TMT)
    with pytest.raises(NotDestinationHead):
        await confirm_arrival(
            factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True, on_behalf=True
        )
    outcome = await confirm_arrival(
        factory, clock, approval, proposal_id=pid, nip=ADMIN, sip_held=True, on_behalf=True
    )
    assert outcome.applied
    [spmt] = [e for e in factory.store.audit if e.action == "proposal.spmt"]
    assert spmt.actor == ADMIN and spmt.after is not None
    assert spmt.after["on_behalf_of_head"] is True


async def test_a_move_without_sip_needs_only_the_spmt() -> None:
    factory, clock, pid, approval = await approved_move(mover=CLERK, origin="SD-1")
    assert factory.store.proposals[pid].butuh_sip is False
    clock.current = at(TMT)
    outcome = await confirm_arrival(
        factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=False
    )
    assert outcome.applied


async def test_the_head_is_reminded_and_admins_told_when_the_spmt_is_overdue() -> None:
    factory, clock, pid, approval = await approved_move()
    clock.current = at(TMT)  # Friday
    await apply_due_transfers(factory, clock, approval)
    clock.current = at(dt.date(2027, 1, 5))  # two working days later
    await apply_due_transfers(factory, clock, approval)
    requests = outbox(factory, "arrival_request", CHAT[SUP_B])
    assert [payload_of(m, ArrivalRequest).reminder for m in requests] == [False, True]
    assert outbox(factory, "transfer_alert") == []
    clock.current = at(dt.date(2027, 1, 15))  # ten working days
    await apply_due_transfers(factory, clock, approval)
    [alert] = outbox(factory, "transfer_alert")
    assert (
        alert.chat_id == CHAT[ADMIN]
        and payload_of(alert, TransferAlert).alert == "arrival_overdue"
    )
    assert factory.store.employees[NURSE_A].unit_code == "PKM-A"


async def test_admins_are_told_at_once_when_the_destination_has_no_head() -> None:
    factory, clock, pid, approval = await approved_move()
    factory.store.roles = [g for g in factory.store.roles if g.nip != SUP_B]
    clock.current = at(TMT)
    await apply_due_transfers(factory, clock, approval)
    [alert] = outbox(factory, "transfer_alert")
    assert (
        payload_of(alert, TransferAlert).alert == "arrival_no_head"
        and alert.chat_id == CHAT[ADMIN]
    )


async def test_an_open_objection_blocks_the_spmt() -> None:
    factory, clock, pid, approval = await approved_move()
    await object_transfer(factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="x")
    clock.current = at(TMT)
    with pytest.raises(TransferNotApproved):
        await confirm_arrival(factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True)


# --- item 7: freeze windows and the Minister's letter -------------------------------------


@pytest.mark.parametrize(
    ("decided", "tmt", "windows", "acting", "needed"),
    [
        (dt.date(2026, 11, 24), dt.date(2027, 1, 1), (), False, False),
        (dt.date(2026, 11, 24), dt.date(2027, 1, 1), (), True, True),
        # TMT inside the window before the election
        (
            dt.date(2026, 11, 24),
            dt.date(2027, 1, 1),
            ((dt.date(2026, 12, 1), dt.date(2027, 3, 1)),),
            False,
            True,
        ),
        # decision inside the window after the inauguration
        (
            dt.date(2026, 11, 24),
            dt.date(2027, 1, 1),
            ((dt.date(2026, 6, 1), dt.date(2026, 11, 30)),),
            False,
            True,
        ),
        # neither
        (
            dt.date(2026, 11, 24),
            dt.date(2027, 1, 1),
            ((dt.date(2027, 2, 1), dt.date(2027, 3, 1)),),
            False,
            False,
        ),
    ],
)
def test_the_minister_is_needed_when_the_decision_or_the_tmt_falls_in_a_window(
    decided: dt.date,
    tmt: dt.date,
    windows: tuple[tuple[dt.date, dt.date], ...],
    acting: bool,
    needed: bool,
) -> None:
    approval = dataclasses.replace(rules().approval, freeze_windows=windows, acting_head=acting)
    assert approval.minister_needed(decided, tmt) is needed


async def test_a_frozen_move_takes_effect_only_once_the_ministers_letter_is_recorded() -> None:
    window = ((dt.date(2026, 12, 15), dt.date(2027, 6, 30)),)
    approval = dataclasses.replace(rules().approval, freeze_windows=window)
    factory, clock, pid, approval = await approved_move(approval)
    [notice] = outbox(factory, "notice")
    assert payload_of(notice, Notice).content.freeze_note is True
    # The admins can ask for the letter as soon as the move is approved.
    [needed] = outbox(factory, "transfer_alert", CHAT[ADMIN])
    assert payload_of(needed, TransferAlert).alert == "minister_letter_needed"
    clock.current = at(TMT)
    waiting = await confirm_arrival(
        factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True
    )
    assert not waiting.applied and waiting.waiting == ("minister",)
    assert factory.store.employees[NURSE_A].unit_code == "PKM-A"
    report = await apply_due_transfers(factory, clock, approval)
    assert report.applied == () and report.waiting_minister == (pid,)
    assert {payload_of(m, TransferAlert).alert for m in outbox(factory, "transfer_alert")} == {
        "minister_letter_needed",
        "minister_letter_missing",
    }
    with pytest.raises(NotAllowed):
        await record_minister_letter(
            factory,
            clock,
            approval,
            proposal_ids=[pid],
            admin_nip=SUP_B,
            number="100.2.2.6/123/OTDA",
            letter_date=dt.date(2026, 12, 20),
        )
    for number, day in (("  ", dt.date(2026, 12, 20)), ("X/1", dt.date(2027, 2, 1))):
        with pytest.raises(InvalidInput):
            await record_minister_letter(
                factory,
                clock,
                approval,
                proposal_ids=[pid],
                admin_nip=ADMIN,
                number=number,
                letter_date=day,
            )
    assert factory.store.proposals[pid].minister_letter_number is None
    applied = await record_minister_letter(
        factory,
        clock,
        approval,
        proposal_ids=[pid],
        admin_nip=ADMIN,
        number="100.2.2.6/123/OTDA",
        letter_date=dt.date(2026, 12, 20),
    )
    assert applied == (pid,)
    assert factory.store.employees[NURSE_A].unit_code == "PKM-B"
    stored = factory.store.proposals[pid]
    assert (stored.minister_letter_number, stored.minister_letter_date) == (
        "100.2.2.6/123/OTDA",
        dt.date(2026, 12, 20),
    )
    assert any(
        e.action == "proposal.minister_letter" and e.actor == ADMIN for e in factory.store.audit
    )


async def test_an_acting_head_freezes_every_move() -> None:
    approval = dataclasses.replace(rules().approval, acting_head=True)
    factory, clock, pid, approval = await approved_move(approval)
    clock.current = at(TMT)
    outcome = await confirm_arrival(
        factory, clock, approval, proposal_id=pid, nip=SUP_B, sip_held=True
    )
    assert outcome.waiting == ("minister",)


# --- item 10: the objection window and deadline --------------------------------------------


async def test_the_objection_window_starts_when_the_notice_is_delivered() -> None:
    factory, clock, pid, approval = await approved_move()
    # The ASN's chat could not be reached for three days: nothing is delivered yet.
    sender = RecordingSender()
    clock.current = at(dt.date(2026, 11, 27), 10)
    await dispatch_due(factory, sender, clock)
    delivered = factory.store.proposals[pid].notice_delivered_at
    assert delivered == clock.current
    # Eight days after approval but five after delivery: still open.
    clock.current = at(dt.date(2026, 12, 2), 10)
    await dispatch_due(factory, sender, clock)  # a later send does not move the start
    assert factory.store.proposals[pid].notice_delivered_at == delivered
    clock.current = delivered + dt.timedelta(days=7, minutes=1)
    with pytest.raises(ObjectionWindowClosed):
        await object_transfer(factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="x")
    clock.current = delivered + dt.timedelta(days=6)
    result = await object_transfer(
        factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="orang tua sakit"
    )
    assert result.state == ProposalState.OBJECTED
    assert result.objected_at == clock.current


async def test_an_undelivered_notice_leaves_the_window_open() -> None:
    factory, clock, pid, approval = await approved_move()
    clock.advance(dt.timedelta(days=20))
    result = await object_transfer(
        factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="baru tahu"
    )
    assert result.state == ProposalState.OBJECTED


async def objected() -> tuple[FakeUowFactory, FakeClock, int, ApprovalRules]:
    factory, clock, pid, approval = await approved_move()
    clock.current = at(dt.date(2026, 11, 25))  # Wednesday
    await object_transfer(factory, clock, approval, proposal_id=pid, nip=NURSE_A, reason="x")
    return factory, clock, pid, approval


async def test_an_objection_card_names_its_deadline() -> None:
    factory, clock, pid, approval = await objected()
    cards = outbox(factory, "objection")
    assert {payload_of(m, ObjectionCard).deadline for m in cards} == {
        dt.date(2026, 12, 9)
    }  # ten working days


async def test_an_undecided_objection_is_reminded_escalated_and_then_granted() -> None:
    factory, clock, pid, approval = await objected()
    clock.current = at(dt.date(2026, 11, 26))
    assert (await chase_objections(factory, clock, approval)).reminded == 0
    with pytest.raises(NotAllowed):  # admins rule only once it is escalated
        await decide_objection(
            factory, clock, approval, proposal_id=pid, approver_nip=ADMIN, cancel=False
        )
    clock.current = at(dt.date(2026, 11, 27))  # two working days
    chores = await chase_objections(factory, clock, approval)
    assert chores.reminded == 2 and chores.escalated == 0
    assert {m.chat_id for m in outbox(factory, "objection_reminder")} == {201, 202}
    clock.current = at(dt.date(2026, 12, 2))  # five working days
    chores = await chase_objections(factory, clock, approval)
    assert chores.escalated == 1 and chores.reminded == 0
    [raised] = [m for m in outbox(factory, "objection") if m.chat_id == CHAT[ADMIN]]
    assert payload_of(raised, ObjectionCard).escalated is True
    clock.current = at(dt.date(2026, 12, 9))  # ten working days: the deadline, still open
    assert (await chase_objections(factory, clock, approval)).lapsed == ()
    clock.current = at(dt.date(2026, 12, 10))  # the day after the deadline
    chores = await chase_objections(factory, clock, approval)
    assert chores.lapsed == (pid,)
    assert factory.store.proposals[pid].state == ProposalState.CANCELLED
    [told] = outbox(factory, "objection_outcome", CHAT[NURSE_A])
    assert payload_of(told, ObjectionRuling).outcome == "lapsed"
    assert outbox(factory, "supervisor_cancelled", CHAT[SUP_B])
    assert any(e.action == "objection.lapsed" for e in factory.store.audit)
    with pytest.raises(TransferNotOpen):
        await decide_objection(
            factory, clock, approval, proposal_id=pid, approver_nip=APPROVER, cancel=False
        )


async def test_an_escalated_objection_may_be_ruled_by_an_admin() -> None:
    factory, clock, pid, approval = await objected()
    clock.current = at(dt.date(2026, 12, 2))
    await chase_objections(factory, clock, approval)
    result = await decide_objection(
        factory, clock, approval, proposal_id=pid, approver_nip=ADMIN, cancel=False
    )
    assert result.state == ProposalState.APPROVED
    clock.current = at(dt.date(2026, 12, 9))
    assert (await chase_objections(factory, clock, approval)).lapsed == ()


# --- settings ------------------------------------------------------------------------------


@pytest.fixture(name="env")
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("MUTASI_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(str(tmp_path))
    return monkeypatch


def test_freeze_settings_reach_the_approval_rules(env: pytest.MonkeyPatch) -> None:
    from bot.composition import approval_rules_of
    from bot.settings import load_settings

    env.setenv("MUTASI_ELECTION_FREEZE", "2026-03-22..2027-02-20")
    env.setenv("MUTASI_INAUGURATION_FREEZE", "2027-03-01..2027-08-31")
    env.setenv("MUTASI_ACTING_HEAD", "true")
    approval = approval_rules_of(load_settings())
    assert approval.freeze_windows == (
        (dt.date(2026, 3, 22), dt.date(2027, 2, 20)),
        (dt.date(2027, 3, 1), dt.date(2027, 8, 31)),
    )
    assert approval.acting_head is True
    assert (
        approval.objection_escalation_working_days,
        approval.objection_decision_working_days,
    ) == (5, 10)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MUTASI_ELECTION_FREEZE", "2027-02-20..2026-03-22"),
        ("MUTASI_INAUGURATION_FREEZE", "setelah pelantikan"),
        ("MUTASI_OBJECTION_DECISION_WORKING_DAYS", "3"),  # not after the escalation (5)
        ("MUTASI_ACTING_HEAD", "kadang"),
    ],
)
def test_bad_after_approval_settings_name_the_variable(
    env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    from bot.settings import SettingsError, load_settings

    env.setenv(name, value)
    with pytest.raises(SettingsError, match=f"^{name}:"):
        load_settings()
