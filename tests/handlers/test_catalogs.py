"""Every message the bot can say has an Indonesian and an English translation."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, catalog_messages, translator
from core.abk import efficiency_category
from core.aspirations import WILLINGNESS_LEVELS
from core.domain import ReasonCategory, Role
from core.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]
KEY_LITERAL = re.compile(
    r"""(?:\bt|say_key|turn\.t|\.t)\(\s*"([a-z][a-z0-9_]*(?:\.[a-zA-Z0-9_]+)+)\""""
)
SPEC_KEY = re.compile(r"""CommandSpec\(\s*"[a-z]+",\s*"([a-z_.]+)\"""")
ELIGIBILITY_KEY = re.compile(r'"(eligibility\.[a-z_]+)"')
SHEET_DETAIL = re.compile(r'SheetProblem\(detail="([a-z_]+)"')


def _sources(*packages: str) -> list[Path]:
    return [p for package in packages for p in (ROOT / package).rglob("*.py")]


def _domain_error_keys() -> set[str]:
    for package in ("core", "handlers"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            importlib.import_module(info.name)
    keys: set[str] = set()
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        keys.add(cls.key)
        pending.extend(cls.__subclasses__())
    return keys


def used_keys() -> set[str]:
    """Every message key the code can ask for."""
    keys: set[str] = set()
    for path in _sources("handlers", "bot"):
        text = path.read_text(encoding="utf-8")
        keys.update(KEY_LITERAL.findall(text))
        keys.update(SPEC_KEY.findall(text))
        keys.update(f"error.sheet_{d}" for d in SHEET_DETAIL.findall(text))
    keys.update(ELIGIBILITY_KEY.findall((ROOT / "core/aspirations.py").read_text("utf-8")))
    keys.update(f"reason.{r.value}" for r in ReasonCategory)
    keys.update(f"willingness.{w}" for w in WILLINGNESS_LEVELS)
    keys.update(f"role.{r.value}" for r in Role)
    keys.update(f"category.{efficiency_category(x)}" for x in (1.2, 0.95, 0.8, 0.6, 0.1))
    keys.update(_domain_error_keys())
    return keys


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_key_scan_finds_the_messages_of_every_feature() -> None:
    keys = used_keys()
    for expected in (
        "start.registered",
        "aspiration.ask_choice",
        "workload.ask_volume",
        "cmd.bebankerja",
        "eligibility.tenure",
        "error.invitation_used",
        "error.sheet_format",
        "invite.caption",
        "error.not_a_number",
    ):
        assert expected in keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_the_code_uses_is_translated(language: str) -> None:
    catalog = catalog_messages(language)
    missing = sorted(k for k in used_keys() if not catalog.get(k, "").strip())
    assert missing == [], f"{language} catalog lacks {missing}"


def test_both_catalogs_have_the_same_keys_and_fields() -> None:
    indonesian, english = (catalog_messages(lang) for lang in ("id", "en"))
    assert sorted(set(indonesian) ^ set(english)) == []
    mismatched = sorted(k for k in indonesian if _fields(indonesian[k]) != _fields(english[k]))
    assert mismatched == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_formats_with_its_fields(language: str) -> None:
    t = translator(language)
    for key, template in catalog_messages(language).items():
        values = {name: "x" for name in _fields(template)}
        assert t(key, **values)


def test_english_and_indonesian_differ_where_people_read_them() -> None:
    assert translator("id")("start.unregistered") != translator("en")("start.unregistered")
    assert translator("en")(
        "eligibility.tenure", months=14, minimum=24, from_date="1 September 2027"
    ).startswith("time in your current unit")
