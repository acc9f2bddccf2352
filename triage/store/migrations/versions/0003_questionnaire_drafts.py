"""Questionnaire drafts in the store (they were JSON files under var/, which did not follow
a link worker across workers or hosts).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from triage.store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questionnaire_drafts",
        sa.Column("code_hash", AutoString(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("lang", AutoString(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index("ix_questionnaire_drafts_updated_at", "questionnaire_drafts", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_questionnaire_drafts_updated_at", table_name="questionnaire_drafts")
    op.drop_table("questionnaire_drafts")
