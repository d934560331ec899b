"""NIP (Nomor Induk Pegawai) validation for PNS and PPPK, with messages that say what is wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

EmployeeStatus = Literal["PNS", "PPPK", "CPNS"]  # a CPNS has a PNS NIP


@dataclass(frozen=True, slots=True)
class NipParts:
    """The fields encoded in a valid NIP."""

    birth_date: dt.date
    appointment_year: int
    appointment_month: int | None
    gender: int | None
    sequence: str


class InvalidNip(ValueError):
    """A NIP that cannot be right; the message (Indonesian) says why, `reason_en` in English."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_id)
        self.message_id = message_id
        self.message_en = message_en


def parse_nip(nip: str, status: EmployeeStatus = "PNS") -> NipParts:
    """Validate an 18-digit NIP and return its parts, or raise InvalidNip saying what is wrong."""
    raw = nip.strip()
    if len(raw) != 18 or not raw.isdigit():
        raise InvalidNip(
            f"NIP harus 18 angka (tertulis {len(raw)} karakter: {raw!r})",
            f"NIP must be 18 digits (got {len(raw)} characters: {raw!r})",
        )
    born = raw[:8]
    try:
        birth = dt.date(int(born[:4]), int(born[4:6]), int(born[6:8]))
    except ValueError:
        raise InvalidNip(
            f"tanggal lahir {born} tidak valid", f"birth date {born} is not a valid date"
        ) from None
    if not 1900 <= birth.year <= 2015:
        raise InvalidNip(
            f"tahun lahir {birth.year} tidak masuk akal",
            f"birth year {birth.year} is not plausible",
        )
    if status == "PPPK":
        # PPPK: birth date, 4-digit appointment year, 2-digit code, then a sequence.
        year = int(raw[8:12])
        if not 1960 <= year <= 2100:
            raise InvalidNip(
                f"tahun pengangkatan {year} tidak valid", f"appointment year {year} is not valid"
            )
        return NipParts(birth, year, None, None, raw[12:])
    year, month, gender = int(raw[8:12]), int(raw[12:14]), int(raw[14])
    if not 1960 <= year <= 2100:
        raise InvalidNip(
            f"tahun pengangkatan CPNS {year} tidak valid",
            f"CPNS appointment year {year} is not valid",
        )
    if not 1 <= month <= 12:
        raise InvalidNip(
            f"bulan pengangkatan CPNS {raw[12:14]} tidak valid",
            f"CPNS appointment month {raw[12:14]} is not valid",
        )
    if gender not in (1, 2):
        raise InvalidNip(
            f"kode jenis kelamin {gender} tidak valid (harus 1 atau 2)",
            f"gender code {gender} is not valid (must be 1 or 2)",
        )
    if year < birth.year + 15:
        raise InvalidNip(
            f"pengangkatan {year} terlalu dekat dengan tahun lahir {birth.year}",
            f"appointment {year} is too close to birth year {birth.year}",
        )
    return NipParts(birth, year, month, gender, raw[15:])
