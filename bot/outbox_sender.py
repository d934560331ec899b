"""The outbox's Sender over python-telegram-bot: render a row in the recipient's language and
call the Bot API; map Telegram's answers to retry / blocked / gone.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, InputFile, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.rate_limit import NO_RETRY, retry_seconds
from core.domain import OutboxMessage
from core.domain.messages import (
    ApprovalDigest,
    DigestRefresh,
    EditPayload,
    LiveDigest,
    PlanSummary,
)
from core.ports import Clock, UnitOfWorkFactory
from core.usecases.approval.chain import ApprovalRules
from core.usecases.delegation import principals_of
from core.usecases.outbox import SendResult
from core.views.digest import digest_view
from handlers import digest, plan
from handlers.i18n import Translator, translator
from handlers.outbox_render import Rendered, render_text

log = logging.getLogger(__name__)


class TelegramSender:
    """core.usecases.outbox.Sender over the application's (rate-limited) bot."""

    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        default_language: str,
        rules: ApprovalRules | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.bot = bot
        self.uow_factory = uow_factory
        self.default_language = default_language
        self.rules = rules
        self.clock = clock
        # Through a rate limiter, a 429 comes straight back here (the dispatcher holds that
        # chat) instead of being slept off inside the limiter.
        limited = isinstance(bot, ExtBot) and bot.rate_limiter is not None
        self.limit_args: dict[str, Any] = {"rate_limit_args": NO_RETRY} if limited else {}

    async def _language(self, chat_id: int) -> str:
        async with self.uow_factory() as uow:
            accounts = await uow.accounts.list_for_chat(chat_id)
        return accounts[0].language if accounts else self.default_language

    async def send(self, message: OutboxMessage, edit_message_id: int | None) -> SendResult:
        """Render and send (or edit); never raises for Telegram's answers."""
        t = translator(await self._language(message.chat_id))
        try:
            sent = await self._deliver(t, message, edit_message_id)
        except Forbidden as error:
            return SendResult("blocked", error=str(error))
        except RetryAfter as error:
            return SendResult("retry", retry_after=retry_seconds(error), error=str(error))
        except BadRequest as error:
            text = str(error).lower()
            if "not modified" in text:
                return SendResult("sent", message_id=edit_message_id)
            log.warning("outbox %s (%s) refused: %s", message.id, message.kind, error)
            return SendResult("gone", error=str(error))
        except NetworkError as error:  # includes TimedOut
            return SendResult("retry", error=str(error))
        except TelegramError as error:
            return SendResult("retry", error=str(error))
        return SendResult("sent", message_id=sent)

    async def _deliver(
        self, t: Translator, message: OutboxMessage, edit_message_id: int | None
    ) -> int | None:
        payload = message.payload
        chat_id = message.chat_id
        if isinstance(payload, PlanSummary):
            # Drawing the chart takes a CPU for a while: off the event loop, so replies to
            # people go on meanwhile (handlers.charts draws without pyplot's global state).
            caption, markup, png = await asyncio.to_thread(plan.render_summary, t, payload)
            if png is not None:
                photo: Message = await self.bot.send_photo(
                    chat_id,
                    InputFile(png, filename="rencana.png"),
                    caption=caption,
                    parse_mode="HTML",
                    reply_markup=markup,
                    **self.limit_args,
                )
                return photo.message_id
            return (
                await self.bot.send_message(
                    chat_id, caption, parse_mode="HTML", reply_markup=markup, **self.limit_args
                )
            ).message_id
        if isinstance(payload, ApprovalDigest | DigestRefresh):
            text, markup = await self._render_digest(t, payload)
        else:
            text, markup = render_text(t, payload)
        if isinstance(payload, EditPayload) and edit_message_id is not None:
            await self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=edit_message_id,
                parse_mode="HTML",
                reply_markup=markup,
                **self.limit_args,
            )
            return edit_message_id
        sent = await self.bot.send_message(
            chat_id, text, parse_mode="HTML", reply_markup=markup, **self.limit_args
        )
        return sent.message_id

    async def _render_digest(self, t: Translator, payload: LiveDigest) -> Rendered:
        """A digest's first page from the database as of now."""
        if self.rules is None or self.clock is None:
            raise BadRequest("a digest needs the approval rules and a clock")
        async with self.uow_factory() as uow:
            today = self.rules.working_time.local(self.clock.now()).date()
            viewers = await principals_of(uow, payload.nip, today)
            view = await digest_view(uow, payload.plan_id, viewers, self.rules)
        return digest.render_digest_payload(t, view)
