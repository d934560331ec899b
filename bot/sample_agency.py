"""A believable sample kabupaten, generated from a seed: units, ASN, ABK activities, aspirations.

"Kabupaten Sidaharja" is made up: a box in Central Java with kecamatan clusters, each with a
kecamatan office, puskesmas, SD and SMP Negeri; the central OPDs and the RSUD sit in the
kecamatan that is the capital. Staffing is deliberately uneven (some units clearly over, some
under their ABK need) so that the rebalancing has something to do. The generator is pure and
deterministic for (size, seed, today); `store_sample_people` writes the parts that are not one of
the three import files (aspirations, role grants) through the ports.

Demo tooling, not the domain: it lives beside the CLI (`mutasi demo`) that uses it, outside
core/, and is shipped with the bot because the installed `mutasi demo` needs it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.sample_catalogue import PNS_GRADES, SampleJabatan, load_jabatan_catalogue
from core.domain import (
    Activity,
    Aspiration,
    AspirationWish,
    AuditEvent,
    Employee,
    EmployeeStatus,
    ReasonCategory,
    Role,
    RoleGrant,
    ScopeKind,
    Unit,
)
from core.domain.abk import DEFAULT_WKE_MINUTES
from core.domain.eligibility import SKP_RATINGS, JabatanInfo, default_jabatan_info
from core.ports import UnitOfWorkFactory
from core.usecases.aspirations import validate_aspiration

SampleSize = Literal["S", "M", "L", "XL"]
SAMPLE_SIZES: tuple[SampleSize, ...] = ("S", "M", "L", "XL")
KABUPATEN = "Kabupaten Sidaharja"
#: The audit subject that marks a database as holding the sample agency (and nothing else).
DEMO_AUDIT_SUBJECT = "demo"
EARTH_RADIUS_KM = 6371.0088
# The kabupaten's box (degrees): about 55 km north-south and 66 km east-west.
LAT_RANGE = (-7.60, -7.10)
LON_RANGE = (109.80, 110.40)


@dataclass(frozen=True, slots=True)
class SizeProfile:
    """How big a sample agency is: kecamatan and units per kecamatan, and the ASN aimed at."""

    kecamatan: int
    sd_per_kecamatan: int
    smp_per_kecamatan: int
    puskesmas_per_kecamatan: int
    central_offices: int
    target_employees: int


SIZE_PROFILES: dict[SampleSize, SizeProfile] = {
    "S": SizeProfile(3, 3, 1, 1, 6, 600),
    "M": SizeProfile(12, 6, 1, 1, 10, 5_000),
    "L": SizeProfile(30, 8, 2, 2, 10, 20_000),
    # The benchmark's largest agency (about 100,000 ASN in 1,991 units): the same kabupaten and
    # generator, many more schools and puskesmas per kecamatan.
    "XL": SizeProfile(30, 46, 12, 7, 10, 100_000),
}


@dataclass(frozen=True, slots=True)
class SampleAgency:
    """Everything generated for one sample kabupaten."""

    size: SampleSize
    seed: int
    units: tuple[Unit, ...]
    employees: tuple[Employee, ...]
    activities: tuple[Activity, ...]
    aspirations: tuple[Aspiration, ...]
    role_grants: tuple[RoleGrant, ...]
    catalogue: tuple[JabatanInfo, ...] = ()


# --------------------------------------------------------------------------------------------
# The vocabulary: places, units, names (the jabatan, their ABK activities and skills are data:
# bot/sample_jabatan.toml, read by bot.sample_catalogue)


KECAMATAN_NAMES: tuple[str, ...] = (
    "Sidaharja", "Karangrejo", "Tegalsari", "Purwodadi", "Sumberagung", "Ngadirejo",
    "Kedungjati", "Banyuurip", "Gunungsari", "Watukarang", "Jatimulyo", "Sidomukti",
    "Candirejo", "Tanjungsari", "Wonokerto", "Kalibening", "Pagersari", "Sukorejo",
    "Margoyoso", "Kembangsari", "Randusari", "Ngampel", "Pringapus", "Gedangan",
    "Bulusari", "Sendangrejo", "Mojoagung", "Tawangsari", "Selomerto", "Rejosari",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _UnitKind:
    code_prefix: str
    opd: str
    staffing: tuple[tuple[str, float, float], ...]  # (jabatan, low, high) base FTE need


_OFFICE_CORE = (
    ("Analis Kebijakan Ahli Pertama", 3, 6),
    ("Pengadministrasi Umum", 5, 9),
    ("Pengelola Keuangan", 2, 4),
    ("Pranata Komputer Ahli Pertama", 1, 2),
)
UNIT_KINDS: dict[str, _UnitKind] = {
    "SD": _UnitKind("SD", "Dinas Pendidikan", (
        ("Guru Ahli Pertama", 4, 7), ("Guru Ahli Muda", 2, 4), ("Pengadministrasi Umum", 0.6, 1.4),
    )),
    "SMP": _UnitKind("SMP", "Dinas Pendidikan", (
        ("Guru Ahli Pertama", 9, 14), ("Guru Ahli Muda", 5, 9), ("Pengadministrasi Umum", 1, 3),
        ("Pengelola Keuangan", 0.6, 1.2),
    )),
    "PKM": _UnitKind("PKM", "Dinas Kesehatan", (
        ("Perawat Terampil", 5, 9), ("Perawat Ahli Pertama", 2, 4), ("Bidan Terampil", 4, 8),
        ("Dokter Ahli Pertama", 1, 3), ("Asisten Apoteker Terampil", 1, 2),
        ("Nutrisionis Terampil", 0.6, 1.5), ("Pranata Laboratorium Kesehatan Terampil", 1, 2),
        ("Pengadministrasi Umum", 1, 3),
    )),
    "KEC": _UnitKind("KEC", "Kecamatan", (
        ("Pengadministrasi Umum", 3, 6), ("Analis Kebijakan Ahli Pertama", 1, 2),
        ("Pengelola Keuangan", 1, 2),
    )),
    "RSUD": _UnitKind("RSUD", "RSUD", (
        ("Perawat Terampil", 40, 60), ("Perawat Ahli Pertama", 20, 30),
        ("Bidan Terampil", 10, 16), ("Dokter Ahli Pertama", 8, 12),
        ("Asisten Apoteker Terampil", 3, 6), ("Pranata Laboratorium Kesehatan Terampil", 5, 8),
        ("Radiografer Terampil", 2, 4), ("Nutrisionis Terampil", 2, 3),
        ("Pengadministrasi Umum", 10, 16), ("Pengelola Keuangan", 3, 6),
    )),
}  # fmt: skip
# Central offices, in the order sizes take them: (code, name, extra staffing beyond the core).
CENTRAL_OFFICES: tuple[tuple[str, str, tuple[tuple[str, float, float], ...]], ...] = (
    ("SETDA", "Sekretariat Daerah", (("Analis Kebijakan Ahli Muda", 4, 8),)),
    ("DISDIK", "Dinas Pendidikan", ()),
    ("DINKES", "Dinas Kesehatan", (("Epidemiolog Kesehatan Ahli Pertama", 1, 3),)),
    ("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang",
     (("Teknik Jalan dan Jembatan Ahli Pertama", 4, 8),)),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM",
     (("Analis SDM Aparatur Ahli Pertama", 4, 8),)),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", (("Perencana Ahli Pertama", 3, 6),)),
    ("DINSOS", "Dinas Sosial", (("Pekerja Sosial Ahli Pertama", 2, 5),)),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", ()),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", ()),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah", (("Pengelola Keuangan", 4, 8),)),
)  # fmt: skip

_MALE_NAMES = (
    "Agus", "Budi", "Joko", "Eko", "Bambang", "Hendra", "Rudi", "Andi", "Ahmad", "Slamet",
    "Sugeng", "Wahyu", "Arif", "Teguh", "Yusuf", "Fajar", "Rizky", "Dedi", "Heru", "Imam",
    "Bayu", "Taufik", "Rahmat", "Hadi", "Sutrisno", "Purnomo", "Galih", "Dimas", "Yoga", "Aditya",
)  # fmt: skip
_FEMALE_NAMES = (
    "Sri", "Dewi", "Siti", "Rina", "Endang", "Wulan", "Ratna", "Yuni", "Indah", "Nur",
    "Fitri", "Ani", "Dian", "Retno", "Tri", "Ayu", "Kartika", "Maya", "Nurul", "Putri",
    "Eka", "Novi", "Lina", "Evi", "Umi", "Puji", "Anisa", "Laras", "Sekar", "Galuh",
)  # fmt: skip
_SURNAMES_ANY = (
    "Santoso", "Wibowo", "Setiawan", "Prasetyo", "Hidayat", "Saputra", "Kurniawan", "Nugroho",
    "Susanto", "Wijaya", "Kusuma", "Hartono", "Sulistyo", "Purnama", "Widodo", "Haryanto",
)  # fmt: skip
_SURNAMES_FEMALE = (
    "Handayani", "Lestari", "Rahayu", "Wahyuni", "Utami", "Purwanti", "Pratiwi", "Permatasari",
    "Susanti", "Anggraini", "Wulandari", "Rahmawati",
)  # fmt: skip

LOCK_REASONS: tuple[tuple[str, int], ...] = (
    ("tugas belajar", 4),
    ("hukuman disiplin", 2),
    ("ikatan dinas", 2),
    ("cuti di luar tanggungan negara", 1),
    ("proses hukum", 1),
)


# --------------------------------------------------------------------------------------------
# Generation


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in km, Earth radius 6371.0088 km
    (docs/optimisation.md)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class _Family:
    unit: Unit
    kecamatan: int
    jabatan: str
    need_fte: float
    staff: int


def _kecamatan_centres(rng: random.Random, count: int) -> list[tuple[float, float]]:
    """(lat, lon) of the first COUNT of KECAMATAN_NAMES, on a jittered grid filling the
    kabupaten's box; the first is central."""
    columns = math.ceil(math.sqrt(count * 1.2))
    rows = math.ceil(count / columns)
    cells = [(r, c) for r in range(rows) for c in range(columns)]
    middle = ((rows - 1) / 2, (columns - 1) / 2)
    centre = min(cells, key=lambda rc: (rc[0] - middle[0]) ** 2 + (rc[1] - middle[1]) ** 2)
    cells.remove(centre)
    rng.shuffle(cells)
    chosen = [centre, *cells[: count - 1]]
    (lat0, lat1), (lon0, lon1) = LAT_RANGE, LON_RANGE
    centres = []
    for r, c in chosen:
        lat = lat0 + (r + 0.5 + rng.uniform(-0.25, 0.25)) * (lat1 - lat0) / rows
        lon = lon0 + (c + 0.5 + rng.uniform(-0.25, 0.25)) * (lon1 - lon0) / columns
        centres.append((round(lat, 6), round(lon, 6)))
    return centres


def _near(
    rng: random.Random, point: tuple[float, float], spread_deg: float
) -> tuple[float, float]:
    """A (lat, lon) scattered around POINT (lat, lon), inside the kabupaten's box."""
    lat = min(max(point[0] + rng.gauss(0, spread_deg), LAT_RANGE[0]), LAT_RANGE[1])
    lon = min(max(point[1] + rng.gauss(0, spread_deg), LON_RANGE[0]), LON_RANGE[1])
    return round(lat, 6), round(lon, 6)


def _unit_skills(
    rng: random.Random, staffing: Sequence[tuple[str, float, float]]
) -> tuple[str, ...]:
    pool: list[str] = []
    for jabatan, _, _ in staffing:
        for skill in load_jabatan_catalogue()[jabatan].skills:
            if skill not in pool:
                pool.append(skill)
    return tuple(sorted(rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))))


def _units(
    rng: random.Random, profile: SizeProfile, centres: Sequence[tuple[float, float]]
) -> list[tuple[Unit, int, tuple[tuple[str, float, float], ...]]]:
    """Units with their kecamatan index and base staffing ranges."""
    made: list[tuple[Unit, int, tuple[tuple[str, float, float], ...]]] = []

    def add(
        code: str,
        name: str,
        opd: str,
        kecamatan: int,
        staffing: tuple[tuple[str, float, float], ...],
        spread: float = 0.012,
    ) -> None:
        lat, lon = _near(rng, centres[kecamatan], spread)
        made.append(
            (Unit(code, name, opd, lat, lon, _unit_skills(rng, staffing)), kecamatan, staffing)
        )

    capital = KECAMATAN_NAMES[0]
    for code, name, extra in CENTRAL_OFFICES[: profile.central_offices]:
        special = {jabatan for jabatan, _, _ in extra}
        core = tuple(row for row in _OFFICE_CORE if row[0] not in special)
        add(code, f"{name} {KABUPATEN}", name, 0, (*core, *extra), 0.006)
    add("RSUD", f"RSUD {capital}", "RSUD", 0, UNIT_KINDS["RSUD"].staffing, 0.006)
    for index, place in enumerate(KECAMATAN_NAMES[: len(centres)]):
        slug = place.upper()
        add(
            f"KEC-{slug}",
            f"Kantor Kecamatan {place}",
            "Kecamatan",
            index,
            UNIT_KINDS["KEC"].staffing,
            0.004,
        )
        for number in range(1, profile.puskesmas_per_kecamatan + 1):
            suffix = "" if profile.puskesmas_per_kecamatan == 1 else f" {'I' * number}"
            code = f"PKM-{slug}" + ("" if profile.puskesmas_per_kecamatan == 1 else f"-{number}")
            add(
                code,
                f"Puskesmas {place}{suffix}",
                "Dinas Kesehatan",
                index,
                UNIT_KINDS["PKM"].staffing,
            )
        for number in range(1, profile.smp_per_kecamatan + 1):
            add(
                f"SMP-{slug}-{number}",
                f"SMP Negeri {number} {place}",
                "Dinas Pendidikan",
                index,
                UNIT_KINDS["SMP"].staffing,
            )
        for number in range(1, profile.sd_per_kecamatan + 1):
            add(
                f"SD-{slug}-{number}",
                f"SD Negeri {number} {place}",
                "Dinas Pendidikan",
                index,
                UNIT_KINDS["SD"].staffing,
                0.02,
            )
    return made


def _families(
    rng: random.Random,
    profile: SizeProfile,
    units: Sequence[tuple[Unit, int, tuple[tuple[str, float, float], ...]]],
) -> list[_Family]:
    """Need per (unit, jabatan), scaled to the target size, and a deliberately uneven staffing."""
    base: list[tuple[Unit, int, str, float]] = [
        (unit, kecamatan, jabatan, rng.uniform(low, high))
        for unit, kecamatan, staffing in units
        for jabatan, low, high in staffing
    ]
    scale = profile.target_employees / sum(need for *_, need in base)
    families = []
    tendency_of: dict[str, float] = {}
    for unit, _, _ in units:
        # A unit tends to be over- or under-staffed as a whole; most are about right.
        roll = rng.random()
        tendency_of[unit.code] = (
            rng.uniform(1.3, 1.7) if roll < 0.2 else rng.uniform(0.45, 0.75) if roll < 0.4 else 1.0
        )
    for unit, kecamatan, jabatan, need in base:
        need_fte = round(need * scale, 2)
        tendency = tendency_of[unit.code]
        factor = tendency * rng.uniform(0.9, 1.1) if tendency != 1.0 else rng.uniform(0.85, 1.15)
        staff = max(0, round(need_fte * factor))
        if staff == 0 and need_fte >= 0.5 and tendency >= 1.0:
            staff = 1
        families.append(_Family(unit, kecamatan, jabatan, need_fte, staff))
    return families


def _activities(
    rng: random.Random, families: Sequence[_Family], wke_minutes: float
) -> list[Activity]:
    """ABK activities whose yearly minutes add up to each family's need (in FTE x WKE)."""
    activities = []
    for family in families:
        tasks = load_jabatan_catalogue()[family.jabatan].activities
        weights = [rng.uniform(1.0, 3.0) for _ in tasks]
        total = sum(weights)
        minutes = family.need_fte * wke_minutes
        for task, weight in zip(tasks, weights, strict=True):
            volume = max(1, round(minutes * weight / total / task.minutes_per_output))
            activities.append(
                replace(task, unit_code=family.unit.code, annual_volume=float(volume))
            )
    return activities


def _years_before(day: dt.date, years: float) -> dt.date:
    return day - dt.timedelta(days=round(years * 365.25))


class _NipMaker:
    """Valid, unique NIPs: PNS (birth, CPNS year-month, gender, sequence) and PPPK."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def pns(self, birth: dt.date, appointed: dt.date, gender: int) -> str:
        head = f"{birth:%Y%m%d}{appointed:%Y%m}{gender}"
        return self._unique(head, 3)

    def pppk(self, birth: dt.date, year: int) -> str:
        return self._unique(f"{birth:%Y%m%d}{year:04d}21", 4)

    def _unique(self, head: str, digits: int) -> str:
        while True:
            nip = f"{head}{self.rng.randint(1, 10**digits - 1):0{digits}d}"
            if nip not in self.used:
                self.used.add(nip)
                return nip


def _person_name(rng: random.Random, gender: int, jabatan: SampleJabatan) -> str:
    if gender == 1:
        name = f"{rng.choice(_MALE_NAMES)} {rng.choice(_SURNAMES_ANY)}"
    else:
        surnames = _SURNAMES_ANY + _SURNAMES_FEMALE
        name = f"{rng.choice(_FEMALE_NAMES)} {rng.choice(surnames)}"
    if jabatan.title == "dr.":
        return f"dr. {name}"
    return f"{name}, {jabatan.title}" if jabatan.title else name


def _employees(
    rng: random.Random,
    families: Sequence[_Family],
    centres: Sequence[tuple[float, float]],
    today: dt.date,
) -> list[Employee]:
    nips = _NipMaker(rng)
    people: list[Employee] = []
    lock_names = [name for name, _ in LOCK_REASONS]
    lock_weights = [weight for _, weight in LOCK_REASONS]
    for family in families:
        jabatan = load_jabatan_catalogue()[family.jabatan]
        for _ in range(family.staff):
            gender = rng.choice((1, 2))
            retirement_age = jabatan.retirement_age
            if rng.random() < 0.05:
                age = rng.uniform(retirement_age - 1.0, retirement_age - 0.1)  # retiring soon
            else:
                age = rng.uniform(24.0, retirement_age - 1.0)
            birth = _years_before(today, age)
            pppk = jabatan.pppk_grade is not None and age < 45 and rng.random() < 0.25
            status: EmployeeStatus = "PPPK" if pppk else "PNS"
            appointed_age = rng.uniform(22.0, min(35.0, age - 0.5))
            appointed = _years_before(today, age - appointed_age).replace(day=1)
            if pppk:
                appointed = dt.date(max(2019, min(appointed.year, today.year)), 1, 1)
                nip = nips.pppk(birth, appointed.year)
                golongan = jabatan.pppk_grade or "V"
            else:
                nip = nips.pns(birth, appointed, gender)
                low, high = jabatan.pns_grades
                steps = int((today - appointed).days / 365.25 / 4)
                golongan = PNS_GRADES[min(high, low + steps)]
            roll = rng.random()
            years_in_unit = (
                rng.uniform(0.1, 1.9)
                if roll < 0.25
                else rng.uniform(2.0, 8.0)
                if roll < 0.8
                else rng.uniform(8.0, 15.0)
            )
            tmt_unit = max(appointed, _years_before(today, years_in_unit))
            home = (
                _near(rng, rng.choice(centres), 0.02)
                if rng.random() < 0.12
                else _near(rng, (family.unit.lat, family.unit.lon), 0.03)
            )
            if jabatan.core_skill:
                others = rng.sample(
                    jabatan.skills[1:], k=min(len(jabatan.skills) - 1, rng.randint(0, 2))
                )
                skills = tuple(sorted({jabatan.skills[0], *others}))
            else:
                skills = tuple(sorted(rng.sample(jabatan.skills, k=rng.randint(1, 2))))
            lock = rng.choices(lock_names, lock_weights)[0] if rng.random() < 0.03 else None
            people.append(
                Employee(
                    nip=nip,
                    name=_person_name(rng, gender, jabatan),
                    status=status,
                    unit_code=family.unit.code,
                    jabatan=family.jabatan,
                    golongan=golongan,
                    tmt_unit=tmt_unit,
                    retirement_age=retirement_age,
                    skills=skills,
                    home_lat=home[0],
                    home_lon=home[1],
                    lock_reason=lock,
                )
            )
    return people


def _pair_couples(
    rng: random.Random, people: list[Employee], kecamatan_of_unit: dict[str, int]
) -> list[Employee]:
    """About one in ten ASN married to another ASN: reciprocal NIPs, one shared home."""
    by_kecamatan: dict[int, list[int]] = {}
    for index, person in enumerate(people):
        by_kecamatan.setdefault(kecamatan_of_unit[person.unit_code], []).append(index)
    partner: dict[int, int] = {}
    order = list(range(len(people)))
    rng.shuffle(order)
    kecamatan_count = max(by_kecamatan) + 1
    for index in order:
        if index in partner or rng.random() > 0.06:
            continue
        home_k = kecamatan_of_unit[people[index].unit_code]
        # Usually in the same kecamatan; sometimes a neighbouring one (a reason to ask to move).
        k = home_k if rng.random() < 0.7 else rng.randrange(kecamatan_count)
        candidates = [i for i in by_kecamatan.get(k, []) if i != index and i not in partner]
        if not candidates:
            continue
        other = rng.choice(candidates[:50] if len(candidates) > 50 else candidates)
        partner[index], partner[other] = other, index
    paired = list(people)
    for index, other in partner.items():
        first = min(index, other)
        home_lat, home_lon = people[first].home_lat, people[first].home_lon
        paired[index] = replace(
            people[index], home_lat=home_lat, home_lon=home_lon, spouse_nip=people[other].nip
        )
    return paired


def _aspirations(
    rng: random.Random,
    people: Sequence[Employee],
    units: Sequence[Unit],
    families: Sequence[_Family],
    today: dt.date,
) -> list[Aspiration]:
    """About a quarter of ASN ask to move: mostly nearer home, to a spouse, or for a career."""
    unit_by_code = {unit.code: unit for unit in units}
    units_for_jabatan: dict[str, list[Unit]] = {}
    for family in families:
        units_for_jabatan.setdefault(family.jabatan, []).append(family.unit)
    by_nip = {person.nip: person for person in people}
    staff_of_unit: dict[str, int] = {}
    for family in families:
        staff_of_unit[family.unit.code] = staff_of_unit.get(family.unit.code, 0) + family.staff
    aspirations = []
    for person in people:
        if rng.random() > 0.25:
            continue
        own = unit_by_code[person.unit_code]
        options = [u for u in units_for_jabatan[person.jabatan] if u.code != own.code]
        if not options:
            continue
        assert person.home_lat is not None and person.home_lon is not None
        home_lat, home_lon = person.home_lat, person.home_lon
        from_home = distance_km(home_lat, home_lon, own.lat, own.lon)
        spouse = by_nip.get(person.spouse_nip) if person.spouse_nip else None
        anchor: tuple[float, float]
        if spouse is not None and spouse.unit_code != person.unit_code and rng.random() < 0.6:
            reason, anchor = (
                ReasonCategory.FAMILY,
                (unit_by_code[spouse.unit_code].lat, unit_by_code[spouse.unit_code].lon),
            )
            text = "Ingin bertugas dekat tempat kerja suami/istri."
        elif from_home > 10 or rng.random() < 0.45:
            reason, anchor = ReasonCategory.HOME, (home_lat, home_lon)
            text = f"Jarak rumah ke tempat kerja sekarang {from_home:.0f} km."
        elif rng.random() < 0.6:
            reason, anchor = ReasonCategory.CAREER, (own.lat, own.lon)
            text = "Ingin pengalaman di unit yang lebih besar."
            options.sort(key=lambda u: (-staff_of_unit.get(u.code, 0), u.code))
            options = options[:8]
        else:
            reason, anchor = (
                rng.choice((ReasonCategory.HEALTH, ReasonCategory.OTHER)),
                (home_lat, home_lon),
            )
            text = (
                "Alasan kesehatan keluarga."
                if reason == ReasonCategory.HEALTH
                else "Ingin suasana kerja baru."
            )
        nearest = sorted(options, key=lambda u: distance_km(anchor[0], anchor[1], u.lat, u.lon))
        pool = nearest[:6]
        choices = tuple(u.code for u in rng.sample(pool, k=min(len(pool), rng.randint(1, 3))))
        choices = tuple(
            sorted(
                choices,
                key=lambda code: distance_km(
                    anchor[0], anchor[1], unit_by_code[code].lat, unit_by_code[code].lon
                ),
            )
        )
        created = dt.datetime.combine(
            today - dt.timedelta(days=rng.randint(3, 300)), dt.time(2, 0), tzinfo=dt.UTC
        )
        aspirations.append(
            Aspiration(
                nip=person.nip,
                wish=AspirationWish(
                    choices=choices,
                    work_wished=person.jabatan,
                    reason=reason,
                    reason_text=text,
                    willingness=rng.choice((1, 2, 2, 3, 3)),
                ),
                created_at=created,
                expires_at=created + dt.timedelta(days=365),
            )
        )
    return aspirations


def _role_grants(people: Sequence[Employee], units: Sequence[Unit]) -> list[RoleGrant]:
    """An admin at BKPSDM, an approver at the Setda (scope: everything), a head for each unit."""
    grants: list[RoleGrant] = []
    movable = [p for p in people if p.lock_reason is None]

    def senior_first(person: Employee) -> tuple[int, str]:
        grade = PNS_GRADES.index(person.golongan) if person.golongan in PNS_GRADES else -1
        return (-grade, person.nip)

    admins = sorted((p for p in movable if p.unit_code == "BKPSDM"), key=senior_first)
    if admins:
        grants.append(RoleGrant(admins[0].nip, Role.ADMIN, ScopeKind.ALL, None))
    approvers = sorted((p for p in movable if p.unit_code == "SETDA"), key=senior_first)
    if approvers:
        grants.append(RoleGrant(approvers[0].nip, Role.APPROVER, ScopeKind.ALL, None))
    by_unit: dict[str, list[Employee]] = {}
    for person in movable:
        by_unit.setdefault(person.unit_code, []).append(person)
    for unit in units:
        staff = sorted(by_unit.get(unit.code, []), key=senior_first)
        if staff:
            grants.append(RoleGrant(staff[0].nip, Role.SUPERVISOR, ScopeKind.UNIT, unit.code))
    return grants


def generate_sample_agency(
    size: SampleSize = "S",
    seed: int = 7,
    today: dt.date = dt.date(2026, 1, 1),
    wke_minutes: float = DEFAULT_WKE_MINUTES,
) -> SampleAgency:
    """A whole sample kabupaten; the same (size, seed, today) always gives the same agency."""
    if size not in SIZE_PROFILES:
        raise ValueError(f"unknown size {size!r}: use one of {', '.join(SAMPLE_SIZES)}")
    profile = SIZE_PROFILES[size]
    rng = random.Random(f"mutasi-sample/{size}/{seed}")
    centres = _kecamatan_centres(rng, profile.kecamatan)
    unit_specs = _units(rng, profile, centres)
    units = [unit for unit, _, _ in unit_specs]
    kecamatan_of_unit = {unit.code: kecamatan for unit, kecamatan, _ in unit_specs}
    families = _families(rng, profile, unit_specs)
    activities = _activities(rng, families, wke_minutes)
    people = _employees(rng, families, centres, today)
    people = _pair_couples(rng, people, kecamatan_of_unit)
    aspirations = _aspirations(rng, people, units, families, today)
    grants = _role_grants(people, units)
    lawful = random.Random(f"mutasi-sample-lawful/{size}/{seed}")
    people = _lawful_people(lawful, people, today)
    activities = _subject_activities(lawful, activities, people)
    units = _heads_and_special_areas(units, grants)
    return SampleAgency(
        size,
        seed,
        tuple(units),
        tuple(people),
        tuple(activities),
        tuple(aspirations),
        tuple(grants),
        tuple(default_jabatan_info(name) for name in load_jabatan_catalogue()),
    )


# --------------------------------------------------------------------------------------------
# What the law and the people's own statements need (issue 15, docs/rules.md)

#: Subjects of SMP teachers; SD class teachers teach `guru kelas`.
SMP_SUBJECTS: tuple[str, ...] = (
    "matematika", "bahasa indonesia", "ipa", "ips", "bahasa inggris", "pjok",
)  # fmt: skip
CLASS_TEACHER = "guru kelas"
_LOCK_KIND_OF = {
    "tugas belajar": "tugas_belajar",
    "hukuman disiplin": "disiplin",
    "ikatan dinas": "ikatan_dinas",
    "cuti di luar tanggungan negara": "cltn",
    "proses hukum": "proses_hukum",
}
_SKP_WEIGHTS = (22.0, 74.0, 2.5, 1.2, 0.3)  # Sangat Baik ... Sangat Kurang


def _lawful_people(rng: random.Random, people: list[Employee], today: dt.date) -> list[Employee]:
    """Subjects for teachers, dated locks, SKP ratings, CPNS and PPPK contract ends."""
    out = []
    for person in people:
        changes: dict[str, object] = {}
        if person.jabatan.startswith("Guru"):
            if person.unit_code.startswith("SD-"):
                changes["mapel"] = CLASS_TEACHER
            else:
                own = [s for s in person.skills if s in SMP_SUBJECTS]
                changes["mapel"] = own[0] if own else rng.choice(SMP_SUBJECTS)
        if person.lock_reason is not None:
            changes["lock_kind"] = _LOCK_KIND_OF.get(person.lock_reason, "lainnya")
            roll = rng.random()
            if roll < 0.6:  # ends by itself in 2 to 24 months
                changes["lock_until"] = today + dt.timedelta(days=rng.randint(60, 730))
            elif roll < 0.75:  # already over: the person may be moved again
                changes["lock_until"] = today - dt.timedelta(days=rng.randint(1, 90))
        changes["skp_1"] = rng.choices(SKP_RATINGS, _SKP_WEIGHTS)[0]
        changes["skp_2"] = rng.choices(SKP_RATINGS, _SKP_WEIGHTS)[0]
        if person.status == "PPPK":
            changes["contract_end"] = today + dt.timedelta(days=rng.randint(20, 1800))
        elif (today - person.tmt_unit).days < 365 and rng.random() < 0.5:
            changes["status"] = "CPNS"  # appointed within the year: still on probation
        out.append(replace(person, **changes))  # type: ignore[arg-type]
    return out


def _subject_activities(
    rng: random.Random, activities: list[Activity], people: Sequence[Employee]
) -> list[Activity]:
    """SD teaching needs are `guru kelas`; an SMP's teaching need is split over subjects with
    its own weights (so some schools lack a subject that others have too many of)."""
    out: list[Activity] = []
    weights: dict[tuple[str, str], list[float]] = {}
    for activity in activities:
        if not activity.jabatan.startswith("Guru"):
            out.append(activity)
        elif activity.unit_code.startswith("SD-"):
            out.append(replace(activity, mapel=CLASS_TEACHER))
        else:
            key = (activity.unit_code, activity.jabatan)
            if key not in weights:
                weights[key] = [rng.uniform(0.5, 2.0) for _ in SMP_SUBJECTS]
            share = weights[key]
            total = sum(share)
            for subject, part in zip(SMP_SUBJECTS, share, strict=True):
                out.append(
                    replace(
                        activity,
                        name=f"{activity.name} ({subject})",
                        annual_volume=float(max(1, round(activity.annual_volume * part / total))),
                        mapel=subject,
                    )
                )
    return out


def _heads_and_special_areas(units: list[Unit], grants: Sequence[RoleGrant]) -> list[Unit]:
    """Schools, puskesmas, kecamatan offices and the RSUD name their head (`kepala_nip`); the
    central offices leave it to their supervisor grant. The last SD is in a daerah khusus."""
    head = {
        g.scope_value: g.nip
        for g in grants
        if g.role == Role.SUPERVISOR and g.scope_kind == ScopeKind.UNIT
    }
    last_sd = max((u.code for u in units if u.code.startswith("SD-")), default=None)
    out = []
    for unit in units:
        named = unit.code.split("-")[0] in ("SD", "SMP", "PKM", "KEC", "RSUD")
        out.append(
            replace(
                unit,
                head_nip=head.get(unit.code) if named else None,
                daerah_khusus=unit.code == last_sd,
            )
        )
    return out


async def store_sample_people(
    agency: SampleAgency, uow_factory: UnitOfWorkFactory, *, now: dt.datetime
) -> tuple[int, int]:
    """Write the agency's aspirations (unless an equal one is current), role grants and the
    audit event marking the database as a demo one.

    Returns (aspirations added, role grants added). The employees must already be imported.
    """
    async with uow_factory() as uow:
        live = {a.nip: a for a in await uow.aspirations.list_active(now)}
        new_aspirations = [
            aspiration
            for aspiration in agency.aspirations
            if not _same_wish(live.get(aspiration.nip), aspiration)
        ]
        for aspiration in new_aspirations:
            validate_aspiration(aspiration)  # the chat's rules: willingness 1-3, 1-3 choices
        await uow.aspirations.add_many(new_aspirations)
        added_grants = await uow.roles.grant_many(agency.role_grants)
        await uow.audit.add(
            AuditEvent(
                actor="demo",
                action="demo.load",
                subject=DEMO_AUDIT_SUBJECT,
                at=now,
                after={
                    "size": agency.size,
                    "seed": agency.seed,
                    "employees": len(agency.employees),
                },
            )
        )
        await uow.commit()
    return len(new_aspirations), added_grants


def _same_wish(current: Aspiration | None, aspiration: Aspiration) -> bool:
    """Whether CURRENT (a live aspiration, or None) already says what ASPIRATION says."""
    if current is None:
        return False
    old, new = current.wish, aspiration.wish
    return (old.choices, old.reason, old.reason_text) == (new.choices, new.reason, new.reason_text)
