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
    # surnames, bare phones and addresses, Cantonese, a guess confirmed, a name on request
    MATCH(ASK_OTHER, "A:是一位姓刘的先生签收的", id="signer-surname"),
    MATCH(ASK_OTHER, "A:到了哦 签收人是张女士 昨天下午签的", id="signer-titled-name"),
    MATCH(ASK_OTHER, "A:写的陈阿姨 电话也是她的", id="written-name"),
    MATCH(ASK_OTHER, "A:留的手机尾号5521哦", id="phone-tail"),
    MATCH(ASK_OTHER, "A:留的是一三九零五七一二二八八", id="spoken-phone"),
    MATCH(ASK_OTHER, "A:不是哦 填的是186 0000 7788", id="bare-phone"),
    MATCH(ASK_OTHER, "A:浙江省杭州市西湖区文三路90号", id="bare-address"),
    NEAR(ASK_OTHER, "A:我们是浙江省杭州市的工厂 发货地在余杭区", id="shops-own-address"),
    MATCH(ASK_OTHER, "A:她叫李娜 电话是137开头的", id="name-and-phone-prefix"),
    MATCH(ASK_OTHER, "A:佢買咗兩件羽絨外套 寄去沙田嘅", id="cantonese-contents"),
    MATCH(ASK_OTHER, "A:那单是1899的按摩椅 已经发货了", id="amount-and-goods"),
    MATCH(
        ASK_OTHER,
        "A:是的亲，张先生那单昨天已经发出了哈，寄的是成都高新区天府三街那边",
        id="sent-to-district",
    ),
    NEAR(ASK_OTHER, "A:寄的是顺丰明天到市区 具体请她查看订单", id="courier-not-address"),
    MATCH(
        buyer("她那个订单的收货电话是不是139 5521 8876？", account=OTHER),
        "A:我看一下哈……对的亲，尾号8876没有错",
        id="guess-confirmed",
    ),
    MATCH(
        buyer("我朋友手机是13912345678吗", account=OTHER), "A:嗯对 就是这个号", id="phone-confirmed"
    ),
    NEAR(
        buyer("我的手机号对吗 13912345678", account=BUYER),
        "A:对的 就是这个号",
        id="own-phone-confirmed",
    ),
    NEAR(
        buyer("是不是有个姓张的在你家买了东西", account=OTHER),
        "A:是的话也需要她本人用下单账号来查哦",
        id="sent-to-ordering-account",
    ),
    MATCH(
        buyer("收件人叫啥 我找不到人", account=OTHER),
        "A:叫林琳 面单上不都写着吗",
        id="name-on-request",
    ),
    NEAR(buyer("收件人叫啥", account=OTHER), "A:这个需要下单账号来问哦", id="name-refused"),
    NEAR(
        buyer("我朋友的单", account=OTHER),
        "A:麻烦您提供收件人姓名和电话 我让她本人核对",
        id="asks-for-name",
    ),
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
    # paying the agent with the payee first, private QR codes, private deals, UnionPay/HK
    MATCH("B:链接怎么这么贵", "A:支 付 宝 直接给我转 198 就行", id="payee-before-verb"),
    NEAR("B:单号呢", "A:稍等我给我转一下仓库同事", id="forward-to-colleague"),
    MATCH("B:怎么买最快", "A:建议您扫一下我们店长的收款码 比拍链接快", id="managers-qr-code"),
    NEAR("B:有券吗", "A:扫码关注店铺领5元券", id="scan-for-coupon"),
    MATCH("B:还能再便宜吗", "A:你找我私下拿货 比网上便宜一百", id="private-deal"),
    MATCH("B:有优惠吗", "A:找我下单比拍链接便宜30", id="cheaper-than-listing"),
    NEAR("B:有优惠吗", "A:找我要优惠券 拍下更便宜", id="coupon-from-agent"),
    MATCH("B:我没有淘宝", "A:没事 云闪付扫一下就行 我给你发货", id="unionpay-scan"),
    MATCH("B:付款", "A:卡号发你了 转完截图给我", id="account-sent"),
    NEAR("B:差价", "A:您把支付宝账号发给我 我们给您退差价", id="refund-account"),
    NEAR("B:朋友帮我付", "A:可以的 让朋友扫一下代付二维码就行", id="daifu-qr"),
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
        pytest.param(["B:可以给你转账吗", "A:可以呀 账号发你"], 6, id="buyer-offers-transfer"),
        pytest.param(["B:八達通得唔得", "A:可以嘅"], 6, id="buyer-asked-octopus"),
        pytest.param(
            ["B:这个还有货吗", "A:有的 你直接支付宝转我吧"], 12, id="induced-alipay-transfer"
        ),
        pytest.param(["B:有优惠吗", "A:加一下 wx: xm2024 群里下单打八折"], 12, id="induced-group"),
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
