"""Penalty notices imported from the platform: the notice's own number and the file.

``notice_no`` (处罚编号/违规编号) is unique when present, so importing a file of
notices twice cannot add one twice; ``source`` is the file a notice came from
(None for notices entered by hand).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:09:55.312502
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("penalty_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_no", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=200), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_penalty_notices_notice_no"), ["notice_no"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("penalty_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_penalty_notices_notice_no"))
        batch_op.drop_column("source")
        batch_op.drop_column("notice_no")
