"""Risk alerts: suspicious-order filings (one per order, final) and the alert push log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import redline.store.types
from redline.store.triggers import append_only, drop_append_only

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suspicious_filings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_no", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("warned_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.String(length=120), nullable=True),
        sa.Column("entered_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_no"),
    )
    with op.batch_alter_table("suspicious_filings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suspicious_filings_filed_at"), ["filed_at"], unique=False
        )

    op.create_table(
        "alert_pushes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=120), nullable=False),
        sa.Column("queued_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "severity", "channel"),
    )

    # A filing is final (000: 确认后无法修改): written once, never changed or removed.
    append_only("suspicious_filings")


def downgrade() -> None:
    drop_append_only("suspicious_filings")
    op.drop_table("alert_pushes")
    with op.batch_alter_table("suspicious_filings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suspicious_filings_filed_at"))

    op.drop_table("suspicious_filings")
