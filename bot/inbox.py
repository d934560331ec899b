"""Where updates come in: long polling or a webhook, each update stored in the inbox (committed)
before Telegram is told it arrived, then handed to the Application in order and marked handled.

* Polling: the next getUpdates (whose offset confirms the previous batch) is asked only after
  the batch is committed to the inbox.
* Webhook: the HTTP answer 200 is sent only after the update is committed; a malformed body
  gets 400 and a wrong secret 403, and neither is stored.
* At start, updates stored but never handled (the process died) are handled first, in
  update_id order. A re-delivered update_id (Telegram repeats what was not confirmed) is stored
  once and handled once.
* An update is marked handled in the same transaction as the first commit its handler makes
  (see db.inbox_repository); if the handler commits nothing, right after it returns.

Text is cleaned here, at the edge: characters the database or Telegram refuse (NUL, other
control characters, lone surrogates) are removed from every string of the update before it is
stored (core.domain.text).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from core.domain.text import cleaned
from core.ports import Clock, UnitOfWorkFactory
from db.inbox_repository import HANDLING_UPDATE

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram's updates are a few kilobytes; anything far larger is not one.
MAX_WEBHOOK_BODY = 1_000_000

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class UpdateInbox:
    """Receives updates, stores them, feeds them to APPLICATION and marks them handled."""

    def __init__(
        self, application: AnyApplication, uow_factory: UnitOfWorkFactory, clock: Clock
    ) -> None:
        self.application = application
        self.uow_factory = uow_factory
        self.clock = clock
        self._queued: set[int] = set()  # update_ids handed to the application by this process
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._server: HTTPServer | None = None
        self._stopping = False

    # ------------------------------------------------------------------ storing

    async def receive(self, payloads: Sequence[dict[str, Any]]) -> int:
        """Store PAYLOADS (committed), then hand the new ones to the application; returns how
        many were new. Only after this returns may Telegram be told they arrived."""
        new: list[tuple[int, dict[str, Any]]] = []
        now = self.clock.now()
        async with self.uow_factory() as uow:
            for payload in payloads:
                clean = cleaned(payload)
                update_id = int(clean["update_id"])
                if await uow.inbox.store(update_id, clean, now):
                    new.append((update_id, clean))
                elif not await uow.inbox.is_handled(update_id) and update_id not in self._queued:
                    new.append((update_id, clean))  # stored by a process that died
            await uow.commit()
        for update_id, payload in new:
            self._feed(update_id, payload)
        return len(new)

    async def replay_unhandled(self) -> int:
        """Hand every stored, unhandled update to the application, oldest first."""
        async with self.uow_factory() as uow:
            waiting = await uow.inbox.unhandled(limit=100_000)
        for update_id, payload in waiting:
            self._feed(update_id, payload)
        if waiting:
            log.info(
                "inbox: %d update(s) left unhandled by the last run handled now", len(waiting)
            )
        return len(waiting)

    # --------------------------------------------------------------- processing

    def _feed(self, update_id: int, payload: dict[str, Any]) -> None:
        if update_id in self._queued:
            return
        self._queued.add(update_id)
        try:
            update = Update.de_json(payload, self.application.bot)
        except Exception as error:  # noqa: BLE001 - a malformed update must not stop the others
            log.error(
                "inbox: update %d is malformed (%s); skipped", update_id, type(error).__name__
            )
            task = asyncio.create_task(self._mark_handled(update_id))
        else:
            task = asyncio.create_task(
                self._process(update_id, update), name=f"inbox-update-{update_id}"
            )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, update_id: int, update: Update) -> None:
        # Tasks start in creation order, so they reach the update processor in arrival order.
        processor = self.application.update_processor
        await processor.process_update(update, self._handle(update_id, update))

    async def _handle(self, update_id: int, update: Update) -> None:
        token = HANDLING_UPDATE.set(update_id)
        try:
            await self.application.process_update(update)
        finally:
            HANDLING_UPDATE.reset(token)
        await self._mark_handled(update_id)

    async def _mark_handled(self, update_id: int) -> None:
        async with self.uow_factory() as uow:
            await uow.inbox.mark_handled(update_id, self.clock.now())
            await uow.commit()
        self._queued.discard(update_id)  # a re-delivery now finds it handled in the inbox

    async def drain(self, timeout: float) -> bool:
        """Wait up to TIMEOUT seconds for the updates being handled; True if all finished."""
        if not self._tasks:
            return True
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        return not pending

    # ------------------------------------------------------------------ polling

    async def start_polling(self, poll_timeout: float = 10.0, poll_interval: float = 0.0) -> None:
        """Delete any webhook, then poll getUpdates in the background."""
        await self.application.bot.delete_webhook()
        self._poller = asyncio.create_task(
            self._poll(poll_timeout, poll_interval), name="inbox-polling"
        )

    async def _poll(self, poll_timeout: float, poll_interval: float) -> None:
        bot = self.application.bot
        offset: int | None = None
        pause = 1.0
        while not self._stopping:
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=int(poll_timeout), allowed_updates=Update.ALL_TYPES
                )
            except TimedOut:
                continue
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except InvalidToken:
                log.error("Telegram rejected the bot token while polling; polling stops")
                return
            except Conflict:
                log.warning("another getUpdates or a webhook is active; retrying in %.0f s", pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            except NetworkError as error:
                log.warning("polling: %s; retrying in %.0f s", type(error).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            pause = 1.0
            if updates:
                try:
                    await self.receive([u.to_dict() for u in updates])
                except Exception:
                    # Not confirmed: Telegram sends the batch again with the next poll.
                    log.exception("inbox: could not store a batch of updates; polling again")
                    await asyncio.sleep(pause)
                    continue
                offset = updates[-1].update_id + 1  # confirms them with the next call
            if poll_interval:
                await asyncio.sleep(poll_interval)

    # ------------------------------------------------------------------ webhook

    async def start_webhook(
        self,
        *,
        listen: str,
        port: int,
        path: str,
        url: str,
        secret: str,
        extra_routes: Sequence[Any] = (),
    ) -> None:
        """Serve the webhook on LISTEN:PORT/PATH (and EXTRA_ROUTES, e.g. /healthz) and tell
        Telegram about URL and SECRET."""
        handler_args = {"inbox": self, "secret": secret}
        app = tornado.web.Application(
            [*extra_routes, (rf"/{path}/?", _WebhookHandler, handler_args)]
        )
        self._server = HTTPServer(app, max_body_size=MAX_WEBHOOK_BODY)
        self._server.listen(port, address=listen)
        await self.application.bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )

    # ----------------------------------------------------------------- stopping

    async def stop(self, drain_timeout: float = 20.0) -> None:
        """Stop receiving; let updates being handled finish (unfinished ones stay in the
        inbox and are handled at the next start)."""
        self._stopping = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        if not await self.drain(drain_timeout):
            log.warning("inbox: stopping with updates still being handled; they run again")
        for task in list(self._tasks):
            task.cancel()


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


class _WebhookHandler(tornado.web.RequestHandler):
    """POST /PATH: secret checked, body parsed, update stored, then 200."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, inbox: UpdateInbox, secret: str) -> None:
        self.inbox = inbox
        self.secret = secret

    def log_exception(self, *args: Any) -> None:
        """Tornado would log request bodies with errors; we log our own one-liners."""

    async def post(self) -> None:
        if self.request.headers.get(SECRET_HEADER) != self.secret:
            self.set_status(HTTPStatus.FORBIDDEN)
            return
        try:
            payload = json.loads(self.request.body)
            if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
                raise ValueError("not an update")
        except (ValueError, UnicodeDecodeError):
            log.warning("webhook: a request with the right secret was not an update (400)")
            self.set_status(HTTPStatus.BAD_REQUEST)
            return
        try:
            await self.inbox.receive([payload])
        except Exception:
            # Not stored: Telegram delivers it again after a non-2xx answer.
            log.exception("webhook: could not store an update (503)")
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)
            return
        self.set_status(HTTPStatus.OK)
