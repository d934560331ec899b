"""Personal data sent through failing paths never reaches the error log: not in exception
messages, not in SQL parameters (the bot's own log configuration, as `mutasi serve` uses it)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging
from tests.support.e2e import E2E
from tests.support.handler_agency import SITI

pytestmark = pytest.mark.e2e

SECRET_REASON = "suami-sakit-keras"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging(stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


async def test_failing_handlers_log_where_they_failed_but_no_personal_data(
    runtime: E2E, log_stream: io.StringIO
) -> None:
    guest = runtime.emulator.user(4004, "Guest")
    async with runtime.running(extra_features=["tests.e2e.failing_feature"]):
        await guest.send_command("/gagal", SITI.nip, SITI.name, SECRET_REASON)
        await guest.wait_for_message(contains="kesalahan", timeout=10)
        await guest.send_command("/gagalsql", SITI.nip + "x", SECRET_REASON)
        await guest.wait_for_message(contains="kesalahan", timeout=10)
    log = log_stream.getvalue()
    assert "ValueError (message withheld" in log
    assert "IntegrityError (message withheld" in log
    assert "failing_feature.py" in log  # the frames say where
    for personal in (SITI.nip, SITI.name, "Siti", SECRET_REASON):
        assert personal not in log
