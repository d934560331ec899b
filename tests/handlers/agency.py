"""A small agency for handler and end-to-end tests: units, people, ABK activities, a clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.domain import Activity, Employee, Role, RoleGrant, ScopeKind, Unit
from core.ports import UnitOfWork

#: 09:00 WIB on Monday 2 November 2026.
START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
NURSE = "Perawat Terampil"


class SettableClock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.current = now

    def now(self) -> dt.datetime:
        """The time the test set."""
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        """Move time forward."""
        self.current += delta


def _unit(code: str, name: str, opd: str = "Dinas Kesehatan") -> Unit:
    return Unit(code, name, opd, -7.9, 110.6)


HOME = _unit("PKM-A", "Puskesmas Sukamaju")
OTHER = _unit("PKM-B", "Puskesmas Sukajaya")
CEMPAKA = _unit("PKM-C", "Puskesmas Cempaka")
HOSPITAL = _unit("RSUD", "RSUD Wonosari")
SCHOOL = _unit("SDN-1", "SD Negeri 1 Harapan", "Dinas Pendidikan")
VILLAGES = [_unit(f"PKM-V{i:02d}", f"Puskesmas Desa {i:02d}") for i in range(1, 9)]
UNITS = [HOME, OTHER, CEMPAKA, HOSPITAL, SCHOOL, *VILLAGES]


def _person(nip: str, name: str, unit: str, jabatan: str, tmt: dt.date) -> Employee:
    return Employee(nip, name, "PNS", unit, jabatan, "III/a", tmt, 58)


SITI = _person("198703122010012003", "Siti Rahmawati", "PKM-A", NURSE, dt.date(2019, 1, 1))
RINA = _person("199002022015032004", "Rina Kartika", "PKM-A", NURSE, dt.date(2020, 5, 1))
#: 14 months in her unit on START.
DEWI = _person("199505052019032001", "Dewi Lestari", "PKM-B", NURSE, dt.date(2025, 9, 1))
KEPALA = _person(
    "197801012003121002", "Dr. Bambang Hartono", "PKM-A", "Kepala Puskesmas", dt.date(2018, 1, 1)
)
ADMIN = _person(
    "198001012005011003", "Andi Operator", "RSUD", "Pengadministrasi Umum", dt.date(2012, 1, 1)
)
PEOPLE = [SITI, RINA, DEWI, KEPALA, ADMIN]

CARE = "Asuhan keperawatan"
OUTREACH = "Penyuluhan kesehatan"


def nurse_activities(unit_code: str) -> list[Activity]:
    """The nurse ABK of a health unit: 100 patients and 7 sessions a month make 76,200 min/yr."""
    return [
        Activity(unit_code, NURSE, CARE, "pasien", 60.0, 1200.0),
        Activity(unit_code, NURSE, OUTREACH, "kegiatan", 50.0, 84.0),
    ]


@dataclass(frozen=True)
class SeededAgency:
    """What the seed put in the database."""

    units: list[Unit]
    people: list[Employee]


async def seed_agency(uow: UnitOfWork) -> SeededAgency:
    """Insert the agency and commit: KEPALA supervises PKM-A, ADMIN is admin everywhere."""
    for unit in UNITS:
        await uow.units.upsert(unit)
    for person in PEOPLE:
        await uow.employees.upsert(person)
    for unit in UNITS:
        if unit.opd == "Dinas Kesehatan":
            for activity in nurse_activities(unit.code):
                await uow.activities.upsert(activity)
    await uow.activities.upsert(
        Activity("SDN-1", "Guru Ahli Pertama", "Mengajar", "jam pelajaran", 45.0, 900.0)
    )
    await uow.roles.grant(RoleGrant(KEPALA.nip, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-A"))
    await uow.roles.grant(RoleGrant(ADMIN.nip, Role.ADMIN, ScopeKind.ALL, None))
    await uow.commit()
    return SeededAgency(UNITS, PEOPLE)
