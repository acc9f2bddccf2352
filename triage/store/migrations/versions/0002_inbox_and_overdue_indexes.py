"""Indexes for the agency inbox (referrals by agency and status) and the overdue
evidence list (requests by case, not yet received).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_referrals_agency_status", "referrals", ["agency_id", "status"], unique=False)
    op.create_index("ix_evidence_case_received", "medical_evidence_requests", ["case_id", "received_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evidence_case_received", table_name="medical_evidence_requests")
    op.drop_index("ix_referrals_agency_status", table_name="referrals")
