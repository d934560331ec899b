"""core.domain.values: every accepted number and date form, and the refusals that name both
readings."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain.values import (
    AmbiguousNumber,
    UnreadableValue,
    format_reading,
    read_date,
    read_number,
)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1250", 1250.0),
        ("1.250", 1250.0),
        ("1.250.000", 1_250_000.0),
        ("1.250,5", 1250.5),
        ("12,5", 12.5),
        ("0,250", 0.25),
        ("12.5", 12.5),
        ("0.250", 0.25),
        ("1.2500", 1.25),
        ("1,250,000", 1_250_000.0),
        ("1,250.5", 1250.5),
        ("1 250", 1250.0),
        ("1\u00a0250,5", 1250.5),
        ("-7,25", -7.25),
        ("\u22127.25", -7.25),
        ("+3", 3.0),
        ("1,5E+3", 1500.0),
        (" 40 ", 40.0),
        (1250, 1250.0),
        (1.125, 1.125),
    ],
)
def test_numbers_are_read_in_every_accepted_form(written: str | float, value: float) -> None:
    assert read_number(written) == value


@pytest.mark.parametrize(
    ("written", "readings"),
    [("1,250", (1.25, 1250.0)), ("12,500", (12.5, 12500.0)), ("999,999", (999.999, 999999.0))],
)
def test_a_number_with_two_readings_is_refused_naming_both(
    written: str, readings: tuple[float, float]
) -> None:
    with pytest.raises(AmbiguousNumber) as caught:
        read_number(written)
    assert caught.value.readings == readings
    first_id, second_id = (format_reading(r, "id") for r in readings)
    assert caught.value.message_id.startswith(
        f"{written!r} bisa dibaca dua cara: {first_id} (koma desimal) atau {second_id} "
        "(koma pemisah ribuan)"
    )


@pytest.mark.parametrize(
    "written", ["seratus", "", "12 pasien", "1.00.0", "1.250.5", "1,2,3", "inf", "nan", "1e999"]
)
def test_text_that_is_no_number_is_refused(written: str) -> None:
    with pytest.raises(UnreadableValue) as caught:
        read_number(written)
    assert not isinstance(caught.value, AmbiguousNumber)
    assert caught.value.message_id == f"{written!r} bukan angka"


def test_booleans_and_infinite_cells_are_not_numbers() -> None:
    for cell in (True, float("inf"), float("nan")):
        with pytest.raises(UnreadableValue):
            read_number(cell)


def test_coordinates_read_a_single_separator_as_decimal() -> None:
    assert read_number("-7.221", grouping=False) == -7.221
    assert read_number("110,425", grouping=False) == 110.425
    with pytest.raises(UnreadableValue):
        read_number("1.250,5", grouping=False)


def test_readings_are_written_back_in_each_language() -> None:
    assert format_reading(1250.5, "id") == "1.250,5"
    assert format_reading(1250.5, "en") == "1,250.5"
    assert format_reading(-1_250_000.0, "id") == "-1.250.000"
    assert format_reading(0.125, "id") == "0,125"


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("2015-02-01", dt.date(2015, 2, 1)),
        ("2015-02-01 00:00:00", dt.date(2015, 2, 1)),
        ("01-02-2015", dt.date(2015, 2, 1)),
        ("01/02/2015", dt.date(2015, 2, 1)),
        ("1/2/2015", dt.date(2015, 2, 1)),
        ("01.02.2015", dt.date(2015, 2, 1)),
        ("1 Februari 2015", dt.date(2015, 2, 1)),
        ("1 Pebruari 2015", dt.date(2015, 2, 1)),
        ("17 Agustus 1945", dt.date(1945, 8, 17)),
        ("17 Agt 2020", dt.date(2020, 8, 17)),
        ("3 Mei 2021", dt.date(2021, 5, 3)),
        ("31 Desember 2019", dt.date(2019, 12, 31)),
        ("1 October 2015", dt.date(2015, 10, 1)),
        ("42036", dt.date(2015, 2, 1)),
        (42036, dt.date(2015, 2, 1)),
        (42036.0, dt.date(2015, 2, 1)),
        (dt.datetime(2015, 2, 1), dt.date(2015, 2, 1)),
        (dt.date(2015, 2, 1), dt.date(2015, 2, 1)),
    ],
)
def test_dates_are_read_in_every_accepted_form(written: object, date: dt.date) -> None:
    assert read_date(written) == date  # type: ignore[arg-type]


def test_a_month_first_date_is_refused_saying_dates_are_day_first() -> None:
    with pytest.raises(UnreadableValue) as caught:
        read_date("02/13/2015")
    assert caught.value.message_id == (
        "'02/13/2015': bulan 13 tidak ada; tanggal ditulis hari dulu (dd/mm/yyyy), "
        "bukan bulan dulu"
    )


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("30-02-2023", "tanggal 30-02-2023 tidak ada di kalender"),
        ("1 Brumaire 2015", "'1 Brumaire 2015': nama bulan 'Brumaire' tidak dikenal"),
        (
            "2015",
            "'2015' bukan tanggal (tulis mis. 2015-02-01, 01-02-2015, 01/02/2015 atau "
            "1 Februari 2015)",
        ),
        (
            "kemarin",
            "'kemarin' bukan tanggal (tulis mis. 2015-02-01, 01-02-2015, 01/02/2015 atau "
            "1 Februari 2015)",
        ),
    ],
)
def test_impossible_dates_are_refused_in_words(written: str, message: str) -> None:
    with pytest.raises(UnreadableValue) as caught:
        read_date(written)
    assert caught.value.message_id == message


def test_a_datetime_cell_with_a_time_is_not_a_date() -> None:
    with pytest.raises(UnreadableValue):
        read_date(dt.datetime(2015, 2, 1, 13, 30))
