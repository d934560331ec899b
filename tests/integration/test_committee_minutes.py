"""Issue 10 step 7: the committee's minutes (berita acara) in the plan workbook and the SK draft,
written by `mutasi export plan` / `mutasi export sk` and read back cell by cell."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import build_app
from core.domain import Role, RoleGrant, ScopeKind
from core.usecases.approval.chain import parse_chain
from core.usecases.approval.decisions import decide
from core.usecases.committee import Committee, vote, with_committee
from core.usecases.effect import SK_COLUMNS
from core.usecases.planning import propose_plan
from db.engine import create_engine
from db.uow import uow_factory as make_uow_factory
from tests.support.clock import FakeClock
from tests.support.loop_agency import (
    APPROVER,
    CLERK,
    JAKARTA,
    LOOP_AGENCY,
    NIGHT,
    NURSE_A,
    NURSE_B,
    OUTSIDER,
    SUP_A,
    SUP_B,
    ScriptedEngine,
    move,
    rules,
)

CHAIN = "kepala_opd:opd,tpk,ppk"
MEMBERS = (SUP_A, SUP_B, CLERK)
ENV = {
    "MUTASI_TIMEZONE": "Asia/Jakarta",
    "MUTASI_APPROVAL_CHAIN": CHAIN,
    "MUTASI_COMMITTEE_STAGE": "tpk",
    "MUTASI_COMMITTEE_MEMBERS": ",".join(MEMBERS),
    "MUTASI_COMMITTEE_QUORUM": "2",
}


async def a_meeting(url: str) -> tuple[int, int, int]:
    """Siti's move passes the team (2 of 3) and the PPK; Budi's fails it (2 dissents)."""
    engine = create_engine(url)
    try:
        factory = make_uow_factory(engine)
        await LOOP_AGENCY.write_to(factory)
        async with factory() as uow:
            await uow.roles.grant(RoleGrant(OUTSIDER, Role.APPROVER, ScopeKind.ALL, "ppk"))
            await uow.commit()
        committee = Committee("tpk", MEMBERS, 2)
        base = rules(CHAIN)
        approval = dataclasses.replace(
            base.approval,
            stages=with_committee(parse_chain(CHAIN), committee),
            committee=committee,
        )
        clock = FakeClock(NIGHT.astimezone(dt.UTC))
        outcome = await propose_plan(
            factory,
            clock,
            dataclasses.replace(base, approval=approval),
            ScriptedEngine([move(NURSE_A), move(NURSE_B)]),
        )
        assert outcome.plan is not None and outcome.plan.id is not None
        siti, budi = (p.id or 0 for p in outcome.proposals)
        clock.current = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA)
        for pid in (siti, budi):
            await decide(
                factory,
                clock,
                approval,
                proposal_id=pid,
                stage=0,
                approver_nip=APPROVER,
                approve=True,
            )
        clock.current = dt.datetime(2026, 11, 25, 10, 5, tzinfo=JAKARTA)
        await vote(
            factory, clock, approval, proposal_id=siti, stage=1, member_nip=SUP_A, approve=True
        )
        await vote(
            factory,
            clock,
            approval,
            proposal_id=budi,
            stage=1,
            member_nip=SUP_A,
            approve=False,
            reason="unit asal kehilangan perawat IGD",
        )
        clock.current = dt.datetime(2026, 11, 25, 10, 20, tzinfo=JAKARTA)
        await vote(
            factory, clock, approval, proposal_id=siti, stage=1, member_nip=CLERK, approve=True
        )
        await vote(
            factory,
            clock,
            approval,
            proposal_id=budi,
            stage=1,
            member_nip=SUP_B,
            approve=False,
            reason="belum dua tahun di unit",
        )
        clock.current = dt.datetime(2026, 11, 26, 8, 0, tzinfo=JAKARTA)
        await decide(
            factory,
            clock,
            approval,
            proposal_id=siti,
            stage=2,
            approver_nip=OUTSIDER,
            approve=True,
        )
        return outcome.plan.id, siti, budi
    finally:
        await engine.dispose()


def export(url: str, *args: str) -> str:
    result = CliRunner().invoke(build_app(), list(args), env={"MUTASI_DATABASE_URL": url, **ENV})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_minutes_sheet_and_the_sk_draft_carry_the_committees_votes(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "plan.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"
    plan_id, siti, budi = asyncio.run(a_meeting(url))

    workbook = tmp_path / "plan.xlsx"
    export(url, "export", "plan", "--plan", str(plan_id), "--out", str(workbook))
    sheet = load_workbook(workbook)["Berita Acara"]
    rows = [r for r in sheet.iter_rows(values_only=True) if any(c is not None for c in r)]
    fields = {r[0]: r[1] for r in rows[1:8]}
    assert fields["Tanggal sidang"] == dt.datetime(2026, 11, 25)
    assert fields["Anggota yang hadir"] == (
        f"Kapus Wonosari (NIP {SUP_A})\nKapus Playen (NIP {SUP_B})\nDewi Lestari (NIP {CLERK})"
    )
    assert fields["Keputusan sidang"] == (
        "Tim Penilai Kinerja: lolos 1, tidak lolos 1, belum diputus 0. "
        "Tahap lolos bila 2 dari 3 anggota setuju."
    )
    title = next(
        i for i, r in enumerate(rows) if r[0] == "Suara anggota Tim Penilai Kinerja per usulan"
    )
    header, votes = rows[title + 1], rows[title + 2 :]
    assert header == (
        "Nomor usulan",
        "Pegawai",
        "Dari → Ke",
        "Anggota",
        "NIP anggota",
        "Suara",
        "Alasan",
        "Waktu",
        "Hasil tahap",
    )
    route = "Puskesmas Wonosari I → Puskesmas Playen"
    assert [r[1:] for r in votes] == [
        (
            f"Siti Aminah (NIP {NURSE_A})",
            route,
            "Kapus Wonosari",
            SUP_A,
            "Setuju",
            None,
            dt.datetime(2026, 11, 25, 10, 5),
            "Lolos",
        ),
        (
            f"Siti Aminah (NIP {NURSE_A})",
            route,
            "Dewi Lestari",
            CLERK,
            "Setuju",
            None,
            dt.datetime(2026, 11, 25, 10, 20),
            "Lolos",
        ),
        (
            f"Budi Santoso (NIP {NURSE_B})",
            route,
            "Kapus Wonosari",
            SUP_A,
            "Tidak setuju",
            "unit asal kehilangan perawat IGD",
            dt.datetime(2026, 11, 25, 10, 5),
            "Tidak lolos",
        ),
        (
            f"Budi Santoso (NIP {NURSE_B})",
            route,
            "Kapus Playen",
            SUP_B,
            "Tidak setuju",
            "belum dua tahun di unit",
            dt.datetime(2026, 11, 25, 10, 20),
            "Tidak lolos",
        ),
    ]
    assert votes[0][0].endswith(f"{siti:05d}") and votes[2][0].endswith(f"{budi:05d}")
    # The decisions column of the OPD sheet names the team's result, not one member.
    dinkes = [r for r in load_workbook(workbook)["Dinkes"].iter_rows(values_only=True)]
    siti_row = next(r for r in dinkes if r[2] == NURSE_A)
    assert "tpk: lolos di tim (2 setuju, 0 tidak setuju" in siti_row[11]

    sk = tmp_path / "sk.xlsx"
    export(url, "export", "sk", "--plan", str(plan_id), "--out", str(sk))
    [header, row] = list(load_workbook(sk).active.iter_rows(values_only=True))
    assert header == SK_COLUMNS and header[-1] == "pertimbangan_tim"
    values = dict(zip(header, row, strict=True))
    assert values["nip"] == NURSE_A
    assert values["disetujui_oleh"] == "Kepala Dinkes; Tim Penilai Kinerja; Kepala Dindik"
    assert values["pertimbangan_tim"] == (
        "Tim Penilai Kinerja, 2026-11-25: 2 dari 3 anggota setuju (kuorum 2) — "
        "Kapus Wonosari: setuju; Dewi Lestari: setuju"
    )
