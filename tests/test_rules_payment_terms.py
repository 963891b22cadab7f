"""货到付款, 信用卡, 包邮: promises that exist only when the shop profile says so."""

from __future__ import annotations

import pytest

from support import BUYER, MATCH, NEAR

COD_SHOP = {"platform": "tmall", "cod": True}
NO_COD_SHOP = {"platform": "tmall", "cod": False}
COD_ORDER = {
    "id": "3000000002",
    "buyer": BUYER,
    "amount": 358.0,
    "payment": "cod",
    "status": "paid",
}

COD_ASK = "B:可以货到付款吗？"

COD_ROWS = [
    MATCH(COD_ASK, "A:亲，本店不支持货到付款哦", id="not-supported"),
    MATCH(COD_ASK, "A:本店未开通货到付款呢", id="not-enabled-but-it-is"),
    MATCH(COD_ASK, "A:货到付款的订单我们这边发不了哦", id="will-not-ship"),
    MATCH(COD_ASK, "A:货到付款要另外加收20元服务费哦", id="surcharge"),
    MATCH(COD_ASK, "A:货到付款的话价格要贵一些哦", id="price-raised"),
    MATCH(COD_ASK, "A:本店不支援貨到付款", id="traditional"),
    MATCH(COD_ASK, "A:不支持 货 到 付 款", id="spaced"),
    # concepts: COD made conditional, talked down, refused without naming it
    MATCH(COD_ASK, "A:货到付款的订单需要先付30%定金哦", id="deposit-first"),
    MATCH(COD_ASK, "A:货到付款的话要先拍一个300块的定金链接", id="deposit-link"),
    MATCH(COD_ASK, "A:能是能 不过到付就不是89了 得按119算", id="higher-cod-price"),
    MATCH(COD_ASK, "A:在线付款是活动价168，货到付款是原价218", id="original-price-for-cod"),
    MATCH(COD_ASK, "A:货到付款的订单金额要满199我们才发哦", id="cod-minimum"),
    MATCH(COD_ASK, "A:货到付款我们家早就停掉了哦", id="discontinued"),
    MATCH(COD_ASK, "A:都什么年代了还货到付款啊 我们不弄这个", id="we-dont-do-it"),
    MATCH(COD_ASK, "A:妹子 不好意思哈 我们这边只能在线付款的", id="online-only-reply"),
    MATCH("B:能收到货再给钱吗", "A:奶奶，没有这种付款方式哦", id="no-such-method"),
    MATCH(COD_ASK, "A:我哋而家唔做貨到付款", id="cantonese"),
    MATCH(COD_ASK, "A:hdfk不支持哦", id="pinyin-initials"),
    MATCH(COD_ASK, "A:货到付款的单麻烦您自己取消再拍过在线支付", id="cancel-and-pay-online"),
    NEAR(COD_ASK, "A:货到付款是没有额外费用的哦", id="no-extra-fee"),
    NEAR(COD_ASK, "A:亲，货到付款也按168给您", id="same-price"),
    NEAR("B:退货怎么寄", "A:退回的商品仓库不接收到付哦", id="freight-collect-return"),
    NEAR(COD_ASK, "A:支持货到付款的亲，运费按货到付款运费模板收取", id="supported-template-fee"),
    NEAR(COD_ASK, "A:可以货到付款哦，下单时选择货到付款就行", id="supported"),
    NEAR(COD_ASK, "A:货到付款的运费按模板收取，页面会显示，没有其他费用", id="template-fee"),
    NEAR(COD_ASK, "A:不是不支持货到付款哦，是这个地址快递到不了", id="negated"),
    MATCH(COD_ASK, "A:货到付款可以 不过要先在线付50块押金哦", id="deposit-paid-online-first"),
    MATCH(COD_ASK, "A:到付也行 就是价格按原价来 在线拍有优惠", id="online-discount-only"),
    NEAR(COD_ASK, "A:货到付款的话 在线付款有的优惠券也能用", id="coupon-for-cod-too"),
    MATCH(COD_ASK, "A:貨到付款我哋呢排做唔到啊", id="cantonese-cannot-do"),
    MATCH(COD_ASK, "A:货到付款需要满300才行", id="cod-minimum-xing"),
    MATCH(COD_ASK, "A:货到付款一般不推荐哈 您直接拍下付款吧", id="talked-down"),
    MATCH(COD_ASK, "A:货到付款的单子我们一般压到最后才发", id="cod-orders-last"),
    MATCH(COD_ASK, "A:货到付款的单要多等一周才发", id="cod-orders-wait"),
    NEAR(COD_ASK, "A:货到付款不会晚发的 放心", id="not-later"),
    NEAR(COD_ASK, "A:货到付款的订单和在线付款一样 当天就发", id="same-day-as-online"),
]


@pytest.mark.parametrize(("messages", "hit"), COD_ROWS)
def test_cod_table_shop_with_cod(last_cats, messages, hit):
    assert ("cod" in last_cats(messages, shop=COD_SHOP, order=COD_ORDER)) is hit


@pytest.mark.parametrize(
    "text",
    [
        "亲，本店不支持货到付款哦",
        "本店未开通货到付款呢",
        "不好意思，我们没有开通货到付款服务",
    ],
)
def test_cod_truthful_refusal_when_shop_has_no_cod(last_cats, text):
    assert "cod" not in last_cats([COD_ASK, f"A:{text}"], shop=NO_COD_SHOP)
    assert "cod" not in last_cats([COD_ASK, f"A:{text}"], shop={})  # cod defaults to false


def test_cod_closing_a_cod_order_is_cod_and_close_order(flag):
    msgs = ["B:货到付款的那单什么时候发？", "A:亲，货到付款的订单发不了，已经帮您取消了"]
    got = flag(msgs, shop=COD_SHOP, order=COD_ORDER)
    assert {(1, "cod"), (1, "close_order")} <= got


def test_cod_closed_at_buyers_request_is_fine(flag):
    msgs = ["B:我拍错了，帮我取消订单吧", "A:好的亲，已经帮您取消了"]
    got = flag(msgs, shop=COD_SHOP, order=COD_ORDER)
    assert (1, "cod") not in got and (1, "close_order") not in got


# --- 信用卡 ------------------------------------------------------------------------------

TMALL = {"platform": "tmall"}  # credit_card defaults to true
TAOBAO = {"platform": "taobao"}  # credit_card defaults to false
TAOBAO_CARDS = {"platform": "taobao", "credit_card": True}
BIG_ORDER = {"id": "3000000003", "buyer": BUYER, "amount": 1299.0, "shipping_fee": 0.0}
SMALL_ORDER = {"id": "3000000004", "buyer": BUYER, "amount": 399.0, "shipping_fee": 0.0}

CARD_ASK = "B:能用信用卡付款吗？"
INST_ASK = "B:这个能分期吗？"

CARD_ROWS = [
    MATCH(CARD_ASK, "A:我们店暂不支持信用卡付款哦", id="refused"),
    MATCH(CARD_ASK, "A:信用卡这边用不了哦亲", id="cannot-use"),
    MATCH(CARD_ASK, "A:可以刷信用卡，但是要加3%的手续费", id="card-fee-percent"),
    MATCH(
        CARD_ASK,
        "A:可以刷信用卡，不过要加3%的手续费",
        id="card-fee-percent-buguo",
    ),
    MATCH(CARD_ASK, "A:可以的，刷卡手续费需要您承担哦", id="card-fee-buyer"),
    MATCH(CARD_ASK, "A:我們不支持信用卡哦", id="traditional"),
    NEAR(CARD_ASK, "A:可以用信用卡的亲，不收手续费", id="accepted"),
    NEAR(CARD_ASK, "A:支持信用卡付款，不额外收取任何手续费", id="accepted-no-fee"),
    NEAR(CARD_ASK, "A:信用卡付不了的话可能是银行限额，您联系一下发卡行", id="bank-limit"),
    NEAR(INST_ASK, "A:分期手续费以收银台显示为准，是银行收取的哦", id="bank-installment-fee"),
    # frames: debit only, not enabled, card orders not shipped, higher threshold, surcharges
    MATCH("B:能用信用卡吗", "A:我们只收借记卡和余额哈", id="debit-only"),
    MATCH("B:能用信用卡吗", "A:小店还没开通信用卡的", id="card-not-enabled"),
    MATCH(
        "B:信用卡拍了", "A:信用卡付的订单不发货，麻烦用储蓄卡重新拍", id="card-orders-not-shipped"
    ),
    MATCH("B:能分期吗", "A:店里分期没开通，只能一次性付清", id="installments-not-enabled"),
    MATCH("B:能分期吗", "A:订单满3000才可以分期哦", id="threshold-above-600"),
    MATCH("B:刷信用卡行吗", "A:刷信用卡的话是1299，余额付1199", id="card-price"),
    MATCH("B:分期付可以吗", "A:可以，不过每期要交2%的服务费", id="installment-fee"),
    NEAR("B:刷卡要手续费吗", "A:刷卡不收任何手续费哦", id="no-fee-stated"),
    NEAR("B:能用信用卡吗", "A:信用卡、储蓄卡、花呗都可以的", id="all-cards-ok"),
    MATCH(CARD_ASK, "A:咱家刷不了信用卡 只能花呗或者储蓄卡", id="cannot-swipe"),
    MATCH(
        CARD_ASK,
        "A:尾款可以用余额宝 花呗 信用卡的话就不行了哈 系统那边限制了的",
        id="system-limit-is-a-refusal",
    ),
    NEAR(
        CARD_ASK, "A:信用卡可以用的 系统问题付不了的话换张卡试试", id="system-fault-on-buyers-side"
    ),
    MATCH(CARD_ASK, "A:信用卡付的话要贵个2%哦", id="dearer-by-percent"),
    MATCH(CARD_ASK, "A:刷卡价和现金价不一样 刷卡要多给60", id="card-price-differs"),
    NEAR(CARD_ASK, "A:刷卡价和现金价一样 不会贵", id="card-price-same"),
    MATCH(INST_ASK, "A:分期可以的 不过6期要多收80块手续费", id="installment-fee-yuan"),
    MATCH("B:分12期可以吗", "A:可以分 但12期的话总价要加200", id="periods-price-raised"),
    MATCH(
        INST_ASK,
        "A:可以分期的",
        "A:不过分12期的话，我们这边要在价格上加150",
        id="price-raised-next-clause",
    ),
    NEAR(INST_ASK, "A:12期免息 不会多收一分钱", id="interest-free-no-extra"),
    NEAR(INST_ASK, "A:分期手续费以收银台为准 3期6期12期都可以", id="cashier-fee"),
    MATCH(INST_ASK, "A:分期这个我们店不弄的", id="installments-not-done"),
    NEAR(INST_ASK, "A:分期这个我们店是支持的 3期6期都行", id="installments-supported"),
]


@pytest.mark.parametrize(("messages", "hit"), CARD_ROWS)
def test_credit_card_table_tmall(last_cats, messages, hit):
    assert ("credit_card" in last_cats(messages, shop=TMALL, order=BIG_ORDER)) is hit


@pytest.mark.parametrize(
    ("shop", "hit"),
    [
        pytest.param(TMALL, True, id="tmall-default-cards"),
        pytest.param(TAOBAO, False, id="taobao-default-no-cards"),
        pytest.param(TAOBAO_CARDS, True, id="taobao-with-cards"),
        pytest.param(
            {"platform": "tmall", "credit_card": False}, False, id="tmall-special-category"
        ),
    ],
)
def test_credit_card_refusal_depends_on_shop(last_cats, shop, hit):
    msgs = [CARD_ASK, "A:我们店暂不支持信用卡付款哦"]
    assert ("credit_card" in last_cats(msgs, shop=shop, order=BIG_ORDER)) is hit


INSTALLMENT_ROWS = [
    pytest.param(BIG_ORDER, [INST_ASK, "A:这单不能分期哦"], True, id="1299-refused"),
    pytest.param(
        {**BIG_ORDER, "amount": 600.0},
        [INST_ASK, "A:这单不能分期哦"],
        True,
        id="600-boundary-refused",
    ),
    pytest.param(
        {**BIG_ORDER, "amount": 599.0},
        [INST_ASK, "A:这单不能分期哦"],
        False,
        id="599-below-minimum",
    ),
    pytest.param(SMALL_ORDER, [INST_ASK, "A:这单不能分期哦"], False, id="399-below-minimum"),
    pytest.param(
        SMALL_ORDER, [INST_ASK, "A:满600元才可以分期哦，这单金额不够"], False, id="399-explained"
    ),
    pytest.param(
        BIG_ORDER, ["B:这个聚划算的能分期吗？", "A:这单不能分期哦"], False, id="juhuasuan"
    ),
    pytest.param(BIG_ORDER, [INST_ASK, "A:秒杀商品不能分期哦"], False, id="flash-sale"),
    pytest.param(BIG_ORDER, [INST_ASK, "A:可以分期的亲，3/6/9/12期都行"], False, id="allowed"),
    pytest.param(BIG_ORDER, [INST_ASK, "A:這單不能分期哦"], True, id="traditional"),
]


@pytest.mark.parametrize(("order", "messages", "hit"), INSTALLMENT_ROWS)
def test_installments(last_cats, order, messages, hit):
    assert ("credit_card" in last_cats(messages, shop=TMALL, order=order)) is hit


def test_installment_refusal_on_taobao_without_cards_is_fine(last_cats):
    assert "credit_card" not in last_cats(
        [INST_ASK, "A:这单不能分期哦"], shop=TAOBAO, order=BIG_ORDER
    )


# --- 包邮 --------------------------------------------------------------------------------

FREE = {"platform": "tmall", "free_shipping": True, "free_shipping_exclusions": ["新疆", "西藏"]}
NOT_FREE = {"platform": "tmall", "free_shipping": False}
REMOTE = "A:偏远地区，需要补10元邮费哦"

FREE_ROWS = [
    MATCH("B:我在青海西宁，包邮吗？", REMOTE, id="qinghai-not-excluded"),
    MATCH("B:寄到内蒙古包邮吗？", REMOTE, id="inner-mongolia-not-excluded"),
    MATCH("B:发到杭州要多久", "A:最近快递涨价了，需要补5元差价哦", id="courier-price-rise"),
    MATCH("B:包邮吗", "A:运费需要您自理哦", id="postage-self-paid"),
    MATCH("B:我在青海，包邮吗", "A:包邮的，但是要补10元运费哦", id="but-surcharge"),
    MATCH(
        "B:我在青海，包邮吗",
        "A:包邮的，不过要补10元运费哦",
        id="but-surcharge-buguo",
    ),
    MATCH("B:包邮吗", "A:您那边要加十块钱邮费", id="chinese-numeral"),
    MATCH("B:寄到海口包邮吗？", "A:偏遠地區，需要補10元郵費哦", id="traditional"),
    NEAR("B:我在西藏拉萨，包邮吗？", REMOTE, id="lhasa-excluded-city"),
    NEAR("B:我在拉萨，包邮吗？", REMOTE, id="lhasa-city-only"),
    NEAR("B:寄到乌鲁木齐包邮吗？", REMOTE, id="urumqi-excluded-city"),
    NEAR("B:寄到新疆包邮吗？", REMOTE, id="xinjiang-excluded"),
    NEAR("B:包邮吗", "A:包邮的亲，不用补运费哦", id="honoured"),
    NEAR("B:能发顺丰吗", "A:指定顺丰的话需要补10元运费哦", id="buyer-designated-courier"),
    NEAR("B:不喜欢想退", "A:退货的话运费需要您承担哦", id="return-postage-not-free-shipping"),
    # place/weight surcharges said without 邮费
    MATCH("B:我在贵州遵义下面的村里", "A:村里要转一道物流，得另加15块哦", id="village-extra"),
    MATCH("B:寄福建的海岛", "A:岛上要过船，多收20元", id="island-extra"),
    MATCH("B:买了三箱水", "A:超重了，超出的部分每公斤加3块", id="overweight-extra"),
    NEAR("B:我在西藏林芝", "A:偏远地区要另加20元哦", id="excluded-region-extra"),
    NEAR("B:我想发顺丰快一点", "A:岛上发顺丰的话要加10块", id="buyer-chose-courier"),
    NEAR("B:我在镇上", "A:镇上也包邮的，不用另外加钱", id="township-free"),
    # a surcharge that never says 补邮费: 另算, a top-up link, a price difference for a region
    MATCH("B:寄到舟山的岛上", "A:岛上要过船，运费另算哦", id="postage-counted-separately"),
    MATCH("B:青海西宁", "A:青海要补差价哦 6块", id="region-price-difference"),
    MATCH("B:我在甘肃", "A:您拍一下补邮链接就可以发了", id="postage-top-up-link"),
    MATCH("B:甘肃能包邮吗", "A:甘肃不包的 补8块油费就好", id="not-free-evasion"),
    MATCH("B:海岛能发吗", "A:海岛的话要加收30 您拍下我改价", id="bare-amount"),
    NEAR("B:换大一码可以吗", "A:换成大码需要补20元差价哦", id="size-price-difference"),
    NEAR("B:包邮吗", "A:满99包邮哦 您这单88 需要补6元运费", id="threshold-not-met"),
    NEAR("B:我在甘肃", "A:甘肃也包邮的 不用拍补邮链接", id="no-top-up-needed"),
    # the agent, not the listing, leaves a region out of free shipping
    MATCH("B:寄宁夏银川", "A:宁夏不在包邮范围哦", id="region-refused"),
    MATCH("B:发贵州遵义", "A:亲 包邮只包江浙沪的", id="free-only-nearby"),
    MATCH(
        "B:满99包邮 我凑到了 地址阿坝州",
        "A:满99包邮不包阿坝这边哦 要再补8元运费",
        id="threshold-met-region-refused",
    ),
    NEAR("B:包邮吗", "A:偏远地区不包邮哦，详情页有写", id="template-restated"),
    NEAR("B:寄到新疆包邮吗", "A:新疆不在包邮范围哦", id="excluded-region-refused"),
    NEAR("B:青海包邮吗", "A:青海也是包邮的哦", id="region-free"),
    # a postage amount quoted for a region the listing covers
    MATCH("B:寄海口多少钱", "A:寄海口的话运费是10块哦 隔着海", id="postage-quoted"),
    NEAR("B:运费呢", "A:运费10块已经给您退回去了", id="postage-refunded"),
    NEAR("B:要运费吗", "A:运费8元我们承担，您不用付", id="postage-seller-pays"),
    # the region said in one message, the difference asked for in the next
    MATCH(
        "B:我的单怎么还不发",
        "A:亲，甘肃的话",
        "A:要补个差价 10块 补了才能发",
        id="split-difference",
    ),
    NEAR("B:我在甘肃", "A:换成大码的话要补个差价哦", id="region-but-goods-difference"),
    NEAR("B:我不补", "A:亲，甘肃这单一直没等到您补差价", id="difference-follow-up"),
    # a buyer in a hurry has not chosen a courier
    MATCH("B:我在青海 能快点吗", "A:青海物流贵，要补个20元的运费差价", id="hurry-is-not-courier"),
    MATCH("B:我在甘肃", "A:运费到付哦亲", id="freight-collect"),
    MATCH("B:運費幾錢", "A:寄甘肅要俾10蚊運費", id="cantonese-pay-postage"),
    MATCH("B:买了4箱", "A:超重了不包邮哦", id="overweight-not-free"),
    NEAR("B:我在甘肃", "A:默认中通包邮，顺丰快递不包邮哦", id="courier-upgrade-info"),
    MATCH("B:我在甘肃", "A:甘肃这边快递贵，我们只包一半运费", id="half-postage"),
    MATCH("B:我在内蒙古", "A:内蒙那边包邮不了 要补10块", id="cannot-free-ship"),
    MATCH("B:沙发送到家吗", "A:沙发是大件 物流费需要您自己付", id="freight-fee-self-paid"),
    MATCH("B:我在甘肃", "A:甘肃要补yunfei 10块", id="pinyin-postage"),
    NEAR("B:我在甘肃", "A:甘肃的物流费我们已经付过了，不用补", id="freight-fee-paid-by-shop"),
    # surcharges that never say 邮费, areas, townships and villages
    MATCH(
        "B:包邮吗 甘肃天水镇上的", "A:镇上的话快递要转一手 得多给15", id="township-extra-no-unit"
    ),
    MATCH("B:我是乡下的地址", "A:乡下快递不送 要加10块转运费", id="not-delivered-is-a-reason"),
    MATCH("B:我在村里", "A:村里派送要收派送费的哦", id="delivery-fee-collected"),
    NEAR("B:我在村里", "A:您是已经被告知要收取运费了吗？", id="delivery-fee-question"),
    MATCH(
        "B:送到村里吗",
        "A:包邮是包到县城的 送到村里要么您自己去镇上取 要么加钱送",
        id="money-no-figure",
    ),
    NEAR("B:村里能送吗", "A:村里也能送 不用另付", id="village-no-extra"),
    NEAR(
        "B:我在乡镇", "A:乡镇的话快递送到镇上 您自己去取一下 不用另付钱", id="township-pickup-free"
    ),
    MATCH("B:我是镇上的", "A:您那是镇上 快递到不了 得加点钱转派", id="cannot-reach-pay-more"),
    MATCH(
        "B:黑龙江哈尔滨包邮吗",
        "A:我们包邮区域是华东华南 黑龙江那边要另付",
        id="free-area-few-regions",
    ),
    NEAR("B:包邮范围", "A:包邮范围是全国各地(新疆西藏除外)", id="free-area-nationwide"),
    MATCH("B:广西南宁包邮吗", "A:包邮仅限珠三角哦", id="free-only-pearl-delta"),
    MATCH("B:四川包邮吗", "A:江浙沪以外的都要补运费", id="outside-jzh-pays"),
]

# The buyer asked for a faster courier earlier in the chat: its price difference is theirs.
COURIER_ROWS = [
    MATCH(
        "B:我在青海",
        "A:快递要补15邮费哦 补了给您发顺丰",
        id="agent-offers-courier",
    ),
    NEAR(
        "B:能发顺丰吗",
        "A:可以的 指定顺丰要补8元",
        "B:好的",
        "A:补差链接拍下就行 我们给您备注",
        id="buyer-chose-courier-earlier",
    ),
]


@pytest.mark.parametrize(("messages", "hit"), FREE_ROWS + COURIER_ROWS)
def test_free_shipping_table(last_cats, messages, hit):
    assert ("free_shipping" in last_cats(messages, shop=FREE)) is hit


@pytest.mark.parametrize("shop", [NOT_FREE, {}], ids=["not-free", "default"])
def test_free_shipping_needs_a_free_shipping_listing(last_cats, shop):
    assert "free_shipping" not in last_cats(["B:我在青海西宁，包邮吗？", REMOTE], shop=shop)


def test_free_shipping_exclusion_given_as_city(last_cats):
    shop = {**FREE, "free_shipping_exclusions": ["拉萨"]}
    assert "free_shipping" not in last_cats(["B:我在西藏日喀则", REMOTE], shop=shop)


def test_free_shipping_points(findings):
    found = [
        f
        for f in findings(["B:我在青海西宁，包邮吗？", REMOTE], shop=FREE)
        if f.category == "free_shipping"
    ]
    assert [f.points for f in found] == [4]


@pytest.mark.parametrize(
    ("restated", "hit"),
    [
        ("您好，这款是全国包邮的（新疆西藏除外），贵州在包邮范围内~", True),
        ("全国包邮，新疆西藏除外哦", True),
        ("除了新疆西藏以外都包邮", True),
    ],
)
def test_restating_the_listed_exclusions_does_not_excuse_a_village_surcharge(
    last_cats, restated, hit
):
    # The agent repeats the listing's exclusions; the buyer lives in an included
    # province, so the surcharge for the village is still a finding.
    messages = [
        "B:包邮吗 我这边贵州毕节的",
        f"A:{restated}",
        "B:我们是村里",
        "A:送进村里的话要另加30块运费",
    ]
    assert ("free_shipping" in last_cats(messages, shop=FREE)) is hit


def test_a_surcharge_for_an_excluded_region_named_by_the_buyer_is_fine(last_cats):
    messages = ["B:新疆乌鲁木齐包邮吗", "A:全国包邮（新疆西藏除外）", "A:新疆的话要补20块运费哦"]
    assert "free_shipping" not in last_cats(messages, shop=FREE)
