"""/impor (admin): import a units / employees / activities / jabatan file sent to the bot.

`/impor [jenis] [ketat]` then the document, or the document alone with a caption naming the kind
(`employees`, `pegawai`, `abk`, ... or `/impor employees`). The bot reads the file exactly as
`mutasi import` does, checks it against the database without writing (`import_checked`
dry run) and shows the same report: counts, every error by line and column, the consistency
warnings. Only a good file gets the ✅ button. Nothing changes before that press; the pending
import is kept in the caller's dialogue (in the database) as the Telegram file id and the
SHA-256 of its bytes, and the press downloads it again, checks the digest, validates again
against the data as it is then, and writes all or nothing.

Only an admin whose scope is the whole agency may import: the files are agency-wide.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from html import escape
from pathlib import Path

from telegram import Document

from core.domain import Role, ScopeKind
from core.domain.errors import NotAllowed
from core.usecases.dialogue import DialogueState, ImportAnswers
from core.usecases.importing.apply import import_checked
from core.usecases.importing.columns import IMPORT_KINDS, ImportKind, guess_kind
from core.usecases.importing.report import REPORT_LIMIT, describe_report
from core.usecases.importing.sheets import (
    ImportBatch,
    ImportReport,
    Language,
    Sheet,
    UnreadableFile,
)
from handlers.access import StaleButton, Turn, handler
from handlers.context import SheetReader
from handlers.keyboards import button, keyboard

FEATURE = ImportAnswers.FLOW
#: The largest file the chat accepts (a 20,000-person employees XLSX is about 2 MB).
MAX_BYTES = 8_000_000
#: Telegram refuses messages above 4096 characters; reports are cut into parts below it.
MESSAGE_LIMIT = 3800

#: Words (in a caption, a command or a file name) that name each kind of file.
KIND_WORDS: dict[str, ImportKind] = {
    "units": "units",
    "unit": "units",
    "unor": "units",
    "unit_kerja": "units",
    "employees": "employees",
    "employee": "employees",
    "pegawai": "employees",
    "asn": "employees",
    "activities": "activities",
    "activity": "activities",
    "abk": "activities",
    "kegiatan": "activities",
    "jabatan": "jabatan",
    "katalog": "jabatan",
}
STRICT_WORDS = ("ketat", "strict", "--strict")

#: A document whose caption starts with one of those words (or /impor) is an import.
_CAPTION_WORDS = "|".join(sorted({*KIND_WORDS, "impor"}, key=len, reverse=True))
CAPTION = rf"(?i)^\s*/?(?:{_CAPTION_WORDS})\b"


def _words(text: str) -> list[str]:
    cleaned = text.lower().replace("/impor", " ").replace("-", "_").replace(".", " ")
    return cleaned.replace(",", " ").split()


def kind_named_in(text: str) -> ImportKind | None:
    """The kind of file a caption, command argument or file name names, if any."""
    for word in _words(text):
        if word in KIND_WORDS:
            return KIND_WORDS[word]
        if word in IMPORT_KINDS:
            return word
        for part in word.split("_"):
            if part in KIND_WORDS:
                return KIND_WORDS[part]
    return None


def _strict_in(text: str) -> bool:
    return any(word in STRICT_WORDS for word in _words(text))


def _require_agency_admin(turn: Turn) -> None:
    if not any(g.role == Role.ADMIN and g.scope_kind == ScopeKind.ALL for g in turn.me.grants):
        raise NotAllowed(role="admin")


@handler(role=Role.ADMIN)
async def start_import(turn: Turn) -> None:
    """`/impor [kind] [ketat]`: wait for the file."""
    _require_agency_admin(turn)
    args = " ".join(turn.command_args)
    await turn.start_dialogue(
        ImportAnswers(kind=kind_named_in(args), strict=_strict_in(args)), "file"
    )
    await turn.say_key("impor.ask_file")


@handler(role=Role.ADMIN)
async def on_captioned_document(turn: Turn) -> None:
    """A document whose caption says it is an import (`/impor employees`, `abk`, ...)."""
    _require_agency_admin(turn)
    message = turn.update.effective_message
    if message is None or message.document is None:
        raise StaleButton()
    caption = message.caption or ""
    state = await turn.start_dialogue(
        ImportAnswers(kind=kind_named_in(caption), strict=_strict_in(caption)), "file"
    )
    await _check(turn, state, message.document)


async def on_document(turn: Turn, state: DialogueState, document: Document) -> None:
    """The file sent after /impor."""
    _require_agency_admin(turn)
    if state.step != "file":
        await turn.say_key("dialogue.no_file_expected")
        return
    message = turn.update.effective_message
    caption = (message.caption or "") if message is not None else ""
    if caption:
        answers = state.answers_as(ImportAnswers)
        state = await turn.advance(
            state,
            "file",
            replace(
                answers,
                kind=kind_named_in(caption) or answers.kind,
                strict=answers.strict or _strict_in(caption),
            ),
        )
    await _check(turn, state, document)


async def on_text(turn: Turn, state: DialogueState, text: str) -> None:
    """Text while an import waits: a reminder of what is expected."""
    await turn.say_key("impor.ask_file" if state.step == "file" else "dialogue.use_buttons")


async def _download(turn: Turn, file_id: str) -> bytes:
    tg_file = await turn.context.bot.get_file(file_id)
    return bytes(await tg_file.download_as_bytearray())


async def _import(
    turn: Turn, kind: ImportKind, sheet: Sheet, *, strict: bool, dry_run: bool
) -> ImportReport:
    """Check (DRY_RUN: nothing written) or import one sheet of KIND as the caller."""
    return await import_checked(
        ImportBatch(**{kind: sheet}),
        turn.context.services.uow_factory,
        actor=turn.me.nip,
        now=turn.context.now(),
        strict=strict,
        dry_run=dry_run,
    )


def _reader(turn: Turn) -> SheetReader:
    return turn.context.services.read_sheet


async def _check(turn: Turn, state: DialogueState, document: Document) -> None:
    """Read the file, validate it without writing, show the report and (if good) the ✅."""
    name = document.file_name or "berkas"
    if document.file_size is not None and document.file_size > MAX_BYTES:
        await turn.say_key("impor.too_big", limit=MAX_BYTES // 1_000_000)
        return
    data = await _download(turn, document.file_id)
    if len(data) > MAX_BYTES:
        await turn.say_key("impor.too_big", limit=MAX_BYTES // 1_000_000)
        return
    answers = state.answers_as(ImportAnswers)
    kind = answers.kind or kind_named_in(Path(name).stem)
    batch = await _read(turn, data, name, kind)
    if batch is None:
        return
    kind, sheet = batch
    strict = answers.strict
    report = await _import(turn, kind, sheet, strict=strict, dry_run=True)
    await _say_report(turn, "impor.checked", report, name, kind, strict, dry_run=True)
    if not report.ok:
        await turn.say_key("impor.refused")
        return
    outcome = report.outcomes[0]
    if not (outcome.counts.created or outcome.counts.updated):
        await turn.end_dialogue()
        await turn.say_key("impor.nothing_to_change")
        return
    await turn.advance(
        state,
        "confirm",
        replace(
            answers,
            file_id=document.file_id,
            name=name,
            kind=kind,
            strict=strict,
            sha256=hashlib.sha256(data).hexdigest(),
        ),
    )
    await turn.say(
        turn.t("impor.confirm_question"),
        keyboard(
            [button(turn.t("impor.confirm_button"), FEATURE, "go")],
            [button(turn.t("impor.cancel_button"), FEATURE, "cancel")],
        ),
    )


async def _read(
    turn: Turn, data: bytes, name: str, kind: ImportKind | None
) -> tuple[ImportKind, Sheet] | None:
    read = _reader(turn)
    try:
        sheet = await read(data, name, kind)
    except UnreadableFile as error:
        await turn.say_key("impor.unreadable", reason=escape(error.describe(turn.t.language)))
        return None
    if kind is None:
        kind = guess_kind(sheet.columns)
        if kind is None:
            await turn.say_key("impor.unknown_kind")
            return None
        sheet = await read(data, name, kind)
    return kind, sheet


async def _say_report(
    turn: Turn,
    key: str,
    report: ImportReport,
    name: str,
    kind: ImportKind,
    strict: bool,
    *,
    dry_run: bool,
) -> None:
    language: Language = "en" if turn.t.language == "en" else "id"
    body = describe_report(report, language, dry_run=dry_run, limit=REPORT_LIMIT)
    head = turn.t(
        key,
        file=escape(name),
        kind=turn.t(f"impor.kind.{kind}"),
        strict=turn.t("impor.strict_note") if strict else "",
    )
    for part in _parts(head, escape(body)):
        await turn.say(part)


def _parts(head: str, body: str) -> list[str]:
    """HEAD and BODY's lines packed into messages below Telegram's length limit."""
    parts: list[str] = []
    current = head
    for line in body.split("\n"):
        line = line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"
        if len(current) + 1 + len(line) > MESSAGE_LIMIT:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    parts.append(current)
    return parts


@handler(role=Role.ADMIN)
async def on_press(turn: Turn) -> None:
    """✅ Impor sekarang / ❌ Batal."""
    press = turn.press
    if press is None:
        raise StaleButton()
    state = await turn.dialogue_in(FEATURE, "confirm")
    if press.action == "cancel":
        await turn.end_dialogue()
        await turn.say_key("cancel.done")
        return
    if press.action != "go":
        raise StaleButton()
    _require_agency_admin(turn)
    answers = state.answers_as(ImportAnswers)
    name, kind, strict = answers.name or "berkas", answers.kind, answers.strict
    if kind is None or answers.file_id is None:
        raise StaleButton()
    try:
        data = await _download(turn, answers.file_id)
    except Exception:  # noqa: BLE001 - any failure to fetch means "send it again"
        data = b""
    if hashlib.sha256(data).hexdigest() != answers.sha256:
        await turn.advance(state, "file")
        await turn.say_key("impor.file_gone")
        return
    batch = await _read(turn, data, name, kind)
    if batch is None:
        await turn.end_dialogue()
        return
    _, sheet = batch
    await turn.end_dialogue()  # one press imports once, whatever happens next
    report = await _import(turn, kind, sheet, strict=strict, dry_run=False)
    key = "impor.done" if report.ok else "impor.changed_meanwhile"
    await _say_report(turn, key, report, name, kind, strict, dry_run=False)
