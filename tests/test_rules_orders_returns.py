"""价格不符 (price), 关闭订单 (close_order), 退换货承诺 (returns)."""

from __future__ import annotations

import pytest

from support import MATCH, NEAR, OTHER, agent, buyer, system

# --- price -------------------------------------------------------------------------------

LISTING = "B:标题上写着99元，怎么拍下是129？"
PRICE_ROWS = [
    MATCH(LISTING, "A:活动已经结束了，价格以拍下为准哦", id="checkout-price-applies"),
    MATCH(LISTING, "A:页面上的价格仅供参考哦亲", id="for-reference-only"),
    MATCH(
        "B:主图显示到手价59元，为啥要付79", "A:差价是不退的哦，以实际付款价格为准", id="no-refund"
    ),
    MATCH("B:標題上寫著99元，怎麼拍下是129？", "A:價格以拍下為準哦", id="traditional"),
    NEAR(
        "B:上周直播间是99元，现在怎么129了",
        "A:活动已经结束了，价格以拍下为准哦",
        id="old-livestream-price",
    ),
    NEAR(
        LISTING,
        "A:是我们页面没及时更新，差价可以退给您，您申请部分退款就行",
        id="refunds-difference",
    ),
    NEAR(LISTING, "A:非常抱歉，差价我们马上退给您", id="refunds-difference-short"),
    # advertised-price frame: a listing claim in the chat x an excuse or a refusal
    MATCH(
        "B:海报上标着三件88，我结账要118",
        "A:海报是运营挂错了，现在就是118一套哦",
        id="poster-mislisted-insists",
    ),
    MATCH("B:sku图写的一箱45", "A:那个是老价格了，按现在的价格来哈", id="sku-old-price"),
    MATCH(
        "B:主播刚才说这款锅199",
        "A:亲那是主播口误，以链接价为准的哦",
        id="livestream-slip",
    ),
    MATCH("B:標題寫住兩盒60", "A:個價寫錯咗 差價退唔到㗎", id="cantonese-traditional"),
    MATCH(
        "A:亲，这台风扇昨天价格设错了，正常是259",
        "A:您要么补60差价，要么我们给您退款",
        id="agent-admits-mispricing",
    ),
    NEAR(
        "B:上次直播间看到才49，现在怎么69",
        "A:那是之前的活动价，现在没有了，差价补不了哈",
        id="past-livestream-no-listing",
    ),
    NEAR(
        "B:详情页写着两件79，我拍一件是49",
        "A:详情页写的是两件一起的组合价，一件是49哦",
        id="bundle-price-explained",
    ),
    NEAR(
        "B:主图写券后69，我拍下来89",
        "A:亲是没领券哈，我这边给您改价到69，您刷新再付",
        id="price-adjusted",
    ),
]


@pytest.mark.parametrize(("messages", "hit"), PRICE_ROWS)
def test_price_table(last_cats, messages, hit):
    assert ("price" in last_cats(messages)) is hit


# --- close_order -------------------------------------------------------------------------

COLLEAGUE = buyer("我是她同事，她让我跟你说这单帮她取消吧", account=OTHER)
CLOSE_ROWS = [
    MATCH("B:什么时候发货？", "A:这款缺货了，已经帮您把订单取消了", id="unrequested"),
    MATCH(
        "B:这个颜色我再考虑一下", "A:好的亲，那我先帮您把订单关闭了哈", id="buyer-only-hesitating"
    ),
    MATCH(COLLEAGUE, "A:好的，已经帮您取消了", id="colleague-account"),
    MATCH("B:什么时候发货？", "A:這款缺貨了，已經幫您把訂單取消了", id="traditional"),
    NEAR("B:我拍错了，帮我取消订单吧", "A:好的亲，已经帮您取消了", id="ordering-account-request"),
    NEAR("B:不想要了，关了吧", "A:好的，已经帮您关闭了", id="ordering-account-close"),
    NEAR("B:我拍错了", "A:您可以在我的订单里自行取消哦", id="asks-buyer-to-cancel"),
    NEAR("B:这个颜色我再考虑一下", "A:需要我帮您取消订单吗？", id="offer-question"),
    NEAR(COLLEAGUE, "A:不好意思，我们不能帮您关闭订单，请下单人自己取消哦", id="colleague-refused"),
]


@pytest.mark.parametrize(("messages", "hit"), CLOSE_ROWS)
def test_close_order_table(last_cats, messages, hit):
    assert ("close_order" in last_cats(messages)) is hit


def test_close_order_points_default_one(findings):
    found = [
        f
        for f in findings(["B:什么时候发货？", "A:缺货了，已经帮您把订单取消了"])
        if f.category == "close_order"
    ]
    assert [f.points for f in found] == [1]


# --- returns -----------------------------------------------------------------------------

QUALITY_ROWS = [
    MATCH("B:杯子收到就裂了", "A:退货运费需要您承担哦", id="cracked-buyer-pays"),
    MATCH("B:衣服缝线开了，还有破洞", "A:来回运费需要您自己承担", id="torn-seam-buyer-pays"),
    MATCH("B:质量太差了", "A:退货运费需要您承担哦", id="poor-quality-buyer-pays"),
    MATCH("B:衣服开线了，质量问题", "A:可以退，运费您自理一下哈", id="seam-buyer-pays"),
    MATCH("B:耳机没有声音", "A:寄回来检测的话邮费要您出哦", id="defect-buyer-pays"),
    MATCH("B:杯子收到就碎了", "A:退貨運費需要您承擔哦", id="traditional"),
    NEAR("B:不喜欢这个款式", "A:退货运费需要您承担哦", id="dislike-buyer-pays"),
    NEAR("B:尺码不合适，想退", "A:七天无理由退货的话寄回运费需要您承担哦", id="size-buyer-pays"),
    NEAR("B:杯子收到就裂了", "A:非常抱歉，来回运费我们承担，您先垫付我们补给您", id="seller-pays"),
    NEAR("B:杯子收到就裂了", "A:质量问题不用您出运费，我们安排上门取件", id="no-buyer-postage"),
    MATCH("B:鞋底开胶了", "A:可以退换，寄回的运费您先垫一下", id="buyer-advances"),
    MATCH("B:屏幕有坏点", "A:可以退的，运费我们这边不报销哦", id="not-reimbursed"),
    MATCH("B:发错货了", "A:寄回的物流费一人一半", id="split-postage"),
    MATCH("B:过期了", "A:没买运费险的话，寄回的运费需要您承担", id="no-insurance-buyer-pays"),
    NEAR("B:东西坏了", "A:没有质量问题的话，运费用户自己承担", id="no-quality-problem"),
    NEAR("B:东西坏了", "A:费质量问题的退货运费自理", id="typo-non-quality"),
]


@pytest.mark.parametrize(("messages", "hit"), QUALITY_ROWS)
def test_returns_quality_postage(last_cats, messages, hit):
    assert ("returns" in last_cats(messages)) is hit


NO_REASON_ROWS = [
    MATCH("B:我想七天无理由退货", "A:特价商品不退不换哦", id="sale-no-returns"),
    MATCH("B:收到了不太喜欢，能退吗", "A:不好意思，我们不支持七天无理由退货", id="no-7-day"),
    MATCH("B:我想无理由退货", "A:退货要扣10%的折旧费哦", id="deduction"),
    MATCH("B:我想无理由退货", "A:退款要扣20元手续费哦", id="handling-fee"),
    MATCH(
        "B:我想无理由退货",
        "A:可以退，但要收20元手续费",
        id="handling-fee-shou",
    ),
    NEAR("B:我想七天无理由退货", "A:定制刻字商品不支持七天无理由退货哦", id="custom-made-exempt"),
    NEAR(
        "B:我想七天无理由退货", "A:可以的，七天无理由退货会全额退款，不扣任何费用", id="full-refund"
    ),
    NEAR("B:运费怎么退", "A:退款按商品金额200元退，运费不退哦", id="shipping-not-refunded"),
]


@pytest.mark.parametrize(("messages", "hit"), NO_REASON_ROWS)
def test_returns_no_reason(last_cats, messages, hit):
    assert ("returns" in last_cats(messages)) is hit


SIGNED_AT = "2026-09-03T15:00:00+08:00"
PAST = "A:亲，已经超过七天无理由退货期限了哦"


def window(buyer_time: str, signed: dict | None = None) -> list:
    return [
        signed or system("您的包裹已签收", time=SIGNED_AT),
        buyer("收到了不喜欢，我想退货", time=buyer_time),
        agent(PAST[2:], time=buyer_time.replace(":00+", ":30+")),
    ]


@pytest.mark.parametrize(
    ("when", "hit"),
    [
        pytest.param("2026-09-05T10:00:00+08:00", True, id="day-2-inside"),
        pytest.param("2026-09-08T15:00:00+08:00", True, id="day-5-inside"),
        pytest.param("2026-09-10T14:59:00+08:00", True, id="last-minute-inside"),
        pytest.param("2026-09-10T15:01:00+08:00", False, id="just-after-7-days"),
        pytest.param("2026-09-11T15:00:00+08:00", False, id="day-8-outside"),
        pytest.param("2026-09-12T09:00:00+08:00", False, id="day-9-outside"),
    ],
)
def test_returns_window_from_signed_message_time(last_cats, when, hit):
    # The agent answers 30 seconds after the buyer asks.
    assert ("returns" in last_cats(window(when))) is hit


def test_returns_window_exact_boundary(last_cats):
    # signed 9/3 15:00 → last moment 9/10 15:00 (rules.md §3) — still inside.
    msgs = [
        system("您的包裹已签收", time=SIGNED_AT),
        buyer("不喜欢，想退", time="2026-09-10T14:00:00+08:00"),
        agent(PAST[2:], time="2026-09-10T15:00:00+08:00"),
    ]
    assert "returns" in last_cats(msgs)


@pytest.mark.parametrize(
    ("when", "hit"),
    [
        pytest.param("2026-09-08T10:00:00+08:00", True, id="inside"),
        pytest.param("2026-09-12T10:00:00+08:00", False, id="outside"),
    ],
)
def test_returns_window_from_time_in_system_text(last_cats, when, hit):
    # The 签收 line carries its own time; the system message itself has none.
    signed = system("包裹已签收，签收时间 2026-09-03 15:00")
    assert ("returns" in last_cats(window(when, signed=signed))) is hit


def test_returns_window_outside_refusal_is_truthful(last_cats):
    msgs = [
        system("您的包裹已签收", time=SIGNED_AT),
        buyer("想七天无理由退", time="2026-09-14T10:00:00+08:00"),
        agent(
            "不好意思亲，已经过了七天无理由期限，不支持无理由退货了",
            time="2026-09-14T10:01:00+08:00",
        ),
    ]
    assert "returns" not in last_cats(msgs)


def test_returns_window_unknown_without_times(last_cats):
    # With no timing, "超过七天" cannot be judged false: not flagged.
    assert "returns" not in last_cats(["S:您的包裹已签收", "B:我想退货", PAST])


def test_returns_finding_points(findings):
    found = [
        f
        for f in findings(["B:杯子收到就裂了", "A:退货运费需要您承担哦"])
        if f.category == "returns"
    ]
    assert [(f.severity, f.points) for f in found] == [("violation", 6)]
