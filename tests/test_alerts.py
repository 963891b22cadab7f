"""Risk alerts: the pure detectors (tables of match / near-miss rows) and the store side
(filings once and final, alerts and the digest from imported data) on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from redline.guard.engine import Guard
from redline.guard.packs import load_rules
from redline.model import Conversation, Message
from redline.model import Order as ChatOrder
from redline.records.alerts import (
    AlertRules,
    ExtortionFacts,
    FilingFacts,
    OrderFacts,
    RefundFacts,
    ShipWatch,
    address_issues,
    alert_messages,
    deposit_drain,
    extortion_alerts,
    mask_name,
    offline_gaps,
    phone_issue,
    ship_by_alerts,
    sort_alerts,
    suspicious_orders,
    unreachable_issue,
)
from redline.store import session, writing
from redline.store.alerts import (
    FilingError,
    current_alerts,
    daily_digest,
    file_suspicious,
    list_filings,
    not_yet_pushed,
    record_pushed,
)
from redline.store.imports import import_chats
from redline.store.models import Order, Refund
from redline.store.penalties import add_notice
from redline.store.qa import run_qa

CN = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 10, 31, 20, 0, tzinfo=CN)
GOOD = "浙江省 杭州市 西湖区 文三路12号阳光花园3幢1单元201室"


@pytest.fixture(scope="module")
def rules() -> AlertRules:
    return AlertRules.default()


def t(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=CN)


# --- address, phone, memo ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "codes"),
    [
        # plausible: the export's "省 市 区 详细地址", with or without spaces
        (GOOD, []),
        ("浙江省杭州市西湖区文三路12号", []),
        ("上海 上海市 浦东新区 张江路88号", []),
        ("上海浦东新区张江路88号", []),  # a municipality needs no city
        ("广东省 东莞市 南城街道 人民路5号东门快递柜", []),  # no district level: 街道
        ("江苏省 苏州市 工业园区 星湖街328号", []),
        ("湖北省 恩施土家族苗族自治州 恩施市 舞阳坝街道 航空大道18号", []),
        ("新疆维吾尔自治区 乌鲁木齐市 天山区 人民路一号", []),  # a number in Chinese
        ("河南省 驻马店市 上蔡县 东洪镇张家村三组", []),  # rural: village and group
        ("中国 北京 北京市 朝阳区 建国路88号", []),
        ("香港特别行政区 九龙 弥敦道100号", []),
        # incomplete or implausible
        (None, ["no_address"]),
        ("  ", ["no_address"]),
        ("杭州市西湖区文三路12号", ["no_province"]),
        ("浙江省 西湖区 文三路12号", ["no_city"]),
        ("浙江省 杭州市 文三路12号", ["no_district"]),
        ("浙江省 杭州市 阳光小区3幢", ["no_district"]),  # an estate is not a district
        ("浙江省 杭州市 西湖区", ["no_detail"]),
        ("浙江省 杭州市 西湖区 8号", ["address_short"]),
        ("浙江省 杭州市 西湖区 文三路阳光花园", ["no_house_number"]),
        ("浙江省 杭州市 西湖区 不详", ["address_placeholder", "address_short", "no_house_number"]),
        ("北京 北京市 朝阳区 测试地址123", ["address_placeholder"]),
        ("浙江省 杭州市 西湖区 TEST ROAD 1", ["address_placeholder"]),
        ("内蒙古自治区 呼和浩特市 新城区 xxx路xxx号", ["address_placeholder", "no_house_number"]),
        ("浙江省 杭州市 西湖区 11111", ["address_placeholder"]),
    ],
)
def test_address_issues(rules: AlertRules, address: str | None, codes: list[str]) -> None:
    assert [i.code for i in address_issues(address, rules)] == codes


def test_placeholder_issue_names_the_word(rules: AlertRules) -> None:
    (issue, *_) = address_issues("北京 北京市 朝阳区 测试地址123", rules)
    assert issue.zh == "地址含“测试”" and issue.en == "address contains “测试”"


@pytest.mark.parametrize(
    ("phone", "invalid"),
    [
        ("13800138000", False),
        ("'13800138000", False),  # the export's leading quote
        ("+86 138 0013 8000", False),
        ("138-0013-8000", False),
        ("17012345678-1234", False),  # privacy number with extension
        ("138****8000", False),  # masked by the export
        ("0571-86123456", False),
        ("400-123-4567", False),
        (None, False),  # not in the export: nothing to judge
        ("-", False),
        ("12345", True),
        ("12800138000", True),
        ("00000000000", True),
        ("13333333333", False),
        ("abc", True),
    ],
)
def test_phone_issue(rules: AlertRules, phone: str | None, invalid: bool) -> None:
    assert (phone_issue(phone, rules) is not None) is invalid


@pytest.mark.parametrize(
    ("texts", "word"),
    [
        (["三次电话联系不上，旺旺不回"], "联系不上"),
        ([None, "异常：收件人电话空号"], "空号"),
        (["规蜜提示可疑订单"], "可疑订单"),
        (["已联系上买家，地址无误"], None),
        (["老客户，优先发"], None),
        ([], None),
    ],
)
def test_unreachable_issue(rules: AlertRules, texts: list[str | None], word: str | None) -> None:
    issue = unreachable_issue(texts, rules)
    assert (issue.zh if issue else None) == (f"备注显示“{word}”" if word else None)


def test_mask_name() -> None:
    assert [mask_name(x) for x in ("tb_anna", "张三丰", "张三", "a", "", None)] == [
        "t***a",
        "张*丰",
        "张*",
        "*",
        "-",
        "-",
    ]


# --- suspicious orders ---------------------------------------------------------------------------


def order(no: str, **kw: object) -> OrderFacts:
    base: dict[str, object] = {
        "paid_at": t(30, 10),
        "paid_amount": Decimal("199.00"),
        "address": GOOD,
        "phone": "13800138000",
        "buyer": "tb_anna",
    }
    base.update(kw)
    return OrderFacts(order_no=no, **base)  # type: ignore[arg-type]


def test_suspicious_order_alert(rules: AlertRules) -> None:
    orders = [
        order("A", address="浙江省 杭州市 西湖区 不详"),
        order("B"),  # fine
        order("C", seller_memo="电话打不通", paid_at=t(25)),
        order("D", address="不详", shipped_at=t(30, 12)),  # shipped: the warning lapsed
        order("E", address="不详", closed=True),
        order("F", address="不详", paid_at=None),  # unpaid
        order("G", address="不详", cod=True, paid_at=None, created_at=t(31, 9)),
    ]
    found = {a.order_no: a for a in suspicious_orders(orders, {}, AT, rules)}
    assert set(found) == {"A", "C", "G"}
    a = found["A"]
    assert a.kind == "suspicious_order" and a.key == "suspicious_order:A"
    assert a.due_at == t(30, 10) + timedelta(days=15)  # handled within 15 days of the warning
    assert a.detected_at == t(30, 10)
    assert a.severity == "warning"  # ship-by 11-02 10:00 is more than 24 h away
    assert a.exposure == Decimal("59.70")  # what a late shipment would cost
    assert a.reasons == ("address_placeholder", "address_short", "no_house_number")
    assert "地址含“不详”" in a.title
    for words in ("规蜜", "备案", "15 天", "11-14 10:00", "只能处理一次", "发货", "失效"):
        assert words in a.advice, words
    assert "redline alerts file A" in a.advice
    # Read on the alerts page, the advice points to the page's filing form instead.
    from redline.records.alerts.suspicious import advice_for

    on_page = advice_for(a.advice, "A", "web")
    assert "redline alerts file" not in on_page and "本页" in on_page
    on_page_en = advice_for(a.advice_en, "A", "web", "en")
    assert "redline alerts file" not in on_page_en and "on this page" in on_page_en
    assert "规蜜" in a.advice_en and "15 days" in a.advice_en
    # C: the buyer cannot be reached and ship-by (10-28 10:00) has passed → critical
    assert found["C"].severity == "critical" and found["C"].reasons == ("buyer_unreachable",)
    assert "已逾期" in found["C"].advice
    assert found["G"].exposure == Decimal("0.00")  # COD: outside the late-shipping rule
    d = a.to_dict()
    assert d["due_at"] == "2026-11-14T10:00:00+08:00" and d["kind_name"] == "可疑订单"
    assert d["facts"]["ship_by"] == "2026-11-02T10:00:00+08:00"


def test_handled_orders_raise_nothing(rules: AlertRules) -> None:
    bad = order("A", address="不详")
    for outcome in ("address_wrong", "unreachable", "address_ok"):  # handled once, finally
        filings = {"A": FilingFacts("A", outcome, t(31))}
        assert suspicious_orders([bad], filings, AT, rules) == []


def test_after_the_window_filing_is_no_longer_possible(rules: AlertRules) -> None:
    (a,) = suspicious_orders([order("A", address="不详", paid_at=t(10))], {}, AT, rules)
    assert a.severity == "warning" and a.facts["window_passed"]
    assert "已不能备案" in a.advice and "协商一致" in a.advice


# --- deposit drain -------------------------------------------------------------------------------

# Agents chat every day except 10-20 18:00 → 10-24 09:00 (3.6 days offline).
ONLINE = [t(d, h) for d in range(10, 32) for h in (9, 18) if not (t(20, 18) < t(d, h) < t(24, 9))]
BOTS = [
    order("B1", paid_at=t(22, 2), paid_amount=Decimal("1700.00")),
    order("B2", paid_at=t(22, 3), paid_amount=Decimal("1700.00")),
    order("B3", paid_at=t(23, 4), paid_amount=Decimal("1200.00")),
    order("S1", paid_at=t(22, 5), paid_amount=Decimal("99.00")),  # small: not part of it
    order("C1", paid_at=t(22, 6), paid_amount=Decimal("1700.00"), cod=True),  # COD: no claim
    order("N1", paid_at=t(25, 6), paid_amount=Decimal("1700.00")),  # paid once back online
]


def test_offline_gaps() -> None:
    assert offline_gaps(ONLINE, AT, timedelta(days=3)) == [(t(20, 18), t(24, 9), False)]
    assert offline_gaps([t(27, 9)], AT, timedelta(days=3)) == [(t(27, 9), AT, True)]
    assert offline_gaps([], AT, timedelta(days=3)) == []  # no evidence either way
    # A chat log exported on the 28th says nothing about the 29th onwards …
    assert offline_gaps([t(27, 9)], AT, timedelta(days=3), known_until=t(28, 9)) == []
    # … one whose buyers kept writing until the 31st does.
    assert offline_gaps([t(27, 9)], AT, timedelta(days=3), known_until=t(31, 12)) == [
        (t(27, 9), t(31, 12), False)
    ]


def test_deposit_drain_burst(rules: AlertRules) -> None:
    (a,) = deposit_drain(ONLINE, BOTS, [], {}, AT, rules)
    assert a.kind == "deposit_drain" and a.orders == ("B1", "B2", "B3")
    assert a.severity == "warning"  # no claim yet, the shop is back online
    assert a.exposure == Decimal("1360.00")  # 500 + 500 + 360: 30 %, capped at 500 each
    assert a.due_at == t(25, 2)  # ship B1 within 72 h and there is nothing to claim
    assert a.detected_at == t(22, 3)  # the second order made it a burst
    assert a.key == "deposit_drain:2026-10-20T18:00:00+08:00"
    assert "约 3.6 天没有客服在线" in a.advice and "每天保持在线" in a.advice
    assert "3 笔高额订单" in a.advice and "¥4,600.00" in a.advice


def test_deposit_drain_claims_make_it_critical(rules: AlertRules) -> None:
    refunds = [
        RefundFacts("B1", "缺货", t(22, 8), "out_of_stock"),
        RefundFacts("B3", "未按约定时间发货", t(26, 9), "late_shipment"),
        RefundFacts("B2", "缺货", t(22, 9), "out_of_stock", closed=True),  # withdrawn
        RefundFacts("N1", "缺货", t(25, 9), "out_of_stock"),
    ]
    filings = {"B2": FilingFacts("B2", "unreachable", t(23))}  # filed: supported, costs nothing
    (a,) = deposit_drain(ONLINE, BOTS, refunds, filings, AT, rules)
    assert a.severity == "critical"
    assert a.facts["claimed_orders"] == ["B1", "B3"]
    assert a.facts["claimed_exposure"] == "860.00"
    assert a.exposure == Decimal("860.00")
    assert "2 笔已申请缺货/延迟发货退款" in a.title
    assert "修改退款原因" in a.advice and "小二介入" in a.advice


@pytest.mark.parametrize(
    ("online", "orders", "why"),
    [
        ([*ONLINE, t(22, 12)], BOTS, "someone answered a chat inside the gap"),
        (ONLINE, BOTS[:1] + BOTS[3:], "one high-value order is not a burst"),
        (ONLINE, [o for o in BOTS if o.order_no.startswith(("S", "C", "N"))], "small/COD/later"),
        ([], BOTS, "no chats imported: nothing known about being online"),
    ],
)
def test_deposit_drain_near_misses(
    rules: AlertRules, online: list[datetime], orders: list[OrderFacts], why: str
) -> None:
    assert deposit_drain(online, orders, [], {}, AT, rules) == [], why


def test_deposit_drain_while_still_offline(rules: AlertRules) -> None:
    last_seen = [t(27, 9)]
    orders = [order(f"X{i}", paid_at=t(30, i), paid_amount=Decimal("1700.00")) for i in (1, 2)]
    (a,) = deposit_drain(last_seen, orders, [], {}, AT, rules)
    assert a.severity == "critical" and a.facts["offline_now"]
    assert "至 现在" in a.advice and "No agent online 10-27 09:00 to now" in a.title_en


# --- extortion and the shipping watch ----------------------------------------------------------


def test_extortion_alerts(rules: AlertRules) -> None:
    findings = [
        ExtortionFacts(1, "c1", t(30), "给我200块钱", "tb_evil", "301"),
        ExtortionFacts(2, "c1", t(30, 11), "保护费", "tb_evil"),
        ExtortionFacts(3, "c2", t(30), "给200元", "tb_x", status="dismissed"),
        ExtortionFacts(4, "c3", t(1) - timedelta(days=40), "给200元", "tb_y"),  # long ago
    ]
    (a,) = extortion_alerts(findings, AT, rules)
    assert (a.kind, a.severity, a.conversation, a.order_no) == (
        "extortion",
        "critical",
        "c1",
        "301",
    )
    assert a.evidence == "给我200块钱；保护费"
    assert a.due_at is None and a.facts["findings"] == [1, 2]
    assert "切勿私下给钱" in a.advice and "不合理评价" in a.advice


def test_ship_by_alerts(rules: AlertRules) -> None:
    watch = [
        ShipWatch("late", t(27, 10), t(30, 10), True, Decimal("30.00")),
        ShipWatch("soon", t(29, 10), t(1, 10) + timedelta(days=31), False, Decimal("8.97")),
        ShipWatch("filed", t(27, 10), t(30, 10), True, Decimal("30.00")),
        ShipWatch("sus", t(27, 10), t(30, 10), True, Decimal("30.00")),
    ]
    filings = {"filed": FilingFacts("filed", "address_wrong", t(28))}
    found = ship_by_alerts(watch, filings, AT, rules, skip={"sus"})
    assert [(a.order_no, a.severity) for a in found] == [("late", "critical"), ("soon", "warning")]
    late, soon = found
    assert "已超过发货时限 10-30 10:00（逾期 1天10小时）" in late.advice
    assert "¥30.00" in late.advice and late.due_at == t(30, 10)
    assert "还剩 14小时" in soon.advice
    assert sort_alerts([soon, late]) == [late, soon]


# --- messages for group chats --------------------------------------------------------------------


def test_alert_messages_mask_and_escape(rules: AlertRules) -> None:
    evil = ExtortionFacts(
        1, "c1", t(30), "加我13912345678，给**200**元[删评](http://x)", "tb_evilbuyer"
    )
    alerts = extortion_alerts([evil], AT, rules) + suspicious_orders(
        [order(f"O{i}", address="不详") for i in range(7)], {}, AT, rules
    )
    messages = alert_messages(alerts, AT, batch=3, at_mobiles=("13800138000",))
    assert len(messages) == 3
    first = messages[0]
    assert first.title.startswith("redline 风险告警：紧急 1 条，警告 2 条 (1/3)")
    assert first.at_mobiles == ("13800138000",)  # a critical alert: @ the person on duty
    assert messages[1].at_mobiles == ()
    body = first.text
    assert "tb_evilbuyer" not in body and "t***r" in body
    assert "13912345678" not in body and "139****5678" in body
    assert r"\*\*200\*\*" in body and r"\[删评\]\(http://x\)" in body
    assert all(m.kind == "alert" for m in messages)
    en = alert_messages(alerts[:1], AT, lang="en")[0]
    assert en.title == "redline risk alerts: 1 critical" and "To do" in en.text


# --- the store: filings ------------------------------------------------------------------------


def add_order(engine: Engine, no: str, **kw: object) -> None:
    values: dict[str, object] = {
        "status": "买家已付款，等待卖家发货",
        "buyer_nick": "tb_anna",
        "paid_at": t(30, 10),
        "paid_amount": Decimal("199.00"),
        "address": GOOD,
        "phone": "13800138000",
        "row_hash": "x",
    }
    values.update(kw)
    with writing(engine) as s:
        s.add(Order(order_no=no, **values))


def test_filing_once_and_final(engine: Engine) -> None:
    add_order(engine, "301", address="浙江省 杭州市 西湖区 不详")
    with writing(engine) as s:
        row = file_suspicious(
            s, "301", outcome="unreachable", reason="三次电话未接通", by="小美", at=t(31), now=AT
        )
        assert row.warned_at == t(30, 10)
    with pytest.raises(FilingError, match="只有一次备案机会") as err, writing(engine) as s:
        file_suspicious(s, "301", outcome="address_ok", reason="改了", by=None, at=t(31), now=AT)
    assert "联系不上买家：三次电话未接通" in str(err.value)
    for sql in ("UPDATE suspicious_filings SET reason = 'x'", "DELETE FROM suspicious_filings"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    with session(engine) as s:
        (view,) = list_filings(s)
        assert view.status == "valid" and view.filing.filed_by == "小美"


@pytest.mark.parametrize(
    ("no", "kw", "at", "message"),
    [
        ("999", None, t(31), "没有订单 999"),
        ("302", {"shipped_at": t(30, 12)}, t(31), "已于 2026-10-30 12:00 发货"),
        ("303", {"paid_at": t(10)}, t(31), "处理时效（预警后 15 天，至 2026-10-25 10:00）已过"),
        ("304", {"status": "交易关闭"}, t(31), "已关闭"),
        ("305", {"paid_at": None, "status": "等待买家付款"}, t(31), "尚未付款"),
        ("306", None, t(29), "早于付款时间"),
    ],
)
def test_filing_refusals(
    sqlite_engine: Engine, no: str, kw: dict[str, object] | None, at: datetime, message: str
) -> None:
    if kw is not None or no != "999":
        add_order(sqlite_engine, no, **(kw or {}))
    with pytest.raises(FilingError, match=message), writing(sqlite_engine) as s:
        file_suspicious(s, no, outcome="address_wrong", reason="地址不存在", by=None, at=at, now=AT)


def test_filing_needs_a_reason_and_a_known_outcome(sqlite_engine: Engine) -> None:
    add_order(sqlite_engine, "301")
    with pytest.raises(FilingError, match="--reason"), writing(sqlite_engine) as s:
        file_suspicious(s, "301", outcome="unreachable", reason=" ", by=None, at=t(31), now=AT)
    with pytest.raises(FilingError, match="未知的处理结果"), writing(sqlite_engine) as s:
        file_suspicious(s, "301", outcome="lost", reason="x", by=None, at=t(31), now=AT)


# --- the store: alerts from imported data ----------------------------------------------------


def chat(cid: str, buyer_says: str, at: datetime, buyer: str = "tb_evil") -> Conversation:
    return Conversation(
        id=cid,
        order=ChatOrder(buyer=buyer, id="3100"),
        messages=[
            Message("buyer", buyer_says, buyer, at),
            Message(
                "agent", "亲，有问题我们走平台售后处理哦", "店:小美", at + timedelta(minutes=1)
            ),
        ],
    )


def test_alerts_from_the_store(engine: Engine) -> None:
    add_order(engine, "3100", address="浙江省 杭州市 西湖区 不详", paid_at=t(30, 10))
    add_order(engine, "3101", paid_at=t(27, 10))  # ship-by 10-30 10:00 passed
    add_order(engine, "3102", paid_at=t(27, 11), seller_memo="电话空号")
    for i, day in enumerate((22, 22, 23)):  # bots while nobody was online
        add_order(engine, f"32{i}", paid_at=t(day, 3 + i), paid_amount=Decimal("1700.00"))
    with writing(engine) as s:
        s.add(
            Refund(
                refund_no="R1",
                order_no="320",
                status="买家已经申请退款，等待卖家同意",
                applied_at=t(22, 9),
                reason="缺货",
                row_hash="x",
            )
        )
    import_chats(
        engine,
        [
            chat("c-before", "在吗", t(20, 18), "tb_a"),
            chat("c-evil", "东西有问题，给我200块钱，不然给你差评", t(30, 10)),
        ],
    )
    run_qa(engine, Guard.default(), "fp", now=AT)

    with session(engine) as s:
        found = current_alerts(s, None, AT)
    by_kind = {(a.kind, a.conversation or a.order_no) for a in found}
    assert ("suspicious_order", "3100") in by_kind
    assert ("suspicious_order", "3102") in by_kind  # its ship-by is inside this alert
    assert ("ship_by", "3101") in by_kind and ("ship_by", "3102") not in by_kind
    assert ("extortion", "c-evil") in by_kind
    (drain,) = [a for a in found if a.kind == "deposit_drain"]
    assert drain.orders == ("320", "321", "322") and drain.severity == "critical"
    assert drain.facts["claimed_orders"] == ["320"]
    assert [a.severity for a in found] == sorted(
        (a.severity for a in found), key=["critical", "warning", "info"].index
    )

    # Filing 3101 (bad address or not, it is the shop's call in 规蜜) stops its ship-by
    # alert; shipping it later voids the filing, and the alert would come back.
    with writing(engine) as s:
        file_suspicious(
            s, "3101", outcome="address_wrong", reason="查无此地址", by="小美", at=t(30, 12), now=AT
        )
        file_suspicious(
            s, "3100", outcome="unreachable", reason="联系不上", by="小美", at=t(31), now=AT
        )
    with session(engine) as s:
        keys = {a.key for a in current_alerts(s, None, AT)}
    assert "ship_by:3101" not in keys and "suspicious_order:3100" not in keys
    with writing(engine) as s:
        o = s.get(Order, "3101")
        assert o is not None
        o.shipped_at = t(31, 9)
    with session(engine) as s:
        assert {v.filing.order_no: v.status for v in list_filings(s)} == {
            "3101": "void",
            "3100": "valid",
        }


def test_push_log_sends_each_alert_once_per_severity(sqlite_engine: Engine) -> None:
    add_order(sqlite_engine, "3101", paid_at=t(29, 21))  # ship-by 11-01 21:00
    with session(sqlite_engine) as s:
        (due,) = current_alerts(s, None, t(31, 22))
        assert due.severity == "warning"
    with writing(sqlite_engine) as s:
        record_pushed(s, [due], "ops", AT)
    with session(sqlite_engine) as s:
        assert not_yet_pushed(s, [due], "ops") == []
        assert not_yet_pushed(s, [due], "boss") == [due]  # another robot has not had it
        (late,) = current_alerts(s, None, t(1, 22) + timedelta(days=31))
        assert late.key == due.key and late.severity == "critical"
        assert not_yet_pushed(s, [late], "ops") == [late]  # more urgent now: push again


def test_daily_digest(engine: Engine) -> None:
    add_order(engine, "3101", paid_at=t(27, 10), paid_amount=Decimal("100.00"))
    import_chats(engine, [chat("c-evil", "给我200块钱，不然给你差评", t(30, 10))])
    run_qa(engine, Guard.default(), "fp", now=AT)
    with writing(engine) as s:
        add_notice(s, at=t(15), points=6, type_="general", note="延迟发货", by="主管", now=AT)
    with session(engine) as s:
        d = daily_digest(s, load_rules(), AT)
    assert (d.general_points, d.severe_points) == (6, 0)
    assert d.next_nodes[0].points_left == 6
    assert d.stake_orders == Decimal("30.00") and d.late_orders == 1
    assert d.alerts_by_kind["ship_by"] == 1 and d.alerts_by_kind["extortion"] == 1
    assert d.findings_by_category == {"extortion": 1}
    text_zh = d.text()
    assert "一般违规 6 分" in text_zh and "再扣 6 分达到 12 分" in text_zh
    assert "昨日质检（10-30）：买家敲诈勒索 1" in text_zh
    assert "赔付风险：¥30.00" in text_zh
    m = d.message("en")
    assert m.kind == "digest" and "QA findings 10-30" in m.text
    assert d.to_dict()["compensation_at_stake"]["total"] == "30.00"


def test_silence_counts_only_as_far_as_the_chat_log_goes(engine: Engine) -> None:
    for i, day in enumerate((29, 30)):
        add_order(engine, f"33{i}", paid_at=t(day, 3), paid_amount=Decimal("1700.00"))
    import_chats(engine, [chat("c1", "在吗", t(27, 9), "tb_a")])  # the log ends on the 27th
    with session(engine) as s:
        assert [a for a in current_alerts(s, None, AT) if a.kind == "deposit_drain"] == []
    lonely = Conversation(
        id="c2",
        order=None,
        messages=[Message("buyer", "在吗？怎么没人回", "tb_b", t(31, 12))],
    )
    import_chats(engine, [lonely])  # a buyer wrote on the 31st and nobody answered
    with session(engine) as s:
        (drain,) = [a for a in current_alerts(s, None, AT) if a.kind == "deposit_drain"]
    assert drain.orders == ("330", "331") and drain.facts["gap_end"] == "2026-10-31T12:00:00+08:00"
    assert not drain.facts["offline_now"] and drain.severity == "warning"
