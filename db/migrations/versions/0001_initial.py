"""Initial schema: organisation, people, ABK, registration, aspirations, plans, approvals,
outbox, evaluations, audit and open dialogues.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None

# Written out here (not imported from db.rows) so this revision never changes after release.
UTC_TIME = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
NIP = sa.String(32)
CODE = sa.String(64)
NAME = sa.String(255)

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
        sa.Column("unit_code", CODE, nullable=False),
        sa.Column("jabatan", NAME, nullable=False),
        sa.Column("golongan", sa.String(16), nullable=False),
        sa.Column("tmt_unit", sa.Date(), nullable=False),
        sa.Column("retirement_age", sa.Integer(), nullable=False),
        sa.Column("skills", JSON_DOC, nullable=False),
        sa.Column("home_lat", sa.Float(), nullable=True),
        sa.Column("home_lon", sa.Float(), nullable=True),
        sa.Column("spouse_nip", NIP, nullable=True),
        sa.Column("lock_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["units.code"], name="fk_employees_unit_code_units"
        ),
        sa.PrimaryKeyConstraint("nip", name="pk_employees"),
    )
    op.create_index("ix_employees_unit_code", "employees", ["unit_code"])

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", CODE, nullable=False),
        sa.Column("jabatan", NAME, nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("output_unit", NAME, nullable=False),
        sa.Column("minutes_per_output", sa.Float(), nullable=False),
        sa.Column("annual_volume", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["units.code"], name="fk_activities_unit_code_units"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
        sa.UniqueConstraint(
            "unit_code", "jabatan", "name", name="uq_activities_unit_code_jabatan_name"
        ),
    )

    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nip", NIP, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope_kind", sa.String(8), nullable=False),
        sa.Column("scope_value", NAME, server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["nip"], ["employees.nip"], name="fk_role_grants_nip_employees", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_role_grants"),
        sa.UniqueConstraint(
            "nip",
            "role",
            "scope_kind",
            "scope_value",
            name="uq_role_grants_nip_role_scope_kind_scope_value",
        ),
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
        sa.ForeignKeyConstraint(
            ["nip"], ["employees.nip"], name="fk_telegram_accounts_nip_employees"
        ),
        sa.PrimaryKeyConstraint("telegram_user_id", name="pk_telegram_accounts"),
    )
    op.create_index("ix_telegram_accounts_nip", "telegram_accounts", ["nip"])
    op.create_index("ix_telegram_accounts_chat_id", "telegram_accounts", ["chat_id"])

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("nip", NIP, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("created_by", NIP, nullable=True),
        sa.Column("used_at", UTC_TIME, nullable=True),
        sa.Column("used_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["nip"], ["employees.nip"], name="fk_invitations_nip_employees"),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.UniqueConstraint("code_hash", name="uq_invitations_code_hash"),
    )
    op.create_index("ix_invitations_nip", "invitations", ["nip"])

    op.create_table(
        "aspirations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nip", NIP, nullable=False),
        sa.Column("choices", JSON_DOC, nullable=False),
        sa.Column("work_wished", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("willingness", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.Column("withdrawn_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["nip"], ["employees.nip"], name="fk_aspirations_nip_employees"),
        sa.PrimaryKeyConstraint("id", name="pk_aspirations"),
    )
    op.create_index("ix_aspirations_nip", "aspirations", ["nip"])

    op.create_table(
        "workload_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", CODE, nullable=False),
        sa.Column("jabatan", NAME, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("reported_by", NIP, nullable=False),
        sa.Column("reported_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["units.code"], name="fk_workload_reports_unit_code_units"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_workload_reports"),
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
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["workload_reports.id"],
            name="fk_workload_report_volumes_report_id_workload_reports",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "activity_name", name="pk_workload_report_volumes"),
    )

    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("status_quo_objective", sa.Float(), nullable=False),
        sa.Column("bound", sa.Float(), nullable=False),
        sa.Column("solution", JSON_DOC, nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
    )
    op.create_index("ix_plans_plan_date", "plans", ["plan_date"])
    # One real plan per night: the second of two racing nightly runs fails on insert.
    op.create_index(
        "uq_plans_plan_date_real",
        "plans",
        ["plan_date"],
        unique=True,
        sqlite_where=sa.text("dry_run = 0"),
        postgresql_where=sa.text("NOT dry_run"),
    )

    op.create_table(
        "transfer_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("nip", NIP, nullable=False),
        sa.Column("from_unit", CODE, nullable=False),
        sa.Column("to_unit", CODE, nullable=False),
        sa.Column("explanation", JSON_DOC, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("tmt", sa.Date(), nullable=True),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name="fk_transfer_proposals_plan_id_plans"
        ),
        sa.ForeignKeyConstraint(
            ["nip"], ["employees.nip"], name="fk_transfer_proposals_nip_employees"
        ),
        sa.ForeignKeyConstraint(
            ["from_unit"], ["units.code"], name="fk_transfer_proposals_from_unit_units"
        ),
        sa.ForeignKeyConstraint(
            ["to_unit"], ["units.code"], name="fk_transfer_proposals_to_unit_units"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_proposals"),
    )
    op.create_index("ix_transfer_proposals_plan_id", "transfer_proposals", ["plan_id"])
    op.create_index("ix_transfer_proposals_nip", "transfer_proposals", ["nip"])
    op.create_index("ix_transfer_proposals_state", "transfer_proposals", ["state"])
    # At most one pending proposal per employee.
    op.create_index(
        "uq_transfer_proposals_nip_pending",
        "transfer_proposals",
        ["nip"],
        unique=True,
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    )

    op.create_table(
        "approval_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("approver_nip", NIP, nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["transfer_proposals.id"],
            name="fk_approval_decisions_proposal_id_transfer_proposals",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_approval_decisions"),
        # One decision per stage: two approvers tapping at once record one.
        sa.UniqueConstraint(
            "proposal_id", "stage", name="uq_approval_decisions_proposal_id_stage"
        ),
    )

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME, nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("dedupe_key", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_messages_dedupe_key"),
    )
    op.create_index(
        "ix_outbox_messages_status_next_attempt_at",
        "outbox_messages",
        ["status", "next_attempt_at"],
    )

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("rater_nip", NIP, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rated_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_evaluations_score_range"),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["transfer_proposals.id"],
            name="fk_evaluations_proposal_id_transfer_proposals",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_evaluations"),
        sa.UniqueConstraint(
            "proposal_id", "rater_nip", "kind", name="uq_evaluations_proposal_id_rater_nip_kind"
        ),
    )
    op.create_index("ix_evaluations_proposal_id", "evaluations", ["proposal_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", NAME, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("before", JSON_DOC, nullable=True),
        sa.Column("after", JSON_DOC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
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
