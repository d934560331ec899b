"""`mutasi import` (units, employees, ABK activities from CSV/XLSX) and `mutasi demo`.

The demo builds the sample kabupaten of bot.sample_agency, writes its three files into
`demo-data/` (or `--data-dir`), loads them through the same import path an agency uses, adds
aspirations and role grants, and prints which units are over and under their ABK need.

Re-running the demo: a database that holds only a previous demo (it carries the audit marker
`demo.load`) is reset to an empty schema first (Alembic downgrade to base, then upgrade), so the
demo can be run again with any size or seed. A database holding anything else is left alone and
the demo refuses, naming MUTASI_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

# At run time: Typer reads the commands' choices from these Literal types.
from bot.cli_options import SampleSeed
from core.usecases.importing.columns import ImportKind

if TYPE_CHECKING:
    from bot.sample_agency import SampleAgency
    from bot.settings import Settings
    from core.ports import UnitOfWorkFactory
    from core.usecases.importing.sheets import ImportOutcome, ImportReport, Sheet
    from core.views.staffing_gaps import StaffingGap, StaffingSummary

Language = Literal["id", "en"]

#: The demo's own database: `make demo` never fills the file the real bot uses.
DEMO_DATABASE_URL = "sqlite:///mutasi-demo.sqlite3"


#: The sizes `mutasi demo` builds (bot.sample_agency.SAMPLE_SIZES without the benchmark's XL):
#: about 600, 5,000 and 20,000 ASN.
DemoSize = Literal["S", "M", "L"]
#: The file type the demo writes.
DemoFileFormat = Literal["csv", "xlsx"]


class CommandFailed(Exception):
    """A data command stops with a message for the operator and a non-zero exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _number(value: float, language: Language, places: int = 2, signed: bool = False) -> str:
    text = f"{value:+.{places}f}" if signed else f"{value:.{places}f}"
    return text.replace(".", ",") if language == "id" else text


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------------------------
# import


def render_import_outcome(outcome: ImportOutcome, language: Language) -> str:
    """One line for a successful import, or a heading and one line per problem."""
    from core.usecases.importing.report import describe_outcome

    return describe_outcome(outcome, language)


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    from db.engine import is_sqlite, normalise_url

    if not is_sqlite(url):
        return None
    database = make_url(normalise_url(url)).database
    return Path(database) if database and database != ":memory:" else None


async def _import_file(
    database_url: str, kind: ImportKind, sheet: Sheet, language: Language, strict: bool
) -> ImportReport:
    from sqlalchemy.exc import DBAPIError

    from core.usecases.importing.apply import import_checked
    from core.usecases.importing.sheets import ImportBatch
    from db.engine import create_engine
    from db.uow import uow_factory

    engine = create_engine(database_url)
    try:
        return await import_checked(
            ImportBatch(**{kind: sheet}),
            uow_factory(engine),
            actor=_actor(),
            now=dt.datetime.now(dt.UTC),
            strict=strict,
        )
    except DBAPIError as error:
        raise CommandFailed(
            f"database error (is the schema there? run `mutasi db upgrade`): {error.orig!r}"
            if language == "en"
            else f"kesalahan database (sudah menjalankan `mutasi db upgrade`?): {error.orig!r}"
        ) from None
    finally:
        await engine.dispose()


def run_import(
    kind: ImportKind, file: Path, database_url: str, language: Language, strict: bool = False
) -> ImportReport:
    """Read FILE and import it into the database (all or nothing) and check it against the rest
    of the data; STRICT refuses on any warning. CommandFailed if unreadable."""
    from db.spreadsheets import UnreadableSheet, read_sheet

    database_file = _sqlite_file(database_url)
    if database_file is not None and not database_file.exists():
        raise CommandFailed(
            f"database file {database_file} does not exist: run `mutasi db upgrade` first"
            if language == "en"
            else f"berkas database {database_file} belum ada: jalankan `mutasi db upgrade` dulu"
        )
    try:
        sheet = read_sheet(file, sheet_name=kind, kind=kind)
    except UnreadableSheet as error:
        raise CommandFailed(error.describe(language)) from None
    return asyncio.run(_import_file(database_url, kind, sheet, language, strict))


# --------------------------------------------------------------------------------------------
# demo


def render_staffing_summary(
    summary: StaffingSummary, language: Language = "id", limit: int = 15
) -> str:
    """Over- and under-staffed (unit, jabatan) as two tables, largest gaps first, and totals."""
    en = language == "en"
    lines: list[str] = []

    def table(title: str, gaps: Sequence[StaffingGap]) -> None:
        lines.append(title)
        if not gaps:
            lines.append("  (none)" if en else "  (tidak ada)")
            return
        header = (
            ("code", "unit", "jabatan", "in post", "need FTE", "EJ", "cat", "gap")
            if en
            else ("kode", "unit", "jabatan", "ada", "butuh FTE", "EJ", "kat", "selisih")
        )
        lines.append(
            f"  {header[0]:<18} {header[1]:<28} {header[2]:<32} {header[3]:>7} {header[4]:>9} "
            f"{header[5]:>5} {header[6]:>3} {header[7]:>8}"
        )
        for gap in gaps[:limit]:
            ej = "-" if gap.efficiency is None else _number(gap.efficiency, language)
            lines.append(
                f"  {gap.unit_code:<18} {_fit(gap.unit_name, 28):<28} {_fit(gap.jabatan, 32):<32} "
                f"{gap.staff_in_post:>7} "
                f"{_number(gap.required_fte, language):>9} {ej:>5} {gap.category or '-':>3} "
                f"{_number(gap.surplus, language, signed=True):>8}"
            )
        if len(gaps) > limit:
            rest = len(gaps) - limit
            lines.append(f"  ... and {rest} more" if en else f"  ... dan {rest} lainnya")

    n_over, n_under = len(summary.over), len(summary.under)
    minimum = _number(summary.min_gap_fte, language, 1)
    if en:
        table(
            f"Over their ABK need (by {minimum} FTE or more): {n_over}, largest first",
            summary.over,
        )
        lines.append("")
        table(f"Under their ABK need: {n_under}, largest shortage first", summary.under)
        lines.append("")
        lines.append(
            f"Total: {summary.staff_in_post} staff in post against a need of "
            f"{_number(summary.required_fte, language, 1)} FTE across {summary.families} "
            f"(unit, jabatan) in {summary.units} units; surplus "
            f"{_number(summary.total_surplus, language, 1)}, shortage "
            f"{_number(summary.total_shortage, language, 1)} FTE."
        )
    else:
        table(
            f"Kelebihan pegawai menurut ABK ({minimum} FTE atau lebih): {n_over}, terbesar dulu",
            summary.over,
        )
        lines.append("")
        table(f"Kekurangan pegawai menurut ABK: {n_under}, terbesar dulu", summary.under)
        lines.append("")
        lines.append(
            f"Total: {summary.staff_in_post} pegawai, kebutuhan "
            f"{_number(summary.required_fte, language, 1)} FTE pada {summary.families} "
            f"pasangan unit-jabatan di {summary.units} unit; kelebihan "
            f"{_number(summary.total_surplus, language, 1)}, kekurangan "
            f"{_number(summary.total_shortage, language, 1)} FTE."
        )
    return "\n".join(lines)


async def demo_plan_section(
    settings: Settings, uow_factory: UnitOfWorkFactory, language: Language
) -> str:
    """Run tonight's plan over the demo database, as the nightly job does, and render it."""
    from bot.app import SystemClock
    from bot.cli_cycle import render_plan_text
    from bot.composition import rules_of, solver_of
    from core.usecases.planning import propose_plan

    rules = rules_of(settings)
    outcome = await propose_plan(
        uow_factory,
        SystemClock(),
        rules.planning,
        solver_of(rules),
        dry_run=False,
        actor="demo",
    )
    return render_plan_text(outcome, language)


def write_agency_files(
    agency: SampleAgency, directory: Path, file_format: str
) -> dict[ImportKind, Path]:
    """Write the sample agency's units, employees, activities and jabatan catalogue files;
    returns their paths."""
    from core.usecases.importing.columns import (
        ACTIVITY_COLUMNS,
        EMPLOYEE_COLUMNS,
        JABATAN_COLUMNS,
        UNIT_COLUMNS,
    )
    from core.usecases.importing.writing import (
        activity_cells,
        employee_cells,
        jabatan_cells,
        unit_cells,
    )
    from db.spreadsheets import write_sheet

    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[ImportKind, Path] = {
        "units": directory / f"units.{file_format}",
        "employees": directory / f"employees.{file_format}",
        "activities": directory / f"activities.{file_format}",
        "jabatan": directory / f"jabatan.{file_format}",
    }
    write_sheet(
        paths["units"], UNIT_COLUMNS, (unit_cells(u) for u in agency.units), sheet_name="units"
    )
    write_sheet(
        paths["employees"],
        EMPLOYEE_COLUMNS,
        (employee_cells(e) for e in agency.employees),
        sheet_name="employees",
    )
    write_sheet(
        paths["activities"],
        ACTIVITY_COLUMNS,
        (activity_cells(a) for a in agency.activities),
        sheet_name="activities",
    )
    write_sheet(
        paths["jabatan"],
        JABATAN_COLUMNS,
        (jabatan_cells(row) for row in agency.catalogue),
        sheet_name="jabatan",
    )
    return paths


async def _database_state(uow_factory: UnitOfWorkFactory) -> Literal["empty", "demo", "other"]:
    from bot.sample_agency import DEMO_AUDIT_SUBJECT

    async with uow_factory() as uow:
        if await uow.audit.list(DEMO_AUDIT_SUBJECT):
            return "demo"
        if await uow.units.list() or await uow.employees.list():
            return "other"
    return "empty"


async def _run_demo_async(
    settings: Settings,
    size: str,
    seed: int,
    data_dir: Path,
    file_format: str,
    language: Language,
) -> str:
    from bot.sample_agency import SampleSize, generate_sample_agency, store_sample_people
    from core.usecases.importing.apply import import_batch, problems_of
    from core.usecases.importing.sheets import ImportBatch
    from core.views.staffing_gaps import read_staffing_summary
    from db.engine import create_engine
    from db.migrate import downgrade_async, ensure_schema_async
    from db.spreadsheets import read_sheet
    from db.uow import uow_factory as make_uow_factory

    en = language == "en"
    url = settings.database_url
    out: list[str] = []
    await ensure_schema_async(url)
    engine = create_engine(url)
    try:
        state = await _database_state(make_uow_factory(engine))
    finally:
        await engine.dispose()
    if state == "other":
        raise CommandFailed(
            "the database already holds data that is not a demo; give the demo another "
            "database with --database (e.g. --database sqlite:///mutasi-demo.sqlite3)"
            if en
            else "database sudah berisi data yang bukan demo; beri demo database lain dengan "
            "--database (mis. --database sqlite:///mutasi-demo.sqlite3)"
        )
    if state == "demo":
        await downgrade_async(url, "base")
        await ensure_schema_async(url)
        out.append("Previous demo data removed." if en else "Data demo sebelumnya dihapus.")

    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(settings.zone).date()
    sample_size: SampleSize = "S" if size == "S" else "M" if size == "M" else "L"
    agency = generate_sample_agency(sample_size, seed, today, settings.wke_minutes)
    paths = write_agency_files(agency, data_dir, file_format)
    batch = ImportBatch(
        units=read_sheet(paths["units"]),
        employees=read_sheet(paths["employees"]),
        activities=read_sheet(paths["activities"]),
        jabatan=read_sheet(paths["jabatan"]),
    )
    engine = create_engine(url)
    try:
        factory = make_uow_factory(engine)
        outcomes = await import_batch(batch, factory, actor="demo", now=now)
        problems = problems_of(outcomes)
        if problems:  # the generator and the importer disagree: a bug, shown plainly
            raise CommandFailed("\n".join(p.describe(language) for p in problems))
        aspirations, grants = await store_sample_people(agency, factory, now=now)
        summary = await read_staffing_summary(
            factory,
            wke_minutes=settings.wke_minutes,
            workload_months=settings.workload_average_months,
        )
        plan_text = await demo_plan_section(settings, factory, language)
    finally:
        await engine.dispose()

    from bot.sample_agency import KABUPATEN

    files = ", ".join(str(p) for p in paths.values())
    if en:
        out.append(
            f"{KABUPATEN} (sample, size {size}, seed {seed}): {len(agency.units)} units, "
            f"{len(agency.employees)} ASN, {len(agency.activities)} ABK activities."
        )
        out.append(f"Files written and imported: {files}")
    else:
        out.append(
            f"{KABUPATEN} (contoh, ukuran {size}, seed {seed}): {len(agency.units)} unit, "
            f"{len(agency.employees)} ASN, {len(agency.activities)} kegiatan ABK."
        )
        out.append(f"Berkas ditulis dan diimpor: {files}")
    out.extend(render_import_outcome(outcome, language) for outcome in outcomes)
    out.append(
        f"Aspirations: {aspirations}; role grants: {grants} (admin, approver, unit heads)."
        if en
        else f"Aspirasi: {aspirations}; peran: {grants} (admin, penyetuju, kepala unit)."
    )
    out.append("")
    out.append(render_staffing_summary(summary, language))
    if plan_text:
        out.append("")
        out.append(plan_text)
    return "\n".join(out)


def run_demo(
    settings: Settings,
    size: str = "S",
    seed: int = 7,
    data_dir: Path = Path("demo-data"),
    file_format: str = "csv",
    language: Language = "id",
) -> str:
    """Build the sample agency into the configured database and return the printed report."""
    return asyncio.run(_run_demo_async(settings, size, seed, data_dir, file_format, language))


# --------------------------------------------------------------------------------------------
# registration


def register(app: typer.Typer) -> None:
    """Add the `import` and `demo` commands."""
    from bot.cli_text import command
    from bot.cli_text import language as cli_language

    @command(
        app,
        "import",
        "mutasi import units unit.xlsx",
        "mutasi import employees pegawai.csv",
        "mutasi import activities abk.xlsx",
        "mutasi import jabatan jabatan.xlsx",
        "mutasi import employees pegawai.csv --strict",
    )
    def import_command(
        kind: Annotated[
            ImportKind, typer.Argument(help="units, employees, activities or jabatan")
        ],
        file: Annotated[Path, typer.Argument(help="a .csv (UTF-8, header row) or .xlsx file")],
        lang: Annotated[
            Language | None,
            typer.Option("--lang", help="message language (default: MUTASI_LANGUAGE, i.e. id)"),
        ] = None,
        strict: Annotated[
            bool,
            typer.Option(
                "--strict",
                help="tolak berkas bila ada peringatan (jabatan tanpa ABK, ABK tanpa pegawai, "
                "jabatan beda tulis) / refuse the file when the consistency check warns",
            ),
        ] = False,
    ) -> None:
        """Impor unit, pegawai, kegiatan ABK atau katalog jabatan; berkas dengan satu baris salah
        tidak mengubah apa pun. / Import units, employees, ABK activities or the jabatan
        catalogue; a file with any bad row changes nothing.

        Lalu data pegawai dan ABK dicocokkan; peringatannya dicantumkan dan dihitung (dengan
        --strict berkas ditolak). / Afterwards the employees and ABK data are checked against
        each other; the warnings are listed and counted (with --strict they refuse the file).
        """
        from bot.settings import load_settings
        from core.usecases.importing.report import describe_report

        settings = load_settings()
        language: Language = "en" if (lang or cli_language()) == "en" else "id"
        try:
            report = run_import(kind, file, settings.database_url, language, strict)
        except CommandFailed as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(error.exit_code) from None
        if not report.ok:
            typer.echo(describe_report(report, language), err=True)
            raise typer.Exit(1)
        typer.echo(describe_report(report, language))

    @command(
        app,
        "demo",
        "mutasi demo",
        "mutasi demo --size M --seed 3",
        "mutasi demo --database sqlite:///coba.sqlite3 --lang en",
    )
    def demo_command(
        size: Annotated[
            DemoSize, typer.Option("--size", help="S ~600, M 5,000, L 20,000 ASN")
        ] = "S",
        seed: SampleSeed = 7,
        data_dir: Annotated[
            Path, typer.Option("--data-dir", help="where the demo's files are written")
        ] = Path("demo-data"),
        file_format: Annotated[
            DemoFileFormat, typer.Option("--format", help="csv or xlsx")
        ] = "csv",
        lang: Annotated[Language | None, typer.Option("--lang", help="id or en")] = None,
        database: Annotated[
            str,
            typer.Option(
                "--database",
                help="the demo's own database (never MUTASI_DATABASE_URL, the agency's)",
            ),
        ] = DEMO_DATABASE_URL,
    ) -> None:
        """Bangun kabupaten contoh di database demo sendiri dan tampilkan selisih ABK-nya.
        / Build a sample kabupaten in the demo's own database and show its ABK gaps."""
        from bot.settings import load_settings, remember_database_url
        from db.engine import normalise_url

        remember_database_url(database)
        settings = load_settings(database_url=normalise_url(database))
        language: Language = "en" if (lang or cli_language()) == "en" else "id"
        try:
            report = run_demo(settings, size, seed, data_dir, file_format, language)
        except CommandFailed as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(error.exit_code) from None
        typer.echo(report)
