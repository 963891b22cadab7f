"""The after-sales desk on a real store (SQLite and PostgreSQL): imports, cases, registers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, MetaData, select, text

from redline.desk.cases import ActionInput, TransitionError
from redline.importers.records import ItemRecord, OrderRecord, RefundRecord, RowError
from redline.model import Conversation, Message
from redline.model import Order as ChatOrder
from redline.store import session, writing
from redline.store.desk import Desk, DeskError
from redline.store.imports import import_chats, import_items, import_orders, import_refunds
from redline.store.models import Case, CaseEvent, ReturnEntry

CN = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 30, 20, 0, tzinfo=CN)
H = timedelta(hours=1)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed" comparisons."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {
            name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
            for name, t in meta.tables.items()
        }


def order(no: str, **kw: Any) -> OrderRecord:
    base: dict[str, Any] = {
        "line": 2,
        "order_no": no,
        "buyer_nick": "tb_" + no[-3:],
        "status": "买家已付款，等待卖家发货",
        "paid_amount": Decimal("128.00"),
        "paid_at": NOW - 48 * H,
    }
    base.update(kw)
    return OrderRecord(**base)


def refund(no: str, status: str, **kw: Any) -> RefundRecord:
    base: dict[str, Any] = {
        "line": 2,
        "refund_no": no,
        "order_no": "30" + no,
        "status": status,
        "applied_at": NOW - 10 * H,
        "buyer_nick": "tb_buyer",
        "paid_amount": Decimal("200.00"),
        "refund_amount": Decimal("200.00"),
        "reason": "七天无理由退换货",
        "need_return": True,
    }
    base.update(kw)
    return RefundRecord(**base)


WAITING = "买家已经申请退款，等待卖家同意"
RETURNED = "买家已经退货，等待卖家确认收货"


# --- orders ---------------------------------------------------------------------------


def test_orders_import_is_idempotent_and_updates_changed_rows(engine: Engine) -> None:
    rows = [order("3012345678901234567"), order("3012345678901234568")]
    first = import_orders(engine, rows)
    assert (first.accepted, first.updated, first.unchanged, first.rejected) == (2, 0, 0, 0)
    before = snapshot(engine)
    again = import_orders(engine, rows)
    assert (again.accepted, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(engine) == before
    shipped = order("3012345678901234567", status="卖家已发货，等待买家确认", shipped_at=NOW)
    newer = import_orders(engine, [shipped, rows[1]])
    assert (newer.accepted, newer.updated, newer.unchanged) == (0, 1, 1)


def test_bad_rows_are_reported_and_the_rest_lands(engine: Engine) -> None:
    rows: list[OrderRecord | RowError] = [
        order("1001", line=2),
        RowError(3, "订单编号为空"),
        order("1002", line=4, buyer_nick="x" * 500),  # longer than the column
        order("1003", line=5, title="含\x00空字符"),  # PostgreSQL refuses NUL in text
        order("1001", line=6, buyer_nick="someone else"),  # same number, other content
        order("1004", line=7, title="<script>alert(1)</script>" * 1000),
    ]
    report = import_orders(engine, rows)
    assert report.accepted == 3
    assert [(e.line, e.reason[:6]) for e in report.errors] == [
        (3, "订单编号为空"),
        (4, "“buyer"),
        (6, "与第 2 行"),
    ]
    with session(engine) as s:
        from redline.store.models import Order

        stored = s.get(Order, "1003")
        assert stored is not None and stored.title == "含空字符"


def test_an_error_mid_import_leaves_the_store_as_it_was(engine: Engine) -> None:
    import_orders(engine, [order("1")])
    before = snapshot(engine)

    def exploding() -> Iterator[OrderRecord]:
        for i in range(2, 5000):
            yield order(str(i))
        raise OSError("disk unplugged")

    with pytest.raises(OSError):
        import_orders(engine, exploding())
    assert snapshot(engine) == before


def test_items_are_keyed_by_order_and_position(engine: Engine) -> None:
    items = [
        ItemRecord(line=2, order_no="1", title="毛巾", price=Decimal("10"), quantity=2),
        ItemRecord(line=3, order_no="1", title="浴巾", price=Decimal("30"), quantity=1),
        ItemRecord(line=4, order_no="2", title="枕头", price=Decimal("50"), quantity=1),
    ]
    assert import_items(engine, items).accepted == 3
    again = import_items(engine, items)
    assert (again.accepted, again.updated, again.unchanged) == (0, 0, 3)
    items[1] = ItemRecord(line=3, order_no="1", title="浴巾", price=Decimal("28"), quantity=1)
    assert import_items(engine, items).updated == 1


# --- refunds and cases ------------------------------------------------------------------


def test_refunds_open_cases_with_clocks(engine: Engine) -> None:
    report = import_refunds(
        engine,
        [refund("R1", WAITING, reason="缺货", need_return=False), refund("R2", "退款成功")],
        now=NOW,
    )
    assert (report.accepted, report.cases_opened) == (2, 2)
    with session(engine) as s:
        desk = Desk(s)
        views = desk.open_cases(NOW)
        assert [v.case.refund_no for v in views] == ["R1"]  # 退款成功 is closed
        v = views[0]
        assert (v.case.kind, v.case.state, v.case.exposure) == (
            "refund",
            "requested",
            Decimal("60.00"),
        )
        applied = NOW - 10 * H
        assert [(c.name, c.due_at) for c in v.clocks] == [
            ("review", applied + 24 * H),
            ("dispute_opens", applied + 72 * H),
            ("auto_refund", applied + 120 * H),
        ]
        assert v.case.advice and "修改退款原因" in v.case.advice


def test_newer_export_moves_the_case_and_appends_history(engine: Engine) -> None:
    import_refunds(engine, [refund("R1", WAITING)], now=NOW)
    before = snapshot(engine)
    again = import_refunds(engine, [refund("R1", WAITING)], now=NOW + H)
    assert (again.unchanged, again.cases_changed) == (1, 0)
    assert snapshot(engine) == before  # no new history either
    shipped = refund(
        "R1",
        RETURNED,
        buyer_returned_at=NOW - 2 * H,
        return_tracking_no="SF 1234 5678 9012",
        return_carrier="顺丰速运",
    )
    report = import_refunds(engine, [shipped], now=NOW + 2 * H)
    assert (report.updated, report.cases_changed) == (1, 1)
    with session(engine) as s:
        case = s.scalar(select(Case).where(Case.refund_no == "R1"))
        assert case is not None and case.state == "returned"
        assert case.due_clock == "check_logistics"
        assert case.due_at == NOW - 2 * H + timedelta(days=5)
        events = Desk(s).history(case.id)
        assert [(e.action, e.from_state, e.to_state) for e in events] == [
            ("import", None, "requested"),
            ("sync", "requested", "returned"),
        ]
        entry = s.scalar(select(ReturnEntry))
        assert entry is not None
        assert (entry.tracking_no, entry.buyer_nick, entry.postage_paid_by) == (
            "SF123456789012",
            "tb_buyer",
            "buyer",
        )


def test_an_older_export_does_not_wind_a_finished_refund_back(engine: Engine) -> None:
    import_refunds(engine, [refund("R1", "退款成功", completed_at=NOW)], now=NOW)
    report = import_refunds(engine, [refund("R1", WAITING)], now=NOW + H)
    assert (report.updated, report.stale) == (0, 1)
    with session(engine) as s:
        case = s.scalar(select(Case).where(Case.refund_no == "R1"))
        assert case is not None and case.state == "refunded"


def test_unknown_refund_status_is_a_row_error(engine: Engine) -> None:
    report = import_refunds(engine, [refund("R1", "火星状态", line=7), refund("R2", WAITING)])
    assert [(e.line, e.reason) for e in report.errors] == [(7, "未知的退款状态“火星状态”")]
    assert report.accepted == 1


def test_cases_list_overdue_first_then_due_soonest(engine: Engine) -> None:
    import_refunds(
        engine,
        [
            refund("FRESH", WAITING, applied_at=NOW - 1 * H),  # review due in 23 h
            refund("OLD", WAITING, applied_at=NOW - 80 * H),  # dispute window open: overdue
            refund("OLDER", WAITING, applied_at=NOW - 30 * H),  # review overdue since 6 h
            refund("MID", WAITING, applied_at=NOW - 20 * H),  # review due in 4 h
        ],
        now=NOW,
    )
    with session(engine) as s:
        desk = Desk(s)
        assert [v.case.refund_no for v in desk.open_cases(NOW)] == ["OLD", "OLDER", "MID", "FRESH"]
        soon = desk.open_cases(NOW, due_within=5 * H)
        assert [v.case.refund_no for v in soon] == ["OLD", "OLDER", "MID"]


def test_team_actions_follow_the_state_machine(engine: Engine) -> None:
    import_refunds(engine, [refund("R1", WAITING, applied_at=NOW - 80 * H)], now=NOW)
    with writing(engine) as s:
        case_id = s.scalar(select(Case.id))
        assert case_id is not None
    at = NOW + H
    with pytest.raises(TransitionError, match="理由"), writing(engine) as s:
        Desk(s).act(case_id, "reject", ActionInput(at=at, actor="小美"))
    with writing(engine) as s:
        Desk(s).act(case_id, "agree", ActionInput(at=at, actor="小美"))
    with writing(engine) as s:
        Desk(s).act(
            case_id,
            "buyer_shipped",
            ActionInput(at=at + H, actor="小美", tracking_no="YT7788990011"),
        )
    with writing(engine) as s:
        Desk(s).act(case_id, "refund", ActionInput(at=at + 2 * H, actor="小雪", note="已验货"))
    with session(engine) as s:
        desk = Desk(s)
        assert desk.open_cases(at) == []
        hist = [(e.actor, e.action, e.to_state) for e in desk.history(case_id)]
        assert hist == [
            ("import", "import", "requested"),
            ("小美", "agree", "awaiting_return"),
            ("小美", "buyer_shipped", "returned"),
            ("小雪", "refund", "refunded"),
        ]
        found = desk.find_returns("990011")  # the warehouse has only the tail of the label
        assert [e.tracking_no for e in found] == ["YT7788990011"]
        case = desk.case_for_return(found[0])
        assert case is not None and case.state == "refunded"
        assert s.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case_id + 1)) is None


def test_incident_cases_and_reship(engine: Engine) -> None:
    import_orders(engine, [order("3001", paid_amount=Decimal("88.00"))])
    with writing(engine) as s:
        case = Desk(s).open_case("short", order_no="3001", actor="夜班小王", at=NOW, reason="漏发")
        case_id = case.id
        assert (case.buyer_nick, case.paid_amount, case.due_clock) == (
            "tb_001",
            Decimal("88.00"),
            "follow_up",
        )
        assert case.due_at == NOW + 24 * H
    with writing(engine) as s:
        Desk(s).act(
            case_id, "reship", ActionInput(at=NOW + H, actor="小美", tracking_no="ZT100200300")
        )
    with session(engine) as s:
        views = Desk(s).open_cases(NOW + H)
        assert [(v.case.state, v.clocks[0].due_at) for v in views] == [("reshipped", NOW + 73 * H)]
    with pytest.raises(DeskError, match="只能手工登记"), writing(engine) as s:
        Desk(s).open_case("refund", order_no=None, actor="x", at=NOW)


# --- the shipping watch --------------------------------------------------------------------


def test_late_shipment_watch_skips_cod_and_uses_presale_days(engine: Engine) -> None:
    paid = NOW - 71 * H
    import_orders(
        engine,
        [
            order("A", paid_at=paid, paid_amount=Decimal("2000.00")),  # due in 1 h
            order("COD", paid_at=paid - 10 * H, cod=True),  # overdue but COD
            order("PRE", paid_at=paid - 10 * H, presale=True),  # presale: 15 days
            order("SHIPPED", paid_at=paid - 10 * H, status="卖家已发货，等待买家确认"),
            order("LATE", paid_at=paid - 10 * H, paid_amount=Decimal("100.00")),
        ],
    )
    with session(engine) as s:
        desk = Desk(s)
        late = desk.late_orders(NOW, within=2 * H)
        assert [(lo.order.order_no, lo.overdue, lo.exposure) for lo in late] == [
            ("LATE", True, Decimal("30.00")),
            ("A", False, Decimal("500.00")),
        ]
        exactly = desk.late_orders(paid + 72 * H, within=timedelta(0))
        assert [(lo.order.order_no, lo.overdue) for lo in exactly] == [
            ("LATE", True),
            ("A", False),  # the deadline instant itself is still in time
        ]
        after = desk.late_orders(paid + 72 * H + timedelta(seconds=1), within=timedelta(0))
        assert [(lo.order.order_no, lo.overdue) for lo in after] == [("LATE", True), ("A", True)]


# --- registers -----------------------------------------------------------------------------


def test_returns_register_lookup(engine: Engine) -> None:
    with writing(engine) as s:
        desk = Desk(s)
        desk.add_return(
            "sf-1234567890", at=NOW, buyer_nick="tb_x", reason="质量问题", postage_paid_by="seller"
        )
        with pytest.raises(DeskError, match="太短"):
            desk.add_return("123", at=NOW)
        # Markup, duplicates and unknown orders are refused with the reason.
        with pytest.raises(DeskError, match="只能包含字母和数字"):
            desk.add_return("<b>SF12345678</b>", at=NOW)
        with pytest.raises(DeskError, match="已登记"):
            desk.add_return("SF 1234 5678 90", at=NOW)
        with pytest.raises(DeskError, match="没有订单 404404"):
            desk.add_return("YT9876543210", at=NOW, order_no="404404")
    with session(engine) as s:
        desk = Desk(s)
        assert [e.buyer_nick for e in desk.find_returns("SF1234567890")] == ["tb_x"]
        assert [e.buyer_nick for e in desk.find_returns("567890")] == ["tb_x"]
        assert desk.find_returns("7890") == []  # too short to guess from a tail
        assert desk.find_returns("%") == []


def test_handoff_board(engine: Engine) -> None:
    with writing(engine) as s:
        desk = Desk(s)
        a = desk.add_handoff(
            "漏发", "3001 少了一条毛巾", at=NOW, author="夜班小王", order_no="3001"
        )
        desk.add_handoff("no_tracking", "3002 三天没物流", at=NOW + H, author=None, order_no="3002")
        first = a.id
        with pytest.raises(DeskError, match="未知的交接类型"):
            desk.add_handoff("吃饭", "x", at=NOW, author=None, order_no=None)
    with writing(engine) as s:
        Desk(s).close_handoff(first, at=NOW + 10 * H, by="早班小李", resolution="已补发")
    with session(engine) as s:
        desk = Desk(s)
        assert [n.kind for n in desk.handoffs()] == ["no_tracking"]
        assert [n.closed_by for n in desk.handoffs(include_closed=True)] == ["早班小李", None]
    with pytest.raises(DeskError, match="已于"), writing(engine) as s:
        Desk(s).close_handoff(first, at=NOW, by=None, resolution=None)


# --- chats ---------------------------------------------------------------------------------


def conv(cid: str, *texts: str) -> Conversation:
    return Conversation(
        id=cid,
        order=ChatOrder(buyer="tb_buyer"),
        messages=[
            Message(role="buyer" if i % 2 == 0 else "agent", text=t, time=NOW + i * H)
            for i, t in enumerate(texts)
        ],
    )


def test_chats_import_idempotent_and_edits_replace_messages(engine: Engine) -> None:
    chats = [conv("c1", "在吗", "亲，在的"), conv("c2", "发货了吗", "今天发")]
    assert import_chats(engine, chats).accepted == 2
    before = snapshot(engine)
    assert import_chats(engine, chats).unchanged == 2
    assert snapshot(engine) == before
    edited = [conv("c1", "在吗", "亲，在的", "还有别的问题吗"), chats[1]]
    assert import_chats(engine, edited).updated == 1
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM messages WHERE conversation_id = 'c1'")
        ).scalar()
    assert n == 3
