"""Watching that slow work leaves the event loop free: a slow chart and a loop ticker."""

from __future__ import annotations

import asyncio
import threading
import time


class SlowChart:
    """A stand-in for `render_plan_chart` that takes 0.3 s and notes the thread it ran on."""

    def __init__(self) -> None:
        self.drawn_on: list[int] = []

    def __call__(self, bars: object, labels: object) -> bytes:
        self.drawn_on.append(threading.get_ident())
        time.sleep(0.3)  # a big chart on a slow CPU
        return b"png"

    def drawn_off_the_loop(self) -> bool:
        """True when the chart was drawn, and not on the calling (event-loop) thread."""
        return bool(self.drawn_on) and self.drawn_on[0] != threading.get_ident()


class LoopTicker:
    """Counts 10 ms ticks of other work on the event loop while it runs."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.ticks += 1

    def start(self) -> None:
        self._task = asyncio.create_task(self._tick())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
