"""The import report people read (CLI and chat)."""

from __future__ import annotations

from collections.abc import Sequence

from core.usecases.importing.sheets import ImportOutcome, ImportProblem, ImportReport, Language

#: How many problems or warnings a report lists before "... and N more".
REPORT_LIMIT = 40


def describe_outcome(
    outcome: ImportOutcome, language: Language = "id", *, dry_run: bool = False, limit: int = 0
) -> str:
    """One line for a good sheet (counts), or a heading and one line per problem (all, or the
    first LIMIT when LIMIT > 0). DRY_RUN words the counts as what confirming would do."""
    en = language == "en"
    source = outcome.source or outcome.kind
    if outcome.ok:
        c = outcome.counts
        if dry_run:
            if en:
                return (
                    f"{source}: {c.created} to create, {c.updated} to update, "
                    f"{c.unchanged} unchanged"
                )
            return (
                f"{source}: {c.created} akan dibuat, {c.updated} akan diperbarui, "
                f"{c.unchanged} tidak berubah"
            )
        if en:
            return f"{source}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
        return f"{source}: {c.created} dibuat, {c.updated} diperbarui, {c.unchanged} tidak berubah"
    count = len(outcome.problems)
    if en:
        heading = (
            f"{source}: {count} problem{'s' if count != 1 else ''} found; nothing was changed. "
            "Fix these and import the file again:"
        )
    else:
        heading = (
            f"{source}: ditemukan {count} masalah; tidak ada data yang diubah. "
            "Perbaiki lalu impor ulang berkasnya:"
        )
    return "\n".join([heading, *_listed(outcome.problems, language, limit)])


def _listed(problems: Sequence[ImportProblem], language: Language, limit: int) -> list[str]:
    shown = problems if limit <= 0 else problems[:limit]
    lines = [f"  {p.describe(language)}" for p in shown]
    if len(problems) > len(shown):
        rest = len(problems) - len(shown)
        lines.append(f"  ... and {rest} more" if language == "en" else f"  ... dan {rest} lainnya")
    return lines


def describe_warnings(report: ImportReport, language: Language = "id", *, limit: int = 0) -> str:
    """The consistency warnings: a count by kind, then one line each ("" when there are none)."""
    if not report.warnings:
        return ""
    en = language == "en"
    kinds = {"variant": 0, "no_abk": 0, "no_staff": 0}
    for finding in report.findings:
        kinds[finding.kind] += 1
    if en:
        heading = (
            f"Warnings: {len(report.warnings)} ({kinds['variant']} jabatan written differently, "
            f"{kinds['no_abk']} unit-jabatan with staff but no ABK, {kinds['no_staff']} with "
            "ABK but no staff)"
        )
    else:
        heading = (
            f"Peringatan: {len(report.warnings)} ({kinds['variant']} jabatan beda tulis, "
            f"{kinds['no_abk']} unit-jabatan berpegawai tanpa ABK, {kinds['no_staff']} ber-ABK "
            "tanpa pegawai)"
        )
    lines = [heading, *_listed(report.warnings, language, limit)]
    if report.refused_for_warnings:
        lines.append(
            "Refused because of --strict: nothing was changed."
            if en
            else "Ditolak karena --strict (mode ketat): tidak ada data yang diubah."
        )
    return "\n".join(lines)


def describe_report(
    report: ImportReport, language: Language = "id", *, dry_run: bool = False, limit: int = 0
) -> str:
    """The whole report: each sheet's line (or its problems), then the warnings."""
    parts = [describe_outcome(o, language, dry_run=dry_run, limit=limit) for o in report.outcomes]
    warnings = describe_warnings(report, language, limit=limit)
    return "\n".join([*parts, warnings] if warnings else parts)
