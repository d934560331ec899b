"""An emulated Telegram user: sends messages and presses buttons, sees the private chat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from devtools.emulator.records import CallbackAnswer, SeenMessage
from devtools.emulator.text_entities import utf16_length

if TYPE_CHECKING:
    from devtools.emulator.server import BotApiEmulator


class EmulatedUser:
    """A person in a private chat with the bot (chat id = user id)."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
    ) -> None:
        self._emulator = emulator
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    def __repr__(self) -> str:
        return f"EmulatedUser({self.user_id}, {self.first_name!r})"

    @property
    def chat_id(self) -> int:
        """The private chat's id (equal to the user id)."""
        return self.user_id

    # ------------------------------------------------------------------ acting

    async def send_text(self, text: str, *, reply_to: int | None = None) -> int:
        """Send a plain text message to the bot; returns its message_id."""
        message_id = self._emulator._user_posts(self.user_id, text=text, reply_to=reply_to)
        await asyncio.sleep(0)
        return message_id

    async def send_command(self, command: str, *args: str) -> int:
        """Send '/command arg ...' with a bot_command entity, as a Telegram client does."""
        name = command if command.startswith("/") else f"/{command}"
        text = " ".join([name, *args])
        entity = {"type": "bot_command", "offset": 0, "length": utf16_length(name)}
        message_id = self._emulator._user_posts(self.user_id, text=text, entities=[entity])
        await asyncio.sleep(0)
        return message_id

    async def send_document(
        self,
        filename: str,
        data: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
    ) -> int:
        """Upload a document to the bot (it can getFile and download it); returns message_id."""
        stored = self._emulator._store_file(data, filename, mime_type, "documents")
        message_id = self._emulator._user_posts(self.user_id, document=stored, caption=caption)
        await asyncio.sleep(0)
        return message_id

    async def edit_text(self, message_id: int, text: str) -> None:
        """Edit one of this user's own earlier messages (Telegram sends edited_message)."""
        self._emulator._user_edits(self.user_id, message_id, text)
        await asyncio.sleep(0)

    async def send_photo(self, data: bytes, *, caption: str | None = None) -> int:
        """Send a photo (JPEG/PNG bytes) to the bot; returns its message_id."""
        stored = self._emulator._store_file(data, None, "image/jpeg", "photos")
        message_id = self._emulator._user_posts(self.user_id, photo=stored, caption=caption)
        await asyncio.sleep(0)
        return message_id

    async def send_sticker(self, emoji: str = "👍") -> int:
        """Send a sticker to the bot; returns its message_id."""
        sticker = {
            "file_id": f"sticker-{self.user_id}",
            "file_unique_id": f"sticker-u-{self.user_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        message_id = self._emulator._user_posts(self.user_id, extra={"sticker": sticker})
        await asyncio.sleep(0)
        return message_id

    async def send_voice(self, seconds: int = 3) -> int:
        """Send a voice note to the bot; returns its message_id."""
        voice = {
            "file_id": f"voice-{self.user_id}",
            "file_unique_id": f"voice-u-{self.user_id}",
            "duration": seconds,
            "mime_type": "audio/ogg",
        }
        message_id = self._emulator._user_posts(self.user_id, extra={"voice": voice})
        await asyncio.sleep(0)
        return message_id

    async def press(self, button_text: str, message: SeenMessage | int | None = None) -> str:
        """Press an inline button (exact text, else containing text); returns the query id.

        Without message, the latest bot message that has such a button is used.
        """
        candidates = self.messages()
        if message is not None:
            wanted = message if isinstance(message, int) else message.message_id
            candidates = [m for m in candidates if m.message_id == wanted]
            if not candidates:
                raise LookupError(f"{self} has no bot message {wanted}")
        for seen in reversed(candidates):
            if seen.has_button(button_text):
                button = seen.button(button_text)
                if button.callback_data is None:
                    raise LookupError(f"button {button.text!r} is not a callback button: {button}")
                return await self.press_data(seen.message_id, button.callback_data)
        raise LookupError(
            f"{self} sees no inline button {button_text!r}; buttons on screen: "
            f"{[(m.message_id, m.button_texts) for m in candidates if m.buttons]}"
        )

    async def press_data(self, message_id: int, data: str, *, too_old: bool = False) -> str:
        """Send a callback_query with any data (forged or stale) for one of the chat's messages;
        with TOO_OLD the bot's answer to it fails ("query is too old")."""
        query_id = self._emulator._user_presses(self.user_id, message_id, data, too_old=too_old)
        await asyncio.sleep(0)
        return query_id

    async def tap_keyboard(self, button_text: str) -> int:
        """Tap a reply-keyboard button: sends its text as a message."""
        keyboard = self.reply_keyboard() or []
        if not any(button_text == b for row in keyboard for b in row):
            raise LookupError(f"{self} has no reply keyboard button {button_text!r}: {keyboard}")
        return await self.send_text(button_text)

    def block_bot(self) -> None:
        """Block the bot: its sends to this user fail with 403."""
        self._emulator.block_bot(self.user_id)

    def unblock_bot(self) -> None:
        """Unblock the bot."""
        self._emulator.unblock_bot(self.user_id)

    # ---------------------------------------------------------------- looking

    def messages(self, *, include_own: bool = False) -> list[SeenMessage]:
        """The chat as the user sees it now: bot messages in order (and own ones if asked)."""
        emulator = self._emulator
        stored = emulator._messages_of(self.user_id, include_own=include_own)
        return [emulator._snapshot(m) for m in stored]

    def last_message(self) -> SeenMessage:
        """The newest bot message in the chat."""
        seen = self.messages()
        if not seen:
            raise AssertionError(f"the bot has sent {self} nothing")
        return seen[-1]

    def reply_keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown (button texts by row), if any."""
        keyboard = self._emulator._chat_of(self.user_id).reply_keyboard
        return [list(row) for row in keyboard] if keyboard is not None else None

    def callback_answers(self) -> list[CallbackAnswer]:
        """answerCallbackQuery results for this user's presses, in order."""
        return list(self._emulator._chat_of(self.user_id).callback_answers)

    def mark(self) -> int:
        """A point in the chat's history; pass as wait_for_message(after=...)."""
        return self._emulator._seq

    async def wait_for_message(
        self,
        predicate: Callable[[SeenMessage], bool] | None = None,
        *,
        contains: str | None = None,
        timeout: float = 5.0,
        after: int | None = None,
    ) -> SeenMessage:
        """Wait until the bot sent or edited a message that matches; returns it as seen now.

        Only messages sent or edited after `after` count (default: the user's last action, so
        'send, then wait for the answer' never matches an older message).
        """
        emulator = self._emulator
        since = after if after is not None else emulator._chat_of(self.user_id).last_action_seq

        def matching() -> SeenMessage | None:
            stored = emulator._messages_of(self.user_id, include_own=False)
            for message in sorted(stored, key=lambda m: m.seq, reverse=True):
                if message.seq <= since:
                    continue
                seen = emulator._snapshot(message)
                if contains is not None and contains not in seen.body:
                    continue
                if predicate is not None and not predicate(seen):
                    continue
                return seen
            return None

        deadline = time.monotonic() + timeout
        while True:
            found = matching()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0 or emulator._closing:
                shown = [(m.message_id, m.body[:80], m.button_texts) for m in self.messages()]
                raise AssertionError(
                    f"{self}: no bot message matching contains={contains!r} "
                    f"predicate={predicate!r} within {timeout}s; chat now: {shown}"
                )
            await emulator._wait_chat_change(remaining)

    async def wait_for_callback_answer(
        self, query_id: str, timeout: float = 5.0
    ) -> CallbackAnswer:
        """Wait until the bot answered the callback query with this id."""
        deadline = time.monotonic() + timeout
        while True:
            for answer in self.callback_answers():
                if answer.callback_query_id == query_id:
                    return answer
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._emulator._closing:
                raise AssertionError(
                    f"{self}: callback query {query_id} not answered in {timeout}s"
                )
            await self._emulator._wait_chat_change(remaining)
