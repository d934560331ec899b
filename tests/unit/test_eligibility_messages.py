"""/aspirasi and /status tell the person which rule stops a move and until when, in words, from
the same rules the engine uses (core.domain.eligibility) — one message per rule, both languages."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import Employee, Unit
from core.domain.eligibility import JabatanInfo
from core.rebalance.compiled import IMMOVABLE_REASONS, compile_instance
from core.rebalance.snapshot import build_instance
from core.usecases.aspirations import EligibilityPolicy, PersonContext, personal_eligibility
from handlers.formatting import problem_text
from handlers.i18n import translator

TODAY = dt.date(2026, 1, 1)
TEACHER = Employee(
    "199001012015031001", "Sri", "PNS", "SD-1", "Guru Ahli Pertama", "III/a",
    dt.date(2023, 7, 1), 60,
)  # fmt: skip
GURU = PersonContext(JabatanInfo("Guru Ahli Pertama", "guru"))
POLICY = EligibilityPolicy()


def said(employee: Employee, context: PersonContext | None = GURU, **policy: object) -> list[str]:
    rules = dataclasses.replace(POLICY, **policy)  # type: ignore[arg-type]
    problems = personal_eligibility(employee, TODAY, rules, context)
    return [problem_text(translator("id"), p) for p in problems] + [
        problem_text(translator("en"), p) for p in problems
    ]


def test_a_teacher_at_30_months_is_told_the_four_years_and_the_day() -> None:
    assert said(TEACHER) == [
        "guru: minimal 4 tahun di sekolah; Anda baru 2 tahun 6 bulan, mulai 1 Juli 2027.",
        "teacher: at least 4 years at the school; you have served 2 years 6 months, "
        "from 1 July 2027.",
    ]


def test_the_teacher_rule_goes_with_daerah_khusus_and_with_the_setting() -> None:
    special = dataclasses.replace(GURU, daerah_khusus=True)
    assert said(TEACHER, special) == []
    assert said(TEACHER, teacher_min_tenure_months=24) == []
    staff = PersonContext(JabatanInfo("Guru Ahli Pertama", "umum"))
    assert said(TEACHER, staff) == []


@pytest.mark.parametrize(
    ("changes", "context", "indonesian"),
    [
        ({"status": "CPNS", "tmt_unit": dt.date(2019, 1, 1)}, None,
         "Anda masih CPNS; CPNS tidak dapat dimutasi."),
        ({"lock_kind": "tugas_belajar", "lock_until": dt.date(2026, 9, 1),
          "tmt_unit": dt.date(2019, 1, 1)}, None,
         "Anda sedang tidak dapat dimutasi (tugas belajar) sampai 1 September 2026."),
        ({"status": "PPPK", "nip": "199203142021210007", "contract_end": dt.date(2026, 2, 28),
          "tmt_unit": dt.date(2019, 1, 1)}, None,
         "kontrak PPPK Anda berakhir 28 Februari 2026, sebelum TMT mutasi (1 Maret 2026)."),
        ({"skp_1": "Baik", "skp_2": "Kurang", "tmt_unit": dt.date(2019, 1, 1)}, None,
         "predikat SKP dua tahun terakhir harus minimal Baik (tercatat: Baik / Kurang)."),
        ({"tmt_unit": dt.date(2019, 1, 1)}, PersonContext(is_head=True),
         "Anda tercatat sebagai kepala unit; kepala unit tidak dimutasi sebagai staf biasa."),
    ],
)  # fmt: skip
def test_each_person_rule_has_its_words(
    changes: dict[str, object], context: PersonContext | None, indonesian: str
) -> None:
    person = dataclasses.replace(TEACHER, jabatan="Pengadministrasi Umum", **changes)  # type: ignore[arg-type]
    (id_text, en_text) = said(person, context)
    assert id_text == indonesian
    assert "{" not in en_text and en_text != id_text


def test_a_lock_that_has_ended_says_nothing() -> None:
    ended = dataclasses.replace(
        TEACHER,
        jabatan="Analis",
        lock_kind="disiplin",
        lock_until=TODAY,
        tmt_unit=dt.date(2019, 1, 1),
    )
    assert said(ended, None) == []


def test_the_skp_gate_off_lets_a_low_rating_pass() -> None:
    low = dataclasses.replace(TEACHER, skp_1="Kurang", tmt_unit=dt.date(2019, 1, 1))
    assert said(low, skp_gate=False) == []


STATUSES = st.sampled_from(["PNS", "PNS", "CPNS"])
DATES = st.dates(dt.date(2018, 1, 1), dt.date(2026, 1, 1))


@settings(max_examples=60, deadline=None)
@given(
    status=STATUSES,
    tmt=DATES,
    jabatan=st.sampled_from(["Guru Ahli Muda", "Perawat Terampil", "Analis Kebijakan"]),
    lock=st.sampled_from([None, "disiplin"]),
    until=st.one_of(st.none(), st.dates(dt.date(2025, 6, 1), dt.date(2026, 6, 1))),
    skp=st.sampled_from([None, "Baik", "Kurang"]),
    special=st.booleans(),
)
def test_the_aspiration_check_and_the_engine_give_the_same_first_reason(
    status: str,
    tmt: dt.date,
    jabatan: str,
    lock: str | None,
    until: dt.date | None,
    skp: str | None,
    special: bool,
) -> None:
    person = dataclasses.replace(
        TEACHER, status=status, tmt_unit=tmt, jabatan=jabatan, lock_kind=lock,  # type: ignore[arg-type]
        lock_until=until if lock else None, skp_1=skp,
    )  # fmt: skip
    school = Unit("SD-1", "SD Negeri 1", "Disdik", -7.3, 110.0, daerah_khusus=special)
    context = PersonContext(None, special, False)
    keys = [p.key for p in personal_eligibility(person, TODAY, POLICY, context)]
    inst = build_instance([school], [person], [], [], [], TODAY)
    engine_code = IMMOVABLE_REASONS[int(compile_instance(inst).immovable[0])]
    expected = {
        "": None,
        "CPNS": "eligibility.cpns",
        "TENURE": "eligibility.tenure",
        "TEACHER_TENURE": "eligibility.teacher_tenure",
        "LOCKED": "eligibility.locked_until" if person.lock_until else "eligibility.locked",
        "SKP": "eligibility.skp",
        "RETIREMENT": "eligibility.retirement",
    }[engine_code]
    assert (keys[0] if keys else None) == expected


def test_a_choice_is_refused_for_another_subject_and_for_a_unit_the_spouse_heads() -> None:
    import asyncio

    from core.domain import Activity, Role, RoleGrant, ScopeKind
    from core.usecases.aspirations import choice_problems, person_problems
    from tests.support.fakes import FakeUowFactory, Store

    spouse = "198805052012122002"
    teacher = dataclasses.replace(TEACHER, mapel="matematika", spouse_nip=spouse)
    store = Store(
        units={
            code: Unit(code, name, "Disdik", -7.3, 110.0)
            for code, name in (("SD-1", "SD Negeri 1"), ("SMP-2", "SMP Negeri 2"),
                               ("SMP-3", "SMP Negeri 3"), ("SMP-4", "SMP Negeri 4"))
        },
        activities=[
            Activity("SMP-2", "Guru Ahli Pertama", "Mengajar IPA", "jam", 40, 900, "ipa"),
            Activity("SMP-3", "Guru Ahli Pertama", "Mengajar MTK", "jam", 40, 900, "matematika"),
            Activity("SMP-4", "Guru Ahli Pertama", "Mengajar MTK", "jam", 40, 900, "matematika"),
        ],
        roles=[
            RoleGrant(spouse, Role.SUPERVISOR, ScopeKind.UNIT, "SMP-3"),
            RoleGrant(teacher.nip, Role.SUPERVISOR, ScopeKind.UNIT, "SD-1"),
        ],
    )  # fmt: skip
    store.employees[teacher.nip] = teacher
    factory = FakeUowFactory(store)

    async def check() -> tuple[list[str], list[str], list[str], list[str]]:
        async with factory() as uow:
            out = [
                [problem_text(translator("id"), p) for p in await choice_problems(uow, teacher, c)]
                for c in ("SMP-2", "SMP-3", "SMP-4")
            ]
            me = await person_problems(uow, teacher, TODAY, POLICY)
            return (*out, [p.key for p in me])  # type: ignore[return-value]

    other_subject, spouse_heads, fine, mine = asyncio.run(check())
    assert other_subject == ["SMP Negeri 2 tidak membutuhkan guru mata pelajaran matematika."]
    assert spouse_heads == [
        "SMP Negeri 3 dipimpin oleh suami/istri Anda, sehingga tidak dapat menjadi tujuan."
    ]
    assert fine == []
    # the teacher heads SD-1 (its supervisor, no kepala_nip) and has served 30 months
    assert mine == ["eligibility.teacher_tenure", "eligibility.head"]
