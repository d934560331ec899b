"""Every kind of notification that core queues has a renderer in the outbox sender."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.outbox_sender import LIVE_KINDS, TEXT_RENDERERS
from core.flow_reminders import ASPIRATION_RENEW_KIND, WORKLOAD_REMINDER_KIND
from handlers.i18n import translator

ROOT = Path(__file__).resolve().parents[2]
PHOTO_KINDS = {"plan_summary"}  # sent with sendPhoto by the sender itself


def queued_kinds() -> set[str]:
    """The literal kinds passed to `enqueue(uow, chat_id, KIND, ...)` anywhere in core."""
    kinds: set[str] = set()
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "enqueue"
                and len(node.args) > 2
                and isinstance(node.args[2], ast.Constant)
            ):
                kinds.add(str(node.args[2].value))
    return kinds


def test_every_queued_kind_can_be_rendered() -> None:
    kinds = queued_kinds() | {ASPIRATION_RENEW_KIND, WORKLOAD_REMINDER_KIND}
    assert len(kinds) >= 10
    assert kinds - PHOTO_KINDS - LIVE_KINDS - set(TEXT_RENDERERS) == set()
    assert kinds >= LIVE_KINDS  # digests are rendered from the database when sent


def test_flow_reminders_render_in_both_languages() -> None:
    for language in ("id", "en"):
        t = translator(language)
        renew, renew_keys = TEXT_RENDERERS[ASPIRATION_RENEW_KIND](
            t, {"expires_at": "2027-01-15T00:00:00+00:00"}
        )
        work, work_keys = TEXT_RENDERERS[WORKLOAD_REMINDER_KIND](
            t, {"month": "2026-10", "units": ["Puskesmas Playen"]}
        )
        assert "2027" in renew and renew_keys is not None
        assert "Puskesmas Playen" in work and work_keys is not None
    assert translator("id")("reminder.workload_button") != translator("en")(
        "reminder.workload_button"
    )
