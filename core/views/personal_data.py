"""Everything stored about one person, as tables for /dataku (the right of access, UU 27/2022
tentang Pelindungan Data Pribadi, Pasal 7).

Each table is a title, Indonesian column headers and rows of plain values (text, numbers,
dates), so the bot can write it as one XLSX sheet. Sources: the employee record, Telegram
accounts, role grants, the current aspiration and the audit history of earlier ones, transfer
proposals with the engine's explanation, the approval decisions on them, objections and
acceptances, evaluations, the workload reports the person made, and every audit event whose
actor or subject is the person or one of their proposals.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.domain import JsonValue
from core.ports import UnitOfWork

Cell = str | int | float | bool | dt.date | dt.datetime | None


@dataclass(frozen=True, slots=True)
class DataTable:
    """One sheet: a title (≤ 31 characters, Excel's limit), headers and rows."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)


def _json(value: object) -> str:
    """A nested value as compact JSON text ('' for nothing)."""
    if value in (None, {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _cell(value: JsonValue) -> Cell:
    """A JSON value of an audit record as one cell: a scalar as it is, a nested value as JSON
    text."""
    return _json(value) if isinstance(value, list | dict) else value


def _joined(value: JsonValue) -> str:
    """A JSON array of an audit record as "a, b" ('' when there is none)."""
    return ", ".join(str(item) for item in value) if isinstance(value, list) else ""


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    """A timestamp as UTC without zone (spreadsheets hold no zones)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


async def personal_data(uow: UnitOfWork, nip: str) -> list[DataTable]:
    """The tables of everything held about NIP (empty tables included, so the person sees
    that nothing of that kind is held). Raises nothing for an unknown NIP (empty tables)."""
    employee = await uow.employees.get(nip)
    profile = DataTable("Profil", ("Data", "Nilai"))
    if employee is not None:
        profile.rows.extend(
            [
                ("NIP", employee.nip),
                ("Nama", employee.name),
                ("Status kepegawaian", employee.status),
                ("Kode unit", employee.unit_code),
                ("Jabatan", employee.jabatan),
                ("Golongan", employee.golongan),
                ("TMT di unit", employee.tmt_unit),
                ("Batas usia pensiun", employee.retirement_age),
                ("Keahlian", ", ".join(employee.skills)),
                ("Rumah: lintang", employee.home_lat),
                ("Rumah: bujur", employee.home_lon),
                ("NIP pasangan", employee.spouse_nip or ""),
                ("Alasan tidak dapat dimutasi", employee.lock_reason or ""),
            ]
        )
    accounts = DataTable(
        "Akun Telegram", ("ID pengguna Telegram", "ID obrolan", "Bahasa", "Memblokir bot")
    )
    for account in await uow.accounts.list_for_nip(nip):
        accounts.rows.append(
            (account.telegram_user_id, account.chat_id, account.language, account.blocked)
        )
    roles = DataTable("Peran", ("Peran", "Cakupan", "Nilai cakupan"))
    for grant in await uow.roles.list_for(nip):
        roles.rows.append((grant.role.value, grant.scope_kind.value, grant.scope_value or ""))

    events = [
        e
        for e in await uow.audit.list()
        if e.actor == nip or e.subject == f"employee:{nip}" or _mentions(e.after, nip)
    ]
    proposals = sorted(await uow.proposals.list_for_nip(nip), key=lambda p: p.id or 0)
    proposal_subjects = {f"proposal:{p.id}" for p in proposals}
    events.extend(
        e for e in await uow.audit.list() if e.subject in proposal_subjects and e not in events
    )
    events.sort(key=lambda e: (e.at, e.id or 0))

    aspirations = DataTable(
        "Aspirasi",
        (
            "Keadaan",
            "Waktu",
            "Pilihan unit (urut)",
            "Pekerjaan yang diinginkan",
            "Alasan",
            "Keterangan alasan",
            "Kesediaan (1-3)",
            "Berlaku sampai",
        ),
    )
    current = await uow.aspirations.current_for(nip)
    if current is not None:
        aspirations.rows.append(
            (
                "berlaku",
                _naive(current.created_at),
                ", ".join(current.wish.choices),
                current.wish.work_wished,
                current.wish.reason.value,
                current.wish.reason_text,
                current.wish.willingness,
                _naive(current.expires_at),
            )
        )
    for event in events:
        if event.action in ("aspiration.submit", "aspiration.withdraw") and event.actor == nip:
            record = (event.after if event.action == "aspiration.submit" else event.before) or {}
            aspirations.rows.append(
                (
                    "diajukan" if event.action == "aspiration.submit" else "ditarik",
                    _naive(event.at),
                    _joined(record.get("choices")),
                    str(record.get("work_wished") or ""),
                    str(record.get("reason") or ""),
                    "",
                    _cell(record.get("willingness")),
                    str(record.get("expires_at") or ""),
                )
            )

    proposal_table = DataTable(
        "Usulan mutasi",
        (
            "No. usulan",
            "No. rencana",
            "Unit asal",
            "Unit tujuan",
            "Keadaan",
            "Tahap",
            "TMT",
            "Diputuskan",
            "Penjelasan (angka mesin perencana)",
        ),
    )
    decisions = DataTable(
        "Keputusan", ("No. usulan", "Tahap", "NIP pejabat", "Disetujui", "Alasan", "Waktu")
    )
    evaluations = DataTable("Penilaian", ("No. usulan", "NIP penilai", "Jenis", "Nilai", "Waktu"))
    for proposal in proposals:
        assert proposal.id is not None
        proposal_table.rows.append(
            (
                proposal.id,
                proposal.plan_id,
                proposal.from_unit,
                proposal.to_unit,
                proposal.state.value,
                proposal.stage + 1,
                proposal.tmt,
                _naive(proposal.decided_at),
                _json(proposal.explanation.to_dict()),
            )
        )
        for decision in await uow.decisions.list_for(proposal.id):
            decisions.rows.append(
                (
                    proposal.id,
                    decision.stage + 1,
                    decision.approver_nip,
                    decision.approved,
                    decision.reason or "",
                    _naive(decision.decided_at),
                )
            )
        for evaluation in await uow.evaluations.list_for(proposal.id):
            evaluations.rows.append(
                (
                    proposal.id,
                    evaluation.rater_nip,
                    evaluation.kind,
                    evaluation.score,
                    _naive(evaluation.rated_at),
                )
            )
    objections = DataTable("Keberatan", ("No. usulan", "Tindakan", "Alasan", "Waktu"))
    for event in events:
        if event.subject in proposal_subjects and event.action in (
            "proposal.object",
            "proposal.accept",
            "objection.upheld",
            "objection.cancelled",
        ):
            objections.rows.append(
                (
                    int(event.subject.split(":", 1)[1]),
                    event.action,
                    str((event.after or {}).get("reason") or ""),
                    _naive(event.at),
                )
            )
    reports = DataTable(
        "Laporan beban kerja",
        (
            "Unit/jabatan",
            "Bulan",
            "Volume per kegiatan",
            "Kebutuhan (FTE)",
            "Laporan ulang",
            "Waktu",
        ),
    )
    for event in events:
        if event.action in ("workload.report", "workload.rereport") and event.actor == nip:
            after = event.after or {}
            volumes = after.get("volumes") or after.get("annual_volumes")
            reports.rows.append(
                (
                    event.subject.removeprefix("unit:"),
                    str(after.get("month") or ""),
                    _json(volumes),
                    _cell(after.get("required_fte")),
                    event.action == "workload.rereport",
                    _naive(event.at),
                )
            )
    audit = DataTable(
        "Riwayat audit", ("Waktu", "Pelaku", "Tindakan", "Subjek", "Sebelum", "Sesudah")
    )
    for event in events:
        audit.rows.append(
            (
                _naive(event.at),
                event.actor,
                event.action,
                event.subject,
                _json(event.before),
                _json(event.after),
            )
        )
    return [
        profile,
        accounts,
        roles,
        aspirations,
        proposal_table,
        decisions,
        objections,
        evaluations,
        reports,
        audit,
    ]


def _mentions(after: dict[str, JsonValue] | None, nip: str) -> bool:
    """Whether an audit record's `after` names NIP as its `nip` field."""
    return bool(after) and isinstance(after, dict) and after.get("nip") == nip


def held_summary(tables: Sequence[DataTable]) -> list[tuple[str, int]]:
    """(table title, number of rows) for the short /dataku message."""
    return [(table.title, len(table.rows)) for table in tables]
