"""A feature's buttons: each action's function registered once on a PressRouter, which runs the
one a checked press names, nothing for a refused press, and StaleButton for an unknown action."""

from __future__ import annotations

from typing import cast

import pytest

from handlers import approval, digest
from handlers.access import PressRouter, StaleButton, Turn
from handlers.keyboards import CallbackId


async def test_the_router_runs_the_action_a_press_names_and_nothing_else() -> None:
    router = PressRouter()
    seen: list[tuple[str, int]] = []

    @router.on("ag", "as")
    async def decide(turn: Turn, press: CallbackId, target: int) -> None:
        seen.append((press.action, target))

    turn = cast(Turn, object())  # the action above never reads the turn
    await router.route(turn, (CallbackId("dg", "as", ("7",)), 7))
    with pytest.raises(StaleButton):  # an older bot's button: answered as a stale button
        await router.route(turn, (CallbackId("dg", "zz", ("8",)), 8))
    await router.route(turn, None)  # no press, or a refusal already said
    assert seen == [("as", 7)]
    assert router.actions == {"ag", "as"}
    with pytest.raises(ValueError, match="registered twice"):
        router.on("ag")(decide)


def test_the_card_and_digest_buttons_each_have_their_action() -> None:
    assert approval.PRESSES.actions == {
        "ok",
        "no",
        "info",
        "less",
        "all",
        "allyes",
        "allno",
        "keep",
        "drop",
    }
    assert digest.PRESSES.actions == {"v", "g", "t", "ag", "as", "yg", "ys", "c"}
