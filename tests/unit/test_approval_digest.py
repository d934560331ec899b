"""Issue 10 in core: a plan of many moves reaches each approver as summary + one digest, group
decisions, chains that say what each stage did, stale taps, and moves nobody can decide."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pytest

from core.domain import (
    ProposalLine,
    ProposalState,
    Role,
    RoleGrant,
    ScopeKind,
    TransferProposal,
    Unit,
)
from core.domain.messages import (
    AdminAlert,
    ApprovalCard,
    CardOutcome,
    OutboxPayload,
    PlanReport,
    PlanSummary,
)
from core.rebalance.documents import MoveDocument
from core.usecases.approval.decisions import AlreadyDecided, decide
from core.usecases.approval.groups import approve_many
from core.usecases.planning import propose_plan
from core.views.digest import digest_view
from handlers.approval import render_card_outcome, stale_text
from handlers.i18n import translator
from handlers.plan import render_admin_alert, render_plan_report
from tests.support.agency import Agency
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUowFactory, stored_id
from tests.support.loop_agency import (
    ADMIN,
    APPROVER,
    APPROVER_2,
    CHAT,
    NURSE_A,
    NURSE_B,
    OUTSIDER,
    ScriptedEngine,
    employee,
    explained,
    move,
    rules,
    world,
)
from tests.support.outbox_samples import payload_of

ORIGINS = ("PKM-C", "PKM-D", "PKM-E")


def nip_of(i: int) -> str:
    return f"19900101201503{1 + i % 2}{i:03d}"


async def with_many_movers(factory: FakeUowFactory, count: int) -> list[MoveDocument]:
    """COUNT nurses spread over three more Dinkes units, each proposed to move to PKM-B."""
    units = [
        Unit(code, f"Puskesmas {code[-1]}", "Dinkes", -7.9 - index / 100, 110.6)
        for index, code in enumerate(ORIGINS)
    ]
    people = [employee(nip_of(i), f"Perawat {i}", ORIGINS[i % len(ORIGINS)]) for i in range(count)]
    await Agency(units=tuple(units), people=tuple(people)).write_to(factory)
    return [move(p.nip, p.unit_code, "PKM-B") for p in people]


def messages_to(factory: FakeUowFactory, chat: int) -> list[tuple[str, OutboxPayload]]:
    rows = sorted(
        (m for m in factory.store.outbox.values() if m.chat_id == chat),
        key=lambda m: (m.next_attempt_at, m.id),
    )
    return [(m.kind, m.payload) for m in rows]


async def test_a_plan_of_many_moves_reaches_each_approver_as_summary_then_one_digest() -> None:
    factory, clock = await world()
    moves = await with_many_movers(factory, 30)
    outcome = await propose_plan(factory, clock, rules(), ScriptedEngine(moves))
    assert len(outcome.proposals) == 30
    for approver in (APPROVER, APPROVER_2):
        sent = messages_to(factory, CHAT[approver])
        assert [kind for kind, _ in sent] == ["plan_summary", "approval_digest"]
        assert isinstance(sent[0][1], PlanSummary) and sent[0][1].your_cards == 30
    assert messages_to(factory, CHAT[OUTSIDER]) == []
    # The admin's report says who got what and that every move has an approver.
    [(kind, report)] = messages_to(factory, CHAT[ADMIN])
    assert kind == "plan_report" and isinstance(report, PlanReport)
    text, _ = render_plan_report(translator("id"), report)
    assert "Kepala Dinkes: 1 ikhtisar berisi 30 usulan" in text
    assert "Sekretaris Dinkes: 1 ikhtisar berisi 30 usulan" in text
    assert "tanpa pejabat" not in text
    assert outcome.delivery is not None and outcome.delivery.unreached == ()


async def test_the_digest_groups_moves_by_opd_and_origin_unit() -> None:
    factory, clock = await world()
    moves = await with_many_movers(factory, 30)
    outcome = await propose_plan(factory, clock, rules(), ScriptedEngine(moves))
    async with factory() as uow:
        view = await digest_view(uow, stored_id(outcome.plan), [APPROVER], rules().approval)
        outsider = await digest_view(uow, stored_id(outcome.plan), [OUTSIDER], rules().approval)
    assert [(g.opd, g.unit_code, len(g.entries)) for g in view.groups] == [
        ("Dinkes", "PKM-C", 10),
        ("Dinkes", "PKM-D", 10),
        ("Dinkes", "PKM-E", 10),
    ]
    assert view.waiting == view.total == 30
    assert outsider.groups == ()


async def test_a_group_decision_approves_exactly_that_group() -> None:
    factory, clock = await world()
    moves = await with_many_movers(factory, 30)
    outcome = await propose_plan(factory, clock, rules(), ScriptedEngine(moves))
    async with factory() as uow:
        view = await digest_view(uow, stored_id(outcome.plan), [APPROVER], rules().approval)
    group = view.groups[1]
    ids = [stored_id(e.proposal) for e in group.entries]
    result = await approve_many(
        factory, clock, rules().approval, proposal_ids=ids, approver_nip=APPROVER
    )
    assert (result.approved, result.skipped) == (10, 0)
    states = {p.id: p.state for p in factory.store.proposals.values()}
    assert {states[i] for i in ids} == {ProposalState.APPROVED}
    others = [s for pid, s in states.items() if pid not in ids]
    assert len(others) == 20 and set(others) == {ProposalState.PENDING}
    # Nothing was edited or sent to the approvers for 10 decisions: they had no cards.
    assert [k for k, _ in messages_to(factory, CHAT[APPROVER])] == [
        "plan_summary",
        "approval_digest",
    ]
    again = await approve_many(
        factory, clock, rules().approval, proposal_ids=ids, approver_nip=APPROVER_2
    )
    assert (again.approved, again.skipped) == (0, 10)


async def test_moves_no_approver_can_decide_are_reported_to_admins_with_the_list() -> None:
    factory, clock = await world()
    await Agency(
        units=(
            Unit("DSOS-1", "Panti Sosial", "Dinsos", -7.9, 110.6),
            Unit("DSOS-2", "UPT Rehabilitasi", "Dinsos", -7.9, 110.6),
        ),
        people=(employee(nip_of(900), "Pekerja Sosial", "DSOS-1"),),
    ).write_to(factory)
    engine = ScriptedEngine([move(NURSE_A), move(nip_of(900), "DSOS-1", "DSOS-2")])
    outcome = await propose_plan(factory, clock, rules(), engine)
    kinds = [k for k, _ in messages_to(factory, CHAT[ADMIN])]
    assert sorted(kinds) == ["admin_alert", "plan_report"]
    [alert] = [p for k, p in messages_to(factory, CHAT[ADMIN]) if k == "admin_alert"]
    assert isinstance(alert, AdminAlert)
    text, _ = render_admin_alert(translator("id"), alert)
    lonely = next(p for p in outcome.proposals if p.nip == nip_of(900))
    assert f"#{lonely.id} NIP {nip_of(900)}: DSOS-1 → DSOS-2" in text
    assert "1 usulan tidak punya pejabat penyetuju pada tahap 1" in text
    assert outcome.delivery is not None and outcome.delivery.unreached == (lonely.id,)
    [(_, report)] = [(k, p) for k, p in messages_to(factory, CHAT[ADMIN]) if k == "plan_report"]
    report_text, _ = render_plan_report(translator("id"), report)  # type: ignore[arg-type]
    assert "1 usulan tanpa pejabat penyetuju" in report_text


async def sekda_world() -> tuple[FakeUowFactory, FakeClock]:
    factory, clock = await world()
    factory.store.roles.append(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "sekda"))
    return factory, clock


async def test_two_stage_cards_say_what_each_stage_did_and_stale_taps_say_who_decides_now() -> (
    None
):
    chain = "kepala_opd:opd,sekda"
    factory, clock = await sekda_world()
    approval = rules(chain).approval
    outcome = await propose_plan(
        factory, clock, rules(chain), ScriptedEngine([move(NURSE_A), move(NURSE_B)])
    )
    pid = stored_id(outcome.proposals[0])
    card = next(
        m
        for m in factory.store.outbox.values()
        if m.kind == "approval_card"
        and m.chat_id == CHAT[APPROVER_2]
        and payload_of(m, ApprovalCard).proposal_id == pid
    )
    assert (payload_of(card, ApprovalCard).stage, payload_of(card, ApprovalCard).stage_count) == (
        0,
        2,
    )
    await decide(
        factory, clock, approval, proposal_id=pid, stage=0, approver_nip=APPROVER, approve=True
    )
    # Every stage-1 copy is edited to "stage 1/2 approved by ..., forwarded to stage 2".
    t = translator("id")
    edits = [
        m
        for m in factory.store.outbox.values()
        if m.kind == "card_outcome" and payload_of(m, CardOutcome).proposal_id == pid
    ]
    assert {m.chat_id for m in edits} == {CHAT[APPROVER], CHAT[APPROVER_2]}
    text, buttons = render_card_outcome(t, payload_of(edits[0], CardOutcome))
    assert "Tahap 1/2 disetujui oleh Kepala Dinkes, diteruskan ke tahap 2 (sekda)." in text
    assert buttons is None
    # The card reaches the stage-2 approver, showing stage 2/2.
    [second] = [
        m
        for m in factory.store.outbox.values()
        if m.kind == "approval_card"
        and m.chat_id == CHAT[OUTSIDER]
        and payload_of(m, ApprovalCard).proposal_id == pid
    ]
    assert (
        payload_of(second, ApprovalCard).stage,
        payload_of(second, ApprovalCard).stage_count,
    ) == (1, 2)
    # A stale stage-1 tap says which stage decided, by whom, and who decides now.
    with pytest.raises(AlreadyDecided) as stale:
        await decide(
            factory,
            clock,
            approval,
            proposal_id=pid,
            stage=0,
            approver_nip=APPROVER_2,
            approve=True,
        )
    words = stale_text(t, stale.value, pid)
    assert "tahap 1/2 sudah disetujui oleh Kepala Dinkes" in words
    assert "Sekarang menunggu tahap 2/2 (sekda): Kepala Dindik." in words
    # The final decision edits the stage-2 card and, again, every stage-1 copy.
    await decide(
        factory, clock, approval, proposal_id=pid, stage=1, approver_nip=OUTSIDER, approve=True
    )
    finals = [
        m
        for m in factory.store.outbox.values()
        if m.kind == "card_outcome"
        and payload_of(m, CardOutcome).proposal_id == pid
        and payload_of(m, CardOutcome).outcome == "approved"
    ]
    assert {m.chat_id for m in finals} == {CHAT[APPROVER], CHAT[APPROVER_2], CHAT[OUTSIDER]}
    final_text, _ = render_card_outcome(t, payload_of(finals[0], CardOutcome))
    assert "Tahap 2/2 disetujui oleh Kepala Dindik: mutasi disetujui." in final_text
    with pytest.raises(AlreadyDecided) as late:
        await decide(
            factory,
            clock,
            approval,
            proposal_id=pid,
            stage=1,
            approver_nip=OUTSIDER,
            approve=True,
        )
    assert "tahap 2/2 sudah disetujui oleh Kepala Dindik" in stale_text(t, late.value, pid)
    assert "Status sekarang: disetujui." in stale_text(t, late.value, pid)


async def test_many_moves_reaching_a_later_stage_become_one_digest_not_a_card_each() -> None:
    chain = "kepala_opd:opd,sekda"
    factory, clock = await sekda_world()
    moves = await with_many_movers(factory, 30)
    outcome = await propose_plan(factory, clock, rules(chain), ScriptedEngine(moves))
    ids = [stored_id(p) for p in outcome.proposals]
    result = await approve_many(
        factory, clock, rules(chain).approval, proposal_ids=ids, approver_nip=APPROVER
    )
    assert result.approved == 30
    kinds = [k for k, _ in messages_to(factory, CHAT[OUTSIDER])]
    # The first eight arrive as cards; from the ninth on, one digest (never 30 cards).
    assert kinds.count("approval_card") == rules(chain).approval.cards_max
    assert kinds.count("approval_digest") == 1
    assert len(kinds) <= 10


async def test_english_catalog_renders_the_stage_outcome() -> None:
    payload = CardOutcome(
        edit_of=None,
        outcome="forwarded",
        by_name="Kepala Dinkes",
        decided_stage=0,
        stage_count=2,
        next_stage=1,
        next_stage_name="sekda",
        proposal_id=3,
    )
    text, _ = render_card_outcome(translator("en"), payload)
    assert "Stage 1/2 approved by Kepala Dinkes, forwarded to stage 2 (sekda)." in text


async def test_the_digest_reads_only_the_moves_in_the_viewers_scope_without_explanations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.support.fakes import Proposals

    factory, clock = await world()
    moves = await with_many_movers(factory, 30)  # Dinkes
    outcome = await propose_plan(factory, clock, rules(), ScriptedEngine(moves))
    plan_id = stored_id(outcome.plan)
    async with factory() as uow:  # one Dindik move, between two schools
        await uow.units.upsert(Unit("SD-2", "SD Negeri 2 Wonosari", "Dindik", -7.98, 110.62))
        teacher = await uow.proposals.add(
            TransferProposal(
                None, plan_id, NURSE_B, "SD-1", "SD-2", explanation=explained("SD-1", "SD-2")
            )
        )
        await uow.commit()
    read: list[ProposalLine] = []
    lines_for_plan = Proposals.lines_for_plan

    async def recorded(
        self: Proposals, plan: int, unit_codes: Collection[str] | None
    ) -> Sequence[ProposalLine]:
        lines = await lines_for_plan(self, plan, unit_codes)
        read.extend(lines)
        return lines

    async def whole_plan(self: Proposals, plan: int) -> Sequence[TransferProposal]:
        raise AssertionError("the digest read the whole plan")

    monkeypatch.setattr(Proposals, "lines_for_plan", recorded)
    monkeypatch.setattr(Proposals, "list_for_plan", whole_plan)
    async with factory() as uow:
        outsider = await digest_view(uow, plan_id, [OUTSIDER], rules().approval)
    assert [line.id for line in read] == [stored_id(teacher)]  # no Dinkes move was read
    assert [(g.opd, g.unit_code) for g in outsider.groups] == [("Dindik", "SD-1")]
    assert [e.proposal.id for e in outsider.groups[0].entries] == [stored_id(teacher)]
    read.clear()
    async with factory() as uow:
        view = await digest_view(uow, plan_id, [APPROVER], rules().approval)
    assert len(read) == view.total == view.waiting == 30  # the Dindik move was not read
    assert stored_id(teacher) not in {line.id for line in read}
