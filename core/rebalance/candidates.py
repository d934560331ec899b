"""Eligibility (docs/optimisation.md §2: who may move and where; plus rule 8 where the spouse
cannot move), vectorised. The person-level rules come from core.domain.eligibility via compiled.py.

Every allowed (employee, destination) pair becomes a column with its cost relative to staying.
The solver later works on a subset of these columns and prices the rest with LP duals, so no
allowed move is ever lost to pruning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.rebalance.compiled import (
    EARTH_RADIUS_KM,
    BoolArray,
    CompiledInstance,
    FloatArray,
    IntArray,
    haversine_km,
)

# Bound on the distance-matrix block built at once (entries), to keep memory flat.
BLOCK_ENTRIES = 4_000_000


@dataclass(frozen=True, slots=True, eq=False)
class Columns:
    """All allowed moves, sorted by employee: column j moves emp[j] to unit[j]."""

    emp: IntArray
    unit: IntArray
    cost: FloatArray  # person(e at unit) - person(e staying)
    dest_pair: IntArray
    orig_pair: IntArray
    aspiration_rank: IntArray  # 0-based, -1 when the unit is not an aspiration
    emp_start: IntArray  # columns of employee e are emp_start[e]:emp_start[e+1]

    @property
    def size(self) -> int:
        """Number of columns."""
        return int(self.emp.shape[0])

    def find(self, e: int, u: int) -> int:
        """Column index of moving e to u, or -1 when that move is not allowed."""
        lo, hi = int(self.emp_start[e]), int(self.emp_start[e + 1])
        hits = np.nonzero(self.unit[lo:hi] == u)[0]
        return lo + int(hits[0]) if hits.shape[0] else -1


def static_spouse_block(ci: CompiledInstance) -> BoolArray:
    """Employees whose spouse may not move: their destinations must respect rule 8 alone."""
    has = ci.spouse >= 0
    block = np.zeros(ci.n_employees, dtype=bool)
    block[has] = ci.immovable[ci.spouse[has]] != 0
    return block


def unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Points on the unit sphere, for cheap distance screening by dot product."""
    p, lmb = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(p) * np.cos(lmb), np.cos(p) * np.sin(lmb), np.sin(p)], axis=1)


@dataclass(frozen=True, slots=True, eq=False)
class MoveRules:
    """Per-employee facts the move rules need, computed once per instance (vectors)."""

    spouse_fixed: BoolArray  # the spouse may not move: rule 8 limits e's destinations alone
    spouse_unit: IntArray  # the spouse's unit, -1 when none
    spouse_limit: FloatArray  # rule 8's distance for spouse_fixed employees, inf otherwise


def move_rules(ci: CompiledInstance) -> MoveRules:
    """The rule-8 facts of every employee whose spouse may not move."""
    spouse_fixed = static_spouse_block(ci)
    spouse_unit = np.where(ci.spouse >= 0, ci.emp_unit[np.maximum(ci.spouse, 0)], -1)
    spouse_limit = np.where(spouse_fixed, ci.spouse_limit, np.inf)
    return MoveRules(spouse_fixed, spouse_unit.astype(np.int64), spouse_limit)


def allowed_pairs(
    ci: CompiledInstance,
    rules: MoveRules,
    e_idx: IntArray,
    u_idx: IntArray,
    dist: FloatArray,
    wished: BoolArray,
) -> BoolArray:
    """Which (employee, unit) pairs are allowed moves, for pairs whose unit employs the
    employee's family and whose employee rule 1 lets move: rules 2-4 (distance from home unless
    an aspiration, not the home unit, willingness 1 only to an aspiration, voluntary-only
    policy) and rule 8 where the spouse cannot move or heads the unit (docs/optimisation.md §2).
    `dist` is d(home(e), u) in km."""
    policy = ci.instance.policy
    keep = wished | (~np.bool_(policy.voluntary_only) & (dist <= policy.max_home_distance_km))
    keep &= u_idx != ci.emp_unit[e_idx]
    keep &= wished | ~ci.only_wish[e_idx]  # willingness 1: only to an aspiration
    if ci.banned.shape[0]:  # never into a unit the spouse heads
        code = e_idx * len(ci.unit_ids) + u_idx
        at = np.minimum(np.searchsorted(ci.banned, code), ci.banned.shape[0] - 1)
        keep &= ci.banned[at] != code
    tied = np.nonzero(keep & rules.spouse_fixed[e_idx])[0]
    if tied.shape[0]:
        s_u = rules.spouse_unit[e_idx[tied]]
        apart = haversine_km(
            ci.unit_lat[u_idx[tied]],
            ci.unit_lon[u_idx[tied]],
            ci.unit_lat[s_u],
            ci.unit_lon[s_u],
        )
        keep[tied] = apart <= rules.spouse_limit[e_idx[tied]]
    return keep


def move_constant(ci: CompiledInstance) -> FloatArray:
    """Per employee, the part of a move's cost relative to staying that does not depend on the
    destination: move weight - move bonus - person cost when staying (§3)."""
    w = ci.instance.policy.weights
    return np.asarray(w.move - ci.move_bonus - ci.stay_cost, dtype=np.float64)


def columns_from_pairs(
    ci: CompiledInstance, emp: IntArray, unit: IntArray, dist_after: FloatArray
) -> Columns:
    """Columns for allowed (employee, unit) pairs (no duplicates), sorted by employee then
    unit, with their cost relative to staying (§3 person cost difference)."""
    w = ci.instance.policy.weights
    order = np.lexsort((unit, emp))
    emp, unit, dist_after = emp[order], unit[order], dist_after[order]
    rank = np.full(emp.shape[0], -1, dtype=np.int64)
    bonus = np.zeros(emp.shape[0], dtype=np.float64)
    for k in range(ci.aspirations.shape[1]):
        hit = ci.aspirations[emp, k] == unit
        rank[hit] = k
        bonus[hit] = w.aspiration_weight(k)
    cost = (
        move_constant(ci)[emp]
        - bonus
        - w.skill * ci.skill_match(emp, unit)
        + w.distance_per_km * dist_after
    )
    emp_start = np.searchsorted(emp, np.arange(ci.n_employees + 1)).astype(np.int64)
    return Columns(
        emp=emp.astype(np.int64),
        unit=unit.astype(np.int64),
        cost=np.asarray(cost, dtype=np.float64),
        dest_pair=ci.pair_of[unit, ci.emp_family[emp]],
        orig_pair=ci.emp_pair[emp],
        aspiration_rank=rank,
        emp_start=emp_start,
    )


def merge_columns(ci: CompiledInstance, a: Columns, b: Columns) -> Columns:
    """The union of two column sets without shared columns, sorted by employee then unit."""
    if b.size == 0:
        return a
    emp = np.concatenate([a.emp, b.emp])
    unit = np.concatenate([a.unit, b.unit])
    order = np.lexsort((unit, emp))
    emp, unit = emp[order], unit[order]
    return Columns(
        emp=emp,
        unit=unit,
        cost=np.concatenate([a.cost, b.cost])[order],
        dest_pair=np.concatenate([a.dest_pair, b.dest_pair])[order],
        orig_pair=np.concatenate([a.orig_pair, b.orig_pair])[order],
        aspiration_rank=np.concatenate([a.aspiration_rank, b.aspiration_rank])[order],
        emp_start=np.searchsorted(emp, np.arange(ci.n_employees + 1)).astype(np.int64),
    )


def column_codes(ci: CompiledInstance, cols: Columns) -> IntArray:
    """e * n_units + u per column: sorted, since columns are sorted by employee then unit."""
    return cols.emp * len(ci.unit_ids) + cols.unit


def aspiration_columns(ci: CompiledInstance, rules: MoveRules) -> Columns:
    """Every allowed move to an aspiration of its employee (at most three per employee)."""
    movable = ci.movable
    e_parts, u_parts = [], []
    for k in range(ci.aspirations.shape[1]):
        asp = ci.aspirations[:, k]
        ok = np.nonzero(movable & (asp >= 0))[0]
        ok = ok[ci.has_family[asp[ok], ci.emp_family[ok]]]
        e_parts.append(ok)
        u_parts.append(asp[ok])
    e_idx = np.concatenate(e_parts).astype(np.int64)
    u_idx = np.concatenate(u_parts).astype(np.int64)
    # the same unit named twice counts once
    code = np.unique(e_idx * len(ci.unit_ids) + u_idx)
    e_idx, u_idx = code // len(ci.unit_ids), code % len(ci.unit_ids)
    dist = ci.home_distance(e_idx, u_idx)
    keep = allowed_pairs(ci, rules, e_idx, u_idx, dist, np.ones(e_idx.shape[0], dtype=bool))
    return columns_from_pairs(ci, e_idx[keep], u_idx[keep], dist[keep])


def potential_moves(ci: CompiledInstance) -> int:
    """Movable employees times the units employing their family: what full enumeration
    would screen (an upper bound on the number of allowed moves)."""
    units_per_family = ci.has_family.sum(axis=0)
    per_family = np.bincount(ci.emp_family[ci.movable], minlength=len(ci.families))
    return int((units_per_family * per_family).sum())


def build_columns(ci: CompiledInstance, employees: IntArray | None = None) -> Columns:
    """Every allowed move of every movable employee (or of `employees` only), with its cost
    relative to staying. Work and memory grow with employees x units of their family."""
    policy = ci.instance.policy
    rules = move_rules(ci)
    movable = ci.movable
    if employees is not None:
        chosen = np.zeros(ci.n_employees, dtype=bool)
        chosen[employees] = True
        movable = movable & chosen
    home_xyz = unit_vectors(ci.home_lat, ci.home_lon)
    unit_xyz = unit_vectors(ci.unit_lat, ci.unit_lon)
    # Screen with the chord (dot product, one matrix product), 1 km of slack; the exact
    # haversine then decides on the few pairs that pass.
    screen = math.cos(min(math.pi, (policy.max_home_distance_km + 1.0) / EARTH_RADIUS_KM))
    parts_e: list[IntArray] = []
    parts_u: list[IntArray] = []
    parts_d: list[FloatArray] = []
    for f in range(len(ci.families)):
        units_f = np.nonzero(ci.has_family[:, f])[0]
        emps_f = np.nonzero(movable & (ci.emp_family == f))[0]
        if units_f.shape[0] == 0 or emps_f.shape[0] == 0:
            continue
        pos_in_f = np.full(len(ci.unit_ids), -1, dtype=np.int64)
        pos_in_f[units_f] = np.arange(units_f.shape[0])
        block = max(1, BLOCK_ENTRIES // units_f.shape[0])
        for start in range(0, emps_f.shape[0], block):
            emps = emps_f[start : start + block]
            wish = np.zeros((emps.shape[0], units_f.shape[0]), dtype=bool)
            for k in range(ci.aspirations.shape[1]):
                asp = ci.aspirations[emps, k]
                col = np.where(asp >= 0, pos_in_f[np.maximum(asp, 0)], -1)
                ok = np.nonzero(col >= 0)[0]
                wish[ok, col[ok]] = True
            if policy.voluntary_only:
                r_idx, c_idx = np.nonzero(wish)
            else:
                r_idx, c_idx = np.nonzero((home_xyz[emps] @ unit_xyz[units_f].T >= screen) | wish)
            e_idx, u_idx = emps[r_idx], units_f[c_idx]
            dist = haversine_km(
                ci.home_lat[e_idx], ci.home_lon[e_idx], ci.unit_lat[u_idx], ci.unit_lon[u_idx]
            )
            keep = allowed_pairs(ci, rules, e_idx, u_idx, dist, wish[r_idx, c_idx])
            parts_e.append(e_idx[keep])
            parts_u.append(u_idx[keep])
            parts_d.append(dist[keep])
    if parts_e:
        emp = np.concatenate(parts_e)
        unit = np.concatenate(parts_u)
        dist_after = np.concatenate(parts_d)
    else:
        emp = np.zeros(0, dtype=np.int64)
        unit = np.zeros(0, dtype=np.int64)
        dist_after = np.zeros(0, dtype=np.float64)
    return columns_from_pairs(ci, emp, unit, dist_after)
