"""Flow 5 at scale: an approver's moves of one plan as ONE digest message instead of a card each.

The digest groups the moves an approver can see by the origin unit's OPD and, inside it, by the
origin unit; each group pages through its entries; a whole group (or the entries the approver
picked) is decided behind a confirmation. Who receives what is decided here too:

- after a plan, each approver chat gets the summary and then either one card per move (when it
  has at most `ApprovalRules.cards_max` of them) or one digest;
- when a proposal reaches a later stage, that stage's approvers get a card while they have few,
  else one digest for (plan, stage) that is edited ("refreshed") as more moves arrive;
- proposals nobody can decide at a stage are listed to the admins at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.domain import (
    OutboxMessage,
    OutboxStatus,
    Role,
    TransferProposal,
)
from core.domain.messages import AdminAlert, ApprovalDigest, DigestRefresh, UnreachedMove
from core.ports import UnitOfWork
from core.usecases.approval.cards import approver_key, enqueue_card
from core.usecases.approval.chain import ApprovalRules, grant_decides
from core.usecases.committee import reach_members
from core.usecases.outbox import chats_with_role, enqueue


@dataclass(slots=True)
class Recipients:
    """Who decides each proposal at one stage: chats with their approver NIPs and languages."""

    by_chat: dict[int, list[TransferProposal]] = field(default_factory=dict)
    nip_of_chat: dict[int, str] = field(default_factory=dict)
    nobody: list[TransferProposal] = field(default_factory=list)


async def recipients_at(
    uow: UnitOfWork,
    proposals: Sequence[TransferProposal],
    stage_of: dict[int, int],
    rules: ApprovalRules,
    today: dt.date,
) -> Recipients:
    """Which approver chats decide each proposal at its stage (`stage_of` by proposal id);
    a running delegation sends the approver's share to the delegate's chats instead."""
    from core.usecases.delegation import chats_deciding_for  # a cycle: delegation uses approval

    units = {u.code: u for u in await uow.units.list()}
    grants = await uow.roles.list_by_role(Role.APPROVER.value)
    chats_cache: dict[str, list[tuple[int, str]]] = {}
    found = Recipients()
    for proposal in proposals:
        assert proposal.id is not None
        stage = stage_of.get(proposal.id, proposal.stage)
        if rules.stage_at(stage).committee:
            await reach_members(uow, rules, proposal, found)
            continue
        touched = [units.get(proposal.from_unit), units.get(proposal.to_unit)]
        reached: set[int] = set()
        for grant in grants:
            if not grant_decides(grant, rules.stage_at(stage), len(rules.stages), touched):
                continue
            if grant.nip not in chats_cache:
                chats_cache[grant.nip] = await chats_deciding_for(uow, grant.nip, today)
            for chat_id, viewer in chats_cache[grant.nip]:
                if chat_id in reached:
                    continue
                reached.add(chat_id)
                found.by_chat.setdefault(chat_id, []).append(proposal)
                found.nip_of_chat.setdefault(chat_id, viewer)
        if not reached:
            found.nobody.append(proposal)
    return found


async def enqueue_stage_messages(
    uow: UnitOfWork,
    proposals: Sequence[TransferProposal],
    rules: ApprovalRules,
    now: dt.datetime,
    not_before: dt.datetime | None = None,
) -> Recipients:
    """Cards or a digest for the approvers of each proposal's current stage (see module doc);
    returns who got what; proposals that reach nobody are reported to the admins."""
    today = rules.working_time.local(now).date()
    found = await recipients_at(uow, proposals, {}, rules, today)
    earlier: dict[tuple[int, int], Recipients] = {}
    batch = {p.id for p in proposals}
    for chat_id, mine in found.by_chat.items():
        for stage in sorted({p.stage for p in mine}):
            at_stage = [p for p in mine if p.stage == stage]
            plan_id = at_stage[0].plan_id
            key = approver_key("digest", plan_id, stage, chat_id)
            digest = await uow.outbox.get_by_dedupe_key(key)
            if digest is not None:
                await _refresh(uow, digest, now)
                continue
            before = 0
            if stage > 0:
                if (plan_id, stage) not in earlier:
                    arrived = [
                        p
                        for p in await uow.proposals.list_for_plan(plan_id)
                        if p.stage >= stage and p.id not in batch
                    ]
                    earlier[(plan_id, stage)] = await recipients_at(
                        uow, arrived, {p.id: stage for p in arrived if p.id}, rules, today
                    )
                before = len(earlier[(plan_id, stage)].by_chat.get(chat_id, []))
            if before + len(at_stage) <= rules.cards_max:
                for proposal in at_stage:
                    await enqueue_card(uow, proposal, chat_id, rules, now, not_before)
                continue
            await enqueue(
                uow,
                chat_id,
                ApprovalDigest(
                    plan_id=plan_id,
                    stage=stage,
                    nip=found.nip_of_chat[chat_id],
                    count=len(at_stage),
                ),
                now=now,
                dedupe_key=key,
                not_before=not_before,
            )
    if found.nobody:
        await report_unreached(uow, found.nobody, now)
    return found


async def _refresh(uow: UnitOfWork, digest: OutboxMessage, now: dt.datetime) -> None:
    """Edit a sent digest to its current numbers (at most one edit waiting at a time)."""
    if digest.status != OutboxStatus.SENT or digest.dedupe_key is None:
        return  # not sent yet: it is rendered with the numbers of its sending time
    if not isinstance(digest.payload, ApprovalDigest):
        return
    prefix = f"digest-refresh:{digest.dedupe_key}:"
    earlier = await uow.outbox.list_by_dedupe_prefix(prefix)
    if any(m.status == OutboxStatus.PENDING for m in earlier):
        return
    await enqueue(
        uow,
        digest.chat_id,
        DigestRefresh(
            edit_of=digest.dedupe_key,
            plan_id=digest.payload.plan_id,
            stage=digest.payload.stage,
            nip=digest.payload.nip,
            count=digest.payload.count,
        ),
        now=now,
        dedupe_key=f"{prefix}{len(earlier)}",
    )


async def report_unreached(
    uow: UnitOfWork, proposals: Sequence[TransferProposal], now: dt.datetime
) -> None:
    """Tell every admin at once which proposals have no approver at their stage."""
    ids = sorted(p.id for p in proposals if p.id is not None)
    if not ids:
        return
    stamp = f"{ids[0]}-{ids[-1]}-{len(ids)}-{proposals[0].stage}"
    for _nip, chat_id, _language in await chats_with_role(uow, Role.ADMIN):
        key = f"unreached:{stamp}:{chat_id}"
        if await uow.outbox.get_by_dedupe_key(key) is not None:
            continue
        await enqueue(
            uow,
            chat_id,
            AdminAlert(
                alert="no_approver",
                proposals=tuple(
                    UnreachedMove(id=p.id, nip=p.nip, from_unit=p.from_unit, to_unit=p.to_unit)
                    for p in sorted(proposals, key=lambda p: p.id or 0)
                    if p.id is not None
                ),
                stage=proposals[0].stage,
            ),
            now=now,
            dedupe_key=key,
        )
