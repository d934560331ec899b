"""Issue 10: once `mutasi serve` has started, the start-up heap is left out of the garbage
collector's generations, so a full collection (which stops every reply) walks only what the bot
allocated since. Run in a child process: freezing this test process's heap would keep every
later test's garbage."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json
import bot.app, bot.jobs, bot.serve  # the modules `mutasi serve` runs on
before = len(gc.get_objects(generation=2))
frozen = bot.serve.settle_heap()
gc.collect()
print(json.dumps({"before": before, "frozen": frozen, "after": len(gc.get_objects(generation=2))}))
"""


def test_settle_heap_sets_the_start_up_objects_aside_from_full_collections() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    # Tens of thousands of start-up objects (telegram, sqlalchemy, pydantic...) were in the
    # oldest generation; afterwards a full collection finds almost none of them to walk.
    assert counts["before"] > 20_000, counts
    assert counts["frozen"] >= counts["before"] * 0.9, counts
    assert counts["after"] < counts["before"] / 20, counts
