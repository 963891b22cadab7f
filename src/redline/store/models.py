"""The store's tables (SQLAlchemy 2.0 declarative).

Exports land in ``orders`` / ``order_items`` / ``refunds`` / ``conversations`` as
the shop exported them (cleaned and typed; unknown columns in ``extra``), each row
with a ``row_hash`` of its content so a second import of the same file is a no-op.
The after-sales desk works on ``cases`` (one per refund or incident), their
platform clocks (``case_clocks``), the append-only ``case_events`` history, the
``returns`` register and the shift ``handoff`` board.

The schema itself is created by the Alembic migrations in ``migrations/``; a test
checks that they and these models agree.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from redline.store.base import Base


class Order(Base):
    """A row of the order report (订单报表)."""

    __tablename__ = "orders"

    order_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    buyer_nick: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[str | None] = mapped_column(String(60), index=True)
    goods_amount: Mapped[Decimal | None]
    shipping_fee: Mapped[Decimal | None]
    total_amount: Mapped[Decimal | None]
    paid_amount: Mapped[Decimal | None]
    created_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None] = mapped_column(index=True)
    shipped_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    receiver_name: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    shipping_method: Mapped[str | None] = mapped_column(String(60))
    tracking_no: Mapped[str | None] = mapped_column(String(60), index=True)
    carrier: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int | None]
    buyer_message: Mapped[str | None] = mapped_column(Text)
    seller_memo: Mapped[str | None] = mapped_column(Text)
    shop_name: Mapped[str | None] = mapped_column(String(120))
    close_reason: Mapped[str | None] = mapped_column(Text)
    refund_amount: Mapped[Decimal | None]
    invoice_title: Mapped[str | None] = mapped_column(Text)
    presale: Mapped[bool] = mapped_column(default=False)
    cod: Mapped[bool] = mapped_column(default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    row_hash: Mapped[str] = mapped_column(String(40))


class OrderItem(Base):
    """A row of the item file (宝贝报表); ``position`` is its order within the order."""

    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_no", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(40), index=True)
    position: Mapped[int]
    title: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal | None]
    quantity: Mapped[int | None]
    outer_id: Mapped[str | None] = mapped_column(String(120))
    sku: Mapped[str | None] = mapped_column(Text)
    package: Mapped[str | None] = mapped_column(Text)
    memo: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(60))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    row_hash: Mapped[str] = mapped_column(String(40))


class Refund(Base):
    """A row of the refund report (退款管理 → 导出)."""

    __tablename__ = "refunds"

    refund_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_no: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(60))
    applied_at: Mapped[datetime] = mapped_column(index=True)
    alipay_no: Mapped[str | None] = mapped_column(String(80))
    buyer_nick: Mapped[str | None] = mapped_column(String(120))
    paid_at: Mapped[datetime | None]
    title: Mapped[str | None] = mapped_column(Text)
    item_code: Mapped[str | None] = mapped_column(String(120))
    paid_amount: Mapped[Decimal | None]
    refund_amount: Mapped[Decimal | None]
    need_return: Mapped[bool] = mapped_column(default=False)
    timeout_at: Mapped[datetime | None]
    goods_status: Mapped[str | None] = mapped_column(String(60))
    dispute_status: Mapped[str | None] = mapped_column(String(60))
    return_tracking_no: Mapped[str | None] = mapped_column(String(60), index=True)
    return_carrier: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    buyer_returned_at: Mapped[datetime | None]
    phase: Mapped[str | None] = mapped_column(String(20))
    after_sale_type: Mapped[str | None] = mapped_column(String(60))
    seller_memo: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    partial: Mapped[bool | None]
    responsible: Mapped[str | None] = mapped_column(String(60))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    row_hash: Mapped[str] = mapped_column(String(40))


class Conversation(Base):
    """An imported chat (formats.md conversation; messages in ``messages``)."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # qianniu_txt | jsonl
    buyer_nick: Mapped[str | None] = mapped_column(String(120), index=True)
    order_no: Mapped[str | None] = mapped_column(String(40), index=True)
    started_at: Mapped[datetime | None]
    shop: Mapped[dict[str, Any]] = mapped_column(default=dict)
    order: Mapped[dict[str, Any]] = mapped_column(default=dict)
    row_hash: Mapped[str] = mapped_column(String(40))
    # Hash of (row_hash, rule packs) when `redline qa` last checked it; None = never.
    qa_hash: Mapped[str | None] = mapped_column(String(40), index=True)

    messages: Mapped[list[ChatMessage]] = relationship(
        order_by="ChatMessage.position", cascade="all, delete-orphan"
    )


class ChatMessage(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    role: Mapped[str] = mapped_column(String(10))
    account: Mapped[str | None] = mapped_column(String(120))
    time: Mapped[datetime | None] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text)


class Case(Base):
    """An after-sales case: a refund, return, exchange, repair, lost or short/wrong shipment."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    order_no: Mapped[str | None] = mapped_column(String(40), index=True)
    refund_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    buyer_nick: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    paid_amount: Mapped[Decimal | None]
    refund_amount: Mapped[Decimal | None]
    exposure: Mapped[Decimal | None]  # compensation at stake (30 % × paid, capped)
    advice: Mapped[str | None] = mapped_column(Text)
    tracking_no: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)  # the earliest clock
    due_clock: Mapped[str | None] = mapped_column(String(30))

    clocks: Mapped[list[CaseClock]] = relationship(
        order_by="CaseClock.due_at", cascade="all, delete-orphan"
    )


class CaseClock(Base):
    """One platform clock running on a case in its current state."""

    __tablename__ = "case_clocks"
    __table_args__ = (UniqueConstraint("case_id", "clock"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    clock: Mapped[str] = mapped_column(String(30))  # dispute_opens, auto_refund, …
    due_at: Mapped[datetime] = mapped_column(index=True)


class CaseEvent(Base):
    """Append-only history: the database refuses UPDATE and DELETE on this table."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))  # an agent, or "import" for the export
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)


class ReturnEntry(Base):
    """The returns register: who sent which parcel back, why, who pays the postage."""

    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_no: Mapped[str] = mapped_column(String(60), index=True)
    carrier: Mapped[str | None] = mapped_column(String(60))
    buyer_nick: Mapped[str | None] = mapped_column(String(120))
    order_no: Mapped[str | None] = mapped_column(String(40), index=True)
    refund_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    postage_paid_by: Mapped[str | None] = mapped_column(String(20))  # buyer | seller | insurance
    shipped_at: Mapped[datetime | None]
    registered_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # refund_report | manual


class HandoffNote(Base):
    """The shift handoff board: the night shift logs, the morning shift closes."""

    __tablename__ = "handoff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    order_no: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_by: Mapped[str | None] = mapped_column(String(120))
    resolution: Mapped[str | None] = mapped_column(Text)


class StoredFinding(Base):
    """A finding of the guard on an imported conversation, and its review status."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("conversation_id", "message", "rule", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[int]
    account: Mapped[str | None] = mapped_column(String(120), index=True)  # the agent
    time: Mapped[datetime | None]
    category: Mapped[str] = mapped_column(String(30), index=True)
    rule: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(12))
    points: Mapped[int]
    start: Mapped[int]
    end: Mapped[int]
    evidence: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open|confirmed|dismissed|appealed
    found_at: Mapped[datetime]


class FindingReview(Base):
    """Append-only: who confirmed, dismissed or appealed a finding, when and why."""

    __tablename__ = "finding_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(12))  # confirm | dismiss | appeal
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)


class PenaltyNotice(Base):
    """A deduction the platform notified (entered by hand or imported), for the ledger."""

    __tablename__ = "penalty_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    points: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))  # general|commitment|misinformation|severe
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str | None] = mapped_column(String(120))
    entered_at: Mapped[datetime]
    # The platform's 处罚编号/违规编号 when the notice came with one (imports key on it).
    notice_no: Mapped[str | None] = mapped_column(String(80), index=True, unique=True)
    # The file a notice was imported from; None = entered by hand (`redline ledger add`).
    source: Mapped[str | None] = mapped_column(String(200))


class ImportRun(Base):
    """One import that changed the store (a no-op re-import leaves no row)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    finished_at: Mapped[datetime]
    accepted: Mapped[int]
    updated: Mapped[int]
    unchanged: Mapped[int]
    rejected: Mapped[int]


Index("ix_cases_open_due", Case.closed_at, Case.due_at)


class SuspiciousOrderFiling(Base):
    """How a 可疑订单 warning was handled in 规蜜 (000): once per order, final.

    ``outcome`` ``address_wrong`` / ``unreachable`` is a 备案 (the order need not ship;
    shipping it later voids the filing — read from ``orders.shipped_at``, nothing here
    changes); ``address_ok`` handles the warning without one. The database refuses a
    second row for an order and any UPDATE or DELETE.
    """

    __tablename__ = "suspicious_filings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_no: Mapped[str] = mapped_column(String(40), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))  # address_wrong | unreachable | address_ok
    reason: Mapped[str] = mapped_column(Text)
    warned_at: Mapped[datetime]  # start of the 15-day window (the payment)
    filed_at: Mapped[datetime] = mapped_column(index=True)
    filed_by: Mapped[str | None] = mapped_column(String(120))
    entered_at: Mapped[datetime]


class AlertPush(Base):
    """An alert queued for a robot: each (alert, severity, robot) is pushed once."""

    __tablename__ = "alert_pushes"
    __table_args__ = (UniqueConstraint("key", "severity", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(120))
    queued_at: Mapped[datetime]


class ExamResult(Base):
    """One sitting of the exam (a full paper or a category's practice) by one agent.

    ``sections`` holds each section's points and weight, ``weak`` the categories
    answered wrong (category → count), ``answers`` every item with the answer given
    and whether it was right; ``via`` says where it was taken (``cli`` / ``web``).
    """

    __tablename__ = "exam_results"
    __table_args__ = (Index("ix_exam_results_agent_taken", "agent", "taken_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(60))
    score: Mapped[Decimal]
    passed: Mapped[bool]
    level: Mapped[str | None] = mapped_column(String(20))
    typing_cpm: Mapped[int | None]
    sections: Mapped[dict[str, Any]] = mapped_column(default=dict)
    weak: Mapped[dict[str, Any]] = mapped_column(default=dict)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    via: Mapped[str] = mapped_column(String(10), default="cli")
    taken_at: Mapped[datetime]
