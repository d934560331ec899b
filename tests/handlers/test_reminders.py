"""Reminders of flows 2 and 3: queued once through the outbox, readable, with working buttons."""

from __future__ import annotations

import datetime as dt

from core.domain import Aspiration, AspirationWish, ReasonCategory, WorkloadReport
from core.domain.messages import AspirationRenew, WorkloadReminder
from core.usecases.flow_reminders import FlowReminderPolicy, FlowReminders, queue_flow_reminders
from handlers.i18n import translator
from handlers.reminders import render_aspiration_renew, render_workload_reminder
from tests.handlers.conftest import Harness
from tests.support.handler_agency import KEPALA, NURSE, SITI
from tests.support.outbox_samples import payload_of

SITI_ID, KEPALA_ID = 501, 701


async def _run(h: Harness, today: dt.date) -> FlowReminders:
    now = dt.datetime.combine(today, dt.time(1, 0), tzinfo=dt.UTC)
    async with h.uows() as uow:
        return await queue_flow_reminders(uow, now=now, today=today, policy=FlowReminderPolicy())


async def test_an_aspiration_ending_within_a_month_is_reminded_once(h: Harness) -> None:
    await h.register(SITI_ID, SITI.nip)
    async with h.uows() as uow:
        await uow.aspirations.add(
            Aspiration(
                SITI.nip,
                AspirationWish(("PKM-B",), "", ReasonCategory.HOME, "", 2),
                dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
                dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            )
        )
        await uow.commit()
    assert (await _run(h, dt.date(2026, 10, 15))).aspiration_renewals == 0
    assert (await _run(h, dt.date(2026, 11, 2))).aspiration_renewals == 1
    assert (await _run(h, dt.date(2026, 11, 3))).aspiration_renewals == 0
    async with h.uows() as uow:
        [queued] = await uow.outbox.list_by_dedupe_prefix("aspiration-renew:")
    assert queued.chat_id == SITI_ID
    text, markup = render_aspiration_renew(translator("id"), payload_of(queued, AspirationRenew))
    assert "berakhir pada 1 Desember 2026" in text
    assert markup is not None
    data = markup.inline_keyboard[0][0].callback_data
    assert data == "asp:new"
    assert "Pilihan ke-1" in (await h.press(SITI_ID, str(data))).text


async def test_supervisors_without_last_months_report_are_reminded_from_the_5th(
    h: Harness,
) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    assert (await _run(h, dt.date(2026, 11, 4))).workload_reminders == 0
    assert (await _run(h, dt.date(2026, 11, 5))).workload_reminders == 1
    assert (await _run(h, dt.date(2026, 11, 6))).workload_reminders == 0
    async with h.uows() as uow:
        [queued] = await uow.outbox.list_by_dedupe_prefix("workload-remind:2026-10:")
    text, markup = render_workload_reminder(translator("en"), payload_of(queued, WorkloadReminder))
    assert "October 2026" in text and "Puskesmas Sukamaju" in text
    assert markup is not None
    reply = await h.press(KEPALA_ID, str(markup.inline_keyboard[0][0].callback_data))
    assert "Bulan laporan" in reply.text


async def test_a_reported_month_needs_no_reminder(h: Harness) -> None:
    await h.register(KEPALA_ID, KEPALA.nip)
    async with h.uows() as uow:
        await uow.workload_reports.add(
            WorkloadReport(
                "PKM-A", NURSE, "2026-10", {}, KEPALA.nip, dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
            )
        )
        await uow.commit()
    assert (await _run(h, dt.date(2026, 11, 5))).workload_reminders == 0
