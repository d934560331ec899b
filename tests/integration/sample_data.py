"""Small, realistic domain values for the integration tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.domain import (
    Employee,
    Plan,
    TransferProposal,
    Unit,
)
from tests.support.agency import Agency
from tests.support.outbox_samples import explanation
from tests.support.plan_documents import plan_document

JAKARTA = ZoneInfo("Asia/Jakarta")
#: A fixed local moment (WIB) so stored-and-read-back times are checked across a zone change.
NOW = dt.datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=JAKARTA)

PUSKESMAS_A = Unit("PKM-A", "Puskesmas Sukamaju", "Dinas Kesehatan", -6.2, 106.8, ("keperawatan",))
PUSKESMAS_B = Unit("PKM-B", "Puskesmas Sukajaya", "Dinas Kesehatan", -6.3, 106.9)
SD_1 = Unit(
    "SDN-1", "SD Negeri 1 Harapan", "Dinas Pendidikan", -6.25, 106.85, ("matematika", "ipa")
)

NURSE = Employee(
    nip="198703122010012003",
    name="Siti Rahmawati",
    status="PNS",
    unit_code="PKM-A",
    jabatan="Perawat Terampil",
    golongan="III/a",
    tmt_unit=dt.date(2019, 1, 1),
    retirement_age=58,
    skills=("keperawatan", "gawat darurat"),
    home_lat=-6.21,
    home_lon=106.81,
    spouse_nip="198501012009011001",
    lock_reason=None,
)
TEACHER = Employee(
    nip="199001012020121001",
    name="Budi Santoso",
    status="PPPK",
    unit_code="SDN-1",
    jabatan="Guru Ahli Pertama",
    golongan="IX",
    tmt_unit=dt.date(2021, 7, 1),
    retirement_age=60,
    lock_reason="tugas belajar",
)
APPROVER = Employee(
    nip="197505052000031002",
    name="Drs. Agus Salim",
    status="PNS",
    unit_code="PKM-B",
    jabatan="Kepala Dinas",
    golongan="IV/c",
    tmt_unit=dt.date(2015, 1, 1),
    retirement_age=60,
)


#: Three units and three employees (`await SAMPLE.write(uow)` stores them and commits).
SAMPLE = Agency(units=(PUSKESMAS_A, PUSKESMAS_B, SD_1), people=(NURSE, TEACHER, APPROVER))


def real_plan(day: dt.date = dt.date(2026, 3, 2), *, dry_run: bool = False) -> Plan:
    """A plan for one night, with a nested solution document."""
    return Plan(
        id=None,
        plan_date=day,
        created_at=NOW,
        status="optimal",
        objective=12.5,
        status_quo_objective=20.25,
        bound=12.0,
        solution=plan_document(
            [
                {
                    "employee": NURSE.nip,
                    "from": "PKM-A",
                    "to": "PKM-B",
                    "explanation": explanation().to_dict(),
                }
            ],
            objective=12.5,
            bound=12.0,
            status_quo_objective=20.25,
        ),
        dry_run=dry_run,
    )


def nurse_move(plan_id: int) -> TransferProposal:
    """The nurse moving from Puskesmas A to Puskesmas B, pending."""
    return TransferProposal(
        id=None,
        plan_id=plan_id,
        nip=NURSE.nip,
        from_unit="PKM-A",
        to_unit="PKM-B",
        explanation=explanation(),
    )
