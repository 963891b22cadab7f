"""Risk alerts (风险告警) as pure functions over plain records, and how they are worded.

Four detectors, each a function of plain records and the moment ``at`` (no database,
no network; :mod:`redline.store.alerts` gathers the records from the store):

* :func:`suspicious_orders` — 可疑订单 (seed 000, 规蜜): a paid, unshipped order whose
  address is incomplete or implausible (no province / city / district / street
  number, too short, placeholder text such as 不详 or 测试), whose phone is invalid,
  or whose seller memo / 异常信息 says the buyer cannot be reached. The platform's
  warning must be handled within 15 days (``Policy.suspicious_order_until`` from the
  payment); one filing per order, final; a filed order need not ship, and shipping
  it voids the filing. An order already handled (:class:`FilingFacts`) raises nothing.
* :func:`deposit_drain` — 套保证金 (seed 004 §八): the shop's "online" evidence is
  agent chat messages; a gap of at least ``alerts_offline_days`` with at least
  ``alerts_drain_min_orders`` non-COD orders of at least ``alerts_drain_min_paid_yuan``
  paid inside it (bots order once a shop is offline ~3 days), made critical by
  refunds on them with 缺货 / 未按约定时间发货 reasons. Exposure is 30 % of each paid
  price capped at 500 (``Policy.compensation``), none for validly filed orders.
* :func:`extortion_alerts` — the guard's ``extortion`` findings on imported chats
  (seed 001: "给200元保护费就删差评" → never pay; complain through 规蜜 不合理评价).
* :func:`ship_by_alerts` — orders about to miss (or past) their shipping deadline,
  from the desk's shipping watch (``Desk.late_orders``); suspicious and validly filed
  orders are left to their own alert (a filed order need not ship).

Every alert is an :class:`Alert` with a kind, a severity (``critical`` / ``warning`` /
``info``), when it stands since (``detected_at``), its deadline (``due_at``) and what
to do in Chinese (``advice``) and English (``advice_en``). Numbers, word lists and the
advice texts live in ``packs/90-alerts.yaml`` (with the 15-day window and the
shipping numbers in ``60-policy.yaml`` / ``70-aftersales.yaml``).

Messages for group robots (:func:`alert_messages`, :meth:`Digest.message`) never carry
an address or a full name or phone: buyer nicks are masked (:func:`mask_name`), chat
evidence is phone-masked and Markdown-escaped (:func:`redline.notify.robots.md_escape`).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from redline.desk.cases import fmt_delta
from redline.desk.policy import Policy
from redline.guard.packs import RuleSet
from redline.notify.robots import Message, mask_phone, md_escape
from redline.records.ledger import TRACK_NAMES, NextNode, Sanction

__all__ = [
    "ISSUES",
    "KINDS",
    "OUTCOMES",
    "SEVERITIES",
    "Alert",
    "AlertRules",
    "Digest",
    "ExtortionFacts",
    "FilingFacts",
    "Issue",
    "OrderFacts",
    "RefundFacts",
    "ShipWatch",
    "address_issues",
    "alert_messages",
    "alerts_markdown",
    "deposit_drain",
    "extortion_alerts",
    "mask_name",
    "offline_gaps",
    "order_issues",
    "phone_issue",
    "ship_by_alerts",
    "sort_alerts",
    "suspicious_orders",
    "unreachable_issue",
]

# kind → (Chinese, English)
KINDS: dict[str, tuple[str, str]] = {
    "suspicious_order": ("可疑订单", "suspicious order"),
    "deposit_drain": ("疑似套保证金", "deposit drain"),
    "extortion": ("买家敲诈", "buyer extortion"),
    "ship_by": ("发货时效", "shipping deadline"),
}
# severity → (Chinese, English), most urgent first
SEVERITIES: dict[str, tuple[str, str]] = {
    "critical": ("紧急", "critical"),
    "warning": ("警告", "warning"),
    "info": ("提示", "info"),
}
_RANK = {s: i for i, s in enumerate(SEVERITIES)}

# What is wrong with a suspicious order: code → (Chinese, English); {word} is the match.
ISSUES: dict[str, tuple[str, str]] = {
    "no_address": ("没有收货地址", "no delivery address"),
    "no_province": ("地址缺少省份", "address has no province"),
    "no_city": ("地址缺少城市", "address has no city"),
    "no_district": ("地址缺少区县", "address has no district"),
    "no_detail": ("缺少详细地址", "no street address"),
    "address_short": ("详细地址过短", "street address too short"),
    "no_house_number": ("详细地址没有门牌号", "no house number"),
    "address_placeholder": ("地址含“{word}”", "address contains “{word}”"),
    "phone_invalid": ("联系电话无效", "invalid phone number"),
    "buyer_unreachable": ("备注显示“{word}”", "memo says “{word}”"),
}

# The filing outcomes of 规蜜 (000): the first two are a 备案 (the order need not ship);
# the third handles the warning without one. Each order is handled once, finally.
OUTCOMES: dict[str, tuple[str, str, bool]] = {
    "address_wrong": ("地址有误", "address wrong", True),
    "unreachable": ("联系不上买家", "buyer unreachable", True),
    "address_ok": ("收货地址无误或已改正", "address right or corrected", False),
}

# Compensating refund reasons that make the deposit-drain pattern (004 §八).
DRAIN_CLAIMS = ("out_of_stock", "late_shipment")

MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
_SPECIAL_REGIONS = ("香港", "澳门", "台湾")
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)")
# Lazy, and never across a digit or a space: a city or district name is the shortest
# run of name characters ending in its level's suffix. Road and estate characters
# cannot be inside a district name, so "阳光小区" or "文三路" is not taken for one.
_CITY = re.compile(r"\s*([^\s\d]{1,12}?(?:自治州|地区|盟|市|州))(?![市州])")
_DISTRICT = re.compile(r"\s*([^\s\d路街巷弄号小]{1,12}?(?:新区|区|县|旗|市|镇|乡|街道))")
_COUNTRY = re.compile(r"^\s*(?:中华人民共和国|中国大陆|中国)\s*")
_PHONE_PREFIX = re.compile(r"^(?:\+86|0086|86(?=1[3-9]\d{9}$))-?")


# --- settings --------------------------------------------------------------------------------


def _positive(settings: Mapping[str, Any], key: str, low: int = 1) -> int:
    value = settings.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(
            f"告警设置 {key!r} 应为不小于 {low} 的整数，得到 {value!r}"
            f" (alert setting {key!r} must be an integer ≥ {low})"
        )
    return value


@dataclass(frozen=True)
class AlertRules:
    """The detectors' numbers, word lists and advice texts, from the rule packs."""

    policy: Policy
    lookback: timedelta
    offline: timedelta
    drain_min_orders: int
    drain_min_paid: Decimal
    address_min_detail: int
    urgent: timedelta
    ship_watch: timedelta
    push_batch: int
    provinces: tuple[str, ...]
    placeholders: re.Pattern[str] | None
    numbers: re.Pattern[str] | None
    rural: re.Pattern[str] | None
    unreachable: re.Pattern[str] | None
    phone_valid: re.Pattern[str] | None
    templates: Mapping[str, tuple[str, str]]
    category_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def from_rules(cls, rs: RuleSet) -> AlertRules:
        """Build from a loaded :class:`RuleSet`; a missing or bad setting raises ``ValueError``."""
        s = rs.settings
        provinces = sorted(
            {entry.partition(":")[0] for entry in rs.lexicons.get("regions", ())},
            key=len,
            reverse=True,
        )
        return cls(
            policy=Policy.from_settings(s),
            lookback=timedelta(days=_positive(s, "alerts_lookback_days")),
            offline=timedelta(days=_positive(s, "alerts_offline_days")),
            drain_min_orders=_positive(s, "alerts_drain_min_orders"),
            drain_min_paid=Decimal(_positive(s, "alerts_drain_min_paid_yuan", 0)),
            address_min_detail=_positive(s, "alerts_address_min_detail_chars", 0),
            urgent=timedelta(hours=_positive(s, "alerts_urgent_hours", 0)),
            ship_watch=timedelta(hours=_positive(s, "aftersales_late_watch_hours", 0)),
            push_batch=_positive(s, "alerts_push_batch"),
            provinces=tuple(provinces),
            placeholders=rs.lexicon_patterns.get("alerts_address_placeholders"),
            numbers=rs.lexicon_patterns.get("alerts_address_numbers"),
            rural=rs.lexicon_patterns.get("alerts_address_rural"),
            unreachable=rs.lexicon_patterns.get("alerts_unreachable_markers"),
            phone_valid=rs.lexicon_patterns.get("alerts_phone_valid"),
            templates={k: (t.zh, t.en) for k, t in rs.templates.items() if k.startswith("alerts.")},
            category_names={c.code: (c.name_zh, c.name_en) for c in rs.categories.values()},
        )

    @classmethod
    def default(cls) -> AlertRules:
        """The rules of the bundled packs (loaded once, then cached)."""
        return _default_rules()

    def advice(
        self, template: str, values: Mapping[str, str], values_en: Mapping[str, str]
    ) -> tuple[str, str]:
        zh, en = self.templates[template]
        return zh.format_map(_Blank(values)), en.format_map(_Blank(values_en))


class _Blank(dict[str, str]):
    """``str.format_map`` values where a placeholder a shop's template adds stays visible."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@functools.cache
def _default_rules() -> AlertRules:
    from redline.guard.packs import load_rules

    return AlertRules.from_rules(load_rules())


# --- records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFacts:
    """What the detectors need of an order (a row of the order report)."""

    order_no: str
    paid_at: datetime | None
    created_at: datetime | None = None
    shipped_at: datetime | None = None
    paid_amount: Decimal | None = None
    buyer: str | None = None
    address: str | None = None
    phone: str | None = None
    seller_memo: str | None = None
    flags: tuple[str, ...] = ()  # other texts that may say the buyer is unreachable (异常信息)
    cod: bool = False
    presale: bool = False
    closed: bool = False  # 交易关闭


@dataclass(frozen=True)
class RefundFacts:
    """A refund on an order; ``compensation`` is the policy reason the desk reads from it."""

    order_no: str
    reason: str | None
    applied_at: datetime
    compensation: str | None = None  # out_of_stock | late_shipment | fake_shipment | None
    closed: bool = False  # 退款关闭: the buyer withdrew it


@dataclass(frozen=True)
class FilingFacts:
    """How a suspicious-order warning was handled in 规蜜 (once per order, final)."""

    order_no: str
    outcome: str  # address_wrong | unreachable | address_ok
    filed_at: datetime
    reason: str = ""

    @property
    def protects(self) -> bool:
        """A 备案 (not "address right"): the order need not ship while it stays unshipped."""
        return OUTCOMES.get(self.outcome, ("", "", False))[2]

    def valid_for(self, order: OrderFacts | None) -> bool:
        """Still protecting ``order``: a 备案, and the order was not shipped (that voids it)."""
        return self.protects and (order is None or order.shipped_at is None)


@dataclass(frozen=True)
class ExtortionFacts:
    """One ``extortion`` finding of the guard on an imported chat."""

    finding_id: int
    conversation: str
    time: datetime
    evidence: str
    buyer: str | None = None
    order_no: str | None = None
    status: str = "open"  # open | confirmed | dismissed | appealed


@dataclass(frozen=True)
class ShipWatch:
    """A paid, unshipped order on the shipping watch (``Desk.late_orders``)."""

    order_no: str
    paid_at: datetime
    ship_by: datetime
    overdue: bool
    exposure: Decimal
    buyer: str | None = None


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a suspicious order."""

    code: str
    zh: str
    en: str


def _issue(code: str, word: str = "") -> Issue:
    zh, en = ISSUES[code]
    return Issue(code, zh.format(word=word), en.format(word=word))


# --- the alert ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """One risk alert: what, how urgent, since when, by when, and what to do."""

    kind: str
    severity: str
    key: str  # stable across runs: the same situation has the same key
    detected_at: datetime
    due_at: datetime | None
    title: str
    title_en: str
    advice: str
    advice_en: str
    order_no: str | None = None
    conversation: str | None = None
    buyer: str | None = None
    orders: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    exposure: Decimal | None = None
    evidence: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self, policy: Policy | None = None) -> dict[str, Any]:
        p = policy or Policy.default()
        return {
            "kind": self.kind,
            "kind_name": KINDS[self.kind][0],
            "severity": self.severity,
            "key": self.key,
            "detected_at": p.to_china(self.detected_at).isoformat(),
            "due_at": None if self.due_at is None else p.to_china(self.due_at).isoformat(),
            "order_no": self.order_no,
            "conversation": self.conversation,
            "buyer": self.buyer,
            "orders": list(self.orders),
            "reasons": list(self.reasons),
            "exposure": None if self.exposure is None else str(self.exposure),
            "evidence": self.evidence,
            "title": self.title,
            "title_en": self.title_en,
            "advice": self.advice,
            "advice_en": self.advice_en,
            "facts": dict(self.facts),
        }

    def sort_key(self) -> tuple[int, int, datetime, datetime, str]:
        far = datetime.max.replace(tzinfo=self.detected_at.tzinfo)
        due = self.due_at or far
        return (_RANK[self.severity], self.due_at is None, due, self.detected_at, self.key)


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Most severe first, then the earliest deadline (none last), then the oldest."""
    return sorted(alerts, key=Alert.sort_key)


# --- formatting helpers ------------------------------------------------------------------------


def _local(p: Policy, dt: datetime) -> str:
    return p.to_china(dt).strftime("%m-%d %H:%M")


def _money(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def _deadline(p: Policy, due: datetime, at: datetime, lang: str) -> str:
    """“10-31 10:00（已逾期 5小时）” / “10-31 10:00 (5h ago)”."""
    gap = fmt_delta(due - at, lang)
    if lang == "en":
        return f"{_local(p, due)} ({gap} ago)" if at > due else f"{_local(p, due)} ({gap} left)"
    return f"{_local(p, due)}（已逾期 {gap}）" if at > due else f"{_local(p, due)}（还剩 {gap}）"


def mask_name(name: str | None) -> str:
    """A buyer nick or a person's name for a group chat: ``tb_anna`` → ``t***a``, 张三 → 张*."""
    if not name:
        return "-"
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, 3) + name[-1]


# --- suspicious orders (可疑订单, 000) ----------------------------------------------------------


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def address_issues(address: str | None, rules: AlertRules) -> list[Issue]:
    """What is incomplete or implausible in ``address`` ("省 市 区 详细地址", spaces optional)."""
    if address is None or not address.strip() or address.strip() == "-":
        return [_issue("no_address")]
    text = _COUNTRY.sub("", _clean(address))
    issues: list[Issue] = []
    rest = text
    province = next((p for p in rules.provinces if rest.startswith(p)), None)
    if province is None:
        issues.append(_issue("no_province"))
    else:
        rest = rest[len(province) :]
        suffix = _PROVINCE_SUFFIX.match(rest)
        if suffix:
            rest = rest[suffix.end() :]
    structured = province not in _SPECIAL_REGIONS
    if structured:
        city = _CITY.match(rest)
        if city:
            rest = rest[city.end() :]
        elif province not in MUNICIPALITIES:
            issues.append(_issue("no_city"))
        district = _DISTRICT.match(rest)
        if district:
            rest = rest[district.end() :]
        else:
            issues.append(_issue("no_district"))
    detail = rest.strip()
    compact = re.sub(r"\s+", "", detail)
    lowered = text.lower()
    if rules.placeholders is not None:
        found = rules.placeholders.search(compact.lower()) or rules.placeholders.search(lowered)
        if found and found.group(0):
            issues.append(_issue("address_placeholder", found.group(0)))
    if not compact:
        issues.append(_issue("no_detail"))
        return issues
    if len(compact) < rules.address_min_detail:
        issues.append(_issue("address_short"))
    has_number = rules.numbers is not None and rules.numbers.search(compact)
    rural = rules.rural is not None and rules.rural.search(compact)
    if structured and not has_number and not rural:
        issues.append(_issue("no_house_number"))
    return issues


def phone_issue(phone: str | None, rules: AlertRules) -> Issue | None:
    """``phone_invalid`` when a phone is given and fits no valid pattern; None when absent."""
    if phone is None or rules.phone_valid is None:
        return None
    text = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", phone)).lstrip("'")
    if not text or text == "-":
        return None
    text = _PHONE_PREFIX.sub("", text)
    digits = re.sub(r"\D", "", text)
    if len(set(digits)) <= 1:  # 00000000000, 11111111111: typed to get past the form
        return _issue("phone_invalid")
    return None if rules.phone_valid.search(text) else _issue("phone_invalid")


def unreachable_issue(texts: Iterable[str | None], rules: AlertRules) -> Issue | None:
    """``buyer_unreachable`` when the seller memo or 异常信息 says the buyer cannot be reached."""
    if rules.unreachable is None:
        return None
    for text in texts:
        if text:
            found = rules.unreachable.search(unicodedata.normalize("NFKC", text))
            if found:
                return _issue("buyer_unreachable", found.group(0))
    return None


def order_issues(order: OrderFacts, rules: AlertRules) -> list[Issue]:
    """Everything that makes ``order`` suspicious (empty: it is not)."""
    issues = address_issues(order.address, rules)
    phone = phone_issue(order.phone, rules)
    if phone:
        issues.append(phone)
    unreachable = unreachable_issue([order.seller_memo, *order.flags], rules)
    if unreachable:
        issues.append(unreachable)
    return issues


def _ship_by(order: OrderFacts, p: Policy, since: datetime) -> datetime:
    return p.ship_by(since, "presale" if order.presale else "normal")


def suspicious_orders(
    orders: Iterable[OrderFacts],
    filings: Mapping[str, FilingFacts],
    at: datetime,
    rules: AlertRules,
) -> list[Alert]:
    """可疑订单: paid (or COD), unshipped, open orders not yet handled, with an issue.

    The 15-day window runs from the payment (COD: the order's creation), the moment
    the platform's check can warn. Critical when the shipping deadline or the window
    ends within ``alerts_urgent_hours``; after the window, a warning that filing is no
    longer possible.
    """
    p = rules.policy
    out: list[Alert] = []
    for o in orders:
        if o.closed or o.shipped_at is not None or o.order_no in filings:
            continue
        warned = o.paid_at if o.paid_at is not None else (o.created_at if o.cod else None)
        if warned is None or warned > at:
            continue
        issues = order_issues(o, rules)
        if not issues:
            continue
        window_end = p.suspicious_order_until(warned)
        ship_by = _ship_by(o, p, warned)
        exposure = (
            p.compensation(o.paid_amount, "late_shipment")
            if o.paid_amount is not None and not o.cod
            else Decimal("0.00")
        )
        reasons_zh = "、".join(i.zh for i in issues)
        reasons_en = ", ".join(i.en for i in issues)
        values = {
            "order_no": o.order_no,
            "reasons": reasons_zh,
            "ship_by": _deadline(p, ship_by, at, "zh"),
            "window_end": _local(p, window_end),
            "exposure": _money(exposure),
        }
        values_en = {
            **values,
            "reasons": reasons_en,
            "ship_by": _deadline(p, ship_by, at, "en"),
        }
        if at > window_end:
            severity, template = "warning", "alerts.suspicious_order_expired"
        else:
            soon = min(ship_by, window_end) <= at + rules.urgent
            severity, template = ("critical" if soon else "warning"), "alerts.suspicious_order"
        advice, advice_en = rules.advice(template, values, values_en)
        out.append(
            Alert(
                kind="suspicious_order",
                severity=severity,
                key=f"suspicious_order:{o.order_no}",
                detected_at=p.to_china(warned),
                due_at=window_end,
                title=f"订单 {o.order_no}：{reasons_zh}",
                title_en=f"Order {o.order_no}: {reasons_en}",
                advice=advice,
                advice_en=advice_en,
                order_no=o.order_no,
                buyer=o.buyer,
                reasons=tuple(i.code for i in issues),
                exposure=exposure,
                facts={
                    "ship_by": p.to_china(ship_by).isoformat(),
                    "window_end": p.to_china(window_end).isoformat(),
                    "window_passed": at > window_end,
                    "issues": [i.zh for i in issues],
                    "issues_en": [i.en for i in issues],
                },
            )
        )
    return out


# --- deposit drain (套保证金, 004 §八) -----------------------------------------------------------


def offline_gaps(
    agent_times: Iterable[datetime],
    at: datetime,
    offline: timedelta,
    known_until: datetime | None = None,
) -> list[tuple[datetime, datetime, bool]]:
    """(last seen, next seen, still offline) for every gap of at least ``offline``.

    Only what the messages show counts: before the first agent message nothing is
    known, so no gap starts before it; with no message at all there is no gap. The
    chat record is complete up to ``known_until`` (default ``at``): a silence after
    the last agent message counts up to there, and is "still offline" when that is
    ``at`` — a chat log exported on the 28th says nothing about the 29th.
    """
    times = sorted(t for t in agent_times if t <= at)
    gaps = [(a, b, False) for a, b in itertools.pairwise(times) if b - a >= offline]
    end = at if known_until is None else min(max(known_until, times[-1] if times else at), at)
    if times and end - times[-1] >= offline:
        gaps.append((times[-1], end, end == at))
    return gaps


def deposit_drain(
    agent_times: Iterable[datetime],
    orders: Iterable[OrderFacts],
    refunds: Iterable[RefundFacts],
    filings: Mapping[str, FilingFacts],
    at: datetime,
    rules: AlertRules,
    known_until: datetime | None = None,
) -> list[Alert]:
    """Bursts of high-value orders paid while no agent was online (see the module doc).

    ``known_until``: the moment the imported chat log is known to cover (default ``at``).
    """
    gaps = [
        g
        for g in offline_gaps(agent_times, at, rules.offline, known_until)
        if g[1] >= at - rules.lookback
    ]
    if not gaps:
        return []
    candidates = [
        o
        for o in orders
        if not o.cod
        and o.paid_at is not None
        and o.paid_at <= at
        and o.paid_amount is not None
        and o.paid_amount >= rules.drain_min_paid
    ]
    claims: dict[str, list[RefundFacts]] = {}
    for r in refunds:
        if r.compensation in DRAIN_CLAIMS and not r.closed and r.applied_at <= at:
            claims.setdefault(r.order_no, []).append(r)
    out: list[Alert] = []
    for start, end, ongoing in gaps:
        burst = sorted(
            (o for o in candidates if o.paid_at is not None and start < o.paid_at <= end),
            key=lambda o: (o.paid_at, o.order_no),
        )
        if len(burst) < rules.drain_min_orders:
            continue
        out.append(_drain_alert(start, end, ongoing, burst, claims, filings, at, rules))
    return out


def _drain_alert(
    start: datetime,
    end: datetime,
    ongoing: bool,
    burst: list[OrderFacts],
    claims: Mapping[str, list[RefundFacts]],
    filings: Mapping[str, FilingFacts],
    at: datetime,
    rules: AlertRules,
) -> Alert:
    p = rules.policy
    total = sum((o.paid_amount or Decimal(0) for o in burst), Decimal(0))
    claimed: list[OrderFacts] = []
    stake = {}
    due: datetime | None = None
    for o in burst:
        assert o.paid_at is not None and o.paid_amount is not None
        filing = filings.get(o.order_no)
        ship_by = _ship_by(o, p, o.paid_at)
        if o.order_no in claims:
            claimed.append(o)
        if filing is not None and filing.valid_for(o):
            stake[o.order_no] = Decimal("0.00")
            continue
        if o.shipped_at is None and not o.closed:
            due = ship_by if due is None else min(due, ship_by)
        on_time = o.shipped_at is not None and o.shipped_at <= ship_by
        if on_time and o.order_no not in claims:
            stake[o.order_no] = Decimal("0.00")
        else:
            stake[o.order_no] = p.compensation(o.paid_amount, "out_of_stock")
    exposure = sum(stake.values(), Decimal(0)).quantize(Decimal("0.01"))
    claimed_exposure = sum((stake[o.order_no] for o in claimed), Decimal(0)).quantize(
        Decimal("0.01")
    )
    days = f"{(end - start) / timedelta(days=1):.1f}"
    ship_by_zh = _deadline(p, due, at, "zh") if due else "（均已发货或已备案）"
    ship_by_en = _deadline(p, due, at, "en") if due else "(all shipped or filed)"
    values = {
        "gap_start": _local(p, start),
        "gap_end": "现在" if ongoing else _local(p, end),
        "gap_days": days,
        "count": str(len(burst)),
        "total": _money(total),
        "exposure": _money(exposure),
        "claims": str(len(claimed)),
        "claim_orders": "、".join(o.order_no for o in claimed),
        "claimed_exposure": _money(claimed_exposure),
        "rest_exposure": _money(exposure - claimed_exposure),
        "ship_by": ship_by_zh,
    }
    values_en = {
        **values,
        "gap_end": "now" if ongoing else _local(p, end),
        "claim_orders": ", ".join(o.order_no for o in claimed),
        "ship_by": ship_by_en,
    }
    template = "alerts.deposit_drain_claimed" if claimed else "alerts.deposit_drain"
    advice, advice_en = rules.advice(template, values, values_en)
    # Claims filed or the shop still offline: act now. Nothing at stake: for the record.
    severity = "critical" if claimed or ongoing else "warning" if exposure > 0 else "info"
    title = (
        f"{values['gap_start']} 至 {values['gap_end']} 无客服在线（约 {days} 天），"
        f"期间 {len(burst)} 笔高额订单付款"
    )
    title_en = (
        f"No agent online {values['gap_start']} to {values_en['gap_end']} (~{days} days), "
        f"{len(burst)} high-value orders paid"
    )
    if claimed:
        title += f"，{len(claimed)} 笔已申请缺货/延迟发货退款"
        title_en += f", {len(claimed)} claiming out-of-stock / late shipment"
    return Alert(
        kind="deposit_drain",
        severity=severity,
        key=f"deposit_drain:{p.to_china(start).isoformat()}",
        detected_at=p.to_china(burst[rules.drain_min_orders - 1].paid_at or start),
        due_at=due,
        title=title,
        title_en=title_en,
        advice=advice,
        advice_en=advice_en,
        orders=tuple(o.order_no for o in burst),
        exposure=exposure,
        facts={
            "gap_start": p.to_china(start).isoformat(),
            "gap_end": p.to_china(end).isoformat(),
            "offline_now": ongoing,
            "paid_total": str(total),
            "claimed_orders": [o.order_no for o in claimed],
            "claimed_exposure": str(claimed_exposure),
            "exposure_by_order": {k: str(v) for k, v in stake.items()},
        },
    )


# --- extortion (敲诈, 001) ---------------------------------------------------------------------


def extortion_alerts(
    findings: Iterable[ExtortionFacts], at: datetime, rules: AlertRules
) -> list[Alert]:
    """One critical alert per conversation with extortion findings not dismissed as false.

    Findings older than ``alerts_lookback_days`` (or after ``at``) are left out.
    """
    p = rules.policy
    by_conv: dict[str, list[ExtortionFacts]] = {}
    for f in findings:
        if f.status == "dismissed" or f.time > at or f.time < at - rules.lookback:
            continue
        by_conv.setdefault(f.conversation, []).append(f)
    advice, advice_en = rules.advice("alerts.extortion", {}, {})
    out: list[Alert] = []
    for conv, items in by_conv.items():
        items.sort(key=lambda f: (f.time, f.finding_id))
        evidence = "；".join(dict.fromkeys(f.evidence for f in items))
        first = items[0]
        order_no = next((f.order_no for f in items if f.order_no), None)
        out.append(
            Alert(
                kind="extortion",
                severity="critical",
                key=f"extortion:{conv}",
                detected_at=p.to_china(first.time),
                due_at=None,
                title=f"会话 {conv}：买家以差评/曝光要挟索要钱财",
                title_en=f"Conversation {conv}: buyer demands money against a review",
                advice=advice,
                advice_en=advice_en,
                order_no=order_no,
                conversation=conv,
                buyer=next((f.buyer for f in items if f.buyer), None),
                evidence=evidence,
                facts={"findings": [f.finding_id for f in items]},
            )
        )
    return out


# --- the shipping watch (发货时效, rules.md §3) -----------------------------------------------


def ship_by_alerts(
    watch: Iterable[ShipWatch],
    filings: Mapping[str, FilingFacts],
    at: datetime,
    rules: AlertRules,
    skip: Iterable[str] = (),
) -> list[Alert]:
    """Orders past (critical) or near (warning) their shipping deadline.

    Orders with a valid 备案 need not ship; orders in ``skip`` (those with a
    suspicious-order alert, which carries the shipping deadline) are left out.
    """
    p = rules.policy
    leave = set(skip)
    out: list[Alert] = []
    for w in watch:
        filing = filings.get(w.order_no)
        if w.order_no in leave or (filing is not None and filing.protects):
            continue
        gap_zh, gap_en = fmt_delta(w.ship_by - at), fmt_delta(w.ship_by - at, "en")
        values = {
            "ship_by": _local(p, w.ship_by),
            "late": gap_zh,
            "left": gap_zh,
            "exposure": _money(w.exposure),
            "order_no": w.order_no,
        }
        values_en = {**values, "late": gap_en, "left": gap_en}
        if w.overdue:
            template, severity = "alerts.ship_by_overdue", "critical"
            title = f"订单 {w.order_no}：已超过发货时限 {gap_zh}"
            title_en = f"Order {w.order_no}: shipping deadline passed {gap_en} ago"
            since = w.ship_by
        else:
            template, severity = "alerts.ship_by_due", "warning"
            title = f"订单 {w.order_no}：{gap_zh}后超过发货时限"
            title_en = f"Order {w.order_no}: shipping deadline in {gap_en}"
            since = max(w.paid_at, w.ship_by - rules.ship_watch)
        advice, advice_en = rules.advice(template, values, values_en)
        out.append(
            Alert(
                kind="ship_by",
                severity=severity,
                key=f"ship_by:{w.order_no}",
                detected_at=p.to_china(since),
                due_at=w.ship_by,
                title=title,
                title_en=title_en,
                advice=advice,
                advice_en=advice_en,
                order_no=w.order_no,
                buyer=w.buyer,
                exposure=w.exposure,
                facts={"overdue": w.overdue},
            )
        )
    return out


# --- messages for group robots -----------------------------------------------------------------


def _masked_md(masked: str) -> str:
    """A masked name in Markdown: its characters escaped, the mask's stars left as they are
    (like :func:`redline.notify.robots.mask_phone` in a digest)."""
    return "".join(c if c == "*" else md_escape(c) for c in masked)


def _alert_block(a: Alert, at: datetime, lang: str, p: Policy) -> str:
    en = lang == "en"
    kind = KINDS[a.kind][1 if en else 0]
    level = SEVERITIES[a.severity][1 if en else 0]
    lines = [
        f"#### [{level}] {kind}",
        mask_phone(md_escape(a.title_en if en else a.title)),
    ]
    label = {
        "buyer": "Buyer" if en else "买家",
        "orders": "Orders" if en else "订单",
        "due": "Due" if en else "期限",
        "stake": "At stake" if en else "赔付风险",
        "said": "Buyer wrote" if en else "买家原话",
        "todo": "To do" if en else "建议",
    }
    if a.buyer:
        lines.append(f"- {label['buyer']}：{_masked_md(mask_name(a.buyer))}")
    if a.orders:
        lines.append(f"- {label['orders']}：{md_escape('、'.join(a.orders))}")
    if a.due_at is not None:
        lines.append(f"- {label['due']}：{_deadline(p, a.due_at, at, lang)}")
    if a.exposure:
        lines.append(f"- {label['stake']}：{_money(a.exposure)}")
    if a.evidence:
        lines.append(f"- {label['said']}：“{mask_phone(md_escape(a.evidence))}”")
    lines.append(f"- {label['todo']}：{mask_phone(a.advice_en if en else a.advice)}")
    return "\n".join(lines)


def alerts_markdown(alerts: Sequence[Alert], at: datetime, lang: str = "zh") -> str:
    """The Markdown body of a robot message for ``alerts`` (private data masked)."""
    p = Policy.default()
    return "\n\n".join(_alert_block(a, at, lang, p) for a in alerts)


def alert_messages(
    alerts: Sequence[Alert],
    at: datetime,
    *,
    lang: str = "zh",
    batch: int = 6,
    at_mobiles: Sequence[str] = (),
) -> list[Message]:
    """``alerts`` (most severe first) as robot messages of at most ``batch`` alerts each.

    ``at_mobiles`` are @-mentioned on a message that holds a critical alert.
    """
    ordered = sort_alerts(alerts)
    chunks = [ordered[i : i + max(batch, 1)] for i in range(0, len(ordered), max(batch, 1))]
    out: list[Message] = []
    for n, chunk in enumerate(chunks, 1):
        counts = Counter(a.severity for a in chunk)
        if lang == "en":
            head = ", ".join(f"{counts[s]} {SEVERITIES[s][1]}" for s in SEVERITIES if counts[s])
            title = f"redline risk alerts: {head}"
        else:
            head = "，".join(f"{SEVERITIES[s][0]} {counts[s]} 条" for s in SEVERITIES if counts[s])
            title = f"redline 风险告警：{head}"
        if len(chunks) > 1:
            title += f" ({n}/{len(chunks)})"
        body = f"### {title}\n\n{alerts_markdown(chunk, at, lang)}"
        mention = tuple(at_mobiles) if counts["critical"] else ()
        out.append(Message(title, body, at_mobiles=mention, kind="alert"))
    return out


# --- the daily digest (日报) -------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """The day at a glance, for a robot message or the terminal."""

    at: datetime
    day: date  # the findings are those of this day (yesterday)
    general_points: int
    commitment_points: int
    severe_points: int
    next_nodes: tuple[NextNode, ...]
    active: tuple[Sanction, ...]
    cases_open: int
    cases_overdue: int
    cases_due_today: int
    stake_cases: Decimal
    stake_orders: Decimal
    late_orders: int
    alerts_by_kind: Mapping[str, int]
    alerts_by_severity: Mapping[str, int]
    findings_by_category: Mapping[str, int]
    category_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def stake(self) -> Decimal:
        return self.stake_cases + self.stake_orders

    def to_dict(self) -> dict[str, Any]:
        p = Policy.default()
        return {
            "at": p.to_china(self.at).isoformat(),
            "day": self.day.isoformat(),
            "points": {
                "general": self.general_points,
                "commitment": self.commitment_points,
                "severe": self.severe_points,
            },
            "next": [
                {
                    "type": n.type,
                    "points_now": n.points_now,
                    "node": n.node,
                    "points_left": n.points_left,
                    "measures": n.measures_zh,
                    "measures_en": n.measures_en,
                    "fine_yuan": str(n.fine_yuan),
                }
                for n in self.next_nodes
            ],
            "active": [
                {
                    "type": x.type,
                    "node": x.node,
                    "measures": x.measures_zh,
                    "ends_at": None if x.ends_at is None else p.to_china(x.ends_at).isoformat(),
                }
                for x in self.active
            ],
            "cases": {
                "open": self.cases_open,
                "overdue": self.cases_overdue,
                "due_today": self.cases_due_today,
            },
            "compensation_at_stake": {
                "total": str(self.stake),
                "cases": str(self.stake_cases),
                "late_orders": str(self.stake_orders),
                "late_order_count": self.late_orders,
            },
            "alerts": {
                "by_kind": dict(self.alerts_by_kind),
                "by_severity": dict(self.alerts_by_severity),
            },
            "findings": {
                "day": self.day.isoformat(),
                "by_category": dict(self.findings_by_category),
            },
        }

    def _category(self, code: str, en: bool) -> str:
        names = self.category_names.get(code)
        return (names[1] if en else names[0]) if names else code

    def lines(self, lang: str = "zh") -> list[tuple[str, str]]:
        """(heading, text) rows; the same for the terminal and the robot message."""
        p = Policy.default()
        en = lang == "en"
        rows: list[tuple[str, str]] = []
        if en:
            ledger = (
                f"general {self.general_points} points (of which commitment/misinformation "
                f"{self.commitment_points}), severe {self.severe_points}"
            )
        else:
            ledger = (
                f"一般违规 {self.general_points} 分（其中违背承诺/滥发信息 "
                f"{self.commitment_points} 分），严重违规 {self.severe_points} 分"
            )
        rows.append(("Penalty points" if en else "扣分台账", ledger))
        for x in self.active:
            until = "-" if x.ends_at is None else _local(p, x.ends_at)
            track = TRACK_NAMES[x.type][1 if en else 0]
            text = (
                f"{track} {x.node}: {x.measures_en} (until {until})"
                if en
                else f"{track} {x.node} 分：{x.measures_zh}（至 {until}）"
            )
            rows.append(("Sanction running" if en else "正在执行", text))
        for n in self.next_nodes:
            track = TRACK_NAMES[n.type][1 if en else 0]
            text = (
                f"{track}: {n.points_left} more points reach {n.node} → {n.measures_en}"
                if en
                else f"{track}再扣 {n.points_left} 分达到 {n.node} 分 → {n.measures_zh}"
            )
            rows.append(("Next sanction" if en else "下一处罚节点", text))
        rows.append(
            (
                "After-sales" if en else "售后",
                f"{self.cases_open} open, {self.cases_overdue} overdue, "
                f"{self.cases_due_today} due today"
                if en
                else f"未结 {self.cases_open} 单，逾期 {self.cases_overdue} 单，"
                f"今天到期 {self.cases_due_today} 单",
            )
        )
        rows.append(
            (
                "Compensation at stake" if en else "赔付风险",
                f"{_money(self.stake)} (cases {_money(self.stake_cases)}, "
                f"{self.late_orders} orders near/past ship-by {_money(self.stake_orders)})"
                if en
                else f"{_money(self.stake)}（售后单 {_money(self.stake_cases)}，"
                f"将超时/已超时未发货 {self.late_orders} 单 {_money(self.stake_orders)}）",
            )
        )
        total = sum(self.alerts_by_kind.values())
        kinds = ("、" if not en else ", ").join(
            f"{KINDS[k][1 if en else 0]} {n}" for k, n in self.alerts_by_kind.items() if n
        )
        critical = self.alerts_by_severity.get("critical", 0)
        if en:
            alerts = f"{total} ({critical} critical){': ' + kinds if kinds else ''}"
        else:
            alerts = f"共 {total} 条（紧急 {critical} 条）{'：' + kinds if kinds else ''}"
        rows.append(("Risk alerts" if en else "风险告警", alerts))
        found = sorted(self.findings_by_category.items(), key=lambda kv: (-kv[1], kv[0]))
        day = self.day.strftime("%m-%d")
        if found:
            sep = ", " if en else "、"
            text = sep.join(f"{self._category(c, en)} {n}" for c, n in found)
        else:
            text = "none" if en else "无"
        rows.append((f"QA findings {day}" if en else f"昨日质检（{day}）", text))
        return rows

    def text(self, lang: str = "zh") -> str:
        """Plain text for the terminal."""
        en = lang == "en"
        head = (
            f"redline daily digest, {Policy.default().to_china(self.at):%Y-%m-%d %H:%M}"
            if en
            else f"redline 日报（{Policy.default().to_china(self.at):%Y-%m-%d %H:%M}）"
        )
        sep = ": " if en else "："
        return "\n".join([head, *(f"{k}{sep}{v}" for k, v in self.lines(lang))])

    def message(self, lang: str = "zh") -> Message:
        """A robot message (``kind="digest"``: the channels phone-mask it once more)."""
        en = lang == "en"
        title = (
            f"redline daily digest {Policy.default().to_china(self.at):%m-%d}"
            if en
            else f"redline 日报 {Policy.default().to_china(self.at):%m-%d}"
        )
        sep = ": " if en else "："
        # Every row is the store's own numbers and the packs' names: nothing to escape.
        body = "\n".join(f"- **{k}**{sep}{v}" for k, v in self.lines(lang))
        return Message(title, f"### {title}\n\n{body}", kind="digest")
