"""价格不符 (price), 关闭订单 (close_order), 退换货承诺 (returns)."""

from __future__ import annotations

import pytest

from support import MATCH, NEAR, OTHER, agent, buyer, system

# --- price -------------------------------------------------------------------------------

LISTING = "B:标题上写着99元，怎么拍下是129？"
PRICE_ROWS = [
    # postage or goods not refunded is not the price refused
    NEAR("B:标题写的99，怎么拍下是129", "A:不退邮费", id="postage-not-price"),
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
    # refusals said another way once the buyer quoted the listing
    MATCH(LISTING, "A:亲，99是之前的活动价，现在只能按129拍哦", id="old-promo-only-now"),
    MATCH("B:主图上写着到手价59", "A:主图是上周的，现在统一79，没办法哦", id="now-uniform-price"),
    MATCH("B:詳情頁寫的兩件85，點解要98", "A:那個是印錯的價錢，現在要按98計", id="misprint-by-98"),
    MATCH("B:链接上标价45，下单变成55了", "A:那是系统bug，我们不认的", id="glitch-not-honoured"),
    MATCH("B:直播间主播刚刚说拍下立减30", "A:亲，主播说的不算，以页面为准", id="host-words-void"),
    MATCH(
        "B:宝贝标题写着3件69",
        "A:标题少打了个字亲，3件是89，这个价格改不了",
        id="price-unchangeable",
    ),
    MATCH("B:sku图上写的一斤39", "A:图上那价早不做了，要就这个价", id="take-this-price"),
    MATCH(
        "B:你们页面上写39怎么拍下是49",
        "A:但这个价格我们认不了哦，要么您补10差价我们发货，要么给您退款",
        id="pay-difference-or-cancel",
    ),
    MATCH(
        "B:详情页写着“第二件0元”，收了两件的钱",
        "A:第二件0元的活动已经结束了，第二件的钱退不了",
        id="money-not-refunded",
    ),
    # the offer declared over while the listing shows it, with no remedy
    MATCH(
        "B:海报上写的第二件半价，结算的时候没减",
        "A:海报还没来得及更新，第二件半价已经没有了",
        id="offer-withdrawn",
    ),
    MATCH("B:主图显示买一送一，我只收到一个", "A:送的那个早没有了", id="gift-gone"),
    NEAR(
        "B:详情页写着满200减30，我付了200没减",
        "A:满减活动昨天就结束了哦，不过您是看着页面下单的，30块差价我给您退回去",
        id="offer-over-difference-refunded",
    ),
    NEAR(
        "B:上个月双11才99，现在怎么129",
        "A:双11的活动已经结束了，现在恢复日常价了",
        id="offer-over-no-listing",
    ),
    NEAR(
        "B:主图写买一送一是真的吗",
        "A:是的亲，买一送一活动还在，拍一件就发两件",
        id="offer-still-on",
    ),
    NEAR(LISTING, "A:亲页面那个99是运营挂错了，不好意思哈", id="misprint-admitted-only"),
    NEAR(LISTING, "A:亲，要先领店铺30元券才是99哦，领券后再付款就行", id="coupon-explained"),
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
    # told that the order was closed by someone else (the system, the buyer): passive
    NEAR("B:什么时候能到？", "A:您的订单已被取消了", id="passive-cancelled"),
    NEAR("B:什么时候能到？", "A:系统已经自动关闭了这笔订单哦", id="system-closed"),
    NEAR("B:我拍错了，帮我取消订单吧", "A:好的亲，已经帮您取消了", id="ordering-account-request"),
    NEAR("B:不想要了，关了吧", "A:好的，已经帮您关闭了", id="ordering-account-close"),
    NEAR("B:我拍错了", "A:您可以在我的订单里自行取消哦", id="asks-buyer-to-cancel"),
    NEAR("B:这个颜色我再考虑一下", "A:需要我帮您取消订单吗？", id="offer-question"),
    NEAR(COLLEAGUE, "A:不好意思，我们不能帮您关闭订单，请下单人自己取消哦", id="colleague-refused"),
    # any close verb, the agent (or 已经) as actor, the order named before or after
    MATCH("B:什么时候发货？", "A:缺货了，我们这边已经把您的订单关了", id="order-named-before"),
    MATCH("B:地址填错了能改吗", "A:改不了的，我直接给您关单了，您重新拍一个", id="guandan"),
    MATCH("B:我秒杀拍了三单", "A:限购一件哈，多拍的那两单我已经qu消了", id="pinyin-qu"),
    MATCH(COLLEAGUE, "A:好的亲，已经帮您关好了", id="guanhao-colleague"),
    MATCH("B:點解我張單冇咗", "A:你張單我幫你guan咗啦，你重新拍過啦", id="cantonese-guan"),
    MATCH("B:我的单呢", "A:看你一直没付，以为你不要了，我就给关了", id="assumed-unwanted"),
    MATCH("B:我昨晚拍的电烤箱呢", "A:那个标错价了，这单我们这边已经关闭交易了", id="closed-trade"),
    MATCH(
        "B:什么时候发？", "A:订单已经关闭啦，库存出了点问题，麻烦您重新下单", id="already-closed"
    ),
    MATCH("B:我这单什么时候发", "A:这边把订单给您撤了，重新拍一单吧", id="che-le"),
    MATCH("B:什么时候发", "A:缺货了，系统里我已经手动关闭订单了", id="manual-close-in-system"),
    NEAR("B:能取消吗", "A:您这单已经发货了，取消不了哦", id="cannot-cancel-shipped"),
    NEAR("B:地址写错了", "A:这边建议您取消订单重新购买呢", id="advises-buyer"),
    NEAR("B:还能取消吗", "A:已经发货的取消订单会进行拦截", id="cancel-as-noun"),
    NEAR("B:怎么没发货", "A:因为您这个是发货后取消订单的呢", id="yinwei-not-actor"),
    NEAR("B:什么时候发货？", "A:这边没有权限随意关闭交易，您可以自己取消", id="no-authority"),
    NEAR("B:订单怎么没了", "A:订单是超时未付款，系统自动关闭的哦", id="system-timeout"),
    NEAR("B:不退了，东西我留着", "A:好的，已经帮您撤销退款申请了", id="closes-refund-request"),
    NEAR("B:我拍重复了", "A:您先把多拍的那单取消，我们这边给您备注", id="buyer-closes"),
    NEAR(
        "B:拍了L想换XL",
        "A:我帮您把旧订单关掉了，您重新拍一个",
        "B:啊？关了我还得重新付",
        "A:已经关了，钱原路退回",
        id="restated-close",
    ),
    MATCH(
        "B:我的油汀咋给取消了",
        "A:货到付款的单子我们这边统一取消了，您重新拍一下",
        id="buyer-complains-first",
    ),
    NEAR(
        "A:这款缺货了，需要帮您取消订单吗？",
        "B:好的",
        "A:好的，已经帮您取消了",
        id="buyer-confirmed-offer",
    ),
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
    MATCH("B:杯子收到是碎的", "A:可以退，运费从退款里扣", id="postage-from-refund"),
    MATCH("B:杯子收到就裂了", "A:运费我们出一半，您出一半", id="half-postage"),
    NEAR(
        "B:杯子收到就裂了",
        "A:您先垫付运费寄回，我们收到后把运费补给您",
        id="advance-reimbursed",
    ),
    NEAR("B:杯子收到是碎的", "A:可以退，运费不会从退款里扣", id="postage-not-from-refund"),
    # a wrong item is the seller's fault, like a defect
    MATCH(
        "B:我买的粉色，你们发的蓝色", "A:您寄回来我们补发，寄回的运费您先垫着", id="wrong-colour"
    ),
    NEAR(
        "B:我买的粉色，你们发的蓝色",
        "A:非常抱歉，我们安排上门取件，运费我们承担",
        id="wrong-colour-seller-pays",
    ),
    # refusing a defective item, or sending the buyer to the courier
    MATCH(
        "B:奶瓶收到就裂了一道缝",
        "A:应该是快递摔的，您找快递理赔吧，我们这边不给退的",
        id="courier-push",
    ),
    NEAR(
        "B:奶瓶收到就裂了一道缝",
        "A:非常抱歉，我们这边联系快递理赔，给您补发一个新的",
        id="seller-handles-courier",
    ),
    # buyer-paid postage said with other nouns and verbs, or taken from the refund
    MATCH(
        "B:保温杯根本不保温，质量有问题",
        "A:可以退的，不过寄回来的快递钱要您自己出哈",
        id="courier-money-buyer",
    ),
    MATCH("B:收到個杯係爛嘅", "A:退貨可以，但運費要你自己俾", id="cantonese-bei"),
    MATCH("B:台灯收到就不亮", "A:可以退，来回邮费麻烦您自己搞定一下哈", id="buyer-sorts-it-out"),
    MATCH(
        "B:收到的是蓝色，我下单的是粉色", "A:那您寄回来吧，邮费算您的哈", id="wrong-item-on-buyer"
    ),
    MATCH("B:鞋子开胶了，要退", "A:可以退，退款的时候我们会把运费从里面扣掉", id="taken-from-it"),
    MATCH("B:被子有股很重的霉味，要退", "A:退可以，退款会少15块运费哦", id="refund-less-postage"),
    MATCH("B:吹风机用了两次就没风了", "A:可以退货，寄回运费要亲自己付的哈", id="broke-after-use"),
    MATCH(
        "B:电热水壶用第二次就不加热了，要退货",
        "A:这个要走厂家保修，我们店里退不了哦",
        id="sent-to-manufacturer",
    ),
    NEAR(
        "B:我下单的是M码，收到的是M码，就是穿着有点小，想退",
        "A:可以的亲，寄回运费需要您承担哦",
        id="same-item-size",
    ),
    NEAR(
        "B:吹风机用了两次就没风了",
        "A:非常抱歉亲，您申请退货，寄回运费我们来出，收到后给您报销",
        id="seller-reimburses",
    ),
    NEAR(
        "B:衣服穿了一次就不喜欢了", "A:七天无理由的话寄回运费需要您承担哦", id="dislike-after-wear"
    ),
    NEAR(
        "B:没有质量问题，就是不想要了",
        "A:好的，没有质量问题的话寄回运费需要用户自己承担",
        id="no-quality-user-pays",
    ),
    NEAR(
        "B:衣服大了想退，退多少", "A:退您商品的实付金额168，运费不退哦", id="shipping-not-refunded"
    ),
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
    # a refusal with any verb, for goods the buyer has received
    MATCH(
        "B:收到了不太喜欢，能退吗", "A:不喜欢是不能退的哈，只有质量问题才给退", id="dislike-refused"
    ),
    MATCH(
        "B:鞋子小了想退，只在地毯上试了一下",
        "A:鞋盒都拆了就不能退了呀，只能给您换码",
        id="opened-box",
    ),
    MATCH(
        "B:裙子试了一下不合适，吊牌都在，想退",
        "A:试穿过的衣服我们是不退的哦，穿过就没法二次销售了",
        id="tried-on",
    ),
    MATCH("B:41码小了，直接退", "A:尺码问题只能换不能退哦", id="only-exchange"),
    MATCH("B:童装收到了颜色不喜欢，能退吗", "A:童装我们家都是不退的哦", id="category-never"),
    MATCH("B:收到了我想退货", "A:亲，签收了就不支持退了哦", id="signed-no-return"),
    MATCH(
        "B:收到了还没拆箱，想退",
        "A:这款是618活动商品，不参与七天无理由退货的哦",
        id="promo-not-in-7-day",
    ),
    MATCH("B:T恤拆开试了一下不合适", "A:7天无理由只针对没拆封的哈", id="unopened-only"),
    MATCH("B:41码小了", "A:尺码问题不在七天无理由范围内哦", id="not-in-scope"),
    MATCH("B:衣服大了想退", "A:可以换货，退的话不行哦", id="exchange-yes-return-no"),
    MATCH("B:收到了不喜欢，想退", "A:我们这边只接受质量问题退货哦", id="quality-only"),
    MATCH("B:收到了不喜欢，想退", "A:唔可以退货㗎亲", id="cantonese-refusal"),
    MATCH("B:不喜欢想退", "A:亲 这个tui不了哦", id="pinyin-tui"),
    MATCH("B:不喜欢想退", "A:亲 退huo不支持哦", id="pinyin-huo"),
    MATCH("B:收到了不喜欢，想退", "A:退的话只能退您一半哦", id="half-refund"),
    NEAR("B:定金能退吗", "A:亲，定金是不退的哦", id="deposit-not-refunded"),
    NEAR("B:衣服大了想退", "A:换货的话只能换一模一样的哦", id="exchange-constraint"),
    NEAR("B:不想退了", "A:上门取件的时候和师傅说不退货了就可以", id="buyer-cancels-return"),
    NEAR(
        "B:柜子装好了，不喜欢想退",
        "A:已经安装过的商品影响二次销售，不能退哦",
        id="installed",
    ),
    MATCH("B:柜子还没组装，尺寸大了想退", "A:家具类不能退的哦", id="not-assembled-refused"),
    NEAR(
        "B:不喜欢", "A:亲，不喜欢的话可以七天无理由退，运费您这边出哦", id="dislike-buyer-postage"
    ),
    MATCH("B:鞋子开胶了", "A:这个我们不给退的，穿过了", id="defect-refused-worn"),
    NEAR("B:衣服大了想退", "A:拆封不影响七天无理由退货的，放心", id="opening-does-not-matter"),
    NEAR(
        "B:面膜拆了用了一片，不喜欢想退",
        "A:面膜拆封后影响二次销售，不支持七天无理由哦",
        id="opened-mask-exempt",
    ),
    NEAR("B:收到了不喜欢想退", "A:可以退的亲，您在订单里申请退货就行", id="return-accepted"),
    NEAR(
        "B:面霜用了两次不喜欢想退",
        "A:面霜已经拆封使用过了，不支持七天无理由哦",
        id="opened-cosmetic",
    ),
    NEAR("B:衣服洗过一次，能退吗", "A:洗过的衣服影响二次销售，不能退哦", id="washed"),
    NEAR("B:刻字的杯子收到了不想要了", "A:刻字定制的商品不能退哦", id="engraved"),
    NEAR("B:退货运费能退吗", "A:七天无理由退货运费是不退的哈", id="postage-not-refunded"),
    NEAR("B:收到了想退", "A:不会不给退的，仓库收到后就给您退款", id="refund-after-receipt"),
    # deductions named before the verb, and free-shipping postage taken back
    MATCH(
        "B:退货寄回去了",
        "A:退款给您退140，有28块是折旧和吊牌费需要扣掉的",
        id="fee-before-deduct",
    ),
    MATCH("B:怎么只退150", "A:退货要扣18元的包装损耗费哦", id="packaging-loss"),
    MATCH(
        "B:七天无理由退货寄回去了",
        "A:仓库签收后给您退156，当初包邮发给您的12块运费要扣掉的",
        id="free-postage-deducted",
    ),
    NEAR("B:退货寄回去了", "A:收到后全额退款，不会扣任何折旧费哦", id="no-deduction"),
    MATCH(
        "B:七天无理由退了，赠品也一起寄回了",
        "A:赠品和包装的损耗要扣掉一部分，退您1200",
        id="gift-packaging-loss",
    ),
    NEAR(
        "B:七天无理由退了",
        "A:赠品没有寄回的话，需要扣除赠品的金额30元哦",
        id="gift-not-returned",
    ),
    NEAR("B:退货寄回去了", "A:包邮的运费不会从退款里扣的，放心", id="free-postage-kept"),
    # the 7 days counted from payment instead of from signing
    MATCH("B:我想七天无理由退货", "A:七天是从付款那天开始算的，您已经超过了", id="from-payment"),
    NEAR("B:七天怎么算", "A:七天无理由是从签收那天开始算的哦", id="from-signing"),
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


@pytest.mark.parametrize(
    ("text", "when", "hit"),
    [
        pytest.param(
            "唔好意思 已經過咗退貨期喇 退唔到",
            "2026-09-07T10:00:00+08:00",
            True,
            id="cantonese-inside",
        ),
        pytest.param(
            "唔好意思 已經過咗退貨期喇 退唔到",
            "2026-09-14T10:00:00+08:00",
            False,
            id="cantonese-outside",
        ),
        pytest.param(
            "签收时间已经超了，七天无理由申请不了",
            "2026-09-06T10:00:00+08:00",
            True,
            id="signing-passed-inside",
        ),
        pytest.param(
            "签收时间已经超了，七天无理由申请不了",
            "2026-09-12T10:00:00+08:00",
            False,
            id="signing-passed-outside",
        ),
        pytest.param("签收了就不能退了哦", "2026-09-05T10:00:00+08:00", True, id="refused-inside"),
        pytest.param(
            "超过七天就不能退了哦，您现在还在期限内可以退",
            "2026-09-05T10:00:00+08:00",
            False,
            id="general-rule-reassurance",
        ),
        pytest.param(
            "签收了就不能退了哦", "2026-09-13T10:00:00+08:00", False, id="refused-outside"
        ),
    ],
)
def test_returns_refusal_depends_on_window(last_cats, text, when, hit):
    msgs = [
        system("您的包裹已签收", time=SIGNED_AT),
        buyer("收到了不喜欢，我想退货", time=when),
        agent(text, time=when.replace(":00+", ":30+")),
    ]
    assert ("returns" in last_cats(msgs)) is hit


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


@pytest.fixture(scope="module")
def rules_guard():
    from redline.guard.engine import Guard

    return Guard.default(model=False)


@pytest.mark.parametrize(
    "messages",
    [
        pytest.param(
            ["B:面膜拆了用了一片，不喜欢想退", "A:面膜拆封后影响二次销售，不支持七天无理由哦"],
            id="opened-mask-exempt",
        ),
        pytest.param(
            [
                system("您的包裹已签收", time=SIGNED_AT),
                buyer("收到了不喜欢，我想退货", time="2026-09-05T10:00:00+08:00"),
                agent(
                    "超过七天就不能退了哦，您现在还在期限内可以退",
                    time="2026-09-05T10:00:30+08:00",
                ),
            ],
            id="general-rule-reassurance",
        ),
        pytest.param(
            ["B:柜子装好了，不喜欢想退", "A:已经安装过的商品影响二次销售，不能退哦"], id="installed"
        ),
        pytest.param(
            ["B:不想退了", "A:好的，已经帮您把退款申请关闭了"], id="closes-refund-request"
        ),
        pytest.param(
            ["B:收到了想退", "A:仓库收到后就给您退，不会不给退的"], id="refund-after-receipt"
        ),
    ],
)
def test_returns_rules_alone_clean(rules_guard, messages):
    from support import make_conv

    conv = make_conv(messages)
    last = len(conv.messages) - 1
    cats = {f.category for f in rules_guard.check(conv) if f.message == last}
    assert not cats & {"returns", "close_order"}


# Inside the window (signed 9/3 15:00, asked 2-4 days later): refusals in other words.
WINDOW_ROWS = [
    pytest.param(
        "试穿过的就不给退了哦", "裤子试穿了一下不合适，吊牌还在，想退", True, id="tried-on"
    ),
    pytest.param(
        "试过的衣服我们是不收的哦", "外套试了下不喜欢，吊牌没拆，想退", True, id="not-taken-back"
    ),
    pytest.param("亲，已经超过七天了，不能退哦", "衣服不喜欢，想退", True, id="day-3-over-seven"),
    pytest.param(
        "已經過咗退貨期，退唔到喇", "收到三日，想退貨", True, id="cantonese-period-passed"
    ),
    pytest.param("七天无理由是从发货那天起的，已经过了哦", "想无理由退", True, id="from-shipping"),
    pytest.param("亲，我们家的东西一经售出概不退货的哈", "不喜欢这个颜色，想退", True, id="never"),
    pytest.param("特价款是只换不退的亲", "这个包实物不好看，退了吧", True, id="exchange-only"),
    pytest.param(
        "七天是从签收那天开始算的，您还在期限内，可以退的",
        "七天从什么时候算",
        False,
        id="explained",
    ),
    pytest.param("亲，刻字定制的商品不支持七天无理由哦", "刻字的钢笔不想要了", False, id="custom"),
    pytest.param("运费我们是不收的哦，您放心寄回", "不喜欢，想退", False, id="postage-not-charged"),
]


@pytest.mark.parametrize(("text", "ask", "hit"), WINDOW_ROWS)
def test_returns_refusal_in_other_words(last_cats, text, ask, hit):
    msgs = [
        system("买家已签收", time=SIGNED_AT),
        buyer(ask, time="2026-09-06T10:00:00+08:00"),
        agent(text, time="2026-09-06T10:00:30+08:00"),
    ]
    assert ("returns" in last_cats(msgs)) is hit
