"""A small agency for handler and end-to-end tests: units, people, ABK activities."""

from __future__ import annotations

import datetime as dt

from core.domain import Activity, Role, RoleGrant, ScopeKind, Unit
from tests.support.agency import Agency, person

#: 09:00 WIB on Monday 2 November 2026.
START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
NURSE = "Perawat Terampil"


def _unit(code: str, name: str, opd: str = "Dinas Kesehatan") -> Unit:
    return Unit(code, name, opd, -7.9, 110.6)


HOME = _unit("PKM-A", "Puskesmas Sukamaju")
OTHER = _unit("PKM-B", "Puskesmas Sukajaya")
CEMPAKA = _unit("PKM-C", "Puskesmas Cempaka")
HOSPITAL = _unit("RSUD", "RSUD Wonosari")
SCHOOL = _unit("SDN-1", "SD Negeri 1 Harapan", "Dinas Pendidikan")
VILLAGES = [_unit(f"PKM-V{i:02d}", f"Puskesmas Desa {i:02d}") for i in range(1, 9)]
UNITS = [HOME, OTHER, CEMPAKA, HOSPITAL, SCHOOL, *VILLAGES]


SITI = person("198703122010012003", "Siti Rahmawati", "PKM-A", NURSE, dt.date(2019, 1, 1))
RINA = person("199002022015032004", "Rina Kartika", "PKM-A", NURSE, dt.date(2020, 5, 1))
#: 14 months in her unit on START.
DEWI = person("199505052019032001", "Dewi Lestari", "PKM-B", NURSE, dt.date(2025, 9, 1))
KEPALA = person(
    "197801012003121002", "Dr. Bambang Hartono", "PKM-A", "Kepala Puskesmas", dt.date(2018, 1, 1)
)
ADMIN = person(
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


#: KEPALA supervises PKM-A, ADMIN is admin everywhere; nurse ABK in every health unit.
HANDLER_AGENCY = Agency(
    units=tuple(UNITS),
    people=tuple(PEOPLE),
    activities=(
        *(a for u in UNITS if u.opd == "Dinas Kesehatan" for a in nurse_activities(u.code)),
        Activity("SDN-1", "Guru Ahli Pertama", "Mengajar", "jam pelajaran", 45.0, 900.0),
    ),
    grants=(
        RoleGrant(KEPALA.nip, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-A"),
        RoleGrant(ADMIN.nip, Role.ADMIN, ScopeKind.ALL, None),
    ),
)
