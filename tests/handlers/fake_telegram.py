"""Tier-1 handler tests: a real PTB Application whose HTTP layer is an in-process fake.

`RecordingRequest` answers Bot API calls from memory and records them; `UpdateFactory` builds
real `telegram.Update` objects (via `Update.de_json`) for commands, texts, presses, documents.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.request import BaseRequest, RequestData

BOT_ID = 700000001
BOT_USERNAME = "mutasi_test_bot"


@dataclass
class RecordedCall:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None

    @property
    def text(self) -> str:
        """The message text (or caption) sent."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """The inline buttons as (label, callback_data)."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not markup:
            return []
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


class RecordingRequest(BaseRequest):
    """A BaseRequest that never touches the network: canned answers, every call recorded."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self.uploads: dict[str, bytes] = {}  # file_id -> bytes a user "sent"
        self._message_ids = itertools.count(1000)
        #: When set, answerCallbackQuery fails as Telegram does for a press older than ~15 s.
        self.answers_too_old = False

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        """No real waiting happens."""
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one call from memory."""
        if "/file/bot" in url:
            file_id = url.rsplit("/", 1)[-1]
            return 200, self.uploads[file_id]
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, bytes] = {}
        if request_data is not None and request_data.contains_files:
            for key, value in (request_data.multipart_data or {}).items():
                if isinstance(value, tuple):
                    content = value[1]
                    files[key] = content if isinstance(content, bytes) else content.read()
        call = RecordedCall(name, params, files)
        self.calls.append(call)
        if name == "answerCallbackQuery" and self.answers_too_old:
            refusal = {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: query is too old and response timeout expired or "
                "query ID is invalid",
            }
            return 400, json.dumps(refusal).encode()
        call.result = self._result(name, params)
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Mutasi",
                "username": BOT_USERNAME,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if name in ("sendMessage", "sendDocument", "sendPhoto", "editMessageText"):
            chat_id = int(params.get("chat_id", 0) or 0)
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": 1_790_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Mutasi"},
            }
            if name == "sendDocument":
                message["document"] = {"file_id": "sent-doc", "file_unique_id": "sent-doc-u"}
            else:
                message["text"] = params.get("text", "")
            return message
        if name == "getFile":
            file_id = str(params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": file_id + "-u",
                "file_size": len(self.uploads.get(file_id, b"")),
                "file_path": file_id,
            }
        return True

    def sent(self, chat_id: int | None = None) -> list[RecordedCall]:
        """Messages and documents sent (optionally to one chat), oldest first."""
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "sendDocument", "editMessageText")
            and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    def last(self, chat_id: int) -> RecordedCall:
        """The last message sent to CHAT_ID."""
        sent = self.sent(chat_id)
        assert sent, f"nothing was sent to {chat_id}"
        return sent[-1]

    def toasts(self) -> list[str]:
        """The texts of every answerCallbackQuery ('' for a silent answer), oldest first."""
        return [
            str(c.params.get("text") or "")
            for c in self.calls
            if c.method == "answerCallbackQuery"
        ]

    def last_toast(self) -> str:
        """The text of the last answerCallbackQuery."""
        toasts = self.toasts()
        assert toasts, "no button press was answered"
        return toasts[-1]

    def methods(self) -> list[str]:
        """The Bot API methods called so far, in order."""
        return [c.method for c in self.calls]

    def forget(self) -> None:
        """Drop the record so far."""
        self.calls.clear()


class UpdateFactory:
    """Real Update objects as Telegram would send them to BOT."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def _user(self, user_id: int, language: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"U{user_id}",
            "language_code": language,
        }

    def _message(
        self, user_id: int, language: str, chat: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": 1_790_000_000,
            "chat": chat or {"id": user_id, "type": "private"},
            "from": self._user(user_id, language),
            **fields,
        }

    def text(
        self, user_id: int, text: str, language: str = "id", group_id: int | None = None
    ) -> Update:
        """A plain text message (a command when it starts with '/'), in a group if GROUP_ID."""
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        chat = {"id": group_id, "type": "group", "title": "Grup"} if group_id else None
        data = {
            "update_id": next(self._update_ids),
            "message": self._message(user_id, language, chat, **fields),
        }
        return Update.de_json(data, self.bot)

    def press(self, user_id: int, data: str, language: str = "id") -> Update:
        """A button press carrying DATA on an earlier bot message."""
        payload = {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"q{next(self._update_ids)}",
                "from": self._user(user_id, language),
                "chat_instance": str(user_id),
                "data": data,
                "message": {
                    "message_id": 999,
                    "date": 1_790_000_000,
                    "chat": {"id": user_id, "type": "private"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Mutasi"},
                    "text": "…",
                },
            },
        }
        return Update.de_json(payload, self.bot)

    def edited(self, user_id: int, message_id: int, text: str, language: str = "id") -> Update:
        """The user edits their earlier message MESSAGE_ID to TEXT (an edited_message update)."""
        message = self._message(user_id, language, text=text)
        message["message_id"] = message_id
        message["edit_date"] = 1_790_000_100
        data = {"update_id": next(self._update_ids), "edited_message": message}
        return Update.de_json(data, self.bot)

    def non_text(self, user_id: int, kind: str) -> Update:
        """A photo, sticker or voice note (KIND) in the private chat."""
        media_by_kind: dict[str, dict[str, Any]] = {
            "photo": {
                "photo": [{"file_id": "p1", "file_unique_id": "p1u", "width": 90, "height": 90}]
            },
            "sticker": {
                "sticker": {
                    "file_id": "s1",
                    "file_unique_id": "s1u",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1u", "duration": 3}},
        }
        media = media_by_kind[kind]
        data = {
            "update_id": next(self._update_ids),
            "message": self._message(user_id, "id", **media),
        }
        return Update.de_json(data, self.bot)

    def document(
        self, user_id: int, file_id: str, filename: str, size: int, caption: str | None = None
    ) -> Update:
        """A document message, with CAPTION if given."""
        document = {
            "file_id": file_id,
            "file_unique_id": file_id + "-u",
            "file_name": filename,
            "mime_type": "application/octet-stream",
            "file_size": size,
        }
        fields: dict[str, Any] = {"document": document}
        if caption is not None:
            fields["caption"] = caption
        data = {
            "update_id": next(self._update_ids),
            "message": self._message(user_id, "id", **fields),
        }
        return Update.de_json(data, self.bot)


def data_of(call: RecordedCall, label_part: str) -> str:
    """The callback data of the button whose label contains LABEL_PART."""
    for label, data in call.buttons:
        if label_part in label:
            return data
    raise AssertionError(f"no button with {label_part!r} in {call.buttons!r}")
