"""Pricing over every allowed move without listing them: the cheapest moves per employee.

A move's reduced cost (or any price of the same shape) splits into a part of the employee, a
part of the destination (its (unit, family) pair and unit), the skill match and the distance
from home:

    price(e, u) = emp_const[e] + pair_key[pair(u, f(e))] + unit_key[u]
                  - w_skill * |skills(e) & skills_needed(u)| + w_dist * d(home(e), u)
                  (+ spouse_term(e, u) for couples whose both members may move)

Employees are grouped by (family, skill set); a group's destinations are sorted by the
destination part `key(u)` (pair key + unit key - skill term). The distance term is never
negative, so price(e, u) >= emp_const[e] + key(u) - shift[e] (shift[e] >= 0 bounds the
spouse term from below): only the destinations in a prefix of the sorted order can price below
a threshold, and after a first look at the `PROBE` cheapest keys the prefix shrinks to those
whose key is below the k-th best price found. This is the threshold algorithm of top-k
retrieval (Fagin, Lotem and Naor, "Optimal aggregation algorithms for middleware", JCSS 66,
2003) over one sorted list plus a bounded term. Work is the sum of the prefixes, not
employees x units: what is left out is proven no cheaper than what is returned.

Aspirations are left out here (their bonus breaks the split): the solver always holds every
allowed aspiration move as a column and prices it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.rebalance.candidates import MoveRules, allowed_pairs
from core.rebalance.compiled import BoolArray, CompiledInstance, FloatArray, IntArray, haversine_km

PROBE = 24  # sorted destinations priced first per employee, to shrink the prefix
BLOCK_PAIRS = 2_000_000  # (employee, destination) pairs priced at once, to keep memory flat

SpouseTerm = Callable[[IntArray, IntArray], FloatArray]


@dataclass(frozen=True, slots=True, eq=False)
class Group:
    """Employees of one family with one skill set, and the units employing that family."""

    family: int
    employees: IntArray
    units: IntArray
    skill_match: IntArray  # per unit of `units`


@dataclass(frozen=True, slots=True, eq=False)
class PricingIndex:
    """The static part of pricing: groups of employees who may move beyond their aspirations."""

    groups: tuple[Group, ...]
    rules: MoveRules


@dataclass(frozen=True, slots=True, eq=False)
class Priced:
    """The cheapest non-aspiration moves below the threshold, up to k per employee."""

    emp: IntArray
    unit: IntArray
    price: FloatArray
    dist: FloatArray  # d(home(e), u) in km
    min_price: FloatArray  # per employee: cheapest price found below threshold, else +inf


def build_index(ci: CompiledInstance, rules: MoveRules) -> PricingIndex:
    """Group the employees who may move to non-aspiration units (rule 1 lets them move, their
    willingness is above 1 and the policy is not voluntary-only)."""
    if ci.instance.policy.voluntary_only:
        return PricingIndex((), rules)
    free = np.nonzero(ci.movable & ~ci.only_wish)[0]
    if free.shape[0] == 0:
        return PricingIndex((), rules)
    bits = ci.emp_skill_bits[free]
    keys = np.concatenate([ci.emp_family[free][:, None].astype(np.uint64), bits], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(uniq.shape[0] + 1))
    groups: list[Group] = []
    for g in range(uniq.shape[0]):
        f = int(uniq[g, 0])
        units = np.nonzero(ci.has_family[:, f])[0].astype(np.int64)
        if units.shape[0] == 0:
            continue
        both = ci.unit_skill_bits[units] & uniq[g, 1:][None, :]
        match = np.asarray(np.bitwise_count(both).sum(axis=1), dtype=np.int64)
        emps = free[order[bounds[g] : bounds[g + 1]]].astype(np.int64)
        groups.append(Group(f, emps, units, match))
    return PricingIndex(tuple(groups), rules)


def _top_k(emp: IntArray, price: FloatArray, k: int) -> IntArray:
    """Indices of the k lowest prices per employee."""
    if emp.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((price, emp))
    e = emp[order]
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = e[1:] != e[:-1]
    group_start = np.maximum.accumulate(np.where(first, np.arange(order.shape[0]), 0))
    return order[(np.arange(order.shape[0]) - group_start) < k]


def price_moves(
    ci: CompiledInstance,
    index: PricingIndex,
    pair_key: FloatArray,
    unit_key: FloatArray,
    emp_const: FloatArray,
    threshold: FloatArray,
    k: int,
    shift: FloatArray | None = None,
    spouse_term: SpouseTerm | None = None,
    spouse_emp: BoolArray | None = None,
) -> Priced:
    """Up to k cheapest allowed non-aspiration moves per employee with price < threshold[e].

    Shapes: pair_key (n_pairs,), unit_key (n_units,), emp_const / threshold / shift
    (n_employees,). `spouse_term(emp, unit)` adds the exact spouse part for the employees
    flagged in `spouse_emp`; `shift[e] >= 0` must bound that part from below (-shift[e]).
    Every allowed non-aspiration move not returned for e prices at least the k-th price
    returned for e (or at least threshold[e] when fewer than k are returned).
    """
    w = ci.instance.policy.weights
    n = ci.n_employees
    sh = np.zeros(n) if shift is None else shift
    min_price = np.full(n, np.inf)
    out_e: list[IntArray] = []
    out_u: list[IntArray] = []
    out_p: list[FloatArray] = []
    out_d: list[FloatArray] = []
    for g in index.groups:
        pairs = ci.pair_of[g.units, g.family]
        key = pair_key[pairs] + unit_key[g.units] - w.skill * g.skill_match
        order = np.argsort(key, kind="stable")
        keys, units = key[order], g.units[order]
        emps = g.employees
        limit = threshold[emps] - emp_const[emps] + sh[emps]
        width = np.searchsorted(keys, limit, side="left")
        emps, limit, width = emps[width > 0], limit[width > 0], width[width > 0]
        if emps.shape[0] == 0:
            continue
        # first look: the PROBE (at least k) cheapest keys of each employee
        first = np.minimum(width, max(PROBE, k))
        e1, u1, p1, d1 = _price_prefix(
            ci, index.rules, emps, np.zeros_like(first), first, keys, units, emp_const,
            spouse_term, spouse_emp,
        )  # fmt: skip
        kth = _kth_price(emps, e1, p1, k, n)
        # the rest of the prefix only where a key there can still beat the k-th price found
        rest_limit = np.minimum(limit, kth[emps] - emp_const[emps] + sh[emps])
        rest_width = np.maximum(first, np.searchsorted(keys, rest_limit, side="left"))
        more = rest_width > first
        e2, u2, p2, d2 = _price_prefix(
            ci, index.rules, emps[more], first[more], rest_width[more], keys, units, emp_const,
            spouse_term, spouse_emp,
        )  # fmt: skip
        e_all = np.concatenate([e1, e2])
        p_all = np.concatenate([p1, p2])
        below = p_all < threshold[e_all]
        idx = np.nonzero(below)[0]
        top = idx[_top_k(e_all[idx], p_all[idx], k)]
        out_e.append(e_all[top])
        out_u.append(np.concatenate([u1, u2])[top])
        out_p.append(p_all[top])
        out_d.append(np.concatenate([d1, d2])[top])
        np.minimum.at(min_price, e_all[top], p_all[top])
    if not out_e:
        z = np.zeros(0, dtype=np.int64)
        return Priced(z, z, np.zeros(0), np.zeros(0), min_price)
    return Priced(
        np.concatenate(out_e),
        np.concatenate(out_u),
        np.concatenate(out_p),
        np.concatenate(out_d),
        min_price,
    )


def _kth_price(emps: IntArray, e: IntArray, p: FloatArray, k: int, n: int) -> FloatArray:
    """Per employee, the k-th lowest price among the priced moves (+inf when fewer)."""
    kth = np.full(n, np.inf)
    if e.shape[0] == 0:
        return kth
    order = np.lexsort((p, e))
    es = e[order]
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = es[1:] != es[:-1]
    group_start = np.maximum.accumulate(np.where(first, np.arange(order.shape[0]), 0))
    rank = np.arange(order.shape[0]) - group_start
    hit = rank == k - 1
    kth[es[hit]] = p[order][hit]
    return kth


def _price_prefix(
    ci: CompiledInstance,
    rules: MoveRules,
    emps: IntArray,
    lo: IntArray,
    hi: IntArray,
    keys: FloatArray,
    units: IntArray,
    emp_const: FloatArray,
    spouse_term: SpouseTerm | None,
    spouse_emp: BoolArray | None,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Exact prices of the allowed non-aspiration moves at sorted positions lo..hi-1 of each
    employee, in blocks of at most BLOCK_PAIRS pairs."""
    w = ci.instance.policy.weights
    parts: list[tuple[IntArray, IntArray, FloatArray, FloatArray]] = []
    width = hi - lo
    ends = np.cumsum(width)
    start = 0
    while start < emps.shape[0]:
        base = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + BLOCK_PAIRS, side="right")))
        sel = slice(start, stop)
        wsel = width[sel]
        e_idx = np.repeat(emps[sel], wsel)
        offsets = np.cumsum(wsel) - wsel
        pos = np.arange(e_idx.shape[0]) - np.repeat(offsets, wsel) + np.repeat(lo[sel], wsel)
        u_idx = units[pos]
        dist = haversine_km(
            ci.home_lat[e_idx], ci.home_lon[e_idx], ci.unit_lat[u_idx], ci.unit_lon[u_idx]
        )
        wished = (ci.aspirations[e_idx] == u_idx[:, None]).any(axis=1)
        keep = ~wished & allowed_pairs(ci, rules, e_idx, u_idx, dist, wished)
        e_idx, u_idx, dist, pos = e_idx[keep], u_idx[keep], dist[keep], pos[keep]
        price = emp_const[e_idx] + keys[pos] + w.distance_per_km * dist
        if spouse_term is not None and spouse_emp is not None:
            tied = np.nonzero(spouse_emp[e_idx])[0]
            if tied.shape[0]:
                price[tied] += spouse_term(e_idx[tied], u_idx[tied])
        parts.append((e_idx, u_idx, price, dist))
        start = stop
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0), np.zeros(0)
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )
