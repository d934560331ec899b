"""The webhook server: Telegram's updates at the webhook path, and `/healthz` beside them.

python-telegram-bot's own webhook server answers only the webhook path, so `mutasi serve
--webhook` runs this one instead, on the same tornado library PTB installs for webhooks. It
does what PTB's does with an update (JSON only, the secret header compared in constant time,
arbitrary callback data resolved, the update queued for the Application) and adds
`GET /healthz`: the report of `bot.health` as JSON, HTTP 200 when healthy and 503 when not.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)

HealthProbe = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


class _UpdateHandler(tornado.web.RequestHandler):
    """POST from Telegram: one update, with the secret header."""

    def initialize(self, bot_application: Any, secret: str) -> None:
        """Tornado's per-request set-up."""
        self.application_ = bot_application
        self.secret = secret

    async def post(self) -> None:
        """Queue the update; 403 without the right secret, 400 for anything not an update."""
        from telegram import Update
        from telegram.ext import ExtBot

        sent = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(sent.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != (
            "application/json"
        ):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        bot = self.application_.bot
        try:
            update = Update.de_json(json.loads(self.request.body), bot)
        except (ValueError, TypeError, KeyError):
            log.warning("webhook: a request that is not a Telegram update was refused")
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)
        await self.application_.update_queue.put(update)
        self.set_status(HTTPStatus.OK)


class _HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: the health report as JSON."""

    def initialize(self, probe: HealthProbe) -> None:
        """Tornado's per-request set-up."""
        self.probe = probe

    async def get(self) -> None:
        """200 with the report when healthy, 503 with it when not."""
        healthy, body = await self.probe()
        self.set_status(HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, ensure_ascii=False))


class _QuietApplication(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: a request line per update (and per probe) helps nobody."""


class WebhookServer:
    """Listens on LISTEN:PORT; PATH takes updates for APPLICATION, `/healthz` runs PROBE."""

    def __init__(
        self,
        application: Any,
        *,
        path: str,
        secret: str,
        listen: str,
        port: int,
        probe: HealthProbe,
    ) -> None:
        routes: list[Any] = [
            (r"/healthz/?", _HealthHandler, {"probe": probe}),
            (
                rf"/{path.strip('/')}/?",
                _UpdateHandler,
                {"bot_application": application, "secret": secret},
            ),
        ]
        self._server = HTTPServer(_QuietApplication(routes))
        self.listen = listen
        self.port = port

    def start(self) -> None:
        """Bind and serve on the running event loop."""
        self._server.listen(self.port, address=self.listen)
        log.info("webhook server on %s:%d (with /healthz)", self.listen, self.port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        self._server.stop()
        await self._server.close_all_connections()
