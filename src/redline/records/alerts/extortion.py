"""买家敲诈 (seed 001): the guard's ``extortion`` findings on imported chats, as alerts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from redline.records.alerts.alert import Alert, AlertRules, ExtortionFacts

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
