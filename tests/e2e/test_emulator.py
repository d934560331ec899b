"""The Bot API emulator, exercised by a real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from devtools.emulator import BotApiEmulator, InjectedFailure, RateLimits
from devtools.emulator.ptb_app import emulator_builder, free_port, running_polling, running_webhook

pytestmark = pytest.mark.e2e

TOKEN = "123456789:EMULATED-test-token"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN) as emulator:
        yield emulator


def build_application(
    emu: BotApiEmulator, *, token: str = TOKEN, rate_limiter: AIORateLimiter | None = None
) -> Application:  # type: ignore[type-arg]
    builder = emulator_builder(emu, token)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    add_demo_handlers(app)
    return app


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Setujui", callback_data="approve:1"),
                InlineKeyboardButton("❌ Tolak", callback_data="reject:1"),
            ]
        ]
    )
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        f"Selamat datang, args={context.args}", reply_markup=keyboard
    )


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"diterima {query.data}")
    await query.edit_message_text(f"Keputusan: {query.data}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    telegram_file = await message.document.get_file()
    content = bytes(await telegram_file.download_as_bytearray())
    await message.reply_document(
        document=content.upper(),
        filename=f"balasan-{message.document.file_name}",
        caption=f"{len(content)} byte diterima",
    )


def add_demo_handlers(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start_command))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------ polling


async def test_polling_bot_echoes_what_the_user_types(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with running_polling(build_application(emu)):
        await siti.send_text("halo bot")
        reply = await siti.wait_for_message(contains="echo:")
    assert reply.text == "echo: halo bot"
    assert [m.body for m in siti.messages()] == ["echo: halo bot"]
    assert emu.calls_of("deleteWebhook"), "polling starts by deleting any webhook"
    assert [c.ok for c in emu.calls_of("sendMessage", chat_id=1001)] == [True]


async def test_start_command_reaches_command_handler_with_its_argument(
    emu: BotApiEmulator,
) -> None:
    budi = emu.user(1002, first_name="Budi")
    async with running_polling(build_application(emu)):
        await budi.send_command("/start", "UNDANGAN42")
        reply = await budi.wait_for_message(contains="Selamat datang")
    assert reply.text == "Selamat datang, args=['UNDANGAN42']"
    assert reply.button_texts == ["✅ Setujui", "❌ Tolak"]
    own = budi.messages(include_own=True)
    assert [m.message_id for m in own] == [1, 2]
    assert own[0].entities[0]["type"] == "bot_command"


async def test_button_press_is_answered_and_the_card_is_edited_in_place(
    emu: BotApiEmulator,
) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with running_polling(build_application(emu)):
        await siti.send_command("/start")
        card = await siti.wait_for_message(contains="Selamat datang")
        query_id = await siti.press("Setujui")
        edited = await siti.wait_for_message(contains="Keputusan")
        answer = await siti.wait_for_callback_answer(query_id)
    assert edited.message_id == card.message_id
    assert edited.text == "Keputusan: approve:1"
    assert edited.edit_count == 1
    assert edited.buttons == [], "an edit without reply_markup removes the keyboard"
    assert answer.text == "diterima approve:1"
    assert len(siti.messages()) == 1


async def test_forged_callback_data_reaches_the_bot_as_sent(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with running_polling(build_application(emu)):
        await siti.send_command("/start")
        card = await siti.wait_for_message(contains="Selamat datang")
        query_id = await siti.press_data(card.message_id, "approve:999")
        answer = await siti.wait_for_callback_answer(query_id)
    assert answer.data == "approve:999"
    assert siti.last_message().text == "Keputusan: approve:999"


async def test_answering_a_callback_query_twice_is_rejected(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with running_polling(build_application(emu)) as app:
        await siti.send_command("/start")
        await siti.wait_for_message(contains="Selamat datang")
        query_id = await siti.press("Tolak")
        await siti.wait_for_callback_answer(query_id)
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await app.bot.answer_callback_query(query_id)


async def test_reply_keyboard_tap_arrives_as_text(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with running_polling(build_application(emu)) as app:
        await app.bot.send_message(
            1001, "Lanjut?", reply_markup=ReplyKeyboardMarkup([["Ya", "Tidak"]])
        )
        assert siti.reply_keyboard() == [["Ya", "Tidak"]]
        await siti.tap_keyboard("Ya")
        reply = await siti.wait_for_message(contains="echo:")
    assert reply.text == "echo: Ya"


async def test_long_poll_returns_as_soon_as_an_update_arrives(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        poll = asyncio.create_task(app.bot.get_updates(timeout=30, read_timeout=40))
        await emu.wait_for_call("getUpdates")
        await siti.send_text("bangun")
        updates = await asyncio.wait_for(poll, timeout=5)
    assert [u.effective_message.text for u in updates if u.effective_message] == ["bangun"]


async def test_confirmed_updates_are_not_delivered_again(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        await siti.send_text("satu")
        await siti.send_text("dua")
        first = await app.bot.get_updates(timeout=0)
        rest = await app.bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.update_id for u in first] == sorted(u.update_id for u in first)
    assert len(first) == 2
    assert rest == ()
    assert emu.pending_update_count == 0


# ------------------------------------------------------------------ webhook


async def test_webhook_delivers_updates_with_the_secret_header(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with running_webhook(build_application(emu), secret_token="rahasia-123") as app:
        assert emu.webhook_url is not None and emu.webhook_url.endswith("/telegram-hook")
        await siti.send_text("lewat webhook")
        reply = await siti.wait_for_message(contains="echo:")
        with pytest.raises(Conflict, match="(?i)webhook is active"):
            await app.bot.get_updates(timeout=0)
        info = await app.bot.get_webhook_info()
    assert reply.text == "echo: lewat webhook"
    delivered = [d for d in emu.webhook_deliveries if d.status is not None]
    assert [(d.secret_token_sent, d.status) for d in delivered] == [("rahasia-123", 200)]
    assert info.url == emu.webhook_url
    assert info.pending_update_count == 0


async def test_webhook_with_a_wrong_secret_is_refused_by_the_bot_and_retried(
    emu: BotApiEmulator,
) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with running_webhook(build_application(emu), secret_token="rahasia-123") as app:
        emu.webhook_secret_override = "palsu"
        await siti.send_text("diam-diam")
        refused = await emu.wait_for_webhook_delivery(lambda d: d.status is not None)
        info = await app.bot.get_webhook_info()
        assert siti.messages() == []
        emu.webhook_secret_override = None
        reply = await siti.wait_for_message(contains="echo:")
    assert (refused.secret_token_sent, refused.status) == ("palsu", 403)
    assert info.last_error_message is not None and "403" in info.last_error_message
    assert reply.text == "echo: diam-diam"


async def test_delete_webhook_lets_get_updates_work_again(emu: BotApiEmulator) -> None:
    async with build_application(emu) as app:
        await app.bot.set_webhook("http://127.0.0.1:9/unused", secret_token="abc")
        with pytest.raises(Conflict):
            await app.bot.get_updates(timeout=0)
        await app.bot.delete_webhook(drop_pending_updates=True)
        assert await app.bot.get_updates(timeout=0) == ()
        assert (await app.bot.get_webhook_info()).url == ""


# ------------------------------------------------------------------ Telegram's limits


async def test_callback_data_longer_than_64_bytes_is_rejected(emu: BotApiEmulator) -> None:
    emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        fits = "é" * 32  # 64 bytes in UTF-8
        await app.bot.send_message(
            1001,
            "muat",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("ok", callback_data=fits)
            ),
        )
        with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
            await app.bot.send_message(
                1001,
                "terlalu panjang",
                reply_markup=InlineKeyboardMarkup.from_button(
                    InlineKeyboardButton("x", callback_data=fits + "a")
                ),
            )


async def test_text_limits_are_those_of_telegram(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        await app.bot.send_message(1001, "a" * 4096)
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await app.bot.send_message(1001, "a" * 4097)
        with pytest.raises(BadRequest, match="(?i)message text is empty"):
            await app.bot.send_message(1001, "")
    assert [len(m.body) for m in siti.messages()] == [4096]


async def test_editing_to_the_same_content_is_not_modified(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        sent = await app.bot.send_message(1001, "kartu")
        await app.bot.edit_message_text("kartu baru", chat_id=1001, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await app.bot.edit_message_text("kartu baru", chat_id=1001, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await app.bot.edit_message_text("x", chat_id=1001, message_id=999)
    assert siti.last_message().text == "kartu baru"


async def test_html_is_parsed_into_entities_and_bad_html_is_refused(
    emu: BotApiEmulator,
) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        await app.bot.send_message(1001, "<b>Halo</b> Siti &amp; Budi", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await app.bot.send_message(1001, "beban <kerja> tinggi", parse_mode=ParseMode.HTML)
    seen = siti.last_message()
    assert seen.text == "Halo Siti & Budi"
    assert [(e["type"], e["offset"], e["length"]) for e in seen.entities] == [("bold", 0, 4)]


async def test_sending_to_an_unknown_chat_or_a_user_who_never_started_fails(
    emu: BotApiEmulator,
) -> None:
    emu.user(1003, first_name="Rina", started=False)
    async with build_application(emu) as app:
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await app.bot.send_message(424242, "siapa?")
        with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
            await app.bot.send_message(1003, "halo")


# ------------------------------------------------------------------ failure injection


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after int
async def test_injected_flood_wait_is_honoured_by_aio_rate_limiter(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    emu.fail_next("sendMessage", InjectedFailure.retry_after_seconds(1), chat_id=1001)
    app = build_application(emu, rate_limiter=AIORateLimiter(max_retries=2))
    async with app:
        await app.bot.send_message(1001, "akhirnya terkirim")
    assert [c.status for c in emu.calls_of("sendMessage", chat_id=1001)] == [429, 200]
    assert siti.last_message().text == "akhirnya terkirim"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after int
async def test_flood_wait_without_a_rate_limiter_surfaces_retry_after(
    emu: BotApiEmulator,
) -> None:
    emu.user(1001, first_name="Siti")
    emu.fail_next("sendMessage", InjectedFailure.retry_after_seconds(7))
    async with build_application(emu) as app:
        with pytest.raises(RetryAfter) as raised:
            await app.bot.send_message(1001, "cepat")
    assert emu.calls_of("sendMessage")[0].status == 429
    assert "Retry in 7 seconds" in raised.value.message


async def test_server_errors_hit_only_the_chosen_chat_and_count(emu: BotApiEmulator) -> None:
    emu.user(1001, first_name="Siti")
    emu.user(1002, first_name="Budi")
    emu.fail_next("sendMessage", InjectedFailure.server_error(502), times=2, chat_id=1001)
    async with build_application(emu) as app:
        await app.bot.send_message(1002, "Budi tidak terdampak")
        for _ in range(2):
            with pytest.raises(NetworkError, match="(?i)Bad Gateway"):
                await app.bot.send_message(1001, "gagal")
        await app.bot.send_message(1001, "pulih")
    assert [c.status for c in emu.calls_of("sendMessage", chat_id=1001)] == [502, 502, 200]


async def test_user_who_blocked_the_bot_surfaces_as_forbidden(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    siti.block_bot()
    async with build_application(emu) as app:
        with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
            await app.bot.send_message(1001, "pemberitahuan mutasi")
        siti.unblock_bot()
        await app.bot.send_message(1001, "pemberitahuan mutasi")
    assert [m.body for m in siti.messages()] == ["pemberitahuan mutasi"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after int
async def test_flood_limits_answer_429_when_a_chat_burst_is_exceeded(
    emu: BotApiEmulator,
) -> None:
    emu.user(1001, first_name="Siti")
    emu.user(1002, first_name="Budi")
    # A slow refill keeps the test independent of how fast this machine sends.
    emu.rate_limits = RateLimits(chat_per_second=0.1, chat_burst=3)
    async with build_application(emu) as app:
        for number in range(3):
            await app.bot.send_message(1001, f"pesan {number}")
        with pytest.raises(RetryAfter):
            await app.bot.send_message(1001, "satu terlalu banyak")
        await app.bot.send_message(1002, "chat lain masih boleh")


# ------------------------------------------------------------------ files


async def test_document_roundtrip_between_user_and_bot(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    upload = b"nip;nama\n199001012015031001;siti\n"
    async with running_polling(build_application(emu)):
        await siti.send_document("pegawai.csv", upload, "text/csv")
        reply = await siti.wait_for_message(lambda m: m.document is not None)
    assert reply.document is not None
    assert reply.document.data == upload.upper()
    assert reply.document.filename == "balasan-pegawai.csv"
    assert reply.caption == f"{len(upload)} byte diterima"


async def test_photo_is_stored_with_its_size_and_non_images_are_refused(
    emu: BotApiEmulator,
) -> None:
    siti = emu.user(1001, first_name="Siti")
    png = tiny_png(3, 2)
    async with build_application(emu) as app:
        await app.bot.send_photo(1001, photo=png, caption="Grafik beban kerja")
        with pytest.raises(BadRequest, match="(?i)IMAGE_PROCESS_FAILED"):
            await app.bot.send_photo(1001, photo=b"bukan gambar")
    photo = siti.last_message().photo
    assert photo is not None
    assert (photo.data, photo.width, photo.height) == (png, 3, 2)
    assert siti.last_message().caption == "Grafik beban kerja"


# ------------------------------------------------------------------ commands, token, methods


async def test_commands_are_recorded_per_scope_and_language(emu: BotApiEmulator) -> None:
    async with build_application(emu) as app:
        await app.bot.set_my_commands(
            [BotCommand("start", "Mulai"), BotCommand("bantuan", "Bantuan")]
        )
        await app.bot.set_my_commands(
            [BotCommand("help", "Help")],
            scope=BotCommandScopeAllPrivateChats(),
            language_code="en",
        )
        await app.bot.set_my_commands(
            [BotCommand("usulan", "Usulan mutasi")], scope=BotCommandScopeChat(1001)
        )
        english = await app.bot.get_my_commands(
            scope=BotCommandScopeAllPrivateChats(), language_code="en"
        )
        await app.bot.delete_my_commands(scope=BotCommandScopeChat(1001))
        with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
            await app.bot.set_my_commands([BotCommand("Mulai!", "salah")])
    assert emu.commands() == [("start", "Mulai"), ("bantuan", "Bantuan")]
    assert emu.commands({"type": "all_private_chats"}, "en") == [("help", "Help")]
    assert [c.command for c in english] == ["help"]
    assert emu.commands({"type": "chat", "chat_id": 1001}) == []
    assert len(emu.command_scopes()) == 2


async def test_wrong_token_is_unauthorized(emu: BotApiEmulator) -> None:
    app = build_application(emu, token="999:WRONG-token")
    with pytest.raises(InvalidToken, match="(?i)rejected by the server"):
        await app.initialize()
    await app.bot.shutdown()
    assert [(c.status, c.description) for c in emu.calls_of("getMe")] == [(401, "Unauthorized")]


async def test_unknown_methods_are_reported_as_not_implemented(emu: BotApiEmulator) -> None:
    async with build_application(emu) as app:
        with pytest.raises(EndPointNotFound) as raised:
            await app.bot.do_api_request("fetchUnicorns", api_kwargs={"chat_id": 1})
    assert "not implemented by the Bot API emulator" in str(raised.value.__cause__)
    assert [c.status for c in emu.calls_of("fetchUnicorns")] == [404]


# ------------------------------------------------------------------ shutdown


async def test_emulator_stops_cleanly_and_wakes_a_pending_long_poll() -> None:
    before = asyncio.all_tasks()
    async with BotApiEmulator(token=TOKEN) as emulator:
        app = build_application(emulator)
        await app.initialize()
        poll = asyncio.create_task(app.bot.get_updates(timeout=30, read_timeout=40))
        await emulator.wait_for_call("getUpdates")
    assert await asyncio.wait_for(poll, timeout=5) == ()
    await app.shutdown()
    leftover = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert leftover == set()


async def test_emulator_stops_webhook_delivery_without_leaking_tasks() -> None:
    before = asyncio.all_tasks()
    async with BotApiEmulator(token=TOKEN, webhook_retry_interval=0.01) as emulator:
        siti = emulator.user(1001, first_name="Siti")
        async with build_application(emulator) as app:
            await app.bot.set_webhook(f"http://127.0.0.1:{free_port()}/nobody-listens")
        await siti.send_text("tidak terkirim")
        failed = await emulator.wait_for_webhook_delivery()
    assert failed.status is None and failed.error is not None
    leftover = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert leftover == set()


async def test_blocking_and_writing_again_reach_the_bot_as_member_changes(
    emu: BotApiEmulator,
) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        siti.block_bot()
        await siti.send_command("/start")
        updates = await app.bot.get_updates(timeout=0)
        await app.bot.send_message(1001, "selamat datang kembali")
    changes = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in updates
        if u.my_chat_member is not None
    ]
    assert changes == [("member", "kicked"), ("kicked", "member")]
    assert updates[-1].message is not None and updates[-1].message.text == "/start"


async def test_call_log_keeps_parameters_for_assertions(emu: BotApiEmulator) -> None:
    emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        await app.bot.send_message(
            1001,
            "kartu",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("Rincian", callback_data="detail:7")
            ),
        )
    (call,) = emu.calls_of("sendMessage", chat_id=1001)
    assert call.params["text"] == "kartu"
    assert call.json_param("reply_markup") == {
        "inline_keyboard": [[{"text": "Rincian", "callback_data": "detail:7"}]]
    }


async def test_json_bodies_from_other_clients_are_understood(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{emu.base_url}{emu.token}/sendMessage", json={"chat_id": 1001, "text": "json"}
        ) as response:
            body = await response.json()
        async with session.get(f"{emu.base_url}{emu.token}/getMe") as response:
            me = await response.json()
    assert body["ok"] is True and body["result"]["text"] == "json"
    assert me["result"]["is_bot"] is True
    assert siti.last_message().text == "json"


async def test_entity_offsets_count_utf16_like_telegram(emu: BotApiEmulator) -> None:
    emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        sent = await app.bot.send_message(
            1001,
            '😀 <b>Halo 😀 &lt;Siti&gt;</b> <a href="https://bkpsdm.test/x">tautan</a>',
            parse_mode=ParseMode.HTML,
        )
    assert sent.text == "😀 Halo 😀 <Siti> tautan"
    assert list(sent.parse_entities().values()) == ["Halo 😀 <Siti>", "tautan"]
    assert sent.entities[1].url == "https://bkpsdm.test/x"


async def test_replying_to_a_missing_message_fails_unless_allowed(emu: BotApiEmulator) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        asked = await siti.send_text("pertanyaan")
        answer = await app.bot.send_message(1001, "jawaban", reply_to_message_id=asked)
        with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
            await app.bot.send_message(1001, "ke mana?", reply_to_message_id=99)
        await app.bot.send_message(
            1001, "tetap terkirim", reply_to_message_id=99, allow_sending_without_reply=True
        )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "pertanyaan"
    assert siti.last_message().text == "tetap terkirim"


async def test_a_second_polling_instance_ends_the_first_with_conflict(
    emu: BotApiEmulator,
) -> None:
    async with build_application(emu) as first, build_application(emu) as second:
        poll = asyncio.create_task(first.bot.get_updates(timeout=30, read_timeout=40))
        await emu.wait_for_call("getUpdates")
        await second.bot.get_updates(timeout=0)
        with pytest.raises(Conflict, match="(?i)terminated by other getUpdates"):
            await asyncio.wait_for(poll, timeout=5)


async def test_running_polling_calls_post_init_like_run_polling(emu: BotApiEmulator) -> None:
    async def publish_menu(app: Application) -> None:  # type: ignore[type-arg]
        await app.bot.set_my_commands([BotCommand("start", "Mulai")])

    app = emulator_builder(emu).post_init(publish_menu).build()
    async with running_polling(app):
        pass
    assert emu.commands() == [("start", "Mulai")]


async def test_deleted_messages_leave_the_chat_and_captions_can_be_edited(
    emu: BotApiEmulator,
) -> None:
    siti = emu.user(1001, first_name="Siti")
    async with build_application(emu) as app:
        typed = await siti.send_text("salah ketik")
        note = await app.bot.send_message(1001, "sementara")
        chart = await app.bot.send_photo(1001, photo=tiny_png(), caption="Rencana v1")
        await app.bot.delete_message(1001, typed)
        await app.bot.delete_message(1001, note.message_id)
        await app.bot.edit_message_caption(1001, chart.message_id, caption="Rencana v2")
        with pytest.raises(BadRequest, match="(?i)message to delete not found"):
            await app.bot.delete_message(1001, note.message_id)
    assert [m.body for m in siti.messages(include_own=True)] == ["Rencana v2"]
