"""The session's token watch (tests/leak_watch.py) finds a token wherever the suite could
show one, and finds the tokens the tests use without being told."""

from __future__ import annotations

import logging

from bot.logs import build_handler
from tests.leak_watch import LeakWatch, leaks_in, watched_tokens


def test_the_tokens_of_the_test_sources_are_found_by_shape() -> None:
    tokens = watched_tokens()
    assert {"424242:E2E-token", "515151:LOOP-e2e-token", "123456789:EMULATED-test-token"} <= tokens
    assert not any(t.startswith(("127.0.0.1", "07:30")) for t in tokens)


def test_a_token_or_its_secret_half_is_a_leak_and_a_redacted_url_is_not() -> None:
    tokens = ["424242:E2E-token"]
    assert leaks_in("GET /bot424242:E2E-token/getMe", tokens) == tokens
    assert leaks_in("token E2E-token was refused", tokens) == tokens
    assert leaks_in("GET /bot***/getMe", tokens) == []


def test_a_log_record_with_a_token_is_reported_even_through_the_product_handler() -> None:
    watch = LeakWatch(frozenset({"424242:E2E-token"}))
    logger = logging.getLogger("test.leak_watch.probe")
    logger.propagate = False
    logger.addHandler(build_handler("text", (), watch.buffer))
    try:
        logger.warning("GET http://127.0.0.1/bot424242:E2E-token/getMe")  # redacted: fine
        assert watch.check() == []
        logger.warning("the token is 424242:E2E-token")  # not a URL: the handler cannot know
    finally:
        logger.handlers.clear()
    found = watch.check()
    assert len(found) == 1 and "log records" in found[0]


def test_cli_and_subprocess_output_is_reported_with_where_it_was_seen() -> None:
    watch = LeakWatch(frozenset({"999:NOT-THE-TOKEN"}))
    watch.record("subprocess stderr", b"error: cannot reach /bot999:NOT-THE-TOKEN/getMe")
    watch.record("CLI output (CliRunner)", "all fine")
    assert [line.split(":")[0] for line in watch.check()] == ["token '999"]
    assert "subprocess stderr" in watch.check()[0]
