"""Initial schema: organisation, people, ABK, registration, aspirations, plans, approvals,
outbox, evaluations, audit and open dialogues.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.migrations.columns import (
    CODE,
    JSON_DOC,
    NAME,
    NIP,
    UTC_TIME,
    create_id_table,
    create_stage_verdicts,
    create_unique_index_where,
    foreign_key,
    proposal_id,
    unique,
    unit_and_jabatan,
)

revision: str = "0001"
down_revision: str | None = None

TABLES_IN_CREATION_ORDER = (
    "units",
    "employees",
    "activities",
    "role_grants",
    "telegram_accounts",
    "invitations",
    "aspirations",
    "workload_reports",
    "workload_report_volumes",
    "plans",
    "transfer_proposals",
    "approval_decisions",
    "outbox_messages",
    "evaluations",
    "audit_events",
    "dialogues",
)


def upgrade() -> None:
    """Create every table, its constraints and indexes."""
    op.create_table(
        "units",
        sa.Column("code", CODE, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("opd", NAME, nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("skills_needed", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_units"),
    )
    op.create_index("ix_units_opd", "units", ["opd"])

    op.create_table(
        "employees",
        sa.Column("nip", NIP, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        *unit_and_jabatan("employees"),
        sa.Column("golongan", sa.String(16), nullable=False),
        sa.Column("tmt_unit", sa.Date(), nullable=False),
        sa.Column("retirement_age", sa.Integer(), nullable=False),
        sa.Column("skills", JSON_DOC, nullable=False),
        sa.Column("home_lat", sa.Float(), nullable=True),
        sa.Column("home_lon", sa.Float(), nullable=True),
        sa.Column("spouse_nip", NIP, nullable=True),
        sa.Column("lock_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("nip", name="pk_employees"),
    )
    op.create_index("ix_employees_unit_code", "employees", ["unit_code"])

    create_id_table(
        "activities",
        *unit_and_jabatan("activities"),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("output_unit", NAME, nullable=False),
        sa.Column("minutes_per_output", sa.Float(), nullable=False),
        sa.Column("annual_volume", sa.Float(), nullable=False),
        unique("activities", "unit_code", "jabatan", "name"),
    )

    create_id_table(
        "role_grants",
        sa.Column("nip", NIP, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope_kind", sa.String(8), nullable=False),
        sa.Column("scope_value", NAME, server_default="", nullable=False),
        foreign_key("role_grants", "nip", "employees.nip", ondelete="CASCADE"),
        unique("role_grants", "nip", "role", "scope_kind", "scope_value"),
    )
    op.create_index("ix_role_grants_nip", "role_grants", ["nip"])
    op.create_index("ix_role_grants_role", "role_grants", ["role"])

    op.create_table(
        "telegram_accounts",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("nip", NIP, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        foreign_key("telegram_accounts", "nip", "employees.nip"),
        sa.PrimaryKeyConstraint("telegram_user_id", name="pk_telegram_accounts"),
    )
    op.create_index("ix_telegram_accounts_nip", "telegram_accounts", ["nip"])
    op.create_index("ix_telegram_accounts_chat_id", "telegram_accounts", ["chat_id"])

    create_id_table(
        "invitations",
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("nip", NIP, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("created_by", NIP, nullable=True),
        sa.Column("used_at", UTC_TIME, nullable=True),
        sa.Column("used_by_telegram_id", sa.BigInteger(), nullable=True),
        foreign_key("invitations", "nip", "employees.nip"),
        unique("invitations", "code_hash"),
    )
    op.create_index("ix_invitations_nip", "invitations", ["nip"])

    create_id_table(
        "aspirations",
        sa.Column("nip", NIP, nullable=False),
        sa.Column("choices", JSON_DOC, nullable=False),
        sa.Column("work_wished", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("willingness", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("withdrawn_at", UTC_TIME, nullable=True),
        foreign_key("aspirations", "nip", "employees.nip"),
    )
    op.create_index("ix_aspirations_nip", "aspirations", ["nip"])

    create_id_table(
        "workload_reports",
        *unit_and_jabatan("workload_reports"),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("reported_by", NIP, nullable=False),
        sa.Column("reported_at", UTC_TIME, nullable=False),
    )
    op.create_index(
        "ix_workload_reports_unit_code_jabatan_month",
        "workload_reports",
        ["unit_code", "jabatan", "month"],
    )

    op.create_table(
        "workload_report_volumes",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("activity_name", sa.String(500), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        foreign_key(
            "workload_report_volumes", "report_id", "workload_reports.id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("report_id", "activity_name", name="pk_workload_report_volumes"),
    )

    create_id_table(
        "plans",
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("status_quo_objective", sa.Float(), nullable=False),
        sa.Column("bound", sa.Float(), nullable=False),
        sa.Column("solution", JSON_DOC, nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_plans_plan_date", "plans", ["plan_date"])
    # One real plan per night: the second of two racing nightly runs fails on insert.
    create_unique_index_where(
        "plans", "plan_date", "real", "dry_run = 0", postgresql_where="NOT dry_run"
    )

    create_id_table(
        "transfer_proposals",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("nip", NIP, nullable=False),
        sa.Column("from_unit", CODE, nullable=False),
        sa.Column("to_unit", CODE, nullable=False),
        sa.Column("explanation", JSON_DOC, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("tmt", sa.Date(), nullable=True),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        foreign_key("transfer_proposals", "plan_id", "plans.id"),
        foreign_key("transfer_proposals", "nip", "employees.nip"),
        foreign_key("transfer_proposals", "from_unit", "units.code"),
        foreign_key("transfer_proposals", "to_unit", "units.code"),
    )
    op.create_index("ix_transfer_proposals_plan_id", "transfer_proposals", ["plan_id"])
    op.create_index("ix_transfer_proposals_nip", "transfer_proposals", ["nip"])
    op.create_index("ix_transfer_proposals_state", "transfer_proposals", ["state"])
    # At most one pending proposal per employee.
    create_unique_index_where("transfer_proposals", "nip", "pending", "state = 'pending'")

    # One decision per stage: two approvers tapping at once record one.
    create_stage_verdicts(
        "approval_decisions", "approver_nip", "decided_at", "proposal_id", "stage"
    )

    create_id_table(
        "outbox_messages",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME, nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("dedupe_key", sa.String(255), nullable=True),
        unique("outbox_messages", "dedupe_key"),
    )
    op.create_index(
        "ix_outbox_messages_status_next_attempt_at",
        "outbox_messages",
        ["status", "next_attempt_at"],
    )

    create_id_table(
        "evaluations",
        proposal_id(),
        sa.Column("rater_nip", NIP, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rated_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_evaluations_score_range"),
        foreign_key("evaluations", "proposal_id", "transfer_proposals.id"),
        unique("evaluations", "proposal_id", "rater_nip", "kind"),
    )
    op.create_index("ix_evaluations_proposal_id", "evaluations", ["proposal_id"])

    create_id_table(
        "audit_events",
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", NAME, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("before", JSON_DOC, nullable=True),
        sa.Column("after", JSON_DOC, nullable=True),
    )
    op.create_index("ix_audit_events_subject", "audit_events", ["subject"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])

    op.create_table(
        "dialogues",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("flow", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("data", JSON_DOC, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("telegram_user_id", name="pk_dialogues"),
    )


def downgrade() -> None:
    """Drop every table (their indexes go with them), dependants first."""
    for table in reversed(TABLES_IN_CREATION_ORDER):
        op.drop_table(table)
