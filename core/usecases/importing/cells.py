"""Cell parsers: one spreadsheet cell to a typed value, or a `CellError` saying why not in
Indonesian and English."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from core.domain import EmployeeStatus
from core.domain.eligibility import JENIS, LOCK_KINDS, SKP_RATINGS
from core.domain.values import UnreadableValue, read_date, read_number
from core.usecases.importing.sheets import RawCell

# Indonesia, with a margin: a point outside is almost always swapped or mistyped coordinates.
INDONESIA_LAT = (-11.5, 6.5)
INDONESIA_LON = (94.5, 141.5)
RETIREMENT_AGE_RANGE = (50, 70)
_PNS_GOLONGAN = re.compile(r"^(IV|III|II|I)\s*[/\-. ]?\s*([A-Ea-e])$")
_ROMAN = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
    "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)  # fmt: skip


class CellError(Exception):
    """A cell that cannot be read; carries the reason in Indonesian and English."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.message_en = message_en


def parse_number(text: RawCell) -> float:
    """A number in any form of `core.domain.values.read_number` ("1.250" = 1250, "12,5",
    "1.250,5")."""
    if isinstance(text, dt.date):
        raise CellError(f"{text} bukan angka", f"{text} is not a number")
    try:
        return read_number(text)
    except UnreadableValue as error:
        raise CellError(error.message_id, error.message_en) from None


def parse_whole_number(text: RawCell) -> int:
    """A whole number ("58", "58.0" from a spreadsheet)."""
    value = parse_number(text)
    if not value.is_integer():
        raise CellError(f"{text!r} bukan bilangan bulat", f"{text!r} is not a whole number")
    return int(value)


def parse_date(text: RawCell) -> dt.date:
    """A date in any form of `core.domain.values.read_date` (ISO, dd-mm-yyyy, dd/mm/yyyy,
    "1 Februari 2015", an Excel serial day number)."""
    try:
        return read_date(text)
    except UnreadableValue as error:
        raise CellError(error.message_id, error.message_en) from None


#: The earlier name of `parse_date` (it now reads every accepted date form, not only ISO).
parse_iso_date = parse_date


def parse_skill_list(text: str) -> tuple[str, ...]:
    """A `;`-separated list of skills, lower-cased, without blanks or repeats, sorted."""
    return tuple(sorted({" ".join(part.split()).lower() for part in text.split(";")} - {""}))


def normalise_unit_code(text: str) -> str:
    """Unit codes are compared upper-case without surrounding spaces."""
    return "".join(text.split()).upper()


_NUMBER_WITH_EXPONENT = re.compile(r"^\d(?:[.,]\d+)?[eE]\+?\d+$")
_NIP_AS_NUMBER_ID = (
    "NIP {shown} tersimpan sebagai angka, bukan teks; lembar kerja hanya menyimpan 15 digit "
    "angka, jadi digit terakhir NIP 18 digit tidak bisa dipercaya. Format kolom sebagai Teks "
    "lalu ketik ulang NIP-nya (atau awali dengan tanda ')"
)
_NIP_AS_NUMBER_EN = (
    "NIP {shown} was stored as a number, not text; a spreadsheet keeps only 15 digits of a "
    "number, so the last digits of an 18-digit NIP cannot be trusted. Format the column as "
    "Text and type the NIP again (or start it with ')"
)


def _nip_as_number(shown: str) -> CellError:
    return CellError(_NIP_AS_NUMBER_ID.format(shown=shown), _NIP_AS_NUMBER_EN.format(shown=shown))


def normalise_nip(text: RawCell) -> str:
    """A NIP without the spaces people put between its groups or a leading apostrophe.

    An XLSX whole-number cell keeps its digits as written in the file and is accepted; a
    fractional or scientific one (Excel's 1.99001012015031E+17) has lost digits and is refused,
    as is the same thing in CSV text (`1,99001E+17`).
    """
    if isinstance(text, bool | dt.date):
        raise CellError(f"NIP {text} bukan NIP", f"NIP {text} is not a NIP")
    if isinstance(text, float):
        raise _nip_as_number(f"{text:.14E}".replace(".", ",", 1) if text >= 1e15 else str(text))
    if isinstance(text, int):
        return str(text)
    cleaned = "".join(text.split()).lstrip("'")
    if _NUMBER_WITH_EXPONENT.match(cleaned):
        raise _nip_as_number(text)
    return cleaned


def nip_lost_digits(nip: str, status: EmployeeStatus | None) -> CellError | None:
    """A PNS NIP ending in 000 (no PNS sequence number is 000): the digits a spreadsheet cut
    off when the NIP was stored as a number and written out in full (199001012015031000)."""
    if status == "PNS" and len(nip) == 18 and nip.isdigit() and nip.endswith("000"):
        return _nip_as_number(nip)
    return None


def parse_status(text: str) -> EmployeeStatus:
    """PNS, PPPK or CPNS, in any case."""
    value = text.strip().upper()
    if value == "PNS":
        return "PNS"
    if value == "PPPK":
        return "PPPK"
    if value == "CPNS":
        return "CPNS"
    raise CellError(
        f"status {text!r} tidak dikenal (harus PNS, PPPK atau CPNS)",
        f"status {text!r} is unknown (must be PNS, PPPK or CPNS)",
    )


def one_of(choices: Sequence[str], what_id: str, what_en: str) -> Callable[[str], str]:
    """A parser accepting one of CHOICES (case and spacing ignored), returning its spelling."""
    by_key = {" ".join(c.lower().replace("_", " ").split()): c for c in choices}

    def parse(text: str) -> str:
        found = by_key.get(" ".join(text.lower().replace("_", " ").split()))
        if found is None:
            listed = ", ".join(choices)
            raise CellError(
                f"{what_id} {text!r} tidak dikenal (pilih: {listed})",
                f"{what_en} {text!r} is unknown (one of: {listed})",
            )
        return found

    return parse


def parse_yes_no(text: str) -> bool:
    """ya/tidak (also yes/no, 1/0, true/false)."""
    value = text.strip().lower()
    if value in ("ya", "y", "yes", "1", "true", "benar"):
        return True
    if value in ("tidak", "t", "no", "n", "0", "false", "salah"):
        return False
    raise CellError(f"{text!r} harus ya atau tidak", f"{text!r} must be ya (yes) or tidak (no)")


def parse_months(text: str) -> int:
    """A whole number of months from 0 to 600 (a minimum tenure)."""
    value = parse_whole_number(text)
    if not 0 <= value <= 600:
        raise CellError(
            f"{value} bulan tidak wajar (0 sampai 600)",
            f"{value} months is implausible (0 to 600)",
        )
    return value


def parse_golongan(text: str, status: EmployeeStatus | None) -> str:
    """A grade: I/a ... IV/e for PNS (written "III/a", "III a", "IIIa"), I ... XVII for PPPK."""
    raw = text.strip()
    if status != "PPPK":
        match = _PNS_GOLONGAN.match(raw.upper())
        if match:
            group, letter = match.group(1), match.group(2).lower()
            if letter <= ("e" if group == "IV" else "d"):
                return f"{group}/{letter}"
        if status == "PNS":
            raise CellError(
                f"golongan {text!r} tidak dikenal untuk PNS (I/a sampai IV/e)",
                f"grade {text!r} is unknown for PNS (I/a to IV/e)",
            )
    upper = raw.upper()
    if upper in _ROMAN:
        return upper
    if upper.isdigit() and 1 <= int(upper) <= len(_ROMAN):
        return _ROMAN[int(upper) - 1]
    raise CellError(
        f"golongan {text!r} tidak dikenal untuk PPPK (I sampai XVII)",
        f"grade {text!r} is unknown for PPPK (I to XVII)",
    )


def parse_golongan_for(status: EmployeeStatus | None) -> Callable[[str], str]:
    """`parse_golongan` for an employee of STATUS, as a one-argument parser."""
    return lambda text: parse_golongan(text, status)


def _coordinate(text: RawCell) -> float:
    if isinstance(text, dt.date):
        raise CellError(f"{text} bukan angka", f"{text} is not a number")
    try:
        return read_number(text, grouping=False)
    except UnreadableValue as error:
        raise CellError(error.message_id, error.message_en) from None


_LATITUDE = ("lintang", "latitude")
_LONGITUDE = ("bujur", "longitude")


def _coordinate_in(
    text: RawCell, names: tuple[str, str], limit: int, indonesia: tuple[float, float]
) -> float:
    """A coordinate within -LIMIT..LIMIT and within Indonesia's range; NAMES is the axis in
    Indonesian and English (a value outside Indonesia was most likely typed in the other)."""
    value = _coordinate(text)
    name_id, name_en = names
    if not -limit <= value <= limit:
        raise CellError(
            f"{name_id} {text} di luar rentang -{limit} sampai {limit}",
            f"{name_en} {text} is outside -{limit} to {limit}",
        )
    low, high = indonesia
    if not low <= value <= high:
        other_id, other_en = _LONGITUDE if names == _LATITUDE else _LATITUDE
        raise CellError(
            f"{name_id} {text} di luar wilayah Indonesia ({low} sampai {high}); "
            f"tertukar dengan {other_id}?",
            f"{name_en} {text} is outside Indonesia ({low} to {high}); swapped with {other_en}?",
        )
    return value


def parse_latitude(text: RawCell) -> float:
    """A latitude in degrees (decimal comma or point), within Indonesia (`INDONESIA_LAT`)."""
    return _coordinate_in(text, _LATITUDE, 90, INDONESIA_LAT)


def parse_longitude(text: RawCell) -> float:
    """A longitude in degrees (decimal comma or point), within Indonesia (`INDONESIA_LON`)."""
    return _coordinate_in(text, _LONGITUDE, 180, INDONESIA_LON)


def parse_positive(text: RawCell) -> float:
    """A number above 0 (minutes per output)."""
    value = parse_number(text)
    if value <= 0:
        raise CellError(f"harus lebih dari 0 (tertulis {text})", f"must be above 0 (got {text})")
    return value


def parse_not_negative(text: RawCell) -> float:
    """A number of 0 or more (an annual volume)."""
    value = parse_number(text)
    if value < 0:
        raise CellError(
            f"tidak boleh negatif (tertulis {text})", f"must not be negative (got {text})"
        )
    return value


def parse_retirement_age(text: RawCell) -> int:
    """A retirement age (BUP) in years, within `RETIREMENT_AGE_RANGE`."""
    value = parse_whole_number(text)
    low, high = RETIREMENT_AGE_RANGE
    if not low <= value <= high:
        raise CellError(
            f"batas usia pensiun {value} tidak wajar (harus {low} sampai {high})",
            f"retirement age {value} is implausible (must be {low} to {high})",
        )
    return value


parse_lock_kind = one_of(LOCK_KINDS, "jenis kunci", "lock kind")
parse_skp = one_of(SKP_RATINGS, "predikat SKP", "SKP rating")
parse_jenis = one_of(JENIS, "jenis", "jenis")
