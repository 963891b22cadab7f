"""Metrics on a hand-computed fixture month (October 2026), on SQLite and PostgreSQL.

Every number asserted here is worked out by hand in the comments next to the fixture
and the asserts. The same rows also go through the pure functions of
:mod:`redline.records.metrics` (record-level aggregation instead of SQL): both paths must
give the same report.

Times are China time. Agents: MEI = 店:小美, XUE = 店:小雪.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from redline.guard.packs import load_rules
from redline.model import Conversation, Message, Order
from redline.records.metrics import (
    Chat,
    ChatEvent,
    FindingRecord,
    MetricsReport,
    MetricsSettings,
    OrderRecord,
    RefundRecord,
    Window,
    build_report,
    composite,
    finding_groups,
    order_days,
    order_lookup_needs,
    order_lookup_span,
    refund_groups,
    response_gaps,
)
from redline.store import session, writing
from redline.store.imports import import_chats
from redline.store.metrics import metrics_report
from redline.store.models import Order as OrderRow
from redline.store.models import Refund as RefundRow
from redline.store.models import StoredFinding

CN = ZoneInfo("Asia/Shanghai")
MEI = "店:小美"
XUE = "店:小雪"
SETTINGS = MetricsSettings.default()
MONTH = Window.between(date(2026, 10, 1), date(2026, 10, 31), CN)


def t(month: int, day: int, h: int = 0, m: int = 0, s: int = 0) -> datetime:
    return datetime(2026, month, day, h, m, s, tzinfo=CN)


# --- the fixture -----------------------------------------------------------------------------
#
# Orders: (order_no, buyer, paid_at, paid_amount, total_amount)
ORDERS: list[tuple[str, str, datetime | None, str | None, str | None]] = [
    ("O1", "A", t(10, 1, 10), "100.00", "100.00"),
    ("O2", "B", t(10, 2, 9), "200.00", "200.00"),
    ("O12", "K", t(10, 3, 0, 0, 0), "40.00", "40.00"),  # exactly 10-03 00:00 (rolling start)
    ("O3", "A", t(10, 5, 12), "50.00", "50.00"),
    ("O4", "C", t(10, 10, 15), "300.00", "300.00"),
    ("O9", "H", t(10, 20, 8), None, "80.00"),  # no 实付: GMV falls back to 总金额
    ("O10", "B", t(10, 20, 20), "70.00", "70.00"),
    ("O5", "D", t(10, 31, 23, 59, 59), "150.00", "150.00"),  # the month's last second
    ("O6", "E", t(9, 30, 23, 59, 59), "999.00", "999.00"),  # a second before the month
    ("O7", "F", t(11, 1, 0, 0, 0), "888.00", "888.00"),  # the first instant after it
    ("O8", "G", None, None, "60.00"),  # never paid
    ("O11", "J", t(9, 1, 10), "60.00", "60.00"),  # long before: only a chat links to it
]
# In October (paid_at in [10-01 00:00, 11-01 00:00)): O1 O2 O12 O3 O4 O9 O10 O5 = 8 orders
# GMV = 100 + 200 + 40 + 50 + 300 + 80 + 70 + 150 = 990.00
# paying buyers: A B K C H D = 6 → 客单价 = 990 / 6 = 165.00

# Refunds: (refund_no, order_no, applied_at, completed_at, 客服介入状态)
REFUNDS: list[tuple[str, str, datetime, datetime | None, str]] = [
    ("R1", "O1", t(10, 2, 10), t(10, 3, 10), "无"),  # 1 day
    ("R2", "O2", t(10, 3, 9), t(10, 5, 21), "无"),  # 2.5 days
    ("R3", "O3", t(10, 6, 12), None, "需要客服介入"),  # open, intervened
    ("R4", "O4", t(10, 11, 0), t(10, 15, 0), "客服已介入"),  # 4 days, intervened
    ("R5", "O6", t(9, 25, 10), t(10, 1, 10), "不需要客服介入"),  # 6 days; 不… is no intervention
    ("R6", "O5", t(10, 30, 10), t(11, 1, 8), "无"),  # completed after the month
    ("R7", "O6", t(9, 28, 0), None, "需要客服介入"),  # before the month: counts nowhere
]
# Applied in October: R1 R2 R3 R4 R6 = 5 → 退款率 5/8
# …with intervention: R3 R4 = 2 → 退款纠纷率 2/8
# Completed in October: R1 (1 d) R2 (2.5 d) R4 (4 d, intervened) R5 (6 d) = 4, of which
# without intervention R1 R2 R5 = 3 → 退款自主完结率 3/4
# 退款完结时长 = (1 + 2.5 + 4 + 6) / 4 = 13.5 / 4 = 3.375 days (= 1,166,400 s in all)


def _conv(cid: str, buyer: str, order_no: str | None, *msgs: tuple[Any, ...]) -> Conversation:
    return Conversation(
        id=cid,
        order=Order(buyer=buyer, id=order_no),
        messages=[Message(role, "…", account, at) for role, account, at in msgs],
    )


def B(buyer: str, at: datetime) -> tuple[str, str, datetime]:
    return ("buyer", buyer, at)


def A(agent: str, at: datetime) -> tuple[str, str, datetime]:
    return ("agent", agent, at)


CHATS: list[Conversation] = [
    # C1 — C asks twice, MEI answers 8 s after the *first* question (first response 8 s),
    # then 30 s. Pre-sale (C paid nothing before); C pays O4 an hour later: converted.
    _conv(
        "C1",
        "C",
        None,
        B("C", t(10, 10, 14, 0, 0)),
        B("C", t(10, 10, 14, 0, 5)),
        A(MEI, t(10, 10, 14, 0, 8)),
        B("C", t(10, 10, 14, 1, 0)),
        A(MEI, t(10, 10, 14, 1, 30)),
    ),
    # C2 — A (paid O1 on 10-01, within 15 days) asks about shipping: after-sales, not an
    # inquiry. XUE answers in 20 s; the system line is ignored; A's "好" is never answered.
    _conv(
        "C2",
        "A",
        None,
        B("A", t(10, 4, 9, 0, 0)),
        A(XUE, t(10, 4, 9, 0, 20)),
        ("system", None, t(10, 4, 9, 0, 30)),
        B("A", t(10, 4, 9, 5, 0)),
    ),
    # C3 — MEI opens (催付, a reply in October), D answers at 23:00:30, MEI replies at
    # 11-01 00:00:10: the gap (3,580 s) opens in October so it counts, the reply itself
    # is November's. D pays O5 at 23:59:59: converted.
    _conv(
        "C3",
        "D",
        None,
        A(MEI, t(10, 31, 23, 0, 0)),
        B("D", t(10, 31, 23, 0, 30)),
        A(MEI, t(11, 1, 0, 0, 10)),
    ),
    # C4 — E asks in September; XUE's reply lands on 10-01 00:00:30: a reply in October,
    # but the gap (and the inquiry) are September's.
    _conv("C4", "E", None, B("E", t(9, 30, 23, 59, 0)), A(XUE, t(10, 1, 0, 0, 30))),
    # C5 — H's question is never answered: an unanswered chat (H pays O9 the next day,
    # but no agent gets an inquiry for it).
    _conv("C5", "H", None, B("H", t(10, 19, 10, 0, 0))),
    # C6 — B (last paid 10-02, 18 days earlier: outside the 15-day after-sales lookback)
    # asks, XUE answers in 12 s (first response: XUE's inquiry), MEI takes over and answers
    # the next question in 15 s. B pays O10 an hour later: converted (for XUE).
    _conv(
        "C6",
        "B",
        None,
        B("B", t(10, 20, 19, 0, 0)),
        A(XUE, t(10, 20, 19, 0, 12)),
        B("B", t(10, 20, 19, 1, 0)),
        A(MEI, t(10, 20, 19, 1, 15)),
    ),
    # C7 — G asks, MEI answers in exactly 10 s (within the ≤ 10 s target). G never pays.
    _conv("C7", "G", None, B("G", t(10, 3, 8, 0, 0)), A(MEI, t(10, 3, 8, 0, 10))),
    # C8 — J asks about O11 (linked; paid 09-01, before the chat): after-sales. XUE 40 s.
    _conv("C8", "J", "O11", B("J", t(10, 12, 10, 0, 0)), A(XUE, t(10, 12, 10, 0, 40))),
    # C9 — G again, MEI answers in 9 s. Still no payment. G counts once for MEI.
    _conv("C9", "G", None, B("G", t(10, 25, 11, 0, 0)), A(MEI, t(10, 25, 11, 0, 9))),
]
# Replies in October: MEI C1×2, C3 (23:00), C6, C7, C9 = 6; XUE C2, C4, C6, C8 = 4; all 10.
# Waits opened in October:
#   MEI: 8 (C1, first), 30 (C1), 3580 (C3, first), 15 (C6), 10 (C7, first), 9 (C9, first)
#   XUE: 20 (C2, first), 12 (C6, first), 40 (C8, first)
#   never answered: C2 09:05 and C5 (C5 is also a chat whose first message got no reply)
# MEI first responses 8, 3580, 10, 9: mean 3607/4 = 901.75, median (9+10)/2 = 9.5,
#   within 10 s: 8, 10, 9 = 3 of 4. All MEI waits: 3652/6 = 608.67, median (10+15)/2 = 12.5.
# XUE first responses 20, 12, 40: mean 24, median 20, within 10 s: 0 of 3 (all waits the same).
# Team first responses 8, 3580, 10, 9, 20, 12, 40: mean 3679/7, median 12, within 3 of 7;
#   all waits (9): mean 3724/9, median 15.
# Inquiries: MEI C1 (C, converted), C3 (D, converted), C7 + C9 (G, not) → 2 of 3 buyers;
#   XUE C6 (B, converted) → 1 of 1; C2 and C8 are after-sales, C4 is September's,
#   C5 unanswered. Team: C D G B → 3 of 4.

# Findings: (conversation, message index, category, status, time or None)
FINDINGS: list[tuple[str, int, str, str, datetime | None]] = [
    ("C1", 2, "invoice", "open", t(10, 10, 14, 0, 8)),  # MEI ✓
    ("C1", 4, "payment", "confirmed", t(10, 10, 14, 1, 30)),  # MEI ✓ confirmed
    ("C7", 1, "invoice", "dismissed", t(10, 3, 8, 0, 10)),  # MEI ✗ a false alarm
    ("C2", 1, "ad_words", "appealed", None),  # XUE ✓ no time: the chat's start, 10-04
    ("C5", 0, "extortion", "open", t(10, 19, 10, 0, 0)),  # ✗ on a buyer's message
    ("C4", 1, "etiquette", "open", t(10, 1, 0, 0, 30)),  # XUE ✓
    ("C3", 2, "promise", "open", t(11, 1, 0, 0, 10)),  # MEI ✗ November
]
# MEI: invoice 1, payment 1 (confirmed 1) over 6 replies → 16.67 each, 33.33 in all.
# XUE: ad_words 1, etiquette 1 over 4 replies → 25 each, 50 in all.
# Team: 4 findings over 10 replies → 40 per 100 replies.


def load_fixture(engine: Engine) -> None:
    with writing(engine) as s:
        for no, buyer, paid_at, paid, total in ORDERS:
            s.add(
                OrderRow(
                    order_no=no,
                    buyer_nick=buyer,
                    paid_at=paid_at,
                    created_at=paid_at or t(10, 3),
                    paid_amount=None if paid is None else Decimal(paid),
                    total_amount=None if total is None else Decimal(total),
                    row_hash=no,
                )
            )
        for no, order_no, applied, completed, dispute in REFUNDS:
            s.add(
                RefundRow(
                    refund_no=no,
                    order_no=order_no,
                    status="退款成功" if completed else "买家已经申请退款，等待卖家同意",
                    applied_at=applied,
                    completed_at=completed,
                    dispute_status=dispute,
                    row_hash=no,
                )
            )
    import_chats(engine, CHATS)
    chats = {c.id: c for c in CHATS}
    with writing(engine) as s:
        for cid, index, category, status, at in FINDINGS:
            msg = chats[cid].messages[index]
            s.add(
                StoredFinding(
                    conversation_id=cid,
                    message=index,
                    account=msg.account,
                    time=at,
                    category=category,
                    rule=f"{category}.x",
                    severity="violation",
                    points=6,
                    start=0,
                    end=1,
                    evidence="…",
                    explanation="…",
                    suggestion="",
                    status=status,
                    found_at=t(11, 1, 9),
                )
            )


def pure_report(
    window: Window, settings: MetricsSettings = SETTINGS, agent: str | None = None
) -> MetricsReport:
    """The same fixture through the record-level functions, no database."""
    orders = [
        OrderRecord(no, buyer, paid_at, Decimal(paid or total or "0"))
        for no, buyer, paid_at, paid, total in ORDERS
    ]
    refunds = [RefundRecord(no, a, c, d) for no, _o, a, c, d in REFUNDS]
    chats = [
        Chat(
            c.id,
            c.order.buyer if c.order else None,
            c.order.id if c.order else None,
            tuple(ChatEvent(m.role, m.account, m.time) for m in c.messages),
        )
        for c in CHATS
    ]
    by_id = {c.id: c for c in CHATS}
    findings = [
        FindingRecord(
            by_id[cid].messages[i].account or "",
            cat,
            status,
            at or by_id[cid].messages[0].time,  # type: ignore[arg-type]
        )
        for cid, i, cat, status, at in FINDINGS
        if by_id[cid].messages[i].role == "agent"
    ]
    days, buyers = order_days(orders, window)
    applied, completed = refund_groups(refunds, window)
    need_buyers, need_orders = order_lookup_needs(chats, window)
    since, until = order_lookup_span(window, settings)
    wanted = [
        o
        for o in orders
        if o.paid_at is not None
        and (o.order_no in need_orders or (o.buyer in need_buyers and since <= o.paid_at <= until))
    ]
    return build_report(
        window,
        settings,
        order_days=days,
        paying_buyers=buyers,
        refunds_applied=applied,
        refunds_completed=completed,
        chats=chats,
        findings=finding_groups(findings, window),
        orders=wanted,
        agent=agent,
    )


def stored_report(engine: Engine, window: Window, agent: str | None = None) -> MetricsReport:
    with session(engine) as s:
        return metrics_report(s, window, SETTINGS, agent=agent)


# --- the month -------------------------------------------------------------------------------


def test_fixture_month(engine: Engine) -> None:
    load_fixture(engine)
    report = stored_report(engine, MONTH)
    shop = report.shop

    assert (shop.paid_orders, shop.gmv, shop.paying_buyers) == (8, Decimal("990.00"), 6)
    assert shop.avg_order_value == Decimal("165.00")
    assert (shop.refund_rate.count, shop.refund_rate.of) == (5, 8)
    assert shop.refund_rate.rate == 0.625
    assert (shop.dispute_rate.count, shop.dispute_rate.of) == (2, 8)
    assert shop.dispute_rate.rate == 0.25
    assert (shop.self_completion_rate.count, shop.self_completion_rate.of) == (3, 4)
    assert shop.self_completion_rate.rate == 0.75
    assert shop.completion_seconds == 1_166_400  # 13.5 days
    assert shop.completion_days == 3.375

    # Composite with the bundled bounds: 纠纷率 25 % is past its 0.5 % limit → 0;
    # 自主完结率 75 % is below its 90 % limit → 0; 3.375 days between 1 (target) and 7
    # (limit) → 100 × (7 − 3.375) / 6 = 60.41666…; weights 1:1:1 → 60.41666… / 3.
    scores = {c.key: c.score for c in shop.composite.components}
    assert scores["dispute_rate"] == 0.0 and scores["self_completion_rate"] == 0.0
    assert scores["completion_days"] == pytest.approx(100 * 3.625 / 6)
    assert shop.composite.score == pytest.approx(100 * 3.625 / 6 / 3)  # 20.138…

    agents = {a.agent: a for a in report.agents}
    assert list(agents) == [MEI, XUE]  # most replies first
    mei, xue, team = agents[MEI], agents[XUE], report.team
    assert (mei.replies, xue.replies, team.replies) == (6, 4, 10)

    assert mei.findings == {"invoice": 1, "payment": 1} and mei.confirmed == {"payment": 1}
    assert mei.findings_per_100 == pytest.approx({"invoice": 100 / 6, "payment": 100 / 6})
    assert mei.per_100(mei.findings_total) == pytest.approx(100 / 3)
    assert xue.findings == {"ad_words": 1, "etiquette": 1} and xue.confirmed == {}
    assert xue.findings_per_100 == {"ad_words": 25.0, "etiquette": 25.0}
    assert team.findings_total == 4 and team.per_100(team.findings_total) == 40.0

    fr = mei.first_response
    assert (fr.count, fr.mean_seconds, fr.median_seconds) == (4, 901.75, 9.5)
    assert fr.within_target is not None
    assert (fr.within_target.count, fr.within_target.of) == (3, 4)
    assert (mei.response.count, mei.response.median_seconds) == (6, 12.5)
    assert mei.response.mean_seconds == pytest.approx(3652 / 6)
    assert (xue.first_response.count, xue.first_response.mean_seconds) == (3, 24.0)
    assert xue.first_response.median_seconds == 20.0
    assert xue.first_response.within_target is not None
    assert xue.first_response.within_target.count == 0
    assert (xue.response.count, xue.response.mean_seconds) == (3, 24.0)
    assert team.first_response.count == 7
    assert team.first_response.mean_seconds == pytest.approx(3679 / 7)
    assert team.first_response.median_seconds == 12.0
    assert team.first_response.within_target is not None
    assert (team.first_response.within_target.count, team.first_response.within_target.of) == (
        3,
        7,
    )
    assert (team.response.count, team.response.median_seconds) == (9, 15.0)
    assert team.response.mean_seconds == pytest.approx(3724 / 9)
    assert (team.unanswered_chats, team.unanswered_waits) == (1, 2)

    assert (mei.inquiries.count, mei.inquiries.of) == (2, 3)
    assert (xue.inquiries.count, xue.inquiries.of) == (1, 1)
    assert (team.inquiries.count, team.inquiries.of) == (3, 4)
    assert [(q.chat_id, q.buyer, q.agent, q.order_no) for q in report.inquiry_list] == [
        ("C7", "G", MEI, None),
        ("C1", "C", MEI, "O4"),
        ("C6", "B", XUE, "O10"),
        ("C9", "G", MEI, None),
        ("C3", "D", MEI, "O5"),
    ]

    daily = {d.day.isoformat(): d for d in report.daily}
    assert len(daily) == 31 and not any(d.partial for d in report.daily)
    oct1, oct3, oct10 = daily["2026-10-01"], daily["2026-10-03"], daily["2026-10-10"]
    # 10-01: O1; R5 completed (6 days, no intervention); XUE's reply in C4 and its finding.
    assert (oct1.paid_orders, oct1.gmv, oct1.refunds.count) == (1, Decimal("100.00"), 0)
    assert (oct1.self_completed.count, oct1.self_completed.of, oct1.completion_days) == (1, 1, 6.0)
    assert (oct1.replies, oct1.findings, oct1.first_response.count) == (1, 1, 0)
    # 10-03: O12; R2 applied; R1 completed (1 day); C7 (10 s) — its finding is dismissed.
    assert (oct3.paid_orders, oct3.refunds.count, oct3.refunds.rate) == (1, 1, 1.0)
    assert (oct3.self_completed.of, oct3.completion_days) == (1, 1.0)
    assert (oct3.replies, oct3.findings, oct3.first_response.mean_seconds) == (1, 0, 10.0)
    # 10-10: O4; C1's two replies, two findings, first response 8 s.
    assert (oct10.paid_orders, oct10.replies, oct10.findings) == (1, 2, 2)
    assert oct10.first_response.mean_seconds == 8.0
    # 10-20: O9 (80 via 总金额) and O10 (70) by H and B: 客单价 75.00.
    oct20 = daily["2026-10-20"]
    assert (oct20.paid_orders, oct20.gmv, oct20.avg_order_value) == (
        2,
        Decimal("150.00"),
        Decimal("75.00"),
    )
    # 10-15: R4 completed after 4 days with intervention.
    oct15 = daily["2026-10-15"]
    assert (oct15.self_completed.count, oct15.self_completed.of) == (0, 1)
    # 10-31: O5; R6 applied the day before; MEI's 23:00 reply; the 3,580 s first response.
    oct31 = daily["2026-10-31"]
    assert (oct31.paid_orders, oct31.replies, oct31.first_response.mean_seconds) == (1, 1, 3580.0)
    assert sum(d.paid_orders for d in report.daily) == 8
    assert sum(d.refunds.count for d in report.daily) == 5
    assert sum(d.disputes.count for d in report.daily) == 2

    # The database and the pure functions agree on everything.
    assert report.to_dict(inquiries=True) == pure_report(MONTH).to_dict(inquiries=True)


def test_rolling_window(engine: Engine) -> None:
    """[10-03 00:00, 10-31 00:00): the start instant is in, the end instant is out."""
    load_fixture(engine)
    window = Window.rolling(t(10, 31), 28, CN)
    assert (window.start, window.end) == (t(10, 3), t(10, 31))
    shop = stored_report(engine, window).shop
    # Paid: O12 (10-03 00:00:00 exactly), O3, O4, O9, O10 = 5; O5 (10-31 23:59) is out.
    # GMV 40 + 50 + 300 + 80 + 70 = 540 over K A C H B → 108.00
    assert (shop.paid_orders, shop.gmv, shop.avg_order_value) == (
        5,
        Decimal("540.00"),
        Decimal("108.00"),
    )
    # Applied: R2 R3 R4 R6 = 4 (R1 was 10-02); intervened R3 R4.
    assert (shop.refund_rate.count, shop.dispute_rate.count) == (4, 2)
    # Completed: R1 (10-03 10:00, 1 d), R2 (2.5 d), R4 (4 d, intervened); R5 was 10-01.
    assert (shop.self_completion_rate.count, shop.self_completion_rate.of) == (2, 3)
    assert shop.completion_days == 2.5
    pure = pure_report(window).to_dict(inquiries=True)
    assert stored_report(engine, window).to_dict(inquiries=True) == pure


def test_agent_filter_keeps_the_shop_numbers(engine: Engine) -> None:
    load_fixture(engine)
    full = stored_report(engine, MONTH)
    mei = stored_report(engine, MONTH, agent="小美")  # the name after the colon will do
    assert [a.agent for a in mei.agents] == [MEI]
    assert mei.shop == full.shop
    assert (mei.team.replies, mei.team.findings_total) == (6, 2)
    assert (mei.team.inquiries.count, mei.team.inquiries.of) == (2, 3)
    assert sum(d.replies for d in mei.daily) == 6
    assert stored_report(engine, MONTH, agent=XUE).team.replies == 4  # the whole account too
    assert stored_report(engine, MONTH, agent="小王").agents == ()
    assert mei.to_dict(inquiries=True) == pure_report(MONTH, agent="小美").to_dict(inquiries=True)


def test_shop_only(engine: Engine) -> None:
    load_fixture(engine)
    with session(engine) as s:
        shop_only = metrics_report(s, MONTH, SETTINGS, agents=False)
    assert shop_only.shop == stored_report(engine, MONTH).shop
    assert shop_only.agents == () and shop_only.team.replies == 0
    assert sum(d.paid_orders for d in shop_only.daily) == 8


def test_report_is_plain_json(engine: Engine) -> None:
    load_fixture(engine)
    report = stored_report(engine, MONTH)
    assert "inquiries" not in report.to_dict()
    data = json.loads(json.dumps(report.to_dict(inquiries=True), ensure_ascii=False))
    assert data["window"] == {
        "kind": "range",
        "start": "2026-10-01T00:00:00+08:00",
        "end": "2026-11-01T00:00:00+08:00",
        "days": 31.0,
        "timezone": "Asia/Shanghai",
    }
    assert data["shop"]["gmv"] == "990.00" and data["shop"]["avg_order_value"] == "165.00"
    assert data["shop"]["refund_rate"] == {"count": 5, "of": 8, "rate": 0.625}
    assert data["shop"]["composite"]["components"][0]["name"] == "退款纠纷率"
    assert "百分位" in data["shop"]["composite"]["note"]
    assert data["team"]["unanswered_chats"] == 1
    assert data["daily"][0]["date"] == "2026-10-01"
    assert data["inquiries"][1] == {
        "chat": "C1",
        "buyer": "C",
        "agent": MEI,
        "at": "2026-10-10T14:00:00+08:00",
        "converted_at": "2026-10-10T15:00:00+08:00",
        "order_no": "O4",
    }


def test_empty_store(engine: Engine) -> None:
    report = stored_report(engine, MONTH)
    assert report.shop.paid_orders == 0 and report.shop.refund_rate.rate is None
    assert report.shop.avg_order_value is None and report.shop.completion_days is None
    assert report.shop.composite.score is None
    assert report.agents == () and report.team.first_response.mean_seconds is None
    assert len(report.daily) == 31
    json.dumps(report.to_dict())


# --- pure pieces -----------------------------------------------------------------------------


def test_response_gaps_rules() -> None:
    at = t(10, 1, 9)
    chat = Chat(
        "x",
        "b",
        None,
        (
            ChatEvent("agent", MEI, at),  # an agent opening: no wait
            ChatEvent("buyer", "b", at + timedelta(seconds=10)),  # opens the first wait
            ChatEvent("system", None, at + timedelta(seconds=11)),  # ignored
            ChatEvent("buyer", "b", at + timedelta(seconds=15)),  # still the same wait
            ChatEvent("agent", MEI, None),  # no time: cannot answer
            ChatEvent("agent", XUE, at + timedelta(seconds=40)),  # 30 s, first response
            ChatEvent("agent", MEI, at + timedelta(seconds=50)),  # nothing pending
            ChatEvent("buyer", "b", at + timedelta(seconds=60)),
            ChatEvent("agent", MEI, at + timedelta(seconds=55)),  # clock skew: 0, not −5
            ChatEvent("buyer", "b", at + timedelta(seconds=70)),  # never answered
        ),
    )
    got = [(g.agent, g.seconds, g.first) for g in response_gaps(chat)]
    assert got == [(XUE, 30.0, True), (MEI, 0.0, False), (None, None, False)]


def _settings(**overrides: Any) -> MetricsSettings:
    return MetricsSettings.from_settings({**load_rules().settings, **overrides})


def test_composite_with_shop_weights_and_bounds() -> None:
    s = _settings(
        metrics_weight_dispute_rate=2,
        metrics_dispute_rate_limit_percent=50,
        metrics_self_completion_limit_percent=50,
    )
    c = composite(
        {"dispute_rate": 2 / 8, "self_completion_rate": 3 / 4, "completion_days": 3.375}, s
    )
    # 纠纷率 25 % between 0 (target) and 50 % (limit) → 50; 自主完结率 75 % between 100 %
    # and 50 % → 50; 3.375 days → 60.41666…; (2×50 + 1×50 + 1×60.41666…) / 4 = 52.604…
    assert [c_.score for c_ in c.components] == pytest.approx([50.0, 50.0, 100 * 3.625 / 6])
    assert [c_.weight for c_ in c.components] == [2.0, 1.0, 1.0]
    assert c.score == pytest.approx((100 + 50 + 100 * 3.625 / 6) / 4)
    assert c.formula == "(50.0×2 + 50.0×1 + 60.4×1) / 4 = 52.6"
    # No completed refunds: only the dispute rate has a value, so it is the composite.
    alone = composite({"dispute_rate": 0.0, "self_completion_rate": None}, s)
    assert alone.score == 100.0 and [x.score for x in alone.components] == [100.0, None, None]
    # Beyond the bounds the score stays within 0–100.
    assert composite({"completion_days": 0.2}, s).score == 100.0
    assert composite({"completion_days": 30}, s).score == 0.0


def test_settings_come_from_packs_and_are_checked(tmp_path: Path) -> None:
    assert SETTINGS.window_days == 28 and SETTINGS.first_response_target_seconds == 10
    assert SETTINGS.weights == {
        "dispute_rate": 1.0,
        "self_completion_rate": 1.0,
        "completion_days": 1.0,
    }
    (tmp_path / "shop.yaml").write_text(
        "pack: shop\nsettings:\n  metrics_conversion_hours: 48\n  metrics_window_days: 7\n",
        encoding="utf-8",
    )
    shop = MetricsSettings.from_settings(load_rules([tmp_path]).settings)
    assert (shop.conversion_hours, shop.window_days) == (48, 7)
    base = dict(load_rules().settings)
    del base["metrics_conversion_hours"]
    with pytest.raises(ValueError, match="metrics_conversion_hours"):
        MetricsSettings.from_settings(base)
    for key, value in [
        ("metrics_weight_completion_days", -1),
        ("metrics_window_days", 0),
        ("metrics_window_days", 2.5),
        ("metrics_first_response_target_seconds", True),
        ("metrics_dispute_rate_limit_percent", 0),  # equal to its target
        ("metrics_self_completion_target_percent", 120),
        ("policy_timezone", "Mars/Olympus"),
    ]:
        with pytest.raises(ValueError, match=key):
            _settings(**{key: value})
    with pytest.raises(ValueError, match="权重"):
        _settings(
            metrics_weight_dispute_rate=0,
            metrics_weight_self_completion_rate=0,
            metrics_weight_completion_days=0,
        )


def test_windows() -> None:
    w = Window.rolling(datetime(2026, 10, 31, 20, 0), 28, CN)  # naive = China time
    assert (w.start, w.end) == (t(10, 3, 20), t(10, 31, 20))
    assert w.contains(t(10, 3, 20)) and not w.contains(t(10, 31, 20))
    days = w.days()
    assert (days[0], days[-1], len(days)) == (date(2026, 10, 3), date(2026, 10, 31), 29)
    assert w.is_partial(date(2026, 10, 3)) and not w.is_partial(date(2026, 10, 4))
    assert Window.between(date(2026, 10, 5), date(2026, 10, 5), CN).days() == [date(2026, 10, 5)]
    with pytest.raises(ValueError):
        Window.between(date(2026, 10, 5), date(2026, 10, 4), CN)
    with pytest.raises(ValueError):
        Window.rolling(t(10, 1), 0, CN)
