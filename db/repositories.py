"""Repositories for the organisation and its people: units, employees, ABK, roles, accounts,
invitations, aspirations, workload reports, the audit trail. They never commit; the unit of
work does."""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import (
    Activity,
    Aspiration,
    AuditEvent,
    Employee,
    Invitation,
    ReasonCategory,
    Role,
    RoleGrant,
    ScopeKind,
    TelegramAccount,
    Unit,
    WorkloadReport,
)
from core.eligibility import JENIS, JabatanInfo, Jenis, catalogue_key
from core.errors import Conflict
from db.rows import (
    ActivityRow,
    AspirationRow,
    AuditEventRow,
    EmployeeRow,
    InvitationRow,
    JabatanRow,
    RoleGrantRow,
    TelegramAccountRow,
    UnitRow,
    WorkloadReportRow,
    WorkloadVolumeRow,
)
from db.statements import (
    insert_for,
    insert_new_rows,
    insert_rows,
    insert_unless_taken,
    upsert_rows,
)

RowT = TypeVar("RowT")
ValueT = TypeVar("ValueT")

#: Values per `IN (...)` list: under the 999 bound parameters of older SQLite builds.
_IN_LIST_CHUNK = 900
#: Rows per partition of a streamed whole-table read (`SqlRepository._records`).
_STREAM_ROWS = 250


class SqlRepository:
    """Base: holds the unit of work's session; reads always refresh loaded rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _all(self, statement: Select[tuple[RowT]]) -> builtins.list[RowT]:
        result = await self.session.scalars(statement.execution_options(populate_existing=True))
        return builtins.list(result.all())

    async def _one_or_none(self, statement: Select[tuple[RowT]]) -> RowT | None:
        result = await self.session.scalars(statement.execution_options(populate_existing=True))
        return result.first()

    async def _records(self, statement: Select[Any]) -> Sequence[Row[Any]]:
        """Plain result rows, without ORM objects: for reads of whole tables (~3x cheaper)."""
        return await self._converted(statement, _same_row)

    async def _converted(
        self, statement: Select[Any], convert: Callable[[Row[Any]], ValueT]
    ) -> builtins.list[ValueT]:
        """CONVERT of each plain result row, streamed in partitions of _STREAM_ROWS: a read of
        100,000 rows hands the event loop back between partitions (other users' replies go on
        while the nightly snapshot reads) instead of holding it for seconds."""
        result = await self.session.stream(statement)
        values: builtins.list[ValueT] = []
        async for partition in result.partitions(_STREAM_ROWS):
            values.extend(convert(row) for row in partition)
            await asyncio.sleep(0)
        return values


def _same_row(row: Row[Any]) -> Row[Any]:
    return row


# ----------------------------------------------------------------------------- units


def unit_from_row(row: UnitRow) -> Unit:
    """The domain value of a unit row."""
    return Unit(
        code=row.code,
        name=row.name,
        opd=row.opd,
        lat=row.lat,
        lon=row.lon,
        skills_needed=tuple(row.skills_needed),
        daerah_khusus=bool(row.daerah_khusus),
        head_nip=row.head_nip,
    )


class SqlUnitRepository(SqlRepository):
    """core.ports.UnitRepository over the `units` table."""

    async def get(self, code: str) -> Unit | None:
        """The unit with this code."""
        row = await self._one_or_none(select(UnitRow).where(UnitRow.code == code))
        return unit_from_row(row) if row else None

    async def list(self) -> Sequence[Unit]:
        """Every unit, by code."""
        return [unit_from_row(r) for r in await self._all(select(UnitRow).order_by(UnitRow.code))]

    async def list_by_opd(self, opd: str) -> Sequence[Unit]:
        """The units of one OPD, by code."""
        rows = await self._all(select(UnitRow).where(UnitRow.opd == opd).order_by(UnitRow.code))
        return [unit_from_row(r) for r in rows]

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
            self.session, UnitRow.__table__, [_unit_values(u) for u in units], ("code",)
        )


def _unit_values(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "opd": unit.opd,
        "lat": unit.lat,
        "lon": unit.lon,
        "skills_needed": list(unit.skills_needed),
        "daerah_khusus": unit.daerah_khusus,
        "head_nip": unit.head_nip,
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _all_but(values: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in keys}


# ------------------------------------------------------------------------- employees


def employee_from_row(row: EmployeeRow) -> Employee:
    """The domain value of an employee row."""
    return Employee(
        nip=row.nip,
        name=row.name,
        status=row.status,  # type: ignore[arg-type]
        unit_code=row.unit_code,
        jabatan=row.jabatan,
        golongan=row.golongan,
        tmt_unit=row.tmt_unit,
        retirement_age=row.retirement_age,
        skills=tuple(row.skills),
        home_lat=row.home_lat,
        home_lon=row.home_lon,
        spouse_nip=row.spouse_nip,
        lock_reason=row.lock_reason,
        lock_kind=row.lock_kind,
        lock_until=row.lock_until,
        contract_end=row.contract_end,
        skp_1=row.skp_1,
        skp_2=row.skp_2,
        mapel=row.mapel,
    )


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
        row = await self._one_or_none(select(EmployeeRow).where(EmployeeRow.nip == nip))
        return employee_from_row(row) if row else None

    async def list(self) -> Sequence[Employee]:
        """Every employee, by NIP."""
        return await self._converted(
            select(*_EMPLOYEE_COLUMNS).order_by(EmployeeRow.nip), _employee_from_record
        )

    async def list_by_unit(self, unit_code: str) -> Sequence[Employee]:
        """The employees in one unit, by NIP."""
        rows = await self._all(
            select(EmployeeRow).where(EmployeeRow.unit_code == unit_code).order_by(EmployeeRow.nip)
        )
        return [employee_from_row(r) for r in rows]

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
            [_employee_values(e) for e in employees],
            ("nip",),
        )


def _employee_values(employee: Employee) -> dict[str, Any]:
    return {
        "nip": employee.nip,
        "name": employee.name,
        "status": employee.status,
        "unit_code": employee.unit_code,
        "jabatan": employee.jabatan,
        "golongan": employee.golongan,
        "tmt_unit": employee.tmt_unit,
        "retirement_age": employee.retirement_age,
        "skills": list(employee.skills),
        "home_lat": employee.home_lat,
        "home_lon": employee.home_lon,
        "spouse_nip": employee.spouse_nip,
        "lock_reason": employee.lock_reason,
        "lock_kind": employee.lock_kind,
        "lock_until": employee.lock_until,
        "contract_end": employee.contract_end,
        "skp_1": employee.skp_1,
        "skp_2": employee.skp_2,
        "mapel": employee.mapel,
    }


# ------------------------------------------------------------------------ activities


def activity_from_row(row: ActivityRow | Row[Any]) -> Activity:
    """The domain value of an ABK activity row."""
    return Activity(
        unit_code=row.unit_code,
        jabatan=row.jabatan,
        name=row.name,
        output_unit=row.output_unit,
        minutes_per_output=row.minutes_per_output,
        annual_volume=row.annual_volume,
        mapel=row.mapel,
    )


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
        rows = await self._all(
            select(ActivityRow)
            .where(ActivityRow.unit_code == unit_code, ActivityRow.jabatan == jabatan)
            .order_by(ActivityRow.id)
        )
        return [activity_from_row(r) for r in rows]

    async def upsert(self, activity: Activity) -> None:
        """Insert the activity or replace the one with the same (unit, jabatan, name)."""
        await self.upsert_many([activity])

    async def upsert_many(self, activities: Sequence[Activity]) -> None:
        """Insert each activity (in order) or replace the one with its (unit, jabatan, name);
        those keys are unique in ACTIVITIES."""
        await upsert_rows(
            self.session,
            ActivityRow.__table__,
            [_activity_values(a) for a in activities],
            ("unit_code", "jabatan", "name"),
        )


def _activity_values(activity: Activity) -> dict[str, Any]:
    return {
        "unit_code": activity.unit_code,
        "jabatan": activity.jabatan,
        "name": activity.name,
        "output_unit": activity.output_unit,
        "minutes_per_output": activity.minutes_per_output,
        "annual_volume": activity.annual_volume,
        "mapel": activity.mapel,
    }


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


# ----------------------------------------------------------------------------- roles


def grant_from_row(row: RoleGrantRow) -> RoleGrant:
    """The domain value of a role grant row ('' scope means none)."""
    return RoleGrant(
        nip=row.nip,
        role=Role(row.role),
        scope_kind=ScopeKind(row.scope_kind),
        scope_value=row.scope_value or None,
    )


class SqlRoleRepository(SqlRepository):
    """core.ports.RoleRepository over `role_grants`."""

    async def list_for(self, nip: str) -> Sequence[RoleGrant]:
        """Every grant an employee holds."""
        rows = await self._all(
            select(RoleGrantRow).where(RoleGrantRow.nip == nip).order_by(RoleGrantRow.id)
        )
        return [grant_from_row(r) for r in rows]

    async def list_by_role(self, role: str) -> Sequence[RoleGrant]:
        """Every grant of one role."""
        rows = await self._all(
            select(RoleGrantRow).where(RoleGrantRow.role == str(role)).order_by(RoleGrantRow.id)
        )
        return [grant_from_row(r) for r in rows]

    async def grant(self, grant: RoleGrant) -> bool:
        """Store the grant; False if it was already held."""
        return await insert_unless_taken(
            self.session,
            RoleGrantRow,
            {
                "nip": grant.nip,
                "role": grant.role.value,
                "scope_kind": grant.scope_kind.value,
                "scope_value": grant.scope_value or "",
            },
        )

    async def grant_many(self, grants: Sequence[RoleGrant]) -> int:
        """Store every grant not already held; returns how many were new."""
        rows = [
            {
                "nip": grant.nip,
                "role": grant.role.value,
                "scope_kind": grant.scope_kind.value,
                "scope_value": grant.scope_value or "",
            }
            for grant in grants
        ]
        return await insert_new_rows(self.session, RoleGrantRow.__table__, rows, "id")

    async def revoke(self, grant: RoleGrant) -> bool:
        """Remove the grant; False if it was not held."""
        result = await self.session.execute(
            delete(RoleGrantRow).where(
                RoleGrantRow.nip == grant.nip,
                RoleGrantRow.role == grant.role.value,
                RoleGrantRow.scope_kind == grant.scope_kind.value,
                RoleGrantRow.scope_value == (grant.scope_value or ""),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


# -------------------------------------------------------------------------- accounts


def account_from_row(row: TelegramAccountRow) -> TelegramAccount:
    """The domain value of a Telegram account row."""
    return TelegramAccount(
        telegram_user_id=row.telegram_user_id,
        nip=row.nip,
        language=row.language,
        chat_id=row.chat_id,
        blocked=row.blocked,
        undeliverable=row.undeliverable,
    )


class SqlAccountRepository(SqlRepository):
    """core.ports.AccountRepository over `telegram_accounts`."""

    async def get_by_telegram(self, telegram_user_id: int) -> TelegramAccount | None:
        """The account of one Telegram user."""
        row = await self._one_or_none(
            select(TelegramAccountRow).where(
                TelegramAccountRow.telegram_user_id == telegram_user_id
            )
        )
        return account_from_row(row) if row else None

    async def list_for_nip(self, nip: str) -> Sequence[TelegramAccount]:
        """The Telegram accounts bound to one employee."""
        rows = await self._all(
            select(TelegramAccountRow)
            .where(TelegramAccountRow.nip == nip)
            .order_by(TelegramAccountRow.telegram_user_id)
        )
        return [account_from_row(r) for r in rows]

    async def list_for_chat(self, chat_id: int) -> Sequence[TelegramAccount]:
        """Accounts reached through `chat_id` (their chat id, or their user id if none)."""
        rows = await self._all(
            select(TelegramAccountRow)
            .where(
                or_(
                    TelegramAccountRow.chat_id == chat_id,
                    and_(
                        TelegramAccountRow.chat_id.is_(None),
                        TelegramAccountRow.telegram_user_id == chat_id,
                    ),
                )
            )
            .order_by(TelegramAccountRow.telegram_user_id)
        )
        return [account_from_row(r) for r in rows]

    async def save(self, account: TelegramAccount) -> None:
        """Insert the account or replace the stored one for the same Telegram user."""
        values = {
            "telegram_user_id": account.telegram_user_id,
            "nip": account.nip,
            "language": account.language,
            "chat_id": account.chat_id,
            "blocked": account.blocked,
            "undeliverable": account.undeliverable,
        }
        statement = insert_for(self.session, TelegramAccountRow).values(**values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[TelegramAccountRow.telegram_user_id],
                set_=_all_but(values, "telegram_user_id"),
            )
        )


# ----------------------------------------------------------------------- invitations


def invitation_from_row(row: InvitationRow) -> Invitation:
    """The domain value of an invitation row."""
    return Invitation(
        code_hash=row.code_hash,
        nip=row.nip,
        created_at=row.created_at,
        expires_at=row.expires_at,
        created_by=row.created_by,
        used_at=row.used_at,
        used_by_telegram_id=row.used_by_telegram_id,
        replaced_at=row.replaced_at,
    )


class SqlInvitationRepository(SqlRepository):
    """core.ports.InvitationRepository over `invitations` (code hash unique)."""

    async def get(self, code_hash: str) -> Invitation | None:
        """The invitation with this code hash."""
        row = await self._one_or_none(
            select(InvitationRow).where(InvitationRow.code_hash == code_hash)
        )
        return invitation_from_row(row) if row else None

    async def add(self, invitation: Invitation) -> None:
        """Store a new invitation; Conflict if the code hash is already taken."""
        inserted = await insert_unless_taken(
            self.session,
            InvitationRow,
            {
                "code_hash": invitation.code_hash,
                "nip": invitation.nip,
                "created_at": invitation.created_at,
                "expires_at": invitation.expires_at,
                "created_by": invitation.created_by,
                "used_at": invitation.used_at,
                "used_by_telegram_id": invitation.used_by_telegram_id,
            },
        )
        if not inserted:
            raise Conflict("invitation code already exists", table="invitations")

    async def mark_used(self, code_hash: str, telegram_user_id: int, at: dt.datetime) -> bool:
        """Use the invitation once: False if it is unknown or was already used."""
        result = await self.session.execute(
            update(InvitationRow)
            .where(InvitationRow.code_hash == code_hash, InvitationRow.used_at.is_(None))
            .values(used_at=at, used_by_telegram_id=telegram_user_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def expire_unused(self, nips: Sequence[str], at: dt.datetime) -> list[str]:
        """End every unused, still valid code of these employees now, marking it replaced;
        the NIPs whose codes were ended (sorted, each once)."""
        ended: set[str] = set()
        for start in range(0, len(nips), 900):  # under SQLite's parameter limit
            live = (
                InvitationRow.nip.in_(list(nips[start : start + 900])),
                InvitationRow.used_at.is_(None),
                InvitationRow.expires_at > at,
            )
            ended.update(
                (await self.session.execute(select(InvitationRow.nip).where(*live))).scalars()
            )
            await self.session.execute(
                update(InvitationRow)
                .where(*live)
                .values(expires_at=at, replaced_at=at)
                .execution_options(synchronize_session=False)
            )
        return sorted(ended)


# ----------------------------------------------------------------------- aspirations


def aspiration_from_row(row: AspirationRow | Row[Any]) -> Aspiration:
    """The domain value of an aspiration row."""
    return Aspiration(
        id=row.id,
        nip=row.nip,
        choices=tuple(row.choices),
        work_wished=row.work_wished,
        reason=ReasonCategory(row.reason),
        reason_text=row.reason_text,
        willingness=row.willingness,
        created_at=row.created_at,
        expires_at=row.expires_at,
        withdrawn_at=row.withdrawn_at,
    )


class SqlAspirationRepository(SqlRepository):
    """core.ports.AspirationRepository over `aspirations` (history kept, newest counts)."""

    _newest_first = (AspirationRow.created_at.desc(), AspirationRow.id.desc())

    async def current_for(self, nip: str) -> Aspiration | None:
        """The newest aspiration of NIP not withdrawn (expiry is the caller's to judge)."""
        row = await self._one_or_none(
            select(AspirationRow)
            .where(AspirationRow.nip == nip, AspirationRow.withdrawn_at.is_(None))
            .order_by(*self._newest_first)
            .limit(1)
        )
        return aspiration_from_row(row) if row else None

    async def list_active(self, at: dt.datetime) -> Sequence[Aspiration]:
        """The newest live aspiration of each employee (not withdrawn, not expired at `at`)."""
        rows = await self._records(
            select(AspirationRow.__table__)
            .where(AspirationRow.withdrawn_at.is_(None), AspirationRow.expires_at > at)
            .order_by(AspirationRow.nip, *self._newest_first)
        )
        newest: dict[str, Aspiration] = {}
        for row in rows:
            if row.nip not in newest:
                newest[row.nip] = aspiration_from_row(row)
        return builtins.list(newest.values())

    async def add(self, aspiration: Aspiration) -> Aspiration:
        """Store an aspiration; returns it with its id."""
        row = AspirationRow(
            nip=aspiration.nip,
            choices=list(aspiration.choices),
            work_wished=aspiration.work_wished,
            reason=aspiration.reason.value,
            reason_text=aspiration.reason_text,
            willingness=aspiration.willingness,
            created_at=aspiration.created_at,
            expires_at=aspiration.expires_at,
            withdrawn_at=aspiration.withdrawn_at,
        )
        self.session.add(row)
        await self.session.flush()
        return aspiration_from_row(row)

    async def add_many(self, aspirations: Sequence[Aspiration]) -> None:
        """Store many aspirations at once, in order (their ids are not read back)."""
        rows = [
            {
                "nip": aspiration.nip,
                "choices": list(aspiration.choices),
                "work_wished": aspiration.work_wished,
                "reason": aspiration.reason.value,
                "reason_text": aspiration.reason_text,
                "willingness": aspiration.willingness,
                "created_at": aspiration.created_at,
                "expires_at": aspiration.expires_at,
                "withdrawn_at": aspiration.withdrawn_at,
            }
            for aspiration in aspirations
        ]
        await insert_rows(self.session, AspirationRow.__table__, rows)

    async def withdraw(self, nip: str, at: dt.datetime) -> bool:
        """Withdraw every live aspiration of NIP; False if there was none."""
        result = await self.session.execute(
            update(AspirationRow)
            .where(AspirationRow.nip == nip, AspirationRow.withdrawn_at.is_(None))
            .values(withdrawn_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


# ------------------------------------------------------------------- workload reports


class SqlWorkloadReportRepository(SqlRepository):
    """core.ports.WorkloadReportRepository over `workload_reports` + per-activity volumes."""

    async def add(self, report: WorkloadReport) -> WorkloadReport:
        """Store a report with its volumes; returns it with its id."""
        row = WorkloadReportRow(
            unit_code=report.unit_code,
            jabatan=report.jabatan,
            month=report.month,
            reported_by=report.reported_by,
            reported_at=report.reported_at,
            required_fte=report.required_fte,
            previous_fte=report.previous_fte,
            large_change=report.large_change,
            replaces_id=report.replaces_id,
        )
        self.session.add(row)
        await self.session.flush()
        self.session.add_all(
            WorkloadVolumeRow(report_id=row.id, activity_name=name, volume=volume)
            for name, volume in report.volumes.items()
        )
        await self.session.flush()
        return (await self._with_volumes([row]))[0]

    async def latest_for(self, unit_code: str, jabatan: str) -> WorkloadReport | None:
        """The newest report (by month, then time reported) for one (unit, jabatan)."""
        row = await self._one_or_none(
            select(WorkloadReportRow)
            .where(WorkloadReportRow.unit_code == unit_code, WorkloadReportRow.jabatan == jabatan)
            .order_by(
                WorkloadReportRow.month.desc(),
                WorkloadReportRow.reported_at.desc(),
                WorkloadReportRow.id.desc(),
            )
            .limit(1)
        )
        return (await self._with_volumes([row]))[0] if row else None

    async def for_month(self, unit_code: str, jabatan: str, month: str) -> WorkloadReport | None:
        """The accepted report of one month (the newest of that month), or None."""
        row = await self._one_or_none(
            select(WorkloadReportRow)
            .where(
                WorkloadReportRow.unit_code == unit_code,
                WorkloadReportRow.jabatan == jabatan,
                WorkloadReportRow.month == month,
            )
            .order_by(WorkloadReportRow.reported_at.desc(), WorkloadReportRow.id.desc())
            .limit(1)
        )
        return (await self._with_volumes([row]))[0] if row else None

    async def history(self, unit_code: str, jabatan: str) -> Sequence[WorkloadReport]:
        """Every report of one (unit, jabatan), replaced ones included, oldest first."""
        rows = await self._all(
            select(WorkloadReportRow)
            .where(WorkloadReportRow.unit_code == unit_code, WorkloadReportRow.jabatan == jabatan)
            .order_by(WorkloadReportRow.reported_at, WorkloadReportRow.id)
        )
        return await self._with_volumes(rows)

    async def accepted_recent(self, months: int) -> Sequence[WorkloadReport]:
        """Per (unit, jabatan), the accepted report of each of its latest MONTHS reported months.

        Accepted: the newest report of its month (an earlier one of the same month is history).
        """
        family = (WorkloadReportRow.unit_code, WorkloadReportRow.jabatan)
        newest_of_month = (
            func.row_number()
            .over(
                partition_by=(*family, WorkloadReportRow.month),
                order_by=(WorkloadReportRow.reported_at.desc(), WorkloadReportRow.id.desc()),
            )
            .label("newest_of_month")
        )
        accepted = (
            select(WorkloadReportRow.id, *family, WorkloadReportRow.month, newest_of_month)
        ).subquery()
        latest_months = (
            select(
                accepted.c.id,
                func.row_number()
                .over(
                    partition_by=(accepted.c.unit_code, accepted.c.jabatan),
                    order_by=accepted.c.month.desc(),
                )
                .label("month_rank"),
            )
            .where(accepted.c.newest_of_month == 1)
            .subquery()
        )
        rows = await self._all(
            select(WorkloadReportRow)
            .join(latest_months, latest_months.c.id == WorkloadReportRow.id)
            .where(latest_months.c.month_rank <= months)
            .order_by(
                WorkloadReportRow.unit_code,
                WorkloadReportRow.jabatan,
                WorkloadReportRow.month.desc(),
            )
        )
        return await self._with_volumes(rows)

    async def list_for_month(self, month: str) -> Sequence[WorkloadReport]:
        """Every report for one month (YYYY-MM), oldest first."""
        rows = await self._all(
            select(WorkloadReportRow)
            .where(WorkloadReportRow.month == month)
            .order_by(WorkloadReportRow.reported_at, WorkloadReportRow.id)
        )
        return await self._with_volumes(rows)

    async def _with_volumes(
        self, rows: builtins.list[WorkloadReportRow]
    ) -> builtins.list[WorkloadReport]:
        if not rows:
            return []
        volumes: dict[int, dict[str, float]] = {row.id: {} for row in rows}
        ids = builtins.list(volumes)
        for start in range(0, len(ids), 500):  # bounded IN lists (SQLite's variable limit)
            found = await self._all(
                select(WorkloadVolumeRow)
                .where(WorkloadVolumeRow.report_id.in_(ids[start : start + 500]))
                .order_by(WorkloadVolumeRow.report_id, WorkloadVolumeRow.activity_name)
            )
            for volume in found:
                volumes[volume.report_id][volume.activity_name] = volume.volume
        return [
            WorkloadReport(
                id=row.id,
                unit_code=row.unit_code,
                jabatan=row.jabatan,
                month=row.month,
                volumes=volumes[row.id],
                reported_by=row.reported_by,
                reported_at=row.reported_at,
                required_fte=row.required_fte,
                previous_fte=row.previous_fte,
                large_change=row.large_change,
                replaces_id=row.replaces_id,
            )
            for row in rows
        ]


# ----------------------------------------------------------------------------- audit


def audit_from_row(row: AuditEventRow) -> AuditEvent:
    """The domain value of an audit row."""
    return AuditEvent(
        id=row.id,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        at=row.at,
        before=row.before,
        after=row.after,
    )


class SqlAuditRepository(SqlRepository):
    """core.ports.AuditRepository over `audit_events` (append-only)."""

    async def add(self, event: AuditEvent) -> None:
        """Append one event."""
        self.session.add(
            AuditEventRow(
                actor=event.actor,
                action=event.action,
                subject=event.subject,
                at=event.at,
                before=event.before,
                after=event.after,
            )
        )
        await self.session.flush()

    async def list(self, subject: str | None = None) -> Sequence[AuditEvent]:
        """Events, oldest first, optionally only those about one subject."""
        statement = select(AuditEventRow).order_by(AuditEventRow.at, AuditEventRow.id)
        if subject is not None:
            statement = statement.where(AuditEventRow.subject == subject)
        return [audit_from_row(r) for r in await self._all(statement)]
