"""Logs an operator can live with: level and format from settings, secrets and NIPs never
written, routine scheduler runs kept below INFO."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.logs import RedactingFilter, build_handler, configure_logging, redact

TOKEN = "777000:LOG-test-token-value"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from bot.logs import _CHATTY

    levels = {n: logging.getLogger(n).level for n in _CHATTY}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def _logger_into(buffer: io.StringIO, fmt: str = "text") -> logging.Logger:
    logger = logging.getLogger(f"test.logs.{id(buffer)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(build_handler(fmt, [TOKEN], buffer))  # type: ignore[arg-type]
    return logger


def test_the_token_never_reaches_a_line_whether_in_text_arguments_or_a_traceback() -> None:
    buffer = io.StringIO()
    log = _logger_into(buffer)
    log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    log.warning("token is " + TOKEN)
    try:
        raise RuntimeError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getUpdates")
    except RuntimeError:
        log.exception("send failed")
    text = buffer.getvalue()
    assert TOKEN not in text and "LOG-test-token" not in text
    assert text.count("/bot***") == 1 and "send failed" in text
    assert "RuntimeError (message withheld" in text  # the type and the frames, not the message


def test_a_bot_api_url_with_any_token_is_redacted_even_when_the_token_is_not_known() -> None:
    assert (
        redact("POST http://127.0.0.1:8081/bot123456:AAE-x_y/sendMessage 200")
        == "POST http://127.0.0.1:8081/bot***/sendMessage 200"
    )
    # File downloads put the token in the path URL-encoded (found by the session's leak watch).
    assert (
        redact("GET http://127.0.0.1:41647/file/bot424242%3AE2E-token/documents/file_2.xlsx")
        == "GET http://127.0.0.1:41647/file/bot***/documents/file_2.xlsx"
    )
    assert "E2E-token" not in redact("token 424242%3AE2E-token", ["424242:E2E-token"])


def test_nips_are_masked_and_other_numbers_left_alone() -> None:
    line = redact("refused 198001012005011001 in chat 5123456789 at 2026-11-30 07:30")
    assert "198001012005011001" not in line
    assert "19800101…001" in line and "5123456789" in line and "07:30" in line


def test_json_format_writes_one_object_per_line_with_the_redacted_message() -> None:
    buffer = io.StringIO()
    log = _logger_into(buffer, "json")
    log.error("unit 198001012005011001 token %s", TOKEN)
    entries = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert len(entries) == 1
    assert entries[0]["level"] == "ERROR"
    assert entries[0]["message"] == "unit 19800101…001 token ***"
    assert entries[0]["time"].endswith("+00:00")


def test_a_record_whose_arguments_do_not_fit_is_still_written() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d items", ("many",), None)
    assert RedactingFilter([TOKEN]).filter(record)
    assert record.msg == "%d items"


async def test_routine_scheduler_runs_are_not_logged_at_info(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level="INFO", fmt="text", secrets=[TOKEN])
    runs = 0

    async def tick() -> None:
        nonlocal runs
        runs += 1

    scheduler = AsyncIOScheduler()
    scheduler.add_job(tick, "interval", seconds=0.05)
    scheduler.start()
    try:
        for _ in range(100):
            await asyncio.sleep(0.02)
            if runs >= 3:
                break
    finally:
        scheduler.shutdown(wait=False)
    logging.getLogger("bot.jobs").info("nightly plan 1: created, 3 moves")
    written = capsys.readouterr().err
    assert runs >= 3
    assert "Running job" not in written and "executed successfully" not in written
    assert "nightly plan 1: created, 3 moves" in written


async def test_debug_level_shows_the_scheduler_again(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level="DEBUG")
    logging.getLogger("apscheduler.executors.default").info('Running job "tick"')
    assert 'Running job "tick"' in capsys.readouterr().err
