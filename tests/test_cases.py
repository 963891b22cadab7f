"""The case rules without a database: reading the export, the state machine, clocks."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from redline.desk import cases
from redline.desk.cases import ActionInput, CaseFacts, TransitionError
from redline.desk.policy import Policy
from redline.guard.packs import load_rules

CN = ZoneInfo("Asia/Shanghai")
RS = load_rules()
POLICY = Policy.default()
APPLIED = datetime(2026, 10, 20, 9, 30, tzinfo=CN)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("status", "dispute", "state"),
    [
        ("买家已经申请退款，等待卖家同意", None, "requested"),
        ("卖家已经同意退款，等待买家退货", "无", "awaiting_return"),
        ("买家已经退货，等待卖家确认收货", None, "returned"),
        ("卖家拒绝退款", None, "rejected"),
        ("卖家拒绝退款", "客服介入中", "disputed"),
        ("买家已经申请退款，等待卖家同意", "需要客服介入", "disputed"),
        ("买家已经申请退款，等待卖家同意", "不需要客服介入", "requested"),
        ("退款关闭", "客服介入中", "closed"),
        ("退款成功", None, "refunded"),
        ("退款已关闭", None, "closed"),
        ("什么状态", None, None),
    ],
)
def test_state_from_export(status: str, dispute: str | None, state: str | None) -> None:
    assert cases.state_from_export(status, dispute) == state


@pytest.mark.parametrize(
    ("reason", "code", "compensation", "postage"),
    [
        ("缺货", "out_of_stock", "out_of_stock", None),
        ("卖家缺货", "out_of_stock", "out_of_stock", None),
        ("未按约定时间发货", "late_shipment", "late_shipment", None),
        ("虚假发货", "fake_shipment", "fake_shipment", None),
        ("七天无理由退换货", "no_reason", None, "buyer"),
        ("质量问题", "quality", None, "seller"),
        ("发错货", "wrong_item", None, "seller"),
        ("少件/漏发", "short_shipment", None, "seller"),
        ("快递一直未送达", "lost_parcel", None, None),
        ("协商一致退款", "agreed", None, None),
        ("随便写写", None, None, None),
    ],
)
def test_reasons_from_the_pack(
    reason: str, code: str | None, compensation: str | None, postage: str | None
) -> None:
    matched = cases.match_reason(RS, reason)
    assert (matched.code if matched else None) == code
    if matched:
        assert matched.compensation == compensation
        assert matched.postage == postage
        assert matched.advice is not None and matched.advice.zh


@pytest.mark.parametrize(
    ("reason", "need_return", "after_sale", "kind"),
    [
        ("缺货", False, None, "refund"),
        ("七天无理由退换货", True, None, "return"),
        ("七天无理由退换货", False, None, "refund"),
        ("尺码不合适", True, "换货", "exchange"),
        ("质量问题", True, "维修", "repair"),
        ("少件/漏发", False, None, "short"),
        ("发错货", True, None, "wrong"),
        ("快递丢失", False, None, "lost"),
        (None, True, None, "return"),
    ],
)
def test_kind_from_export(
    reason: str | None, need_return: bool, after_sale: str | None, kind: str
) -> None:
    matched = cases.match_reason(RS, reason)
    assert cases.kind_from_export(matched, need_return, after_sale) == kind


def facts(state: str, **kw: object) -> CaseFacts:
    base: dict[str, object] = {"kind": "return", "state": state, "opened_at": APPLIED}
    base.update(kw)
    return CaseFacts(**base)  # type: ignore[arg-type]


def test_requested_runs_review_dispute_and_auto_refund_clocks() -> None:
    got = cases.clocks(facts("requested", applied_at=APPLIED), POLICY, RS.settings)
    assert [(c.name, c.due_at) for c in got] == [
        ("review", APPLIED + timedelta(hours=24)),
        ("dispute_opens", APPLIED + timedelta(hours=72)),
        ("auto_refund", APPLIED + timedelta(days=5)),
    ]


def test_returned_parcel_clock_express_and_surface_mail() -> None:
    shipped = datetime(2026, 10, 22, 18, 0, tzinfo=CN)
    express = cases.clocks(
        facts("returned", applied_at=APPLIED, buyer_returned_at=shipped, return_carrier="顺丰"),
        POLICY,
        RS.settings,
    )
    assert [(c.name, c.due_at) for c in express] == [
        ("check_logistics", shipped + timedelta(days=5)),
        ("receipt_until", shipped + timedelta(days=10)),
    ]
    surface = cases.clocks(
        facts("returned", buyer_returned_at=shipped, return_carrier="中国邮政平邮"),
        POLICY,
        RS.settings,
    )
    assert surface[-1].due_at == shipped + timedelta(days=30)


def test_terminal_states_run_no_clocks() -> None:
    for state in cases.TERMINAL:
        assert cases.clocks(facts(state, applied_at=APPLIED), POLICY, RS.settings) == []


@pytest.mark.parametrize(
    ("offset", "passed"),
    [(-SECOND, []), (timedelta(0), []), (SECOND, ["review"])],
)
def test_a_clock_passes_one_second_after_its_instant(offset: timedelta, passed: list[str]) -> None:
    got = cases.clocks(facts("requested", applied_at=APPLIED), POLICY, RS.settings)
    u = cases.urgency(got, APPLIED + timedelta(hours=24) + offset)
    assert [c.name for c in u.passed] == passed
    assert u.overdue is bool(passed)


def given(at: datetime, **kw: str) -> ActionInput:
    return ActionInput(at=at, actor="小美", **kw)


@pytest.mark.parametrize(
    ("state", "action", "kw", "target"),
    [
        ("requested", "agree", {}, "awaiting_return"),
        ("requested", "refund", {}, "refunded"),
        ("requested", "reject", {"note": "已发货，物流凭证见附件"}, "rejected"),
        ("awaiting_return", "buyer_shipped", {"tracking_no": "SF1234567890"}, "returned"),
        ("returned", "refund", {}, "refunded"),
        ("open", "reship", {"tracking_no": "YT9876543210"}, "reshipped"),
        ("reshipped", "resolve", {}, "resolved"),
        ("disputed", "close", {}, "closed"),
    ],
)
def test_allowed_transitions(state: str, action: str, kw: dict[str, str], target: str) -> None:
    f = facts(state, applied_at=APPLIED)
    assert cases.apply(f, action, given(APPLIED + timedelta(hours=1), **kw), POLICY) == target


@pytest.mark.parametrize(
    ("state", "action", "kw", "kind", "message"),
    [
        ("requested", "reject", {}, "return", "理由"),
        ("awaiting_return", "buyer_shipped", {}, "return", "物流单号"),
        ("open", "reship", {}, "lost", "物流单号"),
        ("requested", "agree", {}, "refund", "仅退款"),
        ("refunded", "refund", {}, "return", "不能退款"),
        ("closed", "close", {}, "return", "不能关闭"),
        ("requested", "fly", {}, "return", "未知操作"),
    ],
)
def test_refused_transitions(
    state: str, action: str, kw: dict[str, str], kind: str, message: str
) -> None:
    f = facts(state, applied_at=APPLIED, kind=kind)
    with pytest.raises(TransitionError, match=message):
        cases.apply(f, action, given(APPLIED + timedelta(hours=1), **kw), POLICY)


@pytest.mark.parametrize(
    ("offset", "allowed"), [(-SECOND, False), (timedelta(0), True), (SECOND, True)]
)
def test_escalation_only_after_72_hours(offset: timedelta, allowed: bool) -> None:
    at = APPLIED + timedelta(hours=72) + offset
    f = facts("requested", applied_at=APPLIED)
    if allowed:
        assert cases.apply(f, "escalate", given(at), POLICY) == "disputed"
    else:
        with pytest.raises(TransitionError, match="72 小时"):
            cases.apply(f, "escalate", given(at), POLICY)


@pytest.mark.parametrize(
    ("reason", "state", "paid", "stake"),
    [
        ("缺货", "requested", "200.00", "60.00"),
        ("未按约定时间发货", "refunded", "2000.00", "500.00"),
        ("虚假发货", "rejected", "99.90", "29.97"),
        ("缺货", "closed", "200.00", "0.00"),
        ("七天无理由退换货", "requested", "200.00", "0.00"),
    ],
)
def test_exposure(reason: str, state: str, paid: str, stake: str) -> None:
    matched = cases.match_reason(RS, reason)
    assert cases.exposure(matched, state, Decimal(paid), POLICY) == Decimal(stake)
