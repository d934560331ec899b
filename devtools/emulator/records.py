"""Plain records the Bot API emulator hands to tests: calls, messages as seen, files, failures."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ApiCall:
    """One HTTP call the bot made to the emulator, with its outcome."""

    method: str
    params: Mapping[str, Any]
    monotonic: float
    wall_time: float
    status: int = 0
    description: str = ""

    @property
    def chat_id(self) -> int | None:
        """The call's chat_id as an int, when it names a numeric chat."""
        raw = self.params.get("chat_id")
        try:
            return int(raw) if raw is not None else None
        except (TypeError, ValueError):
            return None

    def json_param(self, name: str) -> Any:
        """A parameter that holds JSON (reply_markup, entities, scope...), decoded."""
        raw = self.params.get(name)
        return json.loads(raw) if isinstance(raw, str) else raw

    @property
    def ok(self) -> bool:
        """Whether the emulator answered with ok=true."""
        return self.status == 200


@dataclass(frozen=True)
class ReceivedFile:
    """A file as stored by the emulator (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    file_path: str
    filename: str | None
    mime_type: str | None
    data: bytes
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass(frozen=True)
class InlineButton:
    """One inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class SeenMessage:
    """A message in a private chat as the user currently sees it (after edits)."""

    message_id: int
    from_bot: bool
    text: str | None
    caption: str | None
    entities: tuple[Mapping[str, Any], ...]
    inline_keyboard: tuple[tuple[InlineButton, ...], ...]
    document: ReceivedFile | None
    photo: ReceivedFile | None
    sent_text: str | None
    parse_mode: str | None
    edit_count: int
    date: int

    @property
    def body(self) -> str:
        """Text, or caption for media messages, or the empty string."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[InlineButton]:
        """All inline buttons, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [button.text for button in self.buttons]

    def button(self, text: str) -> InlineButton:
        """The inline button whose text is exactly (or, failing that, contains) text."""
        exact = [b for b in self.buttons if b.text == text]
        loose = [b for b in self.buttons if text in b.text]
        found = exact or loose
        if not found:
            raise LookupError(
                f"no button {text!r} on message {self.message_id}: {self.button_texts}"
            )
        return found[0]

    def has_button(self, text: str) -> bool:
        """Whether an inline button's text is or contains text."""
        return any(b.text == text or text in b.text for b in self.buttons)


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to one callback query (answerCallbackQuery)."""

    callback_query_id: str
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt of the emulator to POST an update to the bot's webhook."""

    update_id: int
    url: str
    secret_token_sent: str | None
    status: int | None
    error: str | None
    monotonic: float


@dataclass(frozen=True)
class InjectedFailure:
    """An error response a test makes the emulator give instead of doing the call."""

    status: int
    description: str
    retry_after: int | None = None

    @classmethod
    def retry_after_seconds(cls, seconds: int) -> InjectedFailure:
        """A 429 flood-wait like Telegram's, with parameters.retry_after."""
        return cls(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    @classmethod
    def server_error(cls, status: int = 500) -> InjectedFailure:
        """A 5xx answer (500 Internal Server Error, 502 Bad Gateway, ...)."""
        phrases = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        return cls(status, phrases.get(status, "Server Error"))

    @classmethod
    def bad_request(cls, description: str) -> InjectedFailure:
        """A 400 with the given description (prefix 'Bad Request: ' added if missing)."""
        if not description.startswith("Bad Request"):
            description = f"Bad Request: {description}"
        return cls(400, description)

    @classmethod
    def forbidden(
        cls, description: str = "Forbidden: bot was blocked by the user"
    ) -> InjectedFailure:
        """A 403 (default: the user blocked the bot)."""
        return cls(403, description)


@dataclass(frozen=True)
class RateLimits:
    """Flood limits like Telegram's: a global rate and a per-chat rate with a small burst."""

    global_per_second: float = 30.0
    global_burst: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 3
