"""A plan being edited: staff counts, caps in use, and exact objective change of any edit."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from core.rebalance.candidates import Columns
from core.rebalance.compiled import (
    CompiledInstance,
    IntArray,
    haversine_scalar_km,
    imbalance_scalar,
)


class PlanState:
    """Mutable plan with counters kept in step, for descent, repairs and explanations."""

    def __init__(self, ci: CompiledInstance, cols: Columns, assignment: IntArray | None = None):
        self.ci = ci
        self.cols = cols
        self.assign = (ci.emp_unit if assignment is None else assignment).astype(np.int64).copy()
        self.staff = ci.staff_of(self.assign)
        moved = self.assign != ci.emp_unit
        m = len(ci.unit_ids)
        self.arrivals = np.bincount(self.assign[moved], minlength=m).astype(np.int64)
        self.departures = np.bincount(ci.emp_unit[moved], minlength=m).astype(np.int64)
        self.moves = int(moved.sum())
        self._policy = ci.instance.policy
        self._cost_cache: dict[tuple[int, int], float] = {}
        self._limit_cache: dict[int, float] = {}

    def imbalance(self, pair: int, staff: int) -> float:
        """§3 imbalance of one pair at a whole staff number."""
        return imbalance_scalar(float(self.ci.pair_req[pair]), staff, self._policy)

    def person(self, e: int, u: int) -> float:
        """§3 person(e) if e ends in unit u (u must be home or an allowed destination)."""
        base = float(self.ci.stay_cost[e])
        if u == int(self.ci.emp_unit[e]):
            return base
        key = (e, u)
        if key in self._cost_cache:
            return base + self._cost_cache[key]
        j = self.cols.find(e, u)
        if j >= 0:
            self._cost_cache[key] = float(self.cols.cost[j])
        if j < 0:
            raise ValueError(f"employee {e} may not move to unit {u}")
        return base + float(self.cols.cost[j])

    def spouse_limit(self, e: int) -> float:
        """Rule 8's distance limit for e and their spouse (cached)."""
        if e not in self._limit_cache:
            self._limit_cache[e] = self.ci.spouse_limit_km(e)
        return self._limit_cache[e]

    def pair_of(self, e: int, u: int) -> int:
        """The (unit, family) pair e counts in when in unit u."""
        return int(self.ci.pair_of[u, self.ci.emp_family[e]])

    def delta(self, changes: list[tuple[int, int]]) -> float:
        """Exact objective change if each employee e in `changes` is reassigned to its unit."""
        counts: dict[int, int] = defaultdict(int)
        total = 0.0
        for e, u in changes:
            cur = int(self.assign[e])
            if cur == u:
                continue
            total += self.person(e, u) - self.person(e, cur)
            counts[self.pair_of(e, cur)] -= 1
            counts[self.pair_of(e, u)] += 1
        for p, change in counts.items():
            if change:
                s = int(self.staff[p])
                total += self.imbalance(p, s + change) - self.imbalance(p, s)
        return total

    def broken_rules(self, changes: list[tuple[int, int]]) -> list[str]:
        """Plan-wide rules (5-8) the plan would break after the changes, as reason codes."""
        ci = self.ci
        arr: dict[int, int] = defaultdict(int)
        dep: dict[int, int] = defaultdict(int)
        moves = 0
        new_unit = {e: u for e, u in changes}
        for e, u in changes:
            home, cur = int(ci.emp_unit[e]), int(self.assign[e])
            if cur == u:
                continue
            if cur != home:
                arr[cur] -= 1
                dep[home] -= 1
                moves -= 1
            if u != home:
                arr[u] += 1
                dep[home] += 1
                moves += 1
        broken: list[str] = []
        if any(c > 0 and self.arrivals[u] + c > ci.arrivals_cap[u] for u, c in arr.items()):
            broken.append("ARRIVALS_CAP")
        if any(c > 0 and self.departures[u] + c > ci.departures_cap[u] for u, c in dep.items()):
            broken.append("DEPARTURES_CAP")
        for e in new_unit:
            s = int(ci.spouse[e])
            if s < 0:
                continue
            ue = new_unit.get(e, int(self.assign[e]))
            us = new_unit.get(s, int(self.assign[s]))
            apart = haversine_scalar_km(
                float(ci.unit_lat[ue]),
                float(ci.unit_lon[ue]),
                float(ci.unit_lat[us]),
                float(ci.unit_lon[us]),
            )
            if apart > self.spouse_limit(e) + 1e-9:
                broken.append("SPOUSE")
                break
        if ci.total_cap is not None and moves > 0 and self.moves + moves > ci.total_cap:
            broken.append("TOTAL_MOVES_CAP")
        return broken

    def apply(self, changes: list[tuple[int, int]]) -> None:
        """Reassign employees, keeping every counter in step."""
        ci = self.ci
        for e, u in changes:
            home, cur = int(ci.emp_unit[e]), int(self.assign[e])
            if cur == u:
                continue
            self.staff[self.pair_of(e, cur)] -= 1
            self.staff[self.pair_of(e, u)] += 1
            if cur != home:
                self.arrivals[cur] -= 1
                self.departures[home] -= 1
                self.moves -= 1
            if u != home:
                self.arrivals[u] += 1
                self.departures[home] += 1
                self.moves += 1
            self.assign[e] = u
