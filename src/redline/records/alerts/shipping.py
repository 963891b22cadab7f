"""发货时效 (rules.md §3): orders about to miss, or past, their shipping deadline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from redline.desk.cases import fmt_delta
from redline.records.alerts.alert import Alert, AlertRules, FilingFacts, ShipWatch, local_time, yuan

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
            "ship_by": local_time(p, w.ship_by),
            "late": gap_zh,
            "left": gap_zh,
            "exposure": yuan(w.exposure),
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
