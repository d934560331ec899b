"""The engine's solution as JSON (docs/optimisation.md §4, `mutasi-solution/2`): the shapes
`Solution.to_dict` and its parts write and `from_dict` reads, as TypedDicts, so that the
stored plan (`plans.solution`) and the stored explanation of a move
(`transfer_proposals.explanation`) are typed documents wherever they are read, at no cost (a
TypedDict is the decoded JSON itself).

A key that `from_dict` reads with a default (a document written before the engine wrote it, such
as a `mutasi-solution/1` plan) is `NotRequired`; `to_dict` always writes every key.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class SideDocument(TypedDict):
    """One side (origin or destination) of a move: the unit and family, the FTE need
    (`required`) and the headcount before and after the plan."""

    unit: str
    family: str
    required: float
    staff_before: int
    staff_after: int


class AlternativeDocument(TypedDict):
    """The next-best unit for a moved employee and the objective's rise there."""

    unit: str
    objective_delta: float


class DistanceDocument(TypedDict):
    """Home-to-unit distance before and after the move, in km (great-circle)."""

    before: float
    after: float


class ExplanationDocument(TypedDict):
    """Why a move is in the plan, in numbers (docs/optimisation.md §4)."""

    origin: SideDocument
    destination: SideDocument
    distance_km: DistanceDocument
    objective_delta: float
    aspiration_rank: NotRequired[int | None]  # 1-based rank among the person's wishes
    skills_matched: NotRequired[list[str]]
    chain: NotRequired[list[str]]  # employee ids of the exchange chain or cycle
    alternative: NotRequired[AlternativeDocument | None]
    aspiration_reason: NotRequired[str | None]  # career | family | health | home | other
    long_tenure: NotRequired[bool | None]


#: One move: employee id, origin and destination unit ids ("from" is a Python keyword, hence
#: the functional form), and its explanation.
MoveDocument = TypedDict(
    "MoveDocument",
    {"employee": str, "from": str, "to": str, "explanation": ExplanationDocument},
)


class NotGrantedDocument(TypedDict):
    """A wish the plan does not grant, the one reason why (`NOT_GRANTED_REASONS`) and the rise
    of the objective to force it (null for the reasons that forbid the move outright)."""

    employee: str
    aspiration: str
    reason: str
    cost_to_force: NotRequired[float | None]


class SolveStats(TypedDict, total=False):
    """The solver's report on one solve (`Solution.stats`, the solution document's `stats`):
    what it did and how long it took. Every key is optional: a greedy or older solution writes
    fewer, and a benchmark reads each with `.get`. Seconds are wall-clock; objectives are in
    objective units."""

    seconds: float  # the whole solve
    method: str  # how the plan was found: "lp-highs+cp-sat", "descent", ...
    phase_seconds: dict[str, float]  # per phase: "lp", "integer_plan", "validation", ...
    peak_rss_mib: float  # the process's peak resident memory, MiB
    columns_allowed: int | None  # allowed moves listed (None under implicit pricing)
    moves_potential: int  # allowed moves before any listing
    implicit_pricing: bool
    columns_used: int
    lp_rounds: int
    lp_priced_out: bool
    variables: int  # of the LP
    rows: int  # of the LP
    rounded_objective: float
    dive: bool  # whether the LP dive found an integer plan
    dive_objective: float
    cpsat_status: str
    cpsat_free_employees: int
    cpsat_full_status: str
    flow_bound: float
    flow_bound_iterations: int
    flow_bound_arcs: int
    gap_tolerance: float  # the stopping rule's share of the achievable improvement
    first_pool: str  # implicit pricing: "aggregate" (aggregate.py's duals) or "status-quo"
    aggregate_bound: float  # the Lagrangian bound at the aggregate LP's duals
    aggregate_plan_objective: float  # the plan carrying out the aggregate LP's counts


class SolutionDocument(TypedDict):
    """A `mutasi-solution/1` or `/2` document: status, objective, proven bound, the status quo's
    objective (all in objective units), the moves and the wishes not granted; `stats` is the
    solver's free-form report (seconds, method, ...)."""

    format: str
    status: str
    objective: float
    bound: float
    status_quo_objective: float
    moves: NotRequired[list[MoveDocument]]
    not_granted: NotRequired[list[NotGrantedDocument]]
    stats: NotRequired[SolveStats]


class WeightsDocument(TypedDict):
    """The objective's weights in an instance document (`Weights`; objective units per
    FTE, move, km or wish rank)."""

    over: float
    under: float
    steep_factor: float
    tolerance_fraction: float
    move: float
    aspiration: list[float]
    skill: float
    distance_per_km: float
    very_willing: float
    long_tenure: float


class PolicyDocument(TypedDict):
    """Who may move and how far, and the plan-wide caps (`Policy`; months, km, fractions)."""

    min_tenure_months: float
    retirement_guard_months: float
    max_home_distance_km: float
    spouse_max_distance_km: float
    arrivals_fraction: float
    departures_fraction: float
    min_moves_cap: int
    max_total_moves: int | None
    voluntary_only: bool
    teacher_min_tenure_months: float
    max_tenure_months: float
    skp_gate: bool
    weights: WeightsDocument


class UnitDocument(TypedDict):
    """A work unit (`Unit`): position in degrees, FTE demand per family, head employee ids."""

    id: str
    name: str
    lat: float
    lon: float
    skills_needed: list[str]
    demand: dict[str, float]
    daerah_khusus: bool
    heads: list[str]


class EmployeeDocument(TypedDict):
    """An employee as the optimiser sees them (`Employee`; months, degrees, ISO days)."""

    id: str
    unit: str
    family: str
    skills: list[str]
    home_lat: float
    home_lon: float
    tenure_months: float
    months_to_retirement: float
    locked: bool
    aspirations: list[str]
    spouse: str | None
    status: str
    jenis: str
    min_tenure_months: float | None
    lock_until: str | None
    contract_end: str | None
    skp: list[str | None]
    willingness: int | None
    aspiration_reason: str | None


class InstanceDocument(TypedDict):
    """A `mutasi-instance/2` document as `Instance.to_dict` writes it (ISO days). Reading one
    (`Instance.from_dict`) takes any decoded JSON and checks every value, since a document
    from a file may hold anything."""

    format: str
    date: str | None
    tmt: str | None
    policy: PolicyDocument
    units: list[UnitDocument]
    employees: list[EmployeeDocument]
