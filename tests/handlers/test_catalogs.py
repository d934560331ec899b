"""Every message the bot can say has an Indonesian and an English translation."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

from bot.handler_table import HANDLERS
from core.domain import ReasonCategory, Role
from core.domain.abk import efficiency_category
from core.domain.errors import DomainError, MessageValue
from core.usecases.aspirations import WILLINGNESS_LEVELS
from handlers.context import Command
from handlers.i18n import LANGUAGES, catalog_messages, translator

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
    keys.update(
        ELIGIBILITY_KEY.findall((ROOT / "core/usecases/aspirations.py").read_text("utf-8"))
    )
    keys.update(f"reason.{r.value}" for r in ReasonCategory)
    keys.update(f"willingness.{w}" for w in WILLINGNESS_LEVELS)
    keys.update(f"role.{r.value}" for r in Role)
    keys.update(f"category.{efficiency_category(x)}" for x in (1.2, 0.95, 0.8, 0.6, 0.1))
    keys.update(_domain_error_keys())
    # The command menus' descriptions, from the handler table itself.
    keys.update(row.menu for row in HANDLERS if isinstance(row, Command) and row.menu)
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


# --- issue 11: every message rendered as a person reads it --------------------------------------

#: Realistic, long sample values by field name (an agency's longest names).
SAMPLES: dict[str, MessageValue] = {
    "name": "Dr. Raden Ayu Siti Nurhaliza Kusumawardhani, S.Kep.",
    "unit": "UPT Puskesmas Wonosari II Kecamatan Wonosari",
    "origin": "UPT Puskesmas Wonosari II Kecamatan Wonosari",
    "destination": "UPT Puskesmas Tanjungsari Kecamatan Tanjungsari",
    "jabatan": "Perawat Ahli Muda",
    "nip": "198703122010012003",
    "agency": "BKPSDM Kabupaten Gunungkidul",
    "date": dt.date(2027, 1, 1),
    "tmt": dt.date(2027, 1, 1),
    "expires": dt.date(2027, 10, 1),
    "at": dt.datetime(2026, 11, 2, 9, 0),
    "from_date": "1 September 2027",
    "month": "Oktober 2026",
    "id": 1234,
}

#: Length budgets in characters as the phone shows them (docs/messages.md). A toast is the
#: answerCallbackQuery text (Telegram refuses more than 200); labels are buttons; the profile
#: texts have Telegram's own limits. Everything else fits comfortably in one message.
TOAST_KEYS = (
    "approval.already",
    "approval.approved",
    "approval.approved_next_stage",
    "objection.already",
    "objection.ruled_upheld",
    "objection.ruled_cancelled",
    "notice.accepted",
    "error.stale_button",
)
LABEL_KEYS = (
    "card.approve",
    "card.reject",
    "card.details",
    "transfer.less",
    "notice.accept",
    "notice.object",
    "summary.approve_all",
    "summary.confirm_yes",
    "summary.confirm_no",
    "objection.uphold",
    "objection.cancel",
)
BUDGETS: dict[str, int] = {
    **{key: 200 for key in TOAST_KEYS},
    **{key: 32 for key in LABEL_KEYS},
    "profile.description": 512,
    "profile.short_description": 120,
    "privacy.notice": 2000,
}
DEFAULT_BUDGET = 700
#: A count that varies with the data before a plural noun (settings such as {guard} are
#: plural in practice and may stay so).
COUNTED_NOUN = re.compile(
    r"\{(count|days|months|left|moves)\} (working )?(days|months|people|proposals|transfers)\b"
)
UNFILLED = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def _visible(text: str) -> str:
    return re.sub(r"</?[a-z]+>", "", text)


def _renderings(language: str) -> list[tuple[str, str]]:
    """(key, rendered text) for every catalog message, plural ones at 1, 2 and 5."""
    from handlers.i18n import catalog_forms

    t = translator(language)
    rendered: list[tuple[str, str]] = []
    for key, forms in catalog_forms(language).items():
        names = {name for form in forms for name in _fields(form)}
        values = {name: SAMPLES.get(name, 7 if name == "count" else "contoh") for name in names}
        counts = (1, 2, 5) if len(forms) > 1 or "count" in names else (None,)
        for count in counts:
            if count is not None:
                values["count"] = count
            rendered.append((key, t(key, **values)))
    return rendered


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_without_backslashes_or_unfilled_fields(language: str) -> None:
    bad = [
        (key, text)
        for key, text in _renderings(language)
        if "\\" in text or UNFILLED.search(text) or not text.strip()
    ]
    assert bad == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_within_its_length_budget(language: str) -> None:
    over = [
        (key, len(_visible(text)), BUDGETS.get(key, DEFAULT_BUDGET))
        for key, text in _renderings(language)
        if len(_visible(text)) > BUDGETS.get(key, DEFAULT_BUDGET)
    ]
    assert over == []


def test_plural_messages_have_every_form_in_both_catalogs() -> None:
    from handlers.i18n import catalog_forms, plural_count

    forms = {lang: catalog_forms(lang) for lang in LANGUAGES}
    plural = {lang: {k for k, f in forms[lang].items() if len(f) > 1} for lang in LANGUAGES}
    assert plural_count("id") == 1 and plural_count("en") == 2
    # English: every message that counts has its singular and plural form, both filled in.
    for key, english in forms["en"].items():
        if "count" in _fields(english[-1]):
            assert key in plural["en"], f"{key} counts without plural forms"
        # "{days} days" and the like: a number before a plural noun needs plural forms too
        if key not in plural["en"]:
            assert not COUNTED_NOUN.search(english[0]), f"{key}: {english[0]}"
    for key in plural["en"]:
        assert len(forms["en"][key]) == 2 and all(f.strip() for f in forms["en"][key]), key
        assert len(forms["id"][key]) == 1 and forms["id"][key][0].strip(), key
        assert re.search(r"\{count\}", forms["en"][key][1]), key


def test_english_singular_and_plural_read_right() -> None:
    t = translator("en")
    assert t("summary.all_done", count=1) == "✅ 1 proposal approved."
    assert t("summary.all_done", count=2) == "✅ 2 proposals approved."
    assert "1 proposal" in t("jalankan.exists", id=3, date="x", count=1)
    assert "1 proposals" not in t("jalankan.exists", id=3, date="x", count=1)
    assert "within 1 day of" in t("notice.window", count=1)
    assert "within 7 days of" in t("notice.window", count=7)


#: One word per concept (docs/messages.md glossary): words that must not appear.
AVOIDED = {
    "en": (
        r"\bwish(es)?\b",
        r"\bbalance score\b",
        r"(\d|contoh) points?\b",
        r"\(points?\)",
        r"\b(the|this|a) moves?\b",
        r"\bmoves\b",
    ),
    "id": (r"\bskor keseimbangan\b", r"(\d|contoh) poin\b", r"\(poin\)", r"\bkeinginan\b"),
}
#: The engine's own summary for the command line keeps the optimisation words (moves,
#: objective, bound) its documentation uses.
ENGINE_TERMS = ("cli.solve_",)


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_word_per_concept(language: str) -> None:
    found = [
        (key, pattern)
        for key, text in _renderings(language)
        for pattern in AVOIDED[language]
        if re.search(pattern, text, re.IGNORECASE) and not key.startswith(ENGINE_TERMS)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("months", "english", "indonesian"),
    [
        (1, "1 month", "1 bulan"),
        (7, "7 months", "7 bulan"),
        (12, "1 year", "1 tahun"),
        (13, "1 year 1 month", "1 tahun 1 bulan"),
        (61, "5 years 1 month", "5 tahun 1 bulan"),
        (86, "7 years 2 months", "7 tahun 2 bulan"),
    ],
)
def test_durations_count_years_and_months_with_plural_forms(
    months: int, english: str, indonesian: str
) -> None:
    from core.domain.values import Months
    from handlers.formatting import duration_text

    assert duration_text(translator("en"), Months(months)) == english
    assert duration_text(translator("id"), Months(months)) == indonesian
