"""Telegram's flood limits on the bot's side: PTB's AIORateLimiter (overall and group rates),
plus about one message a second to one private chat, and a 429 makes only the refused request
wait.

PTB's limiter pauses *every* request while it sleeps off one 429, so one approver's chat being
refused slowed every other user's reply. Here the limiter itself never retries; this class
retries the refused request alone after Telegram's retry_after, and a request that passes
`rate_limit_args=NO_RETRY` (the outbox) gets the RetryAfter back at once to hold that one chat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

#: What a Bot API call answers (PTB's own annotation of BaseRateLimiter.process_request).
Answer = bool | dict[str, Any] | list[dict[str, Any]]

#: Spacing of one private chat's requests relative to the limit (1.25: 0.8 a second at 1/s).
SLACK = 1.25

#: Per-chat limiters kept before the table is started afresh (an idle chat's limiter is empty).
MAX_TRACKED_CHATS = 10_000

#: `rate_limit_args` for a send that must not be retried here (the outbox reschedules it).
#: Not 0: ExtBot drops falsy rate_limit_args.
NO_RETRY = -1


def retry_seconds(error: RetryAfter) -> float:
    """Telegram's retry_after in seconds (PTB 22 warns that it becomes a timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        value: int | float | dt.timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class PerRequestRateLimiter(AIORateLimiter):
    """AIORateLimiter whose 429 retries wait per request instead of pausing the whole bot, and
    which spaces requests to one private chat (PTB's limiter only paces groups)."""

    def __init__(
        self, *, max_retries: int = 3, private_chat_per_second: float = 1.0, **limits: Any
    ) -> None:
        super().__init__(max_retries=0, **limits)
        self.request_retries = max_retries
        self.private_chat_per_second = private_chat_per_second
        self._chat_limiters: dict[int, AsyncLimiter] = {}

    def _chat_limiter(self, data: dict[str, Any]) -> AsyncLimiter | None:
        try:
            chat_id = int(data.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        if chat_id <= 0:
            return None  # groups and channels: PTB's group limiter
        if len(self._chat_limiters) > MAX_TRACKED_CHATS:
            self._chat_limiters.clear()
        limiter = self._chat_limiters.get(chat_id)
        if limiter is None:
            # A little under the limit: requests reach Telegram with some jitter, and sending at
            # exactly the limit leaves no slack for it.
            limiter = AsyncLimiter(1, SLACK / self.private_chat_per_second)
            self._chat_limiters[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        """Run the request under the overall/group limits; on a 429 only this request waits."""
        retries = self.request_retries if rate_limit_args is None else max(0, rate_limit_args)
        chat = self._chat_limiter(data)
        for attempt in range(retries + 1):
            try:
                if chat is None:
                    return await super().process_request(
                        callback, args, kwargs, endpoint, data, None
                    )
                async with chat:
                    return await super().process_request(
                        callback, args, kwargs, endpoint, data, None
                    )
            except RetryAfter as error:
                if attempt >= retries:
                    raise
                seconds = retry_seconds(error) + 0.1
                log.info("429 on %s; this request retries after %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds)
        raise AssertionError("unreachable: the last attempt returns or raises")
