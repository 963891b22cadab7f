"""The metrics' numbers from ``packs/85-metrics.yaml``: windows, weights, targets and limits, validated with the pack's file and key."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
