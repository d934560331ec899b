"""A solver-independent check of the contract (docs/optimisation.md §2 and §3), in plain Python.

It shares no code with the solver beyond the instance types — not even core.domain.eligibility,
whose
rules it re-derives here on purpose (docs/rules.md): it recomputes eligibility, the plan-wide
rules and the objective from scratch, so a plan it accepts is a plan the contract accepts.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from core.rebalance.model import Employee, Instance, Policy, Unit

# Distances are compared with this slack so the last bit of floating point never decides a rule.
DISTANCE_SLACK_KM = 1e-9


class PlanRejected(AssertionError):
    """The engine produced a plan the validator refuses: a bug, never shown as a plan."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__("plan violates the contract: " + "; ".join(violations[:10]))
        self.violations = violations


@dataclass(frozen=True, slots=True)
class PlanCheck:
    """What the validator found: the recomputed objective and every broken rule."""

    objective: float
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not self.violations


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlmb = math.radians(lon2) - math.radians(lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2.0 * 6371.0088 * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def _imbalance(req: float, staff: int, instance: Instance) -> float:
    w = instance.policy.weights
    dev = staff - req
    tol = max(1.0, w.tolerance_fraction * req)
    over, under = max(0.0, dev), max(0.0, -dev)
    return w.over * (min(over, tol) + w.steep_factor * max(0.0, over - tol)) + w.under * (
        min(under, tol) + w.steep_factor * max(0.0, under - tol)
    )


def _minimum_months(e: Employee, home: Unit | None, p: Policy) -> tuple[str, float]:
    """Months E must have served in the unit (teachers: 48 unless daerah khusus)."""
    if e.jenis == "guru" and not (home is not None and home.daerah_khusus):
        if e.min_tenure_months is not None:
            return "teacher tenure", e.min_tenure_months
        return "teacher tenure", p.teacher_min_tenure_months
    if e.jenis != "guru" and e.min_tenure_months is not None:
        return "tenure", e.min_tenure_months
    return "tenure", p.min_tenure_months


def _person_violations(
    e: Employee, instance: Instance, units: Mapping[str, Unit], heads: set[str]
) -> list[str]:
    """Every rule that forbids moving E at all."""
    p = instance.policy
    out: list[str] = []
    if e.status.upper() == "CPNS":
        out.append(f"{e.id}: CPNS but moved")
    what, minimum = _minimum_months(e, units.get(e.unit), p)
    if e.tenure_months < minimum:
        out.append(f"{e.id}: {what} {e.tenure_months} < {minimum}")
    lock_over = (
        e.lock_until is not None and instance.date is not None and instance.date >= e.lock_until
    )
    if e.locked and not lock_over:
        out.append(f"{e.id}: locked but moved")
    if e.months_to_retirement <= p.retirement_guard_months:
        out.append(f"{e.id}: {e.months_to_retirement} months to retirement")
    if e.contract_end is not None and (instance.tmt is None or instance.tmt > e.contract_end):
        out.append(f"{e.id}: contract ends {e.contract_end}, before the TMT {instance.tmt}")
    if p.skp_gate and any(r is not None and r not in ("Sangat Baik", "Baik") for r in e.skp):
        out.append(f"{e.id}: SKP {list(e.skp)} below Baik")
    if e.id in heads:
        out.append(f"{e.id}: head of a unit, moved as staff")
    return out


def check_plan(instance: Instance, assignment: Mapping[str, str]) -> PlanCheck:
    """Check a plan (employee id -> final unit id; missing ids stay) against §2; objective §3."""
    p, w = instance.policy, instance.policy.weights
    units = {u.id: u for u in instance.units}
    by_id = {e.id: e for e in instance.employees}
    violations: list[str] = []
    for eid in assignment:
        if eid not in by_id:
            violations.append(f"{eid}: not an employee of the instance")
    final = {e.id: assignment.get(e.id, e.unit) for e in instance.employees}

    heads = {h for u in instance.units for h in u.heads}
    headcount = Counter(e.unit for e in instance.employees)
    arrivals: Counter[str] = Counter()
    departures: Counter[str] = Counter()
    moves = 0
    objective = 0.0
    for e in instance.employees:
        target = final[e.id]
        if target not in units:
            violations.append(f"{e.id}: assigned to unknown unit {target!r}")
            continue
        u = units[target]
        d_after = _distance(e.home_lat, e.home_lon, u.lat, u.lon)
        moved = target != e.unit
        if moved:
            moves += 1
            arrivals[target] += 1
            departures[e.unit] += 1
            violations.extend(_person_violations(e, instance, units, heads))
            if e.spouse is not None and e.spouse in u.heads:
                violations.append(f"{e.id}: moved into {target}, which the spouse heads")
            if e.family not in u.demand:
                violations.append(f"{e.id}: {target} does not employ {e.family}")
            wished = target in e.aspirations
            if not wished and d_after > p.max_home_distance_km + DISTANCE_SLACK_KM:
                violations.append(f"{e.id}: {target} is {d_after:.3f} km from home")
            if p.voluntary_only and not wished:
                violations.append(f"{e.id}: moved to {target}, not an aspiration (voluntary only)")
            if e.willingness == 1 and not wished:
                violations.append(f"{e.id}: moved to {target}, but asked for only their choices")
        person = (w.move if moved else 0.0) + w.distance_per_km * d_after
        if moved and e.willingness == 3:
            person -= w.very_willing
        if moved and e.tenure_months > p.max_tenure_months:
            person -= w.long_tenure
        if moved and target in e.aspirations:
            person -= w.aspiration_weight(e.aspirations.index(target))
        person -= w.skill * len(set(e.skills) & set(u.skills_needed))
        objective += person

    for uid, count in arrivals.items():
        cap = max(p.min_moves_cap, math.floor(p.arrivals_fraction * headcount[uid]))
        if count > cap:
            violations.append(f"{uid}: {count} arrivals exceed the cap {cap}")
    for uid, count in departures.items():
        cap = max(p.min_moves_cap, math.floor(p.departures_fraction * headcount[uid]))
        if count > cap:
            violations.append(f"{uid}: {count} departures exceed the cap {cap}")
    if p.max_total_moves is not None and moves > p.max_total_moves:
        violations.append(f"{moves} moves exceed max_total_moves {p.max_total_moves}")

    for e in instance.employees:
        if e.spouse is None or e.spouse not in by_id or e.id > e.spouse:
            continue
        s = by_id[e.spouse]
        if final[e.id] not in units or final[s.id] not in units:
            continue
        ue, us = units[e.unit], units[s.unit]
        fe, fs = units[final[e.id]], units[final[s.id]]
        limit = max(p.spouse_max_distance_km, _distance(ue.lat, ue.lon, us.lat, us.lon))
        apart = _distance(fe.lat, fe.lon, fs.lat, fs.lon)
        if apart > limit + DISTANCE_SLACK_KM:
            violations.append(f"{e.id} and {s.id}: {apart:.3f} km apart, limit {limit:.3f} km")

    staff: Counter[tuple[str, str]] = Counter()
    for e in instance.employees:
        staff[(final[e.id], e.family)] += 1
    cells = {(u.id, f) for u in instance.units for f in u.demand}
    cells |= {(e.unit, e.family) for e in instance.employees}
    cells |= set(staff)
    for uid, fam in cells:
        req = units[uid].demand.get(fam, 0.0) if uid in units else 0.0
        objective += _imbalance(req, staff[(uid, fam)], instance)
    return PlanCheck(objective, tuple(violations))


def validate_plan(instance: Instance, assignment: Mapping[str, str]) -> float:
    """Return the §3 objective of a plan, or raise PlanRejected when it breaks any rule."""
    result = check_plan(instance, assignment)
    if not result.ok:
        raise PlanRejected(list(result.violations))
    return result.objective
