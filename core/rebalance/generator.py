"""Seeded synthetic instances for tests and benchmarks (sizes S, M, L, XL of the targets in
docs/optimisation.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.rebalance.compiled import haversine_km
from core.rebalance.model import Employee, Instance, Policy, Unit


@dataclass(frozen=True, slots=True)
class BenchSize:
    """A named instance size."""

    name: str
    employees: int
    units: int


BENCH_SIZES = {
    "S": BenchSize("S", 500, 20),
    "M": BenchSize("M", 5_000, 120),
    "L": BenchSize("L", 20_000, 400),
    "XL": BenchSize("XL", 100_000, 2_000),
}

# Kinds of unit and the job families each employs.
UNIT_KINDS = (
    ("PKM", ("kesehatan", "administrasi")),
    ("SD", ("pendidikan", "administrasi")),
    ("SMP", ("pendidikan", "administrasi", "keuangan")),
    ("KEC", ("administrasi", "keuangan", "perencanaan")),
    ("DINAS", ("administrasi", "keuangan", "perencanaan", "teknis")),
    ("RSUD", ("kesehatan", "administrasi", "keuangan", "teknis")),
)
KIND_WEIGHTS = (0.25, 0.3, 0.15, 0.15, 0.1, 0.05)
SKILLS = {
    "kesehatan": ("keperawatan", "kebidanan", "farmasi", "gizi", "laboratorium", "rekam-medis"),
    "pendidikan": ("matematika", "bahasa", "ipa", "ips", "olahraga", "bk"),
    "administrasi": ("arsip", "kepegawaian", "umum", "humas", "data"),
    "keuangan": ("akuntansi", "pajak", "aset", "pengadaan"),
    "perencanaan": ("anggaran", "statistik", "evaluasi"),
    "teknis": ("sipil", "listrik", "it", "lingkungan"),
}
CENTRE_LAT, CENTRE_LON = -7.5, 110.5


def generate_instance(
    employees: int, units: int, seed: int = 0, policy: Policy | None = None
) -> Instance:
    """A plausible agency: clustered towns, log-normal ABK demand, noisy staffing, aspirations."""
    rng = np.random.default_rng(seed)
    # Region grows with the number of units so that density stays like a kabupaten's.
    side_km = 40.0 * math.sqrt(units / 20.0)
    n_towns = max(2, units // 12)
    town_xy = rng.uniform(0, side_km, size=(n_towns, 2))
    town_of_unit = rng.integers(0, n_towns, size=units)
    spread = rng.exponential(3.0, size=units)[:, None]
    xy = town_xy[town_of_unit] + rng.normal(0, 1, size=(units, 2)) * spread
    km_per_deg = 111.2
    u_lat = CENTRE_LAT + (xy[:, 1] - side_km / 2) / km_per_deg
    km_per_lon_deg = km_per_deg * math.cos(math.radians(CENTRE_LAT))
    u_lon = CENTRE_LON + (xy[:, 0] - side_km / 2) / km_per_lon_deg
    kinds = rng.choice(len(UNIT_KINDS), size=units, p=KIND_WEIGHTS)

    # Demand per (unit, family), log-normal, then staffing with about +-20% noise.
    cells: list[tuple[int, str]] = []
    for u in range(units):
        for fam in UNIT_KINDS[kinds[u]][1]:
            cells.append((u, fam))
    raw = rng.lognormal(mean=0.0, sigma=0.7, size=len(cells))
    demand = raw * (employees / raw.sum())
    # Staffing noise of about +-20%: part shared by a town (cities attract staff, remote towns
    # lose them), part per cell. The shared part is what makes exchange chains necessary.
    town_effect = rng.normal(0, 0.15, size=n_towns)
    cell_town = town_of_unit[np.array([c[0] for c in cells])]
    factor = 1.0 + town_effect[cell_town] + rng.normal(0, 0.13, size=len(cells))
    staff = np.maximum(0, np.rint(demand * factor)).astype(int)
    diff = employees - int(staff.sum())
    while diff != 0:
        i = int(rng.integers(0, len(cells)))
        if diff > 0:
            staff[i] += 1
            diff -= 1
        elif staff[i] > 0:
            staff[i] -= 1
            diff += 1

    unit_rows: list[Unit] = []
    unit_ids = [f"{UNIT_KINDS[kinds[u]][0]}-{u:05d}" for u in range(units)]
    demand_of: list[dict[str, float]] = [{} for _ in range(units)]
    for (u, fam), d in zip(cells, demand, strict=True):
        demand_of[u][fam] = round(float(d), 2)
    for u in range(units):
        fams = UNIT_KINDS[kinds[u]][1]
        skill_pool = [s for f in fams for s in SKILLS[f]]
        size = min(len(skill_pool), int(rng.integers(1, 4)))
        needed = tuple(sorted(rng.choice(skill_pool, size=size, replace=False).tolist()))
        unit_rows.append(
            Unit(
                id=unit_ids[u],
                name=f"{UNIT_KINDS[kinds[u]][0]} {u}",
                lat=round(float(u_lat[u]), 6),
                lon=round(float(u_lon[u]), 6),
                skills_needed=needed,
                demand=demand_of[u],
            )
        )

    emp_unit = np.repeat([c[0] for c in cells], staff)
    emp_family = np.repeat(np.arange(len(cells)), staff)
    fam_names = [cells[i][1] for i in emp_family]
    n = int(emp_unit.shape[0])
    home_lat = u_lat[emp_unit] + rng.normal(0, 6.0, n) / km_per_deg
    home_lon = u_lon[emp_unit] + rng.normal(0, 6.0, n) / km_per_deg
    tenure = np.rint(rng.exponential(54.0, n)).astype(int)
    to_retire = rng.integers(1, 420, n)
    near_retire = rng.random(n) < 0.03
    to_retire[near_retire] = rng.integers(1, 12, int(near_retire.sum()))
    locked = rng.random(n) < 0.01
    ids = [f"{198001012005011001 + 7919 * i:018d}" for i in range(n)]

    # Units that employ each family, for aspirations.
    by_family: dict[str, np.ndarray] = {}
    for fam in SKILLS:
        by_family[fam] = np.array([u for u in range(units) if fam in demand_of[u]], dtype=int)

    aspirations: list[tuple[str, ...]] = [()] * n
    wants = np.nonzero(rng.random(n) < 0.4)[0]
    for i in wants.tolist():
        fam = fam_names[i]
        pool = by_family[fam]
        if rng.random() < 0.05:
            pool = np.arange(units)
        pool = pool[pool != emp_unit[i]]
        if pool.shape[0] == 0:
            continue
        d = haversine_km(home_lat[i], home_lon[i], u_lat[pool], u_lon[pool])
        weight = np.exp(-d / 15.0) + (0.02 if rng.random() < 0.1 else 0.0)
        weight = weight / weight.sum()
        k = min(pool.shape[0], int(rng.integers(1, 4)))
        chosen = rng.choice(pool, size=k, replace=False, p=weight)
        aspirations[i] = tuple(unit_ids[c] for c in chosen.tolist())

    spouse: list[str | None] = [None] * n
    couples = int(n * 0.01)
    order = rng.permutation(n)
    used: set[int] = set()
    for a in order[:couples].tolist():
        if a in used:
            continue
        d = haversine_km(u_lat[emp_unit[a]], u_lon[emp_unit[a]], u_lat[emp_unit], u_lon[emp_unit])
        near = np.nonzero(d < 20.0)[0]
        near = near[[j not in used and j != a for j in near.tolist()]]
        if near.shape[0] == 0:
            continue
        b = int(rng.choice(near))
        used |= {a, b}
        spouse[a], spouse[b] = ids[b], ids[a]

    emp_rows = []
    for i in range(n):
        fam = fam_names[i]
        k = int(rng.integers(1, 3))
        skills = tuple(sorted(rng.choice(SKILLS[fam], size=k, replace=False).tolist()))
        emp_rows.append(
            Employee(
                id=ids[i],
                unit=unit_ids[emp_unit[i]],
                family=fam,
                skills=skills,
                home_lat=round(float(home_lat[i]), 6),
                home_lon=round(float(home_lon[i]), 6),
                tenure_months=int(tenure[i]),
                months_to_retirement=int(to_retire[i]),
                locked=bool(locked[i]),
                aspirations=aspirations[i],
                spouse=spouse[i],
            )
        )
    return Instance(policy or Policy(), tuple(unit_rows), tuple(emp_rows))


def generate_bench_instance(size: str, seed: int = 0) -> Instance:
    """The benchmark instance of a named size (S, M, L, XL)."""
    spec = BENCH_SIZES[size.upper()]
    return generate_instance(spec.employees, spec.units, seed=seed)
