"""The columns of each kind of import file, their aliases, and reading a header row."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Literal

ImportKind = Literal["units", "employees", "activities", "jabatan"]
IMPORT_KINDS: tuple[ImportKind, ...] = ("units", "employees", "activities", "jabatan")

UNIT_COLUMNS: tuple[str, ...] = (
    "kode", "nama", "opd", "lat", "lon", "keahlian_dibutuhkan", "daerah_khusus", "kepala_nip",
)  # fmt: skip
EMPLOYEE_COLUMNS: tuple[str, ...] = (
    "nip", "nama", "status", "kode_unit", "jabatan", "golongan", "tmt_unit", "bup",
    "keahlian", "lat_rumah", "lon_rumah", "nip_pasangan", "kunci",
    "jenis_kunci", "kunci_sampai", "akhir_kontrak", "skp_1", "skp_2", "mapel",
)  # fmt: skip
ACTIVITY_COLUMNS: tuple[str, ...] = (
    "kode_unit", "jabatan", "kegiatan", "satuan_hasil", "norma_waktu_menit", "volume_tahunan",
    "mapel",
)  # fmt: skip
JABATAN_COLUMNS: tuple[str, ...] = ("jabatan", "jenis", "butuh_sip", "masa_minimal_bulan")

#: Columns a file must have in its header row; the others may be left out entirely.
REQUIRED_COLUMNS: Mapping[ImportKind, tuple[str, ...]] = {
    "units": ("kode", "nama", "opd", "lat", "lon"),
    "employees": (
        "nip",
        "nama",
        "status",
        "kode_unit",
        "jabatan",
        "golongan",
        "tmt_unit",
        "bup",
    ),  # fmt: skip
    "activities": ACTIVITY_COLUMNS[:6],
    "jabatan": ("jabatan", "jenis"),
}
COLUMNS: Mapping[ImportKind, tuple[str, ...]] = {
    "units": UNIT_COLUMNS,
    "employees": EMPLOYEE_COLUMNS,
    "activities": ACTIVITY_COLUMNS,
    "jabatan": JABATAN_COLUMNS,
}

#: Other names the columns have in common SIMPEG / SIASN exports and ABK workbooks, after header
#: normalisation (lower case; spaces, dots, dashes, slashes and brackets become `_`). The
#: canonical name wins when a file has both; otherwise the first alias listed here.
COLUMN_ALIASES: Mapping[ImportKind, Mapping[str, tuple[str, ...]]] = {
    "units": {
        "kode": ("kode_unit", "kode_unor", "unor_id", "id_unor", "kd_unit", "kode_satker"),
        "nama": ("nama_unit", "nama_unor", "unor_nama", "unit_kerja", "nama_unit_kerja", "unor"),
        "opd": ("nama_opd", "perangkat_daerah", "skpd", "nama_skpd", "induk_unor", "opd_induk"),
        "lat": ("latitude", "lintang"),
        "lon": ("longitude", "lng", "bujur"),
        "keahlian_dibutuhkan": ("kompetensi_dibutuhkan", "keahlian"),
    },
    "employees": {
        "nip": ("nip_baru", "nip18", "nip_18", "nomor_induk_pegawai"),
        "nama": ("nama_lengkap", "nama_pegawai", "nama_asn", "nama_pns"),
        "status": ("status_pegawai", "jenis_pegawai", "status_asn", "jenis_asn"),
        "kode_unit": ("unor_id", "kode_unor", "id_unor", "kd_unit", "kode_unit_kerja", "unor"),
        "jabatan": ("jabatan_nama", "nama_jabatan", "jabatan_nama_lengkap"),
        "golongan": (
            "gol",
            "gol_ruang",
            "golongan_ruang",
            "golongan_akhir",
            "gol_akhir",
            "golongan_nama",
        ),
        "tmt_unit": ("tmt_unor", "tmt_unit_kerja", "tmt_penempatan"),
        "bup": ("batas_usia_pensiun", "usia_pensiun"),
        "keahlian": ("kompetensi",),
        "lat_rumah": ("latitude_rumah", "lintang_rumah"),
        "lon_rumah": ("longitude_rumah", "bujur_rumah"),
        "nip_pasangan": ("nip_suami_istri", "nip_suami_isteri"),
        "kunci": ("alasan_kunci", "status_kunci"),
    },
    "activities": {
        "kode_unit": ("unor_id", "kode_unor", "id_unor", "kd_unit", "unor"),
        "jabatan": ("jabatan_nama", "nama_jabatan"),
        "kegiatan": ("uraian_tugas", "uraian_kegiatan", "butir_kegiatan", "tugas"),
        "satuan_hasil": ("satuan", "satuan_output", "output"),
        "norma_waktu_menit": (
            "norma_waktu",
            "waktu_penyelesaian",
            "waktu_penyelesaian_menit",
            "waktu_penyelesaian_dalam_menit",
            "norma_waktu_dalam_menit",
        ),
        "volume_tahunan": (
            "volume",
            "volume_kerja",
            "beban_kerja",
            "beban_kerja_1_tahun",
            "volume_per_tahun",
            "target_tahunan",
        ),
    },
    "jabatan": {
        "jabatan": ("jabatan_nama", "nama_jabatan"),
        "jenis": ("jenis_jabatan",),
    },
}


def header_columns(kind: ImportKind | None, names: Sequence[str]) -> list[str]:
    """The canonical column names for a header row of normalised NAMES ("" where unknown kept
    as written), aliases of KIND resolved (of every kind when KIND is None; the kind whose
    columns match best wins). A canonical name already present is never taken by an alias."""
    kinds = [kind] if kind is not None else list(IMPORT_KINDS)
    best: list[str] = list(names)
    best_score = -1
    for candidate in kinds:
        mapped = _map_header(candidate, names)
        score = len(set(mapped) & set(COLUMNS[candidate]))
        if score > best_score:
            best, best_score = mapped, score
    return best


def _map_header(kind: ImportKind, names: Sequence[str]) -> list[str]:
    canonical = COLUMNS[kind]
    taken = {name for name in names if name in canonical}
    mapped: list[str] = []
    for name in names:
        if name in canonical:
            mapped.append(name)
            continue
        target = _alias_target(kind, name, taken)
        if target is not None:
            taken.add(target)
            mapped.append(target)
        else:
            mapped.append(name)
    return mapped


def _alias_target(kind: ImportKind, name: str, taken: set[str]) -> str | None:
    for column, aliases in COLUMN_ALIASES[kind].items():
        if name in aliases and column not in taken:
            return column
    return None


def header_score(kind: ImportKind | None, names: Sequence[str]) -> int:
    """How many known columns (of KIND, or of the best-matching kind) a row of NAMES holds."""
    kinds = [kind] if kind is not None else list(IMPORT_KINDS)
    return max(len(set(_map_header(k, names)) & set(COLUMNS[k])) for k in kinds)


def guess_kind(columns: Collection[str]) -> ImportKind | None:
    """The kind of file whose required columns COLUMNS (canonical) hold best; None if no kind
    has at least two of its required columns there."""
    scored = [(len(set(REQUIRED_COLUMNS[k]) & set(columns)), k) for k in IMPORT_KINDS]
    score, kind = max(scored, key=lambda pair: pair[0])
    return kind if score >= 2 else None


#: How many filled lines from the top are searched for the header row (below title rows).
HEADER_SEARCH_ROWS = 30
