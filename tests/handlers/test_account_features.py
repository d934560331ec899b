"""Help, language, privacy and own-data export, status, invitations, unknown input, errors."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from core.domain import Plan, Role, RoleGrant, ScopeKind
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import data_of
from tests.support.handler_agency import ADMIN, DEWI, KEPALA, SITI
from tests.support.plan_documents import plan_document

SITI_ID, DEWI_ID, KEPALA_ID, ADMIN_ID = 501, 502, 701, 801


async def test_help_lists_only_the_callers_commands(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.register(KEPALA_ID, KEPALA.nip)
    asn_help = (await h.command(SITI_ID, "/help")).text
    supervisor_help = (await h.command(KEPALA_ID, "/bantuan")).text
    assert "/aspirasi" in asn_help and "/bebankerja" not in asn_help
    assert "/bebankerja" in supervisor_help and "/undang" not in supervisor_help


async def test_switching_to_english_changes_replies_and_is_audited(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    offer = await h.command(SITI_ID, "/bahasa")
    saved = await h.press(SITI_ID, data_of(offer, "English"))
    assert saved.text == "Language saved: English."
    assert "/aspirasi" in (await h.command(SITI_ID, "/help")).text
    assert "Commands available to you" in h.request.last(SITI_ID).text
    async with h.uows() as uow:
        account = await uow.accounts.get_by_telegram(SITI_ID)
        actions = [e.action for e in await uow.audit.list(f"employee:{SITI.nip}")]
    assert account is not None and account.language == "en"
    assert "account.language" in actions


async def test_dataku_sends_the_callers_own_data_and_nobody_elses(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.register(DEWI_ID, DEWI.nip)
    sent = await h.command(SITI_ID, "/dataku")
    assert sent.method == "sendDocument"
    book = load_workbook(io.BytesIO(next(iter(sent.files.values()))))
    profile = dict(book["Profil"].iter_rows(min_row=2, max_col=2, values_only=True))
    assert profile["NIP"] == SITI.nip
    accounts = [r[0] for r in book["Akun Telegram"].iter_rows(min_row=2, values_only=True)]
    assert accounts == [SITI_ID]
    cells = [
        str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
    ]
    assert not [c for c in cells if DEWI.nip in c]


async def test_status_shows_unit_tenure_and_why_a_wish_cannot_be_granted(h: Harness) -> None:
    await h.register(DEWI_ID, DEWI.nip)
    reply = await h.command(DEWI_ID, "/status")
    assert "Puskesmas Sukajaya" in reply.text and "14 bulan" in reply.text
    assert "minimal 24" in reply.text


async def test_admin_gets_invitation_links_as_csv_without_nips_in_links(h: Harness) -> None:
    await h.register(ADMIN_ID, ADMIN.nip)
    await h.command(ADMIN_ID, "/undang")
    listing = await h.command(ADMIN_ID, "sukamaju")
    sent = await h.press(ADMIN_ID, data_of(listing, "Puskesmas Sukamaju"))
    assert sent.method == "sendDocument"
    rows = list(csv.DictReader(io.StringIO(next(iter(sent.files.values())).decode("utf-8"))))
    assert {r["nip"] for r in rows} == {SITI.nip, "199002022015032004", KEPALA.nip}
    assert all(r["nip"] not in r["tautan"] for r in rows)
    code = rows[0]["tautan"].split("start=", 1)[1]
    reply = await h.command(990, f"/start {code}")
    assert "Pendaftaran berhasil" in reply.text


async def test_a_unit_admin_cannot_press_the_all_units_button(h: Harness) -> None:
    async with h.uows() as uow:
        await uow.roles.grant(RoleGrant(DEWI.nip, Role.ADMIN, ScopeKind.UNIT, "PKM-B"))
        await uow.commit()
    await h.register(DEWI_ID, DEWI.nip)
    listing = await h.command(DEWI_ID, "/undang")
    assert [label for label, _ in listing.buttons] == ["Puskesmas Sukajaya (PKM-B)"]
    async with h.uows() as uow:
        audit_before = len(await uow.audit.list())
    refused = await h.press(DEWI_ID, "inv:all")
    assert "di luar kewenangan" in refused.text
    async with h.uows() as uow:
        assert len(await uow.audit.list()) == audit_before


async def test_a_unit_admin_naming_another_unit_in_undang_is_refused(h: Harness) -> None:
    async with h.uows() as uow:
        await uow.roles.grant(RoleGrant(DEWI.nip, Role.ADMIN, ScopeKind.UNIT, "PKM-B"))
        await uow.commit()
    await h.register(DEWI_ID, DEWI.nip)
    async with h.uows() as uow:
        audit_before = len(await uow.audit.list())
    refused = await h.command(DEWI_ID, "/undang PKM-A")
    assert refused.method == "sendMessage" and "di luar kewenangan" in refused.text
    async with h.uows() as uow:
        assert len(await uow.audit.list()) == audit_before
    own = await h.command(DEWI_ID, "/undang pkm-b")
    assert own.method == "sendDocument"


async def test_a_supervisor_whose_role_is_revoked_mid_dialogue_is_stopped(h: Harness) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    await h.command(KEPALA_ID, "/bebankerja")
    async with h.uows() as uow:
        await uow.roles.revoke(RoleGrant(KEPALA.nip, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-A"))
        await uow.commit()
    reply = await h.press(KEPALA_ID, "wl:month:0")
    assert "hanya untuk peran kepala unit" in reply.text


async def test_unknown_commands_and_stray_files_get_a_hint(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    assert "Perintah tidak dikenal" in (await h.command(SITI_ID, "/entahlah")).text
    assert "Tidak ada percakapan" in (await h.upload(SITI_ID, "x.xlsx", b"x")).text


async def test_an_unexpected_failure_reaches_the_error_handler_and_the_user_is_told(
    h: Harness,
) -> None:
    await h.register(SITI_ID, SITI.nip)

    async def broken_get(telegram_user_id: int) -> None:
        raise RuntimeError("database went away")

    h.app.bot_data.services.dialogues.get = broken_get
    reply = await h.command(SITI_ID, "halo")
    assert "terjadi kesalahan di sistem" in reply.text


async def test_personal_commands_in_a_group_chat_point_to_the_private_chat(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.app.process_update(h.updates.text(SITI_ID, "/dataku", group_id=-100123))
    reply = h.request.last(-100123)
    assert reply.method == "sendMessage" and "obrolan pribadi" in reply.text


async def test_status_says_why_an_aspiration_was_not_granted_in_the_latest_plan(
    h: Harness,
) -> None:
    await h.register(DEWI_ID, DEWI.nip)
    async with h.uows() as uow:
        await uow.plans.add(
            Plan(
                None,
                dt.date(2026, 11, 2),
                h.clock.now(),
                "OPTIMAL",
                1.0,
                2.0,
                1.0,
                plan_document(
                    not_granted=[
                        {
                            "employee": DEWI.nip,
                            "aspiration": "PKM-C",
                            "reason": "TENURE",
                            "cost_to_force": 0.0,
                        }
                    ],
                ),
            )
        )
        await uow.commit()
    reply = await h.command(DEWI_ID, "/status")
    assert "Aspirasi ke Puskesmas Cempaka belum dapat dipenuhi" in reply.text
