"""The outbox dispatcher: claim, send, record; retries, 403s, edits, crashes."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt

from core.domain import OutboxMessage, OutboxStatus, Role, RoleGrant, TelegramAccount
from core.domain.messages import AdminAlert, CardOutcome
from core.usecases.outbox import (
    DispatchPolicy,
    Pacer,
    SendResult,
    backoff_delay,
    dispatch_due,
    enqueue,
    release_claims,
    reopen_for_chat,
)
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUowFactory, RecordingSender
from tests.support.outbox_samples import payload_of, sample


class ProcessDied(BaseException):
    """Not an Exception: nothing in the dispatcher may catch it."""


NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)


async def queue(factory: FakeUowFactory, chat_id: int, key: str) -> None:
    async with factory() as uow:
        await enqueue(uow, chat_id, sample("notice"), now=NOW, dedupe_key=key)
        await uow.commit()


async def test_due_message_is_sent_once_and_its_message_id_recorded() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    await queue(factory, 11, "a")
    first = await dispatch_due(factory, sender, clock)
    second = await dispatch_due(factory, sender, clock)
    assert (first.sent, second.claimed) == (1, 0)
    [row] = factory.store.outbox.values()
    assert row.status == OutboxStatus.SENT and row.telegram_message_id == 1001
    assert len(sender.sent) == 1


async def test_a_message_not_yet_due_waits() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    async with factory() as uow:
        await enqueue(
            uow,
            11,
            sample("notice"),
            now=NOW,
            dedupe_key="a",
            not_before=NOW + dt.timedelta(hours=4),
        )
        await uow.commit()
    assert (await dispatch_due(factory, sender, clock)).claimed == 0
    clock.advance(dt.timedelta(hours=4))
    assert (await dispatch_due(factory, sender, clock)).sent == 1


async def test_failure_is_retried_with_growing_backoff_then_sent() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    sender.script[11] = [SendResult("retry", error="boom"), SendResult("retry", error="boom")]
    await queue(factory, 11, "a")
    assert (await dispatch_due(factory, sender, clock)).retried == 1
    [row] = factory.store.outbox.values()
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=5)
    clock.advance(dt.timedelta(seconds=5))
    await dispatch_due(factory, sender, clock)
    [row] = factory.store.outbox.values()
    assert row.next_attempt_at == clock.now() + dt.timedelta(seconds=10)
    clock.advance(dt.timedelta(seconds=10))
    assert (await dispatch_due(factory, sender, clock)).sent == 1


async def test_retry_after_from_telegram_is_honoured() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    sender.script[11] = [SendResult("retry", retry_after=40)]
    await queue(factory, 11, "a")
    await dispatch_due(factory, sender, clock)
    [row] = factory.store.outbox.values()
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=40)


async def test_a_sender_exception_is_a_retry_not_a_crash() -> None:
    class Exploding(RecordingSender):
        async def send(self, message: OutboxMessage, edit_message_id: int | None) -> SendResult:
            raise ConnectionError("network down")

    factory, clock = FakeUowFactory(), FakeClock(NOW)
    await queue(factory, 11, "a")
    assert (await dispatch_due(factory, Exploding(), clock)).retried == 1


async def test_giving_up_after_max_attempts_marks_failed() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    sender.script[11] = [SendResult("retry")] * 3
    await queue(factory, 11, "a")
    policy = DispatchPolicy(max_attempts=2)
    await dispatch_due(factory, sender, clock, policy)
    clock.advance(dt.timedelta(hours=1))
    report = await dispatch_due(factory, sender, clock, policy)
    assert report.failed == 1
    [row] = factory.store.outbox.values()
    assert row.status == OutboxStatus.FAILED


async def test_blocked_user_becomes_undeliverable_not_unbound_and_admins_are_told() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    factory.store.accounts[11] = TelegramAccount(11, "199001012015031001", chat_id=11)
    factory.store.accounts[99] = TelegramAccount(99, "198001012005011001", chat_id=99)
    factory.store.roles.append(RoleGrant("198001012005011001", Role.ADMIN))
    sender.script[11] = [SendResult("blocked", error="Forbidden: bot was blocked by the user")]
    await queue(factory, 11, "a")
    report = await dispatch_due(factory, sender, clock)
    assert report.undeliverable == 1
    assert factory.store.accounts[11].undeliverable
    assert not factory.store.accounts[11].blocked  # still bound: /status keeps working
    await dispatch_due(factory, sender, clock)
    alert = [m for m, _ in sender.sent if m.kind == "admin_alert"]
    assert alert and alert[0].chat_id == 99
    assert payload_of(alert[0], AdminAlert).nips == ("199001012015031001",)
    assert any(e.action == "outbox.undeliverable" for e in factory.store.audit)


async def test_after_unblocking_held_messages_go_again_once_each() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    factory.store.accounts[11] = TelegramAccount(11, "199001012015031001", chat_id=11)
    sender.script[11] = [SendResult("blocked")]
    await queue(factory, 11, "a")
    await dispatch_due(factory, sender, clock)
    await queue(factory, 11, "b")  # queued while the chat is marked: held, not sent
    assert (await dispatch_due(factory, sender, clock)).claimed == 0
    assert [m.status for m in factory.store.outbox.values()] == [OutboxStatus.UNDELIVERABLE] * 2
    async with factory() as uow:
        assert await reopen_for_chat(uow, 11, NOW) == 2
        await uow.commit()
    assert not factory.store.accounts[11].undeliverable
    await dispatch_due(factory, sender, clock)
    await dispatch_due(factory, sender, clock)
    # The first call to "a" met the 403; afterwards each goes exactly once.
    assert [m.dedupe_key for m, _ in sender.sent] == ["a", "a", "b"]
    assert {m.status for m in factory.store.outbox.values()} == {OutboxStatus.SENT}


async def test_a_message_that_finally_fails_is_reported_to_admins_with_recipient_and_kind() -> (
    None
):
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    factory.store.accounts[11] = TelegramAccount(11, "199001012015031001", chat_id=11)
    factory.store.accounts[99] = TelegramAccount(99, "198001012005011001", chat_id=99)
    factory.store.roles.append(RoleGrant("198001012005011001", Role.ADMIN))
    sender.script[11] = [SendResult("gone", error="Bad Request: chat not found")]
    await queue(factory, 11, "a")
    assert (await dispatch_due(factory, sender, clock)).failed == 1
    await dispatch_due(factory, sender, clock)
    [alert] = [m for m, _ in sender.sent if m.kind == "admin_alert"]
    assert alert.chat_id == 99
    assert alert.payload == AdminAlert(alert="failed", nips=("199001012015031001",), kind="notice")


async def test_crash_mid_send_repeats_only_that_message_at_restart_without_spending_a_try() -> (
    None
):
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    for key in ("a", "b", "c"):
        await queue(factory, 11, key)

    class Dying(RecordingSender):
        async def send(self, message: OutboxMessage, edit_message_id: int | None) -> SendResult:
            raise ProcessDied  # stands in for the process dying mid-send

    with contextlib.suppress(ProcessDied):
        await dispatch_due(factory, Dying(), clock, owner="first")
    statuses = sorted(m.status for m in factory.store.outbox.values())
    # Only the message in flight is claimed; the others were never touched.
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.SENDING]
    # The same process (or a live one) does not send a claimed row twice.
    assert (await dispatch_due(factory, sender, clock, owner="first")).claimed == 2
    assert await release_claims(factory, "second") == 1  # the restart takes it back at once
    assert (await dispatch_due(factory, sender, clock, owner="second")).sent == 1
    assert sorted(m.dedupe_key or "" for m, _ in sender.sent) == ["a", "b", "c"]
    assert all(m.attempts == 0 for m in factory.store.outbox.values())


async def test_crashes_do_not_spend_the_retry_budget() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    await queue(factory, 11, "a")

    class Dying(RecordingSender):
        async def send(self, message: OutboxMessage, edit_message_id: int | None) -> SendResult:
            raise ProcessDied

    policy = DispatchPolicy(max_attempts=2)
    for restart in range(7):
        with contextlib.suppress(ProcessDied):
            await dispatch_due(factory, Dying(), clock, policy, owner=f"p{restart}")
        await release_claims(factory, f"p{restart + 1}")
    sender.script[11] = [SendResult("retry", retry_after=1)]
    assert (await dispatch_due(factory, sender, clock, policy, owner="last")).retried == 1
    clock.advance(dt.timedelta(minutes=1))
    assert (await dispatch_due(factory, sender, clock, policy, owner="last")).sent == 1


async def test_edit_waits_for_the_card_it_edits_and_targets_its_message() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    async with factory() as uow:
        later = NOW + dt.timedelta(hours=1)
        card, edit = sample("approval_card"), sample("card_outcome")
        assert isinstance(edit, CardOutcome)
        await enqueue(uow, 11, card, now=NOW, dedupe_key="card", not_before=later)
        await enqueue(
            uow, 11, dataclasses.replace(edit, edit_of="card"), now=NOW, dedupe_key="edit"
        )
        await uow.commit()
    assert (await dispatch_due(factory, sender, clock)).claimed == 0
    clock.advance(dt.timedelta(hours=1))
    await dispatch_due(factory, sender, clock)
    await dispatch_due(factory, sender, clock)
    assert [(m.kind, target) for m, target in sender.sent] == [
        ("approval_card", None),
        ("card_outcome", 1001),
    ]


async def test_edit_of_a_card_that_never_existed_is_dropped() -> None:
    factory, clock, sender = FakeUowFactory(), FakeClock(NOW), RecordingSender()
    async with factory() as uow:
        edit = sample("card_outcome")
        assert isinstance(edit, CardOutcome)
        await enqueue(uow, 11, dataclasses.replace(edit, edit_of="nope"), now=NOW, dedupe_key="e")
        await uow.commit()
    await dispatch_due(factory, sender, clock)
    [row] = factory.store.outbox.values()
    assert row.status == OutboxStatus.FAILED and sender.sent == []


def test_backoff_doubles_and_is_capped() -> None:
    policy = DispatchPolicy()
    assert [backoff_delay(n, policy).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert backoff_delay(30, policy) == policy.max_backoff


async def test_pacer_spaces_sends_at_the_rate_without_a_burst() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))

    pacer = Pacer(10.0, now=lambda: 100.0, sleep=sleep)
    for _ in range(3):
        await pacer.wait()
    assert slept == [0.1, 0.2]
