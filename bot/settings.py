"""Settings from the environment (prefix MUTASI_, `.env` read too). Secrets have no defaults."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingsError

__all__ = [
    "ENV_PREFIX",
    "Settings",
    "SettingsError",
    "last_database_url",
    "load_settings",
    "remember_database_url",
]

ENV_PREFIX = "MUTASI_"
_STAGE_NAME = re.compile(r"[a-z][a-z0-9_]*")


class Settings(BaseSettings):
    """Everything an agency configures; policy defaults follow docs/domain.md and
    docs/optimisation.md."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///mutasi.sqlite3"
    timezone: str = "Asia/Jakarta"
    bot_api_url: str | None = None
    bot_api_file_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    language: Literal["id", "en"] = "id"
    agency_name: str = "BKPSDM"  # who runs the bot, shown on the bot's profile before START
    concurrent_updates: int = Field(default=8, ge=1)  # updates handled at once; 1: one by one
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    work_hours_start: dt.time = dt.time(7, 30)
    work_hours_end: dt.time = dt.time(16, 0)
    work_days: str = "1-5"  # ISO weekdays, Monday = 1
    nightly_time: dt.time = dt.time(1, 0)

    # docs/domain.md
    wke_minutes: float = Field(default=75_000.0, gt=0)
    workload_average_months: int = Field(default=3, ge=1, le=24)  # accepted months -> need
    workload_change_percent: float = Field(default=50.0, gt=0)  # larger FTE change: confirm
    invitation_days: int = Field(default=14, ge=1)
    invitation_attempts_per_hour: int = Field(default=5, ge=1)  # codes typed per account
    aspiration_months: int = Field(default=12, ge=1)
    approval_chain: str = "approver"  # comma-separated stage names, e.g. "kepala_opd,sekda,ppk"
    reminder_working_days: int = Field(default=2, ge=1)
    expiry_working_days: int = Field(default=10, ge=1)
    escalation_working_days: int = Field(default=3, ge=1)
    approval_cards_max: int = Field(default=8, ge=0)
    outbox_chat_per_second: float = Field(default=1.0, gt=0)
    outbox_group_per_minute: float = Field(default=20.0, gt=0)
    objection_days: int = Field(default=7, ge=1)
    tmt_months_ahead: int = Field(default=2, ge=1)
    freeze_window: str | None = None  # "YYYY-MM-DD..YYYY-MM-DD"
    # issue 15: after approval (docs/after-approval.md)
    election_freeze: str | None = None  # before the regional-head election: "FIRST..LAST"
    inauguration_freeze: str | None = None  # after the inauguration: "FIRST..LAST"
    acting_head: bool = False  # an acting head (Pj/Plt) is in office: every move needs the letter
    objection_escalation_working_days: int = Field(default=5, ge=1)
    objection_decision_working_days: int = Field(default=10, ge=1)
    # issue 10 step 7: a committee stage (docs/approval.md, "Committee stage")
    committee_stage: str | None = None  # a stage name of MUTASI_APPROVAL_CHAIN, not the last
    committee_members: str = ""  # NIPs separated by commas
    committee_quorum: int | None = Field(default=None, ge=1)  # unset: more than half
    committee_name: str = "Tim Penilai Kinerja"

    # docs/optimisation.md policy defaults
    min_tenure_months: int = Field(default=24, ge=0)
    retirement_guard_months: int = Field(default=12, ge=0)
    max_home_distance_km: float = Field(default=120.0, ge=0)
    spouse_max_distance_km: float = Field(default=40.0, ge=0)
    arrivals_fraction: float = Field(default=0.12, ge=0, le=1)
    departures_fraction: float = Field(default=0.12, ge=0, le=1)
    min_moves_cap: int = Field(default=2, ge=0)
    max_total_moves: int | None = Field(default=None, ge=0)
    voluntary_only: bool = False
    # issue 15: lawful plans (docs/rules.md)
    teacher_min_tenure_months: int = Field(default=48, ge=0)
    max_tenure_months: int = Field(default=60, ge=1)
    skp_gate: bool = True
    weight_very_willing: float = Field(default=10.0, ge=0)
    weight_long_tenure: float = Field(default=10.0, ge=0)
    solver_time_limit: float = Field(default=60.0, gt=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (e.g. Asia/Jakarta, Asia/Makassar)"
            ) from None
        return value

    @field_validator("agency_name")
    @classmethod
    def _agency_name(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned or len(cleaned) > 80:
            raise ValueError(
                "give the agency's name, 1 to 80 characters (e.g. BKPSDM Kab. Contoh)"
            )
        return cleaned

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("work_days")
    @classmethod
    def _work_days(cls, value: str) -> str:
        from core.domain.errors import InvalidInput
        from core.domain.working_time import parse_work_days

        try:
            parse_work_days(value)
        except InvalidInput:
            raise ValueError(
                f"{value!r} is not a list of ISO weekdays: use numbers 1-7 (Monday = 1), "
                "e.g. 1-5 or 1,2,3,4,5,6"
            ) from None
        return value

    @field_validator("approval_chain")
    @classmethod
    def _approval_chain(cls, value: str) -> str:
        from core.domain.errors import InvalidInput
        from core.usecases.approval.chain import parse_chain

        parts = [p.strip() for p in value.split(",")]
        if not value.strip() or any(not p for p in parts):
            raise ValueError(
                "give one or more stage names separated by commas, e.g. approver or "
                "kepala_opd,sekda,ppk (no empty stage)"
            )
        for part in parts:
            name = part.partition(":")[0].strip()
            if not _STAGE_NAME.fullmatch(name):
                raise ValueError(
                    f"stage {name!r}: use lower-case letters, digits and _ (e.g. kepala_opd)"
                )
        try:
            parse_chain(value)
        except InvalidInput as error:
            raise ValueError(str(error)) from None
        return value

    @model_validator(mode="after")
    def _hours_in_order(self) -> Settings:
        if self.work_hours_start >= self.work_hours_end:
            raise ValueError(
                "MUTASI_WORK_HOURS_START must be earlier than MUTASI_WORK_HOURS_END "
                f"(got {self.work_hours_start:%H:%M} and {self.work_hours_end:%H:%M})"
            )
        return self

    @field_validator("committee_members")
    @classmethod
    def _committee_members(cls, value: str) -> str:
        nips = [p.strip() for p in value.split(",") if p.strip()]
        for nip in nips:
            if len(nip) != 18 or not nip.isdigit():
                raise ValueError(f"{nip!r} is not a NIP (18 digits); separate NIPs with commas")
        if len(set(nips)) != len(nips):
            raise ValueError("a NIP is listed twice")
        return ",".join(nips)

    @field_validator("committee_stage", "committee_name")
    @classmethod
    def _committee_words(cls, value: str | None, info: ValidationInfo) -> str | None:
        cleaned = " ".join((value or "").split())
        if info.field_name == "committee_name" and not 1 <= len(cleaned) <= 80:
            raise ValueError("give the committee's name, 1 to 80 characters")
        return cleaned or None if info.field_name == "committee_stage" else cleaned

    @model_validator(mode="after")
    def _committee_fits_chain(self) -> Settings:
        # The committee is built in one place, bot.composition; here it is only checked.
        from bot.composition import committee_of, stages_of
        from core.domain.errors import InvalidInput

        if self.committee_stage is None:
            if self.committee_members:
                raise ValueError(
                    "MUTASI_COMMITTEE_MEMBERS is set but MUTASI_COMMITTEE_STAGE is not: name "
                    "the stage of MUTASI_APPROVAL_CHAIN the committee decides"
                )
            return self
        if not self.committee_members:
            raise ValueError(
                "MUTASI_COMMITTEE_STAGE is set but MUTASI_COMMITTEE_MEMBERS is empty: list the "
                "members' NIPs separated by commas"
            )
        try:
            stages_of(self, committee_of(self))
        except InvalidInput as error:
            name = "QUORUM" if "quorum" in str(error) else "STAGE"
            raise ValueError(f"{ENV_PREFIX}COMMITTEE_{name}: {error}") from None
        return self

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite:///FILE or postgresql://USER:PASS@HOST/DB")
        if value.startswith("postgresql+asyncpg://"):
            from sqlalchemy.engine import make_url

            from db.engine import asyncpg_connect_args

            try:
                asyncpg_connect_args(make_url(value))  # sslmode=…, sslrootcert=… checked now
            except (ValueError, OSError) as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("objection_decision_working_days")
    @classmethod
    def _after_escalation(cls, value: int, info: ValidationInfo) -> int:
        escalation = info.data.get("objection_escalation_working_days")
        if isinstance(escalation, int) and value <= escalation:
            raise ValueError(
                f"must be more than MUTASI_OBJECTION_ESCALATION_WORKING_DAYS ({escalation})"
            )
        return value

    @field_validator("freeze_window", "election_freeze", "inauguration_freeze")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        problem = "use YYYY-MM-DD..YYYY-MM-DD with the first date not after the last"
        first, sep, last = value.partition("..")
        try:
            start, end = dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
        except ValueError:
            raise ValueError(problem) from None
        if not sep or end < start:
            raise ValueError(problem)
        return value.strip()

    @property
    def freeze_dates(self) -> tuple[dt.date, dt.date] | None:
        """The freeze window's first and last day (agency dates), or None."""
        if self.freeze_window is None:
            return None
        first, _, last = self.freeze_window.partition("..")
        return dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())

    @property
    def election_freeze_windows(self) -> tuple[tuple[dt.date, dt.date], ...]:
        """The election and inauguration windows that are set (agency dates)."""
        found: list[tuple[dt.date, dt.date]] = []
        for text in (self.election_freeze, self.inauguration_freeze):
            if text:
                first, _, last = text.partition("..")
                found.append(
                    (dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip()))
                )
        return tuple(found)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The agency's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def approval_stages(self) -> tuple[str, ...]:
        """The approval chain, in order."""
        return tuple(s.strip() for s in self.approval_chain.split(",") if s.strip())

    def require_token(self) -> str:
        """The bot token, or a SettingsError naming the variable."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise SettingsError(
                f"{ENV_PREFIX}BOT_TOKEN is not set: put the bot's token there",
                "settings.token_missing",
            )
        return self.bot_token.get_secret_value().strip()


_opened: dict[str, str] = {}


def remember_database_url(url: str) -> None:
    """Note the database this run opens, so a connection failure can say where it was."""
    _opened["url"] = url


def last_database_url() -> str:
    """The database this run opened last (MUTASI_DATABASE_URL's default before any)."""
    import os

    return _opened.get("url") or os.environ.get(
        f"{ENV_PREFIX}DATABASE_URL", "sqlite:///mutasi.sqlite3"
    )


def load_settings(**overrides: object) -> Settings:
    """Read settings; any problem becomes one SettingsError line that names the variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
        remember_database_url(settings.database_url)
        return settings
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a rule across settings names its variables itself
            raise SettingsError(message, "settings.rule", {"detail": message}) from None
        name = ENV_PREFIX + str(first["loc"][0]).upper()
        raise SettingsError(
            f"{name}: {message}", "settings.invalid", {"name": name, "detail": message}
        ) from None
