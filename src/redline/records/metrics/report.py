"""The whole metrics report: shop, agents and days for one window, built from plain rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from redline.desk.cases import _intervening
from redline.records.metrics.agents import (
    AgentMetrics,
    DayMetrics,
    ResponseStats,
    Tally,
    agent_matches,
)
from redline.records.metrics.chats import (
    Gap,
    Inquiry,
    chat_inquiries,
    conversion,
    first_gap,
    response_gaps,
)
from redline.records.metrics.rows import (
    Chat,
    FindingGroup,
    OrderDay,
    OrderRecord,
    RefundGroup,
)
from redline.records.metrics.settings import ZERO, MetricsSettings
from redline.records.metrics.shop import ShopMetrics, shop_metrics
from redline.records.metrics.window import Ratio, Window


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

    tallies: dict[str, Tally] = defaultdict(Tally)
    day_replies: dict[date, int] = defaultdict(int)
    day_findings: dict[date, int] = defaultdict(int)
    day_first: dict[date, list[float]] = defaultdict(list)
    unanswered_chats = unanswered_waits = 0
    firsts: list[tuple[Chat, Gap | None]] = []
    for chat in chats:
        gaps = response_gaps(chat)
        firsts.append((chat, first_gap(gaps)))
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
        q for q in chat_inquiries(firsts, orders, window, settings) if agent_matches(q.agent, agent)
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
