"""The one reader for numbers and dates, whichever way they reach the bot.

Typed in the chat, a CSV cell, an XLSX cell or the XLSX workload template: every path calls
`read_number` and `read_date`, so `1.250` means the same thing everywhere. docs/formats.md lists
the same forms for operators.

Numbers (`read_number`), written the Indonesian way first:

====================  ===========  ==============================================================
written               read as      why
====================  ===========  ==============================================================
``1250``              1250         plain digits
``1.250``             1250         a dot before groups of exactly three digits groups thousands
``1.250.000``         1250000      (the way Indonesian documents, and the bot itself, write them)
``1.250,5``           1250.5       thousands dots and a decimal comma
``12,5`` / ``0,250``  12.5 / 0.25  a single comma is a decimal comma ...
``1,250``             refused      ... except before exactly three digits: Indonesian 1,25 or
                                   English-locale 1250? Both readings are named in the refusal
``1,250,000``         1250000      several commas can only group thousands (English locale)
``1,250.5``           1250.5       comma groups before a decimal point (English locale)
``12.5`` / ``0.250``  12.5 / 0.25  a dot not before groups of three (or after a lone 0) is decimal
``1 250`` ``-7,25``   1250 / -7.25 spaces (also no-break) group digits; a leading sign is kept
``1,5E+3``            1500         scientific notation, as spreadsheets export large numbers
====================  ===========  ==============================================================

Coordinates are read with `grouping=False`: one dot or one comma is the decimal separator.
A number cell of an XLSX file (int or float) is taken as it is: it has no separators to misread.

Dates (`read_date`): ``2015-02-01`` (ISO, also with a ``00:00:00`` time), ``01-02-2015`` and
``01/02/2015`` and ``1.2.2015`` (day first, as in Indonesia; a second field above 12 is refused
as month-first), ``1 Februari 2015`` / ``1 Feb 2015`` (Indonesian month names and their
abbreviations; English ones too), a date or datetime cell of an XLSX file, and an Excel serial
day number (``42036`` = 2015-02-01) between 1950 and 2100.

Errors: `UnreadableValue` (with `message_id` / `message_en`) and its subclass `AmbiguousNumber`
(which also carries the two `readings`). Callers add the line and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

__all__ = [
    "AmbiguousNumber",
    "Reading",
    "UnreadableValue",
    "format_reading",
    "read_date",
    "read_number",
]

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_PLAIN = re.compile(r"^\d+$")
_DOT_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")  # 1.250 / 1.250.000,5
_COMMA_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:,\d{3}){2,}(?:\.\d+)?$|^[1-9]\d{0,2},\d{3}\.\d+$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")
_DECIMAL_DOT = re.compile(r"^\d*\.\d+$|^\d+\.$")
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_AMBIGUOUS_COMMA = re.compile(r"^[1-9]\d{0,2},\d{3}$")

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
_WORDS = re.compile(r"^(\d{1,2})[\s\-]+([A-Za-z]+)\.?[\s\-]+(\d{4})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (the 1900 leap-year bug included)
_SERIAL_RANGE = (18_264, 73_050)  # 1950-01-01 .. 2099-12-31

#: Month names and abbreviations, Indonesian first (English ones that differ are also accepted).
MONTHS: dict[str, int] = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nop": 11, "nov": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip


class Reading(float):
    """A number read from a person's text, to be shown back in full (all its decimals, in the
    reader's language: `format_reading`) rather than rounded like a computed figure."""


class UnreadableValue(ValueError):
    """A cell or typed text that is not a number (or date) in any accepted form."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.message_en = message_en


class AmbiguousNumber(UnreadableValue):
    """Text that two accepted conventions read differently; `readings` holds both values."""

    def __init__(self, text: str, readings: tuple[float, float]) -> None:
        first, second = readings
        super().__init__(
            f"{text!r} bisa dibaca dua cara: {format_reading(first, 'id')} (koma desimal) "
            f"atau {format_reading(second, 'id')} (koma pemisah ribuan); tulis "
            f"{format_reading(first, 'id')} atau {format_reading(second, 'id')} "
            "tanpa keraguan, mis. dengan titik ribuan",
            f"{text!r} can be read two ways: {format_reading(first, 'en')} (decimal comma) "
            f"or {format_reading(second, 'en')} (thousands comma); write it so only one "
            "reading is possible, e.g. with thousands dots",
        )
        self.text = text
        self.readings = (Reading(first), Reading(second))


def format_reading(value: float, language: str = "id") -> str:
    """VALUE as written back to a person: Indonesian `1.250,5`, English `1,250.5`."""
    whole, _, fraction = f"{value:.10f}".rstrip("0").rstrip(".").partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    if language == "en":
        return sign + ",".join(groups) + (f".{fraction}" if fraction else "")
    return sign + ".".join(groups) + (f",{fraction}" if fraction else "")


def _not_a_number(text: str) -> UnreadableValue:
    return UnreadableValue(f"{text!r} bukan angka", f"{text!r} is not a number")


def read_number(value: str | int | float, *, grouping: bool = True) -> float:
    """The number VALUE stands for (see the module docstring for every form).

    With `grouping=False` (coordinates: a latitude is never in the thousands) a single dot or
    comma is always the decimal separator ("-7.221" = -7.221, "110,425" = 110.425) and
    thousands separators are refused.

    Raises `AmbiguousNumber` for `1,250`-like text, `UnreadableValue` for anything else that is
    not a finite number. Booleans are refused (a TRUE cell is not a count).
    """
    if isinstance(value, bool):
        raise _not_a_number(str(value))
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise _not_a_number(str(value))
        return number
    text = value.strip()
    body = _SPACES.sub("", text)
    sign = 1.0
    if body.startswith(("+", "-", "\u2212")):  # \u2212: a typographic minus
        sign = 1.0 if body[0] == "+" else -1.0
        body = body[1:]
    if not grouping:
        if not re.match(r"^\d+(?:[.,]\d+)?$|^\d*[.,]\d+$", body):
            raise _not_a_number(text)
        number = float(body.replace(",", "."))
    else:
        number = _unsigned(body, text)
    if not math.isfinite(number):
        raise _not_a_number(text)
    return sign * number


def _unsigned(body: str, text: str) -> float:
    if _PLAIN.match(body):
        return float(body)
    if _AMBIGUOUS_COMMA.match(body):
        decimal = float(body.replace(",", "."))
        thousands = float(body.replace(",", ""))
        raise AmbiguousNumber(text, (decimal, thousands))
    if _DOT_GROUPED.match(body):
        return float(body.replace(".", "").replace(",", "."))
    if _COMMA_GROUPED.match(body):
        return float(body.replace(",", ""))
    if _DECIMAL_COMMA.match(body):
        return float(body.replace(",", "."))
    if _DECIMAL_DOT.match(body):
        return float(body)
    if _SCIENTIFIC.match(body):
        return float(body.replace(",", "."))
    raise _not_a_number(text)


def _calendar(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise UnreadableValue(
            f"tanggal {text} tidak ada di kalender", f"{text} is not a real calendar date"
        ) from None


def _not_a_date(text: str) -> UnreadableValue:
    return UnreadableValue(
        f"{text!r} bukan tanggal (tulis mis. 2015-02-01, 01-02-2015, 01/02/2015 "
        "atau 1 Februari 2015)",
        f"{text!r} is not a date (write e.g. 2015-02-01, 01-02-2015, 01/02/2015 "
        "or 1 Februari 2015)",
    )


def read_date(value: str | int | float | dt.date) -> dt.date:
    """The date VALUE stands for (see the module docstring for every form).

    A datetime must be at midnight (a date cell); raises `UnreadableValue` otherwise.
    """
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise _not_a_date(value.isoformat(sep=" "))
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise _not_a_date(str(value))
    if isinstance(value, int | float):
        return _serial(float(value), str(value))
    text = " ".join(value.split())
    match = _ISO.match(text)
    if match:
        return _calendar(int(match.group(1)), int(match.group(2)), int(match.group(3)), text)
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        if month > 12 >= day:
            raise UnreadableValue(
                f"{text!r}: bulan {month} tidak ada; tanggal ditulis hari dulu "
                f"(dd{match.group(2)}mm{match.group(2)}yyyy), bukan bulan dulu",
                f"{text!r}: there is no month {month}; dates are written day first "
                f"(dd{match.group(2)}mm{match.group(2)}yyyy), not month first",
            )
        return _calendar(year, month, day, text)
    match = _WORDS.match(text)
    if match:
        month_number = MONTHS.get(match.group(2).lower())
        if month_number is None:
            raise UnreadableValue(
                f"{text!r}: nama bulan {match.group(2)!r} tidak dikenal",
                f"{text!r}: month name {match.group(2)!r} is unknown",
            )
        return _calendar(int(match.group(3)), month_number, int(match.group(1)), text)
    if _PLAIN.match(text) or re.match(r"^\d+[.,]0+$", text):
        return _serial(float(text.replace(",", ".")), text)
    raise _not_a_date(text)


def _serial(number: float, text: str) -> dt.date:
    low, high = _SERIAL_RANGE
    if not number.is_integer() or not low <= number <= high:
        raise _not_a_date(text)
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


@dataclass(frozen=True, slots=True)
class Months:
    """A duration in whole months, for messages ("2 tahun 5 bulan")."""

    total: int

    @property
    def years(self) -> int:
        """Whole years."""
        return self.total // 12

    @property
    def months(self) -> int:
        """Months beyond the whole years."""
        return self.total % 12
