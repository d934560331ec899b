"""An instance as numpy arrays: indices, staffing pairs, caps, costs of §3 in vector form."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.domain.eligibility import PersonFacts, RuleSettings, person_blocks, very_willing
from core.rebalance.model import Instance, Policy

EARTH_RADIUS_KM = 6371.0088

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Why an employee may not move at all (index into IMMOVABLE_REASONS; 0 = movable). The codes
# of mutasi-instance/1 keep their indices.
IMMOVABLE_REASONS = (
    "", "TENURE", "LOCKED", "RETIREMENT", "TEACHER_TENURE", "CPNS", "CONTRACT_END", "SKP", "HEAD",
)  # fmt: skip


def rule_settings(policy: Policy) -> RuleSettings:
    """The eligibility settings an instance's policy carries (field by field, so mypy checks
    each name and type)."""
    return RuleSettings(
        min_tenure_months=policy.min_tenure_months,
        teacher_min_tenure_months=policy.teacher_min_tenure_months,
        retirement_guard_months=policy.retirement_guard_months,
        max_tenure_months=policy.max_tenure_months,
        skp_gate=policy.skp_gate,
    )


def immovable_codes(instance: Instance) -> list[str]:
    """Per employee, the first reason (core.domain.eligibility precedence) it may not move, or
    ""."""
    settings = rule_settings(instance.policy)
    special = {u.id for u in instance.units if u.daerah_khusus}
    heads = {h for u in instance.units for h in u.heads}
    out: list[str] = []
    for e in instance.employees:
        facts = PersonFacts(
            status=e.status,
            jenis=e.jenis,
            tenure_months=e.tenure_months,
            months_to_retirement=e.months_to_retirement,
            min_tenure_override=e.min_tenure_months,
            daerah_khusus=e.unit in special,
            locked=e.locked,
            lock_until=e.lock_until,
            contract_end=e.contract_end,
            skp=e.skp,
            is_head=e.id in heads,
        )
        blocks = person_blocks(facts, instance.date, instance.tmt, settings)
        out.append(blocks[0] if blocks else "")
    return out


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in km (Earth radius 6371.0088 km), broadcasting over arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dphi * 0.5) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb * 0.5) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def haversine_scalar_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points, in plain Python."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlmb = math.radians(lon2) - math.radians(lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def imbalance_cost(req: npt.ArrayLike, staff: npt.ArrayLike, policy: Policy) -> FloatArray:
    """§3 imbalance(u, f) for required FTE `req` and whole `staff`, element-wise."""
    w = policy.weights
    req_a = np.asarray(req, dtype=np.float64)
    dev = np.asarray(staff, dtype=np.float64) - req_a
    tol = np.maximum(1.0, w.tolerance_fraction * req_a)
    over = np.maximum(0.0, dev)
    under = np.maximum(0.0, -dev)
    return np.asarray(
        w.over * (np.minimum(over, tol) + w.steep_factor * np.maximum(0.0, over - tol))
        + w.under * (np.minimum(under, tol) + w.steep_factor * np.maximum(0.0, under - tol))
    )


def imbalance_scalar(req: float, staff: int, policy: Policy) -> float:
    """imbalance_cost for one pair, in plain Python (for plan edits, where numpy is overhead)."""
    w = policy.weights
    dev = staff - req
    tol = max(1.0, w.tolerance_fraction * req)
    over, under = max(0.0, dev), max(0.0, -dev)
    return w.over * (min(over, tol) + w.steep_factor * max(0.0, over - tol)) + w.under * (
        min(under, tol) + w.steep_factor * max(0.0, under - tol)
    )


def move_cap(fraction: float, headcount: IntArray, min_cap: int) -> IntArray:
    """max(min_moves_cap, floor(fraction x headcount)) per unit (rules 5 and 6)."""
    return np.asarray(np.maximum(min_cap, np.floor(fraction * headcount)), dtype=np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class CompiledInstance:
    """Index arrays of an instance; pairs are the (unit, family) cells of §3."""

    instance: Instance
    unit_ids: tuple[str, ...]
    families: tuple[str, ...]
    unit_lat: FloatArray
    unit_lon: FloatArray
    has_family: BoolArray  # [unit, family]: the unit's demand lists the family
    pair_of: IntArray  # [unit, family] -> pair index, -1 when the cell is not a pair
    pair_unit: IntArray
    pair_family: IntArray
    pair_req: FloatArray
    pair_base: IntArray  # staff before the plan
    emp_unit: IntArray
    emp_family: IntArray
    emp_pair: IntArray
    home_lat: FloatArray
    home_lon: FloatArray
    immovable: IntArray  # index into IMMOVABLE_REASONS
    only_wish: BoolArray  # willingness 1: moves only to an aspiration
    move_bonus: FloatArray  # lowers the move cost: very willing, long tenure
    banned: IntArray  # sorted codes e * n_units + u of moves into a unit the spouse heads
    aspirations: IntArray  # [employee, rank] unit index, -1 when none
    spouse: IntArray  # employee index, -1 when none
    emp_skill_bits: npt.NDArray[np.uint64]  # [employee, word]
    unit_skill_bits: npt.NDArray[np.uint64]  # [unit, word]
    headcount: IntArray
    arrivals_cap: IntArray
    departures_cap: IntArray
    total_cap: int | None
    home_to_origin_km: FloatArray
    stay_cost: FloatArray  # person(e) when staying
    spouse_limit: FloatArray  # rule 8's distance per employee with a spouse (inf without)

    @property
    def movable(self) -> BoolArray:
        """Employees rule 1 lets move."""
        return np.asarray(self.immovable == 0)

    @property
    def n_employees(self) -> int:
        """Number of employees."""
        return int(self.emp_unit.shape[0])

    @property
    def n_pairs(self) -> int:
        """Number of (unit, family) pairs."""
        return int(self.pair_unit.shape[0])

    def skill_match(self, emp: IntArray, unit: IntArray) -> IntArray:
        """|skills(e) ∩ skills_needed(u)| element-wise."""
        both = self.emp_skill_bits[emp] & self.unit_skill_bits[unit]
        return np.asarray(np.bitwise_count(both).sum(axis=-1), dtype=np.int64)

    def home_distance(self, emp: IntArray, unit: IntArray) -> FloatArray:
        """d(e, u) element-wise."""
        return haversine_km(
            self.home_lat[emp], self.home_lon[emp], self.unit_lat[unit], self.unit_lon[unit]
        )

    def unit_distance(self, u: IntArray | int, v: IntArray | int) -> FloatArray:
        """d(u, v) element-wise."""
        return haversine_km(self.unit_lat[u], self.unit_lon[u], self.unit_lat[v], self.unit_lon[v])

    def person_cost(self, emp: IntArray, unit: IntArray) -> FloatArray:
        """§3 person(e) if e ends in `unit`, element-wise."""
        w = self.instance.policy.weights
        moved = unit != self.emp_unit[emp]
        asp_bonus = np.zeros(emp.shape[0], dtype=np.float64)
        for k in range(self.aspirations.shape[1]):
            hit = moved & (self.aspirations[emp, k] == unit)
            asp_bonus[hit] = w.aspiration_weight(k)
        return np.asarray(
            w.move * moved
            - self.move_bonus[emp] * moved
            - asp_bonus
            - w.skill * self.skill_match(emp, unit)
            + w.distance_per_km * self.home_distance(emp, unit)
        )

    def pair_imbalance(self, pair: IntArray, staff: npt.ArrayLike) -> FloatArray:
        """§3 imbalance of `pair` at whole `staff`, element-wise."""
        return imbalance_cost(self.pair_req[pair], staff, self.instance.policy)

    def staff_of(self, assignment: IntArray) -> IntArray:
        """Staff per pair for a complete assignment (employee -> unit index)."""
        pairs = self.pair_of[assignment, self.emp_family]
        if (pairs < 0).any():
            raise ValueError("assignment puts an employee in a unit that does not employ them")
        return np.bincount(pairs, minlength=self.n_pairs).astype(np.int64)

    def objective(self, assignment: IntArray) -> float:
        """§3 objective of a complete assignment, from the arrays."""
        staff = self.staff_of(assignment)
        emp = np.arange(self.n_employees)
        return float(
            self.pair_imbalance(np.arange(self.n_pairs), staff).sum()
            + self.person_cost(emp, assignment).sum()
        )

    def spouse_heads(self, e: int, u: int) -> bool:
        """Whether unit u is headed by e's spouse (never a destination for e)."""
        code = e * len(self.unit_ids) + u
        i = int(np.searchsorted(self.banned, code))
        return i < self.banned.shape[0] and int(self.banned[i]) == code

    def spouse_limit_km(self, e: int) -> float:
        """max(spouse_max_distance_km, d(unit(e), unit(spouse))) for rule 8."""
        return float(self.spouse_limit[e])


def compile_instance(instance: Instance) -> CompiledInstance:
    """Turn a checked instance into index arrays (no solving happens here)."""
    policy = instance.policy
    unit_ids = tuple(u.id for u in instance.units)
    unit_index = {uid: i for i, uid in enumerate(unit_ids)}
    fam_set = {f for u in instance.units for f in u.demand} | {
        e.family for e in instance.employees
    }
    families = tuple(sorted(fam_set))
    fam_index = {f: i for i, f in enumerate(families)}
    m, nf, n = len(unit_ids), len(families), len(instance.employees)

    has_family = np.zeros((m, nf), dtype=bool)
    req = np.zeros((m, nf), dtype=np.float64)
    for i, u in enumerate(instance.units):
        for f, value in u.demand.items():
            has_family[i, fam_index[f]] = True
            req[i, fam_index[f]] = value

    emp_unit = np.fromiter((unit_index[e.unit] for e in instance.employees), np.int64, n)
    emp_family = np.fromiter((fam_index[e.family] for e in instance.employees), np.int64, n)
    present = has_family.copy()
    present[emp_unit, emp_family] = True
    pair_unit, pair_family = np.nonzero(present)
    pair_of = np.full((m, nf), -1, dtype=np.int64)
    pair_of[pair_unit, pair_family] = np.arange(pair_unit.shape[0])
    emp_pair = pair_of[emp_unit, emp_family]
    pair_base = np.bincount(emp_pair, minlength=pair_unit.shape[0]).astype(np.int64)

    skill_names = sorted(
        {s for u in instance.units for s in u.skills_needed}
        | {s for e in instance.employees for s in e.skills}
    )
    skill_index = {s: i for i, s in enumerate(skill_names)}
    words = max(1, (len(skill_names) + 63) // 64)

    def bits(skills: tuple[str, ...]) -> list[int]:
        out = [0] * words
        for s in skills:
            k = skill_index[s]
            out[k // 64] |= 1 << (k % 64)
        return out

    emp_bits = np.array([bits(e.skills) for e in instance.employees], dtype=np.uint64).reshape(
        n, words
    )
    unit_bits = np.array([bits(u.skills_needed) for u in instance.units], dtype=np.uint64).reshape(
        m, words
    )

    code_index = {code: i for i, code in enumerate(IMMOVABLE_REASONS)}
    immovable = np.fromiter((code_index[c] for c in immovable_codes(instance)), np.int64, n)
    settings = rule_settings(policy)
    w = policy.weights
    only_wish = np.fromiter((e.willingness == 1 for e in instance.employees), bool, n)
    move_bonus = np.fromiter(
        (
            (w.very_willing if very_willing(e.willingness) else 0.0)
            + (w.long_tenure if e.tenure_months > settings.max_tenure_months else 0.0)
            for e in instance.employees
        ),
        np.float64,
        n,
    )

    aspirations = np.full((n, 3), -1, dtype=np.int64)
    emp_index = {e.id: i for i, e in enumerate(instance.employees)}
    spouse = np.full(n, -1, dtype=np.int64)
    for i, e in enumerate(instance.employees):
        for k, a in enumerate(e.aspirations[:3]):
            aspirations[i, k] = unit_index[a]
        if e.spouse is not None:
            spouse[i] = emp_index[e.spouse]
    banned_codes: list[int] = []
    for u_i, u in enumerate(instance.units):
        for head in u.heads:
            partner = instance.employees[emp_index[head]].spouse if head in emp_index else None
            if partner is not None and partner in emp_index:
                banned_codes.append(emp_index[partner] * m + u_i)

    headcount = np.bincount(emp_unit, minlength=m).astype(np.int64)
    home_lat = np.fromiter((e.home_lat for e in instance.employees), np.float64, n)
    home_lon = np.fromiter((e.home_lon for e in instance.employees), np.float64, n)
    unit_lat = np.fromiter((u.lat for u in instance.units), np.float64, m)
    unit_lon = np.fromiter((u.lon for u in instance.units), np.float64, m)
    home_to_origin = haversine_km(home_lat, home_lon, unit_lat[emp_unit], unit_lon[emp_unit])
    both = emp_bits & unit_bits[emp_unit]
    match = np.bitwise_count(both).sum(axis=-1)
    stay_cost = -w.skill * match + w.distance_per_km * home_to_origin

    has_spouse = spouse >= 0
    partner_unit = emp_unit[np.where(has_spouse, spouse, 0)]
    apart = haversine_km(
        unit_lat[emp_unit], unit_lon[emp_unit], unit_lat[partner_unit], unit_lon[partner_unit]
    )
    spouse_limit = np.where(
        has_spouse, np.maximum(policy.spouse_max_distance_km, apart), np.inf
    ).astype(np.float64)
    return CompiledInstance(
        instance=instance,
        unit_ids=unit_ids,
        families=families,
        unit_lat=unit_lat,
        unit_lon=unit_lon,
        has_family=has_family,
        pair_of=pair_of,
        pair_unit=pair_unit.astype(np.int64),
        pair_family=pair_family.astype(np.int64),
        pair_req=req[pair_unit, pair_family],
        pair_base=pair_base,
        emp_unit=emp_unit,
        emp_family=emp_family,
        emp_pair=emp_pair,
        home_lat=home_lat,
        home_lon=home_lon,
        immovable=immovable,
        only_wish=only_wish,
        move_bonus=move_bonus,
        banned=np.unique(np.asarray(banned_codes, dtype=np.int64)),
        aspirations=aspirations,
        spouse=spouse,
        emp_skill_bits=emp_bits,
        unit_skill_bits=unit_bits,
        headcount=headcount,
        arrivals_cap=move_cap(policy.arrivals_fraction, headcount, policy.min_moves_cap),
        departures_cap=move_cap(policy.departures_fraction, headcount, policy.min_moves_cap),
        total_cap=policy.max_total_moves,
        home_to_origin_km=home_to_origin,
        stay_cost=np.asarray(stay_cost, dtype=np.float64),
        spouse_limit=spouse_limit,
    )
