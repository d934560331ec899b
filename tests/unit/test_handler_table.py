"""The one handler table (bot.handler_table): every trigger has one owner, and the menus the
bot publishes come from the table's commands, in its order."""

from __future__ import annotations

from collections import Counter

from bot.handler_table import HANDLERS
from core.domain import Role
from handlers.context import Command, CommandSpec, Flow, Press


def test_each_command_button_prefix_and_flow_has_one_handler() -> None:
    names = Counter(name for row in HANDLERS if isinstance(row, Command) for name in row.names)
    features = Counter(row.feature for row in HANDLERS if isinstance(row, Press))
    flows = Counter(row.name for row in HANDLERS if isinstance(row, Flow))
    twice = [k for counter in (names, features, flows) for k, n in counter.items() if n > 1]
    assert twice == []


def test_a_command_row_gives_its_menu_entries_then_its_hidden_aliases() -> None:
    async def noop(*_: object) -> None:
        return None

    row = Command(("rencana", "plan"), noop, "cmd.rencana", (Role.APPROVER, Role.ADMIN))
    assert row.specs() == (
        CommandSpec("rencana", "cmd.rencana", Role.APPROVER),
        CommandSpec("rencana", "cmd.rencana", Role.ADMIN),
        CommandSpec("plan", "cmd.rencana", Role.APPROVER, in_menu=False),
        CommandSpec("plan", "cmd.rencana", Role.ADMIN, in_menu=False),
    )
    assert Command(("gagal",), noop).specs() == ()


def test_the_menus_list_every_command_of_the_table_in_its_order() -> None:
    shown = [spec.name for row in HANDLERS if isinstance(row, Command) for spec in row.specs()]
    assert shown[:4] == ["start", "bantuan", "help", "aspirasi"]
    assert {"impor", "undang", "bebankerja", "wakil", "rencana", "batal", "cancel"} <= set(shown)
