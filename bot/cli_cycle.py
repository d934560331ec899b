"""The cycle from the command line: `mutasi rebalance` (the plan step, now), `mutasi export sk`
(SK draft rows) and `mutasi export plan` (the plan as a workbook for the committee)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_options import AdminNip
from bot.cli_text import command, echo, fail, language, t

if TYPE_CHECKING:  # the CLI starts fast: Telegram and the engine load only when used
    from bot.settings import Settings
    from core.domain import TransferProposal
    from core.rebalance.model import Move
    from core.usecases.planning import PlanOutcome

_TAG = re.compile(r"</?[a-z]+>")


def plain(text: str) -> str:
    """Chat HTML as terminal text (tags dropped, entities unescaped)."""
    import html

    return html.unescape(_TAG.sub("", text))


def render_plan_text(outcome: PlanOutcome, language: str = "id", limit: int = 20) -> str:
    """A plan run as text: the summary, then each move with the numbers behind it."""
    from core.domain.notices import transfer_content
    from core.views.plan_summary import left_out_pairs_of
    from handlers.i18n import translator
    from handlers.plan import LEFT_OUT_LISTED, left_out_text, outcome_text
    from handlers.transfer_text import detail_lines, headline_lines

    t = translator(language)
    lines = [plain(outcome_text(t, outcome)).split("\n")[0], ""]
    left_out = left_out_text(t, left_out_pairs_of(outcome.left_out), LEFT_OUT_LISTED)
    if left_out:
        lines[1:1] = [plain(left_out)]
    units = outcome.units
    people = outcome.movers
    proposals = {p.nip: p for p in outcome.proposals}
    for index, move in enumerate(outcome.moves[:limit], start=1):
        proposal = proposals.get(move.employee)
        content = transfer_content(_as_proposal(move, proposal), people.get(move.employee), units)
        block = [*headline_lines(t, content), *detail_lines(t, content)]
        lines.append(f"{index}. " + plain("\n".join(block)).replace("\n", "\n   "))
        lines.append("")
    if len(outcome.moves) > limit:
        lines.append(plain(t("usulan.more", count=len(outcome.moves) - limit)))
    return "\n".join(lines).rstrip() + "\n"


def _as_proposal(move: Move, proposal: TransferProposal | None) -> TransferProposal:
    if proposal is not None:
        return proposal
    from core.domain import TransferProposal

    return TransferProposal(
        0, 0, move.employee, move.from_unit, move.to_unit, explanation=move.explanation
    )


async def preview_plan_text(
    settings: Settings, language: str = "id", time_limit: float | None = None
) -> str:
    """What tonight's plan would be (dry run: nothing stored or sent), as text; for `demo`."""
    outcome = await _rebalance(settings, True, time_limit)
    return render_plan_text(outcome, language)


async def _rebalance(settings: Settings, dry_run: bool, time_limit: float | None) -> PlanOutcome:
    from bot.app import SystemClock
    from bot.composition import rules_of, solver_of
    from core.usecases.planning import propose_plan
    from db.engine import create_engine, session_factory
    from db.migrate import ensure_schema_async
    from db.uow import uow_factory

    await ensure_schema_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        agency = rules_of(settings)
        rules = agency.planning
        if time_limit is not None:
            from dataclasses import replace

            rules = replace(rules, time_limit_seconds=time_limit)
        return await propose_plan(
            uow_factory(session_factory(engine)),
            SystemClock(),
            rules,
            solver_of(agency),
            dry_run=dry_run,
            actor="cli",
        )
    finally:
        await engine.dispose()


async def _export_sk(settings: Settings, plan_id: int, out: Path) -> int:
    from bot.composition import committee_of
    from core.usecases.effect import SK_COLUMNS, sk_rows
    from db.engine import create_engine, session_factory
    from db.spreadsheets import write_sheet
    from db.uow import uow_factory

    engine = create_engine(settings.database_url)
    try:
        async with uow_factory(session_factory(engine))() as uow:
            if await uow.plans.get(plan_id) is None:
                fail("cli.no_plan", 2, plan=plan_id)
            rows = await sk_rows(uow, plan_id, settings.zone, committee_of(settings))
    finally:
        await engine.dispose()
    # The SK draft is read by people in a spreadsheet: no cell may run as a formula.
    write_sheet(
        out, SK_COLUMNS, [r.values() for r in rows], sheet_name="sk", for_spreadsheet_program=True
    )
    return len(rows)


async def _render_chart(settings: Settings, plan_id: int, language: str) -> tuple[bytes, str]:
    """The approvers' chart of PLAN_ID and its caption (the summary text), as sent in chat."""
    from core.views.plan_summary import plan_summary
    from db.engine import create_engine, session_factory
    from db.uow import uow_factory
    from handlers.i18n import translator
    from handlers.plan import render_summary

    engine = create_engine(settings.database_url)
    try:
        async with uow_factory(session_factory(engine))() as uow:
            plan = await uow.plans.get(plan_id)
            if plan is None or plan.id is None:
                fail("cli.no_plan", 2, plan=plan_id)
            proposals = await uow.proposals.list_for_plan(plan.id)
    finally:
        await engine.dispose()
    summary = plan_summary(plan, moves=len(proposals), your_cards=None)
    caption, _markup, png = render_summary(translator(language), summary)
    if png is None:
        fail("cli.chart_empty", 2, plan=plan_id)
    return png, caption


async def _export_plan(settings: Settings, plan_id: int, language: str) -> tuple[bytes, int]:
    from bot.composition import approval_rules_of
    from core.domain.errors import NotFound
    from core.views.plan_report import plan_report
    from db.engine import create_engine, session_factory
    from db.uow import uow_factory
    from handlers.i18n import translator
    from handlers.plan_workbook import build_plan_workbook

    engine = create_engine(settings.database_url)
    approval = approval_rules_of(settings)
    stages = tuple(s.name for s in approval.stages)
    try:
        async with uow_factory(session_factory(engine))() as uow:
            try:
                report = await plan_report(
                    uow,
                    plan_id,
                    stage_names=stages,
                    today=_today(settings),
                    committee=approval.committee,
                )
            except NotFound:
                fail("cli.no_plan", 2, plan=plan_id)
    finally:
        await engine.dispose()
    return build_plan_workbook(report, translator(language), settings.zone), len(report.lines)


def _require_database_file(settings: Settings) -> None:
    """Stop before opening a SQLite file that does not exist (opening would create it empty and
    the export would fail on missing tables); the demo's own file is named as a hint."""
    from bot.cli_data import DEMO_DATABASE_URL, _sqlite_file
    from db.engine import masked_url

    database_file = _sqlite_file(settings.database_url)
    if database_file is not None and not database_file.exists():
        fail(
            "cli.export_no_database_file",
            2,
            path=str(database_file),
            url=masked_url(settings.database_url),
            demo=DEMO_DATABASE_URL,
        )


def _check_out(out: Path) -> None:
    """Refuse --out before any work when its folder does not exist (no traceback later)."""
    if not out.parent.is_dir():
        fail("cli.out_no_folder", 2, folder=str(out.parent))
    if out.is_dir():
        fail("cli.out_is_folder", 2, path=str(out))


def _write_out(out: Path, data: bytes) -> None:
    """Write DATA to OUT; a refusal by the system (no permission, disk full) in one line."""
    try:
        out.write_bytes(data)
    except OSError as error:
        fail("cli.cannot_write", 1, path=str(out), reason=error.strerror or str(error))


def _today(settings: Settings) -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC).astimezone(settings.zone).date()


async def _after_approval(settings: Settings, action: Any) -> Any:
    """Run ACTION(uow_factory, clock, rules) against the agency's database."""
    from bot.app import SystemClock
    from bot.composition import approval_rules_of
    from db.engine import create_engine, session_factory
    from db.uow import uow_factory

    engine = create_engine(settings.database_url)
    try:
        return await action(
            uow_factory(session_factory(engine)), SystemClock(), approval_rules_of(settings)
        )
    finally:
        await engine.dispose()


def _run_after_approval(settings: Settings, action: Any) -> Any:
    """ACTION's result, or exit 1 with the domain error in the agency's language."""
    from bot.cli_bot import domain_error_text
    from bot.cli_text import fail_text
    from core.domain.errors import DomainError

    try:
        return asyncio.run(_after_approval(settings, action))
    except DomainError as error:
        fail_text(plain(domain_error_text(error)))


#: The `--plan` option of the commands about one plan.
PlanId = Annotated[int, typer.Option("--plan", help="Nomor rencana. / Plan id.")]
#: The `--lang` option of the commands that write a chart or a workbook.
OutputLanguage = Annotated[
    str | None,
    typer.Option("--lang", help="Bahasa berkas: id atau en. / The file's language."),
]


def _output_language(lang: str | None) -> str:
    """LANG, the `--lang` given (id or en; anything else stops with exit status 2), or the
    CLI's language."""
    if lang not in (None, "id", "en"):
        fail("cli.lang_choice", 2, value=str(lang))
    return lang or language()


def register(app: typer.Typer) -> None:
    """Add `rebalance`, `chart`, `export sk`, `export plan`, `spmt` and `surat-menteri`."""

    @command(
        app,
        "chart",
        "mutasi chart --plan 1 --out grafik.png",
        "mutasi chart --plan 1 --out chart.png --lang en",
    )
    def chart(
        plan: PlanId,
        out: Annotated[Path, typer.Option("--out", help="BERKAS.png / FILE.png")],
        lang: OutputLanguage = None,
    ) -> None:
        """Grafik rencana seperti tampil di ponsel penyetuju; keterangannya dicetak.
        / The plan's chart as approvers see it on a phone; its caption is printed."""
        from bot.settings import load_settings

        if out.suffix.lower() != ".png":
            fail("cli.chart_png", 2, path=str(out))
        chart_language = _output_language(lang)
        _check_out(out)
        settings = load_settings()
        _require_database_file(settings)
        png, caption = asyncio.run(_render_chart(settings, plan, chart_language))
        _write_out(out, png)
        typer.echo(plain(caption))
        echo("cli.chart_written", path=str(out))

    @command(
        app,
        "spmt",
        "mutasi spmt 12 --admin 198001012005011001",
        "mutasi spmt 12 --admin 198001012005011001 --sip",
    )
    def spmt(
        proposal: Annotated[
            int, typer.Argument(help="Nomor usulan (seperti di kartu: #12). / Proposal id.")
        ],
        admin: AdminNip,
        sip: Annotated[
            bool,
            typer.Option(
                "--sip", help="SIP baru untuk unit tujuan sudah ada. / The new SIP is held."
            ),
        ] = False,
    ) -> None:
        """Catat SPMT atas nama kepala unit tujuan (diaudit sebagai tindakan admin).
        / Confirm the SPMT on the destination head's behalf (audited as the admin's)."""
        from bot.settings import load_settings
        from core.usecases.effect import confirm_arrival

        async def action(uows: Any, clock: Any, rules: Any) -> Any:
            return await confirm_arrival(
                uows, clock, rules, proposal_id=proposal, nip=admin, sip_held=sip, on_behalf=True
            )

        outcome = _run_after_approval(load_settings(), action)
        if outcome.applied:
            echo("cli.spmt_applied", proposal=proposal)
        else:
            gates = "; ".join(t(f"cli.gate.{gate}") for gate in outcome.waiting)
            echo("cli.spmt_waiting", proposal=proposal, waiting=gates)

    @command(
        app,
        "surat-menteri",
        "mutasi surat-menteri 12 13 --nomor 800/123/OTDA --tanggal 2026-12-01"
        " --admin 198001012005011001",
    )
    def minister_letter(
        proposals: Annotated[
            list[int], typer.Argument(help="Nomor usulan yang dicakup. / Proposal ids covered.")
        ],
        nomor: Annotated[str, typer.Option("--nomor", help="Nomor surat. / The letter's number.")],
        tanggal: Annotated[
            str, typer.Option("--tanggal", help="Tanggal surat, YYYY-MM-DD. / The letter's date.")
        ],
        admin: AdminNip,
    ) -> None:
        """Catat persetujuan tertulis Menteri untuk mutasi dalam masa larangan (diaudit).
        / Record the Minister's written approval for moves in a freeze window (audited)."""
        import datetime as dt

        from bot.settings import load_settings
        from core.usecases.effect import record_minister_letter

        try:
            letter_date = dt.date.fromisoformat(tanggal)
        except ValueError:
            fail("cli.date_format", 2, option="--tanggal", value=tanggal)

        async def action(uows: Any, clock: Any, rules: Any) -> Any:
            return await record_minister_letter(
                uows,
                clock,
                rules,
                proposal_ids=proposals,
                admin_nip=admin,
                number=nomor,
                letter_date=letter_date,
            )

        applied = _run_after_approval(load_settings(), action)
        echo(
            "cli.letter_recorded",
            number=nomor,
            count=len(proposals),
            applied=", ".join(map(str, applied)) or "-",
        )

    @command(app, "rebalance", "mutasi rebalance --dry-run", "mutasi rebalance --time-limit 30")
    def rebalance(
        dry_run: Annotated[
            bool,
            typer.Option(
                "--dry-run",
                help="Tampilkan rencana saja, tanpa menyimpan/mengirim. / Show only; store and "
                "send nothing.",
            ),
        ] = False,
        time_limit: Annotated[
            float | None,
            typer.Option("--time-limit", help="Batas waktu solver (detik). / Solver seconds."),
        ] = None,
    ) -> None:
        """Buat rencana hari ini sekarang (seperti tugas malam) dan cetak dengan alasannya.
        / Make today's plan now (as the nightly job does) and print it with explanations."""
        from bot.settings import load_settings

        settings = load_settings()
        if time_limit is not None and time_limit <= 0:
            fail("cli.time_limit_positive", 2)
        outcome = asyncio.run(_rebalance(settings, dry_run, time_limit))
        typer.echo(render_plan_text(outcome, language()))

    export_app = typer.Typer(
        help="Ekspor untuk instansi. / Exports for the agency.", no_args_is_help=True
    )

    @command(export_app, "sk", "mutasi export sk --plan 12 --out sk-desember.xlsx")
    def export_sk(
        plan: PlanId,
        out: Annotated[
            Path, typer.Option("--out", help="BERKAS.xlsx atau BERKAS.csv / FILE.xlsx or .csv")
        ],
    ) -> None:
        """Baris draf SK dari mutasi yang disetujui dalam satu rencana (docs/exports.md).
        / SK draft rows of a plan's approved transfers."""
        from bot.settings import load_settings

        if out.suffix.lower() not in (".xlsx", ".csv"):
            fail("cli.export_suffix", 2, path=str(out))
        _check_out(out)
        settings = load_settings()
        _require_database_file(settings)
        count = asyncio.run(_export_sk(settings, plan, out))
        echo("cli.export_written", count=count, path=str(out))

    @command(
        export_app,
        "plan",
        "mutasi export plan --plan 12 --out rencana-12.xlsx",
        "mutasi export plan --plan 12 --out plan-12.xlsx --lang en",
    )
    def export_plan(
        plan: PlanId,
        out: Annotated[Path, typer.Option("--out", help="BERKAS.xlsx / FILE.xlsx")],
        lang: OutputLanguage = None,
    ) -> None:
        """Rencana sebagai buku kerja untuk tim: ringkasan, satu lembar per OPD, berita acara.
        / The plan as a workbook for the committee: a summary, one sheet per OPD, minutes."""
        from bot.settings import load_settings

        if out.suffix.lower() != ".xlsx":
            fail("cli.export_xlsx", 2, path=str(out))
        workbook_language = _output_language(lang)
        _check_out(out)
        settings = load_settings()
        _require_database_file(settings)
        data, count = asyncio.run(_export_plan(settings, plan, workbook_language))
        _write_out(out, data)
        echo("cli.export_plan_written", count=count, path=str(out))

    app.add_typer(export_app, name="export")
