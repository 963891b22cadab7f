"""Penalty notices: deductions the platform notified, entered by hand, for the ledger.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:43:57.722564
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import redline.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "penalty_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=120), nullable=True),
        sa.Column("entered_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("penalty_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_penalty_notices_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("penalty_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_penalty_notices_at"))

    op.drop_table("penalty_notices")
