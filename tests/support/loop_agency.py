"""The tiny agency of the loop's tests (in-memory and on a database), and a scripted engine."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

from core.domain import Activity, Employee, Role, RoleGrant, ScopeKind, TelegramAccount, Unit
from core.domain.working_time import WorkingTime
from core.rebalance.documents import MoveDocument, SolutionDocument
from core.rebalance.model import Explanation, Solution
from core.usecases.approval.chain import ApprovalRules, parse_chain
from core.usecases.planning import PlanningRules, Snapshot
from tests.support.agency import Agency
from tests.support.clock import FakeClock
from tests.support.fakes import FakeUowFactory

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
HOURS = WorkingTime(zone=JAKARTA)
#: Tuesday 01:00 in Jakarta: the nightly job fires.
NIGHT = dt.datetime(2026, 11, 24, 1, 0, tzinfo=JAKARTA)

NURSE_A = "199001012015031001"
NURSE_B = "199202022016032002"
CLERK = "198803032010011003"
APPROVER = "197001012000031001"
APPROVER_2 = "197202022001032002"
OUTSIDER = "197303032002031003"
SUP_A = "197504042003041004"
SUP_B = "197605052004052005"
ADMIN = "198001012005011006"

CHAT = {
    NURSE_A: 101,
    NURSE_B: 102,
    CLERK: 103,
    APPROVER: 201,
    APPROVER_2: 202,
    OUTSIDER: 203,
    SUP_A: 301,
    SUP_B: 302,
    ADMIN: 401,
}


#: ABK: PKM-A needs about 1 nurse (it has 2), PKM-B about 2.6 (it has none).
ACTIVITIES = (
    Activity("PKM-A", "Perawat Terampil", "Asuhan keperawatan", "pasien", 60.0, 1_300.0),
    Activity("PKM-B", "Perawat Terampil", "Asuhan keperawatan", "pasien", 60.0, 3_250.0),
)


def employee(nip: str, name: str, unit: str, jabatan: str = "Perawat Terampil") -> Employee:
    return Employee(
        nip,
        name,
        "PNS",
        unit,
        jabatan,
        "III/a",
        dt.date(2018, 1, 1),
        58,
        skills=("keperawatan",),
        home_lat=-7.95,
        home_lon=110.6,
    )


#: The tiny agency: two puskesmas and a school, nine people bound to Telegram (chat ids in
#: CHAT), approvers per OPD, a supervisor per puskesmas, an admin; ABK for the nurses.
LOOP_AGENCY = Agency(
    units=(
        Unit("PKM-A", "Puskesmas Wonosari I", "Dinkes", -7.96, 110.60, ("keperawatan",)),
        Unit("PKM-B", "Puskesmas Playen", "Dinkes", -7.94, 110.55, ("keperawatan", "farmasi")),
        Unit("SD-1", "SD Negeri 1 Wonosari", "Dindik", -7.97, 110.61),
    ),
    people=(
        employee(NURSE_A, "Siti Aminah", "PKM-A"),
        employee(NURSE_B, "Budi Santoso", "PKM-A"),
        employee(CLERK, "Dewi Lestari", "SD-1", "Pengadministrasi Umum"),
        employee(APPROVER, "Kepala Dinkes", "PKM-A", "Kepala Dinas"),
        employee(APPROVER_2, "Sekretaris Dinkes", "PKM-A", "Sekretaris"),
        employee(OUTSIDER, "Kepala Dindik", "SD-1", "Kepala Dinas"),
        employee(SUP_A, "Kapus Wonosari", "PKM-A", "Kepala Puskesmas"),
        employee(SUP_B, "Kapus Playen", "PKM-B", "Kepala Puskesmas"),
        employee(ADMIN, "Operator BKPSDM", "SD-1", "Pranata Komputer"),
    ),
    activities=ACTIVITIES,
    grants=(
        RoleGrant(APPROVER, Role.APPROVER, ScopeKind.OPD, "Dinkes"),
        RoleGrant(APPROVER_2, Role.APPROVER, ScopeKind.OPD, "Dinkes"),
        RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.OPD, "Dindik"),
        RoleGrant(SUP_A, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-A"),
        RoleGrant(SUP_B, Role.SUPERVISOR, ScopeKind.UNIT, "PKM-B"),
        RoleGrant(ADMIN, Role.ADMIN),
    ),
    accounts=tuple(TelegramAccount(chat, nip, chat_id=chat) for nip, chat in CHAT.items()),
)


def move(nip: str, src: str = "PKM-A", dst: str = "PKM-B") -> MoveDocument:
    return {
        "employee": nip,
        "from": src,
        "to": dst,
        "explanation": {
            "origin": {
                "unit": src,
                "family": "Perawat Terampil",
                "required": 11.2,
                "staff_before": 14,
                "staff_after": 13,
            },
            "destination": {
                "unit": dst,
                "family": "Perawat Terampil",
                "required": 9.6,
                "staff_before": 7,
                "staff_after": 8,
            },
            "aspiration_rank": 1,
            "skills_matched": ["keperawatan"],
            "distance_km": {"before": 12.3, "after": 8.1},
            "objective_delta": -135.0,
            "chain": [],
        },
    }


def explained(src: str = "PKM-A", dst: str = "PKM-B") -> Explanation:
    """The engine's explanation of a move from SRC to DST (that of `move`), for a proposal
    stored by hand."""
    return Explanation.from_dict(move("", src, dst)["explanation"])


class ScriptedEngine:
    """Returns a fixed solution; records the snapshots it was given."""

    def __init__(self, moves: list[MoveDocument]) -> None:
        self.moves = moves
        self.seen: list[Snapshot] = []

    def __call__(self, snapshot: Snapshot, time_limit: float) -> Solution:
        self.seen.append(snapshot)
        return Solution.from_dict(self.document())

    def document(self) -> SolutionDocument:
        """The fixed solution as `mutasi-solution/1` JSON data."""
        return {
            "format": "mutasi-solution/1",
            "status": "OPTIMAL",
            "objective": 100.0,
            "bound": 100.0,
            "status_quo_objective": 400.0,
            "moves": list(self.moves),
            "not_granted": [
                {
                    "employee": CLERK,
                    "aspiration": "PKM-B",
                    "reason": "FAMILY_NOT_IN_UNIT",
                    "cost_to_force": None,
                }
            ],
            "stats": {},
        }


def rules(chain: str = "approver") -> PlanningRules:
    return PlanningRules(ApprovalRules(parse_chain(chain), HOURS), time_limit_seconds=5)


async def world() -> tuple[FakeUowFactory, FakeClock]:
    """The tiny agency in the in-memory store (without its ABK activities), at NIGHT."""
    factory = FakeUowFactory()
    await dataclasses.replace(LOOP_AGENCY, activities=()).write_to(factory)
    return factory, FakeClock(NIGHT.astimezone(dt.UTC))
