"""Exam results: one row per sitting, per agent, with sections, weak categories and answers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from redline.store.types import Money, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exam_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("score", Money(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("typing_cpm", sa.Integer(), nullable=True),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("weak", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("taken_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exam_results_agent_taken", "exam_results", ["agent", "taken_at"])


def downgrade() -> None:
    op.drop_index("ix_exam_results_agent_taken", table_name="exam_results")
    op.drop_table("exam_results")
