"""Rows for writing import files: core dataclasses as cells, the inverse of validation."""

from __future__ import annotations

from core.domain import Activity, Employee, Unit
from core.domain.eligibility import JabatanInfo
from core.usecases.importing.sheets import Cell

# Rows for writing files (the inverse of validation)


def _number_cell(value: float) -> Cell:
    return int(value) if float(value).is_integer() else float(value)


def unit_cells(unit: Unit) -> tuple[Cell, ...]:
    """A unit as a `units` row, in UNIT_COLUMNS order."""
    return (
        unit.code, unit.name, unit.opd, unit.lat, unit.lon, ";".join(unit.skills_needed),
        "ya" if unit.daerah_khusus else "", unit.head_nip or "",
    )  # fmt: skip


def employee_cells(employee: Employee) -> tuple[Cell, ...]:
    """An employee as an `employees` row, in EMPLOYEE_COLUMNS order."""
    return (
        employee.nip,
        employee.name,
        employee.status,
        employee.unit_code,
        employee.jabatan,
        employee.golongan,
        employee.tmt_unit.isoformat(),
        employee.retirement_age,
        ";".join(employee.skills),
        "" if employee.home_lat is None else employee.home_lat,
        "" if employee.home_lon is None else employee.home_lon,
        employee.spouse_nip or "",
        employee.lock_reason or "",
        employee.lock_kind or "",
        employee.lock_until.isoformat() if employee.lock_until else "",
        employee.contract_end.isoformat() if employee.contract_end else "",
        employee.skp_1 or "",
        employee.skp_2 or "",
        employee.mapel or "",
    )


def activity_cells(activity: Activity) -> tuple[Cell, ...]:
    """An ABK activity as an `activities` row, in ACTIVITY_COLUMNS order."""
    return (
        activity.unit_code,
        activity.jabatan,
        activity.name,
        activity.output_unit,
        _number_cell(activity.minutes_per_output),
        _number_cell(activity.annual_volume),
        activity.mapel or "",
    )


def jabatan_cells(row: JabatanInfo) -> tuple[Cell, ...]:
    """A catalogue row as a `jabatan` row, in JABATAN_COLUMNS order."""
    months = "" if row.min_tenure_months is None else row.min_tenure_months
    return (row.jabatan, row.jenis, "ya" if row.needs_sip else "tidak", months)
