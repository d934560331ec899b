"""A real Application over a migrated SQLite database, with the fake Bot API request."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import build_application
from bot.settings import Settings
from core.domain import Invitation
from core.ports import UnitOfWorkFactory
from core.usecases.invitations import hash_invitation_code
from db.dialogue_store import SqlDialogueStore
from db.engine import create_engine, session_factory
from db.uow import uow_factory as make_uow_factory
from tests.handlers.fake_telegram import RecordedCall, RecordingRequest, UpdateFactory
from tests.support.agency import Agency
from tests.support.clock import FakeClock
from tests.support.handler_agency import HANDLER_AGENCY, START


@dataclass
class Harness:
    """The bot under test and what it said."""

    app: Any
    request: RecordingRequest
    updates: UpdateFactory
    uows: UnitOfWorkFactory
    clock: FakeClock

    async def command(self, user_id: int, text: str, language: str = "id") -> RecordedCall:
        """Send a command or text; the bot's last message to that chat."""
        await self.app.process_update(self.updates.text(user_id, text, language))
        return self.request.last(user_id)

    async def press(self, user_id: int, data: str) -> RecordedCall:
        """Press a button with DATA; what the person saw last: a toast (answerCallbackQuery
        with text), an edit or a new message (else the chat's last message)."""
        start = len(self.request.calls)
        await self.app.process_update(self.updates.press(user_id, data))
        for call in reversed(self.request.calls[start:]):
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                return call
            shown = call.method in ("sendMessage", "sendDocument", "sendPhoto", "editMessageText")
            if shown and int(call.params.get("chat_id", 0)) == user_id:
                return call
        return self.request.last(user_id)

    async def upload(
        self, user_id: int, filename: str, data: bytes, caption: str | None = None
    ) -> RecordedCall:
        """Send a document (with CAPTION if given); the bot's last message to that chat."""
        file_id = f"upload-{len(self.request.uploads) + 1}"
        self.request.uploads[file_id] = data
        await self.app.process_update(
            self.updates.document(user_id, file_id, filename, len(data), caption)
        )
        return self.request.last(user_id)

    async def invite(self, nip: str, code: str, *, days: int = 14) -> None:
        """Store an invitation CODE for NIP, issued now."""
        now = self.clock.now()
        async with self.uows() as uow:
            await uow.invitations.add(
                Invitation(hash_invitation_code(code), nip, now, now + dt.timedelta(days=days))
            )
            await uow.commit()

    async def register(self, user_id: int, nip: str, language: str = "id") -> None:
        """Bind USER_ID to NIP through a fresh invitation."""
        code = f"code{user_id}x{nip[-4:]}"
        await self.invite(nip, code)
        await self.command(user_id, f"/start {code}", language)


@asynccontextmanager
async def running_harness(
    database_url: str, agency: Agency = HANDLER_AGENCY, **settings: Any
) -> AsyncIterator[Harness]:
    """The whole bot over DATABASE_URL holding AGENCY, with the fake Bot API; SETTINGS are
    the bot's settings by field name (e.g. approval_chain)."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    uows = make_uow_factory(sessions)
    async with uows() as uow:
        await agency.write(uow)
    clock = FakeClock(START)
    request = RecordingRequest()
    bot_settings = Settings(  # type: ignore[call-arg]
        bot_token=SecretStr("123:TEST"), _env_file=None, **settings
    )
    app = build_application(
        bot_settings,
        uows,
        clock,
        dialogues=SqlDialogueStore(sessions),
        request=request,
        get_updates_request=request,
    )
    await app.initialize()
    try:
        yield Harness(app, request, UpdateFactory(app.bot), uows, clock)
    finally:
        await app.shutdown()
        await engine.dispose()


@pytest.fixture
async def h(migrated_database_url: str) -> AsyncIterator[Harness]:
    """The whole bot with the sample agency and the fake Bot API, on SQLite and PostgreSQL."""
    async with running_harness(migrated_database_url) as harness:
        yield harness
