"""The daily digest (日报) for group robots: the day's numbers, standing and alerts in one message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from redline.desk.policy import Policy
from redline.notify.robots import Message
from redline.records.alerts.alert import KINDS, local_time, yuan
from redline.records.ledger import TRACK_NAMES, NextNode, Sanction

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
            until = "-" if x.ends_at is None else local_time(p, x.ends_at)
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
                f"{yuan(self.stake)} (cases {yuan(self.stake_cases)}, "
                f"{self.late_orders} orders near/past ship-by {yuan(self.stake_orders)})"
                if en
                else f"{yuan(self.stake)}（售后单 {yuan(self.stake_cases)}，"
                f"将超时/已超时未发货 {self.late_orders} 单 {yuan(self.stake_orders)}）",
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
