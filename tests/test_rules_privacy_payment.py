"""泄露他人信息 (privacy) and 站外付款 (payment, 12 when induced / 6 when the buyer asked)."""

from __future__ import annotations

import pytest

from support import BUYER, MATCH, NEAR, OTHER, buyer

# --- privacy ---------------------------------------------------------------------------

ASK_OTHER = buyer("我是她老公，帮我查下她的订单寄到哪了", account=OTHER)
ASK_SELF = buyer("帮我查下我的订单寄到哪了", account=BUYER)
ASK_COURIER = buyer("我是快递员，收件人电话多少？", account=OTHER)

PRIVACY_ROWS = [
    MATCH(ASK_OTHER, "A:寄到杭州市西湖区文三路88号哦", id="address-to-husband"),
    MATCH(ASK_OTHER, "A:收货人是王芳，电话13812345678", id="name-and-phone"),
    MATCH(ASK_COURIER, "A:她的手机号是13912345678", id="phone-to-courier"),
    MATCH(ASK_OTHER, "A:她拍的是两件羊毛衫，已经发货了", id="order-contents"),
    MATCH(ASK_OTHER, "A:寄到杭州市西湖區文三路88號哦", id="traditional"),
    MATCH(ASK_OTHER, "A:收件人王芳，已经签收了", id="recipient-no-connector"),
    # care advice and logistics status tell a third party nothing private
    NEAR(ASK_OTHER, "A:收货人保持手机畅通就可以了", id="recipient-keep-phone-on"),
    NEAR(ASK_OTHER, "A:已经在分拣发到站点是路上了亲", id="on-the-way"),
    NEAR(ASK_SELF, "A:寄到杭州市西湖区文三路88号哦", id="own-account-address"),
    NEAR(
        buyer("收件人电话是多少来着", account=BUYER),
        "A:收货人是王芳，电话13812345678",
        id="own-account-phone",
    ),
    NEAR(
        ASK_OTHER,
        "A:不好意思亲，收货信息不方便透露，请下单人用下单账号联系我们",
        id="refuses-to-disclose",
    ),
    NEAR(
        ASK_OTHER,
        "A:为了保护买家隐私，订单信息只能和下单账号核对哦",
        id="asks-for-ordering-account",
    ),
    # frames: contents with any verb, amounts, pickup codes, spoken digits, other buyers
    MATCH(ASK_OTHER, "A:她订了一套保温杯礼盒，昨天发走了", id="contents-other-verb"),
    MATCH(ASK_OTHER, "A:这单一共468元，还没发货", id="order-amount"),
    MATCH(ASK_OTHER, "A:到驿站了，取件码6-2-3015", id="pickup-code"),
    MATCH(ASK_COURIER, "A:备用号是幺五九 八八二一 三三四零", id="spoken-digits"),
    MATCH(ASK_SELF, "A:您楼上的李女士上周也买了两台，反馈很好", id="other-buyer-named"),
    MATCH(ASK_SELF, "A:想拼单可以联系她，13700001111", id="other-buyer-phone"),
    NEAR(ASK_SELF, "A:这款上个月卖了两千多台，好评率很高", id="sales-figures-only"),
    NEAR(ASK_OTHER, "A:订单信息只能跟下单账号核对哦，麻烦让她本人来问", id="refers-to-owner"),
]


@pytest.mark.parametrize(("messages", "hit"), PRIVACY_ROWS)
def test_privacy_table(last_cats, messages, hit):
    assert ("privacy" in last_cats(messages)) is hit


def test_privacy_without_order_uses_third_party_cues(last_cats):
    msgs = ["B:我是帮朋友问的，她的快递寄到哪了", "A:寄到杭州市西湖区文三路88号哦"]
    assert "privacy" in last_cats(msgs, order=None)
    msgs = ["B:我的快递寄到哪了", "A:寄到杭州市西湖区文三路88号哦"]
    assert "privacy" not in last_cats(msgs, order=None)


def test_privacy_points(findings):
    found = [
        f
        for f in findings([ASK_OTHER, "A:寄到杭州市西湖区文三路88号哦"])
        if f.category == "privacy"
    ]
    assert [(f.severity, f.points) for f in found] == [("violation", 6)]


# --- payment -----------------------------------------------------------------------------

PAYMENT_ROWS = [
    # agent proposes it (12 points)
    MATCH("B:能便宜点吗", "A:加我微信付款可以便宜20元哦", id="wechat"),
    MATCH("B:能便宜点吗", "A:加我V信转账更便宜", id="v-xin"),
    MATCH("B:能便宜点吗", "A:加我vx付款给您优惠", id="vx"),
    MATCH("B:能便宜点吗", "A:加我威信支付可以便宜点", id="wei-xin-homophone"),
    MATCH("B:能便宜点吗", "A:加我薇❤信付款更便宜", id="wei-heart-xin"),
    MATCH("B:能便宜点吗", "A:加我薇❤，付款更便宜", id="wei-heart"),
    MATCH("B:能便宜点吗", "A:加v，付款给您便宜", id="add-v"),
    MATCH("B:能便宜点吗", "A:加我微.信付款更便宜", id="dotted-wechat"),
    MATCH("B:能便宜点吗", "A:加我扣扣，转账给我便宜10块", id="kou-kou"),
    MATCH("B:能便宜点吗", "A:直接zfb转账给我就行，不用拍了", id="zfb"),
    MATCH("B:能便宜点吗", "A:直接支 付 宝转账给我就行", id="spaced-alipay"),
    MATCH("B:能便宜点吗", "A:加我ＷＥＣＨＡＴ付款便宜", id="fullwidth-wechat"),
    MATCH("B:能便宜点吗", "A:加我微信，轉賬給我更便宜", id="traditional"),
    MATCH("B:怎么付款", "A:银行卡号6222021234567890，转账后截图给我", id="bank-card"),
    MATCH("B:怎么付款", "A:扫一下这个二维码付款就可以，不用拍", id="qr-code"),
    # the buyer asks first (6 points)
    MATCH("B:可以微信转账给你吗？", "A:可以的亲~", id="agreed-to-wechat"),
    MATCH("B:能加你微信付款吗", "A:好的，加我微信吧", id="agreed-add-wechat"),
    # concepts: paying the agent, a private wallet or account, ordering around the platform
    MATCH("B:能便宜点吗", "A:你直接支付宝转我吧", id="alipay-to-me-no-add"),
    MATCH("B:能便宜点吗", "A:剩下的3879直接转我就行", id="rest-to-me"),
    MATCH("B:能便宜点吗", "A:加一下 wx: xm2024 群里下单打八折", id="wx-group-discount"),
    MATCH("B:能便宜点吗", "A:这单给你私下价，198就行", id="private-price"),
    MATCH("B:能便宜点吗", "A:您转137块到我们支付宝 shop_kf@163.com", id="deposit-to-alipay"),
    MATCH("B:能便宜点吗", "A:先付500定金到我微信，剩下到货再给", id="deposit-to-wechat"),
    MATCH(
        "B:怎么付款", "A:工行 6212 2611 0200 3345 678 户名李建华，货款打这个卡上", id="bank-account"
    ),
    MATCH(
        "B:怎么付款",
        "A:量大建议不走平台了，直接把货款打到我们公司对公账户",
        id="bypass-company-account",
    ),
    MATCH("B:怎么付款", "A:加我qq 283745109 发个红包给我就行", id="qq-red-packet"),
    MATCH("B:怎么付款", "A:其實你唔使喺度落單 直接轉數快畀我哋 FPS ID 16883920", id="hk-fps"),
    MATCH("B:怎么付款", "A:您过来直接付现金就行，网上订单不用拍", id="cash-in-person"),
    MATCH("B:怎么付款", "A:也行 先转50定金到wx 同手机号 1️⃣3️⃣5️⃣6️⃣7️⃣8️⃣9️⃣0️⃣1️⃣2️⃣3️⃣", id="keycap-digits"),
    MATCH("B:可以用PayPal付給你們嗎", "A:可以喔 PayPal帳號給你 shop@gmail.com", id="agreed-paypal"),
    MATCH("B:可唔可以用PayMe俾錢", "A:PayMe得㗎 我send個QR code畀你", id="agreed-payme"),
    MATCH("B:能不能去邮局给你汇款", "A:阿姨 邮局汇款也行 我把地址发您", id="agreed-post-office"),
    MATCH("B:扫码付可以吗 你发个码过来", "A:可以 [图片] 扫这个 付完说一声", id="agreed-qr"),
    MATCH("B:我懒得拍了 直接转你支付宝行不", "A:没问题呀~", id="agreed-alipay-transfer"),
    NEAR("B:我想投诉", "A:我帮您转给我们售后同事处理", id="hand-over-to-colleague"),
    NEAR("B:有问题找谁", "A:有问题可以打给我", id="call-me"),
    NEAR("B:你转我200我就删差评", "A:亲，私下转账我们这边是不能做的", id="refusal-after"),
    NEAR(
        "B:加你微信转账吧",
        "A:亲 微信转账和红包都不收的，请在淘宝下单",
        id="refusal-wechat-red-packet",
    ),
    NEAR(
        "B:能微信付吗",
        "A:不支持微信转账，您可以用银行卡快捷支付或找人代付",
        id="quick-pay-on-platform",
    ),
    NEAR("B:要补拍吗", "A:不用拍，我们直接给您补发", id="no-reorder-for-reship"),
    NEAR("B:有实拍吗", "A:加我微信发实拍图给您看", id="contact-without-money"),
    NEAR("B:怎么付", "A:用debit card或者Alipay balance吧", id="alipay-balance"),
    NEAR("B:要截图吗", "A:您把截图转我一下", id="forward-screenshot"),
    # compliant
    NEAR("B:可以用信用卡付吗？", "A:可以的亲~", id="agreed-to-credit-card"),
    NEAR("B:怎么付款", "A:亲，请在天猫下单用支付宝付款哦", id="recommends-alipay"),
    NEAR("B:可以微信转账吗", "A:不可以哦亲，只能在平台拍下用支付宝付款", id="declines"),
    NEAR("B:可以微信转账给你吗？", "A:不能微信转账哦，您可以找朋友代付", id="suggests-daifu"),
    NEAR("B:钱什么时候退", "A:退款会原路退回您的支付宝哦", id="refund-to-alipay"),
    NEAR("B:没有支付宝怎么办", "A:您可以开通支付宝，或者请朋友帮您代付哦", id="open-alipay"),
    NEAR("B:有会员价吗", "A:您可以用vip会员价支付，更优惠哦", id="vip-member-price"),
    NEAR("B:有会员价吗", "A:加入vip会员付款更优惠哦", id="join-vip"),
    NEAR("B:你们有公众号吗", "A:可以关注我们的微博，有优惠活动会通知", id="weibo-not-wechat"),
]


@pytest.mark.parametrize(("messages", "hit"), PAYMENT_ROWS)
def test_payment_table(last_cats, messages, hit):
    assert ("payment" in last_cats(messages)) is hit


@pytest.mark.parametrize(
    ("messages", "points"),
    [
        pytest.param(["B:能便宜点吗", "A:加我微信付款可以便宜20元哦"], 12, id="induced"),
        pytest.param(["A:亲，加我vx转账可以再优惠"], 12, id="induced-unprompted"),
        pytest.param(["B:可以微信转账给你吗？", "A:可以的亲~"], 6, id="buyer-asked-agreed"),
        pytest.param(
            [
                "B:你们能接受对公转账吗",
                "A:对公转账可以的哈，账号 571903882210601，转好后把回单发我",
            ],
            6,
            id="buyer-asked-company-transfer",
        ),
        pytest.param(
            ["B:我直接过去睇 俾现金你哋 网上就唔拍啦", "A:可以的亲，您过来直接付现金就行"],
            6,
            id="buyer-asked-cantonese-cash",
        ),
        pytest.param(
            ["B:我直接转账给你行吗", "A:可以的，银行卡号6222021234567890，转账给我就行"],
            6,
            id="buyer-asked-account-given",
        ),
    ],
)
def test_payment_points(findings, messages, points):
    last = len(messages) - 1
    got = [f.points for f in findings(messages) if f.category == "payment" and f.message == last]
    assert got == [points]
