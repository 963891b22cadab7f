"""Conversation parsing (formats.md): defaults, leniency with extras, strict shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from redline.model import Conversation, ConversationError, Finding, Order, Shop

MSG = {"role": "buyer", "account": "tb_a", "text": "能开发票吗"}


def conv(**kw) -> Conversation:
    data = {"messages": [MSG], **kw}
    return Conversation.from_dict(data)


def test_only_messages_required():
    c = Conversation.from_dict({"messages": []}, default_id="7")
    assert c.messages == []
    assert c.id == "7"
    assert c.shop == Shop()
    assert c.order is None
    assert c.has_shop is False
    assert c.expect is None


def test_id_defaults_and_is_a_string():
    assert Conversation.from_dict({"messages": [MSG]}).id == ""
    assert Conversation.from_dict({"messages": [MSG]}, default_id="3").id == "3"
    assert Conversation.from_dict({"id": 42, "messages": [MSG]}, default_id="3").id == "42"
    assert Conversation.from_dict({"id": "c001", "messages": [MSG]}, default_id="3").id == "c001"


def test_shop_defaults():
    s = conv(shop={}).shop
    assert (s.platform, s.cod, s.credit_card, s.free_shipping, s.free_shipping_exclusions) == (
        "tmall",
        False,
        True,
        False,
        (),
    )


@pytest.mark.parametrize(
    ("shop", "cards"),
    [
        ({"platform": "tmall"}, True),
        ({"platform": "taobao"}, False),
        ({"platform": "taobao", "credit_card": True}, True),
        ({"platform": "tmall", "credit_card": False}, False),
        ({"platform": "taobao", "credit_card": None}, False),
    ],
)
def test_credit_card_default_follows_platform(shop, cards):
    assert conv(shop=shop).shop.credit_card is cards


def test_default_shop_applies_only_without_a_shop():
    default = Shop(platform="taobao", credit_card=False)
    c = Conversation.from_dict({"messages": [MSG]}, default_shop=default)
    assert c.shop is default and not c.has_shop
    c = Conversation.from_dict({"messages": [MSG], "shop": {"cod": True}}, default_shop=default)
    assert c.shop.platform == "tmall" and c.shop.cod and c.has_shop


def test_shop_round_trip():
    s = conv(
        shop={
            "platform": "tmall",
            "cod": True,
            "free_shipping": True,
            "free_shipping_exclusions": ["新疆", "西藏"],
        }
    ).shop
    assert s.free_shipping_exclusions == ("新疆", "西藏")
    assert s.to_dict()["free_shipping_exclusions"] == ["新疆", "西藏"]
    json.dumps(s.to_dict())


def test_order_fields_and_defaults():
    o = conv(
        order={
            "id": 3012889001,
            "buyer": "tb_lily88",
            "amount": 215,
            "shipping_fee": "15",
            "status": "paid",
        }
    ).order
    assert o == Order(
        id="3012889001",
        buyer="tb_lily88",
        amount=215.0,
        shipping_fee=15.0,
        payment="alipay",
        status="paid",
    )
    assert conv(order={}).order is None
    assert conv(order=None).order is None
    assert conv(order={"payment": "cod"}).order.payment == "cod"


def test_messages_time_and_account():
    c = Conversation.from_dict(
        {
            "messages": [
                {
                    "role": "buyer",
                    "account": 12345,
                    "text": "hi",
                    "time": "2026-11-20T10:00:00+08:00",
                },
                {"role": "agent", "text": "您好"},
                {"role": "system", "text": "已签收", "time": ""},
            ]
        }
    )
    m0, m1, m2 = c.messages
    assert m0.account == "12345"
    assert m0.time == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert m0.time.utcoffset() == timedelta(hours=8)
    assert m1.account is None and m1.time is None
    assert m2.time is None


def test_message_text_defaults_to_empty():
    assert Conversation.from_dict({"messages": [{"role": "agent"}]}).messages[0].text == ""


def test_unknown_fields_ignored_and_expect_kept():
    c = Conversation.from_dict(
        {
            "messages": [dict(MSG, colour="red")],
            "channel": "app",
            "expect": [{"message": 0, "category": "invoice"}],
        }
    )
    assert c.expect == [{"message": 0, "category": "invoice"}]
    assert Conversation.from_dict({"messages": [MSG], "expect": "x"}).expect is None


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        pytest.param([], "JSON", id="not-an-object"),
        pytest.param("text", "JSON", id="string"),
        pytest.param({}, "messages", id="missing-messages"),
        pytest.param({"id": "c1"}, "messages", id="missing-messages-with-id"),
        pytest.param({"messages": "hello"}, "messages", id="messages-not-list"),
        pytest.param({"messages": None}, "messages", id="messages-null"),
        pytest.param({"messages": ["hello"]}, "messages[0]", id="message-not-object"),
        pytest.param(
            {"messages": [{"role": "customer", "text": "x"}]}, "customer", id="unknown-role"
        ),
        pytest.param({"messages": [{"text": "x"}]}, "role", id="missing-role"),
        pytest.param(
            {"messages": [MSG, {"role": "agent", "text": 5}]}, "messages[1]", id="text-not-string"
        ),
        pytest.param({"messages": [dict(MSG, time="yesterday")]}, "yesterday", id="bad-time"),
        pytest.param(
            {"messages": [dict(MSG, time="2026-13-40T99:00")]}, "time", id="impossible-time"
        ),
        pytest.param({"messages": [dict(MSG, time=1700000000)]}, "time", id="time-not-string"),
        pytest.param({"messages": [MSG], "shop": "tmall"}, "shop", id="shop-not-object"),
        pytest.param({"messages": [MSG], "shop": {"platform": "jd"}}, "jd", id="unknown-platform"),
        pytest.param({"messages": [MSG], "shop": {"cod": "yes"}}, "cod", id="cod-not-bool"),
        pytest.param(
            {"messages": [MSG], "shop": {"credit_card": 1}},
            "credit_card",
            id="credit-card-not-bool",
        ),
        pytest.param(
            {"messages": [MSG], "shop": {"free_shipping_exclusions": "新疆"}},
            "free_shipping_exclusions",
            id="exclusions-not-list",
        ),
        pytest.param(
            {"messages": [MSG], "shop": {"free_shipping_exclusions": [1]}},
            "free_shipping_exclusions",
            id="exclusions-not-strings",
        ),
        pytest.param({"messages": [MSG], "order": [1]}, "order", id="order-not-object"),
        pytest.param(
            {"messages": [MSG], "order": {"payment": "wechat"}}, "wechat", id="unknown-payment"
        ),
        pytest.param(
            {"messages": [MSG], "order": {"amount": "lots"}}, "amount", id="amount-not-number"
        ),
        pytest.param({"messages": [MSG], "order": {"amount": True}}, "amount", id="amount-bool"),
        pytest.param(
            {"messages": [MSG], "order": {"shipping_fee": [15]}},
            "shipping_fee",
            id="shipping-fee-list",
        ),
    ],
)
def test_conversation_errors(data, fragment):
    with pytest.raises(ConversationError) as info:
        Conversation.from_dict(data)
    assert fragment in str(info.value)


def test_conversation_error_is_a_value_error():
    assert issubclass(ConversationError, ValueError)


def test_finding_to_dict_has_the_formats_md_fields():
    f = Finding(
        conversation="c001",
        message=1,
        category="invoice",
        rule="invoice.special_price",
        severity="violation",
        points=6,
        start=3,
        end=11,
        evidence="特价商品不开发票",
        explanation="…",
        suggestion="…",
    )
    d = f.to_dict()
    assert list(d) == [
        "conversation",
        "message",
        "category",
        "rule",
        "severity",
        "points",
        "start",
        "end",
        "evidence",
        "explanation",
        "suggestion",
    ]
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d


@pytest.mark.parametrize("amount", [float("inf"), float("nan"), "1e999", "-Infinity"])
def test_amounts_must_be_finite(amount):
    data = {"order": {"amount": amount}, "messages": [MSG]}
    with pytest.raises(ConversationError, match="有限"):
        Conversation.from_dict(data)
