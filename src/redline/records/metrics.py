"""Shop and agent metrics, as pure functions over plain rows.

:mod:`redline.store.metrics` reads the store (aggregating in SQL where it can) and
hands this module plain rows; the CLI (``redline metrics``) and the dashboard print
or serve the :class:`MetricsReport` that :func:`build_report` returns (every result
is a dataclass with ``to_dict()`` for JSON). Numbers live in ``packs/85-metrics.yaml``
(:class:`MetricsSettings`); definitions come from seed 001 and 002, digested in
``shared/spec/rules.md`` §4.

Windows
-------
A :class:`Window` is half-open, ``start <= t < end``, in China time
(``policy_timezone``): ``Window.rolling(at, 28)`` is ``[at − 28 days, at)``;
``Window.between(first, last)`` is ``[first 00:00, last + 1 day 00:00)``, both dates
inclusive. Which timestamp puts a row in a window:

========================  =================================================
row                       timestamp
========================  =================================================
order (paid orders, GMV)  ``paid_at`` (订单付款时间); unpaid orders never count
refund for 退款率/纠纷率    ``applied_at`` (退款的申请时间)
refund for 自主完结率/时长  ``completed_at`` (退款完结时间); no time, not completed
agent reply               the message's time
response gap              the time of the buyer message that opens it
finding                   the message's time (else the chat's start)
inquiry                   the time of the buyer's first message in the chat
========================  =================================================

Shop metrics (seed 001)
-----------------------
* 退款率 = refunds applied in the window (every application counts, whatever became
  of it) / orders paid in the window. The two are different cohorts, as on the
  platform: a refund applied today may be for an order paid last month.
* 退款纠纷率 = refunds applied in the window whose 客服介入状态 says the platform
  intervened (售中 and 售后 alike; read as :func:`redline.desk.cases._intervening`: contains
  介入 and does not start with 不/无/未/没有) / orders paid in the window.
* 退款自主完结率 = refunds completed in the window without intervention / all refunds
  completed in the window. "Completed" is a refund with a 退款完结时间 (退款成功 or
  退款关闭); the report does not say whether the platform's timeout, rather than the
  shop, granted a refund, so only intervention makes a completion not the shop's own.
* 退款完结时长 = Σ (completed_at − applied_at) / refunds completed in the window, in days.
* 售后服务综合指标: see :func:`composite`. **Tmall's real index is a percentile rank
  against the category** (a shop may join Tmall marketing only when it ranks
  ≤ 90 %); that needs every shop's numbers and cannot be computed here. This module
  scores each of the three rates against the shop's own target and limit and
  combines the scores with weights (about 1:1:1 per seed 001).
* 客单价 = paid GMV (Σ 买家实际支付金额, else 总金额, of orders paid in the window) /
  distinct paying buyers (买家会员名) of those orders.

Agent KPIs (seeds 000, 002)
---------------------------
* replies: agent messages (role ``agent``) in the window, by account.
* findings per 100 replies: stored guard findings on the agent's own messages in the
  window, by category, not counting dismissed ones (false alarms), × 100 / replies.
* Response gaps: reading a chat in order, a buyer message opens a gap unless one is
  already open; further buyer messages before the reply do not (the wait counts from
  the first unanswered one); the next agent message closes it and the gap is that
  agent's (after a transfer, the agent who answered). System messages and messages without a time are skipped. A gap still open
  at the end of the chat is *unanswered* (team row only).
  - first-response time (首响): per chat, the gap opened by the buyer's first message,
    credited to the agent who closes it; target ≤ ``metrics_first_response_target_seconds``
    (10 s, seed 002: 不能让顾客等待超过10秒); reported as mean, median and the share
    within target.
  - average response time: the mean of all gaps the agent closed.
* inquiry conversion (询单转化率), attribution:
  1. every chat with a buyer message in it is a candidate, at ``t`` = the buyer's
     first message, credited to the agent who answered it (the first-response agent);
     a chat nobody answered is credited to nobody;
  2. it is an *inquiry* (pre-sale) unless the chat is linked (``order_no``) to an
     order already paid before ``t``, or the buyer (``buyer_nick``) paid any order in
     the ``metrics_after_sales_chat_days`` (15) days before ``t`` — then it is
     after-sales service. (So a returning buyer's new question inside those days is
     not counted: the rule under-counts inquiries rather than mixing in complaints.)
  3. it *converted* if an order of that buyer, or the linked order, was paid at ``t``
     or within ``metrics_conversion_hours`` (24 h) after it — even if that is after
     the window's end (a report "as of now" simply has not seen it yet).
  4. per agent: buyers with an inquiry credited to the agent in the window, and how
     many of them converted (a buyer counts once per agent, converted if any of their
     inquiries with that agent did); the team row counts each buyer once.

Daily series: :attr:`MetricsReport.daily` has one row per China day the window
touches (``partial`` when the window covers only part of it), with the same counts and
rates computed over that day alone (orders, refunds applied and completed, replies,
findings, first responses by the time of the buyer's first message).

``--agent``/``agent=``: the account (店铺名:小美) or the part after its last colon
(小美); it narrows the agent rows, the team row and the daily chat columns, never the
shop's metrics.

Money is :class:`~decimal.Decimal` yuan rounded half-up to the cent (a string in
JSON); rates are fractions (``0.0123`` = 1.23 %, also the composite's bounds in JSON)
or None when the denominator is 0; durations are seconds, except 退款完结时长 in days.
"""

from __future__ import annotations

import functools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from redline.desk.cases import _intervening

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DAY_SECONDS = 86400

# Settings keys (packs/85-metrics.yaml; the time zone is 60-policy.yaml's).
KEY_WINDOW_DAYS = "metrics_window_days"
KEY_WEIGHT_DISPUTE = "metrics_weight_dispute_rate"
KEY_WEIGHT_SELF = "metrics_weight_self_completion_rate"
KEY_WEIGHT_DAYS = "metrics_weight_completion_days"
KEY_DISPUTE_TARGET = "metrics_dispute_rate_target_percent"
KEY_DISPUTE_LIMIT = "metrics_dispute_rate_limit_percent"
KEY_SELF_TARGET = "metrics_self_completion_target_percent"
KEY_SELF_LIMIT = "metrics_self_completion_limit_percent"
KEY_DAYS_TARGET = "metrics_completion_days_target"
KEY_DAYS_LIMIT = "metrics_completion_days_limit"
KEY_FIRST_RESPONSE = "metrics_first_response_target_seconds"
KEY_CONVERSION_HOURS = "metrics_conversion_hours"
KEY_AFTER_SALES_DAYS = "metrics_after_sales_chat_days"
KEY_TIMEZONE = "policy_timezone"
KEYS: tuple[str, ...] = (
    KEY_WINDOW_DAYS,
    KEY_WEIGHT_DISPUTE,
    KEY_WEIGHT_SELF,
    KEY_WEIGHT_DAYS,
    KEY_DISPUTE_TARGET,
    KEY_DISPUTE_LIMIT,
    KEY_SELF_TARGET,
    KEY_SELF_LIMIT,
    KEY_DAYS_TARGET,
    KEY_DAYS_LIMIT,
    KEY_FIRST_RESPONSE,
    KEY_CONVERSION_HOURS,
    KEY_AFTER_SALES_DAYS,
    KEY_TIMEZONE,
)

# Composite component → (Chinese, English) name.
COMPONENTS: dict[str, tuple[str, str]] = {
    "dispute_rate": ("退款纠纷率", "refund dispute rate"),
    "self_completion_rate": ("退款自主完结率", "self-completed refund rate"),
    "completion_days": ("退款完结时长", "refund completion time"),
}

COMPOSITE_NOTE_ZH = (
    "天猫的售后服务综合指标是与同类目商家比较的百分位排名（排名 ≤ 90% 才能报名天猫营销活动），"
    "需要全类目数据，本工具无法计算。此处是自评分：每项按规则包 85-metrics 的目标线和底线线性打分"
    "（达到目标 100 分，到底线 0 分），再按权重加权平均。"
)
COMPOSITE_NOTE_EN = (
    "Tmall's after-sales composite index is a percentile rank against the shop's category"
    " (a shop must rank ≤ 90% to join Tmall marketing events); it needs every shop's data"
    " and cannot be computed here. This is a self-assessment: each component is scored"
    " linearly between the target (100) and the limit (0) of pack 85-metrics, then the"
    " scores are averaged with the weights."
)


# --- settings ------------------------------------------------------------------------------


def _bad(key: str, value: Any, why: str, source: str) -> NoReturn:
    raise ValueError(
        f"指标设置 {key!r} 无效: {value!r} {why}（来源: {source}）"
        f" (invalid metrics setting {key!r} from {source})"
    )


def _number(settings: Mapping[str, Any], key: str, low: float, source: str) -> float:
    value = settings[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        _bad(key, value, "应为数字 (must be a number)", source)
    if value < low:
        _bad(key, value, f"应 ≥ {low:g} (must be ≥ {low:g})", source)
    return float(value)


def _integer(settings: Mapping[str, Any], key: str, low: int, source: str) -> int:
    value = settings[key]
    if isinstance(value, bool) or not isinstance(value, int):
        _bad(key, value, "应为整数 (must be an integer)", source)
    if value < low:
        _bad(key, value, f"应 ≥ {low} (must be ≥ {low})", source)
    return value


@dataclass(frozen=True)
class Bounds:
    """A component's target (score 100) and limit (score 0); either may be the larger."""

    target: float
    limit: float

    def score(self, value: float) -> float:
        """100 at or beyond the target, 0 at or beyond the limit, linear in between."""
        share = (self.limit - value) / (self.limit - self.target)
        return 100.0 * min(1.0, max(0.0, share))


@dataclass(frozen=True)
class MetricsSettings:
    """The metrics' numbers, checked on construction (build with :meth:`from_settings`).

    Rates' bounds are in percent, the completion time's in days; weights are
    non-negative numbers, not all zero.
    """

    window_days: int
    weights: dict[str, float]
    bounds: dict[str, Bounds]
    first_response_target_seconds: int
    conversion_hours: int
    after_sales_chat_days: int
    timezone: str
    source: str = field(default="settings", compare=False)
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            _bad(KEY_TIMEZONE, self.timezone, "未知时区 (unknown time zone)", self.source)
        object.__setattr__(self, "tz", tz)

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], source: str = "settings"
    ) -> MetricsSettings:
        """Build from ``RuleSet.settings``; a missing or invalid key raises ``ValueError``."""
        for key in KEYS:
            if key not in settings:
                raise ValueError(
                    f"缺少指标设置 {key!r}（来源: {source}），请在规则包 settings 中定义"
                    f" (missing metrics setting {key!r} in {source}; define it under settings:)"
                )
        weights = {
            "dispute_rate": _number(settings, KEY_WEIGHT_DISPUTE, 0, source),
            "self_completion_rate": _number(settings, KEY_WEIGHT_SELF, 0, source),
            "completion_days": _number(settings, KEY_WEIGHT_DAYS, 0, source),
        }
        if sum(weights.values()) <= 0:
            _bad(
                KEY_WEIGHT_DISPUTE, 0, "三项权重不能全为 0 (the weights must not all be 0)", source
            )
        bounds: dict[str, Bounds] = {}
        for name, tkey, lkey, high in (
            ("dispute_rate", KEY_DISPUTE_TARGET, KEY_DISPUTE_LIMIT, 100.0),
            ("self_completion_rate", KEY_SELF_TARGET, KEY_SELF_LIMIT, 100.0),
            ("completion_days", KEY_DAYS_TARGET, KEY_DAYS_LIMIT, None),
        ):
            target = _number(settings, tkey, 0, source)
            limit = _number(settings, lkey, 0, source)
            for key, value in ((tkey, target), (lkey, limit)):
                if high is not None and value > high:
                    _bad(key, settings[key], "应在 0–100 之间 (must be 0–100)", source)
            if target == limit:
                _bad(lkey, settings[lkey], f"不能等于 {tkey} (must differ from {tkey})", source)
            # Percent → fraction, so a bound compares with a rate directly.
            scale = 100.0 if high is not None else 1.0
            bounds[name] = Bounds(target / scale, limit / scale)
        return cls(
            window_days=_integer(settings, KEY_WINDOW_DAYS, 1, source),
            weights=weights,
            bounds=bounds,
            first_response_target_seconds=_integer(settings, KEY_FIRST_RESPONSE, 1, source),
            conversion_hours=_integer(settings, KEY_CONVERSION_HOURS, 1, source),
            after_sales_chat_days=_integer(settings, KEY_AFTER_SALES_DAYS, 0, source),
            timezone=settings[KEY_TIMEZONE],
            source=source,
        )

    @classmethod
    def default(cls) -> MetricsSettings:
        """The settings of the bundled packs (loaded once, then cached)."""
        return _default_settings()

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_days": self.window_days,
            "weights": dict(self.weights),
            "bounds": {k: {"target": b.target, "limit": b.limit} for k, b in self.bounds.items()},
            "first_response_target_seconds": self.first_response_target_seconds,
            "conversion_hours": self.conversion_hours,
            "after_sales_chat_days": self.after_sales_chat_days,
            "timezone": self.timezone,
        }


@functools.cache
def _default_settings() -> MetricsSettings:
    from redline.guard.packs import load_rules

    return MetricsSettings.from_settings(load_rules().settings, source="内置规则包 (bundled packs)")


# --- windows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """``start <= t < end``, aware datetimes in ``tz`` (China time)."""

    start: datetime
    end: datetime
    tz: ZoneInfo
    kind: str = "range"  # rolling | range
    # The bounds in UTC, and the zone's offset when it is the same all through the
    # window (China time: always): comparing and bucketing the store's UTC datetimes
    # then needs no time-zone lookup per row.
    _start_utc: datetime = field(init=False, repr=False, compare=False)
    _end_utc: datetime = field(init=False, repr=False, compare=False)
    _offset: timedelta | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("窗口的起止时间必须带时区 (window bounds must be aware datetimes)")
        if self.end <= self.start:
            raise ValueError("窗口的结束时间必须晚于开始时间 (the window must end after it starts)")
        object.__setattr__(self, "_start_utc", self.start.astimezone(UTC))
        object.__setattr__(self, "_end_utc", self.end.astimezone(UTC))
        span = int((self.end - self.start) / timedelta(days=1)) + 1
        offsets = {
            (self.start + timedelta(days=i)).astimezone(self.tz).utcoffset() for i in range(span)
        }
        offsets.add(self.end.astimezone(self.tz).utcoffset())
        object.__setattr__(self, "_offset", offsets.pop() if len(offsets) == 1 else None)

    @classmethod
    def rolling(cls, at: datetime, days: int, tz: ZoneInfo) -> Window:
        """The ``days`` days before ``at``: ``[at − days, at)``; a naive ``at`` is China time."""
        if days < 1:
            raise ValueError(f"天数应 ≥ 1，得到 {days} (days must be ≥ 1)")
        end = at.replace(tzinfo=tz) if at.utcoffset() is None else at.astimezone(tz)
        return cls(end - timedelta(days=days), end, tz, "rolling")

    @classmethod
    def between(cls, first: date, last: date, tz: ZoneInfo) -> Window:
        """Whole China days ``first`` … ``last``, both included."""
        if last < first:
            raise ValueError(
                f"结束日期 {last} 早于开始日期 {first} (the last day is before the first)"
            )
        start = datetime.combine(first, datetime.min.time(), tz)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
        return cls(start, end, tz, "range")

    def contains(self, at: datetime | None) -> bool:
        if at is None:
            return False
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        return self._start_utc <= at < self._end_utc

    def day_of(self, at: datetime) -> date:
        """The China date of an instant."""
        if self._offset is None:
            return at.astimezone(self.tz).date()
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        return (at + self._offset).date()

    def days(self) -> list[date]:
        """Every China date the window touches, first to last."""
        first = self.day_of(self.start)
        last = self.day_of(self.end - timedelta(microseconds=1))
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def is_partial(self, day: date) -> bool:
        """True when the window covers only part of ``day``."""
        begins = datetime.combine(day, datetime.min.time(), self.tz)
        ends = datetime.combine(day + timedelta(days=1), datetime.min.time(), self.tz)
        return begins < self.start or ends > self.end

    @property
    def length_days(self) -> float:
        return (self.end - self.start).total_seconds() / DAY_SECONDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start.astimezone(self.tz).isoformat(),
            "end": self.end.astimezone(self.tz).isoformat(),
            "days": self.length_days,
            "timezone": self.tz.key,
        }


# --- small value types ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """``count`` of ``of``; ``rate`` is None when ``of`` is 0."""

    count: int
    of: int

    @property
    def rate(self) -> float | None:
        return self.count / self.of if self.of else None

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "of": self.of, "rate": self.rate}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def per_buyer(gmv: Decimal, buyers: int) -> Decimal | None:
    """客单价: GMV / paying buyers, to the cent; None without buyers."""
    return money(gmv / buyers) if buyers else None


# --- input rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderDay:
    """Orders paid on one China day: count, GMV, distinct paying buyers."""

    day: date
    paid_orders: int
    gmv: Decimal
    paying_buyers: int


@dataclass(frozen=True)
class RefundGroup:
    """Refunds of one China day with one 客服介入状态 (applied, or completed with durations)."""

    day: date
    dispute_status: str | None
    count: int
    seconds: int = 0  # completed refunds: Σ (completed_at − applied_at)


@dataclass(frozen=True)
class FindingGroup:
    """Stored findings on one agent's messages: one day, category and review status."""

    day: date
    agent: str
    category: str
    status: str
    count: int


@dataclass(frozen=True)
class OrderRecord:
    order_no: str
    buyer: str | None
    paid_at: datetime | None
    amount: Decimal | None = None


@dataclass(frozen=True)
class RefundRecord:
    refund_no: str
    applied_at: datetime
    completed_at: datetime | None = None
    dispute_status: str | None = None


@dataclass(frozen=True)
class FindingRecord:
    agent: str
    category: str
    status: str
    at: datetime


@dataclass(frozen=True)
class ChatEvent:
    role: str  # buyer | agent | system
    account: str | None
    at: datetime | None


@dataclass(frozen=True)
class Chat:
    """A conversation: its buyer, linked order and messages in order."""

    id: str
    buyer: str | None
    order_no: str | None
    events: tuple[ChatEvent, ...]


# --- record-level aggregation (what the store does in SQL) -----------------------------------


def order_days(records: Iterable[OrderRecord], window: Window) -> tuple[list[OrderDay], int]:
    """Orders paid in the window, per China day, and the distinct paying buyers overall."""
    count: dict[date, int] = defaultdict(int)
    gmv: dict[date, Decimal] = defaultdict(lambda: ZERO)
    buyers: dict[date, set[str]] = defaultdict(set)
    everyone: set[str] = set()
    for o in records:
        if not window.contains(o.paid_at):
            continue
        assert o.paid_at is not None
        day = window.day_of(o.paid_at)
        count[day] += 1
        gmv[day] += o.amount or ZERO
        if o.buyer:
            buyers[day].add(o.buyer)
            everyone.add(o.buyer)
    days = [OrderDay(d, count[d], gmv[d], len(buyers[d])) for d in sorted(count)]
    return days, len(everyone)


def refund_groups(
    records: Iterable[RefundRecord], window: Window
) -> tuple[list[RefundGroup], list[RefundGroup]]:
    """(applied in the window, completed in the window), per day and 客服介入状态."""
    applied: dict[tuple[date, str | None], int] = defaultdict(int)
    completed: dict[tuple[date, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        if window.contains(r.applied_at):
            applied[(window.day_of(r.applied_at), r.dispute_status)] += 1
        if r.completed_at is not None and window.contains(r.completed_at):
            acc = completed[(window.day_of(r.completed_at), r.dispute_status)]
            acc[0] += 1
            acc[1] += int((r.completed_at - r.applied_at).total_seconds())
    return (
        [RefundGroup(d, s, n) for (d, s), n in applied.items()],
        [RefundGroup(d, s, n, secs) for (d, s), (n, secs) in completed.items()],
    )


def finding_groups(records: Iterable[FindingRecord], window: Window) -> list[FindingGroup]:
    counts: dict[tuple[date, str, str, str], int] = defaultdict(int)
    for f in records:
        if window.contains(f.at):
            counts[(window.day_of(f.at), f.agent, f.category, f.status)] += 1
    return [FindingGroup(d, a, c, s, n) for (d, a, c, s), n in counts.items()]


# --- shop metrics --------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One part of the composite: its value, bounds, score (0–100) and weight."""

    key: str
    value: float | None
    target: float
    limit: float
    weight: float
    score: float | None
    contribution: float | None  # score × weight / Σ weights of the components with data

    def to_dict(self) -> dict[str, Any]:
        zh, en = COMPONENTS[self.key]
        return {
            "key": self.key,
            "name": zh,
            "name_en": en,
            "value": self.value,
            "target": self.target,
            "limit": self.limit,
            "weight": self.weight,
            "score": self.score,
            "contribution": self.contribution,
        }


@dataclass(frozen=True)
class Composite:
    """售后服务综合指标 as a self-assessment score (see :func:`composite`)."""

    components: tuple[Component, ...]
    score: float | None

    @property
    def formula(self) -> str:
        used = [c for c in self.components if c.score is not None and c.weight > 0]
        if not used:
            return "-"
        total = sum(c.weight for c in used)
        parts = " + ".join(f"{c.score:.1f}×{c.weight:g}" for c in used)
        return f"({parts}) / {total:g} = {self.score:.1f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "formula": self.formula,
            "components": [c.to_dict() for c in self.components],
            "note": COMPOSITE_NOTE_ZH,
            "note_en": COMPOSITE_NOTE_EN,
        }


def composite(values: Mapping[str, float | None], settings: MetricsSettings) -> Composite:
    """Score each component linearly, then average the scores with the weights.

    ``score_i = 100 × clamp((limit_i − value_i) / (limit_i − target_i), 0, 1)``: 100 at
    or beyond the target, 0 at or beyond the limit (for 纠纷率 and 完结时长 lower is
    better, for 自主完结率 higher — the bounds say which). The composite is
    ``Σ w_i × score_i / Σ w_i`` over the components that have a value (a window
    without completed refunds has no 自主完结率 or 完结时长); None when none has.
    """
    scored: list[tuple[str, float | None, float | None]] = []
    for key in COMPONENTS:
        value = values.get(key)
        bounds = settings.bounds[key]
        scored.append((key, value, None if value is None else bounds.score(value)))
    total = sum(settings.weights[k] for k, _v, s in scored if s is not None)
    out: list[Component] = []
    for key, value, score in scored:
        weight = settings.weights[key]
        share = None if score is None or total <= 0 else score * weight / total
        b = settings.bounds[key]
        out.append(Component(key, value, b.target, b.limit, weight, score, share))
    final = None if total <= 0 else sum(c.contribution or 0.0 for c in out)
    return Composite(tuple(out), final)


@dataclass(frozen=True)
class ShopMetrics:
    paid_orders: int
    gmv: Decimal
    paying_buyers: int
    refund_rate: Ratio  # applied / paid orders
    dispute_rate: Ratio  # intervened / paid orders
    self_completion_rate: Ratio  # completed without intervention / completed
    completion_seconds: int  # Σ durations of completed refunds
    composite: Composite

    @property
    def avg_order_value(self) -> Decimal | None:
        """客单价."""
        return per_buyer(self.gmv, self.paying_buyers)

    @property
    def completion_days(self) -> float | None:
        """退款完结时长, days."""
        n = self.self_completion_rate.of
        return self.completion_seconds / n / DAY_SECONDS if n else None

    def to_dict(self) -> dict[str, Any]:
        aov = self.avg_order_value
        return {
            "paid_orders": self.paid_orders,
            "gmv": str(money(self.gmv)),
            "paying_buyers": self.paying_buyers,
            "avg_order_value": None if aov is None else str(aov),
            "refund_rate": self.refund_rate.to_dict(),
            "dispute_rate": self.dispute_rate.to_dict(),
            "self_completion_rate": self.self_completion_rate.to_dict(),
            "completion_days": self.completion_days,
            "completed_refunds": self.self_completion_rate.of,
            "completion_seconds": self.completion_seconds,
            "composite": self.composite.to_dict(),
        }


def shop_metrics(
    settings: MetricsSettings,
    days: Sequence[OrderDay],
    paying_buyers: int,
    applied: Sequence[RefundGroup],
    completed: Sequence[RefundGroup],
) -> ShopMetrics:
    paid = sum(d.paid_orders for d in days)
    gmv = sum((d.gmv for d in days), ZERO)
    n_applied = sum(g.count for g in applied)
    disputes = sum(g.count for g in applied if _intervening(g.dispute_status))
    n_completed = sum(g.count for g in completed)
    own = sum(g.count for g in completed if not _intervening(g.dispute_status))
    seconds = sum(g.seconds for g in completed)
    dispute = Ratio(disputes, paid)
    own_rate = Ratio(own, n_completed)
    days_mean = seconds / n_completed / DAY_SECONDS if n_completed else None
    score = composite(
        {
            "dispute_rate": dispute.rate,
            "self_completion_rate": own_rate.rate,
            "completion_days": days_mean,
        },
        settings,
    )
    return ShopMetrics(
        paid_orders=paid,
        gmv=gmv,
        paying_buyers=paying_buyers,
        refund_rate=Ratio(n_applied, paid),
        dispute_rate=dispute,
        self_completion_rate=own_rate,
        completion_seconds=seconds,
        composite=score,
    )


# --- chats: response gaps and inquiries -----------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A buyer waiting: from ``asked_at`` until ``agent`` replied at ``answered_at``."""

    asked_at: datetime
    agent: str | None  # None: never answered
    answered_at: datetime | None
    first: bool  # opened by the buyer's first message in the chat

    @property
    def seconds(self) -> float | None:
        if self.answered_at is None:
            return None
        return max(0.0, (self.answered_at - self.asked_at).total_seconds())


def response_gaps(chat: Chat) -> list[Gap]:
    """Every wait in a chat, in order (see the module doc for the rules)."""
    out: list[Gap] = []
    pending: datetime | None = None
    seen_buyer = False
    first_open = False
    for e in chat.events:
        if e.at is None or e.role not in ("buyer", "agent"):
            continue
        if e.role == "buyer":
            if pending is None:
                pending = e.at
                first_open = not seen_buyer
            seen_buyer = True
        elif pending is not None:
            out.append(Gap(pending, e.account or "", e.at, first_open))
            pending = None
    if pending is not None:
        out.append(Gap(pending, None, None, first_open))
    return out


@dataclass(frozen=True)
class Inquiry:
    """A pre-sale chat credited to ``agent``; ``converted_at`` is the payment, if any."""

    chat_id: str
    buyer: str
    agent: str
    at: datetime
    converted_at: datetime | None
    order_no: str | None  # the order that converted it

    def to_dict(self) -> dict[str, Any]:
        return {
            "chat": self.chat_id,
            "buyer": self.buyer,
            "agent": self.agent,
            "at": self.at.isoformat(),
            "converted_at": None if self.converted_at is None else self.converted_at.isoformat(),
            "order_no": self.order_no,
        }


def _first_gap(gaps: Iterable[Gap]) -> Gap | None:
    for gap in gaps:
        if gap.first:
            return gap
    return None


def order_lookup_needs(chats: Iterable[Chat], window: Window) -> tuple[set[str], set[str]]:
    """The buyers and linked orders whose paid orders :func:`inquiries` needs to see."""
    buyers: set[str] = set()
    orders: set[str] = set()
    for chat in chats:
        gap = _first_gap(response_gaps(chat))
        if gap is None or gap.agent is None or not window.contains(gap.asked_at):
            continue
        if chat.buyer:
            buyers.add(chat.buyer)
        if chat.order_no:
            orders.add(chat.order_no)
    return buyers, orders


def order_lookup_span(window: Window, settings: MetricsSettings) -> tuple[datetime, datetime]:
    """Paid orders between these instants (inclusive) decide every inquiry in ``window``."""
    return (
        window.start - timedelta(days=settings.after_sales_chat_days),
        window.end + timedelta(hours=settings.conversion_hours),
    )


def inquiries(
    chats: Iterable[Chat],
    orders: Iterable[OrderRecord],
    window: Window,
    settings: MetricsSettings,
) -> list[Inquiry]:
    """The window's pre-sale chats, their agent and whether they converted (module doc)."""
    pairs = ((chat, _first_gap(response_gaps(chat))) for chat in chats)
    return _inquiries(pairs, orders, window, settings)


def _inquiries(
    pairs: Iterable[tuple[Chat, Gap | None]],
    orders: Iterable[OrderRecord],
    window: Window,
    settings: MetricsSettings,
) -> list[Inquiry]:
    by_buyer: dict[str, list[OrderRecord]] = defaultdict(list)
    by_no: dict[str, OrderRecord] = {}
    for o in orders:
        if o.paid_at is None:
            continue
        by_no[o.order_no] = o
        if o.buyer:
            by_buyer[o.buyer].append(o)
    lookback = timedelta(days=settings.after_sales_chat_days)
    horizon = timedelta(hours=settings.conversion_hours)
    out: list[Inquiry] = []
    for chat, gap in pairs:
        if gap is None or gap.agent is None or not window.contains(gap.asked_at):
            continue
        t = gap.asked_at
        linked = by_no.get(chat.order_no) if chat.order_no else None
        if linked is not None and linked.paid_at is not None and linked.paid_at < t:
            continue  # about an order already paid: after-sales
        mine = list(by_buyer.get(chat.buyer, [])) if chat.buyer else []
        if lookback and any(o.paid_at is not None and t - lookback <= o.paid_at < t for o in mine):
            continue  # the buyer paid recently: after-sales
        if linked is not None and linked not in mine:
            mine.append(linked)
        first = min(
            (
                (o.paid_at, o.order_no)
                for o in mine
                if o.paid_at is not None and t <= o.paid_at <= t + horizon
            ),
            default=None,
        )
        key = chat.buyer or (f"order:{chat.order_no}" if chat.order_no else f"chat:{chat.id}")
        out.append(
            Inquiry(
                chat_id=chat.id,
                buyer=key,
                agent=gap.agent,
                at=t.astimezone(window.tz),
                converted_at=None if first is None else first[0].astimezone(window.tz),
                order_no=None if first is None else first[1],
            )
        )
    return out


def conversion(found: Iterable[Inquiry]) -> Ratio:
    """Distinct buyers who converted / distinct buyers with an inquiry."""
    buyers: dict[str, bool] = {}
    for q in found:
        buyers[q.buyer] = buyers.get(q.buyer, False) or q.converted_at is not None
    return Ratio(sum(buyers.values()), len(buyers))


# --- agent metrics -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseStats:
    """Response gaps in seconds: how many, mean, median, and how many within target."""

    count: int
    mean_seconds: float | None
    median_seconds: float | None
    within_target: Ratio | None = None  # first responses only

    @classmethod
    def of(cls, seconds: Sequence[float], target: int | None = None) -> ResponseStats:
        within = None if target is None else Ratio(sum(s <= target for s in seconds), len(seconds))
        if not seconds:
            return cls(0, None, None, within)
        return cls(len(seconds), statistics.fmean(seconds), statistics.median(seconds), within)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "count": self.count,
            "mean_seconds": self.mean_seconds,
            "median_seconds": self.median_seconds,
        }
        if self.within_target is not None:
            out["within_target"] = self.within_target.to_dict()
        return out


@dataclass(frozen=True)
class AgentMetrics:
    """One agent's KPIs over the window (``agent`` is the account, 店铺名:子账号).

    The team row (``agent`` None) sums every agent; it also counts the waits nobody
    answered and each inquiring buyer once.
    """

    agent: str | None
    replies: int
    findings: dict[str, int]  # category → findings not dismissed
    confirmed: dict[str, int]  # category → confirmed findings
    first_response: ResponseStats
    response: ResponseStats
    inquiries: Ratio  # converted buyers / inquiring buyers = 询单转化率
    unanswered_chats: int = 0  # team row: chats whose first buyer message got no reply
    unanswered_waits: int = 0  # team row: waits never answered

    @property
    def findings_total(self) -> int:
        return sum(self.findings.values())

    def per_100(self, count: int) -> float | None:
        return 100.0 * count / self.replies if self.replies else None

    @property
    def findings_per_100(self) -> dict[str, float | None]:
        return {c: self.per_100(n) for c, n in sorted(self.findings.items())}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "agent": self.agent,
            "replies": self.replies,
            "findings": dict(sorted(self.findings.items())),
            "findings_total": self.findings_total,
            "confirmed": dict(sorted(self.confirmed.items())),
            "confirmed_total": sum(self.confirmed.values()),
            "findings_per_100_replies": self.findings_per_100,
            "findings_total_per_100_replies": self.per_100(self.findings_total),
            "first_response": self.first_response.to_dict(),
            "response": self.response.to_dict(),
            "inquiries": self.inquiries.to_dict(),
            "inquiry_conversion_rate": self.inquiries.rate,
        }
        if self.agent is None:
            out["unanswered_chats"] = self.unanswered_chats
            out["unanswered_waits"] = self.unanswered_waits
        return out


def agent_matches(account: str | None, name: str | None) -> bool:
    """``--agent``: the whole account (店铺名:小美) or the part after the last colon (小美)."""
    if name is None:
        return True
    if account is None:
        return False
    return account == name or account.rsplit(":", 1)[-1] == name


@dataclass
class _Tally:
    replies: int = 0
    findings: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    confirmed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    inquiries: list[Inquiry] = field(default_factory=list)


@dataclass(frozen=True)
class DayMetrics:
    """One China day of the window (``partial`` when the window covers part of it)."""

    day: date
    partial: bool
    paid_orders: int
    gmv: Decimal
    paying_buyers: int
    refunds: Ratio  # applied / paid orders that day
    disputes: Ratio  # intervened / paid orders that day
    self_completed: Ratio  # without intervention / completed that day
    completion_seconds: int
    replies: int
    findings: int
    first_response: ResponseStats

    @property
    def avg_order_value(self) -> Decimal | None:
        return per_buyer(self.gmv, self.paying_buyers)

    @property
    def completion_days(self) -> float | None:
        n = self.self_completed.of
        return self.completion_seconds / n / DAY_SECONDS if n else None

    def to_dict(self) -> dict[str, Any]:
        aov = self.avg_order_value
        return {
            "date": self.day.isoformat(),
            "partial": self.partial,
            "paid_orders": self.paid_orders,
            "gmv": str(money(self.gmv)),
            "paying_buyers": self.paying_buyers,
            "avg_order_value": None if aov is None else str(aov),
            "refund_rate": self.refunds.to_dict(),
            "dispute_rate": self.disputes.to_dict(),
            "self_completion_rate": self.self_completed.to_dict(),
            "completion_days": self.completion_days,
            "replies": self.replies,
            "findings": self.findings,
            "findings_per_100_replies": (
                100.0 * self.findings / self.replies if self.replies else None
            ),
            "first_response": self.first_response.to_dict(),
        }


@dataclass(frozen=True)
class MetricsReport:
    """Everything ``redline metrics`` prints and the dashboard serves."""

    window: Window
    settings: MetricsSettings
    shop: ShopMetrics
    agents: tuple[AgentMetrics, ...]
    team: AgentMetrics
    daily: tuple[DayMetrics, ...]
    agent_filter: str | None = None
    inquiry_list: tuple[Inquiry, ...] = ()  # every inquiry, by time: the conversion's working

    def to_dict(self, inquiries: bool = False) -> dict[str, Any]:
        """Plain JSON types; ``inquiries=True`` adds the list of inquiries (one per chat,
        so tens of thousands on a big shop: a drill-down, not the overview)."""
        out = {
            "window": self.window.to_dict(),
            "settings": self.settings.to_dict(),
            "agent_filter": self.agent_filter,
            "shop": self.shop.to_dict(),
            "agents": [a.to_dict() for a in self.agents],
            "team": self.team.to_dict(),
            "daily": [d.to_dict() for d in self.daily],
        }
        if inquiries:
            out["inquiries"] = [q.to_dict() for q in self.inquiry_list]
        return out


def build_report(
    window: Window,
    settings: MetricsSettings,
    *,
    order_days: Sequence[OrderDay],
    paying_buyers: int,
    refunds_applied: Sequence[RefundGroup],
    refunds_completed: Sequence[RefundGroup],
    chats: Sequence[Chat],
    findings: Sequence[FindingGroup],
    orders: Sequence[OrderRecord],
    agent: str | None = None,
) -> MetricsReport:
    """Put the window's rows together. ``orders`` are the paid orders that decide the
    inquiries (:func:`order_lookup_needs`, :func:`order_lookup_span`); ``agent``
    (``--agent``) keeps only matching agents in the agent rows, the team row and the
    daily chat columns — the shop's own metrics do not depend on it."""
    shop = shop_metrics(settings, order_days, paying_buyers, refunds_applied, refunds_completed)

    tallies: dict[str, _Tally] = defaultdict(_Tally)
    day_replies: dict[date, int] = defaultdict(int)
    day_findings: dict[date, int] = defaultdict(int)
    day_first: dict[date, list[float]] = defaultdict(list)
    unanswered_chats = unanswered_waits = 0
    firsts: list[tuple[Chat, Gap | None]] = []
    for chat in chats:
        gaps = response_gaps(chat)
        firsts.append((chat, _first_gap(gaps)))
        for e in chat.events:
            if e.role == "agent" and window.contains(e.at) and agent_matches(e.account, agent):
                assert e.at is not None
                tallies[e.account or ""].replies += 1
                day_replies[window.day_of(e.at)] += 1
        for gap in gaps:
            if not window.contains(gap.asked_at):
                continue
            if gap.agent is None:
                if agent is None:
                    unanswered_chats += gap.first
                    unanswered_waits += 1
                continue
            if not agent_matches(gap.agent, agent):
                continue
            seconds = gap.seconds
            assert seconds is not None
            tally = tallies[gap.agent]
            tally.gaps.append(seconds)
            if gap.first:
                tally.first.append(seconds)
                day_first[window.day_of(gap.asked_at)].append(seconds)
    found = [
        q for q in _inquiries(firsts, orders, window, settings) if agent_matches(q.agent, agent)
    ]
    for q in found:
        tallies[q.agent].inquiries.append(q)
    for g in findings:
        if g.status == "dismissed" or not agent_matches(g.agent, agent):
            continue
        tally = tallies[g.agent]
        tally.findings[g.category] += g.count
        if g.status == "confirmed":
            tally.confirmed[g.category] += g.count
        day_findings[g.day] += g.count

    target = settings.first_response_target_seconds
    agents = [
        AgentMetrics(
            agent=name,
            replies=t.replies,
            findings=dict(t.findings),
            confirmed=dict(t.confirmed),
            first_response=ResponseStats.of(t.first, target),
            response=ResponseStats.of(t.gaps),
            inquiries=conversion(t.inquiries),
        )
        for name, t in tallies.items()
    ]
    agents.sort(key=lambda a: (-a.replies, a.agent or ""))
    everything = list(tallies.values())
    team = AgentMetrics(
        agent=None,
        replies=sum(t.replies for t in everything),
        findings=_sum_counts(t.findings for t in everything),
        confirmed=_sum_counts(t.confirmed for t in everything),
        first_response=ResponseStats.of([s for t in everything for s in t.first], target),
        response=ResponseStats.of([s for t in everything for s in t.gaps]),
        inquiries=conversion(found),
        unanswered_chats=unanswered_chats,
        unanswered_waits=unanswered_waits,
    )

    orders_by_day = {d.day: d for d in order_days}
    applied_by_day: dict[date, list[RefundGroup]] = defaultdict(list)
    completed_by_day: dict[date, list[RefundGroup]] = defaultdict(list)
    for rg in refunds_applied:
        applied_by_day[rg.day].append(rg)
    for rg in refunds_completed:
        completed_by_day[rg.day].append(rg)
    daily = []
    for day in window.days():
        od = orders_by_day.get(day)
        paid = od.paid_orders if od else 0
        applied = applied_by_day.get(day, [])
        completed = completed_by_day.get(day, [])
        daily.append(
            DayMetrics(
                day=day,
                partial=window.is_partial(day),
                paid_orders=paid,
                gmv=od.gmv if od else ZERO,
                paying_buyers=od.paying_buyers if od else 0,
                refunds=Ratio(sum(g.count for g in applied), paid),
                disputes=Ratio(
                    sum(g.count for g in applied if _intervening(g.dispute_status)), paid
                ),
                self_completed=Ratio(
                    sum(g.count for g in completed if not _intervening(g.dispute_status)),
                    sum(g.count for g in completed),
                ),
                completion_seconds=sum(g.seconds for g in completed),
                replies=day_replies.get(day, 0),
                findings=day_findings.get(day, 0),
                first_response=ResponseStats.of(day_first.get(day, []), target),
            )
        )
    return MetricsReport(
        window=window,
        settings=settings,
        shop=shop,
        agents=tuple(agents),
        team=team,
        daily=tuple(daily),
        agent_filter=agent,
        inquiry_list=tuple(sorted(found, key=lambda q: (q.at, q.chat_id))),
    )


def _sum_counts(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for c in counts:
        for k, n in c.items():
            out[k] += n
    return dict(out)
