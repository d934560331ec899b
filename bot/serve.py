"""Running the bot: long polling by default, or a webhook with a secret token; SIGTERM stops it.

`running_bot(application, ...)` is the one lifecycle used by `mutasi serve` and by the
end-to-end tests (which point MUTASI_BOT_API_URL at the emulator).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import secrets
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from telegram.ext import Application

from bot.settings import Settings

log = logging.getLogger(__name__)


class ServeError(Exception):
    """The bot cannot start; the message is one line for the operator (English), KEY and
    VALUES say the same in the catalogs' words."""

    def __init__(self, message: str, key: str = "serve.failed", **values: Any) -> None:
        super().__init__(message)
        self.key = key
        self.values = values or {"detail": message}


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where Telegram posts updates, and the secret it must send back with each."""

    url: str
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443

    @property
    def path(self) -> str:
        """The local path the webhook server answers on."""
        return urlsplit(self.url).path.lstrip("/")


#: What Telegram allows in a webhook's secret_token (Bot API, setWebhook).
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def webhook_config(settings: Settings, url: str) -> WebhookConfig:
    """The webhook settings for URL; a random secret per run when none is configured.
    ServeError (one line, the secret not shown) when the configured secret is not allowed."""
    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise ServeError(
            f"webhook URL must start with https:// (got {url!r})", "serve.webhook_https", url=url
        )
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret is not None
        else secrets.token_urlsafe(32)
    )
    if not WEBHOOK_SECRET.fullmatch(secret):
        raise ServeError(
            "MUTASI_WEBHOOK_SECRET: Telegram allows only A-Z, a-z, 0-9, _ and - "
            f"(1 to 256 characters); the one set has {len(secret)} characters"
            + (" with others among them" if 0 < len(secret) <= 256 else ""),
            "serve.webhook_secret",
            length=len(secret),
        )
    return WebhookConfig(url, secret, settings.webhook_listen, settings.webhook_port)


@asynccontextmanager
async def running_bot(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    webhook: WebhookConfig | None = None,
    poll_timeout: float = 10.0,
    poll_interval: float = 0.0,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Initialise, run post_init (command menus), receive updates through the inbox (stored
    before they are acknowledged; those a dead process left are handled first); stop cleanly."""
    from telegram.error import InvalidToken, NetworkError

    from bot.inbox import UpdateInbox
    from bot.logs import redact
    from bot.webhook_server import health_route

    token = application.bot.token
    try:
        await application.initialize()
    except InvalidToken as error:
        detail = redact(str(error), [token])
        raise ServeError(
            f"Telegram rejected MUTASI_BOT_TOKEN: {detail}", "serve.token_rejected", detail=detail
        ) from None
    except NetworkError as error:
        where = redact(application.bot.base_url, [token])
        detail = redact(str(error), [token])
        raise ServeError(
            f"cannot reach the Bot API at {where}: {detail}",
            "serve.api_unreachable",
            url=where,
            detail=detail,
        ) from None
    services = application.bot_data.services
    inbox = UpdateInbox(application, services.uow_factory, services.clock)
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        await inbox.replay_unhandled()
        if webhook is not None:
            await inbox.start_webhook(
                listen=webhook.listen,
                port=webhook.port,
                path=webhook.path,
                url=webhook.url,
                secret=webhook.secret,
                extra_routes=[health_route(lambda: health_probe(application))],
            )
        else:
            await inbox.start_polling(poll_timeout, poll_interval)
        log.info(
            "bot @%s running (%s)", application.bot.username, "webhook" if webhook else "polling"
        )
        yield application
    finally:
        await inbox.stop()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def health_probe(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> tuple[bool, dict[str, Any]]:
    """The `/healthz` answer: `bot.health`'s report for this application's settings, asking
    the Bot API with the running bot."""
    import datetime as dt

    from bot.health import check_health
    from handlers.i18n import translator

    settings = getattr(application.bot_data, "settings", None)
    if settings is None:
        return True, {"status": "ok", "checks": {}}
    t = translator(settings.language)
    report = await check_health(settings, now=dt.datetime.now(dt.UTC), bot=application.bot, t=t)
    return report.ok, report.as_json(t)


def settle_heap() -> int:
    """Once the bot has started: what exists now (the modules, the application, its caches)
    lives as long as the process, so it is collected once more and then left out of the garbage
    collector's generations (`gc.freeze`). A full collection otherwise walks all of it, some
    170,000 objects taking 0.1-0.4 s during which no reply to anyone goes out; afterwards it
    walks only what the bot allocated since. Returns how many objects were set aside. Call it
    once per process (`mutasi serve`), not per test."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


async def serve_until_signalled(
    application: Application[Any, Any, Any, Any, Any, Any], webhook: WebhookConfig | None
) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running_bot(application, webhook=webhook):
        settle_heap()
        await stop.wait()
    log.info("stopped")
