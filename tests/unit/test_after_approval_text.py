"""What people read about the gates after approval: SIP, SPMT, freeze, objection route and
deadline, in both languages; and the regulations cited are the checked ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from core.domain.messages import (
    ApprovalCard,
    ArrivalRequest,
    Notice,
    NoticeOutcome,
    ObjectionCard,
    ObjectionReminder,
    TransferAlert,
)
from core.domain.notices import LEGAL_BASIS, transfer_content
from handlers.approval import card_text, render_card, render_objection
from handlers.arrival import render_arrival_request, render_transfer_alert
from handlers.i18n import catalog_path, translator
from handlers.notice import notice_text, render_notice
from handlers.outbox_render import render_text
from tests.support.outbox_samples import FACTS
from tests.unit.test_loop_notices import NURSE, UNITS, proposal


def notice_payload(sip: bool, freeze: bool = False) -> Notice:
    data = transfer_content(
        dataclasses.replace(proposal(), butuh_sip=sip), NURSE, UNITS, freeze=freeze
    )
    return Notice(proposal_id=7, content=data, objection_days=7)


@pytest.mark.parametrize(
    ("language", "sip_words", "route_words", "window_words"),
    [
        ("id", "Perlu SIP baru untuk fasilitas tujuan sebelum TMT", "PP 79/2021", "Anda terima"),
        ("en", "new practice licence (SIP)", "PP 79/2021", "of receiving this notice"),
    ],
)
def test_the_notice_says_sip_spmt_window_from_delivery_and_the_route_after_the_sk(
    language: str, sip_words: str, route_words: str, window_words: str
) -> None:
    t = translator(language)
    # The first screen: the SIP the person must get before the TMT, and the window.
    first, _ = render_notice(t, notice_payload(sip=True))
    for words in (sip_words, window_words, "PP 28/2024"):
        assert words in first, words
    # One tap away (ℹ️ Rincian, the same message): the SPMT and the route after the SK.
    text = notice_text(t, notice_payload(sip=True), expanded=True)
    for words in (sip_words, "SPMT", route_words, "PPK", window_words, "PP 28/2024"):
        assert words in text, words
    plain = notice_text(t, notice_payload(sip=False), expanded=True)
    assert sip_words not in plain and "SPMT" in plain


def test_the_card_says_sip_and_the_minister_when_frozen() -> None:
    t = translator("id")
    payload = ApprovalCard(
        proposal_id=7,
        stage=0,
        stage_count=1,
        content=notice_payload(sip=True, freeze=True).content,
    )
    text, _ = render_card(t, payload)
    assert "Perlu SIP baru" in text and "persetujuan tertulis Mendagri" in text
    assert "Menteri Dalam Negeri" in card_text(t, payload, expanded=True)
    payload = dataclasses.replace(payload, content=notice_payload(sip=False).content)
    text, _ = render_card(t, payload)
    assert "SIP" not in text and "Mendagri" not in text
    assert "Menteri" not in card_text(t, payload, expanded=True)


def test_the_arrival_request_has_one_button_that_says_the_sip_is_held() -> None:
    facts = dataclasses.replace(
        FACTS, nip=NURSE.nip, name="Siti <Aminah>", jabatan="Perawat Terampil"
    )
    payload = ArrivalRequest.of(facts, reminder=False, waited_days=0)
    text, markup = render_arrival_request(translator("id"), payload)
    assert "1 Januari 2027" in text and "Siti &lt;Aminah&gt;" in text
    assert "SIP baru untuk Puskesmas Playen" in text
    [[button]] = markup.inline_keyboard
    assert button.text == "✅ Sudah bertugas + SIP baru ada"
    assert button.callback_data == "arr:ok:7"
    text, markup = render_arrival_request(
        translator("en"),
        dataclasses.replace(payload, butuh_sip=False, reminder=True, waited_days=2),
    )
    assert text.startswith("⏰ Reminder: 2 working days") and "SIP" not in text
    assert markup.inline_keyboard[0][0].text == "✅ Started work (SPMT)"


@pytest.mark.parametrize(
    "alert", ["arrival_no_head", "arrival_overdue", "minister_letter_missing"]
)
def test_admin_alerts_name_the_command_that_unblocks_the_move(alert: str) -> None:
    payload = TransferAlert.of(dataclasses.replace(FACTS, nip=NURSE.nip, jabatan=""), alert=alert)
    for language in ("id", "en"):
        text, _ = render_transfer_alert(translator(language), payload)
        command = "mutasi surat-menteri 7" if alert.startswith("minister") else "mutasi spmt 7"
        assert command in text
        if not alert.startswith("minister"):
            assert "--sip" in text


def test_an_escalated_objection_card_is_pressed_by_the_admins_handler_and_has_a_deadline() -> None:
    payload = ObjectionCard(
        proposal_id=7,
        reason="orang tua",
        name="Siti Aminah",
        nip=NURSE.nip,
        from_unit="PKM-A",
        to_unit="PKM-B",
        deadline=dt.date(2026, 12, 9),
    )
    text, markup = render_objection(translator("id"), payload)
    assert "9 Desember 2026" in text
    assert markup.inline_keyboard[0][0].callback_data == "apv:keep:7"
    text, markup = render_objection(translator("id"), dataclasses.replace(payload, escalated=True))
    assert text.startswith("⬆️")
    assert [b.callback_data for b in markup.inline_keyboard[0]] == ["esc:keep:7", "esc:drop:7"]


def test_new_kinds_render() -> None:
    text, _ = render_text(
        translator("id"),
        ObjectionReminder(proposal_id=7, waited_days=2, deadline=dt.date(2026, 12, 9)),
    )
    assert "9 Desember 2026" in text


def test_cited_articles_are_only_the_checked_ones() -> None:
    """Citations in the after-approval messages name only what we checked
    (docs/after-approval.md); the old, unchecked article range is gone."""
    cited = " ".join(LEGAL_BASIS)
    assert "190-198" not in cited and "Pasal 190" in cited
    assert "Peraturan BKN 5/2019" in cited
    pattern = re.compile(r"(?:PP|UU) \d+/\d{4}(?:,? (?:Pasal|Article) \d+)?")
    expected = {
        "transfer.sip": {"PP 28/2024"},
        "notice.route": {"PP 79/2021"},
        "transfer.freeze": set(),
        "notice.objected_deadline": set(),
    }
    for language in ("id", "en"):
        t = translator(language)
        for key, citations in expected.items():
            assert set(pattern.findall(t(key, count=10))) == citations, (language, key)
        assert "190-198" not in catalog_path(language).read_text(encoding="utf-8")


def test_transfer_content_carries_the_sip_flag() -> None:
    data = transfer_content(
        dataclasses.replace(proposal(), butuh_sip=True), NURSE, UNITS, today=dt.date(2026, 11, 24)
    )
    assert data.butuh_sip is True


def test_the_edited_notice_keeps_the_agencys_window() -> None:
    from handlers.notice import render_notice_outcome

    notice = notice_payload(sip=False)
    payload = NoticeOutcome(
        edit_of=None,
        proposal_id=notice.proposal_id,
        outcome="accepted",
        content=notice.content,
        objection_days=14,
    )
    text, _ = render_notice_outcome(translator("id"), payload)
    assert "dalam 14 hari sejak" in text
