"""Deterministic synthetic corpus of Tmall/Taobao customer-service (客服) replies.

Every message is an agent reply built from a template with slot filling: greetings,
shipping times, sizes, stock, returns, invoices, coupons, logistics, payment… The
mix is chosen to look like a real shop's traffic as the guard sees it:

- most replies are compliant and mention no rule keyword at all;
- a sizeable share (``TRIGGER_SHARE``, ~25%) is compliant but mentions the words
  the rules are keyed on (发票可以开, 运费险, 七天无理由退货, 信用卡可以用…), so the
  keyword-gated regex stage does real work instead of being skipped;
- a small share (``VIOLATION_SHARE``, ~3%) crosses a red line the packs detect
  (特价商品不开发票, 加我微信转账, 偏远地区补10元邮费, 明天一定到, 全网最低价…).

Replies are grouped into short conversations (1–4 agent messages of one session)
with a random shop profile and, for about half of them, an order. The generator is
seeded and self-contained: the same ``(n, seed)`` always gives the same corpus.

>>> convs = generate(10, seed=1)
>>> sum(len(c.messages) for c in convs)
10
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from redline.model import Conversation, Message, Order, Shop

TRIGGER_SHARE = 0.25
VIOLATION_SHARE = 0.03

# --- slot vocabularies -------------------------------------------------------------------

SLOTS: dict[str, tuple[str, ...]] = {
    "hi": ("亲", "您好", "亲亲", "亲爱的", "宝宝", "在的亲", "亲，您好"),
    "end": ("哦~", "哦", "呢", "哈", "~", "的哦", "哦亲", "！", "。", "呢亲~"),
    "shop": (
        "优品家居旗舰店",
        "简木生活馆",
        "小鹿童装",
        "极客数码专营店",
        "茶语轩",
        "暖暖家纺",
        "花样年华女装",
        "运动派官方店",
        "美妆优选",
        "萌宠日记",
    ),
    "agent": ("小美", "小雪", "阿杰", "木木", "糖糖", "小七", "晴天", "安安"),
    "courier": ("中通", "圆通", "韵达", "申通", "顺丰", "京东物流", "邮政EMS", "极兔"),
    "n": ("1", "2", "3", "5", "7", "10", "15", "20", "30", "50"),
    "days": ("1-2", "2-3", "3-5", "5-7", "48小时", "24小时", "72小时"),
    "hour": ("16", "17", "18", "下午4", "下午5", "晚上8"),
    "size": ("S", "M", "L", "XL", "XXL", "36", "37", "38", "39", "40", "41", "42", "160/84A"),
    "color": ("黑", "白", "灰", "米白", "藏青", "卡其", "浅蓝", "粉", "墨绿", "酒红"),
    "height": ("155", "160", "165", "168", "170", "175", "180", "185"),
    "weight": ("90", "100", "110", "120", "130", "140", "150", "160"),
    "city": (
        "杭州",
        "上海",
        "广州",
        "成都",
        "武汉",
        "西安",
        "郑州",
        "南京",
        "长沙",
        "沈阳",
        "济南",
    ),
    "item": (
        "这款",
        "这件",
        "这双",
        "这个宝贝",
        "这款商品",
        "这套",
        "这款连衣裙",
        "这个型号",
        "这款耳机",
        "这款面霜",
    ),
    "coupon": ("5", "10", "20", "30", "50"),
    "threshold": ("99", "159", "199", "299", "399"),
    "price": ("59", "89", "99", "129", "168", "199", "258", "299", "399", "588"),
    "gift": ("小样", "收纳袋", "鞋垫", "替换刷头", "挂件", "试用装", "手提袋"),
    "order_id": tuple(f"{3019000000 + 7919 * i}" for i in range(40)),
    "material": ("纯棉", "莫代尔", "涤纶", "真丝", "羊毛", "亚麻", "牛皮", "不锈钢", "ABS"),
    "remote": ("新疆", "西藏", "青海", "内蒙古", "偏远地区", "海南"),
    "app": ("微信", "QQ", "vx", "支付宝", "银行卡"),
}

# --- templates ---------------------------------------------------------------------------
# ``{slot}`` is filled from SLOTS. Three pools: plain compliant replies, compliant
# replies that mention rule keywords, and violations.

PLAIN: tuple[str, ...] = (
    "{hi}，在的{end}有什么可以帮您的呢",
    "{hi}，欢迎光临{shop}，我是客服{agent}，很高兴为您服务{end}",
    "{hi}，{item}是现货，付款后{days}天内发货{end}",
    "今天{hour}点前付款的订单当天发出{end}",
    "{hi}，默认发{courier}快递，大部分地区{days}天可以收到{end}",
    "您身高{height}cm体重{weight}斤的话建议拍{size}码{end}",
    "{hi}，{color}色{size}码现在有货的，可以放心拍{end}",
    "{item}{color}色暂时缺货，预计{n}天后补货，您可以先收藏一下{end}",
    "{hi}，店铺首页可以领满{threshold}减{coupon}的优惠券{end}",
    "现在下单还送{gift}一份，数量有限送完为止{end}",
    "{hi}，帮您查了一下，包裹已经到{city}了，预计{days}天送达，具体以物流信息为准{end}",
    "{item}面料是{material}的，穿着很舒服，不起球{end}",
    "好的亲，已经给您备注了，仓库会尽快安排{end}",
    "感谢亲的支持，祝您生活愉快{end}",
    "{hi}，订单号{order_id}已经发货了，单号可以在订单详情里查看{end}",
    "尺码表在详情页第{n}张图，您可以对照一下{end}",
    "{hi}，这边给您申请了一个{coupon}元的小红包，下单可以直接抵扣{end}",
    "好的，稍等一下，我帮您问一下仓库{end}",
    "{item}活动价{price}元，比平时划算很多{end}",
    "收到货有任何问题随时联系我们，{agent}一直都在{end}",
    "嗯嗯，是的亲",
    "好的",
    "在的",
    "{hi}，{item}偏大一码，建议拍小一码{end}",
    "不客气亲，有需要再找我{end}",
    "地区不同时效会有差异，一般{days}天左右{end}",
    "{hi}，我们是品牌直营，正品保障，请放心购买{end}",
    "颜色以实物为准，可能会有轻微色差{end}",
)

TRIGGERS: tuple[str, ...] = (
    "{hi}，发票可以开的{end}下单时备注抬头和税号就行",
    "电子发票会在确认收货后{n}天内开具，个人和公司抬头都可以{end}",
    "{hi}，我们家所有商品都可以开发票，不额外收费{end}",
    "{hi}，支持七天无理由退货，商品不影响二次销售就可以{end}",
    "收到后不满意可以申请退货，我们有运费险，退货运费会赔付给您{end}",
    "{hi}，信用卡可以用的{end}也支持花呗分期",
    "满600元的订单可以用信用卡分期，手续费以收银台显示为准{end}",
    "{hi}，本店全场包邮，{remote}除外{end}",
    "{hi}，包邮的哦，不需要另外付运费{end}",
    "质量问题的话来回运费都是我们承担，您放心{end}",
    "{hi}，支持货到付款，下单时选择货到付款就可以{end}",
    "不好意思亲，地址需要您本人在订单里修改一下{end}",
    "订单需要您自己在我的订单里取消，我们这边不会帮您关闭{end}",
    "为了您的资金安全，请在淘宝下单并用支付宝付款{end}",
    "亲，预计{days}天送达，具体以物流为准，我们会尽快发货{end}",
    "收到货满意的话麻烦给个五星好评{end}",
    "我们这边有{n}个点的满减活动，叠加优惠券更划算{end}",
    "页面价格就是实际到手价，差价问题请放心{end}",
    "{item}可以放心购买，我们一定会认真处理您的问题{end}",
    "包装已经加固了，保证不会压坏{end}",
    "您再稍等一点时间，快递小哥今天会派送的{end}",
    "亲，退款会原路退回，不会扣任何费用{end}",
    "{hi}，您把收件人电话核对一下，确认无误我们就发{end}",
    "发票抬头写个人或者公司都可以的{end}",
    "{hi}，七天内可以退换的，运费险会帮您承担运费{end}",
)

VIOLATIONS: tuple[str, ...] = (
    "{hi}，特价商品不开发票的{end}",
    "活动款是不能开发票的，介意慎拍{end}",
    "开发票的话要加{n}个点的税{end}",
    "加我{app}转账，可以便宜{coupon}块{end}",
    "直接转我支付宝吧，不用拍了{end}",
    "{remote}需要补{n}元邮费{end}",
    "偏远地区要补{coupon}元运费才能发{end}",
    "明天一定到的，您放心{end}",
    "{hi}，今天发货后天肯定到{end}",
    "{item}是全网最低价，没有比我们更便宜的了{end}",
    "{item}效果是国家级的，全网第一{end}",
    "信用卡付款需要加{n}%手续费{end}",
    "特价商品不退不换{end}",
    "我已经帮您把订单关闭了{end}",
    "我已经说过了，你自己看详情页{end}",
    "爱买不买{end}",
)


# Agents often add a courtesy line to a reply; with it, replies average about 24
# characters, like the agent messages of the hand-labelled dev set.
COURTESY: tuple[str, ...] = (
    "有其他问题随时联系我们哦~",
    "感谢您的耐心等待~",
    "祝您购物愉快！",
    "还有什么可以帮您的吗？",
    "您看还有其他需要吗",
    "麻烦亲稍等一下哦",
)
COURTESY_SHARE = 0.45


@dataclass(frozen=True)
class _Template:
    """A template split into literal parts and slot names, for cheap filling."""

    literals: tuple[str, ...]
    slots: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, text: str) -> _Template:
        literals: list[str] = []
        slots: list[tuple[str, ...]] = []
        for literal, name, _spec, _conv in string.Formatter().parse(text):
            literals.append(literal)
            if name is not None:
                slots.append(SLOTS[name])
        return cls(tuple(literals), tuple(slots))

    def fill(self, rng: random.Random) -> str:
        choice = rng.choice
        parts = [self.literals[0]]
        for pool, literal in zip(self.slots, self.literals[1:], strict=False):
            parts.append(choice(pool))
            parts.append(literal)
        return "".join(parts)


_PLAIN = tuple(_Template.parse(t) for t in PLAIN)
_TRIGGERS = tuple(_Template.parse(t) for t in TRIGGERS)
_VIOLATIONS = tuple(_Template.parse(t) for t in VIOLATIONS)


def iter_texts(n: int, seed: int = 20240611) -> Iterator[tuple[str, str]]:
    """``n`` agent replies as ``(kind, text)``; kind is ``plain``, ``trigger`` or ``violation``."""
    rng = random.Random(seed)
    rand = rng.random
    choice = rng.choice
    trigger_cut = VIOLATION_SHARE + TRIGGER_SHARE
    for _ in range(n):
        r = rand()
        if r < VIOLATION_SHARE:
            kind, text = "violation", choice(_VIOLATIONS).fill(rng)
        elif r < trigger_cut:
            kind, text = "trigger", choice(_TRIGGERS).fill(rng)
        else:
            kind, text = "plain", choice(_PLAIN).fill(rng)
        if rand() < COURTESY_SHARE:
            text = f"{text}，{choice(COURTESY)}"
        yield kind, text


def texts(n: int, seed: int = 20240611) -> list[str]:
    """``n`` agent replies as plain strings."""
    return [t for _, t in iter_texts(n, seed)]


_SHOPS = (
    Shop(
        platform="tmall",
        cod=True,
        credit_card=True,
        free_shipping=True,
        free_shipping_exclusions=("新疆", "西藏"),
    ),
    Shop(platform="tmall", cod=False, credit_card=True, free_shipping=True),
    Shop(platform="tmall", cod=True, credit_card=True, free_shipping=False),
    Shop(platform="taobao", cod=False, credit_card=False, free_shipping=False),
    Shop(platform="taobao", cod=True, credit_card=True, free_shipping=True),
)


def generate(n: int, seed: int = 20240611) -> list[Conversation]:
    """Conversations holding exactly ``n`` agent messages in total (1–4 per conversation)."""
    rng = random.Random(seed ^ 0x5EED)
    stream = iter_texts(n, seed)
    convs: list[Conversation] = []
    left = n
    serial = 0
    while left > 0:
        size = min(left, rng.randint(1, 4))
        left -= size
        serial += 1
        shop = rng.choice(_SHOPS)
        account = f"{rng.choice(SLOTS['shop'])}:{rng.choice(SLOTS['agent'])}"
        messages = [
            Message(role="agent", text=next(stream)[1], account=account) for _ in range(size)
        ]
        order = None
        if rng.random() < 0.5:
            amount = float(rng.choice(SLOTS["price"]))
            order = Order(
                id=rng.choice(SLOTS["order_id"]),
                amount=amount,
                shipping_fee=0.0,
                payment="cod" if shop.cod and rng.random() < 0.2 else "alipay",
            )
        convs.append(
            Conversation(
                messages=messages, id=f"b{serial:07d}", shop=shop, order=order, has_shop=True
            )
        )
    return convs


def message_texts(convs: Sequence[Conversation]) -> list[str]:
    """Every message text of ``convs``, in order."""
    return [m.text for c in convs for m in c.messages]
