"""Where the event loop blocks: a watcher thread samples the loop thread's stack whenever the
loop is late, and counts the late time per line of the project's own code.

    async with watching_loop(threshold=0.1) as stalls:
        ...                      # the workload, on this event loop
    print(stalls.report())       # {"stalled_seconds": ..., "worst_sites": [...], full GCs}

A "stall" is a time span in which a callback scheduled every `interval` seconds ran more than
`threshold` seconds late: the loop thread was busy in one callback (or starved of the CPU) for
that long, so no reply to anyone could go out. Each sample names the innermost frame of the
project's packages on the loop thread's stack (and the outermost one, the task's entry point),
so the report reads "core/usecases/approval.py:612 approve_many <- handlers/digest.py:347
_approve".
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from types import FrameType
from typing import Any

#: Top-level packages whose frames name a site (the rest is library code).
PROJECT_PACKAGES = ("bot", "core", "db", "handlers", "benchmarks")
ROOT = Path(__file__).resolve().parent.parent


def _project_path(frame: FrameType) -> str | None:
    """The frame's file relative to the repository when it belongs to the project, else None."""
    try:
        relative = Path(frame.f_code.co_filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    if relative.parts and relative.parts[0] in PROJECT_PACKAGES:
        return relative.as_posix()
    return None


def site_of(frame: FrameType | None) -> str:
    """`inner <- outer` project frames of a stack (or the innermost frame when none is ours)."""
    ours: list[str] = []
    innermost = frame
    while frame is not None:
        path = _project_path(frame)
        if path is not None and path != "benchmarks/loop_stalls.py":
            ours.append(f"{path}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    if not ours:
        if innermost is None:
            return "(idle)"
        return f"{Path(innermost.f_code.co_filename).name}:{innermost.f_code.co_name}"
    if len(ours) == 1:
        return ours[0]
    return f"{ours[0]} <- {ours[-1]}"


class LoopStalls:
    """Samples the running loop's thread while the loop is more than THRESHOLD seconds late."""

    def __init__(self, threshold: float = 0.1, interval: float = 0.01) -> None:
        self.threshold = threshold
        self.interval = interval
        self.samples: Counter[str] = Counter()
        self.stalled_seconds = 0.0
        self.longest = 0.0
        self._beat = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._heart: asyncio.Task[None] | None = None
        self._loop_thread = threading.get_ident()
        #: Seconds each full garbage collection held the interpreter (every thread waits).
        self.full_collections: list[float] = []
        self._collecting_since: float | None = None

    async def _heartbeat(self) -> None:
        while True:
            self._beat = time.monotonic()
            await asyncio.sleep(self.interval)

    def _watch(self) -> None:
        stalled_since: float | None = None
        while not self._stop.wait(self.interval):
            late = time.monotonic() - self._beat - self.interval
            if late <= self.threshold:
                if stalled_since is not None:
                    self.longest = max(self.longest, time.monotonic() - stalled_since)
                    stalled_since = None
                continue
            if stalled_since is None:
                stalled_since = self._beat + self.interval
                self.stalled_seconds += late
            else:
                self.stalled_seconds += self.interval
            frame = sys._current_frames().get(self._loop_thread)
            self.samples[site_of(frame)] += 1

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        """gc.callbacks hook: times every full (generation 2) collection."""
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._collecting_since = time.perf_counter()
        elif self._collecting_since is not None:
            self.full_collections.append(time.perf_counter() - self._collecting_since)
            self._collecting_since = None

    def start(self) -> None:
        """Start watching the running loop (call from a coroutine on it)."""
        gc.callbacks.append(self._collected)
        self._loop_thread = threading.get_ident()
        self._beat = time.monotonic()
        self._heart = asyncio.create_task(self._heartbeat())
        self._thread = threading.Thread(target=self._watch, name="loop-stalls", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._collected in gc.callbacks:
            gc.callbacks.remove(self._collected)
        if self._thread is not None:
            self._thread.join()
        if self._heart is not None:
            self._heart.cancel()

    def report(self, top: int = 8) -> dict[str, Any]:
        """Seconds the loop was late beyond the threshold, the longest stall, and the sites most
        often on the loop thread's stack meanwhile (share of the samples)."""
        total = sum(self.samples.values())
        return {
            "stall_threshold_seconds": self.threshold,
            "stalled_seconds": round(self.stalled_seconds, 1),
            "longest_stall_seconds": round(self.longest, 2),
            "full_gc_collections": len(self.full_collections),
            "longest_full_gc_seconds": round(max(self.full_collections, default=0.0), 3),
            "worst_sites": [
                {"site": site, "share": round(count / total, 3)}
                for site, count in self.samples.most_common(top)
            ],
        }


@contextlib.asynccontextmanager
async def watching_loop(threshold: float = 0.1) -> AsyncIterator[LoopStalls]:
    """LoopStalls over the running loop while the block runs."""
    stalls = LoopStalls(threshold)
    stalls.start()
    try:
        yield stalls
    finally:
        stalls.stop()
