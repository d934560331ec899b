"""/privasi: the privacy notice; /dataku: the caller's own data as a JSON file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import Enum
from typing import Any

from telegram.ext import CommandHandler

from handlers.access import Turn, handler
from handlers.context import AnyApplication, CommandSpec, Services

COMMANDS = (
    CommandSpec("privasi", "cmd.privasi", None),
    CommandSpec("dataku", "cmd.dataku", None),
)


@handler(role=None)
async def privacy_notice(turn: Turn) -> None:
    """What the bot keeps, why, for how long, and how to see it."""
    await turn.say_key("privacy.notice")


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a domain value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


@handler()
async def my_data(turn: Turn) -> None:
    """Everything stored about the caller, as a JSON document."""
    me = turn.me
    async with turn.context.uow() as uow:
        aspiration = await uow.aspirations.current_for(me.nip)
        accounts = await uow.accounts.list_for_nip(me.nip)
        history = list(await uow.audit.list(f"employee:{me.nip}"))
    export = {
        "exported_at": turn.context.now().isoformat(),
        "employee": _plain(me.employee),
        "telegram_accounts": _plain(list(accounts)),
        "roles": _plain(list(me.grants)),
        "aspiration": _plain(aspiration),
        "audit_events": _plain(sorted(history, key=lambda e: e.at)),
    }
    data = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
    await turn.send_file(data, f"dataku-{me.nip}.json", caption=turn.t("privacy.export_caption"))


def register(application: AnyApplication, services: Services) -> None:
    """Add /privasi and /dataku."""
    application.add_handler(CommandHandler("privasi", privacy_notice))
    application.add_handler(CommandHandler("dataku", my_data))
