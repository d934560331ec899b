"""Flow 2 through the handlers: ranked choices with buttons and search, checked at once."""

from __future__ import annotations

import datetime as dt

from core.domain import ReasonCategory
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import data_of
from tests.support.handler_agency import DEWI, SITI

SITI_ID = 501
DEWI_ID = 502


async def _choose_three_and_send(h: Harness, user: int) -> None:
    await h.command(user, "/aspirasi")
    prompt = await h.command(user, "sukajaya")
    more = await h.press(user, data_of(prompt, "Puskesmas Sukajaya"))
    await h.press(user, data_of(more, "Tambah"))
    found = await h.command(user, "rsud")
    assert [label for label, _ in found.buttons] == ["RSUD Wonosari (RSUD)"]
    more = await h.press(user, data_of(found, "RSUD Wonosari"))
    listing = await h.press(user, data_of(more, "Tambah"))
    await h.press(user, data_of(listing, "Puskesmas Cempaka"))
    await h.press(user, "asp:worksame")
    await h.press(user, "asp:reason:home")
    await h.command(user, "Rumah saya di Playen, 5 km dari Puskesmas Sukajaya.")
    confirm = await h.press(user, "asp:will:2")
    assert "Puskesmas Sukajaya" in confirm.text and "RSUD Wonosari" in confirm.text
    await h.press(user, data_of(confirm, "Kirim"))


async def test_asn_builds_a_three_choice_aspiration_with_buttons_and_search(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    await _choose_three_and_send(h, SITI_ID)
    assert "Aspirasi tersimpan" in h.request.last(SITI_ID).text
    async with h.uows() as uow:
        stored = await uow.aspirations.current_for(SITI.nip)
        events = [e.action for e in await uow.audit.list(f"employee:{SITI.nip}")]
    assert stored is not None
    assert stored.wish.choices == ("PKM-B", "RSUD", "PKM-C")
    assert stored.wish.reason == ReasonCategory.HOME and stored.wish.willingness == 2
    assert stored.wish.work_wished == SITI.jabatan
    assert "aspiration.submit" in events


async def test_asn_with_fourteen_months_is_told_at_once_it_cannot_be_granted_before_month_24(
    h: Harness,
) -> None:
    await h.register(DEWI_ID, DEWI.nip)
    await h.command(DEWI_ID, "/aspirasi")
    told = [c.text for c in h.request.sent(DEWI_ID)][-2]
    assert "masa kerja di unit sekarang baru 14 bulan; minimal 24" in told
    assert "sebelum bulan ke-24" in told and "1 September 2027" in told


async def test_a_unit_without_the_jabatan_is_refused_as_a_choice(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.command(SITI_ID, "/aspirasi")
    found = await h.command(SITI_ID, "SD Negeri")
    refused = await h.press(SITI_ID, data_of(found, "SD Negeri 1"))
    assert "tidak memiliki formasi jabatan Perawat Terampil" in refused.text


async def test_long_unit_lists_page_with_buttons(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    first = await h.command(SITI_ID, "/aspirasi")
    assert len([b for b in first.buttons if ":pick:" in b[1]]) == 8
    second = await h.press(SITI_ID, data_of(first, "Berikutnya"))
    assert second.method == "editMessageText"
    labels = [label for label, _ in second.buttons]
    assert any("Sebelumnya" in label for label in labels)
    assert "SD Negeri 1 Harapan (SDN-1)" in labels


async def test_withdrawing_someone_elses_aspiration_is_refused_and_changes_nothing(
    h: Harness,
) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.register(DEWI_ID, DEWI.nip)
    await _choose_three_and_send(h, SITI_ID)
    async with h.uows() as uow:
        siti_wish = await uow.aspirations.current_for(SITI.nip)
        audit_before = len(await uow.audit.list())
    assert siti_wish is not None
    reply = await h.press(DEWI_ID, f"asp:wd:{siti_wish.id}")
    assert "bukan aspirasi Anda" in reply.text
    async with h.uows() as uow:
        assert await uow.aspirations.current_for(SITI.nip) == siti_wish
        assert len(await uow.audit.list()) == audit_before


async def test_a_stale_button_says_so_and_changes_nothing(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    reply = await h.press(SITI_ID, "asp:will:3")
    assert "sudah tidak berlaku" in reply.text
    async with h.uows() as uow:
        assert await uow.aspirations.current_for(SITI.nip) is None


async def test_cancel_leaves_the_dialogue(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.command(SITI_ID, "/aspirasi")
    assert "dibatalkan" in (await h.command(SITI_ID, "/batal")).text
    assert "Tidak ada percakapan" in (await h.command(SITI_ID, "halo")).text


async def test_a_dialogue_left_alone_for_days_is_forgotten(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    await h.command(SITI_ID, "/aspirasi")
    h.clock.advance(dt.timedelta(days=3))
    assert "Tidak ada percakapan" in (await h.command(SITI_ID, "sukajaya")).text
    assert "sudah tidak berlaku" in (await h.press(SITI_ID, "asp:pick:0")).text
