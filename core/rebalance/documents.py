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

from core.domain import JsonValue


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
    stats: NotRequired[dict[str, JsonValue]]
