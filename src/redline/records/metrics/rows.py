"""The plain rows the store hands over, and the record-level aggregation the store does in SQL (here for plain records)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from redline.records.metrics.settings import ZERO
from redline.records.metrics.window import Window

# --- input rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderDay:
    """Orders paid on one China day: count, GMV, distinct paying buyers."""

    day: date
    paid_orders: int
    gmv: Decimal
    paying_buyers: int


@dataclass(frozen=True)
class RefundGroup:
    """Refunds of one China day with one 客服介入状态 (applied, or completed with durations)."""

    day: date
    dispute_status: str | None
    count: int
    seconds: int = 0  # completed refunds: Σ (completed_at − applied_at)


@dataclass(frozen=True)
class FindingGroup:
    """Stored findings on one agent's messages: one day, category and review status."""

    day: date
    agent: str
    category: str
    status: str
    count: int


@dataclass(frozen=True)
class OrderRecord:
    order_no: str
    buyer: str | None
    paid_at: datetime | None
    amount: Decimal | None = None


@dataclass(frozen=True)
class RefundRecord:
    refund_no: str
    applied_at: datetime
    completed_at: datetime | None = None
    dispute_status: str | None = None


@dataclass(frozen=True)
class FindingRecord:
    agent: str
    category: str
    status: str
    at: datetime


@dataclass(frozen=True)
class ChatEvent:
    role: str  # buyer | agent | system
    account: str | None
    at: datetime | None


@dataclass(frozen=True)
class Chat:
    """A conversation: its buyer, linked order and messages in order."""

    id: str
    buyer: str | None
    order_no: str | None
    events: tuple[ChatEvent, ...]


# --- record-level aggregation (what the store does in SQL) -----------------------------------


def order_days(records: Iterable[OrderRecord], window: Window) -> tuple[list[OrderDay], int]:
    """Orders paid in the window, per China day, and the distinct paying buyers overall."""
    count: dict[date, int] = defaultdict(int)
    gmv: dict[date, Decimal] = defaultdict(lambda: ZERO)
    buyers: dict[date, set[str]] = defaultdict(set)
    everyone: set[str] = set()
    for o in records:
        if not window.contains(o.paid_at):
            continue
        assert o.paid_at is not None
        day = window.day_of(o.paid_at)
        count[day] += 1
        gmv[day] += o.amount or ZERO
        if o.buyer:
            buyers[day].add(o.buyer)
            everyone.add(o.buyer)
    days = [OrderDay(d, count[d], gmv[d], len(buyers[d])) for d in sorted(count)]
    return days, len(everyone)


def refund_groups(
    records: Iterable[RefundRecord], window: Window
) -> tuple[list[RefundGroup], list[RefundGroup]]:
    """(applied in the window, completed in the window), per day and 客服介入状态."""
    applied: dict[tuple[date, str | None], int] = defaultdict(int)
    completed: dict[tuple[date, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        if window.contains(r.applied_at):
            applied[(window.day_of(r.applied_at), r.dispute_status)] += 1
        if r.completed_at is not None and window.contains(r.completed_at):
            acc = completed[(window.day_of(r.completed_at), r.dispute_status)]
            acc[0] += 1
            acc[1] += int((r.completed_at - r.applied_at).total_seconds())
    return (
        [RefundGroup(d, s, n) for (d, s), n in applied.items()],
        [RefundGroup(d, s, n, secs) for (d, s), (n, secs) in completed.items()],
    )


def finding_groups(records: Iterable[FindingRecord], window: Window) -> list[FindingGroup]:
    counts: dict[tuple[date, str, str, str], int] = defaultdict(int)
    for f in records:
        if window.contains(f.at):
            counts[(window.day_of(f.at), f.agent, f.category, f.status)] += 1
    return [FindingGroup(d, a, c, s, n) for (d, a, c, s), n in counts.items()]
