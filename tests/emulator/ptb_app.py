"""Running a python-telegram-bot Application against the emulator, by polling or by webhook."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from telegram.ext import Application, ApplicationBuilder

from tests.emulator.server import BotApiEmulator

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
async def running_polling(app: AppT, *, timeout: int = 10) -> AsyncIterator[AppT]:
    """Initialise, start and long-poll; stop and shut down cleanly on exit."""
    async with app:
        await app.start()
        assert app.updater is not None, "build the Application with an Updater"
        await app.updater.start_polling(poll_interval=0, timeout=timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@asynccontextmanager
async def running_webhook(
    app: AppT,
    *,
    secret_token: str | None = None,
    port: int | None = None,
    url_path: str = "telegram-hook",
) -> AsyncIterator[AppT]:
    """Initialise, start and serve a webhook on 127.0.0.1 (setWebhook at the emulator)."""
    port = port or free_port()
    async with app:
        await app.start()
        assert app.updater is not None, "build the Application with an Updater"
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=url_path,
            webhook_url=f"http://127.0.0.1:{port}/{url_path}",
            secret_token=secret_token,
        )
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
