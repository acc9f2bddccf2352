"""The link worker's journey in the browser: NHS number, safe times, code word and
communication needs on a case; how consent was taken, its expiry and review; why a
referral overrides the best match; a note of an evidence reply.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as t:
        t.add_column(sa.Column("safe_times", AutoString(length=200), nullable=True))
        t.add_column(sa.Column("code_word", AutoString(length=100), nullable=True))
        t.add_column(sa.Column("nhs_number", AutoString(length=10), nullable=True))
        t.add_column(sa.Column("communication", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("consents") as t:
        t.add_column(sa.Column("method", AutoString(length=16), nullable=True))
        t.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
        t.add_column(sa.Column("review_on", sa.Date(), nullable=True))
    with op.batch_alter_table("referrals") as t:
        t.add_column(sa.Column("override_reason", AutoString(length=500), nullable=True))
    with op.batch_alter_table("medical_evidence_requests") as t:
        t.add_column(sa.Column("reply_note", AutoString(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("medical_evidence_requests") as t:
        t.drop_column("reply_note")
    with op.batch_alter_table("referrals") as t:
        t.drop_column("override_reason")
    with op.batch_alter_table("consents") as t:
        for c in ("review_on", "expires_on", "method"):
            t.drop_column(c)
    with op.batch_alter_table("cases") as t:
        for c in ("communication", "nhs_number", "code_word", "safe_times"):
            t.drop_column(c)
