"""Repositories for the organisation: units, employees, ABK activities and the jabatan catalogue.
They never commit; the unit of work does."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, and_, func, or_, select

from core.domain import Activity, Employee, Unit
from core.domain.eligibility import JENIS, JabatanInfo, Jenis, catalogue_key
from db.mapping import column_values, from_row
from db.repositories import SqlRepository
from db.rows import ActivityRow, EmployeeRow, JabatanRow, UnitRow
from db.statements import upsert_rows

#: Values per `IN (...)` list: under the 999 bound parameters of older SQLite builds.
_IN_LIST_CHUNK = 900


# ----------------------------------------------------------------------------- units


def unit_from_row(row: UnitRow) -> Unit:
    """The domain value of a unit row."""
    return from_row(
        Unit, row, skills_needed=tuple(row.skills_needed), daerah_khusus=bool(row.daerah_khusus)
    )


class SqlUnitRepository(SqlRepository):
    """core.ports.UnitRepository over the `units` table."""

    async def get(self, code: str) -> Unit | None:
        """The unit with this code."""
        return await self._first_where(unit_from_row, UnitRow, UnitRow.code == code)

    async def list(self) -> Sequence[Unit]:
        """Every unit, by code."""
        return [unit_from_row(r) for r in await self._all(select(UnitRow).order_by(UnitRow.code))]

    async def list_by_opd(self, opd: str) -> Sequence[Unit]:
        """The units of one OPD, by code."""
        return await self._list_where(unit_from_row, UnitRow, UnitRow.opd == opd, UnitRow.code)

    async def search(self, text: str, limit: int = 20) -> Sequence[Unit]:
        """Units whose name or code contains `text` (case-insensitive), by name."""
        pattern = f"%{_escape_like(text.strip().lower())}%"
        rows = await self._all(
            select(UnitRow)
            .where(
                or_(
                    func.lower(UnitRow.name).like(pattern, escape="\\"),
                    func.lower(UnitRow.code).like(pattern, escape="\\"),
                )
            )
            .order_by(UnitRow.name, UnitRow.code)
            .limit(limit)
        )
        return [unit_from_row(r) for r in rows]

    async def upsert(self, unit: Unit) -> None:
        """Insert the unit or replace the stored one with the same code."""
        await self.upsert_many([unit])

    async def upsert_many(self, units: Sequence[Unit]) -> None:
        """Insert each unit or replace the stored one with its code (codes unique in UNITS)."""
        await upsert_rows(
            self.session, UnitRow.__table__, [column_values(u, skip=()) for u in units], ("code",)
        )



def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ------------------------------------------------------------------------- employees


def employee_from_row(row: EmployeeRow) -> Employee:
    """The domain value of an employee row."""
    return from_row(Employee, row, skills=tuple(row.skills))


#: The columns `_employee_from_record` unpacks, in Employee's field order.
_EMPLOYEE_COLUMNS = (
    EmployeeRow.nip, EmployeeRow.name, EmployeeRow.status, EmployeeRow.unit_code,
    EmployeeRow.jabatan, EmployeeRow.golongan, EmployeeRow.tmt_unit, EmployeeRow.retirement_age,
    EmployeeRow.skills, EmployeeRow.home_lat, EmployeeRow.home_lon, EmployeeRow.spouse_nip,
    EmployeeRow.lock_reason, EmployeeRow.lock_kind, EmployeeRow.lock_until,
    EmployeeRow.contract_end, EmployeeRow.skp_1, EmployeeRow.skp_2, EmployeeRow.mapel,
)  # fmt: skip


def _employee_from_record(record: Row[Any]) -> Employee:
    """The domain value of a plain row of _EMPLOYEE_COLUMNS (positional: no per-name lookups)."""
    nip, name, status, unit_code, jabatan, golongan, tmt_unit, retirement_age, skills, *rest = (
        record
    )
    home_lat, home_lon, spouse_nip, lock_reason, lock_kind, lock_until, *more = rest
    contract_end, skp_1, skp_2, mapel = more
    return Employee(
        nip, name, status, unit_code, jabatan, golongan, tmt_unit, retirement_age,
        tuple(skills), home_lat, home_lon, spouse_nip, lock_reason, lock_kind, lock_until,
        contract_end, skp_1, skp_2, mapel,
    )  # fmt: skip


class SqlEmployeeRepository(SqlRepository):
    """core.ports.EmployeeRepository over the `employees` table."""

    async def get(self, nip: str) -> Employee | None:
        """The employee with this NIP."""
        return await self._first_where(employee_from_row, EmployeeRow, EmployeeRow.nip == nip)

    async def list(self) -> Sequence[Employee]:
        """Every employee, by NIP."""
        return await self._converted(
            select(*_EMPLOYEE_COLUMNS).order_by(EmployeeRow.nip), _employee_from_record
        )

    async def list_by_unit(self, unit_code: str) -> Sequence[Employee]:
        """The employees in one unit, by NIP."""
        return await self._list_where(
            employee_from_row, EmployeeRow, EmployeeRow.unit_code == unit_code, EmployeeRow.nip
        )

    async def get_many(self, nips: Collection[str]) -> dict[str, Employee]:
        """The stored employees among NIPS, by NIP (unknown NIPs are simply absent)."""
        wanted = builtins.list(dict.fromkeys(nips))
        found: dict[str, Employee] = {}
        for start in range(0, len(wanted), _IN_LIST_CHUNK):
            rows = await self._records(
                select(*_EMPLOYEE_COLUMNS).where(
                    EmployeeRow.nip.in_(wanted[start : start + _IN_LIST_CHUNK])
                )
            )
            found.update((row[0], _employee_from_record(row)) for row in rows)
        return found

    async def upsert(self, employee: Employee) -> None:
        """Insert the employee or replace the stored one with the same NIP."""
        await self.upsert_many([employee])

    async def upsert_many(self, employees: Sequence[Employee]) -> None:
        """Insert each employee or replace the stored one with its NIP (NIPs unique here)."""
        await upsert_rows(
            self.session,
            EmployeeRow.__table__,
            [column_values(e, skip=()) for e in employees],
            ("nip",),
        )



# ------------------------------------------------------------------------ activities


def activity_from_row(row: ActivityRow | Row[Any]) -> Activity:
    """The domain value of an ABK activity row."""
    return from_row(Activity, row)


class SqlActivityRepository(SqlRepository):
    """core.ports.ActivityRepository over `activities`, keyed by (unit, jabatan, name)."""

    _order = (ActivityRow.unit_code, ActivityRow.jabatan, ActivityRow.id)

    async def list(self) -> Sequence[Activity]:
        """Every activity, grouped by unit and jabatan in insertion order."""
        return await self._converted(
            select(ActivityRow.__table__).order_by(*self._order), activity_from_row
        )

    async def list_for(self, unit_code: str, jabatan: str) -> Sequence[Activity]:
        """The activities of one (unit, jabatan), in insertion order."""
        return await self._list_where(
            activity_from_row,
            ActivityRow,
            and_(ActivityRow.unit_code == unit_code, ActivityRow.jabatan == jabatan),
            ActivityRow.id,
        )

    async def upsert(self, activity: Activity) -> None:
        """Insert the activity or replace the one with the same (unit, jabatan, name)."""
        await self.upsert_many([activity])

    async def upsert_many(self, activities: Sequence[Activity]) -> None:
        """Insert each activity (in order) or replace the one with its (unit, jabatan, name);
        those keys are unique in ACTIVITIES."""
        await upsert_rows(
            self.session,
            ActivityRow.__table__,
            [column_values(a) for a in activities],
            ("unit_code", "jabatan", "name"),
        )



# ------------------------------------------------------------------- jabatan catalogue


def jabatan_from_row(row: JabatanRow) -> JabatanInfo:
    """The domain value of a catalogue row."""
    jenis: Jenis = next((j for j in JENIS if j == row.jenis), "umum")
    return JabatanInfo(row.jabatan, jenis, bool(row.needs_sip), row.min_tenure_months)


class SqlJabatanRepository(SqlRepository):
    """core.ports.JabatanRepository over `jabatan_catalogue`, keyed by the normalised name."""

    async def list(self) -> Sequence[JabatanInfo]:
        """Every catalogue row, by name."""
        rows = await self._all(select(JabatanRow).order_by(JabatanRow.key))
        return [jabatan_from_row(r) for r in rows]

    async def upsert_many(self, rows: Sequence[JabatanInfo]) -> None:
        """Insert each row or replace the one with the same (normalised) jabatan name."""
        await upsert_rows(
            self.session,
            JabatanRow.__table__,
            [
                {
                    "key": catalogue_key(r.jabatan),
                    "jabatan": r.jabatan,
                    "jenis": r.jenis,
                    "needs_sip": r.needs_sip,
                    "min_tenure_months": r.min_tenure_months,
                }
                for r in rows
            ],
            ("key",),
        )
