"""The outbox Sender over PTB: rendering per kind and Telegram's answers mapped to outcomes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.outbox_sender import TelegramSender
from core.domain import OutboxMessage, TelegramAccount
from core.domain.messages import Notice, NoticeOutcome, PlanSummary
from core.domain.notices import UnitBar, transfer_content
from tests.support.fakes import FakeUowFactory
from tests.support.off_loop import LoopTicker, SlowChart
from tests.support.outbox_samples import sample_of
from tests.unit.test_loop_notices import EXPLANATION, NURSE, UNITS, proposal

NOW = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
SUMMARY = dataclasses.replace(
    sample_of(PlanSummary),
    moves=2,
    your_cards=2,
    objective=100.0,
    status_quo_objective=400.0,
    bars=(UnitBar(unit_code="PKM-A", unit_name="A", family="x", required=1.0, before=2, after=1),),
)


class Sent:
    message_id = 77


class FakeBot:
    """Records calls; raises `error` when set."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def _call(self, name: str, **kwargs: Any) -> Sent:
        self.calls.append((name, kwargs))
        if self.error is not None:
            raise self.error
        return Sent()

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Sent:
        return await self._call("send_message", chat_id=chat_id, text=text, **kwargs)

    async def send_photo(self, chat_id: int, photo: Any, **kwargs: Any) -> Sent:
        return await self._call("send_photo", chat_id=chat_id, **kwargs)

    async def edit_message_text(self, text: str, **kwargs: Any) -> Sent:
        return await self._call("edit_message_text", text=text, **kwargs)


def notice(outcome: str | None = None) -> OutboxMessage:
    """The transfer notice of proposal 7, or (OUTCOME) the edit after the person's answer."""
    content = transfer_content(proposal(), NURSE, UNITS)
    payload: Notice | NoticeOutcome = Notice(proposal_id=7, content=content)
    if outcome is not None:
        payload = NoticeOutcome(
            edit_of="notice:7:101", proposal_id=7, outcome=outcome, content=content
        )
    return OutboxMessage(1, 101, payload, NOW)


def sender(bot: FakeBot, language: str = "id") -> TelegramSender:
    factory = FakeUowFactory()
    factory.store.accounts[101] = TelegramAccount(101, NURSE.nip, language, chat_id=101)
    return TelegramSender(bot, factory, "id")  # type: ignore[arg-type]


async def test_notice_is_rendered_in_the_recipients_language_with_its_buttons() -> None:
    bot = FakeBot()
    result = await sender(bot, "en").send(notice(), None)
    assert (result.status, result.message_id) == ("sent", 77)
    [(name, call)] = bot.calls
    assert name == "send_message" and "Transfer notice" in call["text"]
    assert "Puskesmas Playen" in call["text"]
    # the first screen counts whole people: need 11.2 -> 11, staff 14
    assert "origin unit needs 11 people and has 14" in call["text"]
    labels = [b.text for row in call["reply_markup"].inline_keyboard for b in row]
    assert labels == ["✅ Accept", "📝 Object", "ℹ️ Details"]
    assert EXPLANATION["aspiration_rank"] == 1 and "choice no. 1" in call["text"]


async def test_an_edit_kind_edits_the_message_it_names() -> None:
    bot = FakeBot()
    message = notice(outcome="accepted")
    result = await sender(bot).send(message, 55)
    assert result.message_id == 55
    [(name, call)] = bot.calls
    assert name == "edit_message_text" and call["message_id"] == 55


async def test_plan_summary_goes_as_a_photo_with_the_chart() -> None:
    bot = FakeBot()
    message = OutboxMessage(2, 201, SUMMARY, NOW)
    assert (await sender(bot).send(message, None)).status == "sent"
    [(name, call)] = bot.calls
    assert name == "send_photo" and "75" in call["caption"]


async def test_the_summary_chart_is_drawn_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import handlers.plan

    slow_chart, ticker = SlowChart(), LoopTicker()
    monkeypatch.setattr(handlers.plan, "render_plan_chart", slow_chart)

    ticker.start()
    message = OutboxMessage(2, 201, SUMMARY, NOW)
    assert (await sender(FakeBot()).send(message, None)).status == "sent"
    ticker.stop()
    assert slow_chart.drawn_off_the_loop()
    assert ticker.ticks >= 10  # the loop went on while the chart was drawn


async def test_telegram_answers_map_to_blocked_retry_and_gone() -> None:
    cases = [
        (Forbidden("Forbidden: bot was blocked by the user"), "blocked", None),
        (RetryAfter(12), "retry", 12.0),
        (TimedOut(), "retry", None),
        (BadRequest("Bad Request: chat not found"), "gone", None),
        (BadRequest("Bad Request: message is not modified"), "sent", None),
    ]
    for error, status, retry_after in cases:
        result = await sender(FakeBot(error)).send(notice(), None)
        assert (result.status, result.retry_after) == (status, retry_after), error
