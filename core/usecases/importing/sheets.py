"""The shapes of an import: sheets and rows as read, the problems found, and what was written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from core.domain.consistency import Finding
from core.usecases.importing.columns import ImportKind

Language = Literal["id", "en"]
Cell = str | int | float
T = TypeVar("T")

#: A cell as a spreadsheet gives it: text, a number, or a date (XLSX date cells).
RawCell = str | int | float | dt.date


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: stripped text per (normalised) column, and where it is in the file.

    `values` holds the typed value of XLSX number and date cells (so 1.125 stays 1.125 and is
    never re-read from text); `formulas` names the columns whose cell is a formula with no
    value stored in the file.
    """

    line: int
    cells: Mapping[str, str]
    extra_cells: int = 0  # non-empty cells beyond the header's columns (a delimiter mix-up)
    values: Mapping[str, RawCell] = field(default_factory=dict)
    formulas: frozenset[str] = frozenset()

    def get(self, column: str) -> str:
        """The cell's text, or "" when the column is absent or the cell empty."""
        return self.cells.get(column, "")


@dataclass(frozen=True, slots=True)
class Sheet:
    """A table read from a file: its header columns and data rows; `source` names the file."""

    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    source: str = ""
    header_line: int | None = None  # the line taken as the header row (None: no such line)
    header_text: str = ""  # that row as written, for messages that name it


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with a file, located by line and column when it has a place."""

    line: int | None
    column: str | None
    message_id: str
    message_en: str
    kind: ImportKind | None = None
    source: str = ""  # the file, where the problem is reported apart from its file's heading

    def describe(self, language: Language = "id") -> str:
        """The problem as an operator reads it, e.g. "baris 4, kolom nip: ..."."""
        message = self.message_en if language == "en" else self.message_id
        place = [self.source] if self.source else []
        if self.line is not None:
            place.append(f"line {self.line}" if language == "en" else f"baris {self.line}")
        if self.column is not None:
            place.append(f"column {self.column}" if language == "en" else f"kolom {self.column}")
        return f"{', '.join(place)}: {message}" if place else message


@dataclass(frozen=True, slots=True)
class Validated(Generic[T]):
    """What validating a sheet gave: the good items (in file order) and every problem found."""

    items: tuple[T, ...]
    problems: tuple[ImportProblem, ...]


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """How many rows an import created, updated, and found already equal."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """The result of importing one sheet; with problems, nothing of the whole batch was written."""

    kind: ImportKind
    source: str
    counts: ImportCounts
    problems: tuple[ImportProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the sheet had no problem."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """Sheets imported together in one transaction; unit codes of `units` count as known."""

    units: Sheet | None = None
    employees: Sheet | None = None
    activities: Sheet | None = None
    jabatan: Sheet | None = None

    def sheets(self) -> list[tuple[ImportKind, Sheet]]:
        """The sheets present, in dependency order (units before the rest)."""
        found: list[tuple[ImportKind, Sheet | None]] = [
            ("units", self.units),
            ("employees", self.employees),
            ("activities", self.activities),
            ("jabatan", self.jabatan),
        ]
        return [(kind, sheet) for kind, sheet in found if sheet is not None]


class UnreadableFile(Exception):
    """A file that cannot be read as CSV or XLSX at all; the message says why (id and en)."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.message_en = message_en

    def describe(self, language: str = "id") -> str:
        """The reason in the operator's language."""
        return self.message_en if language == "en" else self.message_id

    def __reduce__(self) -> tuple[type[UnreadableFile], tuple[str, str]]:
        # Crosses from the parsing process (core.usecases.safe_files) with both languages.
        return (type(self), (self.message_id, self.message_en))


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Everything one import said: per-sheet outcomes, the cross-file consistency warnings
    (`core.domain.consistency`, as problems located at the first line of the batch that shows
    them),
    and whether anything was written. With `strict`, a warning refuses the import."""

    outcomes: tuple[ImportOutcome, ...]
    warnings: tuple[ImportProblem, ...] = ()
    findings: tuple[Finding, ...] = ()
    strict: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        """True when no sheet had a problem (and, if strict, there was no warning)."""
        clean = all(outcome.ok for outcome in self.outcomes)
        return clean and not (self.strict and self.warnings)

    @property
    def refused_for_warnings(self) -> bool:
        """True when only the warnings, under `strict`, stopped the import."""
        return self.strict and bool(self.warnings) and all(o.ok for o in self.outcomes)
