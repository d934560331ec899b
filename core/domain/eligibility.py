"""Who may be moved, and where: one implementation of each eligibility rule.

The engine (`core.rebalance.compiled` / `candidates`), the snapshot that builds its instance, the
aspiration check of `/aspirasi` and the why-not of `/status` all call these functions, so a rule
reads the same everywhere. The plan validator (`core.rebalance.validator`) re-implements them on
purpose, to check the engine independently. docs/rules.md lists each rule with its source and
setting.

Everything here is pure: plain values in, plain values out, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from core.domain import Employee
from core.domain.nip import InvalidNip, parse_nip
from core.domain.working_time import first_of_month_after

Jenis = Literal["guru", "kesehatan", "umum"]
JENIS: tuple[Jenis, ...] = ("guru", "kesehatan", "umum")

#: `jenis_kunci` of the employees file: why a person may not be moved for now.
LOCK_KINDS: tuple[str, ...] = (
    "disiplin",  # disciplinary process or sanction
    "proses_hukum",  # court process
    "tugas_belajar",  # study leave
    "ikatan_dinas",  # service bond
    "cltn",  # cuti di luar tanggungan negara (leave outside the state budget)
    "lainnya",  # an admin's lock with a reason in `kunci`
)

#: SKP (annual performance) ratings, best first (Perban BKN 5/2019 asks for "baik" in the
#: last two years for a transfer).
SKP_RATINGS: tuple[str, ...] = (
    "Sangat Baik",
    "Baik",
    "Butuh Perbaikan",
    "Kurang",
    "Sangat Kurang",
)
SKP_PASSING: frozenset[str] = frozenset({"Sangat Baik", "Baik"})

#: Status that may never be moved: a candidate civil servant is on probation in the unit of
#: first appointment.
NEVER_MOVABLE_STATUS = "CPNS"

#: Willingness levels of an aspiration (flow 2).
WILLINGNESS_ONLY_MY_CHOICES = 1
WILLINGNESS_WILLING = 2
WILLINGNESS_VERY_WILLING = 3

# Reason codes (mutasi-solution/2, docs/optimisation.md). One per rule.
TENURE = "TENURE"
TEACHER_TENURE = "TEACHER_TENURE"
LOCKED = "LOCKED"
RETIREMENT = "RETIREMENT"
CPNS = "CPNS"
CONTRACT_END = "CONTRACT_END"
SKP = "SKP"
HEAD = "HEAD"
SPOUSE_HEAD = "SPOUSE_HEAD"
ONLY_ASPIRATIONS = "ONLY_ASPIRATIONS"

# Words that mark a health jabatan when the catalogue does not list it, and the ones of them
# whose holders practise under a licence (SIP) tied to one facility (PP 28/2024). They match
# whole words only: "Kepala Bidang" is not a bidan, "Pengelola Perawatan Gedung" not a perawat.
_HEALTH_WORDS = (
    "perawat", "bidan", "dokter", "apoteker", "farmasi", "kefarmasian", "radiografer",
    "fisioterapis", "nutrisionis", "dietisien", "sanitarian", "epidemiolog",
    "laboratorium kesehatan", "teknologi laboratorium medik", "perekam medis", "terapis gigi",
    "penyuluh kesehatan", "promosi kesehatan", "entomolog", "kesehatan",
)  # fmt: skip
_SIP_WORDS = (
    "perawat", "bidan", "dokter", "apoteker", "farmasi", "kefarmasian", "radiografer",
    "fisioterapis", "nutrisionis", "dietisien", "laboratorium kesehatan",
    "teknologi laboratorium medik", "terapis gigi", "okupasi terapis", "terapis wicara",
    "refraksionis", "psikolog klinis", "elektromedis", "perekam medis", "sanitarian",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class JabatanInfo:
    """One row of the jabatan catalogue (`jabatan.csv`).

    `min_tenure_months` overrides the minimum months in the unit for this jabatan (None: the
    default of its jenis: teachers `teacher_min_tenure_months`, everyone else
    `min_tenure_months`).
    """

    jabatan: str
    jenis: Jenis
    needs_sip: bool = False
    min_tenure_months: int | None = None


def _has_word(name: str, words: Sequence[str]) -> bool:
    """True when one of WORDS (a word or a phrase) stands in NAME as whole words."""
    return any(re.search(rf"(?<![^\W\d_]){re.escape(w)}(?![^\W\d_])", name) for w in words)


def default_jabatan_info(jabatan: str) -> JabatanInfo:
    """What a jabatan is when the catalogue does not list it (documented in docs/rules.md).

    Names starting with "Guru" are teachers; names with a health word (perawat, bidan, dokter,
    apoteker, ...) are health workers, and those that practise (perawat, bidan, dokter, apoteker,
    radiografer, ...) need a SIP; everything else is `umum`. Words match whole words only
    ("Kepala Bidang" is `umum`).
    """
    name = " ".join(jabatan.lower().split())
    if name.startswith("guru"):
        return JabatanInfo(jabatan, "guru")
    if _has_word(name, _HEALTH_WORDS):
        return JabatanInfo(jabatan, "kesehatan", _has_word(name, _SIP_WORDS))
    return JabatanInfo(jabatan, "umum")


def catalogue_key(jabatan: str) -> str:
    """How jabatan names are compared with the catalogue: case and spacing ignored."""
    return " ".join(jabatan.lower().split())


def jabatan_info(jabatan: str, catalogue: Mapping[str, JabatanInfo]) -> JabatanInfo:
    """The catalogue's row for JABATAN (keyed by `catalogue_key`), else the default reading."""
    return catalogue.get(catalogue_key(jabatan)) or default_jabatan_info(jabatan)


def catalogue_by_key(rows: Iterable[JabatanInfo]) -> dict[str, JabatanInfo]:
    """A catalogue as a lookup for `jabatan_info`."""
    return {catalogue_key(row.jabatan): row for row in rows}


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """The settings the rules read (docs/rules.md names each one's variable)."""

    min_tenure_months: float = 24
    teacher_min_tenure_months: float = 48
    retirement_guard_months: float = 12
    max_tenure_months: float = 60
    skp_gate: bool = True


# ------------------------------------------------------------------------------------------
# Dates


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from START to END (0 when END is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def add_months(day: dt.date, months: int) -> dt.date:
    """DAY moved forward by MONTHS, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")


def retirement_date(employee: Employee) -> dt.date | None:
    """The day EMPLOYEE reaches retirement age (`retirement_age` years after the birth date
    the NIP carries), or None when the NIP does not parse. The agency's file gives each
    person's retirement age."""
    try:
        birth = parse_nip(employee.nip, employee.status).birth_date
    except InvalidNip:
        return None
    return add_months(birth, employee.retirement_age * 12)


def latest_plan_tmt(day: dt.date, months_ahead: int, expiry_working_days: int) -> dt.date:
    """The latest TMT a card of a plan made on DAY can get: approved on the last day before it
    expires (working days, counted generously as 7/5 calendar days, plus a weekend), the TMT is
    the first day of the month MONTHS_AHEAD after that day. PPPK contract ends are checked
    against it (docs/rules.md, CONTRACT_END)."""
    last_decision = day + dt.timedelta(days=(expiry_working_days * 7 + 4) // 5 + 2)
    return first_of_month_after(last_decision, months_ahead)


# ------------------------------------------------------------------------------------------
# The rules


def tenure_rule(
    jenis: str, override: float | None, daerah_khusus: bool, settings: RuleSettings
) -> tuple[str, float]:
    """(reason code, minimum months in the current unit) for a person.

    Teachers: `teacher_min_tenure_months` (48) at the school (PP 74/2008 Pasal 62 ayat (4):
    at least 4 years, except teachers serving in a Daerah Khusus), not in a school marked
    `daerah_khusus`, where the general minimum applies. Everyone else:
    `min_tenure_months` (24; PP 11/2017 Pasal 190 puts the time in one post at 2 to 5 years).
    A catalogue `masa_minimal_bulan` replaces the default of the jabatan (not in daerah khusus
    for teachers).
    """
    if jenis == "guru" and not daerah_khusus:
        months = override if override is not None else settings.teacher_min_tenure_months
        return TEACHER_TENURE, float(months)
    if jenis != "guru" and override is not None:
        return TENURE, float(override)
    return TENURE, float(settings.min_tenure_months)


def lock_in_force(locked: bool, until: dt.date | None, on: dt.date | None) -> bool:
    """A lock holds until its end date (exclusive); without one it holds until lifted.

    With no reference day (`on` None) a dated lock is taken as still in force.
    """
    if not locked:
        return False
    return until is None or on is None or on < until


def skp_passes(ratings: Sequence[str | None], gate: bool) -> bool:
    """Both recent SKP ratings at least "Baik" when the gate is on; an unknown rating does not
    block (the agency did not give it)."""
    return not gate or all(r is None or r in SKP_PASSING for r in ratings)


def contract_allows(contract_end: dt.date | None, tmt: dt.date | None) -> bool:
    """A PPPK contract must still run on the TMT of the move (no move that starts after it)."""
    return contract_end is None or tmt is None or tmt <= contract_end


def status_movable(status: str) -> bool:
    """CPNS are never moved."""
    return status.upper() != NEVER_MOVABLE_STATUS


def long_tenure(tenure_months: float, settings: RuleSettings) -> bool:
    """Over the maximum time in one unit (60 months by default): a reason to rotate."""
    return tenure_months > settings.max_tenure_months


def only_aspirations(willingness: int | None) -> bool:
    """Willingness 1 ("Hanya ke pilihan saya"): moves only to a unit the person listed."""
    return willingness == WILLINGNESS_ONLY_MY_CHOICES


def very_willing(willingness: int | None) -> bool:
    """Willingness 3: the person's move cost is lowered by a policy weight."""
    return willingness == WILLINGNESS_VERY_WILLING


def spouse_heads(unit_heads: Iterable[str], spouse: str | None) -> bool:
    """The unit is headed by the person's spouse (conflict of interest): never a destination."""
    return spouse is not None and spouse in set(unit_heads)


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the person-level rules read about one employee, on the plan's day."""

    status: str
    jenis: str
    tenure_months: float
    months_to_retirement: float
    min_tenure_override: float | None = None
    daerah_khusus: bool = False
    locked: bool = False
    lock_until: dt.date | None = None
    contract_end: dt.date | None = None
    skp: tuple[str | None, ...] = ()
    is_head: bool = False


def person_blocks(
    facts: PersonFacts, today: dt.date | None, tmt: dt.date | None, settings: RuleSettings
) -> list[str]:
    """Every reason code that stops any move of this person, in precedence order.

    Precedence: CPNS, TENURE/TEACHER_TENURE, LOCKED, RETIREMENT, CONTRACT_END, SKP, HEAD.
    """
    out: list[str] = []
    if not status_movable(facts.status):
        out.append(CPNS)
    code, minimum = tenure_rule(
        facts.jenis, facts.min_tenure_override, facts.daerah_khusus, settings
    )
    if facts.tenure_months < minimum:
        out.append(code)
    if lock_in_force(facts.locked, facts.lock_until, today):
        out.append(LOCKED)
    if facts.months_to_retirement <= settings.retirement_guard_months:
        out.append(RETIREMENT)
    if not contract_allows(facts.contract_end, tmt):
        out.append(CONTRACT_END)
    if not skp_passes(facts.skp, settings.skp_gate):
        out.append(SKP)
    if facts.is_head:
        out.append(HEAD)
    return out
