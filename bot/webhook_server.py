"""`/healthz` beside the webhook: the report of `bot.health` as JSON, HTTP 200 when healthy and
503 when not. The inbox's webhook server (bot/inbox.py) serves it as an extra route."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import tornado.web

HealthProbe = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: the health report as JSON."""

    SUPPORTED_METHODS = ("GET",)

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


def health_route(probe: HealthProbe) -> tuple[str, type[HealthHandler], dict[str, Any]]:
    """The tornado route for `/healthz` running PROBE."""
    return (r"/healthz/?", HealthHandler, {"probe": probe})
