"""Tmall after-sales clocks and money, as pure functions.

Every number comes from the rule packs' ``settings`` (``packs/60-policy.yaml``,
plus ``no_reason_return_days`` from ``00-core.yaml``), so a shop pack can change
it; sources are the seeds digested in ``shared/spec/rules.md`` §3.

Conventions
-----------
* **Time zone.** The platform runs on China time (the pack's ``policy_timezone``,
  ``Asia/Shanghai``). A naive datetime given to any function here is read as China
  time; an aware one is converted. Every datetime returned is aware, in that zone.
  China has had no daylight saving time since 1991, so adding a ``timedelta`` to a
  China-time datetime moves wall clock and absolute time alike: "+72h" and "+3 days"
  are the same instant.
* **Deadlines.** A deadline instant is the *last allowed moment*: acting exactly at
  the deadline is still in time, one second later is late (:func:`is_within`).
  Seed 001: signed 9/3 15:00 → no-reason return allowed until 9/10 15:00 inclusive;
  9/11 15:00 is too late.
* **Money.** Amounts are :class:`~decimal.Decimal` yuan, rounded to 0.01 with
  ``ROUND_HALF_UP``. Inputs may be ``Decimal``, ``int`` or ``str``; a ``float`` is
  refused, because binary floats cannot hold most cent amounts exactly.

The module-level functions use :meth:`Policy.default` (the bundled packs); build a
:class:`Policy` with :meth:`Policy.from_settings` to use a shop's packs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Sale = Literal["normal", "juhuasuan", "presale"]
Mail = Literal["express", "surface"]
Money = Decimal | int | str

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Refund reasons that oblige the seller to pay compensation (001): code → Chinese
# wording on the refund form (simplified and traditional). Checked in this order.
COMPENSATING_REASONS: dict[str, tuple[str, ...]] = {
    "fake_shipment": ("虚假发货", "虛假發貨"),
    "late_shipment": ("未按约定时间发货", "未按約定時間發貨", "延迟发货", "延遲發貨"),
    "out_of_stock": ("缺货", "缺貨"),
}

# Policy field → settings key. All integers except the time zone.
_KEYS: dict[str, str] = {
    "ship_hours_normal": "policy_ship_hours_normal",
    "ship_days_juhuasuan": "policy_ship_days_juhuasuan",
    "presale_days_default": "policy_presale_days_default",
    "compensation_percent": "policy_compensation_percent",
    "compensation_cap_yuan": "policy_compensation_cap_yuan",
    "dispute_after_hours": "policy_dispute_after_hours",
    "auto_refund_days": "policy_auto_refund_days",
    "no_reason_return_days": "no_reason_return_days",  # shared with the rules (00-core)
    "quality_return_days": "policy_quality_return_days",
    "return_receipt_days_express": "policy_return_receipt_days_express",
    "return_receipt_days_surface": "policy_return_receipt_days_surface",
    "review_hours": "policy_review_hours",
    "suspicious_order_days": "policy_suspicious_order_days",
    "timezone": "policy_timezone",
}

_DURATION_UNITS: dict[str, str] = {
    "d": "days",
    "天": "days",
    "h": "hours",
    "小时": "hours",
    "m": "minutes",
    "分钟": "minutes",
    "s": "seconds",
    "秒": "seconds",
}
_DURATION_PART = re.compile(r"\s*(\d+)\s*(d|天|h|小时|m|分钟|s|秒)", re.IGNORECASE)
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


@dataclass(frozen=True)
class Policy:
    """The platform's after-sales numbers, checked on construction.

    Durations are positive integers (hours or days as named); the compensation is
    ``compensation_percent`` % of the paid price (0–100), capped at
    ``compensation_cap_yuan`` whole yuan.
    """

    ship_hours_normal: int
    ship_days_juhuasuan: int
    presale_days_default: int
    compensation_percent: int
    compensation_cap_yuan: int
    dispute_after_hours: int
    auto_refund_days: int
    no_reason_return_days: int
    quality_return_days: int
    return_receipt_days_express: int
    return_receipt_days_surface: int
    review_hours: int
    suspicious_order_days: int
    timezone: str
    source: str = field(default="settings", compare=False)
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name not in _KEYS or f.name == "timezone":
                continue
            value = getattr(self, f.name)
            # Durations must be positive; percent 0–100 and cap ≥ 0 may switch it off.
            low = 0 if f.name in ("compensation_percent", "compensation_cap_yuan") else 1
            high = 100 if f.name == "compensation_percent" else None
            if not isinstance(value, int) or isinstance(value, bool):
                self._bad(f.name, value, "应为整数 (must be an integer)")
            if value < low or (high is not None and value > high):
                span = f"{low}–{high}" if high is not None else f"≥ {low}"
                self._bad(f.name, value, f"超出范围 {span} (out of range {span})")
        if not isinstance(self.timezone, str):
            self._bad("timezone", self.timezone, "应为时区名 (must be a time zone name)")
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self._bad("timezone", self.timezone, "未知时区 (unknown time zone)")
        object.__setattr__(self, "tz", tz)

    def _bad(self, name: str, value: Any, why: str) -> NoReturn:
        key = _KEYS[name]
        raise ValueError(
            f"策略设置 {key!r} 无效: {value!r} {why}（来源: {self.source}）"
            f" (invalid policy setting {key!r} from {self.source})"
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], source: str = "settings") -> Policy:
        """Build from ``RuleSet.settings``; a missing or invalid key raises ``ValueError``."""
        values: dict[str, Any] = {}
        for name, key in _KEYS.items():
            if key not in settings:
                raise ValueError(
                    f"缺少策略设置 {key!r}（来源: {source}），请在规则包 settings 中定义"
                    f" (missing policy setting {key!r} in {source}; define it under settings:)"
                )
            values[name] = settings[key]
        return cls(**values, source=source)

    @classmethod
    def default(cls) -> Policy:
        """The policy of the bundled packs (loaded once, then cached)."""
        return _default_policy()

    # --- time ----------------------------------------------------------------------------

    def china_now(self) -> datetime:
        """The current time, aware, in the platform's time zone."""
        return datetime.now(self.tz)

    def to_china(self, dt: datetime) -> datetime:
        """``dt`` in the platform's time zone; a naive ``dt`` is taken to be China time."""
        if not isinstance(dt, datetime):
            raise TypeError(f"需要 datetime，得到 {type(dt).__name__} (expected a datetime)")
        if dt.tzinfo is None or dt.utcoffset() is None:
            return dt.replace(tzinfo=self.tz)
        return dt.astimezone(self.tz)

    def is_within(self, deadline: datetime, at: datetime) -> bool:
        """True when ``at`` is no later than ``deadline`` (the deadline itself counts)."""
        return self.to_china(at) <= self.to_china(deadline)

    def parse_time(self, text: str) -> datetime:
        """``"2023-03-01 10:00[:00]"``, ``"2023/03/01 10:00"`` or ISO 8601 → aware datetime.

        Without an offset the time is China time; with one (``+00:00``, ``Z``) it is
        converted. A bare date means midnight.
        """
        s = text.strip()
        parsed: datetime | None = None
        try:
            parsed = datetime.fromisoformat(s)
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    parsed = datetime.strptime(s, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(
                f"无法识别的时间 {text!r}，请写成 2023-03-01 10:00 或 ISO 8601"
                f" (unrecognised time {text!r}; use 2023-03-01 10:00 or ISO 8601)"
            )
        return self.to_china(parsed)

    # --- clocks --------------------------------------------------------------------------

    def ship_by(
        self, paid_at: datetime, sale: Sale = "normal", presale_days: int | None = None
    ) -> datetime:
        """Latest shipping instant (001): normal 72h, 聚划算 7 days, presale as listed.

        ``presale_days`` is the listing's promise (default: the pack's, 15); it only
        applies to ``sale="presale"``. Shipping time is the courier system's record.
        """
        paid = self.to_china(paid_at)
        if presale_days is not None and sale != "presale":
            raise ValueError(
                f"presale_days 只适用于预售 (sale='presale')，当前为 {sale!r}"
                f" (presale_days applies only to sale='presale', got {sale!r})"
            )
        if sale == "normal":
            return paid + timedelta(hours=self.ship_hours_normal)
        if sale == "juhuasuan":
            return paid + timedelta(days=self.ship_days_juhuasuan)
        if sale == "presale":
            days = self.presale_days_default if presale_days is None else presale_days
            if not isinstance(days, int) or isinstance(days, bool) or days < 1:
                raise ValueError(
                    f"预售发货天数应为正整数，得到 {days!r}"
                    f" (presale_days must be a positive integer, got {days!r})"
                )
            return paid + timedelta(days=days)
        raise ValueError(
            f"未知的销售类型 {sale!r}（normal/juhuasuan/presale）"
            f" (unknown sale type {sale!r}; use normal, juhuasuan or presale)"
        )

    def dispute_opens_at(self, applied_at: datetime) -> datetime:
        """From this instant (refund applied + 72h, still 退款中) the buyer may call in 小二.

        Not a deadline: the seller settles *before* it to keep the dispute rate down.
        """
        return self.to_china(applied_at) + timedelta(hours=self.dispute_after_hours)

    def auto_refund_at(self, applied_at: datetime) -> datetime:
        """Applied + 5 days: with no seller response by then the refund is granted."""
        return self.to_china(applied_at) + timedelta(days=self.auto_refund_days)

    def no_reason_return_until(self, signed_at: datetime) -> datetime:
        """Last moment of the 7-day no-reason return, counted from signing (001).

        Signed 9/3 15:00 → 9/10 15:00 is the last moment; 9/11 15:00 is too late.
        """
        return self.to_china(signed_at) + timedelta(days=self.no_reason_return_days)

    def quality_return_until(self, signed_at: datetime) -> datetime:
        """Last moment of the 15-day quality-problem return, counted from signing (001)."""
        return self.to_china(signed_at) + timedelta(days=self.quality_return_days)

    def return_receipt_until(self, buyer_shipped_at: datetime, mail: Mail = "express") -> datetime:
        """Seller's deadline to confirm a returned parcel: express 10 days, 平邮 30 (001)."""
        if mail == "express":
            days = self.return_receipt_days_express
        elif mail == "surface":
            days = self.return_receipt_days_surface
        else:
            raise ValueError(
                f"未知的寄件方式 {mail!r}（express 快递 / surface 平邮）"
                f" (unknown mail type {mail!r}; use express or surface)"
            )
        return self.to_china(buyer_shipped_at) + timedelta(days=days)

    def review_due_at(self, applied_at: datetime) -> datetime:
        """After-sales applications are reviewed within 24 hours (001)."""
        return self.to_china(applied_at) + timedelta(hours=self.review_hours)

    def suspicious_order_until(self, warned_at: datetime) -> datetime:
        """A 可疑订单 warning must be handled (one final filing) within 15 days (000)."""
        return self.to_china(warned_at) + timedelta(days=self.suspicious_order_days)

    # --- money ---------------------------------------------------------------------------

    def compensation(self, paid_amount: Money, reason: str) -> Decimal:
        """Seller's compensation (paid as Tmall points) for a refund ``reason`` (001).

        For ``late_shipment``, ``out_of_stock`` and ``fake_shipment`` (or the Chinese
        wording, see :func:`compensation_reason`): 30% of the paid amount, capped at
        500 yuan, rounded half-up to the cent. Any other reason: ``Decimal("0.00")``.
        """
        paid = _money(paid_amount, "paid_amount")
        if compensation_reason(reason) is None:
            return ZERO
        owed = paid * self.compensation_percent / 100
        return min(owed, Decimal(self.compensation_cap_yuan)).quantize(CENT, ROUND_HALF_UP)


# --- helpers that need no policy numbers ----------------------------------------------------


def compensation_reason(text: str) -> str | None:
    """The compensating reason code named by a refund reason, else ``None``.

    Accepts a code itself (``"out_of_stock"``) or the refund form's wording, matched
    as a substring: ``"卖家缺货"`` → ``"out_of_stock"``; ``"未按约定时间发货"`` or
    ``"延迟发货"`` → ``"late_shipment"``; ``"虚假发货"`` → ``"fake_shipment"``.
    Meant for the platform's reason field, not free chat (no negation handling).
    """
    s = text.strip()
    if s in COMPENSATING_REASONS:
        return s
    for code, words in COMPENSATING_REASONS.items():
        if any(w in s for w in words):
            return code
    return None


def refund_amount(goods_paid: Money, shipping_paid: Money) -> Decimal:
    """A return refunds the goods, not the postage (001: 168 goods + 15 postage → 168)."""
    _money(shipping_paid, "shipping_paid")
    return _money(goods_paid, "goods_paid").quantize(CENT, ROUND_HALF_UP)


def invoice_amount(total_paid: Money, shipping_paid: Money) -> Decimal:
    """Invoice amount = paid total less shipping (rules.md: 215 incl. 15 shipping → 200)."""
    total = _money(total_paid, "total_paid")
    shipping = _money(shipping_paid, "shipping_paid")
    if shipping > total:
        raise ValueError(
            f"运费 {shipping} 大于实付总额 {total}"
            f" (shipping_paid {shipping} exceeds total_paid {total})"
        )
    return (total - shipping).quantize(CENT, ROUND_HALF_UP)


def parse_duration(text: str) -> timedelta:
    """``"24h"``, ``"3d"``, ``"90m"``, ``"1d12h"`` (also ``"3天"``, ``"24小时"``) → timedelta.

    Units: d/天, h/小时, m/分钟 (minutes, not months), s/秒; each at most once.
    """
    s = text.strip()
    parts: dict[str, int] = {}
    pos = 0
    for m in _DURATION_PART.finditer(s):
        if m.start() != pos:
            break
        unit = _DURATION_UNITS[m.group(2).lower()]
        if unit in parts:
            pos = -1
            break
        parts[unit] = int(m.group(1))
        pos = m.end()
    if not parts or pos != len(s):
        raise ValueError(
            f"无法识别的时长 {text!r}，请写成 24h、3d、90m 或 1d12h"
            f" (unrecognised duration {text!r}; use e.g. 24h, 3d, 90m or 1d12h)"
        )
    return timedelta(**parts)


def _money(value: Any, what: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(
            f"{what} 不接受浮点数 {value!r}：二进制浮点无法精确表示分，请传 Decimal、int 或字符串"
            f" ({what} must not be a float: binary floats cannot hold cents exactly;"
            " pass a Decimal, int or str)"
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(
            f"{what} 应为 Decimal、int 或字符串，得到 {type(value).__name__}"
            f" ({what} must be a Decimal, int or str)"
        )
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ValueError(f"{what} 不是有效金额: {value!r} ({what} is not a valid amount)")
    if amount < 0:
        raise ValueError(f"{what} 不能为负数: {value!r} ({what} must not be negative)")
    return amount


@functools.cache
def _default_policy() -> Policy:
    from redline.guard.packs import bundled_rules

    return Policy.from_settings(bundled_rules().settings, source="内置规则包 (bundled packs)")


# --- module-level shortcuts on the bundled policy -------------------------------------------


def china_now() -> datetime:
    """The current time in China, aware."""
    return Policy.default().china_now()


def to_china(dt: datetime) -> datetime:
    """``dt`` in China time; naive means China time already. See :meth:`Policy.to_china`."""
    return Policy.default().to_china(dt)


def china_iso(dt: datetime | None) -> str | None:
    """A stored moment as ISO 8601 in China time, for JSON; None stays None."""
    return None if dt is None else to_china(dt).isoformat()


def is_within(deadline: datetime, at: datetime) -> bool:
    """True when ``at`` is no later than ``deadline``. See :meth:`Policy.is_within`."""
    return Policy.default().is_within(deadline, at)


def parse_time(text: str) -> datetime:
    """Parse a CLI time (``--at``). See :meth:`Policy.parse_time`."""
    return Policy.default().parse_time(text)


def ship_by(paid_at: datetime, sale: Sale = "normal", presale_days: int | None = None) -> datetime:
    """See :meth:`Policy.ship_by`."""
    return Policy.default().ship_by(paid_at, sale, presale_days)


def dispute_opens_at(applied_at: datetime) -> datetime:
    """See :meth:`Policy.dispute_opens_at`."""
    return Policy.default().dispute_opens_at(applied_at)


def auto_refund_at(applied_at: datetime) -> datetime:
    """See :meth:`Policy.auto_refund_at`."""
    return Policy.default().auto_refund_at(applied_at)


def no_reason_return_until(signed_at: datetime) -> datetime:
    """See :meth:`Policy.no_reason_return_until`."""
    return Policy.default().no_reason_return_until(signed_at)


def quality_return_until(signed_at: datetime) -> datetime:
    """See :meth:`Policy.quality_return_until`."""
    return Policy.default().quality_return_until(signed_at)


def return_receipt_until(buyer_shipped_at: datetime, mail: Mail = "express") -> datetime:
    """See :meth:`Policy.return_receipt_until`."""
    return Policy.default().return_receipt_until(buyer_shipped_at, mail)


def review_due_at(applied_at: datetime) -> datetime:
    """See :meth:`Policy.review_due_at`."""
    return Policy.default().review_due_at(applied_at)


def suspicious_order_until(warned_at: datetime) -> datetime:
    """See :meth:`Policy.suspicious_order_until`."""
    return Policy.default().suspicious_order_until(warned_at)


def compensation(paid_amount: Money, reason: str) -> Decimal:
    """See :meth:`Policy.compensation`."""
    return Policy.default().compensation(paid_amount, reason)
