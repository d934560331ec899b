"""The import use case: validate a batch against the database, then write all or none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from core.domain import Activity, AuditEvent, Employee, Unit
from core.domain.consistency import Finding, check_consistency, jabatan_key
from core.domain.eligibility import JabatanInfo, catalogue_by_key, catalogue_key
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.usecases.importing.cells import normalise_unit_code
from core.usecases.importing.columns import ImportKind
from core.usecases.importing.sheets import (
    ImportBatch,
    ImportCounts,
    ImportOutcome,
    ImportProblem,
    ImportReport,
    Sheet,
    Validated,
)
from core.usecases.importing.validation import (
    validate_activities,
    validate_employees,
    validate_jabatan,
    validate_units,
)

T = TypeVar("T")
K = TypeVar("K")

# The import use case


def _normalised_unit(unit: Unit) -> Unit:
    """UNIT as it is stored: skills sorted and once each, no head as None (not '')."""
    return replace(
        unit, skills_needed=tuple(sorted(set(unit.skills_needed))), head_nip=unit.head_nip or None
    )


def _normalised_employee(employee: Employee) -> Employee:
    """EMPLOYEE as it is stored: skills sorted and once each, empty optional texts as None."""
    return replace(
        employee,
        skills=tuple(sorted(set(employee.skills))),
        spouse_nip=employee.spouse_nip or None,
        lock_reason=employee.lock_reason or None,
        mapel=employee.mapel or None,
    )


def _count_changes(
    items: Iterable[T], stored: Mapping[K, T], key: Callable[[T], K]
) -> tuple[list[T], ImportCounts]:
    """The items that differ from what is stored, and the created/updated/unchanged counts."""
    changed: list[T] = []
    created = updated = unchanged = 0
    for item in items:
        before = stored.get(key(item))
        if before is None:
            created += 1
            changed.append(item)
        elif before == item:
            unchanged += 1
        else:
            updated += 1
            changed.append(item)
    return changed, ImportCounts(created, updated, unchanged)


def _activity_key(activity: Activity) -> tuple[str, str, str]:
    return (activity.unit_code, activity.jabatan, activity.name)


async def import_batch(
    batch: ImportBatch,
    uow_factory: UnitOfWorkFactory,
    *,
    actor: str,
    now: dt.datetime,
) -> tuple[ImportOutcome, ...]:
    """Validate every sheet of BATCH; if none has a problem, write the rows that changed.

    All or nothing across the whole batch: with any problem, nothing is written and every
    outcome lists its sheet's problems. One audit event per sheet that changed something.
    (`import_checked` also gives the consistency warnings.)
    """
    report = await import_checked(batch, uow_factory, actor=actor, now=now)
    return report.outcomes


async def import_checked(
    batch: ImportBatch,
    uow_factory: UnitOfWorkFactory,
    *,
    actor: str,
    now: dt.datetime,
    strict: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """`import_batch` plus the cross-file consistency check on the data as it would stand.

    STRICT: any warning refuses the whole batch (nothing written). DRY_RUN: validate, count and
    check, then write nothing (the chat shows this before its confirm button).
    """
    async with uow_factory() as uow:
        outcomes = await _import_in(uow, batch, actor=actor, now=now)
        findings: tuple[Finding, ...] = ()
        warnings: tuple[ImportProblem, ...] = ()
        if all(outcome.ok for outcome in outcomes):
            findings = check_consistency(
                list(await uow.employees.list()), list(await uow.activities.list())
            )
            located = [_locate(finding, batch) for finding in findings]
            # What this batch's own rows show first, then what the stored data shows.
            warnings = tuple(sorted(located, key=lambda warning: warning.line is None))
        changed = any(o.counts.created or o.counts.updated for o in outcomes)
        clean = all(outcome.ok for outcome in outcomes) and not (strict and warnings)
        written = clean and changed and not dry_run
        if written:
            await uow.commit()
        else:
            await uow.rollback()
    return ImportReport(outcomes, warnings, findings, strict, written)


def _locate(finding: Finding, batch: ImportBatch) -> ImportProblem:
    """FINDING as a warning at the first line of the batch whose jabatan (and unit) shows it."""
    message_id, message_en = finding.message("id"), finding.message("en")
    for kind, sheet in batch.sheets():
        if kind == "units":
            continue
        for row in sheet.rows:
            written = " ".join(row.get("jabatan").split())
            if finding.kind == "variant" and written != finding.jabatan:
                continue
            if finding.kind != "variant" and jabatan_key(written) != jabatan_key(finding.jabatan):
                continue
            if finding.unit_code is not None and (
                normalise_unit_code(row.get("kode_unit")) != finding.unit_code
            ):
                continue
            return ImportProblem(
                row.line, "jabatan", message_id, message_en, kind, sheet.source or kind
            )
    return ImportProblem(None, None, message_id, message_en, None)


async def import_sheet(
    kind: ImportKind,
    sheet: Sheet,
    uow_factory: UnitOfWorkFactory,
    *,
    actor: str,
    now: dt.datetime,
) -> ImportOutcome:
    """Import one sheet of KIND (all or nothing); see `import_batch`."""
    batch = ImportBatch(**{kind: sheet})
    (outcome,) = await import_batch(batch, uow_factory, actor=actor, now=now)
    return outcome


def _nips_mentioned(sheet: Sheet) -> set[str]:
    """Every NIP a sheet names (its rows' and their spouses'), normalised as validation does;
    the stored employees among them are all an import needs to read."""
    cells = (row.get(column) for row in sheet.rows for column in ("nip", "nip_pasangan"))
    return {nip for nip in ("".join(cell.split()).lstrip("'") for cell in cells) if nip}


async def _import_in(
    uow: UnitOfWork, batch: ImportBatch, *, actor: str, now: dt.datetime
) -> tuple[ImportOutcome, ...]:
    stored_units = {u.code: _normalised_unit(u) for u in await uow.units.list()}
    known_units: set[str] = set(stored_units)
    units: Validated[Unit] | None = None
    employees: Validated[Employee] | None = None
    activities: Validated[Activity] | None = None
    stored_employees: dict[str, Employee] = {}
    stored_activities: dict[tuple[str, str, str], Activity] = {}
    if batch.units is not None:
        units = validate_units(batch.units)
        known_units |= {u.code for u in units.items}
        # A code on a bad row is still "known" so its staff are not reported twice.
        known_units |= {normalise_unit_code(r.get("kode")) for r in batch.units.rows}
    if batch.employees is not None:
        wanted = _nips_mentioned(batch.employees)
        found = await uow.employees.get_many(wanted)
        stored_employees = {nip: _normalised_employee(e) for nip, e in found.items()}
        employees = validate_employees(batch.employees, known_units, set(stored_employees))
    if batch.activities is not None:
        stored_activities = {_activity_key(a): a for a in await uow.activities.list()}
        activities = validate_activities(batch.activities, known_units)
    catalogue: Validated[JabatanInfo] | None = None
    stored_catalogue: dict[str, JabatanInfo] = {}
    if batch.jabatan is not None:
        stored_catalogue = catalogue_by_key(await uow.jabatan.list())
        catalogue = validate_jabatan(batch.jabatan)

    validated: list[tuple[ImportKind, Sheet, Validated[Any]]] = []
    for kind, sheet in batch.sheets():
        result: Validated[Any] | None = {
            "units": units,
            "employees": employees,
            "activities": activities,
            "jabatan": catalogue,
        }[kind]
        assert result is not None
        validated.append((kind, sheet, result))
    if any(result.problems for _, _, result in validated):
        return tuple(
            ImportOutcome(kind, sheet.source, ImportCounts(), result.problems)
            for kind, sheet, result in validated
        )

    outcomes: list[ImportOutcome] = []
    if units is not None and batch.units is not None:
        changed_units, counts = _count_changes(units.items, stored_units, lambda u: u.code)
        await uow.units.upsert_many(changed_units)
        outcomes.append(ImportOutcome("units", batch.units.source, counts))
    if employees is not None and batch.employees is not None:
        changed_people, counts = _count_changes(employees.items, stored_employees, lambda e: e.nip)
        await uow.employees.upsert_many(changed_people)
        outcomes.append(ImportOutcome("employees", batch.employees.source, counts))
    if activities is not None and batch.activities is not None:
        changed_activities, counts = _count_changes(
            activities.items, stored_activities, _activity_key
        )
        await uow.activities.upsert_many(changed_activities)
        outcomes.append(ImportOutcome("activities", batch.activities.source, counts))
    if catalogue is not None and batch.jabatan is not None:
        changed_rows, counts = _count_changes(
            catalogue.items, stored_catalogue, lambda r: catalogue_key(r.jabatan)
        )
        await uow.jabatan.upsert_many(changed_rows)
        outcomes.append(ImportOutcome("jabatan", batch.jabatan.source, counts))
    for outcome in outcomes:
        if outcome.counts.created or outcome.counts.updated:
            await uow.audit.add(
                AuditEvent(
                    actor=actor,
                    action=f"import.{outcome.kind}",
                    subject=f"import:{outcome.kind}",
                    at=now,
                    after={
                        "source": outcome.source,
                        "created": outcome.counts.created,
                        "updated": outcome.counts.updated,
                        "unchanged": outcome.counts.unchanged,
                    },
                )
            )
    return tuple(outcomes)


def problems_of(outcomes: Sequence[ImportOutcome]) -> tuple[ImportProblem, ...]:
    """Every problem of a batch, in sheet order."""
    return tuple(problem for outcome in outcomes for problem in outcome.problems)
