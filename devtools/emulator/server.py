"""The Bot API emulator: an aiohttp server on 127.0.0.1 that answers like api.telegram.org."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import mimetypes
import re
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from devtools.emulator.params import ApiError, ApiParams, UploadedFile, bad_request
from devtools.emulator.records import (
    ApiCall,
    CallbackAnswer,
    InjectedFailure,
    InlineButton,
    RateLimits,
    ReceivedFile,
    SeenMessage,
    WebhookDelivery,
)
from devtools.emulator.text_entities import EntityParseError, parse_html, utf16_length
from devtools.emulator.users import EmulatedUser

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

_SENDING_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "sendchataction", "copymessage", "forwardmessage"}
)
_EDITING_METHODS = frozenset(
    {"editmessagetext", "editmessagereplymarkup", "editmessagecaption", "deletemessage"}
)
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "login_url",
    "web_app",
    "copy_text",
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"

Handler = Callable[[ApiParams], Awaitable[Any]]
_T = TypeVar("_T")


class _Signal:
    """Wakes every waiter when something changed; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


class _TokenBucket:
    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(capacity)
        self.tokens = float(capacity)
        self.updated = now

    def wait_needed(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


@dataclass
class _Message:
    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    seq: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    sent_text: str | None = None
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    inline_keyboard: list[list[dict[str, Any]]] | None = None
    document: ReceivedFile | None = None
    photo: ReceivedFile | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    edit_count: int = 0
    deleted: bool = False
    #: Other fields of a user's message as Telegram sends them (sticker, voice, ...).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Chat:
    user: EmulatedUser
    messages: dict[int, _Message] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: list[list[str]] | None = None
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    started: bool = True
    blocked: bool = False
    last_action_seq: int = 0


@dataclass
class _PendingQuery:
    chat_id: int
    message_id: int | None
    data: str | None


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _ScheduledFailure:
    method: str
    failure: InjectedFailure
    remaining: int
    chat_id: int | None


class BotApiEmulator:
    """A fake api.telegram.org for one bot token; see the package docstring for the API."""

    def __init__(
        self,
        token: str = "123456789:EMULATED-test-token",
        *,
        bot_username: str = "mutasi_test_bot",
        bot_first_name: str = "Mutasi Test",
        rate_limits: RateLimits | None = None,
        webhook_retry_interval: float = 0.1,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456789
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.rate_limits = rate_limits
        self.webhook_retry_interval = webhook_retry_interval
        # When set, webhook deliveries carry this secret instead of the one the bot set.
        self.webhook_secret_override: str | None = None
        self.calls: list[ApiCall] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.bot_profile: dict[tuple[str, str], str] = {}
        self._chats: dict[int, _Chat] = {}
        self._files: dict[str, ReceivedFile] = {}
        self._files_by_path: dict[str, ReceivedFile] = {}
        self._file_counter = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 700_000_001
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._queries: dict[str, _PendingQuery] = {}
        self._query_counter = itertools.count(1)
        self._failures: list[_ScheduledFailure] = []
        self._global_bucket: _TokenBucket | None = None
        self._chat_buckets: dict[int, _TokenBucket] = {}
        self._seq = 0
        self._updates_signal = _Signal()
        self._chat_signal = _Signal()
        self._calls_signal = _Signal()
        self._delivery_signal = _Signal()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0
        self._methods: dict[str, Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendchataction": self._send_chat_action,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setmydescription": self._profile_setter("description"),
            "setmyshortdescription": self._profile_setter("short_description"),
            "setmyname": self._profile_setter("name"),
            "close": self._harmless,
            "logout": self._harmless,
        }

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder.base_url (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder.base_file_url (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # handler_cancellation: a long poll whose client went away ends at once, like Telegram.
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=2.0, handler_cancellation=True
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        """Wake long polls, stop webhook delivery, close the server; leaves no tasks behind."""
        self._closing = True
        for signal in (
            self._updates_signal,
            self._chat_signal,
            self._calls_signal,
            self._delivery_signal,
        ):
            signal.fire()
        await self._stop_webhook_delivery()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------ test-facing API

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
        started: bool = True,
    ) -> EmulatedUser:
        """The user with this id (created on first call); their private chat id is user_id.

        started=False models someone who never opened the bot: sends to them get 403.
        """
        chat = self._chats.get(user_id)
        if chat is None:
            user = EmulatedUser(
                self,
                user_id,
                first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
            chat = _Chat(user=user, started=started)
            self._chats[user_id] = chat
        return chat.user

    def calls_of(self, method: str, *, chat_id: int | None = None) -> list[ApiCall]:
        """Logged calls of one method (case-insensitive), optionally to one chat."""
        wanted = method.lower()
        return [
            call
            for call in self.calls
            if call.method.lower() == wanted and (chat_id is None or call.chat_id == chat_id)
        ]

    def fail_next(
        self,
        method: str,
        failure: InjectedFailure,
        *,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of method (optionally only to chat_id) with failure."""
        self._failures.append(_ScheduledFailure(method.lower(), failure, times, chat_id))

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: a my_chat_member update (member -> kicked) reaches the bot
        and sends to them get 403 'bot was blocked by the user'."""
        chat = self._chat_of(user_id)
        if not chat.blocked:
            chat.blocked = True
            self._enqueue_member_change(chat, old="member", new="kicked")

    def unblock_bot(self, user_id: int) -> None:
        """The user unblocks the bot (my_chat_member kicked -> member); so does writing to it."""
        chat = self._chat_of(user_id)
        if chat.blocked:
            chat.blocked = False
            self._enqueue_member_change(chat, old="kicked", new="member")

    def _enqueue_member_change(self, chat: _Chat, *, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": self._bot_json()}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self._enqueue_update(
            "my_chat_member",
            {
                "chat": self._chat_json(chat.user),
                "from": self._user_json(chat.user),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """(command, description) pairs set for exactly this scope and language."""
        stored = self._commands.get((_scope_key(scope), language_code), [])
        return [(c["command"], c["description"]) for c in stored]

    def command_scopes(self) -> list[tuple[dict[str, Any], str]]:
        """Every (scope, language_code) that has commands set."""
        return [(json.loads(scope), lang) for scope, lang in self._commands]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[ApiCall]:
        """Wait until `count` calls of method (matching predicate) were made; returns them.

        A call is visible as soon as its request arrived (status 0 while still running).
        """

        def matching() -> list[ApiCall]:
            calls = self.calls_of(method)
            return [c for c in calls if predicate is None or predicate(c)]

        return await self._wait_until(
            self._calls_signal,
            lambda: found if len(found := matching()) >= count else None,
            timeout,
            lambda: f"{count} call(s) of {method}; calls so far: {[c.method for c in self.calls]}",
        )

    async def wait_for_webhook_delivery(
        self,
        predicate: Callable[[WebhookDelivery], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> WebhookDelivery:
        """Wait until a webhook delivery attempt matching predicate was made; returns it."""

        def matching() -> WebhookDelivery | None:
            hits = [d for d in self.webhook_deliveries if predicate is None or predicate(d)]
            return hits[0] if hits else None

        return await self._wait_until(
            self._delivery_signal,
            matching,
            timeout,
            lambda: f"a webhook delivery; attempts so far: {self.webhook_deliveries}",
        )

    async def _wait_until(
        self,
        signal: _Signal,
        check: Callable[[], _T | None],
        timeout: float,
        describe: Callable[[], str],
    ) -> _T:
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing:
                raise AssertionError(f"waited {timeout}s for {describe()}")
            await signal.wait(remaining)

    @property
    def webhook_url(self) -> str | None:
        """The webhook URL currently set, if any."""
        return self._webhook.url if self._webhook else None

    @property
    def pending_update_count(self) -> int:
        """Updates not yet confirmed by the bot."""
        return len(self._updates)

    def file(self, file_id: str) -> ReceivedFile:
        """A stored file by id."""
        return self._files[file_id]

    # -------------------------------------------- used by EmulatedUser (same package)

    def _chat_of(self, user_id: int) -> _Chat:
        chat = self._chats.get(user_id)
        if chat is None:
            raise LookupError(f"no emulated user {user_id}; create it with emu.user({user_id})")
        return chat

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _user_json(self, user: EmulatedUser) -> dict[str, Any]:
        data: dict[str, Any] = {"id": user.user_id, "is_bot": False, "first_name": user.first_name}
        if user.last_name:
            data["last_name"] = user.last_name
        if user.username:
            data["username"] = user.username
        if user.language_code:
            data["language_code"] = user.language_code
        return data

    def _chat_json(self, user: EmulatedUser) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": user.user_id,
            "type": "private",
            "first_name": user.first_name,
        }
        if user.last_name:
            data["last_name"] = user.last_name
        if user.username:
            data["username"] = user.username
        return data

    def _bot_json(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _user_posts(
        self,
        user_id: int,
        *,
        text: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        document: ReceivedFile | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        photo: ReceivedFile | None = None,
        extra: dict[str, Any] | None = None,
    ) -> int:
        """A user message reaches the bot as an update; returns its message_id."""
        chat = self._chat_of(user_id)
        chat.started = True
        self.unblock_bot(user_id)
        seq = self._next_seq()
        chat.last_action_seq = seq
        message = _Message(
            message_id=chat.next_message_id,
            chat_id=user_id,
            from_bot=False,
            date=int(time.time()),
            seq=seq,
            text=text,
            entities=list(entities or []),
            sent_text=text,
            caption=caption,
            document=document,
            reply_to=reply_to,
            photo=photo,
            extra=dict(extra or {}),
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self._enqueue_update("message", self._message_json(message))
        self._chat_signal.fire()
        return message.message_id

    def _user_edits(self, user_id: int, message_id: int, text: str) -> None:
        """The user edits their own earlier message: an edited_message update."""
        chat = self._chat_of(user_id)
        message = chat.messages.get(message_id)
        if message is None or message.from_bot or message.deleted:
            raise LookupError(f"user {user_id} has no own message {message_id} to edit")
        message.text = text
        message.sent_text = text
        message.entities = []
        message.edit_date = int(time.time())
        message.edit_count += 1
        chat.last_action_seq = self._next_seq()
        self._enqueue_update("edited_message", self._message_json(message))
        self._chat_signal.fire()

    def _user_presses(
        self, user_id: int, message_id: int, data: str, *, too_old: bool = False
    ) -> str:
        """A callback_query update for a button press; returns the query id. With TOO_OLD the
        query is already past Telegram's answer window (answering it fails, as after a
        restart)."""
        chat = self._chat_of(user_id)
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"user {user_id} has no message {message_id} to press a button on")
        query_id = f"{self.bot_id}{next(self._query_counter):08d}"
        if not too_old:
            self._queries[query_id] = _PendingQuery(user_id, message_id, data)
        chat.last_action_seq = self._next_seq()
        self._enqueue_update(
            "callback_query",
            {
                "id": query_id,
                "from": self._user_json(chat.user),
                "message": self._message_json(message),
                "chat_instance": f"ci{user_id}",
                "data": data,
            },
        )
        return query_id

    def _store_file(
        self, data: bytes, filename: str | None, mime_type: str | None, kind: str
    ) -> ReceivedFile:
        number = next(self._file_counter)
        width, height = _image_size(data) if kind == "photos" else (0, 0)
        suffix = ""
        if filename and "." in filename:
            suffix = filename[filename.rfind(".") :]
        elif kind == "photos":
            suffix = ".jpg"
        stored = ReceivedFile(
            file_id=f"BQAC{number:06d}{kind[:3]}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{kind}/file_{number}{suffix}",
            filename=filename,
            mime_type=mime_type,
            data=data,
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _snapshot(self, message: _Message) -> SeenMessage:
        keyboard = tuple(
            tuple(
                InlineButton(
                    text=b["text"], callback_data=b.get("callback_data"), url=b.get("url"), raw=b
                )
                for b in row
            )
            for row in (message.inline_keyboard or [])
        )
        return SeenMessage(
            message_id=message.message_id,
            from_bot=message.from_bot,
            text=message.text,
            caption=message.caption,
            entities=tuple(message.entities or message.caption_entities),
            inline_keyboard=keyboard,
            document=message.document,
            photo=message.photo,
            sent_text=message.sent_text,
            parse_mode=message.parse_mode,
            edit_count=message.edit_count,
            date=message.date,
        )

    def _messages_of(self, user_id: int, *, include_own: bool) -> list[_Message]:
        chat = self._chat_of(user_id)
        return [
            m
            for m in sorted(chat.messages.values(), key=lambda m: m.message_id)
            if not m.deleted and (include_own or m.from_bot)
        ]

    async def _wait_chat_change(self, timeout: float) -> None:
        await self._chat_signal.wait(timeout)

    # ------------------------------------------------------------------ updates

    def _enqueue_update(self, kind: str, payload: dict[str, Any]) -> None:
        update_id = self._next_update_id
        self._next_update_id += 1
        allowed = self._webhook.allowed_updates if self._webhook else self._allowed_updates
        if allowed and kind not in allowed:
            return
        self._updates.append({"update_id": update_id, kind: payload})
        self._updates_signal.fire()

    def _confirm_updates(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    # ------------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._serve_file(path.removeprefix("/file/bot"))
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z_]+)/?", path)
        if match is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        token, method = match.groups()
        started = time.monotonic()
        index = len(self.calls)
        self.calls.append(ApiCall(method, {}, started, time.time()))
        try:
            params = await ApiParams.from_request(request)
            self.calls[index] = replace(self.calls[index], params=params.for_log())
            self._calls_signal.fire()
            result = await self._dispatch(token, method, params)
        except ApiError as error:
            self.calls[index] = replace(
                self.calls[index], status=error.status, description=error.description
            )
            self._calls_signal.fire()
            return web.json_response(error.body(), status=error.status)
        except asyncio.CancelledError:
            self.calls[index] = replace(
                self.calls[index], status=499, description="client closed the connection"
            )
            self._calls_signal.fire()
            raise
        self.calls[index] = replace(self.calls[index], status=200)
        self._calls_signal.fire()
        return web.json_response({"ok": True, "result": result})

    async def _dispatch(self, token: str, method: str, params: ApiParams) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        handler = self._methods.get(method.lower())
        if handler is None:
            raise ApiError(
                404,
                f"Not Found: method '{method}' is not implemented by the Bot API emulator "
                "(devtools/emulator/server.py)",
            )
        self._apply_injected_failure(method.lower(), params)
        self._apply_rate_limits(method.lower(), params)
        return await handler(params)

    def _apply_injected_failure(self, method: str, params: ApiParams) -> None:
        chat_id = _int_or_none(params.string("chat_id"))
        for scheduled in self._failures:
            if scheduled.method != method or scheduled.remaining <= 0:
                continue
            if scheduled.chat_id is not None and scheduled.chat_id != chat_id:
                continue
            scheduled.remaining -= 1
            self._failures = [f for f in self._failures if f.remaining > 0]
            failure = scheduled.failure
            raise ApiError(failure.status, failure.description, failure.retry_after)

    def _apply_rate_limits(self, method: str, params: ApiParams) -> None:
        limits = self.rate_limits
        if limits is None or method not in _SENDING_METHODS | _EDITING_METHODS:
            return
        if method == "sendchataction":
            return
        now = time.monotonic()
        if self._global_bucket is None:
            self._global_bucket = _TokenBucket(limits.global_per_second, limits.global_burst, now)
        chat_id = _int_or_none(params.string("chat_id"))
        buckets = [self._global_bucket]
        if chat_id is not None:
            bucket = self._chat_buckets.get(chat_id)
            if bucket is None:
                bucket = _TokenBucket(limits.chat_per_second, limits.chat_burst, now)
                self._chat_buckets[chat_id] = bucket
            buckets.append(bucket)
        wait = max(b.wait_needed(now) for b in buckets)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        for bucket in buckets:
            bucket.tokens -= 1.0

    def _serve_file(self, rest: str) -> web.StreamResponse:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self._files_by_path.get(file_path)
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # ---------------------------------------------------------------- methods

    async def _get_me(self, params: ApiParams) -> dict[str, Any]:
        return {
            **self._bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _harmless(self, params: ApiParams) -> bool:
        return True

    def _profile_setter(self, key: str) -> Handler:
        async def set_profile_text(params: ApiParams) -> bool:
            language = params.string("language_code") or ""
            self.bot_profile[(key, language)] = params.string(key) or ""
            return True

        return set_profile_text

    async def _get_updates(self, params: ApiParams) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        offset = params.integer("offset")
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.number("timeout") or 0.0, 0.0)
        allowed = params.json("allowed_updates")
        if allowed is not None:
            self._allowed_updates = list(allowed) or None
        self._confirm_updates(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.fire()  # an older poll still waiting ends with 409
        deadline = time.monotonic() + timeout
        while True:
            if self._closing:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, _POLL_CONFLICT)
            if self._webhook is not None:
                raise ApiError(409, _WEBHOOK_CONFLICT)
            if self._updates:
                return self._updates[:limit]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            await self._updates_signal.wait(remaining)

    async def _set_webhook(self, params: ApiParams) -> bool:
        url = params.string("url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.string("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.json("allowed_updates")
        self._webhook = _Webhook(
            url=url,
            secret_token=secret,
            max_connections=params.integer("max_connections") or 40,
            allowed_updates=list(allowed) if allowed else None,
            ip_address=params.string("ip_address"),
        )
        if params.boolean("drop_pending_updates"):
            self._updates.clear()
        self._updates_signal.fire()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(
                self._deliver_to_webhook(), name="BotApiEmulator:webhook-delivery"
            )
        return True

    async def _delete_webhook(self, params: ApiParams) -> bool:
        self._webhook = None
        if params.boolean("drop_pending_updates"):
            self._updates.clear()
        await self._stop_webhook_delivery()
        return True

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _get_webhook_info(self, params: ApiParams) -> dict[str, Any]:
        hook = self._webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def _deliver_to_webhook(self) -> None:
        """POST pending updates one by one, in order; retry the head until it gets a 2xx."""
        while not self._closing and self._webhook is not None and self._session is not None:
            hook = self._webhook
            if not self._updates:
                await self._updates_signal.wait(1.0)
                continue
            update = self._updates[0]
            secret = self.webhook_secret_override or hook.secret_token
            headers = {SECRET_HEADER: secret} if secret else {}
            status: int | None = None
            reason = ""
            error: str | None = None
            try:
                async with self._session.post(
                    hook.url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
                ) as response:
                    status = response.status
                    reason = response.reason or ""
                    await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            self.webhook_deliveries.append(
                WebhookDelivery(
                    update["update_id"], hook.url, secret, status, error, time.monotonic()
                )
            )
            self._delivery_signal.fire()
            if status is not None and 200 <= status < 300:
                self._updates = [u for u in self._updates if u is not update]
                continue
            hook.last_error_date = int(time.time())
            hook.last_error_message = (
                f"Wrong response from the webhook: {status} {reason}"
                if status is not None
                else f"Connection failed: {error}"
            )
            await asyncio.sleep(self.webhook_retry_interval)

    # --------------------------------------------------------- sending messages

    def _chat_for_send(self, params: ApiParams) -> _Chat:
        chat_id = _int_or_none(params.string("chat_id", required=True))
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not chat.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _formatted(
        self,
        params: ApiParams,
        text_key: str,
        entities_key: str,
        *,
        limit: int,
        too_long: str,
        required: bool,
    ) -> tuple[str | None, list[dict[str, Any]], str | None]:
        """Text after parse_mode, its entities and the parse_mode; Telegram's limits enforced."""
        raw = params.string(text_key)
        parse_mode = params.string("parse_mode")
        if raw is None or raw == "":
            if required:
                raise bad_request("message text is empty")
            return None, [], parse_mode
        entities = params.json(entities_key) or []
        text = raw
        if parse_mode is not None and not entities:
            mode = parse_mode.lower()
            if mode == "html":
                try:
                    text, entities = parse_html(raw)
                except EntityParseError as exc:
                    raise ApiError(400, str(exc)) from exc
            elif mode not in ("markdown", "markdownv2"):
                raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        if required and not text.strip():
            raise bad_request("message text is empty")
        if utf16_length(text) > limit:
            raise bad_request(too_long)
        return text, list(entities), parse_mode

    def _apply_reply_markup(
        self, chat: _Chat, params: ApiParams
    ) -> list[list[dict[str, Any]]] | None:
        """Validate reply_markup; returns the inline keyboard, updates the reply keyboard."""
        markup = params.json("reply_markup")
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            return _validated_inline_keyboard(markup["inline_keyboard"])
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request("can't parse reply keyboard markup JSON object")
            chat.reply_keyboard = [
                [b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows
            ]
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return None

    def _new_bot_message(self, chat: _Chat, params: ApiParams, **fields: Any) -> _Message:
        reply_to = _reply_to(params)
        if reply_to is not None:
            replied = chat.messages.get(reply_to)
            if replied is None or replied.deleted:
                if not _allows_missing_reply(params):
                    raise bad_request("message to be replied not found")
                reply_to = None
        message = _Message(
            message_id=chat.next_message_id,
            chat_id=chat.user.user_id,
            from_bot=True,
            date=int(time.time()),
            seq=self._next_seq(),
            reply_to=reply_to,
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self._chat_signal.fire()
        return message

    async def _send_message(self, params: ApiParams) -> dict[str, Any]:
        chat = self._chat_for_send(params)
        text, entities, parse_mode = self._formatted(
            params,
            "text",
            "entities",
            limit=MAX_TEXT_LENGTH,
            too_long="message is too long",
            required=True,
        )
        keyboard = self._apply_reply_markup(chat, params)
        message = self._new_bot_message(
            chat,
            params,
            text=text,
            entities=entities,
            sent_text=params.string("text"),
            parse_mode=parse_mode,
            inline_keyboard=keyboard,
        )
        return self._message_json(message)

    def _uploaded_or_known(
        self, params: ApiParams, key: str, kind: str, default_mime: str | None
    ) -> ReceivedFile:
        given = params.input_file(key)
        if given is None:
            raise bad_request(f"there is no {key} in the request")
        if isinstance(given, UploadedFile):
            if not given.data:
                raise bad_request("file must be non-empty")
            if len(given.data) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            mime = given.content_type or default_mime
            if mime == "application/octet-stream" and given.filename:
                mime = mimetypes.guess_type(given.filename)[0] or mime
            return self._store_file(given.data, given.filename, mime, kind)
        known = self._files.get(given)
        if known is not None:
            return known
        if given.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content (the emulator fetches no URLs)")
        raise bad_request("wrong file identifier/HTTP URL specified")

    async def _send_document(self, params: ApiParams) -> dict[str, Any]:
        chat = self._chat_for_send(params)
        caption, caption_entities, parse_mode = self._formatted(
            params,
            "caption",
            "caption_entities",
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            required=False,
        )
        document = self._uploaded_or_known(params, "document", "documents", None)
        keyboard = self._apply_reply_markup(chat, params)
        message = self._new_bot_message(
            chat,
            params,
            caption=caption,
            caption_entities=caption_entities,
            parse_mode=parse_mode,
            document=document,
            inline_keyboard=keyboard,
        )
        return self._message_json(message)

    async def _send_photo(self, params: ApiParams) -> dict[str, Any]:
        chat = self._chat_for_send(params)
        caption, caption_entities, parse_mode = self._formatted(
            params,
            "caption",
            "caption_entities",
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            required=False,
        )
        photo = self._uploaded_or_known(params, "photo", "photos", "image/jpeg")
        if _image_kind(photo.data) is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        keyboard = self._apply_reply_markup(chat, params)
        message = self._new_bot_message(
            chat,
            params,
            caption=caption,
            caption_entities=caption_entities,
            parse_mode=parse_mode,
            photo=photo,
            inline_keyboard=keyboard,
        )
        return self._message_json(message)

    async def _send_chat_action(self, params: ApiParams) -> bool:
        self._chat_for_send(params)
        return True

    # ---------------------------------------------------------------- editing

    def _message_to_edit(
        self, params: ApiParams, *, missing: str, bot_only: bool = True
    ) -> tuple[_Chat, _Message]:
        if params.has("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
        chat_id = _int_or_none(params.string("chat_id", required=True))
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message_id = params.integer("message_id", required=True)
        message = chat.messages.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            raise bad_request(missing)
        if bot_only and not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _record_edit(self, message: _Message) -> dict[str, Any]:
        message.edit_date = int(time.time())
        message.edit_count += 1
        message.seq = self._next_seq()
        self._chat_signal.fire()
        return self._message_json(message)

    async def _edit_message_text(self, params: ApiParams) -> dict[str, Any]:
        chat, message = self._message_to_edit(params, missing="message to edit not found")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities, parse_mode = self._formatted(
            params,
            "text",
            "entities",
            limit=MAX_TEXT_LENGTH,
            too_long="MESSAGE_TOO_LONG",
            required=True,
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        keyboard = self._apply_reply_markup(chat, params)
        if (text, entities, keyboard) == (message.text, message.entities, message.inline_keyboard):
            raise bad_request(_NOT_MODIFIED)
        message.text, message.entities, message.inline_keyboard = text, entities, keyboard
        message.sent_text, message.parse_mode = params.string("text"), parse_mode
        return self._record_edit(message)

    async def _edit_message_caption(self, params: ApiParams) -> dict[str, Any]:
        chat, message = self._message_to_edit(params, missing="message to edit not found")
        if message.document is None and message.photo is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities, parse_mode = self._formatted(
            params,
            "caption",
            "caption_entities",
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            required=False,
        )
        keyboard = self._apply_reply_markup(chat, params)
        current = (message.caption, message.caption_entities, message.inline_keyboard)
        if (caption, entities, keyboard) == current:
            raise bad_request(_NOT_MODIFIED)
        message.caption, message.caption_entities = caption, entities
        message.inline_keyboard, message.parse_mode = keyboard, parse_mode
        return self._record_edit(message)

    async def _edit_message_reply_markup(self, params: ApiParams) -> dict[str, Any]:
        chat, message = self._message_to_edit(params, missing="message to edit not found")
        keyboard = self._apply_reply_markup(chat, params)
        if keyboard == message.inline_keyboard:
            raise bad_request(_NOT_MODIFIED)
        message.inline_keyboard = keyboard
        return self._record_edit(message)

    async def _delete_message(self, params: ApiParams) -> bool:
        # In private chats a bot may delete the user's messages too.
        chat, message = self._message_to_edit(
            params, missing="message to delete not found", bot_only=False
        )
        message.deleted = True
        message.seq = self._next_seq()
        self._chat_signal.fire()
        return True

    async def _answer_callback_query(self, params: ApiParams) -> bool:
        query_id = params.string("callback_query_id", required=True) or ""
        query = self._queries.pop(query_id, None)
        if query is None:
            raise bad_request(_QUERY_INVALID)
        text = params.string("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        chat = self._chat_of(query.chat_id)
        chat.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                message_id=query.message_id,
                data=query.data,
                text=text,
                show_alert=params.boolean("show_alert"),
                url=params.string("url"),
            )
        )
        self._next_seq()
        self._chat_signal.fire()
        return True

    # ------------------------------------------------------------------ files

    async def _get_file(self, params: ApiParams) -> dict[str, Any]:
        file_id = params.string("file_id", required=True) or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    # --------------------------------------------------------------- commands

    def _scope_and_language(self, params: ApiParams) -> tuple[str, str]:
        scope = params.json("scope")
        if scope is not None:
            if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
                raise bad_request("unsupported bot command scope type")
            if scope["type"].startswith("chat") and "chat_id" not in scope:
                raise bad_request("chat_id is empty")
        language = params.string("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return _scope_key(scope), language

    async def _set_my_commands(self, params: ApiParams) -> bool:
        commands = params.json("commands")
        if not isinstance(commands, list):
            raise bad_request("commands is empty")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        checked: list[dict[str, str]] = []
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            description = str(command.get("description", "")) if isinstance(command, dict) else ""
            if not _COMMAND.fullmatch(name.lstrip("/")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be 1-256 characters")
            checked.append({"command": name.lstrip("/"), "description": description})
        key = self._scope_and_language(params)
        if checked:
            self._commands[key] = checked
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: ApiParams) -> list[dict[str, str]]:
        return list(self._commands.get(self._scope_and_language(params), []))

    async def _delete_my_commands(self, params: ApiParams) -> bool:
        self._commands.pop(self._scope_and_language(params), None)
        return True

    # -------------------------------------------------------------------- JSON

    def _message_json(self, message: _Message, *, nested: bool = False) -> dict[str, Any]:
        chat = self._chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_json(chat.user),
            "from": self._bot_json() if message.from_bot else self._user_json(chat.user),
        }
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.caption is not None:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.document is not None:
            doc = message.document
            data["document"] = {
                "file_id": doc.file_id,
                "file_unique_id": doc.file_unique_id,
                "file_size": doc.size,
            }
            if doc.filename:
                data["document"]["file_name"] = doc.filename
            if doc.mime_type:
                data["document"]["mime_type"] = doc.mime_type
        if message.photo is not None:
            photo = message.photo
            data["photo"] = [
                {
                    "file_id": photo.file_id,
                    "file_unique_id": photo.file_unique_id,
                    "width": photo.width,
                    "height": photo.height,
                    "file_size": photo.size,
                }
            ]
        data.update(message.extra)
        if message.inline_keyboard:
            data["reply_markup"] = {"inline_keyboard": message.inline_keyboard}
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.reply_to is not None and not nested:
            replied = chat.messages.get(message.reply_to)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self._message_json(replied, nested=True)
        return data


def _scope_key(scope: Mapping[str, Any] | None) -> str:
    normalized: dict[str, Any] = dict(scope) if scope else {"type": "default"}
    if "chat_id" in normalized:
        chat_id = _int_or_none(str(normalized["chat_id"]))
        if chat_id is not None:
            normalized["chat_id"] = chat_id
    return json.dumps(normalized, sort_keys=True)


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _reply_to(params: ApiParams) -> int | None:
    reply_parameters = params.json("reply_parameters")
    if isinstance(reply_parameters, dict) and "message_id" in reply_parameters:
        return int(reply_parameters["message_id"])
    return params.integer("reply_to_message_id")


def _allows_missing_reply(params: ApiParams) -> bool:
    reply_parameters = params.json("reply_parameters")
    if isinstance(reply_parameters, dict):
        return bool(reply_parameters.get("allow_sending_without_reply"))
    return params.boolean("allow_sending_without_reply")


def _validated_inline_keyboard(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard JSON object")
    checked: list[list[dict[str, Any]]] = []
    for row in rows:
        checked_row: list[dict[str, Any]] = []
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be a string'
                )
            actions = [key for key in _INLINE_ACTIONS if key in button]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                raise bad_request("BUTTON_URL_INVALID")
            checked_row.append(dict(button))
        if checked_row:
            checked.append(checked_row)
    return checked


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _image_size(data: bytes) -> tuple[int, int]:
    if _image_kind(data) == "png" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return (0, 0)
