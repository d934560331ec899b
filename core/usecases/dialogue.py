"""Dialogue state: where a person is in a multi-step conversation, kept in the database.

The answers so far are one frozen dataclass per flow (its flow in `FLOW`); `Answers` is their
union and `FLOW_TYPES` maps a stored flow back to its class. JSON exists only at the database
edge (db/dialogue_store.py), which stores the fields under their names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import ClassVar, Literal, TypeVar, get_args

from core.usecases.importing.columns import ImportKind


@dataclass(frozen=True, slots=True, kw_only=True)
class ReasonAnswers:
    """A card's ❌ pressed: the reason is asked next (the card is edited once it is given)."""

    proposal_id: int
    stage: int
    card_message: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectAnswers(ReasonAnswers):
    """❌ Tolak on an approval card."""

    FLOW: ClassVar[Literal["reject"]] = "reject"


@dataclass(frozen=True, slots=True, kw_only=True)
class DissentAnswers(ReasonAnswers):
    """❌ Tidak setuju on a committee member's card."""

    FLOW: ClassVar[Literal["kom_no"]] = "kom_no"


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectionAnswers:
    """📝 Ajukan keberatan on a notice: the reason is asked next."""

    FLOW: ClassVar[Literal["objection"]] = "objection"
    proposal_id: int
    notice_message: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionAnswers:
    """/koreksi without text: what is wrong is asked next."""

    FLOW: ClassVar[Literal["correction"]] = "correction"


@dataclass(frozen=True, slots=True, kw_only=True)
class AspirationAnswers:
    """/aspirasi: the units chosen so far (in order), the units listed to pick from and the
    page shown, the work wished, the reason (category and text) and the willingness."""

    FLOW: ClassVar[Literal["asp"]] = "asp"
    choices: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    page: int = 0
    work: str = ""
    reason: str | None = None
    reason_text: str = ""
    willingness: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InvitationAnswers:
    """/undang: the units listed to pick from."""

    FLOW: ClassVar[Literal["inv"]] = "inv"
    results: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkloadAnswers:
    """/bebankerja: the units listed, the unit and jabatan chosen, the months offered and the
    month chosen, the volumes entered so far (activity name -> count; `index` is the next
    activity to ask), and the basis of the preview the person saw (`seen`)."""

    FLOW: ClassVar[Literal["wl"]] = "wl"
    results: tuple[str, ...] = ()
    page: int = 0
    unit: str = ""
    unit_name: str = ""
    jabatan_list: tuple[str, ...] = ()
    jabatan: str = ""
    months: tuple[str, ...] = ()
    month: str = ""
    index: int = 0
    volumes: dict[str, float] = field(default_factory=dict)
    seen: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportAnswers:
    """/impor: the kind named (None: guessed from the file), strict mode, and once checked
    the file (Telegram file id, name, SHA-256) that ✅ imports."""

    FLOW: ClassVar[Literal["imp"]] = "imp"
    kind: ImportKind | None = None
    strict: bool = False
    file_id: str | None = None
    name: str | None = None
    sha256: str | None = None


#: The answers of every flow.
Answers = (
    RejectAnswers
    | DissentAnswers
    | ObjectionAnswers
    | CorrectionAnswers
    | AspirationAnswers
    | InvitationAnswers
    | WorkloadAnswers
    | ImportAnswers
)
#: Flow -> class, from the union above.
FLOW_TYPES: dict[str, type[Answers]] = {cls.FLOW: cls for cls in get_args(Answers)}

A = TypeVar("A", bound=Answers)


class WrongFlow(Exception):
    """A dialogue's answers are not of the flow the caller expected (a programming error)."""


@dataclass(frozen=True, slots=True)
class DialogueState:
    """One user's open dialogue: which step of which flow, and the answers so far.

    `list_message` is the message id of the list of choices shown last (it is deleted when a
    new list replaces it)."""

    telegram_user_id: int
    step: str
    answers: Answers
    updated_at: dt.datetime | None = None
    list_message: int | None = None

    @property
    def flow(self) -> str:
        """The flow, named by the answers' class."""
        return self.answers.FLOW

    def answers_as(self, cls: type[A]) -> A:
        """The answers, which must be of CLS; WrongFlow otherwise."""
        if not isinstance(self.answers, cls):
            raise WrongFlow(f"dialogue of flow {self.flow!r} is not {cls.FLOW!r}")
        return self.answers

    def at(
        self,
        step: str,
        now: dt.datetime,
        answers: Answers | None = None,
        *,
        list_message: int | None = None,
    ) -> DialogueState:
        """The same dialogue moved to STEP with ANSWERS (unchanged when None) and, when given,
        the list shown."""
        return replace(
            self,
            step=step,
            answers=self.answers if answers is None else answers,
            updated_at=now,
            list_message=self.list_message if list_message is None else list_message,
        )
