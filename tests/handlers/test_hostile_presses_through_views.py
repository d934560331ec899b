"""Hostile presses and commands through the real handlers, whose reads are core.views: each
asserts what a person sees and that nothing changed where they were refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.domain import ProposalState, Role, RoleGrant, ScopeKind
from db.engine import create_engine
from tests.handlers import conftest
from tests.handlers.conftest import Harness, running_harness
from tests.handlers.fake_telegram import data_of
from tests.handlers.test_phone import seed_move, seed_moves_in
from tests.support.agency import person
from tests.support.handler_agency import ADMIN, DEWI, KEPALA, NURSE, SITI, START
from tests.support.sql_count import sql_calls

TEACHER = person(
    "199101012016012001", "Ani Guru", "SDN-1", "Guru Ahli Pertama", dt.date(2016, 1, 1)
)

SITI_ID, DEWI_ID, KEPALA_ID, ADMIN_ID, STRANGER_ID = 501, 502, 701, 801, 999

ROLE_APPROVER = "Maaf, perintah ini hanya untuk peran pejabat penyetuju."
NOT_HEAD = "Hanya kepala unit tujuan (atau admin atas namanya) yang dapat mengonfirmasi SPMT."
OUT_OF_SCOPE = "Maaf, ini di luar kewenangan Anda."


async def _audit_count(h: Harness) -> int:
    async with h.uows() as uow:
        return len(await uow.audit.list())


async def _state(h: Harness, pid: int) -> tuple[ProposalState, object]:
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
    assert proposal is not None
    return proposal.state, proposal.arrival_confirmed_at


# --- SPMT tap by someone other than the destination head ---------------------------------------


async def test_an_arrival_tap_by_the_origin_head_is_refused_and_changes_nothing(
    h: Harness,
) -> None:
    pid = await seed_move(h, state=ProposalState.APPROVED)  # SITI, PKM-A -> PKM-B
    await h.register(KEPALA_ID, KEPALA.nip)  # supervises PKM-A, the origin
    before = await _audit_count(h)
    refused = await h.press(KEPALA_ID, f"arr:ok:{pid}")
    assert refused.method == "answerCallbackQuery" and refused.text == NOT_HEAD
    assert await _state(h, pid) == (ProposalState.APPROVED, None)
    assert await _audit_count(h) == before


async def test_an_arrival_tap_on_an_unknown_number_gets_an_answer(h: Harness) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    reply = await h.press(KEPALA_ID, "arr:ok:987654")
    assert reply.method == "answerCallbackQuery" and reply.text  # answered, in words


async def test_the_destination_head_gets_past_the_view_to_the_use_cases_rules(
    h: Harness,
) -> None:
    pid = await seed_move(h, state=ProposalState.APPROVED)  # TMT 1 January 2027: not due yet
    async with h.uows() as uow:
        await uow.roles.grant(RoleGrant(DEWI.nip, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-B"))
        await uow.commit()
    await h.register(DEWI_ID, DEWI.nip)
    reply = await h.press(DEWI_ID, f"arr:ok:{pid}")
    assert NOT_HEAD not in reply.text and "2027" in reply.text  # ArrivalNotDue names the TMT
    assert await _state(h, pid) == (ProposalState.APPROVED, None)


async def test_an_opd_head_over_the_destination_may_tap_like_before(h: Harness) -> None:
    # The view checks the grant like core.usecases.effect._may_confirm (unit, OPD or all).
    pid = await seed_move(h, state=ProposalState.APPROVED)
    async with h.uows() as uow:
        await uow.roles.grant(
            RoleGrant(DEWI.nip, Role.SUPERVISOR, ScopeKind.OPD, "Dinas Kesehatan")
        )
        await uow.commit()
    await h.register(DEWI_ID, DEWI.nip)
    reply = await h.press(DEWI_ID, f"arr:ok:{pid}")
    assert NOT_HEAD not in reply.text and "2027" in reply.text


# --- approvers' presses and /usulan by people without the role ---------------------------------


async def test_usulan_by_someone_with_no_role_is_refused_in_the_old_words(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    reply = await h.command(SITI_ID, "/usulan")
    assert reply.method == "sendMessage" and reply.text == ROLE_APPROVER


async def test_usulan_by_an_unbound_account_says_how_to_register(h: Harness) -> None:
    reply = await h.command(STRANGER_ID, "/usulan")
    assert "belum terdaftar" in reply.text


async def test_an_approvers_button_pressed_by_an_asn_is_a_toast_and_decides_nothing(
    h: Harness,
) -> None:
    pid = await seed_move(h)
    await h.register(SITI_ID, SITI.nip)
    before = await _audit_count(h)
    for data in (f"apv:ok:{pid}:0", f"apv:no:{pid}:0", f"apv:info:{pid}:0"):
        refused = await h.press(SITI_ID, data)
        assert refused.method == "answerCallbackQuery" and refused.text == ROLE_APPROVER
    state, _ = await _state(h, pid)
    assert state == ProposalState.PENDING
    assert await _audit_count(h) == before


async def test_a_digest_page_pressed_by_someone_not_on_it_is_answered_and_shows_nothing(
    h: Harness,
) -> None:
    pid = await seed_move(h)
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
    assert proposal is not None
    await h.register(KEPALA_ID, KEPALA.nip)  # a supervisor, no approver
    for data in (
        f"dg:g:{proposal.plan_id}:0:0",
        f"dg:v:{proposal.plan_id}:0",
        f"dg:c:{pid}",
        f"dg:yg:{proposal.plan_id}:0:deadbeef",
    ):
        reply = await h.press(KEPALA_ID, data)
        assert reply.method == "answerCallbackQuery" and reply.text == ROLE_APPROVER, data
        assert "Siti" not in reply.text
    state, _ = await _state(h, pid)
    assert state == ProposalState.PENDING


async def test_an_approver_outside_the_move_sees_no_group_of_the_digest(h: Harness) -> None:
    pid = await seed_move(h)
    async with h.uows() as uow:
        proposal = await uow.proposals.get(pid)
        await uow.roles.grant(RoleGrant(DEWI.nip, Role.APPROVER, ScopeKind.UNIT, "SDN-1"))
        await uow.commit()
    assert proposal is not None
    await h.register(DEWI_ID, DEWI.nip)
    group = await h.press(DEWI_ID, f"dg:g:{proposal.plan_id}:0:0")
    assert group.method == "answerCallbackQuery" and "Siti" not in group.text
    card = await h.press(DEWI_ID, f"dg:c:{pid}")
    assert card.text == OUT_OF_SCOPE
    picked = await h.press(DEWI_ID, f"dg:yg:{proposal.plan_id}:0:deadbeef")
    assert "Siti" not in picked.text
    state, _ = await _state(h, pid)
    assert state == ProposalState.PENDING


# --- /undang by an admin scoped to one OPD -------------------------------------------------------


async def _opd_admin(h: Harness) -> None:
    async with h.uows() as uow:
        await uow.employees.upsert(TEACHER)
        await uow.roles.grant(RoleGrant(DEWI.nip, Role.ADMIN, ScopeKind.OPD, "Dinas Pendidikan"))
        await uow.commit()
    await h.register(DEWI_ID, DEWI.nip)


async def test_an_opd_admin_types_a_code_of_their_opd_in_any_case(h: Harness) -> None:
    await _opd_admin(h)
    own = await h.command(DEWI_ID, "/undang sdn-1")
    assert own.method == "sendDocument", own.text
    rows = next(iter(own.files.values())).decode("utf-8")
    assert TEACHER.nip in rows and SITI.nip not in rows


async def test_an_opd_admin_naming_a_unit_of_another_opd_is_refused_and_nothing_is_issued(
    h: Harness,
) -> None:
    await _opd_admin(h)
    audit = await _audit_count(h)
    for typed in ("/undang PKM-A", "/undang pkm-a", "/undang ZZZ"):
        refused = await h.command(DEWI_ID, typed)
        assert refused.method == "sendMessage" and refused.text == OUT_OF_SCOPE, typed
    await h.command(DEWI_ID, "/undang")
    refused = await h.press(DEWI_ID, "inv:all")
    assert refused.text == OUT_OF_SCOPE
    assert await _audit_count(h) == audit


async def test_an_opd_admins_forged_unit_press_cannot_reach_another_opd(h: Harness) -> None:
    await _opd_admin(h)
    listing = await h.command(DEWI_ID, "/undang")
    assert [label for label, _ in listing.buttons] == ["SD Negeri 1 Harapan (SDN-1)"]
    audit = await _audit_count(h)
    for data in ("inv:unit:1", "inv:unit:7", "inv:unit:-1", "inv:page:3", "inv:unit:x"):
        reply = await h.press(DEWI_ID, data)
        assert reply.method in {"answerCallbackQuery", "editMessageText"}, data
        assert "Sukamaju" not in reply.text
    assert await _audit_count(h) == audit
    typed = await h.command(DEWI_ID, "PUSKESMAS")
    assert "Puskesmas" not in "".join(label for label, _ in typed.buttons)


async def test_an_admin_everywhere_still_gets_every_unit(h: Harness) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)
    listing = await h.command(ADMIN_ID, "/undang")
    sent = await h.press(ADMIN_ID, data_of(listing, "Semua unit"))
    assert sent.method == "sendDocument"


# --- /bebankerja across a grant change mid-dialogue ---------------------------------------------


async def test_a_supervisor_moved_to_another_unit_mid_dialogue_is_stopped_before_the_volumes(
    h: Harness,
) -> None:
    """KEPALA keeps the supervisor role (now over SDN-1) but loses PKM-A between the month
    list and the month press. Before views9 the month press asked for PKM-A's first volume and
    only the save refused; now the month press itself is refused (core.views.scopes)."""
    await h.register(KEPALA_ID, KEPALA.nip)
    months = await h.command(KEPALA_ID, "/bebankerja")
    assert "Bulan laporan" in months.text
    async with h.uows() as uow:
        await uow.roles.grant(RoleGrant(KEPALA.nip, Role.SUPERVISOR, ScopeKind.UNIT, "SDN-1"))
        await uow.roles.revoke(RoleGrant(KEPALA.nip, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-A"))
        await uow.commit()
    reply = await h.press(KEPALA_ID, data_of(months, "Oktober 2026"))
    assert reply.text == OUT_OF_SCOPE
    async with h.uows() as uow:
        assert await uow.workload_reports.latest_for("PKM-A", "Perawat Terampil") is None


# --- /start twice, and another person's code ---------------------------------------------------


async def test_start_twice_greets_the_registered_person_with_their_menu(h: Harness) -> None:
    await h.invite(KEPALA.nip, "kodeduakali")
    first = await h.command(KEPALA_ID, "/start kodeduakali")
    assert "Pendaftaran berhasil" in first.text and "/bebankerja" in first.text
    again = await h.command(KEPALA_ID, "/start kodeduakali")
    assert "Pendaftaran berhasil" not in again.text
    assert "Dr. Bambang Hartono" in again.text and "/bebankerja" in again.text
    await h.invite(SITI.nip, "kodesiti")
    other = await h.command(KEPALA_ID, "/start kodesiti")
    assert "Dr. Bambang Hartono" not in other.text and "/bebankerja" not in other.text
    async with h.uows() as uow:
        account = await uow.accounts.get_by_telegram(KEPALA_ID)
    assert account is not None and account.nip == KEPALA.nip


# --- a big digest: a page reads as much for 60 moves as for 12 -----------------------------------


async def _plan_of(h: Harness, count: int) -> int:
    """A plan moving COUNT nurses of PKM-A to PKM-B, all pending; ADMIN approves everywhere."""
    nurses = [
        person(
            f"1990{count:02d}01201501{i:04d}",
            f"Perawat {i:03d}",
            "PKM-A",
            NURSE,
            dt.date(2015, 1, 1),
        )
        for i in range(count)
    ]
    async with h.uows() as uow:
        for nurse in nurses:
            await uow.employees.upsert(nurse)
        await uow.commit()
    plan_day = START.date() + dt.timedelta(days=count)
    plan_id, _ = await seed_moves_in(h.uows, [n.nip for n in nurses], plan_day=plan_day)
    return plan_id


async def test_a_digest_page_and_its_confirmation_read_as_much_for_60_moves_as_for_12(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engines: list[AsyncEngine] = []

    def capturing(url: str) -> AsyncEngine:
        engine = create_engine(url)
        engines.append(engine)
        return engine

    monkeypatch.setattr(conftest, "create_engine", capturing)
    reads: list[tuple[int, int, int]] = []
    for count in (12, 60):
        async with running_harness(migrated_database_url) as h:
            plan_id = await _plan_of(h, count)
            if not reads:  # the same database: bound once
                await h.register(ADMIN_ID, ADMIN.nip)
            with sql_calls(engines[-1]) as page:
                shown = await h.press(ADMIN_ID, f"dg:g:{plan_id}:0:0")
            assert "Perawat 000" in shown.text
            with sql_calls(engines[-1]) as confirm:
                asked = await h.press(ADMIN_ID, f"dg:ag:{plan_id}:0")
            assert "Perawat 000" in asked.text and str(count) in asked.text
            with sql_calls(engines[-1]) as usulan:
                await h.command(ADMIN_ID, "/usulan")
            reads.append((len(page), len(confirm), len(usulan)))
    assert reads[0] == reads[1], reads


# --- a deputy standing in (/wakil) --------------------------------------------------------------


async def test_a_deputy_presses_during_the_delegation_and_is_refused_after_it(h: Harness) -> None:
    pid = await seed_move(h)  # ADMIN approves everywhere
    await h.register(ADMIN_ID, ADMIN.nip)
    await h.register(SITI_ID, SITI.nip)
    made = await h.command(ADMIN_ID, f"/wakil {SITI.nip} 2026-11-02 2026-11-03")
    assert "Siti Rahmawati" in made.text
    listed = await h.command(ADMIN_ID, "/wakil")
    assert "Siti Rahmawati" in listed.text
    cards = await h.command(SITI_ID, "/usulan")
    assert ROLE_APPROVER not in cards.text
    details = await h.press(SITI_ID, f"apv:info:{pid}:0")
    assert details.method == "editMessageText" or "Dasar hukum" in details.text, details.text
    h.clock.advance(dt.timedelta(days=3))  # 5 November: the delegation has ended
    refused = await h.press(SITI_ID, f"apv:ok:{pid}:0")
    assert refused.method == "answerCallbackQuery" and refused.text == ROLE_APPROVER
    assert (await h.command(SITI_ID, "/usulan")).text == ROLE_APPROVER
    state, _ = await _state(h, pid)
    assert state == ProposalState.PENDING
