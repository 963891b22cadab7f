"""The metrics' rows from the store, aggregated in SQL where it can be.

Orders and refunds are counted and summed by the database, grouped by China day
(and by 客服介入状态 for refunds, which :mod:`redline.records.metrics` then reads with
:func:`redline.desk.cases._intervening`), so a month of 100,000 orders comes back as a
few dozen rows; so are findings (per agent, category, status and day, joined to
their message so that only findings on agent messages count). Chats are read
message by message — a response gap depends on the messages before it, which SQL
could only say with nested window functions — but only the conversations with a
message in the window, with their times read by :class:`_Instant` rather than the
store's slower type. The paid orders that decide inquiries come in two queries
driven by the same conversations. The arithmetic is :mod:`redline.records.metrics`'s.

The China day of a UTC timestamp: PostgreSQL converts with the zone itself
(``timezone('Asia/Shanghai', t)``); SQLite, which stores naive UTC, adds the zone's
UTC offset at the window's start — exact for China time, which has had no daylight
saving since 1991. Durations are whole seconds (the exports' resolution).

The filters are on ``orders.paid_at``, ``refunds.applied_at`` / ``completed_at`` and
``messages.time``, which have no index yet: each query scans its table once, which
is fine for a year of a big shop on SQLite (well under a second per table); an index
on each would make long histories cheaper.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Dialect,
    String,
    and_,
    distinct,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from redline.records.metrics import (
    Chat,
    ChatEvent,
    FindingGroup,
    MetricsReport,
    MetricsSettings,
    OrderDay,
    OrderRecord,
    RefundGroup,
    Window,
    build_report,
    order_lookup_span,
)
from redline.store.models import ChatMessage, Conversation, Order, Refund, StoredFinding


def metrics_report(
    s: Session,
    window: Window,
    settings: MetricsSettings,
    *,
    agent: str | None = None,
    agents: bool = True,
) -> MetricsReport:
    """Every metric of ``window`` from the store (``agent``: see :func:`build_report`).

    ``agents=False`` skips the chats (the costly part on a big store): the shop's
    metrics and the daily order and refund columns only, agent rows empty.
    """
    day_of = _day_expr(s, window)
    days, buyers = order_days(s, window, day_of)
    applied, completed = refund_groups(s, window, day_of)
    chats: list[Chat] = []
    findings: list[FindingGroup] = []
    orders: list[OrderRecord] = []
    if agents:
        chats = load_chats(s, window)
        findings = finding_groups(s, window, day_of)
        orders = chat_orders(s, window, *order_lookup_span(window, settings))
    return build_report(
        window,
        settings,
        order_days=days,
        paying_buyers=buyers,
        refunds_applied=applied,
        refunds_completed=completed,
        chats=chats,
        findings=findings,
        orders=orders,
        agent=agent,
    )


# --- the China day in SQL ------------------------------------------------------------------


class _DayOf:
    """``day_of(column)`` → a SQL expression for the column's China date as 'YYYY-MM-DD'."""

    def __init__(self, dialect: str, window: Window) -> None:
        self.dialect = dialect
        self.zone = window.tz.key
        offset = window.start.astimezone(window.tz).utcoffset()
        self.minutes = int(offset.total_seconds() // 60) if offset is not None else 0

    def __call__(self, column: Any) -> ColumnElement[Any]:
        if self.dialect == "postgresql":
            return func.to_char(func.timezone(self.zone, column), "YYYY-MM-DD")
        return func.date(column, f"{self.minutes:+d} minutes")


def _day_expr(s: Session, window: Window) -> _DayOf:
    return _DayOf(s.get_bind().dialect.name, window)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _seconds(s: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole seconds between two timestamp columns."""
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later) - func.extract("epoch", earlier)
    return func.strftime("%s", later) - func.strftime("%s", earlier)


def _in_window(column: Any, window: Window) -> ColumnElement[bool]:
    return and_(column >= window.start, column < window.end)


# --- orders and refunds --------------------------------------------------------------------


def order_days(s: Session, window: Window, day_of: _DayOf) -> tuple[list[OrderDay], int]:
    """Orders paid in the window per China day (count, GMV, buyers), and buyers overall."""
    amount = func.coalesce(Order.paid_amount, Order.total_amount)
    day = day_of(Order.paid_at).label("day")
    where = _in_window(Order.paid_at, window)
    rows = s.execute(
        select(
            day,
            func.count(),
            func.sum(amount).label("gmv"),
            func.count(distinct(Order.buyer_nick)),
        )
        .where(where)
        .group_by(day)
        .order_by(day)
    ).all()
    buyers = s.scalar(select(func.count(distinct(Order.buyer_nick))).where(where)) or 0
    days = [
        OrderDay(_date(d), int(n), gmv if gmv is not None else Decimal("0.00"), int(b))
        for d, n, gmv, b in rows
    ]
    return days, int(buyers)


def refund_groups(
    s: Session, window: Window, day_of: _DayOf
) -> tuple[list[RefundGroup], list[RefundGroup]]:
    """Refunds applied in the window and refunds completed in it, per day and 介入状态."""
    applied_day = day_of(Refund.applied_at).label("day")
    applied = s.execute(
        select(applied_day, Refund.dispute_status, func.count())
        .where(_in_window(Refund.applied_at, window))
        .group_by(applied_day, Refund.dispute_status)
    ).all()
    done_day = day_of(Refund.completed_at).label("day")
    completed = s.execute(
        select(
            done_day,
            Refund.dispute_status,
            func.count(),
            func.sum(_seconds(s, Refund.completed_at, Refund.applied_at)),
        )
        .where(_in_window(Refund.completed_at, window))
        .group_by(done_day, Refund.dispute_status)
    ).all()
    return (
        [RefundGroup(_date(d), st, int(n)) for d, st, n in applied],
        [RefundGroup(_date(d), st, int(n), round(secs or 0)) for d, st, n, secs in completed],
    )


# --- chats, findings and the orders that decide inquiries -----------------------------------


def _touched(window: Window) -> Any:
    """Ids of the conversations with a message in the window."""
    # No DISTINCT: IN (…) ignores duplicates, and without it SQLite scans the table
    # instead of walking an index row by row.
    return (
        select(ChatMessage.conversation_id)
        .where(_in_window(ChatMessage.time, window))
        .scalar_subquery()
    )


class _Instant(TypeDecorator[datetime]):
    """Read-only and fast: a stored UTC time as an aware UTC datetime.

    The store's own type parses SQLite's text with a regular expression per row;
    ``datetime.fromisoformat`` does the same in C, which matters over 100,000 messages.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def _instant(column: Any) -> Any:
    return type_coerce(column, _Instant())


def load_chats(s: Session, window: Window) -> list[Chat]:
    """Conversations with a message in the window, every message in order."""
    rows = s.execute(
        select(
            Conversation.id,
            Conversation.buyer_nick,
            Conversation.order_no,
            ChatMessage.role,
            ChatMessage.account,
            _instant(ChatMessage.time),
        )
        .join(ChatMessage, ChatMessage.conversation_id == Conversation.id)
        .where(Conversation.id.in_(_touched(window)))
        .order_by(Conversation.id, ChatMessage.position)
        .execution_options(yield_per=5000)
    )
    return list(_group_chats(rows))


def _group_chats(rows: Iterable[Any]) -> Iterator[Chat]:
    current: tuple[str, str | None, str | None] | None = None
    events: list[ChatEvent] = []
    for cid, buyer, order_no, role, account, at in rows:
        if current is None or current[0] != cid:
            if current is not None:
                yield Chat(current[0], current[1], current[2], tuple(events))
            current, events = (cid, buyer, order_no), []
        events.append(ChatEvent(role, account, at))
    if current is not None:
        yield Chat(current[0], current[1], current[2], tuple(events))


def finding_groups(s: Session, window: Window, day_of: _DayOf) -> list[FindingGroup]:
    """Findings on agent messages in the window, by day, agent, category and status."""
    at = func.coalesce(StoredFinding.time, Conversation.started_at)
    day = day_of(at).label("day")
    rows = s.execute(
        select(
            day,
            StoredFinding.account,
            StoredFinding.category,
            StoredFinding.status,
            func.count(),
        )
        .join(Conversation, Conversation.id == StoredFinding.conversation_id)
        .join(
            ChatMessage,
            and_(
                ChatMessage.conversation_id == StoredFinding.conversation_id,
                ChatMessage.position == StoredFinding.message,
            ),
        )
        .where(ChatMessage.role == "agent", _in_window(at, window))
        .group_by(day, StoredFinding.account, StoredFinding.category, StoredFinding.status)
    ).all()
    return [FindingGroup(_date(d), a or "", c, st, int(n)) for d, a, c, st, n in rows]


def chat_orders(s: Session, window: Window, since: datetime, until: datetime) -> list[OrderRecord]:
    """The paid orders that decide the window's inquiries: those of every buyer with a
    chat in the window paid between ``since`` and ``until`` (inclusive), and the orders
    the chats are linked to whenever they were paid (a chat about an order paid long
    ago is still after-sales). A superset of what :func:`redline.records.metrics.inquiries`
    looks at, in two queries."""
    touched = _touched(window)
    columns = (Order.order_no, Order.buyer_nick, _instant(Order.paid_at), Order.paid_amount)
    by_buyer = select(*columns).where(
        Order.paid_at >= since,
        Order.paid_at <= until,
        Order.buyer_nick.in_(
            select(Conversation.buyer_nick).where(
                Conversation.id.in_(touched), Conversation.buyer_nick.is_not(None)
            )
        ),
    )
    by_number = select(*columns).where(
        Order.paid_at.is_not(None),
        Order.order_no.in_(
            select(Conversation.order_no).where(
                Conversation.id.in_(touched), Conversation.order_no.is_not(None)
            )
        ),
    )
    found: dict[str, OrderRecord] = {}
    for query in (by_buyer, by_number):
        for no, buyer, at, amount in s.execute(query):
            found[no] = OrderRecord(no, buyer, at, amount)
    return sorted(found.values(), key=lambda o: (o.paid_at or since, o.order_no))
