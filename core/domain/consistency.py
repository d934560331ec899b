"""Do the employees file and the ABK file describe the same (unit, jabatan)? Checked after every
import and before every plan.

Three kinds of finding, each a warning (an import with `strict` refuses instead):

- `no_abk`: staff hold a jabatan in a unit whose ABK has no activity for it. The plan cannot
  measure their workload, so it leaves the pair out (need taken as the staff in post: nobody is
  moved in or out of it) and says so in its summary.
- `no_staff`: ABK activities for a jabatan nobody in that unit holds (a vacancy, or a name typed
  differently in one of the two files).
- `variant`: one jabatan written in several ways that differ only by case, punctuation, spaces
  or a common abbreviation ("Pengadministrasi Umum" / "PENGADMINISTRASI UMUM" /
  "Pengadministrasi, Umum" / "Pengadm. Umum").

Decision on variants: the data keeps what the agency wrote (the bot is not the system of record,
and a silent rename would hide the mistake in the agency's own files), and every count of staff
or workload per jabatan compares names by `jabatan_key`, so variants never split a headcount:
the plan groups (unit, jabatan) by the key and uses one canonical spelling (`canonical_names`:
the spelling the ABK uses, else the most common). Names that are merely similar (a typo, a
different word) are NOT merged; they are named as "mungkin maksudnya …" in the `no_abk` and
`no_staff` warnings so a person decides.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from core.domain import Activity, Employee
from core.domain.plan_document import LeftOutDocument

FindingKind = Literal["no_abk", "no_staff", "variant"]

#: Abbreviations common in jabatan names, written out (compared after dots are removed).
ABBREVIATIONS: Mapping[str, str] = {
    "pengadm": "pengadministrasi",
    "adm": "administrasi",
    "admin": "administrasi",
    "adminstrasi": "administrasi",
    "ka": "kepala",
    "kpl": "kepala",
    "kasubbag": "kepala sub bagian",
    "kasubag": "kepala sub bagian",
    "kasubbid": "kepala sub bidang",
    "kasi": "kepala seksi",
    "kabid": "kepala bidang",
    "kabag": "kepala bagian",
    "subbag": "sub bagian",
    "subag": "sub bagian",
    "subbagian": "sub bagian",
    "subbid": "sub bidang",
    "subbidang": "sub bidang",
    "sie": "seksi",
    "bid": "bidang",
    "bag": "bagian",
    "tu": "tata usaha",
    "pel": "pelaksana",
    "pelak": "pelaksana",
    "pert": "pertama",
    "prtm": "pertama",
    "trampil": "terampil",
    "ttp": "terampil",
    "yankes": "pelayanan kesehatan",
    "dan": "dan",
    "&": "dan",
}
_PUNCTUATION = re.compile(r"[^\w&]+")


def jabatan_key(name: str) -> str:
    """The comparison key of a jabatan name: lower case, punctuation and extra spaces removed,
    common abbreviations written out. "Pengadm. Umum" and "PENGADMINISTRASI, UMUM" share
    "pengadministrasi umum"."""
    words = _PUNCTUATION.sub(" ", name.replace(".", " ").replace("&", " & ")).lower().split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


def canonical_names(
    employees: Iterable[Employee], activities: Iterable[Activity]
) -> dict[str, str]:
    """Every jabatan spelling mapped to the canonical spelling of its key: the spelling most ABK
    rows use, else the one most staff hold; ties go to the alphabetically first."""
    abk: dict[str, Counter[str]] = defaultdict(Counter)
    staff: dict[str, Counter[str]] = defaultdict(Counter)
    # Each distinct spelling is keyed once: an agency has many people but few spellings.
    for spelling, rows in Counter(activity.jabatan for activity in activities).items():
        abk[jabatan_key(spelling)][spelling] += rows
    for spelling, people in Counter(employee.jabatan for employee in employees).items():
        staff[jabatan_key(spelling)][spelling] += people
    names: dict[str, str] = {}
    for key in set(abk) | set(staff):
        source = abk[key] if abk.get(key) else staff[key]
        chosen = min(source, key=lambda spelling: (-source[spelling], spelling))
        for spelling in (*abk.get(key, {}), *staff.get(key, {})):
            names[spelling] = chosen
    return names


@dataclass(frozen=True, slots=True)
class Finding:
    """One consistency finding, with its numbers; `suggestion` is the likely intended name."""

    kind: FindingKind
    jabatan: str
    unit_code: str | None = None
    staff: int = 0
    activities: int = 0
    suggestion: str | None = None

    def message(self, language: str = "id") -> str:
        """The finding in words, e.g. "unit PKM-A, jabatan 'Perawat': 4 pegawai, ..."."""
        en = language == "en"
        maybe = ""
        if self.suggestion is not None:
            maybe = (
                f"; did you mean {self.suggestion!r}?"
                if en
                else f"; mungkin maksudnya {self.suggestion!r}?"
            )
        if self.kind == "no_abk":
            return (
                f"unit {self.unit_code}, jabatan {self.jabatan!r}: {self.staff} staff but no ABK "
                f"activity for this jabatan in that unit, so plans leave them out{maybe}"
                if en
                else f"unit {self.unit_code}, jabatan {self.jabatan!r}: {self.staff} pegawai, "
                f"tetapi tidak ada kegiatan ABK untuk jabatan ini di unit itu, jadi rencana "
                f"tidak menyertakan mereka{maybe}"
            )
        if self.kind == "no_staff":
            return (
                f"unit {self.unit_code}, jabatan {self.jabatan!r}: {self.activities} ABK "
                f"activities but nobody in that unit holds this jabatan{maybe}"
                if en
                else f"unit {self.unit_code}, jabatan {self.jabatan!r}: ada {self.activities} "
                f"kegiatan ABK, tetapi tidak ada pegawai dengan jabatan ini di unit itu{maybe}"
            )
        return (
            f"jabatan {self.jabatan!r} ({self.staff} staff, {self.activities} ABK rows) differs "
            f"from {self.suggestion!r} only by case, punctuation, spaces or an abbreviation; "
            f"did you mean {self.suggestion!r}? Counts treat them as one jabatan"
            if en
            else f"jabatan {self.jabatan!r} ({self.staff} pegawai, {self.activities} baris ABK) "
            f"hanya beda huruf besar/kecil, tanda baca, spasi atau singkatan dari "
            f"{self.suggestion!r}; mungkin maksudnya {self.suggestion!r}? Perhitungan "
            "menganggapnya satu jabatan"
        )


def _similar(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate whose key is closest to NAME's (difflib ratio >= 0.8), if any."""
    keys = {jabatan_key(c): c for c in sorted(candidates)}
    found = difflib.get_close_matches(jabatan_key(name), list(keys), n=1, cutoff=0.8)
    return keys[found[0]] if found else None


def check_consistency(
    employees: Sequence[Employee], activities: Sequence[Activity]
) -> tuple[Finding, ...]:
    """Every finding (variants first, then by unit and jabatan) for the given data."""
    canonical = canonical_names(employees, activities)
    staff_count: Counter[str] = Counter(e.jabatan for e in employees)
    abk_count: Counter[str] = Counter(a.jabatan for a in activities)
    findings: list[Finding] = [
        Finding("variant", spelling, None, staff_count[spelling], abk_count[spelling], chosen)
        for spelling, chosen in sorted(canonical.items())
        if spelling != chosen
    ]
    staff: Counter[tuple[str, str]] = Counter(
        (e.unit_code, jabatan_key(e.jabatan)) for e in employees
    )
    abk: Counter[tuple[str, str]] = Counter(
        (a.unit_code, jabatan_key(a.jabatan)) for a in activities
    )
    abk_names: dict[str, list[str]] = defaultdict(list)
    staff_names: dict[str, list[str]] = defaultdict(list)
    for unit, key in abk:
        abk_names[unit].append(key)
    for unit, key in staff:
        staff_names[unit].append(key)
    by_key = {jabatan_key(name): name for name in canonical.values()}
    pairs: list[Finding] = []
    for (unit, key), count in staff.items():
        if (unit, key) not in abk:
            others = [by_key[k] for k in abk_names.get(unit, [])]
            pairs.append(
                Finding("no_abk", by_key[key], unit, count, 0, _similar(by_key[key], others))
            )
    for (unit, key), count in abk.items():
        if (unit, key) not in staff:
            others = [by_key[k] for k in staff_names.get(unit, [])]
            pairs.append(
                Finding("no_staff", by_key[key], unit, 0, count, _similar(by_key[key], others))
            )
    pairs.sort(key=lambda f: (f.unit_code or "", f.jabatan, f.kind))
    return (*findings, *pairs)


def left_out_pairs(findings: Iterable[Finding]) -> list[LeftOutDocument]:
    """The (unit, jabatan) pairs a plan leaves out for lack of ABK, as stored with the plan."""
    return [
        LeftOutDocument(unit=f.unit_code, jabatan=f.jabatan, staff=f.staff)
        for f in findings
        if f.kind == "no_abk"
    ]
