"""Initial schema: exports, cases with clocks and append-only history, registers.

Revision ID: 0001
Revises: -
Create Date: 2026-11-22 21:13:22.713687
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import redline.store.types
from redline.store.triggers import append_only, drop_append_only

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("order_no", sa.String(length=40), nullable=True),
        sa.Column("refund_no", sa.String(length=40), nullable=True),
        sa.Column("buyer_nick", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reason_code", sa.String(length=40), nullable=True),
        sa.Column("paid_amount", redline.store.types.Money(), nullable=True),
        sa.Column("refund_amount", redline.store.types.Money(), nullable=True),
        sa.Column("exposure", redline.store.types.Money(), nullable=True),
        sa.Column("advice", sa.Text(), nullable=True),
        sa.Column("tracking_no", sa.String(length=60), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("opened_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_clock", sa.String(length=30), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("refund_no"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_cases_open_due", ["closed_at", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_order_no"), ["order_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_state"), ["state"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("buyer_nick", sa.String(length=120), nullable=True),
        sa.Column("order_no", sa.String(length=40), nullable=True),
        sa.Column("started_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shop", sa.JSON(), nullable=False),
        sa.Column("order", sa.JSON(), nullable=False),
        sa.Column("row_hash", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversations_buyer_nick"), ["buyer_nick"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_conversations_order_no"), ["order_no"], unique=False)

    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("order_no", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=True),
        sa.Column("created_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handoff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoff_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoff_kind"), ["kind"], unique=False)

    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("finished_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_no", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("price", redline.store.types.Money(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("outer_id", sa.String(length=120), nullable=True),
        sa.Column("sku", sa.Text(), nullable=True),
        sa.Column("package", sa.Text(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=60), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("row_hash", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_no", "position"),
    )
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_items_order_no"), ["order_no"], unique=False)

    op.create_table(
        "orders",
        sa.Column("order_no", sa.String(length=40), nullable=False),
        sa.Column("buyer_nick", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=60), nullable=True),
        sa.Column("goods_amount", redline.store.types.Money(), nullable=True),
        sa.Column("shipping_fee", redline.store.types.Money(), nullable=True),
        sa.Column("total_amount", redline.store.types.Money(), nullable=True),
        sa.Column("paid_amount", redline.store.types.Money(), nullable=True),
        sa.Column("created_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paid_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("receiver_name", sa.String(length=120), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("shipping_method", sa.String(length=60), nullable=True),
        sa.Column("tracking_no", sa.String(length=60), nullable=True),
        sa.Column("carrier", sa.String(length=60), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("buyer_message", sa.Text(), nullable=True),
        sa.Column("seller_memo", sa.Text(), nullable=True),
        sa.Column("shop_name", sa.String(length=120), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("refund_amount", redline.store.types.Money(), nullable=True),
        sa.Column("invoice_title", sa.Text(), nullable=True),
        sa.Column("presale", sa.Boolean(), nullable=False),
        sa.Column("cod", sa.Boolean(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("row_hash", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("order_no"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_buyer_nick"), ["buyer_nick"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_tracking_no"), ["tracking_no"], unique=False)

    op.create_table(
        "refunds",
        sa.Column("refund_no", sa.String(length=40), nullable=False),
        sa.Column("order_no", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=60), nullable=False),
        sa.Column("applied_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("alipay_no", sa.String(length=80), nullable=True),
        sa.Column("buyer_nick", sa.String(length=120), nullable=True),
        sa.Column("paid_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("item_code", sa.String(length=120), nullable=True),
        sa.Column("paid_amount", redline.store.types.Money(), nullable=True),
        sa.Column("refund_amount", redline.store.types.Money(), nullable=True),
        sa.Column("need_return", sa.Boolean(), nullable=False),
        sa.Column("timeout_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("goods_status", sa.String(length=60), nullable=True),
        sa.Column("dispute_status", sa.String(length=60), nullable=True),
        sa.Column("return_tracking_no", sa.String(length=60), nullable=True),
        sa.Column("return_carrier", sa.String(length=60), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "buyer_returned_at", redline.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("phase", sa.String(length=20), nullable=True),
        sa.Column("after_sale_type", sa.String(length=60), nullable=True),
        sa.Column("seller_memo", sa.Text(), nullable=True),
        sa.Column("completed_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("partial", sa.Boolean(), nullable=True),
        sa.Column("responsible", sa.String(length=60), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("row_hash", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("refund_no"),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refunds_order_no"), ["order_no"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_refunds_return_tracking_no"), ["return_tracking_no"], unique=False
        )

    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tracking_no", sa.String(length=60), nullable=False),
        sa.Column("carrier", sa.String(length=60), nullable=True),
        sa.Column("buyer_nick", sa.String(length=120), nullable=True),
        sa.Column("order_no", sa.String(length=40), nullable=True),
        sa.Column("refund_no", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("postage_paid_by", sa.String(length=20), nullable=True),
        sa.Column("shipped_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("registered_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("refund_no"),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_returns_order_no"), ["order_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_returns_tracking_no"), ["tracking_no"], unique=False)

    op.create_table(
        "case_clocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=30), nullable=False),
        sa.Column("due_at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "clock"),
    )
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_clocks_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_clocks_due_at"), ["due_at"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", redline.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("account", sa.String(length=120), nullable=True),
        sa.Column("time", redline.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "position"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_messages_conversation_id"), ["conversation_id"], unique=False
        )

    append_only("case_events")


def downgrade() -> None:
    drop_append_only("case_events")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_conversation_id"))

    op.drop_table("messages")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_case_id"))

    op.drop_table("case_events")
    with op.batch_alter_table("case_clocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_clocks_due_at"))
        batch_op.drop_index(batch_op.f("ix_case_clocks_case_id"))

    op.drop_table("case_clocks")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_returns_tracking_no"))
        batch_op.drop_index(batch_op.f("ix_returns_order_no"))

    op.drop_table("returns")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refunds_return_tracking_no"))
        batch_op.drop_index(batch_op.f("ix_refunds_order_no"))

    op.drop_table("refunds")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_tracking_no"))
        batch_op.drop_index(batch_op.f("ix_orders_status"))
        batch_op.drop_index(batch_op.f("ix_orders_buyer_nick"))

    op.drop_table("orders")
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_items_order_no"))

    op.drop_table("order_items")
    op.drop_table("import_runs")
    with op.batch_alter_table("handoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_kind"))
        batch_op.drop_index(batch_op.f("ix_handoff_closed_at"))

    op.drop_table("handoff")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_order_no"))
        batch_op.drop_index(batch_op.f("ix_conversations_buyer_nick"))

    op.drop_table("conversations")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_state"))
        batch_op.drop_index(batch_op.f("ix_cases_order_no"))
        batch_op.drop_index("ix_cases_open_due")
        batch_op.drop_index(batch_op.f("ix_cases_kind"))
        batch_op.drop_index(batch_op.f("ix_cases_due_at"))

    op.drop_table("cases")
