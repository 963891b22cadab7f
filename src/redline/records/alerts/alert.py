"""The alert itself: kinds, severities, the settings from ``packs/90-alerts.yaml``, the plain records the detectors read, and the wording helpers they share."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from redline.desk.cases import fmt_delta
from redline.desk.policy import Policy
from redline.guard.packs import RuleSet

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


def make_issue(code: str, word: str = "") -> Issue:
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


def local_time(p: Policy, dt: datetime) -> str:
    return p.to_china(dt).strftime("%m-%d %H:%M")


def yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def deadline_text(p: Policy, due: datetime, at: datetime, lang: str) -> str:
    """“10-31 10:00（已逾期 5小时）” / “10-31 10:00 (5h ago)”."""
    gap = fmt_delta(due - at, lang)
    if lang == "en":
        return (
            f"{local_time(p, due)} ({gap} ago)"
            if at > due
            else f"{local_time(p, due)} ({gap} left)"
        )
    return (
        f"{local_time(p, due)}（已逾期 {gap}）"
        if at > due
        else f"{local_time(p, due)}（还剩 {gap}）"
    )


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
