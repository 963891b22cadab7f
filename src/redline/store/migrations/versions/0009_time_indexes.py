"""Indexes on the times the overview, metrics and late-shipping watch filter by.

``orders.paid_at``, ``refunds.applied_at``, ``refunds.completed_at`` and
``messages.time`` were scanned in full on every overview: with a 双11 backlog
(75k orders) the page took 19 s.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_orders_paid_at", "orders", "paid_at"),
    ("ix_refunds_applied_at", "refunds", "applied_at"),
    ("ix_refunds_completed_at", "refunds", "completed_at"),
    ("ix_messages_time", "messages", "time"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
