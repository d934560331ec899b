"""A plan as a spreadsheet for the committee (Baperjakat): a summary sheet, one sheet per OPD
with one row per proposal (every number of its explanation, the reasons in words, its state,
who decided and when), and a sheet kept for the committee's minutes (berita acara).

Formatted for printing: landscape, fitted to the page width, the header row repeated on every
page and frozen on screen, widths set per column, long text wrapped.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.domain import ProposalState
from core.usecases.safe_files import keep_text_cells
from core.views.plan_report import DecisionEntry, PlanReport, ProposalLine
from handlers.i18n import Translator
from handlers.transfer_text import reason_lines

#: Excel refuses sheet names longer than this or holding any of these characters.
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_TAG = re.compile(r"</?[a-z]+>")
_LEADING_SYMBOLS = re.compile(r"^[^\w(«\"“]+")

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TITLE_FONT = Font(bold=True, size=13)
HEADER_FONT = Font(bold=True, size=9)
BODY_FONT = Font(size=9)
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

DECIMAL_1 = "#,##0.0"
DECIMAL_2 = "#,##0.00"
WHOLE = "0"
DATE = "dd-mm-yyyy"

#: The header row of an OPD sheet (row 1 is its title, row 2 a note; the header is row 3).
HEADER_ROW = 3


#: What a cell of the plan's sheet holds: text, a number, a day or a moment, or nothing.
CellValue: TypeAlias = str | int | float | dt.date | None


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an OPD sheet: catalog key of its header, width in characters, format."""

    key: str
    width: float
    value: Callable[[ProposalLine, Translator], CellValue]
    number_format: str | None = None


@dataclass(frozen=True, slots=True)
class CommitteeMinutes:
    """The committee's minutes (berita acara) of the meeting that read this plan.

    Filled from a committee stage's votes (core.usecases.committee) when members voted on the plan;
    otherwise the "Berita Acara" sheet is printed with empty fields to sign by hand.
    """

    number: str = ""
    held_on: dt.date | None = None
    place: str = ""
    chair: str = ""
    members: tuple[str, ...] = ()
    decision: str = ""


def plain(text: str) -> str:
    """A chat line as cell text: tags dropped, entities unescaped, the leading emoji removed."""
    return _LEADING_SYMBOLS.sub("", html.unescape(_TAG.sub("", text))).strip()


def _reasons(line: ProposalLine, t: Translator) -> str:
    return "\n".join(plain(r) for r in reason_lines(t, line.content))


def _decision_text(
    t: Translator, d: DecisionEntry, zone: dt.tzinfo, line: ProposalLine | None = None
) -> str:
    when = d.decided_at.astimezone(zone).strftime("%d-%m-%Y %H:%M")
    minutes = line.minutes if line is not None else None
    if minutes is not None and minutes.stage == d.stage:
        key = (
            "export.plan.decision_committee_yes"
            if d.approved
            else "export.plan.decision_committee_no"
        )
        text = t(key, stage=d.stage_name, yes=minutes.yes, no=minutes.no, when=when)
    elif d.is_objection_ruling:
        key = "export.plan.objection_kept" if d.approved else "export.plan.objection_cancelled"
        text = t(key, name=d.approver_name, nip=d.approver_nip, when=when)
    else:
        key = "export.plan.decision_yes" if d.approved else "export.plan.decision_no"
        text = t(key, stage=d.stage_name, name=d.approver_name, nip=d.approver_nip, when=when)
    if d.reason:
        text += " — " + d.reason
    return text


def _decisions(zone: dt.tzinfo) -> Callable[[ProposalLine, Translator], CellValue]:
    def value(line: ProposalLine, t: Translator) -> str:
        if not line.decisions:
            return t("export.plan.no_decision")
        return "\n".join(_decision_text(t, d, zone, line) for d in line.decisions)

    return value


def _last_decided(zone: dt.tzinfo) -> Callable[[ProposalLine, Translator], CellValue]:
    def value(line: ProposalLine, _t: Translator) -> dt.date | None:
        last = line.last_decided_at
        return last.astimezone(zone).date() if last else None

    return value


def _state(line: ProposalLine, t: Translator) -> str:
    return t(f"proposal.state.{line.proposal.state.value}")


def _improvement(line: ProposalLine, _t: Translator) -> float | None:
    delta = line.content.objective_delta
    return -delta if delta is not None else None


def columns(zone: dt.tzinfo) -> list[Column]:
    """The columns of an OPD sheet, in order: first those printed (what the committee reads;
    the reasons state every number in words), then every number in a column of its own."""
    c = Column
    return [
        c("export.plan.col.no", 4, lambda line, t: None, WHOLE),  # filled with the row number
        c("export.plan.col.number", 17, lambda line, t: line.number),
        c("export.plan.col.nip", 19, lambda line, t: line.content.nip),
        c("export.plan.col.name", 18, lambda line, t: line.content.name),
        c("export.plan.col.golongan", 6, lambda line, t: line.content.golongan),
        c("export.plan.col.jabatan", 15, lambda line, t: line.content.jabatan),
        c("export.plan.col.origin", 16, lambda line, t: line.content.origin.unit_name),
        c("export.plan.col.destination", 16, lambda line, t: line.content.destination.unit_name),
        c("export.plan.col.reasons", 46, _reasons),
        c("export.plan.col.state", 11, _state),
        c("export.plan.col.tmt", 11, lambda line, t: line.proposal.tmt, DATE),
        c("export.plan.col.decisions", 32, _decisions(zone)),
        # ---- not printed: the same figures one per column, for sorting and filtering
        c("export.plan.col.origin_opd", 13, lambda line, t: line.origin_opd),
        c("export.plan.col.destination_opd", 13, lambda line, t: line.destination_opd),
        c("export.plan.col.origin_staff", 9, lambda line, t: line.content.origin.staff_before),
        c(
            "export.plan.col.origin_need",
            9,
            lambda line, t: line.content.origin.required,
            DECIMAL_2,
        ),
        c("export.plan.col.origin_after", 9, lambda line, t: line.content.origin.staff_after),
        c("export.plan.col.dest_staff", 9, lambda line, t: line.content.destination.staff_before),
        c(
            "export.plan.col.dest_need",
            9,
            lambda line, t: line.content.destination.required,
            DECIMAL_2,
        ),
        c("export.plan.col.dest_after", 9, lambda line, t: line.content.destination.staff_after),
        c("export.plan.col.rank", 9, lambda line, t: line.content.aspiration_rank, WHOLE),
        c(
            "export.plan.col.distance_before",
            9,
            lambda line, t: line.content.distance_before_km,
            DECIMAL_1,
        ),
        c(
            "export.plan.col.distance_after",
            9,
            lambda line, t: line.content.distance_after_km,
            DECIMAL_1,
        ),
        c("export.plan.col.improvement", 9, _improvement, DECIMAL_1),
        c("export.plan.col.chain", 9, lambda line, t: line.content.chain_size, WHOLE),
        c("export.plan.col.months", 9, lambda line, t: line.content.months_in_unit, WHOLE),
        c("export.plan.col.skills", 14, lambda line, t: ", ".join(line.content.skills_matched)),
        c("export.plan.col.training", 14, lambda line, t: ", ".join(line.content.training)),
        c("export.plan.col.alternative", 16, lambda line, t: line.content.alternative or ""),
        c(
            "export.plan.col.alternative_delta",
            10,
            lambda line, t: line.content.alternative_delta,
            DECIMAL_1,
        ),
        c("export.plan.col.decided_at", 11, _last_decided(zone), DATE),
    ]


#: How many of `columns()` (from the left) are printed.
PRINTED_COLUMNS = 12
#: Points per line of 9-point text, for row heights (set, so every program shows whole text).
LINE_HEIGHT = 11.5


def _row_height(values: Sequence[Any], widths: Sequence[float]) -> float:
    """Enough height for the longest wrapped cell of a row (about 1.2 characters per width)."""
    lines = 1
    for value, width in zip(values, widths, strict=True):
        if isinstance(value, str) and value:
            per_line = max(1, int(width * 1.2))
            lines = max(
                lines, sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))
            )
    return LINE_HEIGHT * lines + 3


def sheet_title(name: str, taken: set[str]) -> str:
    """NAME made a valid, unused sheet name (Excel: 31 characters, no []:*?/\\)."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", name).split()).strip("'") or "OPD"
    title = _cut(base, SHEET_NAME_MAX)
    counter = 2
    while title.lower() in {n.lower() for n in taken}:
        suffix = f" ({counter})"
        title = _cut(base, SHEET_NAME_MAX - len(suffix)) + suffix
        counter += 1
    taken.add(title)
    return title


def _cut(text: str, limit: int) -> str:
    """TEXT in at most LIMIT characters, cut after a whole word and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,.-") + "…"


def _print_setup(sheet: Worksheet, header_row: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{header_row}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.oddFooter.center.text = "&P / &N"
    sheet.print_options.gridLines = False


def _header(sheet: Worksheet, row: int, labels: Sequence[str], widths: Sequence[float]) -> None:
    for index, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=index, value=label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
        cell.border = BOX
        sheet.column_dimensions[get_column_letter(index)].width = width


def _opd_sheet(
    book: Workbook,
    report: PlanReport,
    opd: str,
    title: str,
    t: Translator,
    zone: dt.tzinfo,
) -> Worksheet:
    sheet = book.create_sheet(title)
    cols = columns(zone)
    sheet.cell(row=1, column=1, value=t("export.plan.opd_title", opd=opd, date=_date(report)))
    sheet.cell(row=1, column=1).font = TITLE_FONT
    sheet.cell(row=2, column=1, value=t("export.plan.opd_note"))
    sheet.cell(row=2, column=1).font = Font(italic=True, size=9)
    _header(sheet, HEADER_ROW, [t(c.key) for c in cols], [c.width for c in cols])
    sheet.row_dimensions[HEADER_ROW].height = 48
    lines = report.lines_for(opd)
    for number, line in enumerate(lines, start=1):
        row = HEADER_ROW + number
        values = [number, *(column.value(line, t) for column in cols[1:])]
        for index, (column, value) in enumerate(zip(cols, values, strict=True), start=1):
            cell = sheet.cell(row=row, column=index, value=value)
            cell.font = BODY_FONT
            cell.alignment = WRAP_TOP
            cell.border = BOX
            if column.number_format:
                cell.number_format = column.number_format
        sheet.row_dimensions[row].height = _row_height(values, [c.width for c in cols])
    last = get_column_letter(len(cols))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=5)  # header and name stay
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(lines)}"
    _print_setup(sheet, HEADER_ROW)
    printed = get_column_letter(PRINTED_COLUMNS)
    sheet.print_area = f"A1:{printed}{HEADER_ROW + max(len(lines), 1)}"
    return sheet


def _date(report: PlanReport) -> str:
    return report.plan.plan_date.strftime("%d-%m-%Y")


def _summary_sheet(
    sheet: Worksheet, report: PlanReport, t: Translator, titles: dict[str, str]
) -> None:
    plan = report.plan
    sheet.title = t("export.plan.summary_sheet")[:SHEET_NAME_MAX]
    sheet["A1"] = t("export.plan.title", date=_date(report))
    sheet["A1"].font = TITLE_FONT
    facts: list[tuple[str, Any, str | None]] = [
        (t("export.plan.fact.plan_id"), plan.id, WHOLE),
        (t("export.plan.fact.plan_date"), plan.plan_date, DATE),
        (t("export.plan.fact.proposals"), len(report.lines), WHOLE),
        (t("export.plan.fact.score_before"), plan.status_quo_objective, DECIMAL_1),
        (t("export.plan.fact.score_after"), plan.objective, DECIMAL_1),
        (t("export.plan.fact.not_granted"), report.not_granted, WHOLE),
        (
            t("export.plan.fact.stages"),
            " → ".join(report.stage_names) if report.stage_names else "-",
            None,
        ),
    ]
    row = 3
    for label, value, fmt in facts:
        sheet.cell(row=row, column=1, value=label).font = Font(bold=True, size=10)
        cell = sheet.cell(row=row, column=2, value=value)
        cell.alignment = Alignment(horizontal="left")
        if fmt:
            cell.number_format = fmt
        row += 1

    row += 1
    states = [s.value for s in ProposalState]
    labels = [
        t("export.plan.col.opd"),
        t("export.plan.col.sheet"),
        t("export.plan.col.leaving"),
        t("export.plan.col.entering"),
        *(t(f"proposal.state.{s}") for s in states),
    ]
    table_header = row
    _header(sheet, row, labels, [34, 32, 10, 10, *([11] * len(states))])
    sheet.row_dimensions[row].height = 32
    for opd in report.opds:
        row += 1
        lines = report.lines_for(opd)
        values: list[Any] = [
            opd,
            titles[opd],
            sum(1 for ln in lines if ln.origin_opd == opd),
            sum(1 for ln in lines if ln.destination_opd == opd),
            *(sum(1 for ln in lines if ln.proposal.state.value == s) for s in states),
        ]
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index, value=value)
            cell.border = BOX
            cell.font = BODY_FONT
    row += 1
    total: list[Any] = [t("export.plan.total"), "", len(report.lines), len(report.lines)]
    total += [sum(1 for ln in report.lines if ln.proposal.state.value == s) for s in states]
    for index, value in enumerate(total, start=1):
        cell = sheet.cell(row=row, column=index, value=value)
        cell.border = BOX
        cell.font = Font(bold=True, size=9)
    if any(len(line.opds) > 1 for line in report.lines):
        # A proposal between two OPDs is on both rows: say why the column does not add up.
        row += 1
        note = sheet.cell(row=row, column=1, value=t("export.plan.total_note"))
        note.font = Font(italic=True, size=9)

    if report.workload_flags:
        row += 2
        sheet.cell(row=row, column=1, value=t("export.plan.flags_title")).font = Font(bold=True)
        for flag in report.workload_flags:
            row += 1
            sheet.cell(
                row=row,
                column=1,
                value=t(
                    "export.plan.flag",
                    unit=flag.unit_name or flag.unit,
                    jabatan=flag.jabatan,
                    month=t.month(flag.month),
                    old=t.fixed(flag.previous_fte or 0.0),
                    new=t.fixed(flag.required_fte or 0.0),
                ),
            )
    row += 2
    sheet.cell(row=row, column=1, value=t("export.plan.minutes_pointer")).font = Font(italic=True)
    _print_setup(sheet, table_header)
    sheet.print_title_rows = None  # one page: nothing to repeat
    sheet.freeze_panes = sheet.cell(row=table_header + 1, column=1)


def minutes_of(report: PlanReport, t: Translator, zone: dt.tzinfo) -> CommitteeMinutes | None:
    """The header of the minutes from the committee's votes in REPORT (the day of the last
    vote, the members, the result in numbers); None when no member voted on any proposal."""
    voted = report.minutes
    if not voted:
        return None
    last = max(v.voted_at for _line, m in voted for v in m.votes)
    members = [f"{name} (NIP {nip})" for nip, name in report.committee_members]
    if not members:  # the setting was removed since: name those who voted
        seen = {v.member_nip: v.member_name for _line, m in voted for v in m.votes}
        members = [f"{name} (NIP {nip})" for nip, name in seen.items()]
    return CommitteeMinutes(
        held_on=last.astimezone(zone).date(),
        members=tuple(members),
        decision=t(
            "export.plan.minutes.summary",
            name=report.committee_name,
            approved=sum(1 for _l, m in voted if m.result == "approved"),
            rejected=sum(1 for _l, m in voted if m.result == "rejected"),
            open=sum(1 for _l, m in voted if m.result not in ("approved", "rejected")),
            quorum=report.committee_quorum or "-",
            members=len(report.committee_members) or len(members),
        ),
    )


#: The votes table of the minutes: catalog key of each header and its width.
VOTE_COLUMNS = (
    ("export.plan.minutes.col.number", 24),
    ("export.plan.minutes.col.employee", 28),
    ("export.plan.minutes.col.route", 34),
    ("export.plan.minutes.col.member", 24),
    ("export.plan.minutes.col.member_nip", 20),
    ("export.plan.minutes.col.vote", 12),
    ("export.plan.minutes.col.reason", 36),
    ("export.plan.minutes.col.time", 16),
    ("export.plan.minutes.col.result", 14),
)
#: The row of the minutes sheet where the votes table starts (its title; header below it).
VOTES_ROW = 12


def _result_word(t: Translator, result: str) -> str:
    if result in ("approved", "rejected", "pending"):
        return t(f"export.plan.minutes.result.{result}")
    return t(f"proposal.state.{result}")


def _votes_table(sheet: Worksheet, report: PlanReport, t: Translator, zone: dt.tzinfo) -> None:
    """One row per vote, proposal by proposal, in the order cast."""
    sheet.cell(
        row=VOTES_ROW,
        column=1,
        value=t("export.plan.minutes.votes_title", name=report.committee_name),
    ).font = Font(bold=True)
    header = VOTES_ROW + 1
    _header(sheet, header, [t(k) for k, _w in VOTE_COLUMNS], [w for _k, w in VOTE_COLUMNS])
    row = header
    for line, minutes in report.minutes:
        person = f"{line.content.name} (NIP {line.content.nip})"
        route = f"{line.content.origin.unit_name} → {line.content.destination.unit_name}"
        for vote in minutes.votes:
            row += 1
            values: list[Any] = [
                line.number,
                person,
                route,
                vote.member_name,
                vote.member_nip,
                t(
                    "export.plan.minutes.vote_yes"
                    if vote.approved
                    else "export.plan.minutes.vote_no"
                ),
                vote.reason or "",
                vote.voted_at.astimezone(zone).replace(tzinfo=None),
                _result_word(t, minutes.result),
            ]
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=column, value=value)
                cell.font = BODY_FONT
                cell.alignment = WRAP_TOP
                cell.border = BOX
            sheet.cell(row=row, column=8).number_format = "dd-mm-yyyy hh:mm"


def _minutes_sheet(
    book: Workbook,
    t: Translator,
    minutes: CommitteeMinutes | None,
    taken: set[str],
    report: PlanReport | None = None,
    zone: dt.tzinfo = dt.UTC,
) -> Worksheet:
    """The committee's minutes: filled from MINUTES (or from the votes in REPORT) with the
    votes table below, or empty fields to sign by hand."""
    sheet = book.create_sheet(sheet_title(t("export.plan.minutes_sheet"), taken))
    if minutes is None and report is not None:
        minutes = minutes_of(report, t, zone)
    m = minutes or CommitteeMinutes()
    sheet["A1"] = t("export.plan.minutes_title")
    sheet["A1"].font = TITLE_FONT
    fields: list[tuple[str, Any]] = [
        (t("export.plan.minutes.number"), m.number),
        (t("export.plan.minutes.held_on"), m.held_on),
        (t("export.plan.minutes.place"), m.place),
        (t("export.plan.minutes.chair"), m.chair),
        (t("export.plan.minutes.members"), "\n".join(m.members)),
        (t("export.plan.minutes.decision"), m.decision),
        (t("export.plan.minutes.signatures"), ""),
    ]
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 90
    for row, (label, value) in enumerate(fields, start=3):
        head = sheet.cell(row=row, column=1, value=label)
        head.font = Font(bold=True)
        head.alignment = WRAP_TOP
        head.border = BOX
        cell = sheet.cell(row=row, column=2, value=value)
        cell.alignment = WRAP_TOP
        cell.border = BOX
        if isinstance(value, dt.date):
            cell.number_format = DATE
        sheet.row_dimensions[row].height = 60 if row >= 7 else 24
    if report is not None and report.minutes:
        _votes_table(sheet, report, t, zone)
        last = get_column_letter(len(VOTE_COLUMNS))
        for row in range(3, 3 + len(fields)):  # the field values span the table's width
            sheet.merge_cells(f"B{row}:{last}{row}")
    _print_setup(sheet, 1)
    sheet.print_title_rows = None
    return sheet


def build_plan_workbook(
    report: PlanReport,
    t: Translator,
    zone: dt.tzinfo,
    minutes: CommitteeMinutes | None = None,
) -> bytes:
    """The XLSX bytes: summary sheet first, one sheet per OPD (sorted), then the minutes sheet.

    Dates are real date cells and figures real numbers (Excel shows them in the reader's
    locale); times of decisions are local to ZONE.
    """
    book = Workbook()
    summary = book.active
    assert summary is not None
    taken = {t("export.plan.summary_sheet")[:SHEET_NAME_MAX], t("export.plan.minutes_sheet")}
    titles = {opd: sheet_title(opd or "-", taken) for opd in report.opds}
    _summary_sheet(summary, report, t, titles)
    for opd in report.opds:
        _opd_sheet(book, report, opd, titles[opd], t, zone)
    taken.discard(t("export.plan.minutes_sheet"))
    _minutes_sheet(book, t, minutes, taken, report, zone)
    book.properties.title = t("export.plan.title", date=_date(report))
    keep_text_cells(book)  # names and reasons that start with "=" stay text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
