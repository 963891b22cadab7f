"""redline.desk.policy: after-sales clocks and money, checked against the seeds' worked examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from redline.desk import policy
from redline.desk.policy import Policy
from redline.guard.packs import load_rules

CN = Policy.default().tz
T0 = datetime(2023, 3, 1, 10, 0, tzinfo=CN)  # a China-time instant used as "applied/paid/signed"
SEC = timedelta(seconds=1)


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CN)


# --- settings -------------------------------------------------------------------------------


def test_bundled_policy_numbers():
    p = Policy.default()
    assert p == Policy(
        ship_hours_normal=72,
        ship_days_juhuasuan=7,
        presale_days_default=15,
        compensation_percent=30,
        compensation_cap_yuan=500,
        dispute_after_hours=72,
        auto_refund_days=5,
        no_reason_return_days=7,
        quality_return_days=15,
        return_receipt_days_express=10,
        return_receipt_days_surface=30,
        review_hours=24,
        suspicious_order_days=15,
        timezone="Asia/Shanghai",
    )
    assert Policy.default() is p  # cached


def test_no_reason_return_days_is_the_core_setting_not_a_duplicate():
    rs = load_rules()
    assert rs.settings["no_reason_return_days"] == 7
    assert "policy_no_reason_return_days" not in rs.settings
    assert "policy (60-policy.yaml)" in rs.packs


def test_shop_pack_overrides_a_policy_setting(tmp_path: Path):
    (tmp_path / "90-shop.yaml").write_text(
        "pack: shop\nsettings:\n  policy_compensation_cap_yuan: 300\n  no_reason_return_days: 10\n",
        encoding="utf-8",
    )
    p = Policy.from_settings(load_rules([tmp_path]).settings, source="shop")
    assert p.compensation_cap_yuan == 300
    assert p.compensation("2000", "缺货") == Decimal("300.00")
    assert p.compensation("500", "缺货") == Decimal("150.00")
    assert p.no_reason_return_until(cn(2023, 9, 3, 15)) == cn(2023, 9, 13, 15)
    assert Policy.default().compensation("2000", "缺货") == Decimal("500.00")  # untouched


def test_missing_setting_is_named():
    settings = dict(load_rules().settings)
    del settings["policy_review_hours"]
    with pytest.raises(ValueError, match=r"^缺少策略设置 'policy_review_hours'.*\(missing") as err:
        Policy.from_settings(settings, source="my.yaml")
    assert "my.yaml" in str(err.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("policy_review_hours", "24"),
        ("policy_review_hours", 0),
        ("policy_review_hours", True),
        ("policy_compensation_percent", 101),
        ("policy_compensation_percent", 0.3),
        ("policy_compensation_cap_yuan", -1),
        ("policy_timezone", "Mars/Olympus_Mons"),
        ("policy_timezone", 8),
    ],
)
def test_invalid_setting_is_named(key, value):
    settings = {**load_rules().settings, key: value}
    with pytest.raises(ValueError, match=rf"^策略设置 '{key}' 无效.*\(invalid policy setting"):
        Policy.from_settings(settings)


# --- time zone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (datetime(2023, 3, 1, 10, 0), cn(2023, 3, 1, 10, 0)),  # naive = China time
        (datetime(2023, 3, 1, 2, 0, tzinfo=UTC), cn(2023, 3, 1, 10, 0)),
        (datetime(2023, 2, 28, 20, 0, tzinfo=UTC), cn(2023, 3, 1, 4, 0)),  # crosses midnight
        (cn(2023, 3, 1, 10, 0), cn(2023, 3, 1, 10, 0)),
    ],
)
def test_to_china(given, expected):
    got = policy.to_china(given)
    assert got == expected
    assert got.utcoffset() == timedelta(hours=8)
    assert got.replace(tzinfo=None) == expected.replace(tzinfo=None)  # same wall clock


def test_china_now_is_aware():
    now = policy.china_now()
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


def test_naive_and_aware_inputs_agree():
    naive = datetime(2023, 3, 1, 10, 0)
    utc = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
    assert policy.ship_by(naive) == policy.ship_by(utc) == cn(2023, 3, 4, 10, 0)
    assert policy.ship_by(utc).tzinfo == CN


def test_to_china_refuses_non_datetime():
    with pytest.raises(TypeError):
        policy.to_china("2023-03-01")  # type: ignore[arg-type]


# --- clocks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "args", "expected"),
    [
        (policy.ship_by, (), T0 + timedelta(hours=72)),
        (policy.ship_by, ("normal",), cn(2023, 3, 4, 10, 0)),
        (policy.ship_by, ("juhuasuan",), cn(2023, 3, 8, 10, 0)),
        (policy.ship_by, ("presale",), cn(2023, 3, 16, 10, 0)),  # pack default 15 days (003)
        (policy.ship_by, ("presale", 30), cn(2023, 3, 31, 10, 0)),
        (policy.dispute_opens_at, (), cn(2023, 3, 4, 10, 0)),
        (policy.auto_refund_at, (), cn(2023, 3, 6, 10, 0)),
        (policy.no_reason_return_until, (), cn(2023, 3, 8, 10, 0)),
        (policy.quality_return_until, (), cn(2023, 3, 16, 10, 0)),
        (policy.return_receipt_until, (), cn(2023, 3, 11, 10, 0)),
        (policy.return_receipt_until, ("express",), cn(2023, 3, 11, 10, 0)),
        (policy.return_receipt_until, ("surface",), cn(2023, 3, 31, 10, 0)),
        (policy.review_due_at, (), cn(2023, 3, 2, 10, 0)),
        (policy.suspicious_order_until, (), cn(2023, 3, 16, 10, 0)),
    ],
)
def test_clocks(func, args, expected):
    deadline = func(T0, *args)
    assert deadline == expected
    assert deadline.tzinfo == CN
    # The deadline is the last allowed moment: in time at it, late one second after.
    assert policy.is_within(deadline, deadline - SEC)
    assert policy.is_within(deadline, deadline)
    assert not policy.is_within(deadline, deadline + SEC)


def test_methods_match_module_functions():
    p = Policy.default()
    assert p.ship_by(T0, "juhuasuan") == policy.ship_by(T0, "juhuasuan")
    assert p.review_due_at(T0) == policy.review_due_at(T0)


@pytest.mark.parametrize(
    ("at", "in_time"),
    [
        (datetime(2023, 9, 10, 14, 59, 59), True),
        (datetime(2023, 9, 10, 15, 0, 0), True),  # the last moment (001)
        (datetime(2023, 9, 10, 15, 0, 1), False),
        (datetime(2023, 9, 11, 15, 0, 0), False),  # the exam's answer: not supported (001)
        (datetime(2023, 9, 10, 7, 0, 0, tzinfo=UTC), True),  # = 15:00 China time
        (datetime(2023, 9, 10, 7, 0, 1, tzinfo=UTC), False),
    ],
)
def test_seven_day_no_reason_return_seed_001(at, in_time):
    # 李毅 signed 9/3 15:00 (001 exam question 8).
    until = policy.no_reason_return_until(datetime(2023, 9, 3, 15, 0))
    assert until == cn(2023, 9, 10, 15, 0)
    assert policy.is_within(until, at) is in_time


def test_clock_across_month_end():
    assert policy.ship_by(cn(2023, 2, 27, 23, 30)) == cn(2023, 3, 2, 23, 30)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sale": "flash"}, "未知的销售类型"),
        ({"sale": "normal", "presale_days": 10}, "presale_days"),
        ({"sale": "presale", "presale_days": 0}, "预售发货天数"),
    ],
)
def test_ship_by_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        policy.ship_by(T0, **kwargs)


def test_return_receipt_rejects_unknown_mail():
    with pytest.raises(ValueError, match="未知的寄件方式"):
        policy.return_receipt_until(T0, "pigeon")  # type: ignore[arg-type]


# --- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "reason", "expected"),
    [
        ("1000", "late_shipment", "300.00"),
        (1000, "out_of_stock", "300.00"),
        (Decimal("1000"), "fake_shipment", "300.00"),
        ("1666", "out_of_stock", "499.80"),
        ("1666.66", "out_of_stock", "500.00"),  # 499.998 rounds up to the cap
        ("1666.65", "out_of_stock", "500.00"),  # 499.995 rounds half-up to the cap
        ("1666.55", "out_of_stock", "499.97"),  # 499.965 half-up (banker's: 499.96)
        ("1666.67", "out_of_stock", "500.00"),  # 500.001 capped
        ("2000", "out_of_stock", "500.00"),
        ("100000", "out_of_stock", "500.00"),
        ("0.01", "out_of_stock", "0.00"),
        ("0.15", "out_of_stock", "0.05"),  # 0.045: half-up, not banker's 0.04
        ("0", "out_of_stock", "0.00"),
        ("168", "卖家缺货", "50.40"),  # Chinese reason as on the refund form
        ("168", "未按约定时间发货", "50.40"),
        ("168", "延迟发货", "50.40"),
        ("168", "卖家虚假发货", "50.40"),
        ("168", "缺貨", "50.40"),  # traditional (003)
        ("168", "协商一致", "0.00"),
        ("168", "其他", "0.00"),
        ("168", "no_reason", "0.00"),
        ("168", "", "0.00"),
    ],
)
def test_compensation(paid, reason, expected):
    got = policy.compensation(paid, reason)
    assert got == Decimal(expected)
    assert str(got) == expected  # always two decimals


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("缺货", "out_of_stock"),
        ("卖家缺货", "out_of_stock"),
        ("未按约定时间发货", "late_shipment"),
        ("延迟发货", "late_shipment"),
        ("虚假发货", "fake_shipment"),
        ("卖家虚假发货（已上传物流凭证）", "fake_shipment"),
        (" late_shipment ", "late_shipment"),
        ("协商一致", None),
        ("7天无理由退货", None),
        ("", None),
    ],
)
def test_compensation_reason(text, code):
    assert policy.compensation_reason(text) == code


@pytest.mark.parametrize(
    ("goods", "shipping", "expected"),
    [
        ("168", "15", "168.00"),  # 001 exam: 张三 168元衣服, 邮费15元 → 退168, not 183
        (168, 0, "168.00"),
        (Decimal("99.9"), Decimal("8"), "99.90"),
    ],
)
def test_refund_amount_excludes_postage(goods, shipping, expected):
    assert policy.refund_amount(goods, shipping) == Decimal(expected)


@pytest.mark.parametrize(
    ("total", "shipping", "expected"),
    [
        ("215", "15", "200.00"),  # rules.md: 215 paid incl. 15 shipping → invoice 200
        ("215", "0", "215.00"),
        ("0.01", "0", "0.01"),
        ("15", "15", "0.00"),
    ],
)
def test_invoice_amount_excludes_shipping(total, shipping, expected):
    assert policy.invoice_amount(total, shipping) == Decimal(expected)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: policy.compensation(0.1, "缺货"), TypeError, "float"),
        (lambda: policy.compensation(100.0, "其他"), TypeError, "float"),
        (lambda: policy.compensation(True, "缺货"), TypeError, "Decimal"),
        (lambda: policy.compensation("-1", "缺货"), ValueError, "negative"),
        (lambda: policy.compensation("abc", "缺货"), ValueError, "not a valid amount"),
        (lambda: policy.compensation("NaN", "缺货"), ValueError, "not a valid amount"),
        (lambda: policy.refund_amount("168", 15.0), TypeError, "float"),
        (lambda: policy.refund_amount(-168, 15), ValueError, "negative"),
        (lambda: policy.invoice_amount("10", "15"), ValueError, "exceeds"),
        (lambda: policy.invoice_amount(215.0, "15"), TypeError, "float"),
    ],
)
def test_bad_money(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- CLI parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", timedelta(hours=24)),
        ("3d", timedelta(days=3)),
        ("90m", timedelta(minutes=90)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1d 12h 30m", timedelta(days=1, hours=12, minutes=30)),
        ("45s", timedelta(seconds=45)),
        (" 24H ", timedelta(hours=24)),
        ("3天", timedelta(days=3)),
        ("24小时", timedelta(hours=24)),
    ],
)
def test_parse_duration(text, expected):
    assert policy.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "1.5h", "-3d", "1h1h", "3 weeks", "24h!"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match=r"^无法识别的时长.*\(unrecognised duration"):
        policy.parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-03-01 10:00", cn(2023, 3, 1, 10, 0)),
        ("2023-03-01 10:00:30", cn(2023, 3, 1, 10, 0, 30)),
        ("2023-03-01T10:00:00", cn(2023, 3, 1, 10, 0)),
        ("2023-03-01T10:00:00+08:00", cn(2023, 3, 1, 10, 0)),
        ("2023-03-01T02:00:00Z", cn(2023, 3, 1, 10, 0)),
        ("2023-03-01T02:00:00+00:00", cn(2023, 3, 1, 10, 0)),
        ("2023/03/01 10:00", cn(2023, 3, 1, 10, 0)),
        ("2023-03-01", cn(2023, 3, 1, 0, 0)),
    ],
)
def test_parse_time(text, expected):
    got = policy.parse_time(text)
    assert got == expected
    assert got.tzinfo == CN


@pytest.mark.parametrize("text", ["", "yesterday", "2023-13-01 10:00", "10:00", "2023-03-01 25:00"])
def test_parse_time_rejects(text):
    with pytest.raises(ValueError, match=r"^无法识别的时间.*\(unrecognised time"):
        policy.parse_time(text)
