"""`mutasi spmt` and `mutasi surat-menteri` on a SQLite file: an admin opens the SPMT and
Minister's-letter gates for a head who cannot, audited as the admin's act."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import build_app
from core.domain import JsonValue
from core.usecases.approval.decisions import decide
from core.usecases.planning import propose_plan
from db.engine import create_engine
from db.uow import uow_factory as make_uow_factory
from tests.support.clock import FakeClock
from tests.support.loop_agency import (
    ADMIN,
    APPROVER,
    JAKARTA,
    LOOP_AGENCY,
    NURSE_A,
    SUP_A,
    ScriptedEngine,
    move,
    rules,
)


def mutasi(url: str, *args: str, **env: str) -> Result:
    return CliRunner().invoke(
        build_app(), list(args), env={"MUTASI_DATABASE_URL": url, "MUTASI_LANGUAGE": "id", **env}
    )


async def _approved_with_past_tmt(url: str) -> int:
    """The nurse's move, planned and approved; its TMT moved into the past (the CLI runs on the
    machine's clock)."""
    engine = create_engine(url)
    uows = make_uow_factory(engine)
    await LOOP_AGENCY.write_to(uows)
    outcome = await propose_plan(
        uows,
        FakeClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA)),
        rules(),
        ScriptedEngine([move(NURSE_A)]),
    )
    pid = outcome.proposals[0].id
    assert pid is not None
    await decide(
        uows,
        FakeClock(dt.datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA)),
        rules().approval,
        proposal_id=pid,
        stage=0,
        approver_nip=APPROVER,
        approve=True,
    )
    async with uows() as uow:
        proposal = await uow.proposals.get(pid)
        assert proposal is not None
        await uow.proposals.update(dataclasses.replace(proposal, tmt=dt.date(2020, 1, 1)))
        await uow.commit()
    await engine.dispose()
    return pid


async def _read(
    url: str, pid: int
) -> tuple[str, list[tuple[str, str, dict[str, JsonValue] | None]]]:
    engine = create_engine(url)
    async with make_uow_factory(engine)() as uow:
        person = await uow.employees.get(NURSE_A)
        audit = [(e.action, e.actor, e.after) for e in await uow.audit.list(f"proposal:{pid}")]
    await engine.dispose()
    assert person is not None
    return person.unit_code, audit


@pytest.fixture
def approved(sqlite_template: Path, tmp_path: Path) -> tuple[str, int]:
    path = tmp_path / "after.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"
    return url, asyncio.run(_approved_with_past_tmt(url))


def test_an_admin_confirms_the_spmt_with_the_sip_and_the_move_takes_effect(
    approved: tuple[str, int],
) -> None:
    url, pid = approved
    refused = mutasi(url, "spmt", str(pid), "--admin", SUP_A, "--sip")
    assert refused.exit_code == 1 and "Hanya kepala unit tujuan" in refused.output
    no_sip = mutasi(url, "spmt", str(pid), "--admin", ADMIN)
    assert no_sip.exit_code == 1 and "SIP baru" in no_sip.output
    assert asyncio.run(_read(url, pid))[0] == "PKM-A"
    done = mutasi(url, "spmt", str(pid), "--admin", ADMIN, "--sip")
    assert done.exit_code == 0, done.output
    assert f"usulan {pid} sudah berlaku" in done.output
    unit, audit = asyncio.run(_read(url, pid))
    assert unit == "PKM-B"
    [spmt] = [a for a in audit if a[0] == "proposal.spmt"]
    assert spmt[1] == ADMIN and spmt[2] is not None and spmt[2]["on_behalf_of_head"] is True
    again = mutasi(url, "spmt", str(pid), "--admin", ADMIN, "--sip")
    assert again.exit_code == 1 and "sudah dicatat" in again.output


def test_under_an_acting_head_the_move_waits_for_the_ministers_letter(
    approved: tuple[str, int],
) -> None:
    url, pid = approved
    acting = {"MUTASI_ACTING_HEAD": "true"}
    waiting = mutasi(url, "spmt", str(pid), "--admin", ADMIN, "--sip", **acting)
    assert waiting.exit_code == 0 and "masih menunggu: surat persetujuan Menteri" in waiting.output
    assert asyncio.run(_read(url, pid))[0] == "PKM-A"
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    bad = mutasi(
        url,
        "surat-menteri",
        str(pid),
        "--nomor",
        "100/1/OTDA",
        "--tanggal",
        future,
        "--admin",
        ADMIN,
        **acting,
    )
    assert bad.exit_code == 1 and asyncio.run(_read(url, pid))[0] == "PKM-A"
    typo = mutasi(
        url,
        "surat-menteri",
        str(pid),
        "--nomor",
        "100/1/OTDA",
        "--tanggal",
        "10-01-2027",
        "--admin",
        ADMIN,
        **acting,
    )
    assert typo.exit_code == 2 and "TTTT-BB-HH" in typo.output
    letter = mutasi(
        url,
        "surat-menteri",
        str(pid),
        "--nomor",
        "100/1/OTDA",
        "--tanggal",
        "2026-11-20",
        "--admin",
        ADMIN,
        **acting,
    )
    assert letter.exit_code == 0, letter.output
    assert f"langsung berlaku: {pid}" in letter.output
    unit, audit = asyncio.run(_read(url, pid))
    assert unit == "PKM-B"
    assert ("proposal.minister_letter", ADMIN) in [(a[0], a[1]) for a in audit]
