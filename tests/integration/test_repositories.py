"""Every domain dataclass survives a round trip through its repository, on both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import update

from core.domain import (
    Activity,
    ApprovalDecision,
    Aspiration,
    AspirationWish,
    AuditEvent,
    Delegation,
    Evaluation,
    Invitation,
    OutboxMessage,
    OutboxStatus,
    ProposalState,
    ReasonCategory,
    Role,
    RoleGrant,
    ScopeKind,
    TelegramAccount,
    WorkloadReport,
)
from core.domain.plan_document import PlanDocument
from core.ports import UnitOfWorkFactory
from core.usecases.dialogue import AspirationAnswers, DialogueState, WorkloadAnswers
from db.dialogue_store import SqlDialogueStore
from db.rows import DialogueRow
from tests.integration.sample_data import (
    APPROVER,
    NOW,
    NURSE,
    PUSKESMAS_A,
    PUSKESMAS_B,
    SAMPLE,
    SD_1,
    TEACHER,
    nurse_move,
    real_plan,
)
from tests.support.outbox_samples import sample

UTC = dt.UTC


async def test_units_and_employees_come_back_as_stored(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
    async with uow_factory() as uow:
        assert await uow.units.get("PKM-A") == PUSKESMAS_A
        assert await uow.units.list() == [PUSKESMAS_A, PUSKESMAS_B, SD_1]
        assert await uow.units.list_by_opd("Dinas Kesehatan") == [PUSKESMAS_A, PUSKESMAS_B]
        assert await uow.units.get("NOPE") is None
        assert await uow.employees.get(NURSE.nip) == NURSE
        assert await uow.employees.get(TEACHER.nip) == TEACHER
        assert await uow.employees.list() == sorted(
            [NURSE, TEACHER, APPROVER], key=lambda e: e.nip
        )
        assert await uow.employees.list_by_unit("SDN-1") == [TEACHER]


async def test_upserting_a_unit_twice_replaces_it(uow_factory: UnitOfWorkFactory) -> None:
    renamed = dataclasses.replace(PUSKESMAS_A, name="Puskesmas Sukamaju Baru", skills_needed=())
    async with uow_factory() as uow:
        await uow.units.upsert(PUSKESMAS_A)
        await uow.units.upsert(renamed)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.units.list() == [renamed]


async def test_unit_search_matches_name_or_code_ignoring_case(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        assert [u.code for u in await uow.units.search("sukaMAJU")] == ["PKM-A"]
        assert [u.code for u in await uow.units.search("pkm")] == ["PKM-B", "PKM-A"]
        assert [u.code for u in await uow.units.search("puskesmas", limit=1)] == ["PKM-B"]
        assert await uow.units.search("100%") == []


async def test_activities_round_trip_and_upsert_by_unit_jabatan_and_name(
    uow_factory: UnitOfWorkFactory,
) -> None:
    triage = Activity("PKM-A", "Perawat Terampil", "Triase pasien", "pasien", 15.0, 4000.0)
    visit = Activity("PKM-A", "Perawat Terampil", "Kunjungan rumah", "kunjungan", 90.0, 120.0)
    teach = Activity("SDN-1", "Guru Ahli Pertama", "Mengajar", "jam", 45.0, 1200.0)
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        for activity in (triage, visit, teach):
            await uow.activities.upsert(activity)
        await uow.activities.upsert(dataclasses.replace(triage, annual_volume=4500.0))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.activities.list_for("PKM-A", "Perawat Terampil") == [
            dataclasses.replace(triage, annual_volume=4500.0),
            visit,
        ]
        assert len(await uow.activities.list()) == 3


async def test_role_grants_are_granted_once_and_revoked(uow_factory: UnitOfWorkFactory) -> None:
    opd_approver = RoleGrant(APPROVER.nip, Role.APPROVER, ScopeKind.OPD, "Dinas Kesehatan")
    admin = RoleGrant(APPROVER.nip, Role.ADMIN)
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        assert await uow.roles.grant(opd_approver) is True
        assert await uow.roles.grant(opd_approver) is False
        assert await uow.roles.grant(admin) is True
        assert await uow.roles.grant(admin) is False
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.roles.list_for(APPROVER.nip) == [opd_approver, admin]
        assert await uow.roles.list_by_role("admin") == [admin]
        assert await uow.roles.list_by_role(Role.APPROVER) == [opd_approver]
        assert await uow.roles.revoke(admin) is True
        assert await uow.roles.revoke(admin) is False
        assert await uow.roles.list_for(APPROVER.nip) == [opd_approver]


async def test_telegram_accounts_round_trip_and_are_found_by_chat(
    uow_factory: UnitOfWorkFactory,
) -> None:
    big_id = 7_000_000_001  # Telegram ids exceed 32 bits
    account = TelegramAccount(big_id, NURSE.nip, language="en", chat_id=None)
    other = TelegramAccount(42, TEACHER.nip, chat_id=-1_001_234_567_890, blocked=True)
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.accounts.save(account)
        await uow.accounts.save(other)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.accounts.get_by_telegram(big_id) == account
        assert await uow.accounts.list_for_nip(TEACHER.nip) == [other]
        assert await uow.accounts.list_for_chat(big_id) == [account]
        assert await uow.accounts.list_for_chat(-1_001_234_567_890) == [other]
        assert await uow.accounts.list_for_chat(42) == []
        await uow.accounts.save(dataclasses.replace(account, blocked=True, chat_id=big_id))
        assert (await uow.accounts.get_by_telegram(big_id)) == dataclasses.replace(
            account, blocked=True, chat_id=big_id
        )


async def test_invitation_round_trips_and_is_used_only_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    invitation = Invitation(
        code_hash="a" * 64,
        nip=NURSE.nip,
        created_at=NOW,
        expires_at=NOW + dt.timedelta(days=14),
        created_by=APPROVER.nip,
    )
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        await uow.invitations.add(invitation)
        await uow.commit()
    used_at = NOW + dt.timedelta(hours=1)
    async with uow_factory() as uow:
        assert await uow.invitations.get("a" * 64) == invitation
        assert await uow.invitations.mark_used("a" * 64, 7_000_000_001, used_at) is True
        assert await uow.invitations.mark_used("a" * 64, 99, used_at) is False
        assert await uow.invitations.mark_used("b" * 64, 99, used_at) is False
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.invitations.get("a" * 64) == dataclasses.replace(
            invitation, used_at=used_at, used_by_telegram_id=7_000_000_001
        )


async def test_aspirations_keep_history_and_the_newest_live_one_counts(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first = Aspiration(
        nip=NURSE.nip,
        wish=AspirationWish(
            choices=("PKM-B", "SDN-1"),
            work_wished="Perawat IGD",
            reason=ReasonCategory.FAMILY,
            reason_text="Ikut suami",
            willingness=4,
        ),
        created_at=NOW,
        expires_at=NOW + dt.timedelta(days=365),
    )
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        stored = await uow.aspirations.add(first)
        assert stored == dataclasses.replace(first, id=stored.id)
        assert await uow.aspirations.withdraw(NURSE.nip, NOW + dt.timedelta(days=1)) is True
        second = await uow.aspirations.add(
            dataclasses.replace(
                first,
                wish=dataclasses.replace(first.wish, choices=("PKM-B",)),
                created_at=NOW + dt.timedelta(days=2),
            )
        )
        expired = await uow.aspirations.add(
            dataclasses.replace(
                first,
                nip=TEACHER.nip,
                expires_at=NOW - dt.timedelta(days=1),
                wish=dataclasses.replace(first.wish, choices=()),
            )
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.aspirations.current_for(NURSE.nip) == second
        assert await uow.aspirations.list_active(NOW + dt.timedelta(days=3)) == [second]
        assert await uow.aspirations.current_for(TEACHER.nip) == expired
        assert await uow.aspirations.withdraw(APPROVER.nip, NOW) is False


async def test_workload_report_keeps_its_volumes_per_activity(
    uow_factory: UnitOfWorkFactory,
) -> None:
    march = WorkloadReport(
        unit_code="PKM-A",
        jabatan="Perawat Terampil",
        month="2026-03",
        volumes={"Triase pasien": 350.0, "Kunjungan rumah": 12.5},
        reported_by=APPROVER.nip,
        reported_at=NOW,
    )
    april = dataclasses.replace(
        march, month="2026-04", volumes={"Triase pasien": 410.0}, reported_at=NOW
    )
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        stored_april = await uow.workload_reports.add(april)
        stored_march = await uow.workload_reports.add(march)
        await uow.commit()
    assert stored_march == dataclasses.replace(march, id=stored_march.id)
    async with uow_factory() as uow:
        assert await uow.workload_reports.latest_for("PKM-A", "Perawat Terampil") == stored_april
        assert await uow.workload_reports.latest_for("SDN-1", "Guru Ahli Pertama") is None
        assert await uow.workload_reports.list_for_month("2026-03") == [stored_march]


async def test_plan_round_trips_with_its_solution_and_latest_ignores_dry_runs(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        night = await uow.plans.add(real_plan(dt.date(2026, 3, 2)))
        simulation = await uow.plans.add(real_plan(dt.date(2026, 3, 3), dry_run=True))
        await uow.commit()
    assert night == dataclasses.replace(real_plan(dt.date(2026, 3, 2)), id=night.id)
    async with uow_factory() as uow:
        assert await uow.plans.get(simulation.id or 0) == simulation
        assert await uow.plans.latest() == night
        assert await uow.plans.get_for_date(dt.date(2026, 3, 2)) == night
        assert await uow.plans.get_for_date(dt.date(2026, 3, 3)) is None
        solution: PlanDocument = {
            **night.solution,
            "status": "FEASIBLE",
            "objective": 11.0,
            "moves": [],
        }
        finished = dataclasses.replace(night, status="feasible", objective=11.0, solution=solution)
        await uow.plans.update(finished)
        assert await uow.plans.get(night.id or 0) == finished


async def test_proposal_round_trips_and_is_listed_by_plan_state_and_nip(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        plan = await uow.plans.add(real_plan())
        proposal = await uow.proposals.add(nurse_move(plan.id or 0))
        await uow.commit()
    assert proposal == dataclasses.replace(nurse_move(plan.id or 0), id=proposal.id)
    async with uow_factory() as uow:
        assert await uow.proposals.get(proposal.id or 0) == proposal
        assert await uow.proposals.list_for_plan(plan.id or 0) == [proposal]
        assert await uow.proposals.list_pending_nips() == [NURSE.nip]
        assert await uow.proposals.list_by_state(ProposalState.PENDING) == [proposal]
        assert await uow.proposals.list_for_nip(NURSE.nip) == [proposal]
        approved = dataclasses.replace(
            proposal,
            state=ProposalState.APPROVED,
            stage=1,
            tmt=dt.date(2026, 5, 1),
            decided_at=NOW,
        )
        await uow.proposals.update(approved)
        assert await uow.proposals.get(proposal.id or 0) == approved
        assert await uow.proposals.list_pending_nips() == []


async def test_decisions_evaluations_and_audit_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        plan = await uow.plans.add(real_plan())
        proposal = await uow.proposals.add(nurse_move(plan.id or 0))
        pid = proposal.id or 0
        rejection = ApprovalDecision(pid, 1, APPROVER.nip, False, "Formasi penuh", NOW)
        approval = ApprovalDecision(pid, 0, APPROVER.nip, True, None, NOW)
        await uow.decisions.add(rejection)
        await uow.decisions.add(approval)
        rating = Evaluation(pid, NURSE.nip, "move", 4, NOW)
        await uow.evaluations.add(rating)
        event = AuditEvent(
            actor=APPROVER.nip,
            action="proposal.approve",
            subject=f"proposal:{pid}",
            at=NOW,
            before={"state": "pending"},
            after={"state": "approved", "stage": 1},
        )
        await uow.audit.add(event)
        await uow.audit.add(AuditEvent("system", "plan.create", "plan:1", NOW))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.decisions.list_for(pid) == [approval, rejection]
        assert await uow.evaluations.list_for(pid) == [rating]
        stored = await uow.audit.list(f"proposal:{pid}")
        assert stored == [dataclasses.replace(event, id=stored[0].id)]
        assert len(await uow.audit.list()) == 2


async def test_outbox_message_round_trips_and_is_found_by_dedupe_key(
    uow_factory: UnitOfWorkFactory,
) -> None:
    card = OutboxMessage(
        id=None,
        chat_id=-1_001_234_567_890,
        payload=sample("approval_card"),
        created_at=NOW,
        next_attempt_at=NOW,
        dedupe_key="card:7:stage:0:chat:-1001234567890",
    )
    async with uow_factory() as uow:
        stored = await uow.outbox.add(card)
        other = await uow.outbox.add(
            dataclasses.replace(card, chat_id=5, dedupe_key="card:7:stage:0:chat:5")
        )
        await uow.outbox.add(dataclasses.replace(card, dedupe_key="card:70:stage:0:chat:5"))
        await uow.outbox.add(dataclasses.replace(card, dedupe_key=None))
        await uow.commit()
    assert stored == dataclasses.replace(card, id=stored.id)
    async with uow_factory() as uow:
        assert await uow.outbox.get(stored.id or 0) == stored
        assert await uow.outbox.get_by_dedupe_key(card.dedupe_key or "") == stored
        assert await uow.outbox.list_by_dedupe_prefix("card:7:") == [stored, other]
        assert len(await uow.outbox.list()) == 4
        assert await uow.outbox.list(OutboxStatus.SENT) == []


async def test_dialogue_state_survives_between_calls(sessions: object) -> None:
    store = SqlDialogueStore(sessions)  # type: ignore[arg-type]
    state = DialogueState(
        7_000_000_001, "choice", AspirationAnswers(choices=("PKM-B",), page=2), NOW
    )
    assert await store.get(7_000_000_001) is None
    await store.save(state)
    assert await store.get(7_000_000_001) == dataclasses.replace(
        state, updated_at=NOW.astimezone(UTC)
    )
    assert (await store.get(7_000_000_001)).flow == "asp"  # type: ignore[union-attr]
    answers = state.answers_as(AspirationAnswers)
    moved = state.at("reason", NOW, dataclasses.replace(answers, reason="family"), list_message=42)
    await store.save(moved)
    assert (await store.get(7_000_000_001)) == moved


async def test_an_aspiration_draft_stored_in_the_dialogue_before_the_wish_type_still_reads(
    sessions: object,
) -> None:
    """The /aspirasi answers as the bot wrote them before `AspirationWish` gave the wish's
    fields one home (flat JSON keys, the reason by its value) read back unchanged."""
    async with sessions() as session, session.begin():  # type: ignore[operator]
        session.add(
            DialogueRow(
                telegram_user_id=7_000_000_003,
                flow="asp",
                step="confirm",
                data={
                    "choices": ["PKM-B", "SD-1"],
                    "results": [],
                    "page": 0,
                    "work": "Perawat IGD",
                    "reason": "home",
                    "reason_text": "Dekat rumah",
                    "willingness": 2,
                    "list_message": 41,
                },
                updated_at=NOW,
            )
        )
    state = await SqlDialogueStore(sessions).get(7_000_000_003)  # type: ignore[arg-type]
    assert state is not None and (state.step, state.list_message) == ("confirm", 41)
    assert state.answers_as(AspirationAnswers) == AspirationAnswers(
        choices=("PKM-B", "SD-1"),
        work="Perawat IGD",
        reason="home",
        reason_text="Dekat rumah",
        willingness=2,
    )


async def test_a_stored_dialogue_that_no_longer_reads_is_dropped_not_a_crash(
    sessions: object,
) -> None:
    """Answers stored by another version of the bot that do not fit the flow's answers any
    more: the person simply starts the dialogue again."""
    store = SqlDialogueStore(sessions)  # type: ignore[arg-type]
    await store.save(DialogueState(7_000_000_002, "volume", WorkloadAnswers(unit="PKM-A"), NOW))
    async with sessions() as session, session.begin():  # type: ignore[operator]
        await session.execute(
            update(DialogueRow)
            .where(DialogueRow.telegram_user_id == 7_000_000_002)
            .values(data={"volumes": "many"})
        )
    assert await store.get(7_000_000_002) is None
    await store.clear(7_000_000_001)
    await store.clear(7_000_000_001)
    assert await store.get(7_000_000_001) is None


async def test_delegations_come_back_as_stored_and_an_early_end_is_kept(
    uow_factory: UnitOfWorkFactory,
) -> None:
    away = Delegation(None, APPROVER.nip, NURSE.nip, dt.date(2026, 3, 2), dt.date(2026, 3, 6), NOW)
    async with uow_factory() as uow:
        await SAMPLE.write(uow)
        stored = await uow.delegations.add(away)
        other = await uow.delegations.add(
            dataclasses.replace(
                away,
                delegate_nip=TEACHER.nip,
                first_day=dt.date(2026, 4, 1),
                last_day=dt.date(2026, 4, 3),
            )
        )
        await uow.commit()
    assert stored.id is not None and other.id is not None and stored.id < other.id
    assert dataclasses.replace(stored, id=None) == away
    ended = dataclasses.replace(stored, ended_at=NOW + dt.timedelta(days=1))
    async with uow_factory() as uow:
        await uow.delegations.update(ended)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.delegations.list_for(NURSE.nip) == [ended]
        assert await uow.delegations.list_for(APPROVER.nip) == [ended, other]
        assert await uow.delegations.list_all() == [ended, other]
        assert await uow.delegations.list_for(PUSKESMAS_A.code) == []
