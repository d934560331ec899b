"""Updates from different people are handled at the same time; one person's, strictly in order.

PTB hands every update to an update processor. `PerUserUpdateProcessor` keeps one FIFO backlog
per sender: the first update of a sender becomes that sender's *runner* and works through the
backlog one update after another; updates that arrive for the same sender meanwhile join the
backlog and return at once, so they hold none of the `max_concurrent_updates` slots while
they wait. Hence

* a sender's updates run in arrival order, one at a time (dialogue state depends on it);
* a slow handler delays only its own sender, never the others;
* at most `max_concurrent_updates` handlers run at once, and one sender occupies at most one
  of them however fast they tap;
* a sender's backlog is dropped as soon as it is empty, so memory follows the number of people
  talking right now, not the number who ever did.

Arrival order is the order PTB's fetcher starts its tasks; they enter `do_process_update` in
that order because asyncio runs new tasks first-in first-out and PTB's bounded semaphore wakes
its waiters first-in first-out.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

#: Whose turn an update waits for: ("user", id), ("chat", id), or None (no order to keep).
OrderKey = tuple[str, int]


def order_key(update: object) -> OrderKey | None:
    """The sender an update is ordered by: its user (presses: who pressed), else its chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across senders, sequential per sender, at most N handlers running at once."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._backlogs: dict[OrderKey, deque[Awaitable[Any]]] = {}

    @property
    def active_senders(self) -> int:
        """How many senders have an update running or waiting (idle senders are forgotten)."""
        return len(self._backlogs)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update now, or queue it behind the same sender's earlier updates."""
        key = order_key(update)
        if key is None:
            await coroutine
            return
        backlog = self._backlogs.get(key)
        if backlog is not None:
            # The sender's runner is busy with an earlier update; it will run this one next.
            backlog.append(coroutine)
            return
        backlog = self._backlogs[key] = deque([coroutine])
        try:
            while backlog:
                await self._run_one(backlog.popleft())
        finally:
            # No await between the emptiness check and here: nothing can slip in unseen.
            if self._backlogs.get(key) is backlog:
                del self._backlogs[key]
            _close_all(backlog)

    async def _run_one(self, coroutine: Awaitable[Any]) -> None:
        # Application.process_update already sends handler errors to the error handlers;
        # whatever still escapes must not strand the updates queued behind this one.
        try:
            await coroutine
        except Exception:
            log.exception("an update escaped the error handlers")

    async def initialize(self) -> None:
        """Nothing to allocate: backlogs come and go with the senders."""

    async def shutdown(self) -> None:
        """Forget updates that never ran (Application.stop waits for the runners first)."""
        left = sum(len(backlog) for backlog in self._backlogs.values())
        if left:
            log.warning("dropping %d queued updates at shutdown", left)
        for backlog in self._backlogs.values():
            _close_all(backlog)
        self._backlogs.clear()


def _close_all(backlog: deque[Awaitable[Any]]) -> None:
    """Close coroutines that will never run (only after cancellation or at shutdown)."""
    while backlog:
        coroutine = backlog.popleft()
        if isinstance(coroutine, Coroutine):
            coroutine.close()


def update_processor_for(concurrent_updates: int) -> BaseUpdateProcessor | int:
    """What `ApplicationBuilder.concurrent_updates` gets: 1 keeps PTB's sequential loop."""
    if concurrent_updates <= 1:
        return 1
    return PerUserUpdateProcessor(concurrent_updates)
