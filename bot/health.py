"""Is the bot healthy? The database is reachable and at the newest schema, an agency is
imported, the outbox keeps up, the nightly plan runs, and the Bot API answers.

`check_health` is shared by `mutasi health` (text, exit status 1 when unhealthy) and by the
webhook server's `/healthz` (JSON, HTTP 503 when unhealthy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from handlers.i18n import Translator

if TYPE_CHECKING:
    from telegram import Bot

    from bot.settings import Settings

#: A message due longer than this (and still unsent) means the dispatcher is not keeping up.
OUTBOX_LATE = dt.timedelta(minutes=30)
#: The nightly plan runs once a day; no plan for longer than this means it stopped.
PLAN_STALE = dt.timedelta(hours=30)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report: NAME, whether it is fine, a message key and its values."""

    name: str
    ok: bool
    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Every check, in a fixed order (database, schema, agency, outbox, plan, telegram)."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when every check is fine."""
        return all(c.ok for c in self.checks)

    def lines(self, t: Translator) -> list[str]:
        """One line per check: `ok` / `GAGAL|FAILED`, the check's name and what was found."""
        bad = t("health.bad")
        return [
            f"{'ok' if c.ok else bad:<6} {c.name:<9} {t(c.key, **c.values)}" for c in self.checks
        ]

    def as_json(self, t: Translator) -> dict[str, Any]:
        """The report for `/healthz`: {"status": "ok"|"unhealthy", "checks": {...}}."""
        return {
            "status": "ok" if self.ok else "unhealthy",
            "checks": {c.name: {"ok": c.ok, "detail": t(c.key, **c.values)} for c in self.checks},
        }


def _when(t: Translator, moment: dt.datetime, zone: Any) -> str:
    local = moment.astimezone(zone)
    return f"{t.date(local.date())} {local:%H:%M}"


async def check_health(
    settings: Settings, *, now: dt.datetime, bot: Bot | None = None, t: Translator
) -> HealthReport:
    """Run every check; a failing one never stops the others. BOT: an initialised Bot to ask
    (the running bot's own), else one is made from the settings for a single getMe."""
    checks = await _database_checks(settings, now, t)
    checks.append(await _telegram_check(settings, bot))
    return HealthReport(tuple(checks))


async def _database_checks(settings: Settings, now: dt.datetime, t: Translator) -> list[Check]:
    from db.engine import failure_of, masked_url
    from db.health import read_facts

    place = masked_url(settings.database_url)
    try:
        facts = await read_facts(settings.database_url)
    except Exception as error:  # noqa: BLE001 - every failure is a finding, reported as such
        failure = failure_of(settings.database_url, error)
        key, values = failure or (
            "db.unreachable",
            {"where": place, "detail": type(error).__name__},
        )
        return [Check("database", False, f"cli.{key}", values)]
    checks = [Check("database", True, "health.database_ok", {"url": place})]
    checks.append(
        Check(
            "schema",
            facts.at_head,
            "health.schema_ok" if facts.at_head else "health.schema_behind",
            {"revision": facts.revision or "-", "head": facts.head},
        )
    )
    checks.append(
        Check(
            "agency",
            facts.has_agency,
            "health.agency",
            {"units": facts.units, "employees": facts.employees},
        )
    )
    due = facts.oldest_due if facts.oldest_due and facts.oldest_due <= now else None
    late = due is not None and now - due > OUTBOX_LATE
    checks.append(
        Check(
            "outbox",
            not late,
            "health.outbox_due" if due else "health.outbox_idle",
            {
                "count": facts.outbox_pending,
                "since": _when(t, due, settings.zone) if due else "",
                "minutes": int(OUTBOX_LATE.total_seconds() // 60),
            },
        )
    )
    if facts.last_plan_at is None:
        checks.append(Check("plan", True, "health.plan_none"))
    else:
        stale = now - facts.last_plan_at > PLAN_STALE
        checks.append(
            Check(
                "plan",
                not stale,
                "health.plan_stale" if stale else "health.plan_ok",
                {"when": _when(t, facts.last_plan_at, settings.zone)},
            )
        )
    return checks


async def _telegram_check(settings: Settings, bot: Bot | None) -> Check:
    from telegram.error import InvalidToken, TelegramError

    from bot.logs import redact

    if bot is None and (settings.bot_token is None or not settings.bot_token.get_secret_value()):
        return Check("telegram", False, "health.telegram_no_token")
    try:
        if bot is not None:
            me = await bot.get_me()
        else:
            from telegram import Bot

            from bot.app import file_url_for

            kwargs: dict[str, Any] = {}
            if settings.bot_api_url:
                kwargs = {
                    "base_url": settings.bot_api_url,
                    "base_file_url": settings.bot_api_file_url
                    or file_url_for(settings.bot_api_url),
                }
            async with Bot(settings.require_token(), **kwargs) as own:
                me = own.bot  # getMe, asked once by initialize()
    except InvalidToken:
        return Check("telegram", False, "health.telegram_rejected")
    except TelegramError as error:
        secret = settings.bot_token.get_secret_value() if settings.bot_token else ""
        return Check(
            "telegram",
            False,
            "health.telegram_unreachable",
            {"detail": redact(str(error), [secret])},
        )
    return Check("telegram", True, "health.telegram_ok", {"username": me.username})
