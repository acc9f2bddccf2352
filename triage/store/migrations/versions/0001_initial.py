"""initial store: organisations, users, directory, cases, referrals, consent, evidence, audit, API tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from triage.store.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", AutoString(length=64), nullable=True),
        sa.Column("actor_org_id", AutoString(length=64), nullable=True),
        sa.Column("action", AutoString(length=60), nullable=False),
        sa.Column("case_id", AutoString(length=64), nullable=True),
        sa.Column("referral_id", AutoString(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_case_id"), ["case_id"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("kind", AutoString(length=32), nullable=False),
        sa.Column("borough", AutoString(length=40), nullable=True),
        sa.Column("webhook_url", AutoString(length=500), nullable=True),
        sa.Column("webhook_secret", AutoString(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type", AutoString(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("target_url", AutoString(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", AutoString(length=1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "agencies",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("organisation_id", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("kind", AutoString(length=32), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("boroughs", sa.JSON(), nullable=False),
        sa.Column("pan_london", sa.Boolean(), nullable=False),
        sa.Column("national", sa.Boolean(), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("interpreters", sa.Boolean(), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("referral_method", AutoString(length=16), nullable=False),
        sa.Column("referral_address", AutoString(length=300), nullable=False),
        sa.Column("taking_referrals", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("organisation_id", AutoString(length=64), nullable=False),
        sa.Column("role", AutoString(length=16), nullable=False),
        sa.Column("key_prefix", AutoString(length=16), nullable=False),
        sa.Column("key_hash", AutoString(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_prefix"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", AutoString(length=200), nullable=False),
        sa.Column("organisation_id", AutoString(length=64), nullable=False),
        sa.Column("method_path", AutoString(length=300), nullable=False),
        sa.Column("request_hash", AutoString(length=80), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "organisation_id", name="uq_idempotency_key_org"),
    )
    op.create_table(
        "users",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("organisation_id", AutoString(length=64), nullable=False),
        sa.Column("email", AutoString(length=200), nullable=False),
        sa.Column("display_name", AutoString(length=200), nullable=False),
        sa.Column("role", AutoString(length=16), nullable=False),
        sa.Column("password_hash", AutoString(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("organisation_id", AutoString(length=64), nullable=False),
        sa.Column("created_by", AutoString(length=64), nullable=True),
        sa.Column("case_ref", AutoString(length=64), nullable=True),
        sa.Column("person_name", AutoString(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("contact_phone", AutoString(length=40), nullable=True),
        sa.Column("contact_email", AutoString(length=200), nullable=True),
        sa.Column("contact_address", AutoString(length=500), nullable=True),
        sa.Column("safe_contact", sa.JSON(), nullable=False),
        sa.Column("safe_contact_notes", AutoString(length=500), nullable=True),
        sa.Column("borough", AutoString(length=40), nullable=True),
        sa.Column("postcode_district", AutoString(length=4), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.Column("ruleset_name", AutoString(length=100), nullable=False),
        sa.Column("ruleset_version", AutoString(length=40), nullable=False),
        sa.Column("ruleset_hash", AutoString(length=80), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("case_id", AutoString(length=64), nullable=False),
        sa.Column("purpose", AutoString(length=32), nullable=False),
        sa.Column("recipient_org_id", AutoString(length=64), nullable=True),
        sa.Column("recipient_name", AutoString(length=200), nullable=True),
        sa.Column("given_by", AutoString(length=200), nullable=True),
        sa.Column("taken_by", AutoString(length=64), nullable=False),
        sa.Column("given_at", UTCDateTime(), nullable=False),
        sa.Column("feedback_agreed", sa.Boolean(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by", AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recipient_org_id"],
            ["organisations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["taken_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_case_id"), ["case_id"], unique=False)

    op.create_table(
        "needs",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("case_id", AutoString(length=64), nullable=False),
        sa.Column("area", AutoString(length=40), nullable=False),
        sa.Column("issue", AutoString(length=80), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("urgency", AutoString(length=16), nullable=False),
        sa.Column("first_deadline", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_case_id"), ["case_id"], unique=False)

    op.create_table(
        "medical_evidence_requests",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("case_id", AutoString(length=64), nullable=False),
        sa.Column("need_id", AutoString(length=64), nullable=True),
        sa.Column("purpose", AutoString(length=40), nullable=False),
        sa.Column("clinician", AutoString(length=200), nullable=True),
        sa.Column("consent_id", AutoString(length=64), nullable=False),
        sa.Column("deadline_id", AutoString(length=120), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("chase_every_days", sa.Integer(), nullable=False),
        sa.Column("chased_on", sa.JSON(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("created_by", AutoString(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "need_rules",
        sa.Column("need_id", AutoString(length=64), nullable=False),
        sa.Column("rule_id", AutoString(length=120), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
        ),
        sa.PrimaryKeyConstraint("need_id", "rule_id"),
    )
    with op.batch_alter_table("need_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_rules_rule_id"), ["rule_id"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("case_id", AutoString(length=64), nullable=False),
        sa.Column("need_id", AutoString(length=64), nullable=False),
        sa.Column("agency_id", AutoString(length=64), nullable=False),
        sa.Column("referrer_org_id", AutoString(length=64), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("match_reasons", sa.JSON(), nullable=False),
        sa.Column("consent_id", AutoString(length=64), nullable=True),
        sa.Column("previous_referral_id", AutoString(length=64), nullable=True),
        sa.Column("decline_code", AutoString(length=32), nullable=True),
        sa.Column("decline_text", AutoString(length=500), nullable=True),
        sa.Column("created_by", AutoString(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_by", AutoString(length=64), nullable=True),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["referrer_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_need_id"), ["need_id"], unique=False)

    op.create_table(
        "unmet_needs",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("need_id", AutoString(length=64), nullable=False),
        sa.Column("case_id", AutoString(length=64), nullable=False),
        sa.Column("borough", AutoString(length=40), nullable=True),
        sa.Column("area", AutoString(length=40), nullable=False),
        sa.Column("issue", AutoString(length=80), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("reason", AutoString(length=32), nullable=False),
        sa.Column("detail", AutoString(length=500), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unmet_needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unmet_needs_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unmet_needs_need_id"), ["need_id"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("referral_id", AutoString(length=64), nullable=False),
        sa.Column("outcome", AutoString(length=32), nullable=False),
        sa.Column("first_contact_on", sa.Date(), nullable=True),
        sa.Column("income_gained_pounds", sa.Integer(), nullable=True),
        sa.Column("debt_written_off_pounds", sa.Integer(), nullable=True),
        sa.Column("home_kept", sa.Boolean(), nullable=True),
        sa.Column("eviction_prevented", sa.Boolean(), nullable=True),
        sa.Column("notes", AutoString(length=1000), nullable=True),
        sa.Column("recorded_by", AutoString(length=64), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("referral_id"),
    )
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", AutoString(length=64), nullable=False),
        sa.Column("from_status", AutoString(length=16), nullable=True),
        sa.Column("to_status", AutoString(length=16), nullable=False),
        sa.Column("actor_user_id", AutoString(length=64), nullable=True),
        sa.Column("actor_org_id", AutoString(length=64), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_events_referral_id"), ["referral_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_events_referral_id"))

    op.drop_table("referral_events")
    op.drop_table("outcomes")
    with op.batch_alter_table("unmet_needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unmet_needs_need_id"))
        batch_op.drop_index(batch_op.f("ix_unmet_needs_case_id"))

    op.drop_table("unmet_needs")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_need_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_case_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("need_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_rules_rule_id"))

    op.drop_table("need_rules")
    op.drop_table("medical_evidence_requests")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_case_id"))

    op.drop_table("needs")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_case_id"))

    op.drop_table("consents")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id"))

    op.drop_table("cases")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_organisation_id"))

    op.drop_table("users")
    op.drop_table("idempotency_records")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_organisation_id"))

    op.drop_table("api_keys")
    op.drop_table("agencies")
    op.drop_table("outbox_events")
    op.drop_table("organisations")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_case_id"))

    op.drop_table("audit_log")
