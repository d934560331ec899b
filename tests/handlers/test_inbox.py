"""The inbox on SQLite and PostgreSQL: an update is handled once however often it arrives,
updates stored by a process that died are handled at the next start, an update is marked handled
in the transaction of its handler's first commit, and text the database refuses is cleaned at the
edge before anything is stored."""

from __future__ import annotations

from bot.inbox import UpdateInbox
from db.inbox_repository import HANDLING_UPDATE
from tests.handlers.conftest import Harness
from tests.handlers.fake_telegram import data_of
from tests.support.handler_agency import SITI

SITI_ID = 1001


def inbox_of(h: Harness) -> UpdateInbox:
    return UpdateInbox(h.app, h.uows, h.clock)


async def test_the_same_update_delivered_three_times_is_handled_once(h: Harness) -> None:
    inbox = inbox_of(h)
    payload = h.updates.text(2001, "/bantuan").to_dict()
    assert await inbox.receive([payload]) == 1
    assert await inbox.receive([payload]) == 0  # re-delivered while being handled
    assert await inbox.drain(10)
    assert await inbox.receive([payload]) == 0  # re-delivered after it was handled
    assert await inbox.drain(10)
    assert len(h.request.sent(2001)) == 1
    async with h.uows() as uow:
        assert await uow.inbox.is_handled(payload["update_id"])
        assert await uow.inbox.unhandled() == []


async def test_updates_stored_by_a_process_that_died_are_handled_at_start_in_order(
    h: Harness,
) -> None:
    first = h.updates.text(2002, "/bantuan").to_dict()
    second = h.updates.text(2002, "/start").to_dict()
    async with h.uows() as uow:  # what a killed process left: stored, never handled
        for payload in (second, first):
            await uow.inbox.store(payload["update_id"], payload, h.clock.now())
        await uow.commit()
    inbox = inbox_of(h)
    assert await inbox.replay_unhandled() == 2
    assert await inbox.drain(10)
    replies = h.request.sent(2002)
    assert len(replies) == 2
    assert "belum terdaftar" in replies[1].text  # /start answered after /bantuan
    async with h.uows() as uow:
        assert await uow.inbox.unhandled() == []


async def test_a_handler_commit_marks_its_update_handled_in_the_same_transaction(
    h: Harness,
) -> None:
    async with h.uows() as uow:
        await uow.inbox.store(7, {"update_id": 7}, h.clock.now())
        await uow.inbox.store(8, {"update_id": 8}, h.clock.now())
        await uow.commit()
    token = HANDLING_UPDATE.set(7)
    try:
        async with h.uows() as uow:  # an effect that is rolled back marks nothing
            await uow.inbox.store(99, {"update_id": 99}, h.clock.now())
            await uow.rollback()
        async with h.uows() as uow:
            assert not await uow.inbox.is_handled(7)
        async with h.uows() as uow:  # an effect that commits marks update 7 with it
            await uow.inbox.store(100, {"update_id": 100}, h.clock.now())
            await uow.commit()
    finally:
        HANDLING_UPDATE.reset(token)
    async with h.uows() as uow:
        assert await uow.inbox.is_handled(7) and not await uow.inbox.is_handled(8)
        assert [u for u, _ in await uow.inbox.unhandled()] == [8, 100]


async def test_nul_and_lone_surrogates_typed_in_chat_are_removed_before_anything_is_stored(
    h: Harness,
) -> None:
    await h.register(SITI_ID, SITI.nip)
    inbox = inbox_of(h)
    await inbox.receive([h.updates.text(SITI_ID, "/aspirasi").to_dict()])
    assert await inbox.drain(10)
    await inbox.receive([h.updates.text(SITI_ID, "suka\x00jaya\ud800").to_dict()])
    assert await inbox.drain(10)
    found = h.request.last(SITI_ID)
    assert "kesalahan" not in found.text
    assert data_of(found, "Puskesmas Sukajaya")
    async with h.uows() as uow:
        assert await uow.inbox.unhandled() == []


async def test_pruning_forgets_old_handled_updates_but_never_unhandled_ones(h: Harness) -> None:
    import datetime as dt

    now = h.clock.now()
    async with h.uows() as uow:
        for update_id in (1, 2, 3):
            await uow.inbox.store(update_id, {"update_id": update_id}, now)
        await uow.inbox.mark_handled(1, now - dt.timedelta(days=8))
        await uow.inbox.mark_handled(2, now - dt.timedelta(days=1))
        await uow.commit()
    async with h.uows() as uow:
        assert await uow.inbox.prune(now - dt.timedelta(days=7)) == 1
        await uow.commit()
    async with h.uows() as uow:
        assert await uow.inbox.is_handled(2)
        assert [u for u, _ in await uow.inbox.unhandled()] == [3]
        assert await uow.inbox.store(2, {"update_id": 2}, now) is False  # still recognised
