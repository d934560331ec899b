"""Explanations of moves and of aspirations not granted (docs/optimisation.md, explanations).

`objective_delta` of a move is exact: objective(plan) - objective(plan with only that move
undone), by the §3 formula on the two pairs and the one person it touches.

`chain`: in each (unit, family) pair, the plan's arrivals take the slots its departures vacate,
one to one (both sorted by employee id). This links moves into paths and cycles. A path is
listed from the move that takes nobody's slot, then the move that takes the slot it vacated,
and so on; a cycle from its smallest employee id. Example: e2 goes B->C and e1 goes A->B into
the slot e2 left: both moves have chain [e2, e1]. Empty when a move is linked to no other.

`alternative` (beyond §4, for the approver's card): among the units the employee may move to
(§2 rules 1-4), other than home and the plan's choice, the one where putting the employee
instead keeps every plan-wide rule (5-8) and raises the objective least; with that exact rise.
Null when there is none.

`not_granted` has one entry per aspiration ranked above the one the plan grants (all of them
when none is granted). Reasons, first that applies: the person may not move at all (CPNS,
TENURE or TEACHER_TENURE, LOCKED, RETIREMENT, CONTRACT_END, SKP, HEAD: core.domain.eligibility),
FAMILY_NOT_IN_UNIT, SPOUSE_HEAD (the unit is headed by the spouse), SPOUSE (the spouse cannot
move and the unit is too far from theirs); otherwise the move is tried alone on the plan:
NOT_BETTER when it would raise the objective by itself, else the first plan-wide rule it would
break (ARRIVALS_CAP, DEPARTURES_CAP, SPOUSE, TOTAL_MOVES_CAP), else NOT_BETTER.

`cost_to_force` is null for the static reasons. Otherwise it is the exact rise of the objective
for a concrete feasible plan that grants the aspiration: the plan plus this move, with the
cheapest single repair per broken rule (undo another arrival into the unit, undo another
departure from the home unit, undo another move, or move/return the spouse to a unit that
keeps the couple together). It is therefore an upper bound on the least possible rise
(a full re-solve with the move forced could find a cheaper rearrangement); null when no such
repair exists.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from core.rebalance.candidates import Columns
from core.rebalance.compiled import (
    IMMOVABLE_REASONS,
    CompiledInstance,
    IntArray,
    imbalance_cost,
)
from core.rebalance.model import Alternative, Explanation, Move, NotGranted, StaffingSide
from core.rebalance.plan_state import PlanState

REPAIR_CANDIDATES = 6
ALTERNATIVES_RANKED = REPAIR_CANDIDATES * 4  # destinations ranked for a move's alternative


def _round(value: float, places: int = 6) -> float:
    return float(round(value, places))


def _chains(
    ci: CompiledInstance, state: PlanState, moved: list[int]
) -> dict[int, tuple[str, ...]]:
    """Exchange chains: in each pair, arrivals fill the slots of departures one to one."""
    ids = {e: ci.instance.employees[e].id for e in moved}
    arrivals: dict[int, list[int]] = defaultdict(list)
    departures: dict[int, list[int]] = defaultdict(list)
    for e in moved:
        arrivals[state.pair_of(e, int(state.assign[e]))].append(e)
        departures[int(ci.emp_pair[e])].append(e)
    filler: dict[int, int] = {}  # move -> the move that takes its vacated slot
    fills: dict[int, int] = {}  # move -> the move whose slot it takes
    for p, leaving in departures.items():
        coming = sorted(arrivals.get(p, []), key=ids.__getitem__)
        for d, a in zip(sorted(leaving, key=ids.__getitem__), coming, strict=False):
            filler[d] = a
            fills[a] = d
    chains: dict[int, tuple[str, ...]] = {}
    heads = sorted((e for e in moved if e not in fills), key=ids.__getitem__)
    rest = sorted((e for e in moved if e in fills), key=ids.__getitem__)
    for e in heads + rest:  # paths from their head first, then what is left are cycles
        if e in chains:
            continue
        path = [e]
        while path[-1] in filler and filler[path[-1]] != e:
            path.append(filler[path[-1]])
        names = tuple(ids[a] for a in path) if len(path) > 1 else ()
        for a in path:
            chains[a] = names
    return chains


def _side(
    ci: CompiledInstance, state: PlanState, unit: int, pair: int, family: str
) -> StaffingSide:
    """Unit UNIT's staffing of FAMILY (its PAIR): required, before and after the plan."""
    return StaffingSide(
        ci.unit_ids[unit],
        family,
        float(ci.pair_req[pair]),
        int(ci.pair_base[pair]),
        int(state.staff[pair]),
    )


def _next_best(state: PlanState, e: int) -> Alternative | None:
    """The feasible other destination of e that raises the objective least (exact delta)."""
    ci, cols = state.ci, state.cols
    lo, hi = int(cols.emp_start[e]), int(cols.emp_start[e + 1])
    here = int(state.assign[e])
    units = cols.unit[lo:hi]
    others = np.nonzero(units != here)[0]
    if others.shape[0] == 0:
        return None
    # Rank by an exact-in-isolation estimate (vectorised), then confirm the best feasible one.
    pairs = cols.dest_pair[lo:hi][others]
    staff = state.staff[pairs]
    req = ci.pair_req[pairs]
    policy = ci.instance.policy
    gain = imbalance_cost(req, staff + 1, policy) - imbalance_cost(req, staff, policy)
    estimate = cols.cost[lo:hi][others] + gain
    for k in np.argsort(estimate, kind="stable")[:ALTERNATIVES_RANKED].tolist():
        u = int(units[others[k]])
        if state.broken_rules([(e, u)]):
            continue
        return Alternative(ci.unit_ids[u], _round(state.delta([(e, u)])))
    return None


def explain_moves(ci: CompiledInstance, cols: Columns, assignment: IntArray) -> list[Move]:
    """Every move of the plan with its numbers, objective delta and chain."""
    state = PlanState(ci, cols, assignment)
    moved = np.nonzero(assignment != ci.emp_unit)[0]
    inst = ci.instance
    chain_of = _chains(ci, state, moved.tolist())
    moves: list[Move] = []
    for e in moved.tolist():
        emp = inst.employees[e]
        o, u = int(ci.emp_unit[e]), int(assignment[e])
        p_o, p_u = int(ci.emp_pair[e]), state.pair_of(e, u)
        delta = -state.delta([(e, o)])
        dest_id = ci.unit_ids[u]
        rank = emp.aspirations.index(dest_id) + 1 if dest_id in emp.aspirations else None
        needed = set(inst.units[u].skills_needed)
        fam = ci.families[int(ci.emp_family[e])]
        moves.append(
            Move(
                employee=emp.id,
                from_unit=ci.unit_ids[o],
                to_unit=ci.unit_ids[u],
                explanation=Explanation(
                    origin=_side(ci, state, o, p_o, fam),
                    destination=_side(ci, state, u, p_u, fam),
                    aspiration_rank=rank,
                    skills_matched=tuple(s for s in emp.skills if s in needed),
                    distance_before_km=_round(float(ci.home_to_origin_km[e]), 3),
                    distance_after_km=_round(
                        float(ci.home_distance(np.array([e]), np.array([u]))[0]), 3
                    ),
                    objective_delta=delta,
                    chain=chain_of.get(e, ()),
                    alternative=_next_best(state, e),
                    aspiration_reason=emp.aspiration_reason if emp.aspirations else None,
                    long_tenure=emp.tenure_months > inst.policy.max_tenure_months,
                ),
            )
        )
    moves.sort(key=lambda m: m.employee)
    return moves


class UndoPools:
    """The plan's moves, cheapest to undo first: all, by destination, by home unit."""

    def __init__(self, state: PlanState) -> None:
        ci = state.ci
        moved = np.nonzero(state.assign != ci.emp_unit)[0].tolist()
        scored = sorted((state.delta([(a, int(ci.emp_unit[a]))]), a) for a in moved)
        self.all = [a for _, a in scored]
        self.into: dict[int, list[int]] = defaultdict(list)
        self.out_of: dict[int, list[int]] = defaultdict(list)
        for a in self.all:
            self.into[int(state.assign[a])].append(a)
            self.out_of[int(ci.emp_unit[a])].append(a)


def _cheapest_undo(
    state: PlanState, forced: list[tuple[int, int]], pool: list[int], rule: str
) -> list[tuple[int, int]] | None:
    """The forced changes plus the one undo from `pool` that fixes `rule` most cheaply."""
    ci = state.ci
    fixed = {e for e, _ in forced}
    best: tuple[float, list[tuple[int, int]]] | None = None
    tried = 0
    for a in pool:
        if a in fixed:
            continue
        tried += 1
        if tried > REPAIR_CANDIDATES:
            break
        trial = [*forced, (a, int(ci.emp_unit[a]))]
        if rule in state.broken_rules(trial):
            continue
        d = state.delta(trial)
        if best is None or d < best[0]:
            best = (d, trial)
    return None if best is None else best[1]


def _spouse_fix(
    state: PlanState, forced: list[tuple[int, int]], e: int, u: int
) -> list[tuple[int, int]] | None:
    """The forced changes plus the spouse's cheapest unit that keeps the couple together."""
    ci, cols = state.ci, state.cols
    s = int(ci.spouse[e])
    if s < 0 or ci.immovable[s] != 0:
        return None
    options = [int(ci.emp_unit[s])] + cols.unit[cols.emp_start[s] : cols.emp_start[s + 1]].tolist()
    best: tuple[float, list[tuple[int, int]]] | None = None
    for v in options:
        trial = [*forced, (s, v)]
        if "SPOUSE" in state.broken_rules(trial):
            continue
        d = state.delta(trial)
        if best is None or d < best[0]:
            best = (d, trial)
    return None if best is None else best[1]


def _force(state: PlanState, pools: UndoPools, e: int, u: int) -> float | None:
    """Objective rise of the plan with e moved to u and the cheapest single repairs applied."""
    ci = state.ci
    changes = [(e, u)]
    home = int(ci.emp_unit[e])
    for _ in range(4):
        broken = state.broken_rules(changes)
        if not broken:
            return state.delta(changes)
        rule = broken[0]
        if rule == "ARRIVALS_CAP":
            fixed = _cheapest_undo(state, changes, pools.into.get(u, []), rule)
        elif rule == "DEPARTURES_CAP":
            fixed = _cheapest_undo(state, changes, pools.out_of.get(home, []), rule)
        elif rule == "SPOUSE":
            fixed = _spouse_fix(state, changes, e, u)
        else:
            fixed = _cheapest_undo(state, changes, pools.all, rule)
        if fixed is None:
            return None
        changes = fixed
    return None


def not_granted(ci: CompiledInstance, cols: Columns, assignment: IntArray) -> list[NotGranted]:
    """One entry per aspiration the plan does not honour, with its reason and cost to force."""
    state = PlanState(ci, cols, assignment)
    pools = UndoPools(state)
    out: list[NotGranted] = []
    inst = ci.instance
    for e in np.nonzero(ci.aspirations[:, 0] >= 0)[0].tolist():
        emp = inst.employees[e]
        final = ci.unit_ids[int(assignment[e])]
        wished = emp.aspirations
        granted = wished.index(final) if final in wished else len(wished)
        for k in range(granted):
            u = int(ci.aspirations[e, k])
            reason, cost = _reason_and_cost(ci, cols, state, pools, e, u)
            out.append(NotGranted(emp.id, ci.unit_ids[u], reason, cost))
    return out


def _reason_and_cost(
    ci: CompiledInstance, cols: Columns, state: PlanState, pools: UndoPools, e: int, u: int
) -> tuple[str, float | None]:
    if ci.immovable[e]:
        return IMMOVABLE_REASONS[int(ci.immovable[e])], None
    if not ci.has_family[u, ci.emp_family[e]]:
        return "FAMILY_NOT_IN_UNIT", None
    if ci.spouse_heads(e, u):
        return "SPOUSE_HEAD", None
    if cols.find(e, u) < 0:
        # allowed by rules 1-4 but filtered by rule 8 with a spouse who cannot move
        return "SPOUSE", None
    single = [(e, u)]
    delta_alone = state.delta(single)
    cost = _force(state, pools, e, u)
    cost = None if cost is None else _round(cost)
    if delta_alone > 1e-9:
        return "NOT_BETTER", cost
    broken = state.broken_rules(single)
    return (broken[0] if broken else "NOT_BETTER"), cost
