"""Chats of the demo month: compliant and red-line scenarios played against the generated orders and refunds, as Qianniu TXT and formats.md JSONL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redline.demo.refunds import Refund
from redline.demo.vocabulary import (
    AGENTS,
    COMPANIES,
    DAY,
    EXCLUDED_PROVINCES,
    FREE_SHIPPING_EXCLUSIONS,
    HOUR,
    MINUTE,
    REMOTE_BUT_FREE,
)
from redline.demo.world import Order, World, money, new_nick, street_address

# --- chats -----------------------------------------------------------------------------------------

# A script line: (who, text). who: "b" the buyer, "a" the agent, "t" a third party
# chatting about someone else's order. Placeholders come from ``_chat_fields``.
_Script = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Scenario:
    name: str
    anchor: str  # the moment of the order the chat sits at; "refund:kind:reason,…" for refunds
    script: _Script
    violation: str = ""  # the red-line category the scenario plants, if any
    provinces: tuple[str, ...] = ()  # only buyers from these provinces
    signed_note: bool = False  # JSONL gets the system 签收 line (return-window rules)


COMPLIANT: tuple[_Scenario, ...] = (
    _Scenario(
        "presale.size",
        "before",
        (
            ("b", "在吗？1.8米的床拍哪个尺寸"),
            ("a", "亲，在的~1.8米的床建议拍1.8m床(被套220x240cm)这个规格哦"),
            ("b", "好的，那我拍了"),
            ("a", "好的亲，拍下后48小时内发货，有问题随时找我哦~"),
        ),
    ),
    _Scenario(
        "presale.material",
        "before",
        (
            ("b", "这个{product}是纯棉的吗，会不会起球"),
            ("a", "亲，是100%纯棉的，正常使用不会起球哦，首次洗涤建议冷水反面洗~"),
        ),
    ),
    _Scenario(
        "presale.delivery",
        "before",
        (
            ("b", "今天拍什么时候能到{city_short}"),
            (
                "a",
                "亲，今天16点前付款当天发出，江浙沪一般1-2天，其他地区2-4天左右，具体以物流为准哦~",
            ),
        ),
    ),
    _Scenario(
        "presale.invoice",
        "before",
        (
            ("b", "可以开发票吗？公司报销"),
            ("a", "可以的亲，下单后在订单详情页申请电子发票，抬头写公司或个人都可以~"),
        ),
    ),
    _Scenario(
        "presale.credit_card",
        "before",
        (
            ("b", "能用信用卡付款吗"),
            ("a", "可以的亲，支持信用卡付款哦，直接在收银台选择信用卡就可以~"),
        ),
    ),
    _Scenario(
        "presale.cod",
        "before",
        (
            ("b", "支持货到付款吗"),
            ("a", "支持的亲，下单时付款方式选择货到付款就可以，运费按页面显示的收取~"),
        ),
    ),
    _Scenario(
        "presale.excluded_region",
        "before",
        (
            ("b", "{city_short}包邮吗"),
            ("a", "亲，新疆、西藏不在包邮范围内，详情页和运费模板里都有写，需要付15元运费哦~"),
        ),
        provinces=EXCLUDED_PROVINCES,
    ),
    _Scenario(
        "presale.coupon",
        "before",
        (
            ("b", "{product}还能便宜点吗"),
            ("a", "亲，现在店铺有满200减20的优惠券，在商品页领券后下单更划算哦~"),
            ("b", "好吧"),
        ),
    ),
    _Scenario(
        "unpaid.reminder",
        "unpaid",
        (
            ("a", "亲，看到您拍下的{product}还没有付款哦，库存不多了，付款后48小时内就给您发出~"),
            ("b", "晚点付"),
            ("a", "好的亲，不着急，有问题随时找我~"),
        ),
    ),
    _Scenario(
        "ship.chase",
        "late",
        (
            ("b", "拍了两天了怎么还没发货"),
            (
                "a",
                "亲，非常抱歉让您久等了，已经帮您催仓库加急，今天会安排发出，发出后订单里就能看到物流~",
            ),
        ),
    ),
    _Scenario(
        "ship.address_change",
        "unshipped",
        (
            ("b", "地址填错了，麻烦改成：\n{new_address}"),
            ("a", "好的亲，已经帮您备注了新地址，发货以新地址为准，您核对一下：\n{new_address}"),
            ("b", "对的，谢谢"),
        ),
    ),
    _Scenario(
        "ship.in_transit",
        "in_transit",
        (
            ("b", "物流三天没动了"),
            (
                "a",
                "亲，非常抱歉，已经帮您联系{carrier}加急处理了，有进展第一时间告诉您，一般1-2天内会恢复派送哦~",
            ),
        ),
    ),
    _Scenario(
        "after.invoice",
        "signed",
        (
            ("b", "发票开一下，抬头写{name}"),
            (
                "a",
                "好的亲，电子发票已经为您开具，金额按实付货款{goods_paid}元开具，运费不在开票范围内，在订单详情页就能下载~",
            ),
        ),
    ),
    _Scenario(
        "refund.quality",
        "refund:return:质量问题",
        (
            ("b", "收到的{product}{description}"),
            ("a", "非常抱歉亲！麻烦拍个照片给我们看看哦"),
            ("b", "[图片]"),
            ("a", "看到了亲，是我们的质量问题，您申请退货退款就行，来回运费都由我们承担~"),
        ),
        signed_note=True,
    ),
    _Scenario(
        "refund.no_reason",
        "refund:return:七天无理由退换货",
        (
            ("b", "{description}，能退吗"),
            (
                "a",
                "可以的亲，签收7天内支持无理由退货，不影响二次销售就行，退回运费需要您承担，有运费险会自动理赔哦~",
            ),
        ),
        signed_note=True,
    ),
    _Scenario(
        "refund.size",
        "refund:return:尺码不合适,exchange:尺码不合适",
        (
            ("b", "{description}，可以换吗"),
            ("a", "可以的亲，您在订单里申请换货或退货，寄回来后我们马上给您处理~"),
        ),
        signed_note=True,
    ),
    _Scenario(
        "refund.missing",
        "refund:partial:少件/漏发",
        (
            ("b", "{description}"),
            ("a", "亲，非常抱歉，我马上让仓库核实重量，核实后给您补发或者退差价，您看哪种方便？"),
            ("b", "退差价吧"),
            ("a", "好的亲，您申请部分退款，我们这边马上同意~"),
        ),
    ),
    _Scenario(
        "refund.wrong_item",
        "refund:return:发错货,exchange:发错货",
        (
            ("b", "{description}"),
            ("a", "亲，实在抱歉是我们发错了，您申请退货，运费我们承担，也可以给您换成拍的那款~"),
        ),
    ),
    _Scenario(
        "refund.stockout",
        "refund:pre_ship:缺货",
        (
            ("b", "怎么还不发货？"),
            ("a", "亲，非常抱歉，您拍的这款颜色暂时缺货了，您看是等三天到货，还是换同款其他颜色？"),
            ("b", "不等了，我申请退款"),
            ("a", "好的亲，给您添麻烦了，申请后我们马上处理~"),
        ),
    ),
    _Scenario(
        "refund.wrong_order",
        "refund:pre_ship:多拍/拍错/不想要",
        (
            ("b", "{description}，能退款吗"),
            ("a", "可以的亲，您直接申请退款，我们这边马上同意~"),
        ),
    ),
    _Scenario(
        "refund.repair",
        "refund:repair:质量问题",
        (
            ("b", "{product}{description}，能修吗"),
            (
                "a",
                "可以的亲，还在保修期内，您在订单里申请维修寄回来，来回运费我们承担，修好马上给您寄回~",
            ),
        ),
    ),
    _Scenario(
        "refund.lost",
        "refund:not_received:快递一直未送达,not_received:未收到货",
        (
            ("b", "{description}"),
            ("a", "亲，非常抱歉，已经帮您登记并联系快递核实，确认丢件的话马上给您重新补发~"),
        ),
    ),
)

VIOLATIONS: tuple[_Scenario, ...] = (
    _Scenario(
        "violation.invoice_special",
        "signed",
        (
            ("b", "你好，我买的{product}能开发票吗？公司报销"),
            ("a", "亲，这款是活动特价款，特价商品不开发票的哦~"),
        ),
        violation="invoice",
    ),
    _Scenario(
        "violation.invoice_tax",
        "signed",
        (
            ("b", "开个发票，抬头是{company}"),
            ("a", "亲，开发票需要另外加6个点的税点哦"),
        ),
        violation="invoice",
    ),
    _Scenario(
        "violation.wechat",
        "before",
        (
            ("b", "这个{product}还能便宜吗"),
            ("a", "亲，加我微信yunduo_home，微信转账给您再便宜30元哈"),
        ),
        violation="payment",
    ),
    _Scenario(
        "violation.remote_postage",
        "unshipped",
        (
            ("b", "我在{city_short}，拍好了，什么时候发货"),
            ("a", "亲，{city_short}属于偏远地区，需要补10块邮费哦，补了马上给您发~"),
        ),
        violation="free_shipping",
        provinces=REMOTE_BUT_FREE,
    ),
    _Scenario(
        "violation.cod_refused",
        "before",
        (
            ("b", "可以货到付款吗"),
            ("a", "亲，我们不支持货到付款哦，麻烦您在线付款~"),
        ),
        violation="cod",
    ),
    _Scenario(
        "violation.card_fee",
        "before",
        (
            ("b", "可以刷信用卡吗"),
            ("a", "可以的亲，不过刷信用卡要另外加2%手续费哦"),
        ),
        violation="credit_card",
    ),
    _Scenario(
        "violation.quality_postage",
        "refund:return:质量问题",
        (
            ("b", "收到的{product}{description}，这是质量问题吧，我要退货"),
            ("a", "亲，退货可以的，来回运费需要您自己承担哦"),
        ),
        violation="returns",
        signed_note=True,
    ),
    _Scenario(
        "violation.privacy",
        "in_transit",
        (
            ("t", "我老婆在你们家买了{product}，帮我看看寄到哪了"),
            ("a", "您好，寄到{address}的，收件人{name}，电话{mobile}"),
        ),
        violation="privacy",
    ),
    _Scenario(
        "violation.close_order",
        "unshipped",
        (
            ("b", "拍好了，不过我再考虑一下"),
            ("a", "好的亲，那我先帮您把这单关掉啦，想好了再拍~"),
        ),
        violation="close_order",
    ),
    _Scenario(
        "violation.promise",
        "before",
        (
            ("b", "我在{city_short}，明天能到吗？"),
            ("a", "亲，今天下单今天发，明天肯定到！"),
        ),
        violation="promise",
    ),
    _Scenario(
        "violation.ad_words",
        "before",
        (
            ("b", "你们这个{product}是全网最便宜的吗"),
            ("a", "是的亲，全网最低价，销量第一哦"),
        ),
        violation="ad_words",
    ),
    _Scenario(
        "violation.price_refused",
        "before",
        (
            ("b", "详情页海报上写的是99，怎么拍的时候变成129了"),
            ("a", "亲，99是之前的活动价，现在只能按129拍哦"),
        ),
        violation="price",
    ),
    _Scenario(
        "violation.extortion",
        "signed",
        (
            ("b", "{product}有个小线头，你私下转我50块红包，我就不给差评"),
            ("a", "亲，给您添麻烦了，我们不能私下转账，您可以申请售后，我们按平台规则处理~"),
        ),
        violation="extortion",
    ),
    _Scenario(
        "violation.curt",
        "late",
        (
            ("b", "怎么还不发货"),
            ("a", "我已经说过了，48小时内发货"),
        ),
        violation="etiquette",
    ),
)


@dataclass(slots=True)
class _Chat:
    scenario: _Scenario
    nick: str  # the section's buyer (the account chatting)
    order: Order | None
    messages: list[tuple[str, str, str, int]]  # (role, account, text, time)
    signed_at: int | None = None
    new_address: str = ""  # an address change the chat asked for (修改后的收货地址)


def _anchor(world: World, sc: _Scenario, o: Order, refund: Refund | None) -> int | None:
    """When the chat starts, or None if this order does not fit the scenario."""
    rng = world.rng_chats
    now = world.now
    lo: int
    hi: int
    if sc.anchor == "before":
        t = o.created - rng.randint(3 * MINUTE, 40 * MINUTE)
        return t if t > world.window_start - DAY else None
    if o.cod and sc.anchor != "before":
        return None
    if sc.anchor == "unpaid":
        if o.paid is not None and o.paid - o.created < 20 * MINUTE:
            return None
        end = o.paid if o.paid is not None else (o.closed if o.closed is not None else now)
        lo, hi = o.created + 10 * MINUTE, min(end, now) - 5 * MINUTE
    elif sc.anchor == "unshipped":
        if o.paid is None or o.closed is not None:
            return None
        end = o.shipped if o.shipped is not None else now
        lo, hi = o.paid + 10 * MINUTE, min(end, now) - 30 * MINUTE
    elif sc.anchor == "late":
        if o.paid is None or o.closed is not None:
            return None
        end = o.shipped if o.shipped is not None else now
        lo, hi = o.paid + 36 * HOUR, min(end, now) - 30 * MINUTE
    elif sc.anchor == "in_transit":
        if o.shipped is None:
            return None
        end = o.delivered if o.delivered is not None else now
        lo, hi = o.shipped + 2 * DAY, min(end, now) - HOUR
    elif sc.anchor == "signed":
        if o.delivered is None:
            return None
        lo, hi = o.delivered + HOUR, min(o.delivered + 6 * DAY, now - HOUR)
    else:
        if refund is None:
            return None
        lo = refund.applied - 3 * HOUR
        hi = refund.applied - 5 * MINUTE
        floor = o.delivered if refund.kind.need_return or refund.kind.name == "partial" else o.paid
        if floor is not None:
            lo = max(lo, floor + 10 * MINUTE)
    return rng.randint(lo, hi) if lo <= hi else None


def _chat_fields(o: Order, refund: Refund | None, new_address: str) -> dict[str, str]:
    b = o.buyer
    line = o.lines[refund.line if refund else 0]
    return {
        "product": line.product.short,
        "city_short": b.city.removesuffix("市"),
        "address": f"{b.city}{b.district}{b.detail}",
        "new_address": new_address.replace(" ", ""),
        "name": b.name,
        "mobile": b.mobile,
        "carrier": o.carrier or "快递",
        "goods_paid": money(o.goods - o.discount),
        "company": COMPANIES[int(o.no) % len(COMPANIES)],
        "description": refund.description if refund else "",
    }


def _play(world: World, sc: _Scenario, o: Order, refund: Refund | None, start: int) -> _Chat:
    rng = world.rng_chats
    new_address = ""
    if sc.name == "ship.address_change" and not o.new_address:
        b = o.buyer
        new_address = f"{b.province} {b.city} {b.district} {street_address(world.dice_chats)}"
    fields = _chat_fields(o, refund, new_address or o.new_address)
    third_party = any(who == "t" for who, _ in sc.script)
    nick = new_nick(world, world.dice_chats) if third_party else o.buyer.nick
    agent = world.agent_for(start)
    t = start
    prev = ""
    messages: list[tuple[str, str, str, int]] = []
    for who, template in sc.script:
        if prev:
            if who == "a":
                t += rng.randint(8, 50) if prev != "a" else rng.randint(5, 20)
            else:
                t += rng.randint(20, 150)
        role = "agent" if who == "a" else "buyer"
        account = agent if who == "a" else nick
        messages.append((role, account, template.format(**fields), t))
        prev = who
    signed_at = o.delivered if sc.signed_note else None
    return _Chat(sc, nick, o, messages, signed_at, new_address)


def _place(
    world: World,
    sc: _Scenario,
    orders: Sequence[Order],
    refunds_by_reason: dict[str, list[Refund]],
    used: set[str],
) -> _Chat | None:
    """Find an order (and refund) the scenario fits and play it; None after 80 misses."""
    rng = world.rng_chats
    for _attempt in range(80):
        refund: Refund | None = None
        if sc.anchor.startswith("refund:"):
            keys = sc.anchor.partition(":")[2].split(",")
            pool = [r for key in keys for r in refunds_by_reason.get(key, ())]
            if not pool:
                return None
            refund = rng.choice(pool)
            o = refund.order
        else:
            o = orders[int(rng.random() * len(orders))]
        if o.buyer.nick in used or (sc.provinces and o.buyer.province not in sc.provinces):
            continue
        start = _anchor(world, sc, o, refund)
        if start is None:
            continue
        chat = _play(world, sc, o, refund, start)
        if chat.messages[-1][3] <= world.now:
            return chat
    return None


def generate_chats(
    world: World,
    orders: Sequence[Order],
    refunds: Sequence[Refund],
    count: int,
    violation_share: float = 0.1,
) -> list[_Chat]:
    rng = world.rng_chats
    n_violations = max(1, round(count * violation_share))
    violations = list(VIOLATIONS)
    rng.shuffle(violations)
    plan = [violations[i % len(violations)] for i in range(n_violations)]
    plan += [COMPLIANT[i % len(COMPLIANT)] for i in range(count - n_violations)]
    rng.shuffle(plan)

    refunds_by_reason: dict[str, list[Refund]] = {}
    for r in refunds:
        refunds_by_reason.setdefault(f"{r.kind.name}:{r.reason}", []).append(r)
    used: set[str] = set()
    chats: list[_Chat] = []
    # Scenarios any order fits, to fall back on when a month has nothing for the planned one.
    fallback_ok = [sc for sc in COMPLIANT if sc.anchor == "before" and not sc.provinces]
    fallback_bad = [sc for sc in VIOLATIONS if sc.anchor == "before" and not sc.provinces]
    for i, sc in enumerate(plan):
        chat = _place(world, sc, orders, refunds_by_reason, used)
        if chat is None:
            fallback = fallback_bad if sc.violation else fallback_ok
            chat = _place(world, fallback[i % len(fallback)], orders, refunds_by_reason, used)
        if chat is None:
            continue
        used.add(chat.nick)
        if chat.order is not None:
            used.add(chat.order.buyer.nick)
            if chat.new_address:
                chat.order.new_address = chat.new_address
        chats.append(chat)
    chats.sort(key=lambda c: c.messages[0][3])
    return chats


def chats_txt(world: World, chats: Sequence[_Chat]) -> str:
    rng = world.rng_chats
    fmt = world.clock.fmt
    out = [f"{world.shop}:{AGENTS[0]}"]
    for chat in chats:
        buyer_prefix = "cntaobao" if rng.random() < 0.1 else ""
        agent_prefix = "cntaobao" if rng.random() < 0.05 else ""
        out.append("-" * 28 + chat.nick + "-" * 28)
        for role, account, text, t in chat.messages:
            speaker = (agent_prefix if role == "agent" else buyer_prefix) + account
            out.append(f"{speaker}({fmt(t)}):  " + text.replace("\n", "\r\n"))  # continuation lines
        out.append("=" * 64)
    return "\r\n".join(out) + "\r\n"


def chats_jsonl(world: World, chats: Sequence[_Chat]) -> str:
    clock = world.clock
    shop = {
        "platform": "tmall",
        "cod": True,
        "credit_card": True,
        "free_shipping": True,
        "free_shipping_exclusions": list(FREE_SHIPPING_EXCLUSIONS),
    }
    lines = []
    for i, chat in enumerate(chats, 1):
        first = chat.messages[0][3]
        messages: list[dict[str, Any]] = []
        if chat.signed_at is not None:
            t = chat.signed_at
            messages.append(
                {
                    "role": "system",
                    "account": None,
                    "text": f"买家已签收（{clock.fmt(t)[:16]}）",
                    "time": clock.iso(t),
                }
            )
        messages += [
            {"role": role, "account": account, "text": text, "time": clock.iso(t)}
            for role, account, text, t in chat.messages
        ]
        conv: dict[str, Any] = {"id": f"c{i:04d}", "shop": shop}
        o = chat.order
        if o is not None and chat.scenario.anchor != "before":
            conv["order"] = {
                "id": o.no,
                "buyer": o.buyer.nick,
                "amount": o.payment / 100,
                "shipping_fee": o.postage / 100,
                "payment": "cod" if o.cod else "alipay",
                "status": o.chat_status(first),
            }
        conv["messages"] = messages
        lines.append(json.dumps(conv, ensure_ascii=False))
    return "\n".join(lines) + "\n"
