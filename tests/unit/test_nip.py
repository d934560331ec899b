"""NIP validation says what is wrong, for PNS and PPPK."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain.nip import InvalidNip, parse_nip


def test_valid_pns_nip_is_split_into_its_fields() -> None:
    parts = parse_nip("199001012015031001")
    assert parts.birth_date == dt.date(1990, 1, 1)
    assert (parts.appointment_year, parts.appointment_month, parts.gender) == (2015, 3, 1)
    assert parts.sequence == "001"


def test_impossible_birth_date_is_named() -> None:
    with pytest.raises(InvalidNip) as err:
        parse_nip("199013012015031001")
    assert str(err.value) == "tanggal lahir 19901301 tidak valid"
    assert err.value.message_en == "birth date 19901301 is not a valid date"


def test_wrong_length_and_letters_are_refused() -> None:
    with pytest.raises(InvalidNip, match="18 angka"):
        parse_nip("19900101201503100")
    with pytest.raises(InvalidNip, match="18 angka"):
        parse_nip("19900101201503100X")


def test_pns_month_13_is_refused() -> None:
    with pytest.raises(InvalidNip, match="bulan pengangkatan CPNS 13"):
        parse_nip("199001012015131001")


def test_pns_gender_code_must_be_one_or_two() -> None:
    with pytest.raises(InvalidNip, match="jenis kelamin"):
        parse_nip("199001012015033001")


def test_pppk_number_has_no_month_to_validate() -> None:
    # Birth date, appointment year 2022, code 21 (would be "month 21" for a PNS), sequence.
    parts = parse_nip("198805052022211004", status="PPPK")
    assert parts.appointment_year == 2022 and parts.appointment_month is None
    with pytest.raises(InvalidNip):
        parse_nip("198805052022211004", status="PNS")


def test_pppk_birth_date_is_still_checked() -> None:
    with pytest.raises(InvalidNip, match="tanggal lahir 19880231"):
        parse_nip("198802312022211004", status="PPPK")
