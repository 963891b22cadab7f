"""Orders of the demo month, written as the order report (ExportOrderList) and the item report (ExportOrderDetailList), with the suspicious orders planted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from redline.demo.vocabulary import (
    AUTO_CONFIRM_AFTER,
    BUYER_NOTES,
    CLOSED,
    COMPANIES,
    DAY,
    EXCLUDED_POSTAGE,
    EXCLUDED_PROVINCES,
    HOUR,
    MINUTE,
    REMOTE_BUT_FREE,
    SELLER_MEMOS,
    STREETS,
    SUCCESS,
    UNPAID_CLOSE_AFTER,
    UNPAID_CLOSE_REASONS,
)
from redline.demo.world import (
    Buyer,
    Line,
    Order,
    World,
    money,
    new_buyer,
    street_address,
    tracking_number,
)

# --- headers ---------------------------------------------------------------------------------

# c. 2021 order report; the trailing spaces are in the real export.
ORDER_HEADER: tuple[str, ...] = (
    "订单编号",
    "买家会员名",
    "买家支付宝账号",
    "买家应付货款",
    "买家应付邮费",
    "买家支付积分",
    "总金额",
    "返点积分",
    "买家实际支付金额",
    "买家实际支付积分",
    "订单状态",
    "买家留言",
    "收货人姓名",
    "收货地址 ",
    "运送方式",
    "联系电话 ",
    "联系手机",
    "订单创建时间",
    "订单付款时间 ",
    "宝贝标题 ",
    "宝贝种类 ",
    "物流单号 ",
    "物流公司",
    "订单备注",
    "宝贝总数量",
    "店铺Id",
    "店铺名称",
    "订单关闭原因",
    "卖家服务费",
    "买家服务费",
    "发票抬头",
    "是否手机订单",
    "分阶段订单信息",
    "修改后的收货地址",
    "异常信息",
    "退款金额",
    "确认收货时间",
    "打款商家金额",
    "发货时间",
    "预售订单",
)

ITEM_HEADER: tuple[str, ...] = (
    "订单编号",
    "标题",
    "价格",
    "购买数量",
    "外部系统编号",
    "商品属性",
    "套餐信息",
    "备注",
    "订单状态",
    "商家编码",
)


# --- orders ------------------------------------------------------------------------------------------

# Order traffic by hour of day (a home-textiles shop: evenings, then late morning).
_HOUR_WEIGHTS = (3, 2, 1, 1, 1, 1, 2, 4, 6, 9, 11, 11, 10, 9, 9, 9, 8, 8, 9, 12, 15, 16, 13, 7)
_HOURS_POOL = [h for h, w in enumerate(_HOUR_WEIGHTS) for _ in range(w)]


def generate_orders(world: World, count: int) -> list[Order]:
    rng = world.rng_orders
    dice = world.dice_orders
    rand = dice.random
    randint = dice.between
    now = world.now
    w0, w1 = world.window_start, world.window_end
    hours = _HOURS_POOL
    span_days = (w1 - w0 + DAY - 1) // DAY

    created_times: list[int] = []
    while len(created_times) < count:
        t = w0 + int(rand() * span_days) * DAY + hours[int(rand() * len(hours))] * HOUR
        t += int(rand() * HOUR)
        if t < w1:
            created_times.append(t)
    created_times.sort(reverse=True)  # the export lists the newest order first

    buyers: list[Buyer] = []
    products = world.product_pool
    carriers = world.carrier_pool
    orders: list[Order] = []
    for created in created_times:
        if buyers and rand() < 0.15:
            buyer = buyers[int(rand() * len(buyers))]  # a returning customer
        else:
            buyer = new_buyer(world, dice)
            buyers.append(buyer)

        r = rand()
        n_lines = 1 if r < 0.78 else 2 if r < 0.93 else 3 if r < 0.98 else 4
        lines: list[Line] = []
        goods = 0
        for _ in range(n_lines):
            p = products[int(rand() * len(products))]
            size, unit, size_code = p.sizes[int(rand() * len(p.sizes))]
            q = rand()
            qty = 1 if q < 0.87 else 2 if q < 0.97 else 3
            lines.append(Line(p, p.colors[int(rand() * len(p.colors))], size, size_code, unit, qty))
            goods += unit * qty

        postage = EXCLUDED_POSTAGE if buyer.province in EXCLUDED_PROVINCES else 0
        discount = 0
        if goods >= 20000 and rand() < 0.35:
            discount = 5000 if goods >= 50000 else 2000  # 店铺券 满500减50 / 满200减20
        o = Order(
            world.unique_number(rng, 10**18, 61),  # 19 digits
            buyer,
            created,
            lines,
            goods,
            postage,
            discount,
        )
        o.mobile = rand() < 0.9
        if rand() < 0.1:
            o.message = BUYER_NOTES[int(rand() * len(BUYER_NOTES))]
        if rand() < 0.08:
            o.invoice_title = (
                buyer.name if rand() < 0.5 else COMPANIES[int(rand() * len(COMPANIES))]
            )

        kind = rand()
        recent = now - created < UNPAID_CLOSE_AFTER
        if kind < 0.015:  # cash on delivery: no payment until the parcel is signed for
            o.cod = True
            o.method = "货到付款"
            ready = created
        else:
            # Never paid; of the last three days' orders more are still waiting (some
            # of those buyers would pay later).
            if kind < (0.14 if recent else 0.075):
                if recent:
                    orders.append(o)
                    continue
                reason = UNPAID_CLOSE_REASONS[int(rand() * len(UNPAID_CLOSE_REASONS))]
                o.close_reason = reason
                o.closed = (
                    created + UNPAID_CLOSE_AFTER
                    if reason == "买家未付款"
                    else created + randint(5 * MINUTE, 6 * HOUR)
                )
                orders.append(o)
                continue
            d = rand()
            delay = (
                randint(5, 120)
                if d < 0.7
                else randint(2 * MINUTE, 30 * MINUTE)
                if d < 0.95
                else randint(HOUR, 12 * HOUR)
            )
            if created + delay > now:
                orders.append(o)
                continue
            o.paid = ready = created + delay
            if rand() < 0.03:
                o.presale = True
                o.deposit = max(1000, (goods // 10) // 100 * 100)
            if rand() < 0.04:
                o.method = "EMS"
        if rand() < 0.05:
            o.memo = SELLER_MEMOS[int(rand() * len(SELLER_MEMOS))]

        s = rand()
        if o.presale:
            ship_delay = randint(3 * DAY, 15 * DAY)
        elif s < 0.85:
            ship_delay = randint(2 * HOUR, 30 * HOUR)
        elif s < 0.96:
            ship_delay = randint(30 * HOUR, 70 * HOUR)
        else:
            ship_delay = randint(72 * HOUR, 130 * HOUR)  # late: 未按约定时间发货 territory
        shipped = ready + ship_delay
        if shipped > now:
            orders.append(o)
            continue
        o.shipped = shipped
        carrier, style = carriers[int(rand() * len(carriers))]
        if o.method == "EMS":
            carrier, style = "EMS", "ems"
        o.carrier = carrier
        o.tracking = tracking_number(style, dice)
        remote = buyer.province in EXCLUDED_PROVINCES or buyer.province in REMOTE_BUT_FREE
        delivered = shipped + (randint(3 * DAY, 7 * DAY) if remote else randint(20 * HOUR, 4 * DAY))
        if delivered > now:
            orders.append(o)
            continue
        o.delivered = delivered
        if o.cod:
            if rand() < 0.1:
                o.close_reason = "买家拒签"
                o.closed = delivered
            else:
                o.confirmed = delivered  # paying the courier confirms the order
            orders.append(o)
            continue
        confirmed = (
            delivered + randint(HOUR, 5 * DAY) if rand() < 0.55 else shipped + AUTO_CONFIRM_AFTER
        )
        if confirmed <= now:
            o.confirmed = confirmed
        orders.append(o)

    # A few buyers changed the address after paying (修改后的收货地址).
    for o in orders:
        if o.paid is not None and o.shipped is None and not o.cod and rand() < 0.03:
            o.new_address = (
                f"{o.buyer.province} {o.buyer.city} {o.buyer.district} {street_address(dice)}"
            )
    return orders


def order_rows(world: World, orders: Iterable[Order]) -> Iterator[list[str]]:
    clock = world.clock
    fmt = clock.fmt
    now = world.now
    shop, shop_id = world.shop, world.shop_id
    for o in orders:
        status = o.status(now)
        b = o.buyer
        lines = o.lines
        payment = o.goods + o.postage - o.discount
        paid_at = o.confirmed if o.cod else o.paid
        paid_amount = money(payment) if paid_at is not None else "0.00"
        if len(lines) == 1:
            titles, quantity = lines[0].product.title, str(lines[0].qty)
        else:
            titles = "，".join([line.product.title for line in lines])
            quantity = str(sum([line.qty for line in lines]))
        if status == SUCCESS:
            points = str(payment // 200)
            settled = money(payment - o.refunded) + "元"
        else:
            points = "0"
            settled = "0.00元"
        stages = ""
        if o.presale:
            stages = (
                f"定金，金额：{money(o.deposit)}，已付款;"
                f"尾款，金额：{money(payment - o.deposit)}，{'已付款' if o.paid else '未付款'}"
            )
        shipped = o.shipped is not None
        yield [
            f'="{o.no}"',
            b.nick,
            "",
            money(o.goods),
            money(o.postage),
            "0",
            money(o.goods + o.postage),
            points,
            paid_amount,
            "0",
            status,
            o.message,
            b.name,
            b.address,
            o.method,
            "-",
            "'" + b.mobile,
            fmt(o.created),
            "" if paid_at is None else fmt(paid_at),
            titles,
            str(len(lines)),
            "No:" + o.tracking if shipped else "-",
            o.carrier if shipped else "-",
            o.memo,
            quantity,
            shop_id,
            shop,
            o.close_reason or "订单未关闭",
            "0.00",
            "0.00元",
            o.invoice_title,
            "手机订单" if o.mobile else "",
            stages,
            o.new_address,
            "",
            money(o.refunded),
            "-" if o.confirmed is None else fmt(o.confirmed),
            settled,
            "-" if o.shipped is None else fmt(o.shipped),
            "是" if o.presale else "否",
        ]


def item_rows(world: World, orders: Iterable[Order]) -> Iterator[list[str]]:
    now = world.now
    for o in orders:
        status = o.status(now)
        order_no = f'="{o.no}"'
        for i, line in enumerate(o.lines):
            p = line.product
            memo = "预售：付款后15天内发货" if o.presale else ""
            yield [
                order_no,
                p.title,
                money(line.unit),
                str(line.qty),
                p.code,
                line.properties,
                "官方标配" if len(p.sizes) > 1 else "",
                memo,
                CLOSED if i in o.closed_lines else status,
                line.sku_code,
            ]


# Two orders the platform's 可疑订单 check would warn about (seed 000, 规蜜): an address
# whose house number is 不详, and a buyer the shop could not reach (the seller's memo).
UNKNOWN_DOOR = "附近，门牌号不详"
UNREACHABLE_MEMO = "电话三次联系不上，旺旺未回复"


def plant_suspicious(world: World, orders: Sequence[Order]) -> None:
    """Make two recent paid, unshipped orders suspicious (only their address and memo change)."""
    now = world.now
    open_orders = [
        o
        for o in orders
        if o.paid is not None
        and not o.cod
        and o.shipped is None
        and o.closed is None
        and now - o.paid < 10 * DAY
    ]
    plain = [o for o in open_orders if not o.presale]  # the usual case: 72 hours to ship
    if len(plain) >= 2:
        open_orders = plain
    if len(open_orders) < 2:
        return
    vague, unreachable = world.rng_risk.sample(open_orders, 2)
    b = vague.buyer
    street = STREETS[world.rng_risk.randrange(len(STREETS))]
    vague.buyer = Buyer(
        b.nick, b.name, b.mobile, b.province, b.city, b.district, street + UNKNOWN_DOOR
    )
    unreachable.memo = UNREACHABLE_MEMO
