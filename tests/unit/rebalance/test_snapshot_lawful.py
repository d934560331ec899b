"""The instance built from the agency's records carries every issue 15 fact, and a teacher
fills only their own subject's need."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import build_app
from core.domain import Activity, ReasonCategory, Unit
from core.domain.eligibility import JabatanInfo
from core.rebalance import solve
from core.rebalance.snapshot import build_instance
from tests.unit.rebalance.test_snapshot import NOW, TODAY, A, B, staff, wish

GURU = "Guru Ahli Pertama"
SCHOOLS = [
    Unit("SMP-1", "SMP Negeri 1", "Disdik", -7.30, 110.00),
    Unit("SMP-2", "SMP Negeri 2", "Disdik", -7.32, 110.02),
]
MATH_TEACHERS = ["199001012015031001", "199202022016032002", "198803032012031003"]


def teach(unit: str, mapel: str, fte: float) -> Activity:
    return Activity(unit, GURU, f"Mengajar {mapel}", "jam", 60.0, fte * 75_000 / 60.0, mapel)


def schools(need_at_smp2: str) -> list[tuple[str, str]]:
    """Three mathematics teachers at SMP-1, which needs one; SMP-2 needs 2 of NEED_AT_SMP2."""
    people = [
        staff(n, "SMP-1", jabatan=GURU, mapel="matematika", tmt_unit=dt.date(2018, 1, 1))
        for n in MATH_TEACHERS
    ]
    activities = [teach("SMP-1", "matematika", 1.0), teach("SMP-2", need_at_smp2, 2.0)]
    inst = build_instance(SCHOOLS, people, activities, [], [], TODAY)
    return [(m.employee, m.to_unit) for m in solve(inst, time_limit=10).moves]


def test_a_mathematics_teacher_never_fills_an_indonesian_language_need() -> None:
    assert schools("bahasa indonesia") == []
    assert len(schools("matematika")) == 2


def test_heads_daerah_khusus_catalogue_and_dated_facts_reach_the_instance() -> None:
    units = [
        dataclasses.replace(SCHOOLS[0], daerah_khusus=True),
        dataclasses.replace(SCHOOLS[1], head_nip=B),
    ]
    people = [
        staff(A, "SMP-1", jabatan="Tenaga Pengajar", skp_1="Baik", skp_2="Kurang",
              lock_reason="izin belajar", lock_kind="tugas_belajar",
              lock_until=dt.date(2027, 7, 1), mapel="ipa"),
        staff(B, "SMP-2", status="PPPK", contract_end=dt.date(2027, 12, 31)),
    ]  # fmt: skip
    aspirations = [wish(A, ("SMP-2",), willingness=1)]
    inst = build_instance(
        units, people, [teach("SMP-2", "ipa", 1.0)], aspirations, [], TODAY,
        catalogue=[JabatanInfo("tenaga  pengajar", "guru", False, 36)],
        unit_heads={"SMP-1": ("198001012005011001",), "SMP-2": ("someone-else",)},
        tmt=dt.date(2027, 2, 1),
    )  # fmt: skip
    one, two = inst.units
    assert (one.daerah_khusus, one.heads) == (True, ("198001012005011001",))
    assert two.heads == (B,)  # kepala_nip wins over the supervisor grant
    a, b = inst.employees
    assert (a.jenis, a.min_tenure_months, a.family) == ("guru", 36, "Tenaga Pengajar · ipa")
    assert (a.locked, a.lock_until, a.skp) == (True, dt.date(2027, 7, 1), ("Baik", "Kurang"))
    assert (a.willingness, a.aspiration_reason) == (1, "home")
    assert (b.status, b.contract_end, b.jenis) == ("PPPK", dt.date(2027, 12, 31), "kesehatan")
    assert (inst.date, inst.tmt) == (TODAY, dt.date(2027, 2, 1))
    assert two.demand["Guru Ahli Pertama · ipa"] == 1.0


def test_a_pending_transfer_locks_without_an_end_date() -> None:
    person = staff(A, "SMP-1", lock_kind="cltn", lock_until=TODAY)
    (free,) = build_instance(SCHOOLS, [person], [], [], [], TODAY).employees
    assert free.locked and free.lock_until == TODAY  # dated: over today
    (busy,) = build_instance(SCHOOLS, [person], [], [], [A], TODAY).employees
    assert busy.locked and busy.lock_until is None


def test_mutasi_solve_on_a_v2_instance_with_every_rule_active(tmp_path: Path) -> None:
    """The CLI reads a /2 file using every new field and writes a plan that keeps them all."""
    teachers = [
        staff(n, "SMP-1", jabatan=GURU, mapel="matematika", tmt_unit=dt.date(2018, 1, 1))
        for n in MATH_TEACHERS
    ]
    blocked = [
        staff("199505052020121004", "SMP-1", jabatan=GURU, mapel="matematika", status="CPNS"),
        staff("199505052020121005", "SMP-1", jabatan=GURU, mapel="matematika",
              tmt_unit=dt.date(2023, 6, 1)),  # 41 months: under the teachers' 48
        staff("199505052020121006", "SMP-1", jabatan=GURU, mapel="matematika",
              skp_1="Kurang", tmt_unit=dt.date(2018, 1, 1)),
        staff("199505052020121007", "SMP-1", jabatan=GURU, mapel="matematika",
              lock_kind="disiplin", tmt_unit=dt.date(2018, 1, 1)),
    ]  # fmt: skip
    people = teachers + blocked
    activities = [teach("SMP-1", "matematika", 1.0), teach("SMP-2", "matematika", 6.0)]
    aspirations = [
        wish(MATH_TEACHERS[0], ("SMP-2",), willingness=3, reason=ReasonCategory.CAREER),
        wish(MATH_TEACHERS[1], ("SMP-2",), willingness=1),
    ]
    units = [dataclasses.replace(SCHOOLS[0], head_nip=MATH_TEACHERS[2]), SCHOOLS[1]]
    inst = build_instance(
        units, people, activities, aspirations, [], TODAY, tmt=dt.date(2027, 2, 1)
    )
    path = tmp_path / "instance.json"
    path.write_text(inst.to_json())
    assert json.loads(path.read_text())["format"] == "mutasi-instance/2"
    result = CliRunner().invoke(build_app(), ["solve", str(path), "--time-limit", "10"])
    assert result.exit_code == 0, result.output
    solution = json.loads(result.stdout)
    assert solution["format"] == "mutasi-solution/2"
    moved = {m["employee"]: m for m in solution["moves"]}
    # the two free teachers move; the head, the CPNS, the new one, the SKP and the lock stay
    assert set(moved) == {MATH_TEACHERS[0], MATH_TEACHERS[1]}
    assert moved[MATH_TEACHERS[0]]["explanation"]["aspiration_reason"] == "career"
    assert dt.datetime(2027, 1, 1, tzinfo=dt.UTC) > NOW
