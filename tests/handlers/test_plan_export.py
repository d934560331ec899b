"""Issue 9 item 6 through the handlers: /rencana carries a button that sends the plan as a
workbook (summary, one sheet per OPD, minutes), and an OPD approver gets only their OPD."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from core.domain import Plan, Role, RoleGrant, ScopeKind, TransferProposal
from core.domain.plan_document import BarDocument
from core.rebalance.model import Explanation
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import data_of
from tests.support.handler_agency import ADMIN, KEPALA, RINA, SITI
from tests.support.off_loop import LoopTicker, SlowChart
from tests.support.outbox_samples import explanation as nurse_explanation
from tests.support.plan_documents import plan_document

ADMIN_ID = 801
KEPALA_ID = 701


def explanation(unit: str, other: str) -> Explanation:
    """A move nobody asked for (no aspiration rank)."""
    return dataclasses.replace(nurse_explanation(unit, other), aspiration_rank=None)


async def store_plan(h: Harness) -> int:
    async with h.uows() as uow:
        plan = await uow.plans.add(
            Plan(
                None,
                dt.date(2026, 11, 2),
                h.clock.now(),
                "awaiting_approval",
                10.0,
                52.0,
                10.0,
                plan_document(),
            )
        )
        assert plan.id is not None
        await uow.proposals.add(
            TransferProposal(
                None,
                plan.id,
                SITI.nip,
                "PKM-A",
                "PKM-B",
                explanation=explanation("PKM-A", "PKM-B"),
            )
        )
        await uow.proposals.add(
            TransferProposal(
                None,
                plan.id,
                RINA.nip,
                "PKM-A",
                "SDN-1",
                explanation=explanation("PKM-A", "SDN-1"),
            )
        )
        await uow.commit()
    return plan.id


async def test_rencana_button_sends_the_plan_workbook(h: Harness) -> None:
    plan_id = await store_plan(h)
    await h.register(ADMIN_ID, ADMIN.nip)
    shown = await h.command(ADMIN_ID, "/rencana")
    callback = data_of(shown, "Unduh rencana (XLSX)")
    assert callback == f"rencana:xlsx:{plan_id}"
    sent = await h.press(ADMIN_ID, callback)
    assert sent.method == "sendDocument"
    assert "2 usulan, satu lembar per OPD" in str(sent.params.get("caption"))
    [data] = list(sent.files.values())
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Ringkasan", "Dinas Kesehatan", "Dinas Pendidikan", "Berita Acara"]
    rows = list(book["Dinas Kesehatan"].iter_rows(values_only=True))
    assert rows[2][:4] == ("No", "Nomor usulan", "NIP", "Nama")
    assert [(r[2], r[3], r[7]) for r in rows[3:]] == [
        (SITI.nip, SITI.name, "Puskesmas Sukajaya"),
        (RINA.nip, RINA.name, "SD Negeri 1 Harapan"),
    ]
    assert "Pegawai ini tidak mengajukan mutasi ini." in str(rows[3][8])
    # Siti's home is not on record: no distance is claimed (docs/messages.md)
    assert "Jarak" not in str(rows[3][8]) and "km" not in str(rows[3][8])


async def test_an_opd_approver_gets_only_the_proposals_touching_their_opd(h: Harness) -> None:
    plan_id = await store_plan(h)
    async with h.uows() as uow:
        await uow.roles.grant(
            RoleGrant(KEPALA.nip, Role.APPROVER, ScopeKind.OPD, "Dinas Pendidikan")
        )
        await uow.commit()
    await h.register(KEPALA_ID, KEPALA.nip)
    sent = await h.press(KEPALA_ID, f"rencana:xlsx:{plan_id}")
    assert sent.method == "sendDocument"
    book = load_workbook(io.BytesIO(next(iter(sent.files.values()))))
    rows = list(book["Dinas Pendidikan"].iter_rows(values_only=True))
    assert [r[2] for r in rows[3:]] == [RINA.nip]
    assert [r[2] for r in list(book["Dinas Kesehatan"].iter_rows(values_only=True))[3:]] == [
        RINA.nip  # leaving Dinas Kesehatan for the school: the school's approver sees it
    ]


async def test_someone_without_approver_or_admin_role_gets_no_file(h: Harness) -> None:
    plan_id = await store_plan(h)
    await h.register(KEPALA_ID, KEPALA.nip)  # a supervisor only
    reply = await h.press(KEPALA_ID, f"rencana:xlsx:{plan_id}")
    # a refused press is answered as a toast (answerCallbackQuery text)
    assert reply.method == "answerCallbackQuery" and "tidak berwenang" in reply.text
    assert all(c.method != "sendDocument" for c in h.request.calls)


async def test_the_rencana_chart_is_drawn_off_the_event_loop(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.plan

    plan_id = await store_plan(h)
    bar: BarDocument = {
        "unit_code": "PKM-A",
        "unit_name": "Puskesmas Sukamaju",
        "family": "Perawat Terampil",
        "required": 1.02,
        "before": 2,
        "after": 1,
    }
    async with h.uows() as uow:
        plan = await uow.plans.get(plan_id)
        assert plan is not None
        charted = dataclasses.replace(plan, solution={**plan.solution, "chart": [bar]})
        await uow.plans.update(charted)
        await uow.commit()
    slow_chart, ticker = SlowChart(), LoopTicker()
    monkeypatch.setattr(handlers.plan, "render_plan_chart", slow_chart)

    await h.register(ADMIN_ID, ADMIN.nip)
    ticker.start()
    await h.command(ADMIN_ID, "/rencana")
    ticker.stop()
    [photo] = [c for c in h.request.calls if c.method == "sendPhoto"]
    assert list(photo.files.values()) == [b"png"]
    assert f"rencana:xlsx:{plan_id}" in str(photo.params.get("reply_markup"))
    assert slow_chart.drawn_off_the_loop()
    assert ticker.ticks >= 10  # the loop went on while the chart was drawn


async def test_rencana_refuses_someone_without_approver_or_admin_role(h: Harness) -> None:
    await store_plan(h)
    await h.register(KEPALA_ID, KEPALA.nip)  # a supervisor only
    reply = await h.command(KEPALA_ID, "/rencana")
    assert "tidak berwenang" in reply.text
    assert all(c.method != "sendPhoto" for c in h.request.calls)
    assert "Rencana mutasi" not in reply.text
