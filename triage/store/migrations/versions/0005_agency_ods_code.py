"""Agencies may carry their NHS ODS code (optional; its shape is checked by the directory model).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("ods_code", AutoString(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("ods_code")
