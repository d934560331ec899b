"""Instance and solution types of the optimisation contract (docs/optimisation.md).

`mutasi-instance/2` and `mutasi-solution/2` round-trip through `from_json`/`to_json`;
`mutasi-instance/1` documents still read, with every /2 field at its neutral value (so they
solve to exactly the plan they always did), and `mutasi-solution/1` documents still read. A
malformed instance raises `InstanceError` listing every problem found; nothing is solved.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from core.domain import JsonValue
from core.domain.errors import InvalidInput
from core.rebalance.documents import (
    AlternativeDocument,
    ExplanationDocument,
    InstanceDocument,
    MoveDocument,
    NotGrantedDocument,
    SideDocument,
    SolutionDocument,
    SolveStats,
)

INSTANCE_FORMAT = "mutasi-instance/2"
INSTANCE_FORMAT_V1 = "mutasi-instance/1"
SOLUTION_FORMAT = "mutasi-solution/2"
SOLUTION_FORMATS = ("mutasi-solution/1", SOLUTION_FORMAT)
MAX_ASPIRATIONS = 3
STATUSES = ("PNS", "PPPK", "CPNS")
JENIS_VALUES = ("guru", "kesehatan", "umum")
SKP_VALUES = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
_Entry = TypeVar("_Entry")  # a parsed entry of an instance's list (Unit or Employee)
#: Weights a /2 document gets when it leaves them out (a /1 document: 0, they did not exist).
V2_WEIGHT_DEFAULTS = {"very_willing": 10.0, "long_tenure": 10.0}


class InstanceError(InvalidInput):
    """The instance is malformed; `problems` says every place where and what is wrong."""

    key = "error.rebalance.instance"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(self.problems[:20])
        more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
        super().__init__(f"malformed instance: {shown}{more}", problems=shown + more)


@dataclass(frozen=True, slots=True)
class Weights:
    """The objective's weights (docs/optimisation.md, instance format and objective); policy an
    agency may change."""

    over: float = 100.0
    under: float = 150.0
    steep_factor: float = 3.0
    tolerance_fraction: float = 0.10
    move: float = 30.0
    aspiration: tuple[float, ...] = (40.0, 25.0, 10.0)
    skill: float = 5.0
    distance_per_km: float = 0.1
    very_willing: float = 0.0  # move cost lowered for willingness 3 (/2 default 10)
    long_tenure: float = 0.0  # move cost lowered above max_tenure_months (/2 default 10)

    def aspiration_weight(self, rank0: int) -> float:
        """Weight of the aspiration at 0-based rank (0 when the policy lists fewer)."""
        return self.aspiration[rank0] if rank0 < len(self.aspiration) else 0.0


@dataclass(frozen=True, slots=True)
class Policy:
    """Who may move and how far, plan-wide caps, and the weights (docs/optimisation.md,
    instance format and allowed moves)."""

    min_tenure_months: float = 24
    retirement_guard_months: float = 12
    max_home_distance_km: float = 120.0
    spouse_max_distance_km: float = 40.0
    arrivals_fraction: float = 0.12
    departures_fraction: float = 0.12
    min_moves_cap: int = 2
    max_total_moves: int | None = None
    voluntary_only: bool = False
    teacher_min_tenure_months: float = 48
    max_tenure_months: float = 60
    skp_gate: bool = True
    weights: Weights = field(default_factory=Weights)


@dataclass(frozen=True, slots=True)
class Unit:
    """A work unit of an instance: where it is, what skills it needs, its FTE demand per family."""

    id: str
    name: str
    lat: float
    lon: float
    skills_needed: tuple[str, ...] = ()
    demand: Mapping[str, float] = field(default_factory=dict)
    daerah_khusus: bool = False
    heads: tuple[str, ...] = ()  # employee ids of the unit's head(s)


@dataclass(frozen=True, slots=True)
class Employee:
    """An employee of an instance, as the optimiser sees them."""

    id: str
    unit: str
    family: str
    skills: tuple[str, ...] = ()
    home_lat: float = 0.0
    home_lon: float = 0.0
    tenure_months: float = 0.0
    months_to_retirement: float = 1e9
    locked: bool = False
    aspirations: tuple[str, ...] = ()
    spouse: str | None = None
    status: str = "PNS"  # PNS | PPPK | CPNS
    jenis: str = "umum"  # guru | kesehatan | umum
    min_tenure_months: float | None = None  # the jabatan's own minimum (catalogue)
    lock_until: dt.date | None = None  # a lock ends on this day (None: until lifted)
    contract_end: dt.date | None = None  # PPPK: no move with a TMT after this day
    skp: tuple[str | None, ...] = ()  # last two SKP ratings, newest first
    willingness: int | None = None  # 1 only my choices, 2 willing, 3 very willing
    aspiration_reason: str | None = None  # career | family | health | home | other


@dataclass(frozen=True, slots=True)
class Instance:
    """A rebalancing problem: policy, units and employees (`mutasi-instance/2`).

    `date` is the plan's day (dated locks end on it), `tmt` the latest day a move of this plan
    can take effect (PPPK contract ends are checked against it).
    """

    policy: Policy
    units: tuple[Unit, ...]
    employees: tuple[Employee, ...]
    date: dt.date | None = None
    tmt: dt.date | None = None

    @staticmethod
    def from_json(text: str | bytes) -> Instance:
        """Parse and check an instance document; raise InstanceError when malformed."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InstanceError([f"not valid JSON: {exc}"]) from None
        return Instance.from_dict(raw)

    @staticmethod
    def from_dict(raw: InstanceDocument | JsonValue) -> Instance:
        """Build and check an instance from decoded JSON; raise InstanceError when malformed."""
        problems: list[str] = []
        instance = _parse_instance(raw, problems)
        if instance is not None and not problems:
            problems.extend(instance_problems(instance))
        if problems or instance is None:
            raise InstanceError(problems or ["instance could not be read"])
        return instance

    def to_dict(self) -> InstanceDocument:
        """The instance as `mutasi-instance/2` JSON data."""
        w = self.policy.weights
        return {
            "format": INSTANCE_FORMAT,
            "date": self.date.isoformat() if self.date else None,
            "tmt": self.tmt.isoformat() if self.tmt else None,
            "policy": {
                "min_tenure_months": self.policy.min_tenure_months,
                "retirement_guard_months": self.policy.retirement_guard_months,
                "max_home_distance_km": self.policy.max_home_distance_km,
                "spouse_max_distance_km": self.policy.spouse_max_distance_km,
                "arrivals_fraction": self.policy.arrivals_fraction,
                "departures_fraction": self.policy.departures_fraction,
                "min_moves_cap": self.policy.min_moves_cap,
                "max_total_moves": self.policy.max_total_moves,
                "voluntary_only": self.policy.voluntary_only,
                "teacher_min_tenure_months": self.policy.teacher_min_tenure_months,
                "max_tenure_months": self.policy.max_tenure_months,
                "skp_gate": self.policy.skp_gate,
                "weights": {
                    "over": w.over,
                    "under": w.under,
                    "steep_factor": w.steep_factor,
                    "tolerance_fraction": w.tolerance_fraction,
                    "move": w.move,
                    "aspiration": list(w.aspiration),
                    "skill": w.skill,
                    "distance_per_km": w.distance_per_km,
                    "very_willing": w.very_willing,
                    "long_tenure": w.long_tenure,
                },
            },
            "units": [
                {
                    "id": u.id,
                    "name": u.name,
                    "lat": u.lat,
                    "lon": u.lon,
                    "skills_needed": list(u.skills_needed),
                    "demand": dict(u.demand),
                    "daerah_khusus": u.daerah_khusus,
                    "heads": list(u.heads),
                }
                for u in self.units
            ],
            "employees": [
                {
                    "id": e.id,
                    "unit": e.unit,
                    "family": e.family,
                    "skills": list(e.skills),
                    "home_lat": e.home_lat,
                    "home_lon": e.home_lon,
                    "tenure_months": e.tenure_months,
                    "months_to_retirement": e.months_to_retirement,
                    "locked": e.locked,
                    "aspirations": list(e.aspirations),
                    "spouse": e.spouse,
                    "status": e.status,
                    "jenis": e.jenis,
                    "min_tenure_months": e.min_tenure_months,
                    "lock_until": e.lock_until.isoformat() if e.lock_until else None,
                    "contract_end": e.contract_end.isoformat() if e.contract_end else None,
                    "skp": list(e.skp),
                    "willingness": e.willingness,
                    "aspiration_reason": e.aspiration_reason,
                }
                for e in self.employees
            ],
        }

    def to_json(self, indent: int | None = None) -> str:
        """The instance as a `mutasi-instance/2` JSON document."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


def _number(raw: Any, where: str, problems: list[str], default: float | None = None) -> float:
    if raw is None and default is not None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        problems.append(f"{where}: expected a finite number, got {raw!r}")
        return default if default is not None else 0.0
    return float(raw)


def _strings(raw: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        problems.append(f"{where}: expected a list of strings, got {raw!r}")
        return ()
    return tuple(raw)


def _date(raw: Any, where: str, problems: list[str]) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw) if isinstance(raw, str) else _bad_date()
    except ValueError:
        problems.append(f"{where}: expected a date YYYY-MM-DD or null, got {raw!r}")
        return None


def _bad_date() -> dt.date:
    raise ValueError


def _choice(
    raw: Any, allowed: Sequence[str], where: str, problems: list[str], default: str
) -> str:
    if raw is None:
        return default
    if raw not in allowed:
        problems.append(f"{where}: expected one of {list(allowed)}, got {raw!r}")
        return default
    return str(raw)


def _parse_weights(raw: Any, problems: list[str], version: int = 2) -> Weights:
    v2 = V2_WEIGHT_DEFAULTS
    base = (
        replace(Weights(), very_willing=v2["very_willing"], long_tenure=v2["long_tenure"])
        if version == 2
        else Weights()
    )
    if raw is None:
        return base
    if not isinstance(raw, dict):
        problems.append(f"policy.weights: expected an object, got {raw!r}")
        return base
    values: dict[str, Any] = {}
    v1_only = {f.name for f in fields(Weights)} - set(V2_WEIGHT_DEFAULTS)
    known = {f.name for f in fields(Weights)} if version == 2 else v1_only
    for f in fields(Weights):
        if f.name not in raw or f.name not in known:
            continue
        if f.name == "aspiration":
            asp = raw[f.name]
            if not isinstance(asp, list) or not all(
                isinstance(a, int | float) and not isinstance(a, bool) for a in asp
            ):
                problems.append(
                    f"policy.weights.aspiration: expected a list of numbers, got {asp!r}"
                )
                continue
            values[f.name] = tuple(float(a) for a in asp)
        else:
            values[f.name] = _number(raw[f.name], f"policy.weights.{f.name}", problems)
    unknown = sorted(set(raw) - known)
    if unknown:
        problems.append(f"policy.weights: unknown keys {unknown}")
    return replace(base, **values)


_POLICY_V2_KEYS = frozenset({"teacher_min_tenure_months", "max_tenure_months", "skp_gate"})


def _parse_policy(raw: Any, problems: list[str], version: int = 2) -> Policy:
    base = Policy() if version == 2 else Policy(weights=Weights())
    if raw is None:
        return replace(base, weights=_parse_weights(None, problems, version))
    known = {f.name for f in fields(Policy)} - (set() if version == 2 else _POLICY_V2_KEYS)
    if not isinstance(raw, dict):
        problems.append(f"policy: expected an object, got {raw!r}")
        return base
    values: dict[str, Any] = {}
    for f in fields(Policy):
        if f.name not in raw or f.name == "weights" or f.name not in known:
            continue
        value = raw[f.name]
        where = f"policy.{f.name}"
        if f.name in ("voluntary_only", "skp_gate"):
            if not isinstance(value, bool):
                problems.append(f"{where}: expected true or false, got {value!r}")
                continue
            values[f.name] = value
        elif f.name in ("min_moves_cap", "max_total_moves"):
            if value is None and f.name == "max_total_moves":
                values[f.name] = None
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(f"{where}: expected a whole number >= 0, got {value!r}")
            else:
                values[f.name] = value
        else:
            values[f.name] = _number(value, where, problems)
    values["weights"] = _parse_weights(raw.get("weights"), problems, version)
    unknown = sorted(set(raw) - known)
    if unknown:
        problems.append(f"policy: unknown keys {unknown}")
    return replace(base, **values)


def _parse_entries(
    raw: list[Any],
    name: str,
    parse: Callable[[dict[str, Any], str, str, list[str], int], _Entry],
    problems: list[str],
    version: int,
) -> list[_Entry]:
    """The entries of the list `name` ("units" or "employees"), each parsed by
    `parse(entry, id, where, problems, version)`; an entry that is not an object or has no
    non-empty string id is left out with a problem appended."""
    out: list[_Entry] = []
    for i, entry in enumerate(raw):
        where = f"{name}[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected an object, got {entry!r}")
            continue
        eid = entry.get("id")
        if not isinstance(eid, str) or not eid:
            problems.append(f"{where}.id: expected a non-empty string, got {eid!r}")
            continue
        out.append(parse(entry, eid, f"{where} ({eid})", problems, version))
    return out


def _parse_unit(
    raw: dict[str, Any], uid: str, where: str, problems: list[str], version: int
) -> Unit:
    demand_raw = raw.get("demand", {})
    demand: dict[str, float] = {}
    if not isinstance(demand_raw, dict):
        problems.append(f"{where}.demand: expected an object, got {demand_raw!r}")
    else:
        for fam, value in demand_raw.items():
            demand[fam] = _number(value, f"{where}.demand.{fam}", problems)
    name = raw.get("name", uid)
    special = raw.get("daerah_khusus", False) if version == 2 else False
    if not isinstance(special, bool):
        problems.append(f"{where}.daerah_khusus: expected true or false, got {special!r}")
        special = False
    heads = _strings(raw.get("heads"), f"{where}.heads", problems) if version == 2 else ()
    return Unit(
        id=uid,
        name=name if isinstance(name, str) else str(name),
        lat=_number(raw.get("lat"), f"{where}.lat", problems),
        lon=_number(raw.get("lon"), f"{where}.lon", problems),
        skills_needed=_strings(raw.get("skills_needed"), f"{where}.skills_needed", problems),
        demand=demand,
        daerah_khusus=special,
        heads=heads,
    )


def _parse_employee_v2(raw: dict[str, Any], where: str, problems: list[str]) -> dict[str, Any]:
    """The /2 fields of one employee, checked (problems appended)."""
    out: dict[str, Any] = {
        "status": _choice(raw.get("status"), STATUSES, f"{where}.status", problems, "PNS"),
        "jenis": _choice(raw.get("jenis"), JENIS_VALUES, f"{where}.jenis", problems, "umum"),
        "lock_until": _date(raw.get("lock_until"), f"{where}.lock_until", problems),
        "contract_end": _date(raw.get("contract_end"), f"{where}.contract_end", problems),
    }
    months = raw.get("min_tenure_months")
    if months is not None:
        out["min_tenure_months"] = _number(months, f"{where}.min_tenure_months", problems)
    skp = raw.get("skp", [])
    if (
        not isinstance(skp, list)
        or len(skp) > 2
        or any(r is not None and r not in SKP_VALUES for r in skp)
    ):
        problems.append(
            f"{where}.skp: expected up to 2 of {list(SKP_VALUES)} or null, got {skp!r}"
        )
    else:
        out["skp"] = tuple(skp)
    willing = raw.get("willingness")
    if willing is not None and (isinstance(willing, bool) or willing not in (1, 2, 3)):
        problems.append(f"{where}.willingness: expected 1, 2, 3 or null, got {willing!r}")
    elif willing is not None:
        out["willingness"] = int(willing)
    reason = raw.get("aspiration_reason")
    if reason is not None and not isinstance(reason, str):
        problems.append(f"{where}.aspiration_reason: expected a string or null, got {reason!r}")
    else:
        out["aspiration_reason"] = reason
    return out


def _parse_employee(
    raw: dict[str, Any], eid: str, where: str, problems: list[str], version: int
) -> Employee:
    unit, family, spouse, locked = (
        raw.get("unit"),
        raw.get("family"),
        raw.get("spouse"),
        raw.get("locked", False),
    )
    if not isinstance(unit, str):
        problems.append(f"{where}.unit: expected a unit id, got {unit!r}")
        unit = ""
    if not isinstance(family, str) or not family:
        problems.append(f"{where}.family: expected a non-empty string, got {family!r}")
        family = ""
    if spouse is not None and not isinstance(spouse, str):
        problems.append(f"{where}.spouse: expected an employee id or null, got {spouse!r}")
        spouse = None
    if not isinstance(locked, bool):
        problems.append(f"{where}.locked: expected true or false, got {locked!r}")
        locked = False
    return Employee(
        id=eid,
        unit=unit,
        family=family,
        skills=_strings(raw.get("skills"), f"{where}.skills", problems),
        home_lat=_number(raw.get("home_lat"), f"{where}.home_lat", problems),
        home_lon=_number(raw.get("home_lon"), f"{where}.home_lon", problems),
        tenure_months=_number(raw.get("tenure_months"), f"{where}.tenure_months", problems),
        months_to_retirement=_number(
            raw.get("months_to_retirement"), f"{where}.months_to_retirement", problems
        ),
        locked=locked,
        aspirations=_strings(raw.get("aspirations"), f"{where}.aspirations", problems),
        spouse=spouse,
        **(_parse_employee_v2(raw, where, problems) if version == 2 else {}),
    )


def _parse_instance(raw: Any, problems: list[str]) -> Instance | None:
    if not isinstance(raw, dict):
        problems.append(f"instance: expected a JSON object, got {type(raw).__name__}")
        return None
    if raw.get("format") not in (INSTANCE_FORMAT, INSTANCE_FORMAT_V1):
        problems.append(
            f"format: expected {INSTANCE_FORMAT!r} or {INSTANCE_FORMAT_V1!r}, "
            f"got {raw.get('format')!r}"
        )
        return None
    version = 2 if raw.get("format") == INSTANCE_FORMAT else 1
    policy = _parse_policy(raw.get("policy"), problems, version)
    units_raw, employees_raw = raw.get("units"), raw.get("employees")
    if not isinstance(units_raw, list):
        problems.append(f"units: expected a list, got {units_raw!r}")
        units_raw = []
    if not isinstance(employees_raw, list):
        problems.append(f"employees: expected a list, got {employees_raw!r}")
        employees_raw = []
    units = _parse_entries(units_raw, "units", _parse_unit, problems, version)
    employees = _parse_entries(employees_raw, "employees", _parse_employee, problems, version)
    day = _date(raw.get("date"), "date", problems) if version == 2 else None
    tmt = _date(raw.get("tmt"), "tmt", problems) if version == 2 else None
    return Instance(policy, tuple(units), tuple(employees), day, tmt)


def instance_problems(instance: Instance) -> list[str]:
    """Every reason the instance cannot be solved as written (empty when it is well formed)."""
    problems: list[str] = []
    p, w = instance.policy, instance.policy.weights
    for name in (
        "over", "under", "move", "skill", "distance_per_km", "tolerance_fraction",
        "very_willing", "long_tenure",
    ):  # fmt: skip
        if getattr(w, name) < 0:
            problems.append(f"policy.weights.{name}: must be >= 0, got {getattr(w, name)}")
    if w.steep_factor < 1:
        problems.append(
            f"policy.weights.steep_factor: must be >= 1 so the imbalance cost is convex, "
            f"got {w.steep_factor}"
        )
    for name in (
        "arrivals_fraction",
        "departures_fraction",
        "max_home_distance_km",
        "spouse_max_distance_km",
    ):
        if getattr(p, name) < 0:
            problems.append(f"policy.{name}: must be >= 0, got {getattr(p, name)}")
    unit_ids: set[str] = set()
    for i, u in enumerate(instance.units):
        where = f"units[{i}] ({u.id})"
        if u.id in unit_ids:
            problems.append(f"{where}: duplicate unit id")
        unit_ids.add(u.id)
        if not -90.0 <= u.lat <= 90.0:
            problems.append(f"{where}.lat: {u.lat} is outside -90..90")
        if not -180.0 <= u.lon <= 180.0:
            problems.append(f"{where}.lon: {u.lon} is outside -180..180")
        for fam, value in u.demand.items():
            if value < 0:
                problems.append(f"{where}.demand.{fam}: negative demand {value}")
    by_id: dict[str, Employee] = {}
    for i, e in enumerate(instance.employees):
        where = f"employees[{i}] ({e.id})"
        if e.id in by_id:
            problems.append(f"{where}: duplicate employee id")
        by_id[e.id] = e
        if e.unit not in unit_ids:
            problems.append(f"{where}.unit: unknown unit {e.unit!r}")
        if not -90.0 <= e.home_lat <= 90.0:
            problems.append(f"{where}.home_lat: {e.home_lat} is outside -90..90")
        if not -180.0 <= e.home_lon <= 180.0:
            problems.append(f"{where}.home_lon: {e.home_lon} is outside -180..180")
        if e.contract_end is not None and instance.tmt is None:
            problems.append(f"{where}.contract_end: set, but the instance has no tmt")
        if e.willingness == 1 and not e.aspirations:
            problems.append(f"{where}.willingness: 1 (only my choices) with no aspirations")
        if len(e.aspirations) > MAX_ASPIRATIONS:
            problems.append(
                f"{where}.aspirations: {len(e.aspirations)} listed, at most {MAX_ASPIRATIONS}"
            )
        if len(set(e.aspirations)) != len(e.aspirations):
            problems.append(f"{where}.aspirations: a unit is listed twice")
        for a in e.aspirations:
            if a == e.unit:
                problems.append(f"{where}.aspirations: {a!r} is the employee's own unit")
            elif a not in unit_ids:
                problems.append(f"{where}.aspirations: unknown unit {a!r}")
    for i, e in enumerate(instance.employees):
        if e.spouse is None:
            continue
        where = f"employees[{i}] ({e.id}).spouse"
        if e.spouse == e.id:
            problems.append(f"{where}: an employee cannot be their own spouse")
        elif e.spouse not in by_id:
            problems.append(f"{where}: unknown employee {e.spouse!r}")
        elif by_id[e.spouse].spouse != e.id:
            problems.append(
                f"{where}: {e.spouse!r} does not name {e.id!r} back as spouse (not reciprocal)"
            )
    return problems


@dataclass(frozen=True, slots=True)
class StaffingSide:
    """The numbers of one side (origin or destination) of a move."""

    unit: str
    family: str
    required: float
    staff_before: int
    staff_after: int

    def to_dict(self) -> SideDocument:
        """JSON data of this side."""
        return {
            "unit": self.unit,
            "family": self.family,
            "required": self.required,
            "staff_before": self.staff_before,
            "staff_after": self.staff_after,
        }

    @staticmethod
    def from_dict(raw: SideDocument) -> StaffingSide:
        """Read a side back from JSON data."""
        return StaffingSide(
            str(raw["unit"]),
            str(raw["family"]),
            float(raw["required"]),
            int(raw["staff_before"]),
            int(raw["staff_after"]),
        )


@dataclass(frozen=True, slots=True)
class Alternative:
    """The best other destination for a moved employee, and how much worse the plan would be."""

    unit: str
    objective_delta: float  # objective with the employee there instead, minus the plan's

    def to_dict(self) -> AlternativeDocument:
        """JSON data of this alternative."""
        return {"unit": self.unit, "objective_delta": self.objective_delta}

    @staticmethod
    def from_dict(raw: AlternativeDocument | None) -> Alternative | None:
        """Read an alternative back from JSON data (None stays None)."""
        if raw is None:
            return None
        return Alternative(str(raw["unit"]), float(raw["objective_delta"]))


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one move is in the plan, in numbers (docs/optimisation.md, explanations; plus the
    next-best unit)."""

    origin: StaffingSide
    destination: StaffingSide
    aspiration_rank: int | None
    skills_matched: tuple[str, ...]
    distance_before_km: float
    distance_after_km: float
    objective_delta: float
    chain: tuple[str, ...]
    alternative: Alternative | None = None
    aspiration_reason: str | None = None  # the person's reason category, when they asked
    #: Over max_tenure_months in the origin unit (None: stored before the engine said it).
    long_tenure: bool | None = None

    def to_dict(self) -> ExplanationDocument:
        """JSON data of this explanation."""
        return {
            "origin": self.origin.to_dict(),
            "destination": self.destination.to_dict(),
            "aspiration_rank": self.aspiration_rank,
            "skills_matched": list(self.skills_matched),
            "distance_km": {"before": self.distance_before_km, "after": self.distance_after_km},
            "objective_delta": self.objective_delta,
            "chain": list(self.chain),
            "alternative": self.alternative.to_dict() if self.alternative else None,
            "aspiration_reason": self.aspiration_reason,
            "long_tenure": self.long_tenure,
        }

    @staticmethod
    def from_dict(raw: ExplanationDocument) -> Explanation:
        """Read an explanation back from JSON data."""
        rank = raw.get("aspiration_rank")
        return Explanation(
            origin=StaffingSide.from_dict(raw["origin"]),
            destination=StaffingSide.from_dict(raw["destination"]),
            aspiration_rank=int(rank) if rank is not None else None,
            skills_matched=tuple(raw.get("skills_matched", ())),
            distance_before_km=float(raw["distance_km"]["before"]),
            distance_after_km=float(raw["distance_km"]["after"]),
            objective_delta=float(raw["objective_delta"]),
            chain=tuple(raw.get("chain", ())),
            alternative=Alternative.from_dict(raw.get("alternative")),
            aspiration_reason=raw.get("aspiration_reason"),
            long_tenure=None if raw.get("long_tenure") is None else bool(raw["long_tenure"]),
        )


@dataclass(frozen=True, slots=True)
class Move:
    """One employee moved from one unit to another, with its explanation."""

    employee: str
    from_unit: str
    to_unit: str
    explanation: Explanation

    def to_dict(self) -> MoveDocument:
        """JSON data of this move."""
        return {
            "employee": self.employee,
            "from": self.from_unit,
            "to": self.to_unit,
            "explanation": self.explanation.to_dict(),
        }

    @staticmethod
    def from_dict(raw: MoveDocument) -> Move:
        """Read a move back from JSON data."""
        return Move(
            str(raw["employee"]),
            str(raw["from"]),
            str(raw["to"]),
            Explanation.from_dict(raw["explanation"]),
        )


NOT_GRANTED_REASONS = (
    "TENURE",
    "LOCKED",
    "RETIREMENT",
    "FAMILY_NOT_IN_UNIT",
    "ARRIVALS_CAP",
    "DEPARTURES_CAP",
    "SPOUSE",
    "TOTAL_MOVES_CAP",
    "NOT_BETTER",
    # mutasi-solution/2
    "TEACHER_TENURE",
    "CPNS",
    "CONTRACT_END",
    "SKP",
    "HEAD",
    "SPOUSE_HEAD",
    "ONLY_ASPIRATIONS",
)


@dataclass(frozen=True, slots=True)
class NotGranted:
    """An aspiration the plan does not honour, the one reason why, and the price of forcing it."""

    employee: str
    aspiration: str
    reason: str
    cost_to_force: float | None

    def to_dict(self) -> NotGrantedDocument:
        """JSON data of this entry."""
        return {
            "employee": self.employee,
            "aspiration": self.aspiration,
            "reason": self.reason,
            "cost_to_force": self.cost_to_force,
        }

    @staticmethod
    def from_dict(raw: NotGrantedDocument) -> NotGranted:
        """Read an entry back from JSON data."""
        cost = raw.get("cost_to_force")
        return NotGranted(
            str(raw["employee"]),
            str(raw["aspiration"]),
            str(raw["reason"]),
            float(cost) if cost is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Solution:
    """A validated plan with its objective, proven bound and status (`mutasi-solution/2`)."""

    status: str
    objective: float
    bound: float
    status_quo_objective: float
    moves: tuple[Move, ...]
    not_granted: tuple[NotGranted, ...]
    stats: SolveStats = field(default_factory=lambda: SolveStats())

    @property
    def share_unrealised(self) -> float:
        """(objective - bound) / (status quo - bound): an upper bound on the share left undone."""
        room = self.status_quo_objective - self.bound
        return 0.0 if room <= 1e-9 else max(0.0, (self.objective - self.bound) / room)

    def to_dict(self) -> SolutionDocument:
        """The solution as `mutasi-solution/2` JSON data."""
        return {
            "format": SOLUTION_FORMAT,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "status_quo_objective": self.status_quo_objective,
            "moves": [m.to_dict() for m in self.moves],
            "not_granted": [n.to_dict() for n in self.not_granted],
            "stats": self.stats.copy(),
        }

    def to_json(self, indent: int | None = None) -> str:
        """The solution as a `mutasi-solution/2` JSON document."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @staticmethod
    def from_dict(raw: SolutionDocument) -> Solution:
        """Read a solution back from JSON data."""
        if raw.get("format") not in SOLUTION_FORMATS:
            raise ValueError(
                f"format: expected one of {SOLUTION_FORMATS}, got {raw.get('format')!r}"
            )
        return Solution(
            status=str(raw["status"]),
            objective=float(raw["objective"]),
            bound=float(raw["bound"]),
            status_quo_objective=float(raw["status_quo_objective"]),
            moves=tuple(Move.from_dict(m) for m in raw.get("moves", ())),
            not_granted=tuple(NotGranted.from_dict(n) for n in raw.get("not_granted", ())),
            stats=raw.get("stats", SolveStats()).copy(),
        )

    @staticmethod
    def from_json(text: str | bytes) -> Solution:
        """Parse a `mutasi-solution/1` or `/2` document."""
        return Solution.from_dict(json.loads(text))
