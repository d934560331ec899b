"""Scheduled work on PTB's JobQueue (APScheduler): the nightly plan (cron in the agency's zone),
the outbox dispatcher, reminders and expiry, the TMT effect and the 90-day evaluation requests.

`install_loop(application)` adds them; `mutasi serve` and the end-to-end runner call it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import Application

from bot.composition import solver_of
from bot.outbox_sender import TelegramSender
from bot.settings import Settings
from core.approval.reminders import remind_and_expire
from core.delegation import announce_delegations
from core.effect import apply_due_transfers
from core.evaluations import request_due_evaluations
from core.flow_reminders import FlowReminderPolicy, queue_flow_reminders
from core.objections import chase_objections
from core.outbox import ChatPacer, DispatchPolicy, Pacer, dispatch_due, release_claims
from core.planning import PlanningRules, SolveSnapshot, propose_plan
from handlers.approval import approval_rules_of, working_time_of
from handlers.context import BotContext, Services

log = logging.getLogger(__name__)

NIGHTLY = "nightly-plan"
#: How long the inbox remembers handled update ids.
INBOX_KEEP = dt.timedelta(days=7)
DISPATCH = "outbox-dispatch"
#: A job that is already running is not started again (one dispatcher, one nightly run).
SINGLE = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}


def planning_rules(settings: Settings) -> PlanningRules:
    """Planning settings from the environment."""
    return PlanningRules(
        approval_rules_of(settings),
        settings.solver_time_limit,
        settings.wke_minutes,
        settings.workload_average_months,
    )


def _services(context: BotContext) -> Services:
    return context.services


async def nightly_plan(context: BotContext) -> None:
    """The nightly job: one plan per agency per night (the database refuses a second)."""
    services = _services(context)
    solve: SolveSnapshot = services.extras["solve_snapshot"]
    outcome = await propose_plan(
        services.uow_factory, services.clock, planning_rules(services.settings), solve
    )
    log.info(
        "nightly plan %s: %s, %d moves",
        outcome.plan.id if outcome.plan else None,
        "created" if outcome.created else "already there",
        len(outcome.proposals),
    )


async def dispatch_outbox(context: BotContext) -> None:
    """Send what is due from the outbox (a pass still running makes this one a no-op)."""
    services = _services(context)
    busy: asyncio.Lock = services.extras["dispatch_lock"]
    if busy.locked():
        return
    async with busy:
        await _dispatch(services)


async def _dispatch(services: Services) -> None:
    sender: TelegramSender = services.extras["sender"]
    policy: DispatchPolicy = services.extras.get("dispatch_policy", DispatchPolicy())
    pacer: Pacer | None = services.extras.get("dispatch_pacer")
    chat_pacer: ChatPacer | None = services.extras.get("chat_pacer")
    owner: str = services.extras["dispatch_owner"]
    if not services.extras.get("claims_released"):
        # Before this process's first send: what a dead process left "sending" is due again.
        taken = await release_claims(services.uow_factory, owner)
        services.extras["claims_released"] = True
        if taken:
            log.warning(
                "outbox: %d message(s) in flight at the last stop will be sent again", taken
            )
    report = await dispatch_due(
        services.uow_factory, sender, services.clock, policy, pacer, owner, chat_pacer
    )
    if report.claimed:
        log.info("outbox: %s", report)


async def daily_chores(context: BotContext) -> None:
    """Reminders and expiry, objections chased, the effect gates (SPMT, Minister's letter),
    evaluation requests."""
    services = _services(context)
    settings = services.settings
    rules = approval_rules_of(settings)
    hours = working_time_of(settings)
    reminders = await remind_and_expire(services.uow_factory, services.clock, rules)
    objections = await chase_objections(services.uow_factory, services.clock, rules)
    effect = await apply_due_transfers(services.uow_factory, services.clock, rules)
    asked = await request_due_evaluations(services.uow_factory, services.clock, hours)
    told = await announce_delegations(services.uow_factory, services.clock, settings.zone)
    now = services.clock.now()
    async with services.uow_factory() as uow:
        flow = await queue_flow_reminders(
            uow, now=now, today=now.astimezone(settings.zone).date(), policy=FlowReminderPolicy()
        )
    async with services.uow_factory() as uow:
        # Handled updates are kept a week (only their ids: re-deliveries are recognised).
        await uow.inbox.prune(now - INBOX_KEEP)
        await uow.commit()
    log.info(
        "daily: %s, %s, %s, evaluations asked %d, %s, delegation notices %d",
        reminders,
        objections,
        effect,
        asked,
        flow,
        told,
    )


def install_loop(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    solve_snapshot: SolveSnapshot | None = None,
    dispatch_interval: float = 2.0,
    dispatch_policy: DispatchPolicy | None = None,
) -> None:
    """Put the solver, the outbox sender and every scheduled job on the application."""
    services: Services = application.bot_data.services
    settings = services.settings
    services.extras["solve_snapshot"] = solve_snapshot or solver_of(settings)
    services.extras["sender"] = TelegramSender(
        application.bot,
        services.uow_factory,
        settings.language,
        approval_rules_of(settings),
        services.clock,
    )
    policy = dispatch_policy or DispatchPolicy(
        chat_per_second=settings.outbox_chat_per_second,
        group_per_minute=settings.outbox_group_per_minute,
    )
    services.extras["dispatch_policy"] = policy
    # Claims are owned per process: at start, every claim not ours belongs to a dead process.
    services.extras["dispatch_owner"] = (
        f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )
    if policy.max_per_second:
        services.extras["dispatch_pacer"] = Pacer(policy.max_per_second)
    if policy.chat_per_second:
        services.extras["chat_pacer"] = ChatPacer(policy.chat_per_second, policy.group_per_minute)
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError("python-telegram-bot[job-queue] is required for the nightly plan")
    night = settings.nightly_time
    jobs.run_custom(
        nightly_plan,
        job_kwargs={
            "trigger": CronTrigger(hour=night.hour, minute=night.minute, timezone=settings.zone),
            **SINGLE,
        },
        name=NIGHTLY,
    )
    services.extras["dispatch_lock"] = asyncio.Lock()
    # Two instances allowed: a long pass holds the lock and the next firing returns at once,
    # instead of APScheduler logging a skipped run every interval.
    jobs.run_repeating(
        dispatch_outbox,
        interval=dispatch_interval,
        first=1.0,
        name=DISPATCH,
        job_kwargs={**SINGLE, "max_instances": 2},
    )
    start = settings.work_hours_start
    jobs.run_custom(
        daily_chores,
        job_kwargs={
            "trigger": CronTrigger(
                hour=max(0, start.hour - 1), minute=start.minute, timezone=settings.zone
            ),
            **SINGLE,
        },
        name="daily-chores",
    )
