"""Updates from different people run side by side; one person's updates run strictly in order.

A real PTB Application (fetcher, tasks, our update processor) over the in-memory fake Bot API;
handlers are gated by events, so nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler

from bot.app import build_application
from bot.settings import Settings
from bot.update_order import PerUserUpdateProcessor, order_key, update_processor_for
from tests.handlers.fake_telegram import RecordingRequest, UpdateFactory

ALICE, BOB, CAROL = 101, 202, 303
WAIT = 10.0  # only guards against a hang; no test asserts on time


class Script:
    """What the handler did, in order, and gates that hold chosen messages back."""

    def __init__(self) -> None:
        self.started: list[tuple[int, str]] = []
        self.finished: list[tuple[int, str]] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.changed = asyncio.Condition()

    def gate(self, text: str) -> asyncio.Event:
        """Hold every message TEXT until the returned event is set."""
        return self.gates.setdefault(text, asyncio.Event())

    async def handle(self, update: Update, _context: Any) -> None:
        """Record the start, wait at the gate if any, record the end."""
        assert update.effective_user is not None
        text = (
            update.callback_query.data or ""
            if update.callback_query is not None
            else (update.effective_message.text if update.effective_message else "") or ""
        )
        entry = (update.effective_user.id, text)
        await self._note(self.started, entry)
        if text in self.gates:
            await self.gates[text].wait()
        if text == "boom":
            raise RuntimeError("a handler failed")
        await self._note(self.finished, entry)

    async def _note(self, log: list[tuple[int, str]], entry: tuple[int, str]) -> None:
        async with self.changed:
            log.append(entry)
            self.changed.notify_all()

    async def until(self, done: Callable[[], bool]) -> None:
        """Wait until DONE() holds."""

        async def waiting() -> None:
            async with self.changed:
                await self.changed.wait_for(done)

        await asyncio.wait_for(waiting(), WAIT)


@asynccontextmanager
async def running(concurrent: int) -> AsyncIterator[tuple[Any, Script, UpdateFactory]]:
    """An application with our processor running its fetcher (no updater, no network)."""
    request = RecordingRequest()
    processor = PerUserUpdateProcessor(concurrent)
    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token("123:ORDER")
        .request(request)
        .get_updates_request(RecordingRequest())
        .updater(None)
        .concurrent_updates(processor)
        .build()
    )
    script = Script()
    app.add_handler(MessageHandler(None, script.handle))
    app.add_handler(CallbackQueryHandler(script.handle))
    app.add_error_handler(_ignore_error)
    async with app:
        await app.start()
        try:
            yield app, script, UpdateFactory(app.bot)
        finally:
            for gate in script.gates.values():
                gate.set()
            await app.stop()


async def _ignore_error(_update: object, _context: Any) -> None:
    """The failing handler's error is expected."""


async def send(app: Any, update: Update) -> None:
    """Deliver one update as the updater would."""
    await app.update_queue.put(update)


async def test_a_slow_update_delays_only_its_own_senders_next_update() -> None:
    async with running(8) as (app, script, updates):
        release = script.gate("slow")
        await send(app, updates.text(ALICE, "slow"))
        await script.until(lambda: (ALICE, "slow") in script.started)
        await send(app, updates.text(ALICE, "second"))
        await send(app, updates.text(BOB, "hello"))

        # Bob is answered while Alice's first update is still running...
        await script.until(lambda: (BOB, "hello") in script.finished)
        # ...and Alice's second update has not even started: it waits its turn.
        assert (ALICE, "second") not in script.started

        release.set()
        await script.until(lambda: (ALICE, "second") in script.finished)
        assert script.finished == [(BOB, "hello"), (ALICE, "slow"), (ALICE, "second")]
        assert [e for e in script.started if e[0] == ALICE] == [(ALICE, "slow"), (ALICE, "second")]


async def test_one_senders_updates_run_one_at_a_time_in_arrival_order() -> None:
    async with running(8) as (app, script, updates):
        release = script.gate("m0")
        for i in range(6):
            await send(app, updates.text(ALICE, f"m{i}"))
        await script.until(lambda: (ALICE, "m0") in script.started)
        assert script.started == [(ALICE, "m0")]
        release.set()
        await script.until(lambda: len(script.finished) == 6)
        expected = [(ALICE, f"m{i}") for i in range(6)]
        assert script.started == expected and script.finished == expected


async def test_a_press_is_ordered_by_who_pressed_it() -> None:
    async with running(8) as (app, script, updates):
        release = script.gate("apv:ok:1:0")
        await send(app, updates.press(ALICE, "apv:ok:1:0"))
        await script.until(lambda: (ALICE, "apv:ok:1:0") in script.started)
        await send(app, updates.text(ALICE, "after the press"))
        await send(app, updates.press(BOB, "apv:ok:2:0"))
        await script.until(lambda: (BOB, "apv:ok:2:0") in script.finished)
        assert (ALICE, "after the press") not in script.started
        release.set()
        await script.until(lambda: (ALICE, "after the press") in script.finished)


async def test_a_sender_tapping_fast_holds_one_slot_not_all_of_them() -> None:
    async with running(2) as (app, script, updates):
        release = script.gate("slow")
        await send(app, updates.text(ALICE, "slow"))
        await script.until(lambda: (ALICE, "slow") in script.started)
        for i in range(5):  # more than the two slots, all queued behind Alice's slow one
            await send(app, updates.text(ALICE, f"again {i}"))
        await send(app, updates.text(BOB, "hello"))
        await send(app, updates.text(CAROL, "hi"))
        await script.until(lambda: {(BOB, "hello"), (CAROL, "hi")} <= set(script.finished))
        assert [e for e in script.started if e[0] == ALICE] == [(ALICE, "slow")]
        release.set()
        await script.until(lambda: len(script.finished) == 8)


async def test_at_most_the_configured_number_of_handlers_run_at_once() -> None:
    async with running(2) as (app, script, updates):
        release = script.gate("slow")
        for user in (ALICE, BOB, CAROL):
            await send(app, updates.text(user, "slow"))
        await script.until(lambda: len(script.started) == 2)
        assert (CAROL, "slow") not in script.started
        release.set()
        await script.until(lambda: len(script.finished) == 3)
        assert script.started[-1] == (CAROL, "slow")


async def test_a_failing_update_does_not_strand_the_senders_next_ones() -> None:
    async with running(8) as (app, script, updates):
        for text in ("boom", "still answered"):
            await send(app, updates.text(ALICE, text))
        await script.until(lambda: (ALICE, "still answered") in script.finished)
        assert script.started == [(ALICE, "boom"), (ALICE, "still answered")]


async def test_idle_senders_are_forgotten() -> None:
    async with running(4) as (app, script, updates):
        processor = app.update_processor
        release = script.gate("slow")
        await send(app, updates.text(ALICE, "slow"))
        for user in range(1000, 1050):
            await send(app, updates.text(user, "hello"))
        await script.until(lambda: len(script.finished) == 50)
        assert processor.active_senders == 1  # only Alice, still busy
        release.set()
        await script.until(lambda: len(script.finished) == 51)
        assert processor.active_senders == 0


def test_updates_are_keyed_by_their_sender() -> None:
    updates = UpdateFactory(ApplicationBuilder().token("123:ORDER").build().bot)
    assert order_key(updates.text(ALICE, "hi")) == ("user", ALICE)
    assert order_key(updates.text(ALICE, "hi", group_id=-100)) == ("user", ALICE)
    assert order_key(updates.press(BOB, "apv:ok:1:0")) == ("user", BOB)
    assert order_key(object()) is None


def test_the_setting_chooses_the_processor() -> None:
    assert update_processor_for(1) == 1
    processor = update_processor_for(8)
    assert isinstance(processor, PerUserUpdateProcessor)
    assert processor.max_concurrent_updates == 8

    def app_with(**values: Any) -> Any:
        values.setdefault("bot_token", "123:ORDER")
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        no_dialogues: Any = None
        return build_application(
            settings, _no_uow, dialogues=no_dialogues, table=(), publish_menus=False
        )

    assert app_with().concurrent_updates == 8
    assert isinstance(app_with().update_processor, PerUserUpdateProcessor)
    assert app_with(concurrent_updates=1).concurrent_updates == 1


def _no_uow() -> Any:
    raise AssertionError("no database in this test")
