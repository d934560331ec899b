"""Settings: defaults from the spec, one clear line naming the variable when something is wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("MUTASI_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_defaults_follow_the_spec() -> None:
    s = load_settings()
    assert s.timezone == "Asia/Jakarta"
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert s.min_tenure_months == 24 and s.arrivals_fraction == 0.12
    assert s.work_hours_start == dt.time(7, 30) and s.nightly_time == dt.time(1, 0)
    assert s.approval_stages == ("approver",)


def test_invalid_time_zone_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTASI_TIMEZONE", "Asia/Bandung")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith("MUTASI_TIMEZONE:")
    assert "\n" not in str(err.value)


def test_text_where_a_number_belongs_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTASI_MIN_TENURE_MONTHS", "dua puluh empat")
    with pytest.raises(SettingsError, match="^MUTASI_MIN_TENURE_MONTHS:"):
        load_settings()


def test_missing_token_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="MUTASI_BOT_TOKEN"):
        load_settings().require_token()


def test_token_is_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTASI_BOT_TOKEN", "123:abc-secret")
    s = load_settings()
    assert "abc-secret" not in repr(s)
    assert s.require_token() == "123:abc-secret"


def test_plain_database_urls_get_async_drivers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTASI_DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/mutasi")
    assert load_settings().database_url == "postgresql+asyncpg://u:p@127.0.0.1:5432/mutasi"
    monkeypatch.setenv("MUTASI_DATABASE_URL", "mysql://x")
    with pytest.raises(SettingsError, match="^MUTASI_DATABASE_URL:"):
        load_settings()


def test_freeze_window_is_two_ordered_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTASI_FREEZE_WINDOW", "2026-11-01..2027-02-01")
    assert load_settings().freeze_dates == (dt.date(2026, 11, 1), dt.date(2027, 2, 1))
    monkeypatch.setenv("MUTASI_FREEZE_WINDOW", "2027-02-01..2026-11-01")
    with pytest.raises(SettingsError, match="^MUTASI_FREEZE_WINDOW:"):
        load_settings()
    monkeypatch.setenv("MUTASI_FREEZE_WINDOW", "pilkada")
    with pytest.raises(SettingsError, match="^MUTASI_FREEZE_WINDOW:"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MUTASI_WORK_DAYS", "senin"),
        ("MUTASI_WORK_DAYS", "1-9"),
        ("MUTASI_WORK_DAYS", ""),
        ("MUTASI_APPROVAL_CHAIN", ""),
        ("MUTASI_APPROVAL_CHAIN", "kepala_opd,,ppk"),
        ("MUTASI_APPROVAL_CHAIN", "kepala_opd:kabupaten"),
        ("MUTASI_APPROVAL_CHAIN", "Kepala OPD"),
        ("MUTASI_WORK_HOURS_START", "7.30"),
        ("MUTASI_NIGHTLY_TIME", "25:00"),
        ("MUTASI_ARRIVALS_FRACTION", "12"),
        ("MUTASI_DEPARTURES_FRACTION", "-0.1"),
        ("MUTASI_LOG_LEVEL", "chatty"),
        ("MUTASI_LOG_FORMAT", "xml"),
        ("MUTASI_DATABASE_URL", "postgresql://u@h/db?sslmode=sometimes"),
        ("MUTASI_DATABASE_URL", "postgresql://u@h/db?sslmode=verify-full&sslrootcert=none.pem"),
    ],
)
def test_every_setting_is_checked_at_start_in_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(f"{variable}:")
    assert "\n" not in str(err.value)
    assert err.value.key == "settings.invalid" and err.value.values["name"] == variable


def test_work_hours_must_start_before_they_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUTASI_WORK_HOURS_START", "16:00")
    monkeypatch.setenv("MUTASI_WORK_HOURS_END", "07:30")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "MUTASI_WORK_HOURS_START" in str(err.value)
    assert "MUTASI_WORK_HOURS_END" in str(err.value)


def test_good_values_of_the_checked_settings_are_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MUTASI_WORK_DAYS", "1,2,3,4,5,6")
    monkeypatch.setenv("MUTASI_APPROVAL_CHAIN", "kepala_opd,sekda,ppk")
    monkeypatch.setenv("MUTASI_LOG_LEVEL", "debug")
    monkeypatch.setenv("MUTASI_LOG_FORMAT", "JSON")
    monkeypatch.setenv("MUTASI_DATABASE_URL", "postgresql://u:p@h/db?sslmode=require")
    settings = load_settings()
    assert settings.approval_stages == ("kepala_opd", "sekda", "ppk")
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    assert settings.database_url.endswith("?sslmode=require")


def test_lawful_rule_settings_default_and_name_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = load_settings()
    assert (s.teacher_min_tenure_months, s.max_tenure_months, s.skp_gate) == (48, 60, True)
    assert (s.weight_very_willing, s.weight_long_tenure) == (10.0, 10.0)
    monkeypatch.setenv("MUTASI_SKP_GATE", "kadang")
    with pytest.raises(SettingsError, match="^MUTASI_SKP_GATE:"):
        load_settings()
    monkeypatch.delenv("MUTASI_SKP_GATE")
    monkeypatch.setenv("MUTASI_WEIGHT_LONG_TENURE", "-1")
    with pytest.raises(SettingsError, match="^MUTASI_WEIGHT_LONG_TENURE:"):
        load_settings()


def test_workload_settings_default_to_three_months_and_fifty_percent() -> None:
    s = load_settings()
    assert s.workload_average_months == 3 and s.workload_change_percent == 50.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MUTASI_WORKLOAD_AVERAGE_MONTHS", "0"),
        ("MUTASI_WORKLOAD_AVERAGE_MONTHS", "tiga"),
        ("MUTASI_WORKLOAD_CHANGE_PERCENT", "0"),
        ("MUTASI_WORKLOAD_CHANGE_PERCENT", "-10"),
    ],
)
def test_bad_workload_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(f"{name}:")
    assert "\n" not in str(err.value)
