"""Eligibility (docs/optimisation.md §2: who may move and where; plus rule 8 where the spouse
cannot move), vectorised. The person-level rules come from core.eligibility via compiled.py.

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


def build_columns(ci: CompiledInstance) -> Columns:
    """Every allowed move of every movable employee, with its cost relative to staying."""
    policy = ci.instance.policy
    w = policy.weights
    movable = ci.movable
    spouse_fixed = static_spouse_block(ci)
    spouse_unit = np.where(ci.spouse >= 0, ci.emp_unit[np.maximum(ci.spouse, 0)], -1)
    spouse_limit = np.full(ci.n_employees, np.inf)
    for e in np.nonzero(spouse_fixed)[0].tolist():
        spouse_limit[e] = ci.spouse_limit_km(e)
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
            wished = wish[r_idx, c_idx]
            keep = wished | (
                ~np.bool_(policy.voluntary_only) & (dist <= policy.max_home_distance_km)
            )
            keep &= u_idx != ci.emp_unit[e_idx]
            keep &= wished | ~ci.only_wish[e_idx]  # willingness 1: only to an aspiration
            if ci.banned.shape[0]:  # never into a unit the spouse heads
                keep &= ~np.isin(e_idx * len(ci.unit_ids) + u_idx, ci.banned)
            tied = np.nonzero(keep & spouse_fixed[e_idx])[0]
            if tied.shape[0]:
                s_u = spouse_unit[e_idx[tied]]
                apart = haversine_km(
                    ci.unit_lat[u_idx[tied]],
                    ci.unit_lon[u_idx[tied]],
                    ci.unit_lat[s_u],
                    ci.unit_lon[s_u],
                )
                keep[tied] = apart <= spouse_limit[e_idx[tied]]
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
    # each employee's columns come from one block, already in unit order: a stable sort by
    # employee keeps that order
    order = np.argsort(emp, kind="stable")
    emp, unit, dist_after = emp[order], unit[order], dist_after[order]
    rank = np.full(emp.shape[0], -1, dtype=np.int64)
    bonus = np.zeros(emp.shape[0], dtype=np.float64)
    for k in range(ci.aspirations.shape[1]):
        hit = ci.aspirations[emp, k] == unit
        rank[hit] = k
        bonus[hit] = w.aspiration_weight(k)
    cost = (
        w.move
        - ci.move_bonus[emp]
        - bonus
        - w.skill * ci.skill_match(emp, unit)
        + w.distance_per_km * dist_after
        - ci.stay_cost[emp]
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
