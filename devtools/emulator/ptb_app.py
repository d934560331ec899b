"""Running a python-telegram-bot Application against the emulator, by polling or by webhook."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from telegram.ext import Application, ApplicationBuilder, Updater

from devtools.emulator.server import BotApiEmulator

AppT = TypeVar("AppT", bound=Application[Any, Any, Any, Any, Any, Any])


def emulator_builder(
    emulator: BotApiEmulator, token: str | None = None
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ApplicationBuilder whose bot talks to the emulator (token defaults to its token)."""
    return (
        Application.builder()
        .token(token or emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def _running(
    app: AppT, start_updater: Callable[[Updater], Awaitable[object]]
) -> AsyncIterator[AppT]:
    """The same order as Application.run_polling/run_webhook, hooks included."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None, "build the Application with an Updater"
        await start_updater(app.updater)
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


@asynccontextmanager
async def running_polling(app: AppT, *, timeout: int = 10) -> AsyncIterator[AppT]:
    """Run like run_polling (post_init/post_stop/post_shutdown too) until the block ends."""

    async def start(updater: Updater) -> object:
        return await updater.start_polling(poll_interval=0, timeout=timeout)

    async with _running(app, start) as running:
        yield running


@asynccontextmanager
async def running_webhook(
    app: AppT,
    *,
    secret_token: str | None = None,
    port: int | None = None,
    url_path: str = "telegram-hook",
) -> AsyncIterator[AppT]:
    """Run like run_webhook on 127.0.0.1 (setWebhook at the emulator) until the block ends."""
    listen_port = port or free_port()

    async def start(updater: Updater) -> object:
        return await updater.start_webhook(
            listen="127.0.0.1",
            port=listen_port,
            url_path=url_path,
            webhook_url=f"http://127.0.0.1:{listen_port}/{url_path}",
            secret_token=secret_token,
        )

    async with _running(app, start) as running:
        yield running
