"""Shop metrics (seed 001): 退款率, 退款纠纷率, 退款自主完结率, 完结时长 and their weighted composite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from redline.desk.cases import _intervening
from redline.records.metrics.rows import OrderDay, RefundGroup
from redline.records.metrics.settings import (
    COMPONENTS,
    COMPOSITE_NOTE_EN,
    COMPOSITE_NOTE_ZH,
    DAY_SECONDS,
    ZERO,
    MetricsSettings,
)
from redline.records.metrics.window import Ratio, money, per_buyer

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
