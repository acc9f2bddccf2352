"""Drafts sealed at rest, and browser sessions kept on the server (issue 21).

Drafts held their answers as plain JSON for 7 days; they are now sealed with a key made from
the resume code and expire with the idle timeout. Drafts saved before this revision are
deleted (they cannot be sealed without their codes, and they are long past the idle timeout).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from triage.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM questionnaire_drafts")
    with op.batch_alter_table("questionnaire_drafts") as batch:
        batch.drop_column("answers")
        batch.add_column(sa.Column("sealed", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", AutoString(length=64), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("user_id", AutoString(length=64), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"], unique=False)
    op.create_index("ix_web_sessions_updated_at", "web_sessions", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_web_sessions_updated_at", table_name="web_sessions")
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.execute("DELETE FROM questionnaire_drafts")
    with op.batch_alter_table("questionnaire_drafts") as batch:
        batch.drop_column("sealed")
        batch.add_column(sa.Column("answers", sa.JSON(), nullable=False, server_default="{}"))
