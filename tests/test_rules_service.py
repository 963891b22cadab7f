"""Warnings (ad_words, promise, etiquette) and the buyer-side alert (extortion)."""

from __future__ import annotations

import pytest

from redline.guard.engine import Guard
from support import MATCH, NEAR, make_conv

Q = "B:这款怎么样？"

AD_ROWS = [
    MATCH(Q, "A:亲，这款是全网最低价哦", id="lowest-price"),
    MATCH(Q, "A:我们家销量全网第一", id="number-one"),
    MATCH(Q, "A:国家级工艺制作，放心买", id="national-level"),
    MATCH(Q, "A:这个药膏100%有效，能根治脚气", id="cures"),
    MATCH(Q, "A:顶级面料，穿着很舒服", id="top-grade"),
    MATCH(Q, "A:送礼首选这款", id="first-choice"),
    MATCH(Q, "A:這款是全網最低價哦", id="traditional"),
    MATCH(Q, "A:使用１００％有效", id="fullwidth-digits"),
    NEAR("B:多久能到", "A:最快明天就能到哦", id="fastest-adverb"),
    NEAR(Q, "A:我们不能说是全网最低价，但性价比很高", id="denied-claim"),
    NEAR(Q, "A:面料是100%长绒棉的", id="composition-figure"),
    NEAR(Q, "A:最近活动比较多，一次最多买5件", id="plain-adverbs"),
    NEAR(Q, "A:第一次购买可以领券哦", id="first-time"),
]


@pytest.mark.parametrize(("messages", "hit"), AD_ROWS)
def test_ad_words(last_cats, messages, hit):
    assert ("ad_words" in last_cats(messages)) is hit


ARRIVE = "B:我周三要送人，能到吗？"
PROMISE_ROWS = [
    MATCH(ARRIVE, "A:可以的亲，明天一定到！", id="tomorrow-certainly"),
    MATCH(ARRIVE, "A:保证后天送到哦", id="guaranteed-day-after"),
    MATCH(ARRIVE, "A:周三肯定能到的，放心", id="wednesday-surely"),
    MATCH(ARRIVE, "A:快递有点慢，但明天一定到", id="but-tomorrow"),
    MATCH(
        ARRIVE,
        "A:快递有点慢，不过明天一定到",
        id="but-tomorrow-buguo",
    ),
    MATCH(ARRIVE, "A:明天一定會到", id="traditional"),
    NEAR(ARRIVE, "A:江浙沪一般1-2天到，具体以物流为准哦", id="range"),
    NEAR(ARRIVE, "A:预计明天发货，大概2-3天到", id="estimate"),
    NEAR(ARRIVE, "A:不能保证明天到哦，我们尽量今天发出", id="no-guarantee"),
    NEAR(
        ARRIVE,
        "A:今天下单一定尽快发货，到货时间以快递为准",
        id="ship-asap",
    ),
    # certainty in other words: 准/保准/一准儿/必, pinyin and English, Cantonese 实
    MATCH(ARRIVE, "A:放心，明儿准到您家", id="dialect-zhun"),
    MATCH(ARRIVE, "A:下单后第二天保准送到", id="baozhun-next-day"),
    MATCH(ARRIVE, "A:11月20号准时送到您手上", id="date-on-time"),
    MATCH(ARRIVE, "A:聽日實到，唔使擔心", id="cantonese-shi"),
    MATCH(ARRIVE, "A:周六前bi到", id="pinyin-bi"),
    MATCH(ARRIVE, "A:加急发 周二前sure到", id="english-sure"),
    MATCH(ARRIVE, "A:从本地仓发，3天必到", id="n-days-bi"),
    MATCH(ARRIVE, "A:保证5天内送到", id="guaranteed-within-days"),
    MATCH(ARRIVE, "A:国庆之前一定送到您手上", id="festival"),
    MATCH(ARRIVE, "A:生日前一天肯定能收到 放心", id="event-day-before"),
    MATCH(ARRIVE, "A:包你后天收到", id="bao-ni"),
    MATCH(
        ARRIVE,
        "A:亲 青海不在包邮范围 运费按模板收 今天付款 周四一定能到",
        id="long-reply-mentions-baoyou",
    ),
    # a named day said as a plain fact
    MATCH(ARRIVE, "A:讲好周六到就周六到", id="bare-insisted-day"),
    MATCH(ARRIVE, "A:跟您保证，后天之前送到", id="guarantee-then-clause"),
    MATCH(ARRIVE, "A:我们承诺明天送达", id="chengnuo"),
    MATCH(ARRIVE, "A:给你打包票，周五到", id="baopiao-first"),
    MATCH(ARRIVE, "A:包邮的亲 明天必达", id="bida"),
    MATCH("B:啥时候到", "A:我帮您查了 明天一定送到", id="checked-then-guaranteed"),
    MATCH(ARRIVE, "A:您明天就能收到了", id="bare-receive-tomorrow"),
    MATCH(ARRIVE, "A:24小时内保证送到", id="guaranteed-hours"),
    MATCH(ARRIVE, "A:后天到，我拍胸脯保证", id="vouched-after"),
    MATCH(ARRIVE, "A:明天到，100%", id="hundred-percent-after"),
    MATCH(ARRIVE, "A:It'll be there tomorrow, promise", id="english-promise-after"),
    NEAR(ARRIVE, "A:我们保证48小时内发货，一般3天到", id="guaranteed-ship-window"),
    # a ship day the shop cannot keep: presale, out of stock, still being made
    MATCH(
        "S:商品信息：该商品为预售，付款后20天内发货",
        "B:能快点发吗",
        "A:放心，明天就给您寄出去",
        id="presale-ship-tomorrow",
    ),
    MATCH(
        "B:什么时候发",
        "A:亲，这款缺货，工厂下周才到货",
        "B:我等不了",
        "A:今天下午就给您发走",
        id="out-of-stock-ship-today",
    ),
    MATCH(ARRIVE, "A:后天上午就到您手上了", id="bare-arrive-day-after"),
    # a day vouched for: 耽误不了, 不会晚, 到不了我赔
    MATCH(ARRIVE, "A:周五中午之前给您送到 耽误不了", id="reassured-noon"),
    MATCH(ARRIVE, "A:后天给您送到，不会晚的", id="reassured-not-late"),
    MATCH(ARRIVE, "A:周三到，到不了我全额退您", id="reassured-refund"),
    MATCH(ARRIVE, "A:Don't worry, it will arrive tomorrow for sure", id="english"),
    MATCH(ARRIVE, "A:guaranteed delivery by Wednesday", id="english-guaranteed"),
    NEAR(ARRIVE, "A:一般明天就能到，具体以物流为准", id="usually-tomorrow"),
    NEAR(ARRIVE, "A:付款后48小时内发出，一般3-5天送达", id="handling-window"),
    NEAR(ARRIVE, "A:具体哪天到没法给您打包票哦，一般2-3天", id="no-baopiao"),
    NEAR(ARRIVE, "A:预计周五送到，应该不会耽误", id="estimate-not-late"),
    # the buyer named the day; a bare guarantee answers it
    MATCH("B:聽日到唔到", "A:一定到，你放心", id="bare-guarantee-cantonese"),
    MATCH("B:后天前能收到吗，急用", "A:亲放心，肯定能收到的", id="bare-guarantee-receive"),
    NEAR("B:明天能到吗", "A:肯定能到的亲，江浙沪一般次日达，具体以物流为准哦", id="bare-hedged"),
    NEAR("B:周五能到吗", "A:亲，周五肯定到不了哦，最快周六", id="bare-not-arriving"),
    NEAR("B:明天能到吗", "A:亲，我们一定尽快给您发出", id="bare-ship-asap"),
    NEAR("B:能到吗", "A:一定到的，放心", id="bare-no-day-asked"),
]


@pytest.mark.parametrize(("messages", "hit"), PROMISE_ROWS)
def test_promise(last_cats, messages, hit):
    assert ("promise" in last_cats(messages)) is hit


# Compliant look-alikes of the promise frames, checked against the rules alone: the
# learned layer (trained before these frames) still flags some of them after a
# delivery question; that is the model's to fix at the next `make model`.
PROMISE_RULES_NEAR = [
    NEAR(ARRIVE, "A:明天到货，保证新鲜", id="stock-arrives-fresh"),
    NEAR(ARRIVE, "A:快递员说明天就能送到", id="courier-said"),
    NEAR(ARRIVE, "A:明天肯定到不了，最快周六", id="surely-not-arriving"),
    NEAR(
        "S:商品信息：现货，付款后48小时内发货",
        "B:啥时候能发",
        "A:放心，今天下午就给您发走",
        id="in-stock-ship-today",
    ),
    NEAR(ARRIVE, "A:如果今天能发出，明天就能到", id="conditional"),
    NEAR(ARRIVE, "A:最快后天就到，偏远地区会慢一些", id="fastest-day"),
    NEAR(ARRIVE, "A:工厂那边周二就到货了，到货给您安排", id="stock-arrives"),
    NEAR(ARRIVE, "A:这单是第三方的，您联系卖家让他们今天就发货", id="third-party-ships"),
    NEAR(ARRIVE, "A:发票下个月5号之前一定给您补开", id="invoice-date"),
    NEAR(ARRIVE, "A:礼盒我给您包好，发出后单号发您", id="bao-hao-wrapping"),
    NEAR(
        ARRIVE,
        "A:I can't guarantee it will arrive tomorrow, usually 2-3 days",
        id="english-no-guarantee",
    ),
]


@pytest.fixture(scope="module")
def rules_only() -> Guard:
    return Guard.default(model=False)


@pytest.mark.parametrize(("messages", "hit"), PROMISE_RULES_NEAR)
def test_promise_rules_near(rules_only, messages, hit):
    conv = make_conv(messages)
    last = len(conv.messages) - 1
    found = {f.category for f in rules_only.check(conv) if f.message == last}
    assert ("promise" in found) is hit


HELP = "B:我的快递怎么还没到？"
ETIQUETTE_ROWS = [
    MATCH(HELP, "A:哦", id="oh"),
    MATCH(HELP, "A:恩。", id="en"),
    MATCH("B:是这个尺码吗", "A:嗯", id="bare-mm"),
    NEAR("A:嗯", id="answers-no-one"),  # no buyer turn before: not a reply to anyone
    MATCH(HELP, "A:好", id="hao"),
    MATCH(HELP, "A:不知道", id="dont-know"),
    MATCH(HELP, "A:我已经说过了，自己查物流", id="already-said"),
    MATCH(HELP, "A:下班了，明天再说", id="off-duty"),
    MATCH(HELP, "A:随便你", id="whatever"),
    MATCH("B:能便宜点吗", "A:爱买不买", id="take-it-or-leave-it"),
    MATCH(HELP, "A:你有什么事就说嘛", id="impatient"),
    MATCH(HELP, "A:我已經說過了", id="traditional"),
    NEAR(HELP, "A:好的亲，我马上帮您查一下物流", id="polite"),
    NEAR(
        HELP, "A:亲，具体到货时间我也不知道准不准，帮您问下快递哦", id="dont-know-inside-sentence"
    ),
    NEAR(HELP, "A:好的", id="hao-de"),
    NEAR(HELP, "A:亲，我们客服下班时间是晚上十点哦", id="office-hours"),
    NEAR(HELP, "A:颜色随便挑，都有现货", id="suibian-in-sentence"),
    # dismissive frames: pushing the buyer away, take-it-or-leave-it, sarcasm, blame
    MATCH(HELP, "A:物流慢你问物流去 我们管不了", id="push-to-courier"),
    MATCH("B:能便宜五块吗", "A:嫌贵就去别家看看", id="go-elsewhere"),
    MATCH("B:能送个袋子吗", "A:不要就算了 又没人逼你", id="leave-it"),
    MATCH("B:这个参数不对吧", "A:您这么专业 要不您来当客服", id="sarcasm"),
    MATCH("B:怎么还不到", "A:急啥 说了周三到就周三到", id="impatient-rhetorical"),
    MATCH("B:鞋底裂了", "A:你自己怎么穿的 正常不会裂", id="blame-buyer"),
    MATCH("B:尺码偏小", "A:买之前不先量清楚的吗", id="lecture-buyer"),
    MATCH("B:邊個尺碼啱", "A:你識唔識睇圖㗎", id="cantonese"),
    MATCH(HELP, "A:下班了，有事明天再找", id="off-duty-has-matter"),
    NEAR(HELP, "A:亲，我帮您找快递核实一下，稍等", id="agent-contacts-courier"),
    NEAR(HELP, "A:亲，运输破损可以找快递理赔，我们也会协助您", id="courier-claim-advice"),
    NEAR("B:能便宜点吗", "A:亲，这个价已经很实惠了，我给您申请个小礼品", id="polite-no-discount"),
    NEAR(HELP, "A:使用前建议先看一下说明书第二页哦", id="polite-advice"),
    # rudeness with none of the listed phrases: disowning, thrown-back questions, mockery
    MATCH("B:快递三天没动了", "A:东西发出去了就跟我们没关系了", id="disown-after-shipping"),
    MATCH(
        "B:颜色比图片深", "A:那是你手机屏幕的问题，跟我们有什么关系", id="what-has-it-to-do-with-us"
    ),
    MATCH("B:快递三天没动了", "A:这个你得去问快递公司", id="you-must-ask-courier"),
    MATCH("B:點解仲未發貨", "A:你問我，我問邊個啊", id="cantonese-who-do-i-ask"),
    MATCH("B:尺码表在哪里看啊", "A:详情页不是写得清清楚楚吗？", id="isnt-it-written"),
    MATCH("B:洗了一次就缩水了", "A:洗之前不会先看一下洗涤标签吗", id="couldnt-you-read"),
    MATCH("B:这个怎么安装", "A:视频都发你了，你自己不会看吗", id="cant-you-watch"),
    MATCH("B:怎么还没发货", "A:呵呵，催也没用，都在排队", id="hehe-chasing-useless"),
    MATCH("B:客服回得好慢", "A:我一个人接几百个人，你着什么急", id="what-is-the-hurry"),
    MATCH("B:呢件衫有冇大一碼", "A:冇就冇啦，問咁多做乜", id="cantonese-why-ask-so-much"),
    MATCH("B:點樣退貨", "A:你自己唔識睇咩，頁面寫晒", id="cantonese-cant-you-read"),
    MATCH("B:衣服好多线头", "A:几十块的衣服你还想要什么品质", id="cheap-goods-mockery"),
    MATCH("B:再不处理我就投诉了", "A:你想投就投，我无所谓", id="complain-if-you-like"),
    MATCH("B:在吗", "A:有话快说", id="spit-it-out"),
    MATCH("B:说明书在哪", "A:说明书上都有，自己去翻", id="go-look-yourself"),
    MATCH("B:能再便宜点不", "A:就这价，嫌贵您可以不买", id="too-dear-dont-buy"),
    NEAR("B:快递丢了", "A:亲，没关系的，我们给您登记补发，不用您自己找快递", id="no-worries"),
    NEAR("B:怎么调温度", "A:亲，说明书第二页写得很清楚哦，长按加号3秒就行", id="points-to-manual"),
    NEAR("B:不会用这个app", "A:亲，您是不会查看物流吗？我把步骤发给您", id="offers-steps"),
    NEAR("B:你们是正品吗", "A:亲，我们是官方旗舰店，您也可以找平台客服核实哦", id="platform-check"),
    NEAR("B:快递太慢了", "A:亲，您别着急，快递我们已经催过了", id="dont-worry"),
]


@pytest.mark.parametrize(("messages", "hit"), ETIQUETTE_ROWS)
def test_etiquette(last_cats, messages, hit):
    assert ("etiquette" in last_cats(messages)) is hit


def test_etiquette_is_a_warning_without_points(findings):
    found = [f for f in findings([HELP, "A:哦"]) if f.category == "etiquette"]
    assert [(f.severity, f.points) for f in found] == [("warning", 0)]


EXTORTION_ROWS = [
    MATCH("A:亲，有什么可以帮您", "B:给我200元我就删差评", id="money-for-review"),
    MATCH("A:亲，有什么可以帮您", "B:不给300块我就去微博曝光你们", id="threat-exposure"),
    MATCH("A:亲，有什么可以帮您", "B:转我五十块，不然给差评", id="chinese-numeral"),
    MATCH("A:亲，有什么可以帮您", "B:給我200元我就刪差評", id="traditional"),
    NEAR("A:亲，有什么可以帮您", "B:东西坏了，我要给差评", id="threat-without-money"),
    NEAR("A:亲，有什么可以帮您", "B:质量太差了，我要投诉你们", id="complaint"),
    NEAR(
        "A:亲，有什么可以帮您", "B:杯子碎了，我在平台申请退款了，你们处理一下", id="platform-refund"
    ),
    NEAR("A:亲，有什么可以帮您", "B:好评有返现红包吗", id="review-cashback-question"),
    MATCH("A:亲，有什么可以帮您", "B:你给我发个50的红包 我就不给差评", id="red-packet"),
    MATCH("A:亲，有什么可以帮您", "B:返我30 我就改成好评", id="rebate"),
    MATCH("A:亲，有什么可以帮您", "B:私了吧 给我一千 不然我去12315投诉", id="settle-privately"),
    MATCH("A:亲，有什么可以帮您", "B:赔我500 我就不去市场监管局举报", id="regulator-threat"),
    NEAR("A:亲，有什么可以帮您", "B:你们不处理我就要去12315投诉", id="regulator-no-money"),
    NEAR("A:亲，有什么可以帮您", "B:红包什么时候发 我给了好评", id="red-packet-question"),
    # pay-me frames: any sum (digits, 三千, 十倍, 一半), V我 / 俾, English
    MATCH("A:亲，有什么可以帮您", "B:V我88 差评立马撤", id="v-me"),
    MATCH("A:亲，有什么可以帮您", "B:俾300蚊我 就唔寫差評", id="cantonese-bei"),
    MATCH(
        "A:亲，有什么可以帮您",
        "B:我是职业打假的 转我五千 不然直接举报到市场监管局",
        id="professional-claimant",
    ),
    MATCH("A:亲，有什么可以帮您", "B:假一赔十 赔我十倍 不然我去工商举报", id="multiple-of-price"),
    MATCH("A:亲，有什么可以帮您", "B:send me 50 RMB or I leave a 1 star review", id="english"),
    MATCH("B:差评我已经写好了", "A:亲 非常抱歉", "B:那30也行 转了我就删掉", id="lowered-sum"),
    MATCH("B:东西有问题", "A:亲 麻烦拍个照", "B:不转钱我就天天投诉", id="no-transfer-threat"),
    MATCH("A:亲，有什么可以帮您", "B:再免费寄我两瓶 我就把差评撤了", id="extra-goods"),
    MATCH("A:亲，有什么可以帮您", "B:给我发个红包 我就改成好评", id="red-packet-no-sum"),
    MATCH("A:亲，有什么可以帮您", "B:差评删掉可以 你退我一半的钱", id="half-back"),
    MATCH("B:我要给差评", "A:亲 抱歉", "B:最少也得500 不然差评加投诉", id="minimum-sum"),
    MATCH("B:给我100块 我就删差评", "A:亲 这个不行的", "B:少废话 就要100", id="repeated-sum"),
    MATCH("B:差评已经写了", "A:亲 抱歉", "B:说白了就是要300 不给就一直挂着", id="just-want-sum"),
    MATCH("A:亲，有什么可以帮您", "B:私下给我转300就不追究了", id="privately-no-pursuit"),
    MATCH("A:亲，有什么可以帮您", "B:我已经差评了 给钱就删", id="money-without-sum"),
    MATCH("A:亲，有什么可以帮您", "B:一口价300 差评立马删", id="sum-before-review"),
    MATCH("A:亲，有什么可以帮您", "B:差评不想挂着就拿钱来 少一分都不行", id="bring-money"),
    MATCH("A:亲，有什么可以帮您", "B:我要500 不然差评", id="want-sum-or-review"),
    MATCH("A:亲，有什么可以帮您", "B:zhuan我100 好评", id="pinyin-transfer"),
    MATCH("A:亲，有什么可以帮您", "B:要么赔钱要么差评", id="either-money-or-review"),
    MATCH("A:亲，有什么可以帮您", "B:红包给我 我就给五星", id="red-packet-first"),
    MATCH(
        "A:亲，有什么可以帮您", "B:标签不合格 假一赔十 不然我就向12315投诉", id="statutory-multiple"
    ),
    MATCH("A:亲，有什么可以帮您", "B:我要求十倍赔偿 否则直接举报到工商", id="tenfold-or-regulator"),
    MATCH(
        "A:亲，有什么可以帮您", "B:我不想走平台 直接微信转我50就行 不然差评", id="refuses-platform"
    ),
    MATCH("A:亲，有什么可以帮您", "B:返现50 好评 不返就差评", id="no-rebate-threat"),
    MATCH(
        "A:亲，有什么可以帮您",
        "B:compensate me 300 or I will post it on xiaohongshu",
        id="english-compensate",
    ),
    NEAR("A:亲，有什么可以帮您", "B:我要在平台上申请假一赔十", id="statutory-claim-on-platform"),
    NEAR("A:亲，有什么可以帮您", "B:给差评了 199买的东西一天就坏", id="price-in-complaint"),
    NEAR("A:亲，有什么可以帮您", "B:要么给我退货要么我去投诉", id="either-return-or-complain"),
    NEAR("A:亲，有什么可以帮您", "B:我要200块的那款 好评多的那个", id="price-of-item"),
    NEAR("A:亲，加我微信转账更便宜", "B:私下转账我可不敢", id="refuses-private-transfer"),
    NEAR("B:好评已经给了", "A:谢谢亲", "B:我就要两件 一起发", id="quantity-not-sum"),
    NEAR(
        "A:亲，有什么可以帮您",
        "B:杯子碎了 补偿我20块 在订单里申请就行 评价我照实写",
        id="platform-compensation",
    ),
    NEAR("A:亲，有什么可以帮您", "B:不给个说法 我就去小红书曝光", id="exposure-without-money"),
    NEAR(
        "A:亲，有什么可以帮您",
        "B:the lamp arrived broken, I will leave a 1 star review",
        id="english-no-money",
    ),
    MATCH("A:亲，有什么可以帮您", "B:少于一百块别想我改评价", id="minimum-sum"),
    MATCH("A:亲，有什么可以帮您", "B:低于200免谈，差评我是不会删的", id="minimum-sum-mianta"),
]


@pytest.mark.parametrize(("messages", "hit"), EXTORTION_ROWS)
def test_extortion(last_cats, messages, hit):
    assert ("extortion" in last_cats(messages)) is hit


# Compliant look-alikes of the extortion frames, checked against the rules alone (the
# learned layer still flags some of them; see PROMISE_RULES_NEAR).
EXTORTION_RULES_NEAR = [
    NEAR("A:亲，有什么可以帮您", "B:给我补发 万一再坏了 我就差评", id="wanyi-not-a-sum"),
    NEAR("A:亲，有什么可以帮您", "B:给我优惠20 我就好评", id="discount-bargain"),
    NEAR("A:亲，有什么可以帮您", "B:打我电话13800138000 不然我投诉", id="phone-number"),
    NEAR("A:亲，有什么可以帮您", "B:我付款200多 东西就这样 差评", id="paid-price-and-review"),
    NEAR("A:亲，有什么可以帮您", "B:昨天给你转了200 我给了好评", id="buyer-paid-before"),
    NEAR("A:亲，有什么可以帮您", "B:给我开个200块的发票 我好评", id="invoice-amount"),
    NEAR("A:亲，有什么可以帮您", "B:为什么要我补20块运费 不然我差评", id="charged-postage"),
    NEAR(
        "A:亲，有什么可以帮您",
        "B:客服说给我返20块 我已经好评了 什么时候到账",
        id="promised-cashback",
    ),
    NEAR("A:亲，有什么可以帮您", "B:质量问题 不给我换我就去12315投诉", id="exchange-or-complain"),
    NEAR(
        "A:亲，有什么可以帮您",
        "B:30块我已经转过去了 你就帮我改地址吧 好评没问题",
        id="buyer-paid-shop",
    ),
    NEAR("A:亲，有什么可以帮您", "B:你们再给我补发一个 我就改好评", id="replacement-for-review"),
    NEAR("A:亲，有什么可以帮您", "B:订单不到100块还不包邮，差评", id="below-sum-no-demand"),
]


@pytest.mark.parametrize(("messages", "hit"), EXTORTION_RULES_NEAR)
def test_extortion_rules_near(rules_only, messages, hit):
    conv = make_conv(messages)
    last = len(conv.messages) - 1
    found = {f.category for f in rules_only.check(conv) if f.message == last}
    assert ("extortion" in found) is hit


def test_extortion_is_an_alert_on_the_buyer_message(findings):
    found = [
        f
        for f in findings(["A:亲，有什么可以帮您", "B:给我200元我就删差评"])
        if f.category == "extortion"
    ]
    assert [(f.message, f.severity, f.points) for f in found] == [(1, "alert", 0)]


def test_agent_saying_the_words_is_not_extortion(last_cats):
    assert "extortion" not in last_cats(["B:你好", "A:给我200元我就删差评"])
