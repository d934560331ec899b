"""The default reading of a jabatan name the catalogue does not list matches whole words.

"Kepala Bidang" contains "bidan" and "Pengelola Perawatan Gedung" contains "perawat": read by
substring, both were health workers who need a SIP (and their moves waited for a SIP no one
would ever issue). docs/rules.md, `core.domain.eligibility.default_jabatan_info`.
"""

from __future__ import annotations

import pytest

from core.domain.eligibility import default_jabatan_info
from core.domain.sip import needs_sip


@pytest.mark.parametrize(
    "jabatan",
    [
        "Pengelola Perawatan Gedung",
        "Kepala Bidang Pelayanan",
        "Kepala Sub Bidang Keuangan",
        "Analis Kebijakan Bidang Pendidikan",
        "Teknisi Perawatan Kendaraan",
    ],
)
def test_a_word_inside_another_word_does_not_make_a_health_worker(jabatan: str) -> None:
    info = default_jabatan_info(jabatan)
    assert info.jenis == "umum"
    assert needs_sip(jabatan) is False


@pytest.mark.parametrize(
    "jabatan",
    [
        "Perawat Ahli Pertama",
        "Bidan Terampil",
        "Dokter Gigi Ahli Muda",
        "Tenaga Teknis Kefarmasian Terampil",
        "Asisten Apoteker",
        "Perawat-Bidan Desa",
    ],
)
def test_the_professions_that_practise_still_need_a_sip(jabatan: str) -> None:
    info = default_jabatan_info(jabatan)
    assert info.jenis == "kesehatan"
    assert needs_sip(jabatan) is True
