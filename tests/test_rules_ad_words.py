"""ad_words frames of packs/55-ad-words.yaml: a match row and a compliant look-alike per frame.

The rows test the rules, so they run on a rules-only guard: the learned layer has its
own recall/precision trade-off and is measured by ``redline eval`` and the floors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from redline.guard.engine import Guard
from support import DEFAULT_ORDER, MATCH, NEAR, make_conv


@pytest.fixture(scope="module")
def rule_cats() -> Callable[..., set[str]]:
    """Categories the rules alone flag on the last message."""
    guard = Guard.default(model=False)

    def _cats(messages: Any, shop: dict[str, Any] | None = None) -> set[str]:
        conv = make_conv(messages, shop=shop, order=DEFAULT_ORDER)
        last = len(conv.messages) - 1
        return {f.category for f in guard.check(conv) if f.message == last}

    return _cats


Q = "B:这款怎么样？"
PRICE = "B:能再便宜点吗"
WORKS = "B:这个有用吗？"

SUPERLATIVE_ROWS = [
    # a superlative against the whole market or all of history, whatever the adjective
    MATCH(Q, "A:我们家的枕头是全网最软的哦", id="scoped-most-soft"),
    MATCH(Q, "A:这台是史上最安静的一代", id="history-most-quiet"),
    MATCH(Q, "A:亲 这个颜色是行业里最正的", id="industry-most"),
    MATCH(Q, "A:国内首家做这种工艺的就是我们", id="first-in-country"),
    MATCH(Q, "A:全球唯一一款能折叠的", id="only-in-world"),
    MATCH(Q, "A:這款是全網最耐用的", id="traditional-scoped"),
    NEAR("B:多久能到", "A:全国最快3天到，偏远地区最晚7天", id="scoped-plain-adverbs"),
    NEAR(Q, "A:这是行业内最常见的规格", id="scoped-most-common"),
    NEAR(Q, "A:我们不敢说是全网最好的，但是用料很扎实", id="scoped-denied"),
    NEAR(Q, "A:您说的全网最便宜我们不能承诺哦", id="scoped-quoted"),
    NEAR("B:什么时候发", "A:全国第一时间安排发货", id="scoped-first-time"),
]

UNRIVALLED_ROWS = [
    MATCH(Q, "A:这款面霜保湿效果没有之一", id="bar-none"),
    MATCH(Q, "A:我们是蓝牙音箱 NO.1", id="number-one-latin"),
    MATCH(Q, "A:这是我们类目的销量冠军", id="sales-champion"),
    MATCH(Q, "A:这个价位根本没有对手", id="no-rival"),
    MATCH(PRICE, "A:亲 外面找不到比我们更便宜的了", id="nowhere-cheaper"),
    MATCH(Q, "A:这款是性价比天花板", id="ceiling-slang"),
    NEAR("B:灯怎么装", "A:灯是装在天花板上的哦", id="real-ceiling"),
    NEAR(PRICE, "A:我们这边没有更便宜的款了哦", id="no-cheaper-in-shop"),
    NEAR("B:有活动吗", "A:今晚8点有秒杀活动", id="flash-sale"),
    NEAR(Q, "A:这是我们店里卖得比较好的款之一", id="one-of"),
    MATCH(Q, "A:这款口碑第一", id="first-by-measure"),
    MATCH(PRICE, "A:双11是史低价了亲", id="history-low-slang"),
    NEAR(Q, "A:好评第一条就是老顾客写的", id="first-review-line"),
    NEAR(Q, "A:全年最热的时候也不会化", id="weather-superlative"),
    MATCH(PRICE, "A:呢个价係全省最平㗎啦", id="cantonese-cheapest"),
    MATCH(PRICE, "A:你出面都搵唔到更平嘅", id="cantonese-nowhere-cheaper"),
    NEAR(PRICE, "A:呢个价已经好抵㗎啦", id="cantonese-good-value"),
]

RESULT_ROWS = [
    MATCH(WORKS, "A:放心 这款鞋垫100%除臭", id="hundred-percent-effect"),
    MATCH(WORKS, "A:百分百见效的亲", id="baifenbai-effect"),
    MATCH("B:好养活吗", "A:我们的绿萝成活率100%", id="survival-rate"),
    MATCH(WORKS, "A:用了保证变白", id="guaranteed-whitening"),
    MATCH(WORKS, "A:坚持吃绝对不反弹", id="absolutely-no-rebound"),
    NEAR("B:什么面料", "A:是100%桑蚕丝的哦", id="composition-silk"),
    NEAR("B:什么材质", "A:100%天然乳胶，回弹很好", id="composition-latex"),
    NEAR(WORKS, "A:这个不一定有效的，因人而异", id="not-guaranteed"),
    NEAR("B:保质期多久", "A:我们保证有效期在一年以上", id="shelf-life"),
]

MEDICAL_ROWS = [
    MATCH(WORKS, "A:这款枇杷膏能治咳嗽", id="cures-cough"),
    MATCH(WORKS, "A:这个茶喝了降血压的", id="lowers-blood-pressure"),
    MATCH(WORKS, "A:失眠的话喝3天就好了", id="cured-in-days"),
    MATCH(WORKS, "A:我们的精华是医用级的", id="medical-grade-cosmetic"),
    MATCH(WORKS, "A:纯植物提取 零副作用", id="zero-side-effects"),
    MATCH(WORKS, "A:我们的蜂蜜是纯天然的", id="all-natural"),
    MATCH(WORKS, "A:这个贴对关节炎特别管用", id="works-on-disease"),
    MATCH(WORKS, "A:一盒见效 无效退款", id="works-or-refund"),
    NEAR(WORKS, "A:亲，我们不能保证完全没有副作用，每个人体质不同", id="side-effects-denied"),
    NEAR(WORKS, "A:护肤品是没办法治好痘痘的，严重的话建议去医院看看", id="cure-denied"),
    NEAR(WORKS, "A:本品是食品，不能代替药物", id="not-a-medicine"),
    NEAR(WORKS, "A:一般用两周左右见效，因人而异哦", id="hedged-time-to-effect"),
    NEAR(WORKS, "A:这是非处方药，请按说明书使用，主治脚气", id="medicine-leaflet"),
    NEAR(WORKS, "A:有没有副作用要看个人体质哦", id="side-effect-question"),
    NEAR(WORKS, "A:这款祛痘精华适合油皮", id="cosmetic-function"),
    MATCH(WORKS, "A:喝了排毒养颜", id="detox"),
    MATCH(WORKS, "A:坚持喝一个月瘦10斤", id="weight-loss-figure"),
    NEAR("B:奶嘴安全吗", "A:奶嘴是医用级硅胶的", id="medical-grade-material"),
]

ROWS = SUPERLATIVE_ROWS + UNRIVALLED_ROWS + RESULT_ROWS + MEDICAL_ROWS


@pytest.mark.parametrize(("messages", "hit"), ROWS)
def test_ad_words_frames(rule_cats, messages, hit):
    assert ("ad_words" in rule_cats(messages)) is hit


# Filter evasions spelled inside absolute terms (evasions of 55-ad-words.yaml).
EVASION_ROWS = [
    MATCH(PRICE, "A:这是全年最dī价了", id="tone-pinyin-lowest"),
    MATCH(PRICE, "A:已经是全网最di价了", id="pinyin-lowest"),
    MATCH(PRICE, "A:这是史上最底价", id="homophone-lowest"),
    MATCH(WORKS, "A:这款膏根zhi湿疹", id="pinyin-cure"),
    MATCH(Q, "A:全网zui好用的一款", id="pinyin-most"),
    NEAR(Q, "A:我们最di调也要三天才能发", id="di-not-price"),
    MATCH(PRICE, "A:这是全网醉低价了亲", id="homophone-most"),
    NEAR(PRICE, "A:喝醉了别开车", id="drunk-not-most"),
    NEAR(PRICE, "A:亲，这种说法广告法不让用哈，但我们价格确实很实在", id="ad-law-denied"),
]


@pytest.mark.parametrize(("messages", "hit"), EVASION_ROWS)
def test_ad_words_evasions(rule_cats, messages, hit):
    assert ("ad_words" in rule_cats(messages)) is hit


def test_buyer_words_are_not_the_agents_claim(rule_cats):
    assert "ad_words" not in rule_cats(["A:亲，在的", "B:你们这个是全网最低价吗？能根治脚气吗？"])


# Claims spelled as a rate, a guarantee or a body measurement, and their look-alikes.
MORE_ROWS = [
    MATCH(Q, "A:同类产品里我们的续航最长", id="scoped-longest"),
    MATCH(WORKS, "A:我们这款除螨率100%", id="any-rate-hundred"),
    MATCH(WORKS, "A:防脱效果百分百", id="effect-hundred"),
    MATCH(WORKS, "A:用了绝对不会过敏", id="never-allergic"),
    MATCH(WORKS, "A:喝了这个茶，血糖很快就降下来", id="blood-sugar-down"),
    NEAR("B:多久能到", "A:全国最长5天就能到", id="scoped-longest-delivery"),
    NEAR(WORKS, "A:亲，广告法不让说全网最低价哦，不过现在确实有券", id="ad-law-quoted"),
    NEAR(WORKS, "A:亲，这款是普通鞋垫，不能治脚气哦，只是吸汗", id="cannot-cure"),
    NEAR(WORKS, "A:天冷了注意保暖，预防感冒哦", id="care-advice"),
    # numerals spelled out, the dose before the disease, falling ill
    MATCH(WORKS, "A:这款减肥茶一周瘦八斤，还不反弹", id="slimming-numerals"),
    MATCH(WORKS, "A:贴三天，腰间盘突出就好了", id="dose-then-cure"),
    MATCH(WORKS, "A:喝一个月，胃病就好了", id="month-then-cure"),
    MATCH(WORKS, "A:宝宝喝了不容易生病", id="never-ill"),
    NEAR(WORKS, "A:亲，这是普通食品，不能治疗胃病哦，有不舒服请咨询医生", id="not-a-cure"),
    NEAR(WORKS, "A:宝宝生病期间建议遵医嘱，先别喝", id="ill-advice"),
    # nobody comes close; a superlative on the goods' own qualities
    MATCH(Q, "A:我们家是这个品类的老大，销量没人比得过", id="category-boss"),
    MATCH(Q, "A:行业龙头，没有哪家比得过我们", id="industry-leader"),
    MATCH(Q, "A:这款奶粉营养是最全面的", id="most-complete"),
    MATCH(Q, "A:材质是最好的，用料是最顶的", id="best-material"),
    NEAR(Q, "A:这几款里A款用料是最好的，价格也高一些", id="within-shop-comparison"),
    NEAR(Q, "A:我们是小品牌，销量比不过大牌，但用料实在", id="modest-comparison"),
    NEAR(Q, "A:晚上用效果最好哦", id="usage-tip"),
]


@pytest.mark.parametrize(("messages", "hit"), MORE_ROWS)
def test_ad_words_more_frames(rule_cats, messages, hit):
    assert ("ad_words" in rule_cats(messages)) is hit
