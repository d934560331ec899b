"""`mutasi spmt` and `mutasi surat-menteri` with wrong input, as an operator types it: each
refusal says what is wrong in the agency's language, names no internal code, changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from typer.testing import Result

from tests.integration.test_after_approval_cli import _approved_with_past_tmt, _read, mutasi
from tests.support.loop_agency import ADMIN, NURSE_A

FREEZE = {"MUTASI_ACTING_HEAD": "true"}


@pytest.fixture
def approved(sqlite_template: Path, tmp_path: Path) -> tuple[str, int]:
    path = tmp_path / "after.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite+aiosqlite:///{path}"
    return url, asyncio.run(_approved_with_past_tmt(url))


def letter(
    url: str,
    *ids: str,
    nomor: str = "100/1/OTDA",
    tanggal: str = "2026-11-20",
    admin: str = ADMIN,
    **env: str,
) -> Result:
    return mutasi(
        url, "surat-menteri", *ids, "--nomor", nomor, "--tanggal", tanggal, "--admin", admin, **env
    )


def test_the_spmt_waiting_line_names_the_gate_in_words(approved: tuple[str, int]) -> None:
    url, pid = approved
    waiting = mutasi(url, "spmt", str(pid), "--admin", ADMIN, "--sip", **FREEZE)
    assert waiting.exit_code == 0, waiting.output
    assert "surat persetujuan Menteri" in waiting.output
    assert "minister" not in waiting.output


def test_an_empty_letter_number_is_named(approved: tuple[str, int]) -> None:
    url, pid = approved
    empty = letter(url, str(pid), nomor="  ", **FREEZE)
    assert empty.exit_code == 1
    assert "Nomor surat" in empty.output
    assert all(a[0] != "proposal.minister_letter" for a in asyncio.run(_read(url, pid))[1])


def test_a_letter_dated_in_the_future_is_named(approved: tuple[str, int]) -> None:
    url, pid = approved
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    refused = letter(url, str(pid), tanggal=future, **FREEZE)
    assert refused.exit_code == 1
    assert "Tanggal surat" in refused.output and "belum tiba" in refused.output


def test_a_letter_for_a_move_outside_any_freeze_is_refused(approved: tuple[str, int]) -> None:
    url, pid = approved
    refused = letter(url, str(pid))  # no window, no acting head
    assert refused.exit_code == 1
    assert f"#{pid}" in refused.output and "tidak memerlukan" in refused.output
    audit = asyncio.run(_read(url, pid))[1]
    assert all(a[0] != "proposal.minister_letter" for a in audit)


def test_an_unknown_proposal_is_named(approved: tuple[str, int]) -> None:
    url, pid = approved
    for result in (
        mutasi(url, "spmt", "9999", "--admin", ADMIN, "--sip"),
        letter(url, "9999", **FREEZE),
    ):
        assert result.exit_code == 1
        assert "#9999" in result.output
    assert asyncio.run(_read(url, pid))[0] == "PKM-A"


def test_a_nip_that_is_not_an_admin_is_told_so(approved: tuple[str, int]) -> None:
    url, pid = approved
    refused = mutasi(url, "spmt", str(pid), "--admin", NURSE_A, "--sip")
    assert refused.exit_code == 1
    assert "admin" in refused.output
    assert asyncio.run(_read(url, pid))[0] == "PKM-A"
