"""The cycle's scheduled work (docs/architecture.md, "The cycle") on PTB's JobQueue
(APScheduler): the plan step each night (cron in the agency's zone), the outbox dispatcher that
carries approval cards and notices, reminders and expiry, the effect on the TMT and the 90-day
evaluation requests.

`install_cycle(application)` adds them; `mutasi serve` and the end-to-end runner call it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import Application

from bot.composition import solver_of
from bot.outbox_sender import TelegramSender
from core.usecases.approval.reminders import remind_and_expire
from core.usecases.delegation import announce_delegations
from core.usecases.effect import apply_due_transfers
from core.usecases.evaluations import request_due_evaluations
from core.usecases.flow_reminders import FlowReminderPolicy, queue_flow_reminders
from core.usecases.objections import chase_objections
from core.usecases.outbox import ChatPacer, DispatchPolicy, Pacer, dispatch_due, release_claims
from core.usecases.planning import SolveSnapshot, propose_plan
from handlers.context import BotContext, Services

log = logging.getLogger(__name__)

NIGHTLY = "nightly-plan"
#: How long the inbox remembers handled update ids.
INBOX_KEEP = dt.timedelta(days=7)
DISPATCH = "outbox-dispatch"
#: A job that is already running is not started again (one dispatcher, one nightly run).
SINGLE = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}


@dataclass(slots=True)
class Dispatcher:
    """The outbox dispatcher of this process: its sender, policy and pacers, the owner name
    its claims carry, and the lock that keeps one pass at a time."""

    sender: TelegramSender
    policy: DispatchPolicy
    owner: str
    pacer: Pacer | None = None
    chat_pacer: ChatPacer | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    claims_released: bool = False


async def nightly_plan(context: BotContext) -> None:
    """The nightly job: one plan per agency per night (the database refuses a second)."""
    services = context.services
    if services.solve is None:  # pragma: no cover - install_cycle always sets it
        raise RuntimeError("install_cycle did not install the solver")
    outcome = await propose_plan(
        services.uow_factory, services.clock, services.rules.planning, services.solve
    )
    log.info(
        "nightly plan %s: %s, %d moves",
        outcome.plan.id if outcome.plan else None,
        "created" if outcome.created else "already there",
        len(outcome.proposals),
    )


async def dispatch_outbox(context: BotContext) -> None:
    """Send what is due from the outbox (a pass still running makes this one a no-op)."""
    dispatcher = context.job.data if context.job is not None else None
    if not isinstance(dispatcher, Dispatcher):  # pragma: no cover - install_cycle passes it
        raise RuntimeError("the dispatch job carries no Dispatcher")
    if dispatcher.lock.locked():
        return
    async with dispatcher.lock:
        await _dispatch(context.services, dispatcher)


async def _dispatch(services: Services, dispatcher: Dispatcher) -> None:
    owner = dispatcher.owner
    if not dispatcher.claims_released:
        # Before this process's first send: what a dead process left "sending" is due again.
        taken = await release_claims(services.uow_factory, owner)
        dispatcher.claims_released = True
        if taken:
            log.warning(
                "outbox: %d message(s) in flight at the last stop will be sent again", taken
            )
    report = await dispatch_due(
        services.uow_factory,
        dispatcher.sender,
        services.clock,
        dispatcher.policy,
        dispatcher.pacer,
        owner,
        dispatcher.chat_pacer,
    )
    if report.claimed:
        log.info("outbox: %s", report)


async def daily_chores(context: BotContext) -> None:
    """Reminders and expiry, objections chased, the effect gates (SPMT, Minister's letter),
    evaluation requests."""
    services = context.services
    rules = services.rules.approval
    hours = services.rules.working_time
    reminders = await remind_and_expire(services.uow_factory, services.clock, rules)
    objections = await chase_objections(services.uow_factory, services.clock, rules)
    effect = await apply_due_transfers(services.uow_factory, services.clock, rules)
    asked = await request_due_evaluations(services.uow_factory, services.clock, hours)
    told = await announce_delegations(services.uow_factory, services.clock, services.rules.zone)
    now = services.clock.now()
    async with services.uow_factory() as uow:
        flow = await queue_flow_reminders(
            uow,
            now=now,
            today=now.astimezone(services.rules.zone).date(),
            policy=FlowReminderPolicy(),
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


def install_cycle(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    solve_snapshot: SolveSnapshot | None = None,
    dispatch_interval: float = 2.0,
    dispatch_policy: DispatchPolicy | None = None,
) -> None:
    """Put the solver, the outbox dispatcher and every scheduled job on the application."""
    services: Services = application.bot_data.services
    rules = services.rules
    services.solve = solve_snapshot or solver_of(rules)
    policy = dispatch_policy or rules.dispatch
    dispatcher = Dispatcher(
        sender=TelegramSender(
            application.bot, services.uow_factory, rules.language, rules.approval, services.clock
        ),
        policy=policy,
        # Claims are owned per process: at start, every claim not ours belongs to a dead process.
        owner=f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
        pacer=Pacer(policy.max_per_second) if policy.max_per_second else None,
        chat_pacer=(
            ChatPacer(policy.chat_per_second, policy.group_per_minute)
            if policy.chat_per_second
            else None
        ),
    )
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError("python-telegram-bot[job-queue] is required for the nightly plan")
    night = rules.nightly_time
    jobs.run_custom(
        nightly_plan,
        job_kwargs={
            "trigger": CronTrigger(hour=night.hour, minute=night.minute, timezone=rules.zone),
            **SINGLE,
        },
        name=NIGHTLY,
    )
    # Two instances allowed: a long pass holds the lock and the next firing returns at once,
    # instead of APScheduler logging a skipped run every interval.
    jobs.run_repeating(
        dispatch_outbox,
        data=dispatcher,
        interval=dispatch_interval,
        first=1.0,
        name=DISPATCH,
        job_kwargs={**SINGLE, "max_instances": 2},
    )
    start = rules.working_time.start
    jobs.run_custom(
        daily_chores,
        job_kwargs={
            "trigger": CronTrigger(
                hour=max(0, start.hour - 1), minute=start.minute, timezone=rules.zone
            ),
            **SINGLE,
        },
        name="daily-chores",
    )
