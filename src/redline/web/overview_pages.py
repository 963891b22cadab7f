"""The overview: the three morning answers on one page.

Points carried and the next sanction; cases overdue or due today and the
compensation at stake; today's violations by category; orders about to miss
their ship-by time; open risk alerts.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import func, select

from redline.desk.policy import Policy
from redline.records.ledger import LedgerRules, standing_json
from redline.store.alerts import current_alerts
from redline.store.desk import Desk
from redline.store.models import StoredFinding
from redline.store.penalties import deductions
from redline.web.alerts_pages import alert_json
from redline.web.desk_pages import case_card, late_row
from redline.web.views import SHOP, dual, reading


def now_of(request: Request) -> datetime:
    policy: Policy = request.app.state.policy
    return policy.china_now()


def standing(request: Request, at: datetime) -> dict[str, Any]:
    rs = request.app.state.rules
    rules = LedgerRules.from_settings(rs.settings)
    with reading(request) as s:
        st = rules.standing([d for d in deductions(s, rs) if d.at <= at], at)
    return standing_json(st)


def register(app: FastAPI) -> None:
    @dual(app, "/", "overview.html", roles=SHOP, active="overview", tags=["overview"])
    def overview(request: Request) -> dict[str, Any]:
        """概览：扣分与下一处罚、到期售后、赔付风险、今日违规 (overview)"""
        policy: Policy = request.app.state.policy
        at = now_of(request)
        day_start = at.replace(hour=0, minute=0, second=0, microsecond=0)
        tomorrow = day_start + timedelta(days=1)
        with reading(request) as s:
            desk = Desk(s, request.app.state.rules)
            views = desk.open_cases(at)
            due_today = [
                v
                for v in views
                if not v.urgency.overdue and v.urgency.next and v.urgency.next.due_at < tomorrow
            ]
            overdue = [v for v in views if v.urgency.overdue]
            at_stake = sum((v.case.exposure or Decimal(0) for v in views), Decimal(0))
            late = desk.late_orders(at, timedelta(hours=24))
            rows = s.execute(
                select(StoredFinding.category, StoredFinding.severity, func.count())
                .where(StoredFinding.time >= day_start, StoredFinding.time < tomorrow)
                .group_by(StoredFinding.category, StoredFinding.severity)
            ).all()
            open_findings = s.scalar(
                select(func.count())
                .select_from(StoredFinding)
                .where(StoredFinding.status.in_(("open", "appealed")))
            )
        today: Counter[str] = Counter()
        today_violations = 0
        for category, severity, n in rows:
            today[category] += n
            if severity == "violation":
                today_violations += n
        names = {k: (c.name_zh, c.name_en) for k, c in request.app.state.rules.categories.items()}
        return {
            "at": at.isoformat(),
            "ledger": standing(request, at),
            "cases": {
                "open": len(views),
                "overdue": len(overdue),
                "due_today": len(due_today),
                "compensation_at_stake": str(at_stake),
                "urgent": [case_card(request, v, at) for v in (overdue + due_today)[:10]],
            },
            "late_orders": {
                "count": len(late),
                "overdue": sum(1 for x in late if x.overdue),
                "compensation_at_stake": str(sum((x.exposure for x in late), Decimal(0))),
                "top": [late_row(x, at) for x in late[:10]],
            },
            "findings": {
                "today": today_violations,
                "today_by_category": [
                    {"category": k, "name": names.get(k, (k, k)), "count": n}
                    for k, n in today.most_common()
                ],
                "to_review": open_findings or 0,
            },
            "alerts": _alerts(request, at),
            "timezone": policy.timezone,
        }


def _alerts(request: Request, at: datetime) -> list[dict[str, Any]]:
    with reading(request) as s:
        found = current_alerts(s, request.app.state.rules, at)
    return [alert_json(a, request.app.state.policy) for a in found[:20]]
