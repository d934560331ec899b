"""The sample kabupaten's jabatan catalogue (bot/sample_jabatan.toml): what the sample needs is
there, and a broken file is refused with a message naming the jabatan and the key."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.sample_agency import CENTRAL_OFFICES, UNIT_KINDS, generate_sample_agency
from bot.sample_catalogue import (
    PNS_GRADES,
    SampleCatalogueError,
    load_jabatan_catalogue,
    parse_jabatan_catalogue,
)

GOOD_ROW = """
[[jabatan]]
name = "Penata Kelola Arsip"
title = ""
golongan_pns = ["II/a", "II/d"]
retirement_age = 58
core_skill = false
skills = ["arsip", "tata naskah dinas"]
tasks = [{ name = "Menata arsip", output_unit = "berkas", minutes = 15 }]
"""


def test_the_shipped_catalogue_has_every_jabatan_the_sample_staffs() -> None:
    catalogue = load_jabatan_catalogue()
    staffed = {jabatan for kind in UNIT_KINDS.values() for jabatan, _, _ in kind.staffing}
    staffed |= {jabatan for _, _, extra in CENTRAL_OFFICES for jabatan, _, _ in extra}
    agency = generate_sample_agency("S", 7, dt.date(2026, 3, 2))
    staffed |= {person.jabatan for person in agency.employees}
    assert staffed <= set(catalogue)
    assert [info.jabatan for info in agency.catalogue] == list(catalogue)


def test_every_shipped_jabatan_is_complete_and_its_activities_are_unplaced() -> None:
    catalogue = load_jabatan_catalogue()
    assert len(catalogue) == 20
    for name, jabatan in catalogue.items():
        assert jabatan.name == name
        low, high = jabatan.pns_grades
        assert 0 <= low <= high < len(PNS_GRADES)
        assert len(jabatan.skills) >= (1 if jabatan.core_skill else 2)
        assert jabatan.retirement_age in (58, 60)
        assert jabatan.activities
        for activity in jabatan.activities:
            assert (activity.unit_code, activity.jabatan) == ("", name)
            assert activity.minutes_per_output > 0 and activity.annual_volume == 0
    teacher = catalogue["Guru Ahli Pertama"]
    assert (PNS_GRADES[teacher.pns_grades[0]], teacher.pppk_grade) == ("III/a", "IX")
    assert catalogue["Dokter Ahli Pertama"].title == "dr."
    assert catalogue["Radiografer Terampil"].pppk_grade is None


def test_a_good_row_is_read_with_its_values() -> None:
    (jabatan,) = parse_jabatan_catalogue(GOOD_ROW).values()
    assert jabatan.name == "Penata Kelola Arsip"
    assert [PNS_GRADES[i] for i in jabatan.pns_grades] == ["II/a", "II/d"]
    assert (jabatan.pppk_grade, jabatan.retirement_age, jabatan.core_skill) == (None, 58, False)
    (task,) = jabatan.activities
    assert (task.name, task.output_unit, task.minutes_per_output) == (
        "Menata arsip",
        "berkas",
        15.0,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("name = ", "nama = "),
            "[[jabatan]] number 1: unknown keys: nama; missing keys: name",
        ),
        (('golongan_pns = ["II/a", "II/d"]', 'golongan_pns = ["II/a", "II/x"]'), "II/x"),
        (('golongan_pns = ["II/a", "II/d"]', 'golongan_pns = ["II/d", "II/a"]'), "low to high"),
        (('golongan_pns = ["II/a", "II/d"]', 'golongan_pns = ["II/a"]'), "[lowest, highest]"),
        (
            ("retirement_age = 58", 'retirement_age = "58"'),
            "`retirement_age` must be a whole number",
        ),
        (("retirement_age = 58", "retirement_age = 20"), "`retirement_age` must be above 25"),
        (("core_skill = false", "core_skill = 0"), "`core_skill` must be true or false"),
        (('skills = ["arsip", "tata naskah dinas"]', 'skills = ["arsip"]'), "two or more"),
        (("minutes = 15", "minutes = -15"), "task 1: `minutes` must be a positive number"),
        (("minutes = 15", "minutes = true"), "`minutes` must be a positive number, got True"),
        (('output_unit = "berkas"', 'output_unit = " "'), "`output_unit` must not be empty"),
        (("tasks = [{", "tasks = [] #"), "`tasks` must list at least one task"),
        (("title = ", "golongan_pppk = 'XVIII'\ntitle = "), "`golongan_pppk` must be one of"),
        (("[[jabatan]]", "[jabatan]"), "expected [[jabatan]] tables"),
        (("name = ", "name = = "), "not valid TOML"),
    ],
)
def test_a_broken_row_is_refused_naming_the_jabatan_and_the_key(
    change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in GOOD_ROW
    with pytest.raises(SampleCatalogueError) as refused:
        parse_jabatan_catalogue(GOOD_ROW.replace(old, new, 1), "katalog.toml")
    assert str(refused.value).startswith("katalog.toml: ")
    assert message in str(refused.value)
    if "number 1:" not in message and "TOML" not in message and "tables" not in message:
        assert "'Penata Kelola Arsip'" in str(refused.value)


def test_a_jabatan_listed_twice_is_refused() -> None:
    with pytest.raises(SampleCatalogueError, match="'Penata Kelola Arsip' is listed twice"):
        parse_jabatan_catalogue(GOOD_ROW + GOOD_ROW)
