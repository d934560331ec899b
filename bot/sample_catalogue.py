"""The sample kabupaten's jabatan catalogue: data in `sample_jabatan.toml` (shipped with the
package beside this module), checked row by row when it is read.

Demo tooling like bot/sample_agency.py, which builds its units, people and ABK activities from
these rows. The file's header describes its keys.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import TypeVar

from core.domain import Activity

#: The catalogue's file name, in the `bot` package.
CATALOGUE_FILE = "sample_jabatan.toml"
#: Golongan/ruang of PNS, lowest first (I/a ... IV/e).
PNS_GRADES: tuple[str, ...] = tuple(
    f"{group}/{letter}"
    for group, letters in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde"))
    for letter in letters
)
#: Golongan of PPPK, lowest first (I ... XVII).
PPPK_GRADES: tuple[str, ...] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
    "XVI", "XVII",
)  # fmt: skip
#: The youngest sample ASN is 24 years old, so a jabatan's retirement age must be above this.
MIN_RETIREMENT_AGE = 25

_KEYS = frozenset({
    "name", "title", "golongan_pns", "golongan_pppk", "retirement_age", "core_skill", "skills",
    "tasks",
})  # fmt: skip
_TASK_KEYS = frozenset({"name", "output_unit", "minutes"})
_T = TypeVar("_T")
_KIND_NAMES: dict[type, str] = {
    int: "a whole number",
    bool: "true or false",
    str: "text",
    list: "a list",
}


class SampleCatalogueError(ValueError):
    """The catalogue file is not what its header describes; the message names the file, the
    jabatan and the key."""


@dataclass(frozen=True, slots=True)
class SampleJabatan:
    """One `[[jabatan]]` row of the catalogue.

    `activities` are the jabatan's ABK activities with their norma waktu (`minutes_per_output`,
    minutes per output) at no unit yet: `unit_code` is "" and `annual_volume` 0 until the
    generator sets both for a unit. `pns_grades` are the lowest and highest index into
    PNS_GRADES; `pppk_grade` is None when PPPK do not fill the jabatan; `skills[0]` is everyone's
    when `core_skill` is set; `title` is "" for none ("dr." stands before the name).
    """

    name: str
    title: str
    pns_grades: tuple[int, int]
    pppk_grade: str | None
    retirement_age: int
    core_skill: bool
    skills: tuple[str, ...]
    activities: tuple[Activity, ...]


@cache
def load_jabatan_catalogue() -> Mapping[str, SampleJabatan]:
    """The shipped catalogue by jabatan name, in the file's order (read once).

    Raises SampleCatalogueError when the file is not as its header describes.
    """
    text = resources.files("bot").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    return MappingProxyType(parse_jabatan_catalogue(text))


def parse_jabatan_catalogue(text: str, source: str = CATALOGUE_FILE) -> dict[str, SampleJabatan]:
    """The catalogue in TEXT (TOML) by jabatan name, in the text's order.

    Raises SampleCatalogueError, naming SOURCE, the jabatan and the key, at the first problem.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SampleCatalogueError(f"{source}: not valid TOML: {error}") from None
    rows = document.get("jabatan")
    if set(document) != {"jabatan"} or not isinstance(rows, list) or not rows:
        raise SampleCatalogueError(f"{source}: expected [[jabatan]] tables and nothing else")
    catalogue: dict[str, SampleJabatan] = {}
    for number, row in enumerate(rows, start=1):
        jabatan = _jabatan(row, f"{source}: [[jabatan]] number {number}")
        if jabatan.name in catalogue:
            raise SampleCatalogueError(f"{source}: jabatan {jabatan.name!r} is listed twice")
        catalogue[jabatan.name] = jabatan
    return catalogue


def _jabatan(row: object, where: str) -> SampleJabatan:
    row = _table(row, _KEYS, {"golongan_pppk"}, where)
    name = _text(row, "name", where)
    where = f"{where} ({name!r})"
    low, high = (_choice(g, PNS_GRADES, "golongan_pns", where) for g in _pair(row, where))
    if low > high:
        raise SampleCatalogueError(f"{where}: `golongan_pns` must go from low to high")
    pppk = row.get("golongan_pppk")
    retirement_age = _value(row, "retirement_age", int, where)
    if retirement_age <= MIN_RETIREMENT_AGE:
        raise SampleCatalogueError(
            f"{where}: `retirement_age` must be above {MIN_RETIREMENT_AGE}, got {retirement_age}"
        )
    core_skill = _value(row, "core_skill", bool, where)
    skills = tuple(_texts(row, "skills", where))
    if len(skills) < (1 if core_skill else 2):
        # Without a core skill everyone gets one or two of them, so two must be there to pick.
        raise SampleCatalogueError(f"{where}: `skills` needs two or more without `core_skill`")
    tasks = _value(row, "tasks", list, where)
    if not tasks:
        raise SampleCatalogueError(f"{where}: `tasks` must list at least one task")
    activities = tuple(
        _activity(task, name, f"{where}, task {n}") for n, task in enumerate(tasks, 1)
    )
    if len({a.name for a in activities}) != len(activities):
        raise SampleCatalogueError(f"{where}: two tasks have the same name")
    return SampleJabatan(
        name,
        _value(row, "title", str, where),
        (low, high),
        None if pppk is None else PPPK_GRADES[_choice(pppk, PPPK_GRADES, "golongan_pppk", where)],
        retirement_age,
        core_skill,
        skills,
        activities,
    )


def _activity(task: object, jabatan: str, where: str) -> Activity:
    task = _table(task, _TASK_KEYS, set(), where)
    minutes = task["minutes"]
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
        raise SampleCatalogueError(
            f"{where}: `minutes` must be a positive number, got {minutes!r}"
        )
    name, output_unit = _text(task, "name", where), _text(task, "output_unit", where)
    return Activity("", jabatan, name, output_unit, float(minutes), 0.0)


def _table(
    value: object, keys: frozenset[str], optional: set[str], where: str
) -> dict[str, object]:
    if not isinstance(value, dict):
        raise SampleCatalogueError(f"{where}: expected a table, got {value!r}")
    unknown, missing = sorted(set(value) - keys), sorted(keys - optional - set(value))
    if unknown or missing:
        problems = [f"unknown keys: {', '.join(unknown)}"] if unknown else []
        problems += [f"missing keys: {', '.join(missing)}"] if missing else []
        raise SampleCatalogueError(f"{where}: {'; '.join(problems)}")
    return value


def _value(row: Mapping[str, object], key: str, kind: type[_T], where: str) -> _T:
    """ROW[KEY] when it is a KIND (a bool is not an int here)."""
    value = row[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise SampleCatalogueError(f"{where}: `{key}` must be {_KIND_NAMES[kind]}, got {value!r}")
    return value


def _text(row: Mapping[str, object], key: str, where: str) -> str:
    value = _value(row, key, str, where)
    if not value.strip():
        raise SampleCatalogueError(f"{where}: `{key}` must not be empty")
    return value


def _texts(row: Mapping[str, object], key: str, where: str) -> list[str]:
    values = _value(row, key, list, where)
    return [_text({key: value}, key, where) for value in values]


def _pair(row: Mapping[str, object], where: str) -> list[object]:
    grades = _value(row, "golongan_pns", list, where)
    if len(grades) != 2:
        raise SampleCatalogueError(f"{where}: `golongan_pns` must be [lowest, highest]")
    return grades


def _choice(value: object, allowed: tuple[str, ...], key: str, where: str) -> int:
    if value not in allowed:
        raise SampleCatalogueError(
            f"{where}: `{key}` must be one of {', '.join(allowed)}, got {value!r}"
        )
    return allowed.index(str(value))
