"""The digest as an approver or a committee member reads it: the moves of one plan they may see,
grouped by origin OPD and unit, each marked when the reader decides (or votes on) it now.

Read only: `digest_view` reads the viewer's grants, the units and the light proposal lines in
the viewer's scope (no explanations: a page reads those of the entries it shows). Sending the
digests and deciding from them are use cases (`core.usecases.digest`,
`core.usecases.approval.groups`, `core.usecases.committee`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.domain import ProposalLine, ProposalState, Role, RoleGrant, ScopeKind, Unit
from core.domain.access import grant_covers_unit
from core.ports import UnitOfWork
from core.usecases.approval.chain import ApprovalRules, grant_decides
from core.usecases.committee import Committee, ballot_of


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """One move as a digest line; `mine` when the viewer decides it now."""

    proposal: ProposalLine
    mine: bool
    #: `mine` as a committee member's vote (core.usecases.committee), not an approver's decision.
    vote: bool = False


@dataclass(frozen=True, slots=True)
class DigestGroup:
    """The moves out of one origin unit (inside its OPD)."""

    opd: str
    unit_code: str
    unit_name: str
    entries: tuple[DigestEntry, ...]

    @property
    def waiting(self) -> tuple[DigestEntry, ...]:
        """Entries the viewer decides now."""
        return tuple(e for e in self.entries if e.mine)


@dataclass(frozen=True, slots=True)
class DigestView:
    """What one viewer sees of one plan, groups in a stable order (OPD, unit name, code)."""

    plan_id: int
    stage_count: int
    groups: tuple[DigestGroup, ...]
    #: The committee whose member is viewing (their entries at its stage are votes), if any.
    committee: Committee | None = None

    @property
    def total(self) -> int:
        """Moves the viewer can see."""
        return sum(len(g.entries) for g in self.groups)

    @property
    def waiting(self) -> int:
        """Moves the viewer decides now."""
        return sum(len(g.waiting) for g in self.groups)

    def group(self, index: int) -> DigestGroup | None:
        """The INDEXth group, or None when the index is out of range."""
        return self.groups[index] if 0 <= index < len(self.groups) else None


def _decides_now(
    grants: Sequence[RoleGrant],
    proposal: ProposalLine,
    units: Sequence[Unit | None],
    rules: ApprovalRules,
) -> bool:
    if proposal.state != ProposalState.PENDING:
        return False
    stage = rules.stage_at(proposal.stage)
    return any(grant_decides(g, stage, len(rules.stages), units) for g in grants)


async def viewer_grants(uow: UnitOfWork, nips: Iterable[str]) -> list[RoleGrant]:
    """Approver grants of the viewer and of everyone they stand in for."""
    found: list[RoleGrant] = []
    for nip in nips:
        found.extend(g for g in await uow.roles.list_for(nip) if g.role == Role.APPROVER)
    return found


def scope_units(grants: Sequence[RoleGrant], units: Mapping[str, Unit]) -> set[str] | None:
    """Codes of the UNITS some grant covers; None when a grant covers every unit. A viewer
    sees (and decides) only moves from or to these units (`grant_decides` needs a covered
    unit, or a grant over everything)."""
    if any(g.scope_kind == ScopeKind.ALL for g in grants):
        return None
    return {code for code, u in units.items() if any(grant_covers_unit(g, u) for g in grants)}


async def digest_view(
    uow: UnitOfWork, plan_id: int, viewer_nips: Sequence[str], rules: ApprovalRules
) -> DigestView:
    """The viewer's digest of PLAN_ID (VIEWER_NIPS: the viewer first, then whom they stand in
    for): every move touching a unit in their approver scope, grouped by origin OPD and unit.
    Only the moves touching a unit in that scope are read, as light lines (no explanation): a
    page of the digest reads the explanations of the entries it shows."""
    grants = await viewer_grants(uow, viewer_nips)
    units = {u.code: u for u in await uow.units.list()}
    # A committee member sees the whole plan (a member votes in person: not for a principal).
    ballot = await ballot_of(uow, rules, plan_id, viewer_nips[0]) if viewer_nips else None
    scope = None if ballot is not None else scope_units(grants, units)
    groups: dict[tuple[str, str], list[DigestEntry]] = {}
    for proposal in await uow.proposals.lines_for_plan(plan_id, scope):
        touched = [units.get(proposal.from_unit), units.get(proposal.to_unit)]
        vote = ballot is not None and ballot.may_vote(proposal, rules)
        mine = vote or _decides_now(grants, proposal, touched, rules)
        visible = (mine or ballot is not None) or any(
            grant_covers_unit(g, u) for g in grants for u in touched if u is not None
        )
        if not visible:
            continue
        origin = units.get(proposal.from_unit)
        key = (origin.opd if origin else "", proposal.from_unit)
        groups.setdefault(key, []).append(DigestEntry(proposal, mine, vote))
    ordered = sorted(
        groups.items(),
        key=lambda item: (
            item[0][0],
            units[item[0][1]].name if item[0][1] in units else item[0][1],
            item[0][1],
        ),
    )
    return DigestView(
        plan_id,
        len(rules.stages),
        tuple(
            DigestGroup(
                opd,
                code,
                units[code].name if code in units else code,
                tuple(sorted(entries, key=lambda e: e.proposal.id or 0)),
            )
            for (opd, code), entries in ordered
        ),
        ballot.committee if ballot is not None else None,
    )
