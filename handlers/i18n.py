"""Translations: gettext catalogs (handlers/locale/<lang>/LC_MESSAGES/mutasi.po), Indonesian
first.

Message ids are stable keys ("aspiration.ask_choice"); both catalogs translate every key, and a
test fails when one does not. Values are formatted with str.format after locale-aware rendering
of numbers and dates, so "{fte}" reads 1,02 in Indonesian and 1.02 in English.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from core.domain.errors import MessageValue

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
DOMAIN = "mutasi"
LOCALE_DIR = Path(__file__).with_name("locale")


def catalog_path(language: str) -> Path:
    """Where the .po file of LANGUAGE lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _translations(language: str) -> gettext.GNUTranslations:
    """Compile LANGUAGE's .po into memory once (first use, never at import)."""
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def catalog_messages(language: str) -> dict[str, str]:
    """Every (key, translation) of LANGUAGE's catalog; the header entry is left out.

    A message with plural forms is given by its last form (the one with every field).
    """
    messages: dict[str, str] = {}
    for key, forms in catalog_forms(language).items():
        messages[key] = forms[-1]
    return messages


def catalog_forms(language: str) -> dict[str, tuple[str, ...]]:
    """Every key of LANGUAGE's catalog with its forms: one, or one per plural form."""
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    forms: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            forms[message.id] = (str(message.string),)
        else:
            strings = message.string if isinstance(message.string, tuple | list) else ()
            forms[str(message.id[0])] = tuple(str(s) for s in strings)
    return forms


def plural_count(language: str) -> int:
    """How many plural forms LANGUAGE's catalog declares (Plural-Forms: nplurals)."""
    with catalog_path(language).open("rb") as handle:
        return int(read_po(handle, locale=language).num_plurals)


@functools.cache
def has_plural(language: str, key: str) -> bool:
    """Whether KEY has plural forms in LANGUAGE's catalog."""
    return (key, 0) in _translations(language)._catalog  # type: ignore[attr-defined]


def normalise_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """One of LANGUAGES for a Telegram language code like "en-GB" (else DEFAULT)."""
    if code:
        short = code.split("-")[0].lower()
        if short in LANGUAGES:
            return short
    return default


@dataclass(frozen=True, slots=True)
class Translator:
    """Say things in one language: `t("key", name=value)`, numbers and dates in local form."""

    language: str

    def __call__(self, key: str, /, **values: MessageValue) -> str:
        """The translation of KEY with VALUES filled in (numbers and dates localised).

        A message with plural forms (gettext `msgid_plural`) picks its form by the int value
        `count`, by the catalog's Plural-Forms rule: "1 proposal" / "2 proposals", and one form
        in Indonesian.
        """
        translations = _translations(self.language)
        count = values.get("count")
        if isinstance(count, int) and has_plural(self.language, key):
            template = translations.ngettext(key, key, count)
        else:
            template = translations.gettext(key)
        if not values:
            return template
        return template.format(**{name: self._render(v) for name, v in values.items()})

    def _render(self, value: MessageValue) -> MessageValue:
        """A value as this language writes it (floats, dates); others unchanged."""
        if isinstance(value, int):  # bools are ints too
            return value
        if isinstance(value, float):
            return self.number(value)
        if isinstance(value, dt.datetime):
            return self.date(value.date())
        if isinstance(value, dt.date):
            return self.date(value)
        return value

    def number(self, value: float, places: int = 2) -> str:
        """VALUE with up to PLACES decimals, in local form (1,02 / 1.02)."""
        pattern = "#,##0" + ("." + "#" * places if places else "")
        return str(format_decimal(value, format=pattern, locale=self.language))

    def fixed(self, value: float, places: int = 2) -> str:
        """VALUE with exactly PLACES decimals, rounded half-up as people do (0,51 / 0.51)."""
        pattern = "#,##0" + ("." + "0" * places if places else "")
        rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return str(format_decimal(rounded, format=pattern, locale=self.language))

    def date(self, value: dt.date) -> str:
        """A date people read: 1 Oktober 2026 / 1 October 2026."""
        return str(format_date(value, format="d MMMM y", locale=self.language))

    def month(self, yyyy_mm: str) -> str:
        """A report month `YYYY-MM` as words: Oktober 2026."""
        year, month = (int(p) for p in yyyy_mm.split("-"))
        return str(format_date(dt.date(year, month, 1), format="MMMM y", locale=self.language))


def translator(language: str | None) -> Translator:
    """The translator for LANGUAGE (unknown languages fall back to Indonesian)."""
    return Translator(normalise_language(language))
