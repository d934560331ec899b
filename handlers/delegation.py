"""/wakil: an approver names a delegate for a range of dates (core.usecases.delegation).

    /wakil                         what runs or is coming, and how to use the command
    /wakil NIP SAMPAI              from today until SAMPAI (a date)
    /wakil NIP DARI SAMPAI         from DARI until SAMPAI
    /wakil selesai                 end the running or coming delegation now

Dates are written 2026-12-24, 24-12-2026 or 24/12/2026.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from core.domain import Role
from core.domain.messages import DelegationNotice
from core.usecases.delegation import create_delegation, end_delegation
from core.views.delegations import DelegationLine, delegation_named, delegations_of
from handlers.access import Turn, handler
from handlers.i18n import Translator

END_WORDS = frozenset({"selesai", "batal", "end", "stop"})
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$|^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")


def parse_day(text: str) -> dt.date | None:
    """A date written 2026-12-24, 24-12-2026 or 24/12/2026; None if it is not one."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    if match.group(1):
        year, month, day = (int(match.group(i)) for i in (1, 2, 3))
    else:
        day, month, year = (int(match.group(i)) for i in (4, 5, 6))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _line(t: Translator, line: DelegationLine, mine: bool) -> str:
    key = "wakil.line_given" if mine else "wakil.line_received"
    return t(
        key,
        who=escape(line.delegate if mine else line.approver),
        first=line.delegation.first_day,
        last=line.delegation.last_day,
    )


@handler(role=Role.APPROVER)
async def wakil(turn: Turn) -> None:
    """/wakil: show, create or end a delegation."""
    args = turn.command_args
    zone = turn.context.rules.zone
    services = turn.context.services
    if not args:
        await _show(turn)
        return
    if len(args) == 1 and args[0].lower() in END_WORDS:
        ended = await end_delegation(
            services.uow_factory, turn.context.clock, zone, approver_nip=turn.me.nip
        )
        await turn.say_key("wakil.ended" if ended else "wakil.nothing_to_end")
        return
    if len(args) not in (2, 3):
        await turn.say_key("wakil.usage")
        return
    days = [parse_day(a) for a in args[1:]]
    if any(d is None for d in days):
        await turn.say_key("wakil.bad_date")
        return
    first = days[0] if len(days) == 2 else turn.context.today()
    last = days[-1]
    assert first is not None and last is not None
    nip = re.sub(r"\s+", "", args[0])
    created = await create_delegation(
        services.uow_factory,
        turn.context.clock,
        zone,
        approver_nip=turn.me.nip,
        delegate_nip=nip,
        first_day=first,
        last_day=last,
    )
    async with turn.context.uow() as uow:
        named = await delegation_named(uow, turn.me.nip, created)
    await turn.say_key(
        "wakil.created",
        who=escape(named.delegate),
        first=created.first_day,
        last=created.last_day,
    )


async def _show(turn: Turn) -> None:
    async with turn.context.uow() as uow:
        mine = await delegations_of(uow, turn.me.nip, turn.context.today())
    lines = [_line(turn.t, d, d.delegation.approver_nip == turn.me.nip) for d in mine]
    if not lines:
        lines.append(turn.t("wakil.none"))
    lines.append("")
    lines.append(turn.t("wakil.usage"))
    await turn.say("\n".join(lines))


def render_delegation_notice(t: Translator, notice: DelegationNotice) -> tuple[str, None]:
    """A delegation's start or end, told to the approver and to the delegate."""
    return t(
        f"delegation.{notice.event}.{notice.to}",
        approver=escape(notice.approver),
        delegate=escape(notice.delegate),
        first=notice.first_day,
        last=notice.last_day,
    ), None
