"""A Telegram Bot API emulator speaking real HTTP on 127.0.0.1, for end-to-end tests.

The real bot (python-telegram-bot, unchanged) talks to it instead of api.telegram.org::

    from devtools.emulator import BotApiEmulator
    from devtools.emulator.ptb_app import emulator_builder, running_polling, running_webhook

    async with BotApiEmulator(token="123:ABC") as emu:
        app = emulator_builder(emu).build()   # or MUTASI_BOT_API_URL=emu.base_url for bot.app
        siti = emu.user(1001, first_name="Siti", language_code="id")
        async with running_polling(app):      # or running_webhook(app, secret_token="s")
            await siti.send_command("/start", "CODE")
            reply = await siti.wait_for_message(contains="Selamat datang")
            query_id = await siti.press("✅ Setujui")
            await siti.wait_for_callback_answer(query_id)

Only private chats exist (no groups, channels, inline mode, payments, media groups).

Server (``BotApiEmulator(token, *, bot_username, bot_first_name, rate_limits=None,
webhook_retry_interval=0.1)``; ``start()``/``stop()`` or ``async with``):

- ``emu.base_url`` / ``emu.base_file_url`` for ApplicationBuilder; ``emu.token``, ``emu.bot_id``.
- Bot API methods: getMe, getUpdates (offset/limit/timeout long polling that returns as soon as
  an update arrives; a newer getUpdates ends an older one with 409 like Telegram), setWebhook
  (url, secret_token, drop_pending_updates, allowed_updates), deleteWebhook, getWebhookInfo,
  sendMessage, sendDocument, sendPhoto (multipart uploads, or a known file_id), sendChatAction,
  editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage,
  answerCallbackQuery, getFile (+ download at /file/bot<token>/<file_path>), setMyCommands,
  getMyCommands, deleteMyCommands, setMyDescription, setMyShortDescription, setMyName, close,
  logOut. Any other method: 404 "Not Found: method 'x' is not implemented by the Bot API
  emulator". A wrong token: 401 Unauthorized (PTB raises InvalidToken).
- Requests are read as query string, urlencoded form, JSON or multipart; answers are
  ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description",
  "parameters": {"retry_after"}}`` with the matching HTTP status.
- Telegram's rules: callback_data 1-64 bytes (400 BUTTON_DATA_INVALID), inline buttons need an
  action, text 1-4096 UTF-16 units after parsing (400 "message text is empty" / "message is too
  long"), caption <= 1024, parse_mode=HTML is really parsed into entities (bad HTML -> 400
  "can't parse entities"; Markdown modes are accepted verbatim), editing to identical content ->
  400 "message is not modified", an edit without reply_markup removes the inline keyboard,
  sendPhoto needs PNG/JPEG/GIF/WebP bytes (400 IMAGE_PROCESS_FAILED), unknown chat -> 400 "chat
  not found", a user created with ``started=False`` -> 403 "bot can't initiate conversation",
  answering a callback query twice or with an unknown id -> 400 "query is too old...",
  reply_to a missing message -> 400 unless allow_sending_without_reply.
- Webhook mode: while a webhook is set getUpdates answers 409 and updates are POSTed in order to
  the URL with header X-Telegram-Bot-Api-Secret-Token; a non-2xx answer is retried every
  ``webhook_retry_interval`` seconds (``emu.webhook_deliveries`` logs every attempt,
  getWebhookInfo shows last_error_message). ``emu.webhook_secret_override = "x"`` forges the
  secret for tests of the bot's check.
- ``emu.calls``: every call as ``ApiCall(method, params, monotonic, wall_time, status,
  description)`` (``.chat_id``, ``.ok``, ``.json_param("reply_markup")``; params are as sent,
  i.e. strings from PTB's form encoding); ``emu.calls_of("sendMessage", chat_id=...)``;
  ``await emu.wait_for_call(method, predicate=None, count=1, timeout=5.0)``;
  ``await emu.wait_for_webhook_delivery(predicate=None, timeout=5.0)``.
- Failure injection: ``emu.fail_next(method, InjectedFailure.retry_after_seconds(1) |
  .server_error(502) | .bad_request("...") | .forbidden(), times=1, chat_id=None)``;
  ``emu.block_bot(user_id)`` / ``user.block_bot()`` -> a my_chat_member update (member ->
  kicked) and 403 "Forbidden: bot was blocked by the user" on sends and edits to that chat;
  ``unblock_bot`` or any message from the user undoes it (my_chat_member kicked -> member).
- Flood limits: ``emu.rate_limits = RateLimits(global_per_second=30, global_burst=30,
  chat_per_second=1, chat_burst=3)`` (or None, the default, for off): sends/edits beyond a token
  bucket get 429 with retry_after.
- ``emu.commands(scope=None, language_code="")`` -> [(command, description)];
  ``emu.command_scopes()``; ``emu.bot_profile``; ``emu.file(file_id)``;
  ``emu.pending_update_count``; ``emu.webhook_url``.

Users (``emu.user(user_id, first_name="Test", *, last_name, username, language_code="id",
started=True)``, created on the first call and returned as is afterwards; private chat id =
user id; update_ids increase globally, message_ids per chat, shared by both sides):

- ``await user.send_text(text, reply_to=None)``, ``await user.send_command("/start", "CODE")``
  (with a bot_command entity), ``await user.send_document(filename, data, mime_type,
  caption=None)``, ``await user.send_photo(png_or_jpeg_bytes, caption=None)``,
  ``await user.send_sticker(emoji)``, ``await user.send_voice(seconds)`` -> message_id;
  ``await user.edit_text(message_id, text)`` edits the user's own message (an
  ``edited_message`` update, as when a person corrects a typo).
- ``await user.press(button_text, message=None)`` -> callback query id (latest bot message with
  that inline button, or the given SeenMessage/message_id); ``await user.press_data(message_id,
  data, too_old=False)`` forges a callback (``too_old``: answering it fails with "query is too
  old", as for a press made before a restart); ``await user.tap_keyboard(text)`` taps a
  reply-keyboard button.
- ``user.messages(include_own=False)`` -> [SeenMessage] (current text after edits, entities,
  inline_keyboard of InlineButton, document/photo as ReceivedFile with bytes, edit_count,
  sent_text/parse_mode as the bot sent them); ``user.last_message()``;
  ``user.reply_keyboard()``; ``user.callback_answers()`` -> [CallbackAnswer].
- ``await user.wait_for_message(predicate=None, *, contains=None, timeout=5.0, after=None)``:
  event-driven wait for a bot message sent or edited after the user's last action (or after
  ``user.mark()``); raises AssertionError showing the chat on timeout.
  ``await user.wait_for_callback_answer(query_id)``.

PTB helpers (devtools/emulator/ptb_app.py): ``emulator_builder(emu, token=None)`` ->
ApplicationBuilder pointed at the emulator; ``running_polling(app, timeout=10)`` and
``running_webhook(app, secret_token=None, port=None, url_path="telegram-hook")`` async context
managers that initialise, start, and stop/shut down cleanly; ``free_port()``.
"""

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
from devtools.emulator.server import BotApiEmulator
from devtools.emulator.users import EmulatedUser

__all__ = [
    "ApiCall",
    "BotApiEmulator",
    "CallbackAnswer",
    "EmulatedUser",
    "InjectedFailure",
    "InlineButton",
    "RateLimits",
    "ReceivedFile",
    "SeenMessage",
    "WebhookDelivery",
]
