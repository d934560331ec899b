"""The repository of monthly workload reports (volumes per ABK activity). It never commits; the
unit of work does."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy import func, select

from core.domain import WorkloadReport
from db.mapping import column_values, from_row
from db.repositories import SqlRepository
from db.rows import WorkloadReportRow, WorkloadVolumeRow


class SqlWorkloadReportRepository(SqlRepository):
    """core.ports.WorkloadReportRepository over `workload_reports` + per-activity volumes."""

    async def add(self, report: WorkloadReport) -> WorkloadReport:
        """Store a report with its volumes; returns it with its id."""
        row = WorkloadReportRow(**column_values(report, skip=("id", "volumes")))
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
        return [from_row(WorkloadReport, row, volumes=volumes[row.id]) for row in rows]
