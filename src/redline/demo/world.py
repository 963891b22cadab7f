"""The demo world: buyers, orders and their lines, the clock and the dice every generator draws from."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from redline.demo.vocabulary import (
    AGENTS,
    CARRIERS,
    CLOSED,
    DAY,
    ESTATES,
    GIVEN,
    HOUR,
    NICK_CORES,
    NICK_HEADS,
    NIGHT_AGENT,
    PAID,
    PINYIN,
    PRODUCTS,
    PROVINCES,
    SHIPPED,
    STREETS,
    SUCCESS,
    SURNAMES,
    UNPAID,
    Product,
)

# --- small helpers ---------------------------------------------------------------------------


_MONEY: dict[int, str] = {}


def money(cents: int) -> str:
    """Cents → ``"123.45"`` (a Decimal string, 2 places). Amounts repeat a lot: memoised."""
    text = _MONEY.get(cents)
    if text is None:
        sign = "-" if cents < 0 else ""
        text = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        if len(_MONEY) < 50_000:
            _MONEY[cents] = text
    return text


class _Clock:
    """Fast ``yyyy-MM-dd HH:mm:ss`` formatting for integer times (seconds since ``base``)."""

    def __init__(self, base: datetime, days: int) -> None:
        self.base = base
        firsts = [base + timedelta(days=d) for d in range(days)]
        self._day = [f"{d:%Y-%m-%d} " for d in firsts]
        self._day_iso = [f"{d:%Y-%m-%d}T" for d in firsts]
        self._hms = [
            f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
        ]

    def at(self, when: datetime) -> int:
        return int((when - self.base).total_seconds())

    def fmt(self, t: int) -> str:
        return self._day[t // DAY] + self._hms[t % DAY]

    def fmt_opt(self, t: int | None) -> str:
        return "" if t is None else self._day[t // DAY] + self._hms[t % DAY]

    def iso(self, t: int) -> str:
        return self._day_iso[t // DAY] + self._hms[t % DAY] + "+08:00"

    def date_str(self, t: int) -> str:
        return self._day[t // DAY][:10]


def uniform(rng: random.Random, lo: int, hi: int) -> int:
    return lo if hi <= lo else rng.randint(lo, hi)


# --- the world -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Buyer:
    nick: str
    name: str
    mobile: str
    province: str
    city: str
    district: str
    detail: str
    address: str = ""  # "省 市 区 详细地址", as the order report writes it

    def __post_init__(self) -> None:
        self.address = f"{self.province} {self.city} {self.district} {self.detail}"


@dataclass(slots=True)
class Line:
    product: Product
    color: str
    size: str
    size_code: str
    unit: int  # cents
    qty: int

    @property
    def total(self) -> int:
        return self.unit * self.qty

    @property
    def sku_code(self) -> str:
        return (
            f"{self.product.code}-{self.size_code}-{self.product.colors.index(self.color) + 1:02d}"
        )

    @property
    def properties(self) -> str:
        return f"颜色分类：{self.color};{self.product.attr}：{self.size}"


@dataclass(slots=True)
class Order:
    no: str
    buyer: Buyer
    created: int
    lines: list[Line]
    goods: int
    postage: int
    discount: int
    paid: int | None = None  # when the buyer paid (COD: never, they pay on delivery)
    shipped: int | None = None
    delivered: int | None = None
    confirmed: int | None = None
    closed: int | None = None
    close_reason: str = ""
    cod: bool = False
    presale: bool = False
    deposit: int = 0
    mobile: bool = True
    method: str = "快递"
    carrier: str = ""
    tracking: str = ""
    message: str = ""
    memo: str = ""
    invoice_title: str = ""
    new_address: str = ""
    refunded: int = 0
    closed_lines: list[int] = field(default_factory=list)

    @property
    def payment(self) -> int:
        """What the buyer pays for the order (coupon taken off)."""
        return self.goods + self.postage - self.discount

    def line_share(self, index: int) -> int:
        """What the buyer actually paid for one line (the coupon spread pro rata)."""
        line = self.lines[index].total
        if len(self.lines) == 1:
            return self.goods - self.discount
        return line - (self.discount * line) // self.goods

    def status(self, at: int) -> str:
        if self.closed is not None and self.closed <= at:
            return CLOSED
        if self.confirmed is not None and self.confirmed <= at:
            return SUCCESS
        if self.shipped is not None and self.shipped <= at:
            return SHIPPED
        if self.cod or (self.paid is not None and self.paid <= at):
            return PAID
        return UNPAID

    def chat_status(self, at: int) -> str:
        """The status vocabulary of formats.md, as of a chat message."""
        status = self.status(at)
        if status == CLOSED:
            return "closed"
        if status == SUCCESS or (self.delivered is not None and self.delivered <= at):
            return "signed"
        if status == SHIPPED:
            return "shipped"
        if status == PAID:
            return "awaiting_shipment" if self.cod else "paid"
        return "unpaid"


class Dice:
    """Cheap integer draws on one ``random.Random`` (its ``randint`` costs several times
    more, which shows at 100,000 orders; hot paths index sequences with ``random()``)."""

    __slots__ = ("random",)

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def between(self, lo: int, hi: int) -> int:
        """An int in [lo, hi] (ranges stay far below 2**53, so the float draw is exact enough)."""
        return lo + int(self.random() * (hi - lo + 1))


class World:
    """The shop, its clock and the random source the generators share."""

    def __init__(self, shop: str, start: date, days: int, now: datetime, seed: int) -> None:
        self.shop = shop
        root = random.Random(seed)
        # One stream per stage, so changing the chats never changes the orders.
        self.rng_orders = random.Random(root.getrandbits(64))
        self.rng_refunds = random.Random(root.getrandbits(64))
        self.rng_chats = random.Random(root.getrandbits(64))
        self.dice_orders = Dice(self.rng_orders)
        self.dice_chats = Dice(self.rng_chats)
        base = datetime.combine(start - timedelta(days=7), time())
        span = (now.date() - base.date()).days + 120
        self.clock = _Clock(base, span)
        self.now = self.clock.at(now)
        self.window_start = self.clock.at(datetime.combine(start, time()))
        self.window_end = min(
            self.now, self.clock.at(datetime.combine(start + timedelta(days=days), time()))
        )
        if self.window_end <= self.window_start:
            raise ValueError("now 必须晚于 start (now must be after start)")
        self.shop_id = str(root.randrange(100_000_000, 999_999_999))
        # Drawn last, so the risky orders planted with it change no other draw.
        self.rng_risk = random.Random(root.getrandbits(64))
        self._numbers: set[str] = set()
        self.nicks: set[str] = set()
        self.province_pool = [p for p in PROVINCES for _ in range(p[2])]
        self.product_pool = [p for p in PRODUCTS for _ in range(p.weight)]
        self.carrier_pool = [(c[0], c[1]) for c in CARRIERS for _ in range(c[2])]

    def unique_number(self, rng: random.Random, lo: int, bits: int) -> str:
        """A fresh identifier ``lo + k`` with ``k < 2**bits`` (getrandbits: randrange is slow)."""
        while True:
            n = str(lo + rng.getrandbits(bits))
            if n not in self._numbers:
                self._numbers.add(n)
                return n

    def agent_for(self, t: int) -> str:
        hour = (t % DAY) // HOUR
        if hour >= 23 or hour < 8:
            return f"{self.shop}:{NIGHT_AGENT}"
        return f"{self.shop}:{AGENTS[(t // DAY + hour // 5) % len(AGENTS)]}"


# --- buyers ----------------------------------------------------------------------------------------


def new_nick(world: World, dice: Dice) -> str:
    rand = dice.random
    while True:
        r = rand()
        if r < 0.35:
            nick = f"tb_{PINYIN[int(rand() * len(PINYIN))]}{int(rand() * 9999) + 1}"
        elif r < 0.5:
            letters = _NICK_LETTERS
            nick = "tb_" + "".join([letters[int(rand() * 23)] for _ in range(6 + int(rand() * 4))])
        elif r < 0.6:
            tail = _PINYIN_TAILS[int(rand() * len(_PINYIN_TAILS))]
            nick = f"{PINYIN[int(rand() * len(PINYIN))]}{PINYIN[int(rand() * len(PINYIN))]}{tail}"
        else:
            tail = _NICK_TAILS[int(rand() * len(_NICK_TAILS))]
            head = NICK_HEADS[int(rand() * len(NICK_HEADS))]
            nick = f"{head}{NICK_CORES[int(rand() * len(NICK_CORES))]}{tail}"
        if nick not in world.nicks:
            world.nicks.add(nick)
            return nick


_NICK_LETTERS = "abcdefghjkmnpqrstuvwxyz"
_PINYIN_TAILS = ("", "88", "666", "1990", "2008", "520")
_NICK_TAILS = ("", "", "", "2016", "0823", "99", "呀", "酱")
_PICKUP_POINTS = ("东门快递柜", "门卫室", "3楼前台")


def _person_name(dice: Dice) -> str:
    rand = dice.random
    given = GIVEN[int(rand() * len(GIVEN))]
    if rand() < 0.7:
        given += GIVEN[int(rand() * len(GIVEN))]
    return SURNAMES[int(rand() * len(SURNAMES))] + given


def _mobile(dice: Dice) -> str:
    return f"1{'3456789'[int(dice.random() * 7)]}{dice.between(100_000_000, 999_999_999)}"


def street_address(dice: Dice) -> str:
    rand = dice.random
    street = STREETS[int(rand() * len(STREETS))]
    if rand() < 0.8:
        estate = ESTATES[int(rand() * len(ESTATES))]
        return (
            f"{street}{int(rand() * 999) + 1}号{estate}{int(rand() * 30) + 1}幢"
            f"{int(rand() * 4) + 1}单元{int(rand() * 28) + 1}{int(rand() * 6) + 1:02d}室"
        )
    return f"{street}{int(rand() * 500) + 1}号{_PICKUP_POINTS[int(rand() * 3)]}"


def new_buyer(world: World, dice: Dice) -> Buyer:
    rand = dice.random
    pool = world.province_pool
    province, cities, _weight = pool[int(rand() * len(pool))]
    city, districts = cities[int(rand() * len(cities))]
    return Buyer(
        nick=new_nick(world, dice),
        name=_person_name(dice),
        mobile=_mobile(dice),
        province=province,
        city=city,
        district=districts[int(rand() * len(districts))],
        detail=street_address(dice),
    )


def tracking_number(style: str, dice: Dice) -> str:
    between = dice.between
    if style == "sf":
        return f"SF{between(1_000_000_000_000, 1_699_999_999_999)}"
    if style == "yto":
        return f"YT{between(7_000_000_000_000, 7_999_999_999_999)}"
    if style == "zto":
        return f"7{between(50_000_000_000, 89_999_999_999)}"
    if style == "yd":
        return f"4{between(300_000_000_000, 699_999_999_999)}"
    if style == "sto":
        return f"77{between(3_000_000_000_000, 3_999_999_999_999)}"
    return f"E{between(10_000_000_000, 99_999_999_999)}CN"
