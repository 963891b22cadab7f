"""Chats: response gaps between a buyer's message and the agent's reply, inquiries, and their conversion to orders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redline.records.metrics.rows import Chat, OrderRecord
from redline.records.metrics.settings import MetricsSettings
from redline.records.metrics.window import Ratio, Window

# --- chats: response gaps and inquiries -----------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A buyer waiting: from ``asked_at`` until ``agent`` replied at ``answered_at``."""

    asked_at: datetime
    agent: str | None  # None: never answered
    answered_at: datetime | None
    first: bool  # opened by the buyer's first message in the chat

    @property
    def seconds(self) -> float | None:
        if self.answered_at is None:
            return None
        return max(0.0, (self.answered_at - self.asked_at).total_seconds())


def response_gaps(chat: Chat) -> list[Gap]:
    """Every wait in a chat, in order (see the module doc for the rules)."""
    out: list[Gap] = []
    pending: datetime | None = None
    seen_buyer = False
    first_open = False
    for e in chat.events:
        if e.at is None or e.role not in ("buyer", "agent"):
            continue
        if e.role == "buyer":
            if pending is None:
                pending = e.at
                first_open = not seen_buyer
            seen_buyer = True
        elif pending is not None:
            out.append(Gap(pending, e.account or "", e.at, first_open))
            pending = None
    if pending is not None:
        out.append(Gap(pending, None, None, first_open))
    return out


@dataclass(frozen=True)
class Inquiry:
    """A pre-sale chat credited to ``agent``; ``converted_at`` is the payment, if any."""

    chat_id: str
    buyer: str
    agent: str
    at: datetime
    converted_at: datetime | None
    order_no: str | None  # the order that converted it

    def to_dict(self) -> dict[str, Any]:
        return {
            "chat": self.chat_id,
            "buyer": self.buyer,
            "agent": self.agent,
            "at": self.at.isoformat(),
            "converted_at": None if self.converted_at is None else self.converted_at.isoformat(),
            "order_no": self.order_no,
        }


def first_gap(gaps: Iterable[Gap]) -> Gap | None:
    for gap in gaps:
        if gap.first:
            return gap
    return None


def order_lookup_needs(chats: Iterable[Chat], window: Window) -> tuple[set[str], set[str]]:
    """The buyers and linked orders whose paid orders :func:`inquiries` needs to see."""
    buyers: set[str] = set()
    orders: set[str] = set()
    for chat in chats:
        gap = first_gap(response_gaps(chat))
        if gap is None or gap.agent is None or not window.contains(gap.asked_at):
            continue
        if chat.buyer:
            buyers.add(chat.buyer)
        if chat.order_no:
            orders.add(chat.order_no)
    return buyers, orders


def order_lookup_span(window: Window, settings: MetricsSettings) -> tuple[datetime, datetime]:
    """Paid orders between these instants (inclusive) decide every inquiry in ``window``."""
    return (
        window.start - timedelta(days=settings.after_sales_chat_days),
        window.end + timedelta(hours=settings.conversion_hours),
    )


def inquiries(
    chats: Iterable[Chat],
    orders: Iterable[OrderRecord],
    window: Window,
    settings: MetricsSettings,
) -> list[Inquiry]:
    """The window's pre-sale chats, their agent and whether they converted (module doc)."""
    pairs = ((chat, first_gap(response_gaps(chat))) for chat in chats)
    return chat_inquiries(pairs, orders, window, settings)


def chat_inquiries(
    pairs: Iterable[tuple[Chat, Gap | None]],
    orders: Iterable[OrderRecord],
    window: Window,
    settings: MetricsSettings,
) -> list[Inquiry]:
    by_buyer: dict[str, list[OrderRecord]] = defaultdict(list)
    by_no: dict[str, OrderRecord] = {}
    for o in orders:
        if o.paid_at is None:
            continue
        by_no[o.order_no] = o
        if o.buyer:
            by_buyer[o.buyer].append(o)
    lookback = timedelta(days=settings.after_sales_chat_days)
    horizon = timedelta(hours=settings.conversion_hours)
    out: list[Inquiry] = []
    for chat, gap in pairs:
        if gap is None or gap.agent is None or not window.contains(gap.asked_at):
            continue
        t = gap.asked_at
        linked = by_no.get(chat.order_no) if chat.order_no else None
        if linked is not None and linked.paid_at is not None and linked.paid_at < t:
            continue  # about an order already paid: after-sales
        mine = list(by_buyer.get(chat.buyer, [])) if chat.buyer else []
        if lookback and any(o.paid_at is not None and t - lookback <= o.paid_at < t for o in mine):
            continue  # the buyer paid recently: after-sales
        if linked is not None and linked not in mine:
            mine.append(linked)
        first = min(
            (
                (o.paid_at, o.order_no)
                for o in mine
                if o.paid_at is not None and t <= o.paid_at <= t + horizon
            ),
            default=None,
        )
        key = chat.buyer or (f"order:{chat.order_no}" if chat.order_no else f"chat:{chat.id}")
        out.append(
            Inquiry(
                chat_id=chat.id,
                buyer=key,
                agent=gap.agent,
                at=t.astimezone(window.tz),
                converted_at=None if first is None else first[0].astimezone(window.tz),
                order_no=None if first is None else first[1],
            )
        )
    return out


def conversion(found: Iterable[Inquiry]) -> Ratio:
    """Distinct buyers who converted / distinct buyers with an inquiry."""
    buyers: dict[str, bool] = {}
    for q in found:
        buyers[q.buyer] = buyers.get(q.buyer, False) or q.converted_at is not None
    return Ratio(sum(buyers.values()), len(buyers))
