"""Typed table rows. Repositories map them to and from the dataclasses of core.domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from core.domain import JsonValue
from core.domain.plan_document import PlanDocument
from core.rebalance.documents import ExplanationDocument

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NIP = String(32)
CODE = String(64)
NAME = String(255)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the database stores aware times only")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names (Alembic relies on them)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UtcDateTime(),
        list[str]: JsonDocument,
    }


class UnitRow(Base):
    __tablename__ = "units"

    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    opd: Mapped[str] = mapped_column(NAME, index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    skills_needed: Mapped[list[str]]
    daerah_khusus: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    head_nip: Mapped[str | None] = mapped_column(NIP)


class EmployeeRow(Base):
    __tablename__ = "employees"

    nip: Mapped[str] = mapped_column(NIP, primary_key=True)
    name: Mapped[str] = mapped_column(NAME)
    status: Mapped[str] = mapped_column(String(8))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    jabatan: Mapped[str] = mapped_column(NAME)
    golongan: Mapped[str] = mapped_column(String(16))
    tmt_unit: Mapped[dt.date] = mapped_column(Date)
    retirement_age: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list[str]]
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    spouse_nip: Mapped[str | None] = mapped_column(NIP)
    lock_reason: Mapped[str | None] = mapped_column(Text)
    lock_kind: Mapped[str | None] = mapped_column(String(32))
    lock_until: Mapped[dt.date | None] = mapped_column(Date)
    contract_end: Mapped[dt.date | None] = mapped_column(Date)
    skp_1: Mapped[str | None] = mapped_column(String(32))
    skp_2: Mapped[str | None] = mapped_column(String(32))
    mapel: Mapped[str | None] = mapped_column(NAME)


class ActivityRow(Base):
    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("unit_code", "jabatan", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    jabatan: Mapped[str] = mapped_column(NAME)
    name: Mapped[str] = mapped_column(String(500))
    output_unit: Mapped[str] = mapped_column(NAME)
    minutes_per_output: Mapped[float] = mapped_column(Float)
    annual_volume: Mapped[float] = mapped_column(Float)
    mapel: Mapped[str | None] = mapped_column(NAME)


class JabatanRow(Base):
    """The jabatan catalogue (`jabatan.csv`): what kind of post, SIP, minimum months."""

    __tablename__ = "jabatan_catalogue"

    key: Mapped[str] = mapped_column(
        NAME, primary_key=True
    )  # core.domain.eligibility.catalogue_key
    jabatan: Mapped[str] = mapped_column(NAME)
    jenis: Mapped[str] = mapped_column(String(16))
    needs_sip: Mapped[bool] = mapped_column(Boolean)
    min_tenure_months: Mapped[int | None] = mapped_column(Integer)


class RoleGrantRow(Base):
    __tablename__ = "role_grants"
    # scope_value is '' (not NULL) for an unscoped grant so the unique constraint holds.
    __table_args__ = (UniqueConstraint("nip", "role", "scope_kind", "scope_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nip: Mapped[str] = mapped_column(ForeignKey("employees.nip", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    scope_kind: Mapped[str] = mapped_column(String(8))
    scope_value: Mapped[str] = mapped_column(NAME, server_default="")


class TelegramAccountRow(Base):
    __tablename__ = "telegram_accounts"

    telegram_user_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    nip: Mapped[str] = mapped_column(ForeignKey("employees.nip"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    blocked: Mapped[bool] = mapped_column(Boolean)
    # Telegram answered 403 (the person blocked the bot): not an unbinding; cleared by any
    # later update from them.
    undeliverable: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class InvitationRow(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    nip: Mapped[str] = mapped_column(ForeignKey("employees.nip"), index=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    created_by: Mapped[str | None] = mapped_column(NIP)
    used_at: Mapped[dt.datetime | None]
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    replaced_at: Mapped[dt.datetime | None]


class AspirationRow(Base):
    __tablename__ = "aspirations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nip: Mapped[str] = mapped_column(ForeignKey("employees.nip"), index=True)
    choices: Mapped[list[str]]
    work_wished: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))
    reason_text: Mapped[str] = mapped_column(Text)
    willingness: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    withdrawn_at: Mapped[dt.datetime | None]


class WorkloadReportRow(Base):
    __tablename__ = "workload_reports"
    __table_args__ = (Index(None, "unit_code", "jabatan", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    jabatan: Mapped[str] = mapped_column(NAME)
    month: Mapped[str] = mapped_column(String(7))
    reported_by: Mapped[str] = mapped_column(NIP)
    reported_at: Mapped[dt.datetime]
    required_fte: Mapped[float | None] = mapped_column(Float)
    previous_fte: Mapped[float | None] = mapped_column(Float)
    large_change: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    replaces_id: Mapped[int | None] = mapped_column(Integer)


class WorkloadVolumeRow(Base):
    __tablename__ = "workload_report_volumes"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("workload_reports.id", ondelete="CASCADE"), primary_key=True
    )
    activity_name: Mapped[str] = mapped_column(String(500), primary_key=True)
    volume: Mapped[float] = mapped_column(Float)


def unique_where(name: str, column: str, sqlite_where: str, postgresql_where: str) -> Index:
    """A unique index over COLUMN for the rows meeting a condition, written per dialect."""
    return Index(
        name,
        column,
        unique=True,
        sqlite_where=text(sqlite_where),
        postgresql_where=text(postgresql_where),
    )


class PlanRow(Base):
    __tablename__ = "plans"
    # One real plan per night: a second nightly run racing the first fails on insert.
    __table_args__ = (
        unique_where("uq_plans_plan_date_real", "plan_date", "dry_run = 0", "NOT dry_run"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_date: Mapped[dt.date] = mapped_column(Date, index=True)
    created_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(32))
    objective: Mapped[float] = mapped_column(Float)
    status_quo_objective: Mapped[float] = mapped_column(Float)
    bound: Mapped[float] = mapped_column(Float)
    solution: Mapped[PlanDocument] = mapped_column(JsonDocument)
    dry_run: Mapped[bool] = mapped_column(Boolean)


class TransferProposalRow(Base):
    __tablename__ = "transfer_proposals"
    # At most one pending proposal per employee: nobody is moved twice at once.
    __table_args__ = (
        unique_where(
            "uq_transfer_proposals_nip_pending", "nip", "state = 'pending'", "state = 'pending'"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    nip: Mapped[str] = mapped_column(ForeignKey("employees.nip"), index=True)
    from_unit: Mapped[str] = mapped_column(ForeignKey("units.code"))
    to_unit: Mapped[str] = mapped_column(ForeignKey("units.code"))
    explanation: Mapped[ExplanationDocument] = mapped_column(JsonDocument)
    state: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[int] = mapped_column(Integer)
    tmt: Mapped[dt.date | None] = mapped_column(Date)
    decided_at: Mapped[dt.datetime | None]
    butuh_sip: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    notice_delivered_at: Mapped[dt.datetime | None]
    objected_at: Mapped[dt.datetime | None]
    arrival_confirmed_at: Mapped[dt.datetime | None]
    arrival_confirmed_by: Mapped[str | None] = mapped_column(NIP)
    minister_letter_number: Mapped[str | None] = mapped_column(String(128))
    minister_letter_date: Mapped[dt.date | None] = mapped_column(Date)


class ApprovalDecisionRow(Base):
    __tablename__ = "approval_decisions"
    # One decision per stage: two approvers tapping at once record one.
    __table_args__ = (UniqueConstraint("proposal_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("transfer_proposals.id"))
    stage: Mapped[int] = mapped_column(Integer)
    approver_nip: Mapped[str] = mapped_column(NIP)
    approved: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime]


class OutboxMessageRow(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, JsonValue]] = mapped_column(JsonDocument)
    created_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The dispatcher process that marked the row "sending" (taken back when it is gone).
    claimed_by: Mapped[str | None] = mapped_column(String(64))


class InboxUpdateRow(Base):
    """An update from Telegram, stored before it is acknowledged; handled once."""

    __tablename__ = "inbox_updates"
    __table_args__ = (Index(None, "handled_at"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The update as Telegram sent it; emptied once handled (it holds people's messages).
    payload: Mapped[dict[str, JsonValue] | None] = mapped_column(JsonDocument)
    received_at: Mapped[dt.datetime]
    handled_at: Mapped[dt.datetime | None]


class InvitationAttemptRow(Base):
    """One invitation code typed by a Telegram account (for throttling guesses)."""

    __tablename__ = "invitation_attempts"
    __table_args__ = (Index(None, "telegram_user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime]


class EvaluationRow(Base):
    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("proposal_id", "rater_nip", "kind"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("transfer_proposals.id"), index=True)
    rater_nip: Mapped[str] = mapped_column(NIP)
    kind: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[dt.datetime]


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(NAME, index=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    before: Mapped[dict[str, JsonValue] | None] = mapped_column(JsonDocument)
    after: Mapped[dict[str, JsonValue] | None] = mapped_column(JsonDocument)


class DialogueRow(Base):
    __tablename__ = "dialogues"

    telegram_user_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    flow: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, JsonValue]] = mapped_column(JsonDocument)
    updated_at: Mapped[dt.datetime | None]


#: Every table, in an order that satisfies foreign keys (creation order).
class DelegationRow(Base):
    __tablename__ = "delegations"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="day_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    approver_nip: Mapped[str] = mapped_column(NIP, index=True)
    delegate_nip: Mapped[str] = mapped_column(NIP, index=True)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class CommitteeVoteRow(Base):
    __tablename__ = "committee_votes"
    # One vote per member and stage: a second tap (or two at once) records one.
    __table_args__ = (UniqueConstraint("proposal_id", "stage", "member_nip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("transfer_proposals.id"), index=True)
    stage: Mapped[int] = mapped_column(Integer)
    member_nip: Mapped[str] = mapped_column(NIP)
    approved: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    voted_at: Mapped[dt.datetime]


TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in Base.metadata.sorted_tables)
