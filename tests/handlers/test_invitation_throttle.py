"""Invitation codes typed from one Telegram account are throttled: five an hour by default
(MUTASI_INVITATION_ATTEMPTS_PER_HOUR), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from tests.handlers.conftest import Harness
from tests.support.handler_agency import SITI

GUESSER = 3131


async def test_the_sixth_code_within_an_hour_is_refused_even_a_right_one(h: Harness) -> None:
    await h.invite(SITI.nip, "the-right-code")
    for attempt in range(5):
        reply = await h.command(GUESSER, f"/start wrong-guess-{attempt}")
        assert "Kode undangan tidak dikenal" in reply.text
    refused = await h.command(GUESSER, "/start the-right-code")
    assert "Terlalu banyak kode undangan" in refused.text
    assert "60 menit" in refused.text
    async with h.uows() as uow:
        assert await uow.accounts.get_by_telegram(GUESSER) is None
    h.clock.current += dt.timedelta(minutes=61)
    welcome = await h.command(GUESSER, "/start the-right-code")
    assert "Pendaftaran berhasil" in welcome.text
    async with h.uows() as uow:
        account = await uow.accounts.get_by_telegram(GUESSER)
    assert account is not None and account.nip == SITI.nip


async def test_another_account_is_not_held_back_by_someone_elses_guesses(h: Harness) -> None:
    await h.invite(SITI.nip, "siti-code")
    for attempt in range(6):
        await h.command(GUESSER, f"/start wrong-{attempt}")
    assert "Pendaftaran berhasil" in (await h.command(1001, "/start siti-code")).text
