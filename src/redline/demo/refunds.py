"""Refunds, returns, exchanges and repairs of the demo month, on the platform's clocks, written as the refund report."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from redline.demo.vocabulary import (
    BUYER_APPEAL_CLOCK,
    BUYER_RETURN_CLOCK,
    DAY,
    HOUR,
    INTERVENTION_AFTER,
    MINUTE,
    R_CLOSED,
    R_REFUSED,
    R_SUCCESS,
    R_WAIT_AGREE,
    R_WAIT_CONFIRM,
    R_WAIT_RETURN,
    REFUND_STATUSES,
    RETURN_CARRIERS,
    SELLER_CONTACT,
    SELLER_RECEIPT_CLOCK,
    SELLER_REPLY_CLOCK,
)
from redline.demo.world import Dice, Order, World, money, tracking_number, uniform

# The newer refund template: 退款的申请时间 appears twice (the second copy is often empty).
REFUND_HEADER: tuple[str, ...] = (
    "订单编号",
    "退款编号",
    "支付宝交易号",
    "订单付款时间",
    "商品编码",
    "退款完结时间",
    "买家实际支付金额",
    "宝贝标题",
    "买家退款金额",
    "手工退款/系统退款",
    "是否需要退货",
    "退款的申请时间",
    "超时时间",
    "退款状态",
    "货物状态",
    "退货物流信息",
    "发货物流信息",
    "客服介入状态",
    "卖家真实姓名",
    "卖家退货地址",
    "卖家邮编",
    "卖家电话",
    "卖家手机",
    "退货物流单号",
    "退货物流公司",
    "买家退款原因",
    "买家退款说明",
    "买家退货时间",
    "责任方",
    "售中或售后",
    "商家备注",
    "完结时间",
    "部分退款/全部退款",
    "审核操作人",
    "举证超时",
    "是否零秒响应",
    "退款操作人",
    "退款原因标签",
    "业务类型",
    "买家会员名称",
    "售后类型",
    "退款的申请时间",
)


# --- refunds ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Kind:
    name: str
    need_return: bool
    after_sale: str  # 售后类型
    business: str  # 业务类型
    reasons: tuple[tuple[str, tuple[str, ...]], ...]  # (买家退款原因, 买家退款说明 choices)


KINDS: dict[str, _Kind] = {
    "pre_ship": _Kind(
        "pre_ship",
        False,
        "仅退款",
        "退款",
        (
            ("缺货", ("客服说没货了", "等了好几天说缺货")),
            ("未按约定时间发货", ("说好48小时发货，到现在还没发", "超时没发货")),
            ("协商一致退款", ("和客服协商好了退款",)),
            ("其他", ("不需要了", "家里已经买了")),
            ("多拍/拍错/不想要", ("拍错尺寸了，重新拍", "多拍了一件", "不想要了")),
        ),
    ),
    "not_received": _Kind(
        "not_received",
        False,
        "仅退款",
        "退款",
        (
            ("未收到货", ("显示签收了但我没收到", "一直没收到货")),
            ("快递一直未送达", ("物流一周没更新了", "快递一直不派送")),
            ("虚假发货", ("物流单号查不到信息", "只有揽收没有物流")),
        ),
    ),
    "return": _Kind(
        "return",
        True,
        "退货退款",
        "退货退款",
        (
            ("七天无理由退换货", ("颜色和图片有色差，不喜欢", "买多了用不上", "和想象的不一样")),
            ("质量问题", ("洗了一次就起球", "有线头还有一块污渍", "被芯有异味", "缝线开了")),
            ("发错货", ("拍的浅灰发来的是蓝色", "尺寸发错了")),
            ("尺码不合适", ("1.5米的被套太小了", "尺寸拍小了")),
        ),
    ),
    "exchange": _Kind(
        "exchange",
        True,
        "换货",
        "换货",
        (
            ("尺码不合适", ("想换1.8米的", "尺寸拍小了，换大一号")),
            ("质量问题", ("有破洞，换一个新的",)),
            ("发错货", ("颜色发错了，换成我拍的颜色",)),
        ),
    ),
    "repair": _Kind(
        "repair",
        True,
        "维修",
        "维修",
        (("质量问题", ("拉链坏了", "被套扣子掉了")),),
    ),
    "partial": _Kind(
        "partial",
        False,
        "仅退款",
        "退款",
        (
            ("少件/漏发", ("买了两件只收到一件", "少发了一个枕套")),
            ("价格问题", ("刚买完就降价了，申请退差价",)),
            ("协商一致退款", ("有小瑕疵，客服同意补偿", "协商部分退款")),
        ),
    ),
}

_RESPONSIBLE = {
    "缺货": "卖家",
    "未按约定时间发货": "卖家",
    "质量问题": "卖家",
    "发错货": "卖家",
    "少件/漏发": "卖家",
    "价格问题": "卖家",
    "虚假发货": "卖家",
    "快递一直未送达": "物流公司",
    "未收到货": "物流公司",
    "七天无理由退换货": "买家",
    "尺码不合适": "买家",
    "多拍/拍错/不想要": "买家",
}
_REASON_TAG = {
    "缺货": "发货问题",
    "未按约定时间发货": "发货问题",
    "虚假发货": "发货问题",
    "快递一直未送达": "物流问题",
    "未收到货": "物流问题",
    "质量问题": "商品问题",
    "发错货": "发货问题",
    "少件/漏发": "发货问题",
    "价格问题": "价格问题",
    "七天无理由退换货": "买家原因",
    "尺码不合适": "买家原因",
    "多拍/拍错/不想要": "买家原因",
}
_REFUSAL_MEMO = {
    "pre_ship": "已发货，拒绝仅退款",
    "not_received": "物流显示已签收，已上传签收底单",
    "return": "退回商品已使用，影响二次销售",
    "exchange": "退回商品已洗涤，无法换货",
    "repair": "人为损坏，不在保修范围",
    "partial": "核实无少件，已上传称重记录",
}

# status → (kind weights); the return-leg statuses need a kind that sends goods back.
_KIND_WEIGHTS_ANY = (
    ("pre_ship", 26),
    ("not_received", 12),
    ("return", 34),
    ("exchange", 7),
    ("repair", 3),
    ("partial", 18),
)
_KIND_WEIGHTS_RETURN = (("return", 75), ("exchange", 18), ("repair", 7))
_STATUS_WEIGHTS = (
    (R_SUCCESS, 45),
    (R_CLOSED, 14),
    (R_WAIT_AGREE, 12),
    (R_WAIT_RETURN, 8),
    (R_WAIT_CONFIRM, 10),
    (R_REFUSED, 11),
)
# How long ago (seconds before now) a refund in this status may have been applied for.
_STATUS_AGE = {
    R_WAIT_AGREE: (10 * MINUTE, 6 * DAY + 12 * HOUR),
    R_WAIT_RETURN: (2 * HOUR, 8 * DAY),
    R_WAIT_CONFIRM: (1 * DAY, 16 * DAY),
    R_REFUSED: (3 * HOUR, 12 * DAY),
    R_CLOSED: (2 * HOUR, 400 * DAY),
    R_SUCCESS: (2 * HOUR, 400 * DAY),
}


@dataclass(slots=True)
class Refund:
    no: str
    alipay_no: str
    order: Order
    line: int
    kind: _Kind
    reason: str
    description: str
    status: str
    applied: int
    share: int
    amount: int = 0
    phase: str = "售中"
    timeout: int | None = None
    agreed: int | None = None
    returned: int | None = None
    return_carrier: str = ""
    return_tracking: str = ""
    finished: int | None = None
    intervention: str = "无"
    responsible: str = ""
    memo: str = ""
    reviewer: str = ""
    operator: str = ""
    manual: str = ""
    zero_second: bool = False


def _weighted(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    total = sum(w for _, w in table)
    x = rng.random() * total
    for name, w in table:
        x -= w
        if x < 0:
            return name
    return table[-1][0]


# Even a small month shows a couple of each kind (repairs and exchanges are rare).
_KIND_MINIMUM = (
    ("repair", 2),
    ("exchange", 2),
    ("not_received", 2),
    ("partial", 2),
    ("pre_ship", 2),
)
_RETURN_LEG = (R_WAIT_RETURN, R_WAIT_CONFIRM)


def _plan(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(status, kind) for each refund: every status at least once, then by weight."""
    head = list(REFUND_STATUSES)
    rng.shuffle(head)
    statuses = (head + [_weighted(rng, _STATUS_WEIGHTS) for _ in range(count - 6)])[:count]
    kinds = [
        _weighted(rng, _KIND_WEIGHTS_RETURN if s in _RETURN_LEG else _KIND_WEIGHTS_ANY)
        for s in statuses
    ]
    slots = list(range(count))
    rng.shuffle(slots)
    for kind, minimum in _KIND_MINIMUM:
        for i in slots:
            if kinds.count(kind) >= minimum or kinds.count("return") <= 2:
                break
            if kinds[i] == "return" and (statuses[i] not in _RETURN_LEG or KINDS[kind].need_return):
                kinds[i] = kind
    return list(zip(statuses, kinds, strict=True))


def _applied_window(o: Order, kind: str, reason: str, status: str, now: int) -> tuple[int, int]:
    """When a refund of this kind could have been applied for on this order, or (1, 0)."""
    none = (1, 0)
    if o.paid is None or o.cod:
        return none
    age_lo, age_hi = _STATUS_AGE[status]
    lo, hi = now - age_hi, now - age_lo
    if kind == "pre_ship":
        lo = max(lo, o.paid + 10 * MINUTE)
        late = 15 * DAY if o.presale else 72 * HOUR
        if reason == "未按约定时间发货":
            lo = max(lo, o.paid + late)
        hi = min(hi, o.paid + (1 * DAY if reason == "多拍/拍错/不想要" else late + 7 * DAY))
        keeps_shipping = status in (R_CLOSED, R_REFUSED) or (
            status == R_SUCCESS and len(o.lines) > 1
        )
        if keeps_shipping and o.shipped is not None:
            hi = min(hi, o.shipped - HOUR)
    elif kind == "not_received":
        if o.shipped is None:
            return none
        lo = max(lo, o.shipped + (4 * DAY if reason == "快递一直未送达" else 2 * DAY))
        hi = min(hi, o.shipped + 9 * DAY)
    else:
        if o.delivered is None:
            return none
        if kind == "repair":
            lo, hi = max(lo, o.delivered + 3 * DAY), min(hi, o.delivered + 25 * DAY)
        elif kind == "partial":
            lo, hi = max(lo, o.delivered + HOUR), min(hi, o.delivered + 7 * DAY)
        else:
            days = 7 if reason in ("七天无理由退换货", "尺码不合适") else 15
            lo, hi = max(lo, o.delivered + 2 * HOUR), min(hi, o.delivered + days * DAY)
    return lo, min(hi, now - 10 * MINUTE)


def _pause_confirmation(world: World, o: Order, until: int | None) -> None:
    """A running refund stops the auto-confirm clock; the buyer confirms after it ends."""
    if o.confirmed is None:
        return
    if until is None:
        o.confirmed = None
    elif o.confirmed < until:
        later = until + world.rng_refunds.randint(HOUR, 2 * DAY)
        o.confirmed = later if later <= world.now else None


def _close_order(o: Order, when: int, reason: str = "退款成功") -> None:
    o.closed = when
    o.close_reason = reason
    o.confirmed = None


def _unship(o: Order) -> None:
    o.shipped = o.delivered = o.confirmed = None
    o.carrier = o.tracking = ""


def _fit(rng: random.Random, applied: int, times: list[int], now: int) -> list[int]:
    """Squeeze a refund's later steps so the last one is not after ``now``."""
    last = times[-1]
    limit = now - MINUTE
    if last <= limit or last <= applied:
        return times
    target = applied + int((limit - applied) * (0.3 + 0.65 * rng.random()))
    scale = (target - applied) / (last - applied)
    return [applied + int((t - applied) * scale) for t in times]


def generate_refunds(world: World, orders: Sequence[Order], count: int) -> list[Refund]:
    rng = world.rng_refunds
    now = world.now
    candidates = [o for o in orders if o.paid is not None and not o.cod]
    if not candidates or count <= 0:
        return []
    used: set[str] = set()
    refunds: list[Refund] = []
    for status, planned in _plan(rng, count):
        table = _KIND_WEIGHTS_RETURN if status in _RETURN_LEG else _KIND_WEIGHTS_ANY
        for attempt in range(80):
            # The planned kind first; if no order fits it, whatever kind fits.
            kind_name = planned if attempt < 50 else _weighted(rng, table)
            kind = KINDS[kind_name]
            reason, descriptions = rng.choice(kind.reasons)
            o = candidates[int(rng.random() * len(candidates))]
            if o.no in used:
                continue
            lo, hi = _applied_window(o, kind_name, reason, status, now)
            if lo > hi:
                continue
            used.add(o.no)
            if kind_name == "pre_ship":  # most are asked for soon after paying
                hi = lo + int((hi - lo) * rng.random() ** 3)
            refunds.append(
                _make_refund(
                    world, o, kind, reason, rng.choice(descriptions), status, rng.randint(lo, hi)
                )
            )
            break
    refunds.sort(key=lambda r: r.applied, reverse=True)
    return refunds


def _make_refund(
    world: World, o: Order, kind: _Kind, reason: str, description: str, status: str, applied: int
) -> Refund:
    rng = world.rng_refunds
    now = world.now
    line = rng.randrange(len(o.lines))
    share = o.line_share(line)
    paid_date = world.clock.date_str(o.paid or o.created).replace("-", "")
    r = Refund(
        no=world.unique_number(rng, 10**17, 57),  # 18 digits
        alipay_no=f"{paid_date}2200{rng.randint(10**15, 10**16 - 1)}",
        order=o,
        line=line,
        kind=kind,
        reason=reason,
        description=description,
        status=status,
        applied=applied,
        share=share,
    )
    confirmed_before = o.confirmed is not None and o.confirmed <= applied
    shipped_kind = kind.name not in ("pre_ship", "not_received")
    r.phase = "售后" if confirmed_before and shipped_kind else "售中"
    agent = world.agent_for(applied + HOUR)
    returns_goods = kind.need_return
    if kind.name in ("exchange", "repair"):
        amount = 0
    elif kind.name == "partial":
        unit_share = share // o.lines[line].qty
        if reason == "少件/漏发" and o.lines[line].qty > 1:
            amount = unit_share
        else:
            amount = max(100, share * rng.randint(8, 35) // 100 // 100 * 100)
        amount = min(amount, share)
    else:
        amount = share
    r.amount = amount

    if status == R_WAIT_AGREE:
        r.timeout = applied + SELLER_REPLY_CLOCK
        if kind.name == "pre_ship":
            _unship(o)
        elif kind.name == "not_received":
            o.delivered = None
            _pause_confirmation(world, o, None)
        elif r.phase == "售中":
            _pause_confirmation(world, o, None)
        if now - applied > INTERVENTION_AFTER and rng.random() < 0.35:
            r.intervention = "需要客服介入"
    elif status == R_WAIT_RETURN:
        r.agreed = applied + uniform(rng, 10 * MINUTE, min(2 * DAY, now - applied - 30 * MINUTE))
        r.timeout = r.agreed + BUYER_RETURN_CLOCK
        r.reviewer = agent
        if r.phase == "售中":
            _pause_confirmation(world, o, None)
    elif status == R_WAIT_CONFIRM:
        r.agreed = applied + uniform(rng, 10 * MINUTE, min(DAY, (now - applied) // 3))
        r.returned = r.agreed + uniform(rng, 2 * HOUR, min(3 * DAY, now - r.agreed - HOUR))
        r.timeout = r.returned + SELLER_RECEIPT_CLOCK
        r.reviewer = agent
        _fill_return_parcel(r, rng)
        if r.phase == "售中":
            _pause_confirmation(world, o, None)
    elif status == R_REFUSED:
        refused = applied + uniform(rng, HOUR, min(3 * DAY, now - applied - 10 * MINUTE))
        r.timeout = refused + BUYER_APPEAL_CLOCK
        r.reviewer = agent
        r.memo = _REFUSAL_MEMO[kind.name]
        if returns_goods and rng.random() < 0.5:
            r.agreed = applied + (refused - applied) // 3
            r.returned = r.agreed + (refused - r.agreed) // 2
            _fill_return_parcel(r, rng)
        if now - applied > INTERVENTION_AFTER and rng.random() < 0.6:
            r.intervention = rng.choice(("客服介入中", "需要客服介入"))
        if kind.name == "not_received" or r.phase == "售中":
            _pause_confirmation(world, o, None)
    elif status == R_SUCCESS:
        r.responsible = _RESPONSIBLE.get(reason, "")
        if returns_goods:
            agreed = applied + rng.randint(10 * MINUTE, DAY)
            returned = agreed + rng.randint(4 * HOUR, 3 * DAY)
            finished = returned + rng.randint(DAY, 5 * DAY)
            r.agreed, r.returned, r.finished = _fit(rng, applied, [agreed, returned, finished], now)
            _fill_return_parcel(r, rng)
        elif kind.name == "pre_ship" and reason == "多拍/拍错/不想要" and rng.random() < 0.6:
            r.finished = applied + rng.randint(1, 20)  # 极速退款: agreed the moment it arrived
            r.zero_second = True
        else:
            spread = DAY if kind.name == "pre_ship" else 3 * DAY
            r.finished = _fit(rng, applied, [applied + rng.randint(10 * MINUTE, spread)], now)[0]
        finished = r.finished
        assert finished is not None
        auto = not r.zero_second and rng.random() < 0.12
        r.manual = "系统退款" if auto or r.zero_second else "手工退款"
        r.operator = "系统" if auto or r.zero_second else agent
        r.reviewer = "" if auto or r.zero_second else agent
        o.refunded += amount
        full = amount == share and len(o.lines) == 1
        if kind.name == "pre_ship":
            if full:
                _unship(o)
                _close_order(o, finished)
            else:
                o.closed_lines.append(line)
        elif kind.name == "not_received":
            o.delivered = None
            if full:
                _close_order(o, finished)
            else:
                _pause_confirmation(world, o, finished)
        elif r.phase == "售中":
            if full and kind.name == "return":
                _close_order(o, finished)
            else:
                _pause_confirmation(world, o, finished)
    else:  # R_CLOSED
        if returns_goods and rng.random() < 0.35 and applied + DAY + BUYER_RETURN_CLOCK <= now:
            r.agreed = applied + rng.randint(10 * MINUTE, DAY)
            r.finished = r.agreed + BUYER_RETURN_CLOCK
            r.memo = "买家超时未退货，系统关闭"
            r.reviewer = agent
        else:
            upper = now - MINUTE
            if kind.name == "pre_ship" and o.shipped is not None:
                upper = min(upper, o.shipped - 10 * MINUTE)
            r.finished = uniform(rng, applied + 30 * MINUTE, min(upper, applied + 3 * DAY))
            r.memo = "买家撤销退款申请"
        if kind.name == "not_received":
            # The parcel turned up after all.
            o.delivered = max((o.shipped or applied) + DAY, r.finished - HOUR)
            _pause_confirmation(world, o, r.finished)
        elif r.phase == "售中":
            _pause_confirmation(world, o, r.finished)
    return r


def _fill_return_parcel(r: Refund, rng: random.Random) -> None:
    company, style = rng.choice(RETURN_CARRIERS)
    r.return_carrier = company
    r.return_tracking = tracking_number(style, Dice(rng))


def refund_rows(world: World, refunds: Iterable[Refund], *, csv_cells: bool) -> Iterator[list[str]]:
    fmt = world.clock.fmt_opt
    for r in refunds:
        o = r.order
        line = o.lines[r.line]
        finished = r.finished is not None
        returns_goods = r.kind.need_return
        if r.returned is not None:
            goods_status = "买家已退货"
        elif r.kind.name in ("pre_ship", "not_received"):
            goods_status = "买家未收到货"
        else:
            goods_status = "买家已收到货"
        if r.kind.name in ("exchange", "repair"):
            whole = ""
        else:
            whole = "全部退款" if r.amount == r.share else "部分退款"
        returned = r.returned is not None
        shipped_info = (
            f"{o.carrier}:{o.tracking}" if o.shipped is not None and o.shipped <= r.applied else ""
        )
        order_no, refund_no, alipay_no = o.no, r.no, r.alipay_no
        if csv_cells:
            order_no, refund_no, alipay_no = f'="{order_no}"', f'="{refund_no}"', f'="{alipay_no}"'
        yield [
            order_no,
            refund_no,
            alipay_no,
            fmt(o.paid),
            line.sku_code,
            fmt(r.finished),
            money(r.share),
            line.product.title,
            money(r.amount),
            r.manual,
            "是" if returns_goods else "否",
            fmt(r.applied),
            "" if finished else fmt(r.timeout),
            r.status,
            goods_status,
            f"{r.return_carrier}:{r.return_tracking}" if returned else "",
            shipped_info,
            r.intervention,
            SELLER_CONTACT["name"],
            SELLER_CONTACT["address"] if returns_goods else "",
            SELLER_CONTACT["zip"] if returns_goods else "",
            SELLER_CONTACT["phone"],
            SELLER_CONTACT["mobile"],
            r.return_tracking if returned else "",
            r.return_carrier if returned else "",
            r.reason,
            r.description,
            fmt(r.returned),
            r.responsible if finished else "",
            r.phase,
            r.memo,
            fmt(r.finished),
            whole,
            r.reviewer,
            "",
            "是" if r.zero_second else "否",
            r.operator,
            _REASON_TAG.get(r.reason, ""),
            r.kind.business,
            o.buyer.nick,
            r.kind.after_sale,
            fmt(r.applied) if r.phase == "售后" else "",
        ]
