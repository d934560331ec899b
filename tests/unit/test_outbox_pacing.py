"""The outbox respects Telegram: per-chat pacing on top of the global rate, priorities, and a
429 for one chat that holds that chat only."""

from __future__ import annotations

import datetime as dt

from core.domain import OutboxStatus
from core.usecases.outbox import ChatPacer, DispatchPolicy, SendResult, dispatch_due, enqueue
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUowFactory, RecordingSender
from tests.support.outbox_samples import sample

NOW = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


class FakeTime:
    """Loop time for the pacer: sleeping moves it forward, and each sleep is recorded."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def pacer(time: FakeTime) -> ChatPacer:
    return ChatPacer(1.0, 20.0, now=lambda: time.now, sleep=time.sleep)


async def queue(factory: FakeUowFactory, chat: int, kind: str, key: str) -> None:
    async with factory() as uow:
        await enqueue(uow, chat, sample(kind), now=NOW, dedupe_key=key)
        await uow.commit()


POLICY = DispatchPolicy(max_per_second=None, chat_window=dt.timedelta(seconds=2))


async def test_a_reply_queued_after_many_notices_goes_out_first() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    for i in range(30):
        await queue(factory, 500 + i, "notice", f"notice-{i}")
    await queue(factory, 777, "reminder", "reminder")
    await queue(factory, 999, "card_outcome", "reply")
    await queue(factory, 888, "plan_summary", "summary")
    policy = DispatchPolicy(batch=3, max_per_second=None, chat_per_second=None)
    await dispatch_due(factory, sender, clock, policy)
    assert [m.dedupe_key for m, _ in sender.sent] == ["reply", "summary", "notice-0"]
    await dispatch_due(factory, sender, clock, DispatchPolicy(max_per_second=None))
    assert sender.sent[-1][0].dedupe_key == "reminder"  # reminders last


async def test_one_chat_gets_at_most_one_message_a_second_and_does_not_hold_up_others() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    for i in range(20):
        await queue(factory, 11, "notice", f"busy-{i}")
    for chat in (12, 13, 14):
        await queue(factory, chat, "notice", f"other-{chat}")
    time = FakeTime()
    chats = pacer(time)
    report = await dispatch_due(factory, sender, clock, POLICY, chat_pacer=chats)
    sent_chats = [m.chat_id for m, _ in sender.sent]
    # One pass takes two seconds' worth of the busy chat and everything of the others.
    assert sorted(sent_chats) == [11, 11, 12, 13, 14]
    assert report.sent == 5
    assert max(time.sleeps) == 1.0  # the busy chat's second message waited its second
    # Right after, the busy chat is paced out of the next pass: nothing else is claimed.
    assert (await dispatch_due(factory, sender, clock, POLICY, chat_pacer=chats)).claimed == 0
    time.now += 1.0
    assert (await dispatch_due(factory, sender, clock, POLICY, chat_pacer=chats)).sent == 2


async def test_a_429_for_one_chat_delays_that_chat_only() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    for i in range(3):
        await queue(factory, 11, "notice", f"refused-{i}")
        await queue(factory, 12, "notice", f"fine-{i}")
    sender.script[11] = [SendResult("retry", retry_after=30)]
    time = FakeTime()
    chats = pacer(time)
    await dispatch_due(factory, sender, clock, POLICY, chat_pacer=chats)
    rows = {m.dedupe_key: m for m in factory.store.outbox.values()}
    # The refused message waits 30 s; the chat's next one was not even tried.
    assert rows["refused-0"].next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert (rows["refused-1"].status, rows["refused-1"].attempts) == (OutboxStatus.PENDING, 0)
    time.now += 2.0
    clock.advance(dt.timedelta(seconds=2))
    await dispatch_due(factory, sender, clock, POLICY, chat_pacer=chats)
    fine = [m.dedupe_key for m, _ in sender.sent if m.chat_id == 12]
    assert fine == ["fine-0", "fine-1", "fine-2"]  # the other chat kept going
    assert [m.dedupe_key for m, _ in sender.sent if m.chat_id == 11] == ["refused-0"]
    time.now += 30.0
    clock.advance(dt.timedelta(seconds=30))
    await dispatch_due(factory, sender, clock, POLICY, chat_pacer=chats)
    assert [m.dedupe_key for m, _ in sender.sent if m.chat_id == 11] == [
        "refused-0",
        "refused-0",
        "refused-1",
    ]


async def test_groups_are_paced_at_twenty_a_minute() -> None:
    time = FakeTime()
    chats = pacer(time)
    for _ in range(3):
        await chats.wait(-100123)
    assert time.sleeps == [3.0, 3.0]
    assert chats.interval(4242) == 1.0
