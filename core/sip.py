"""Which jabatan need a practice licence (SIP) tied to one facility.

PP 28/2024 (implementing UU 17/2023 on health) requires a *Surat Izin Praktik* of medical and
health workers who practise, and one SIP is valid for one place of practice (Pasal 682 ayat 2,
as the Ministry of Health explained it). A health worker moved to another facility therefore
needs a new SIP for the destination before working there.

Until an agency's jabatan catalogue says otherwise, the default rule below reads the jabatan
name: it needs a SIP when a word of it names a health profession that practises on patients.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Health professions whose members practise under a SIP (lower-case words or word pairs).
SIP_PROFESSIONS: tuple[str, ...] = (
    "dokter",
    "dokter gigi",
    "perawat",
    "bidan",
    "apoteker",
    "asisten apoteker",
    "tenaga teknis kefarmasian",
    "fisioterapis",
    "radiografer",
    "nutrisionis",
    "dietisien",
    "pranata laboratorium kesehatan",
    "terapis gigi",
    "perawat gigi",
    "okupasi terapis",
    "terapis wicara",
    "refraksionis",
    "psikolog klinis",
    "elektromedis",
    "perekam medis",
    "sanitarian",
)

_WORDS = re.compile(r"[a-z]+")


def default_needs_sip(jabatan: str) -> bool:
    """True when JABATAN names a health profession of SIP_PROFESSIONS (case-insensitive,
    whole words: "Perawat Terampil" yes, "Pengadministrasi Umum" no, "Kepala Puskesmas" no)."""
    words = " ".join(_WORDS.findall(jabatan.lower()))
    padded = f" {words} "
    return any(f" {profession} " in padded for profession in SIP_PROFESSIONS)


def needs_sip(jabatan: str, catalogue: Mapping[str, bool] | None = None) -> bool:
    """The catalogue's `butuh_sip` for JABATAN when it lists it (case-insensitive name),
    otherwise the default rule."""
    if catalogue:
        wanted = jabatan.strip().lower()
        for name, flag in catalogue.items():
            if name.strip().lower() == wanted:
                return flag
    return default_needs_sip(jabatan)
