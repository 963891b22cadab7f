"""Agent metrics (seed 002): response times, inquiries, conversion and findings per agent and per day."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from redline.records.metrics.chats import Inquiry
from redline.records.metrics.settings import DAY_SECONDS
from redline.records.metrics.window import Ratio, money, per_buyer

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
class Tally:
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
