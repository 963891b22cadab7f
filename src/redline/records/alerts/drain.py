"""套保证金 (seed 004 §八): bot orders placed while the shop was offline, then compensating refund claims on them."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from redline.records.alerts.alert import (
    DRAIN_CLAIMS,
    Alert,
    AlertRules,
    FilingFacts,
    OrderFacts,
    RefundFacts,
    deadline_text,
    local_time,
    yuan,
)
from redline.records.alerts.suspicious import ship_deadline

# --- deposit drain (套保证金, 004 §八) -----------------------------------------------------------


def offline_gaps(
    agent_times: Iterable[datetime],
    at: datetime,
    offline: timedelta,
    known_until: datetime | None = None,
) -> list[tuple[datetime, datetime, bool]]:
    """(last seen, next seen, still offline) for every gap of at least ``offline``.

    Only what the messages show counts: before the first agent message nothing is
    known, so no gap starts before it; with no message at all there is no gap. The
    chat record is complete up to ``known_until`` (default ``at``): a silence after
    the last agent message counts up to there, and is "still offline" when that is
    ``at`` — a chat log exported on the 28th says nothing about the 29th.
    """
    times = sorted(t for t in agent_times if t <= at)
    gaps = [(a, b, False) for a, b in itertools.pairwise(times) if b - a >= offline]
    end = at if known_until is None else min(max(known_until, times[-1] if times else at), at)
    if times and end - times[-1] >= offline:
        gaps.append((times[-1], end, end == at))
    return gaps


def deposit_drain(
    agent_times: Iterable[datetime],
    orders: Iterable[OrderFacts],
    refunds: Iterable[RefundFacts],
    filings: Mapping[str, FilingFacts],
    at: datetime,
    rules: AlertRules,
    known_until: datetime | None = None,
) -> list[Alert]:
    """Bursts of high-value orders paid while no agent was online (see the module doc).

    ``known_until``: the moment the imported chat log is known to cover (default ``at``).
    """
    gaps = [
        g
        for g in offline_gaps(agent_times, at, rules.offline, known_until)
        if g[1] >= at - rules.lookback
    ]
    if not gaps:
        return []
    candidates = [
        o
        for o in orders
        if not o.cod
        and o.paid_at is not None
        and o.paid_at <= at
        and o.paid_amount is not None
        and o.paid_amount >= rules.drain_min_paid
    ]
    claims: dict[str, list[RefundFacts]] = {}
    for r in refunds:
        if r.compensation in DRAIN_CLAIMS and not r.closed and r.applied_at <= at:
            claims.setdefault(r.order_no, []).append(r)
    out: list[Alert] = []
    for start, end, ongoing in gaps:
        burst = sorted(
            (o for o in candidates if o.paid_at is not None and start < o.paid_at <= end),
            key=lambda o: (o.paid_at, o.order_no),
        )
        if len(burst) < rules.drain_min_orders:
            continue
        out.append(_drain_alert(start, end, ongoing, burst, claims, filings, at, rules))
    return out


def _drain_alert(
    start: datetime,
    end: datetime,
    ongoing: bool,
    burst: list[OrderFacts],
    claims: Mapping[str, list[RefundFacts]],
    filings: Mapping[str, FilingFacts],
    at: datetime,
    rules: AlertRules,
) -> Alert:
    p = rules.policy
    total = sum((o.paid_amount or Decimal(0) for o in burst), Decimal(0))
    claimed: list[OrderFacts] = []
    stake = {}
    due: datetime | None = None
    for o in burst:
        assert o.paid_at is not None and o.paid_amount is not None
        filing = filings.get(o.order_no)
        ship_by = ship_deadline(o, p, o.paid_at)
        if o.order_no in claims:
            claimed.append(o)
        if filing is not None and filing.valid_for(o):
            stake[o.order_no] = Decimal("0.00")
            continue
        if o.shipped_at is None and not o.closed:
            due = ship_by if due is None else min(due, ship_by)
        on_time = o.shipped_at is not None and o.shipped_at <= ship_by
        if on_time and o.order_no not in claims:
            stake[o.order_no] = Decimal("0.00")
        else:
            stake[o.order_no] = p.compensation(o.paid_amount, "out_of_stock")
    exposure = sum(stake.values(), Decimal(0)).quantize(Decimal("0.01"))
    claimed_exposure = sum((stake[o.order_no] for o in claimed), Decimal(0)).quantize(
        Decimal("0.01")
    )
    days = f"{(end - start) / timedelta(days=1):.1f}"
    ship_by_zh = deadline_text(p, due, at, "zh") if due else "（均已发货或已备案）"
    ship_by_en = deadline_text(p, due, at, "en") if due else "(all shipped or filed)"
    values = {
        "gap_start": local_time(p, start),
        "gap_end": "现在" if ongoing else local_time(p, end),
        "gap_days": days,
        "count": str(len(burst)),
        "total": yuan(total),
        "exposure": yuan(exposure),
        "claims": str(len(claimed)),
        "claim_orders": "、".join(o.order_no for o in claimed),
        "claimed_exposure": yuan(claimed_exposure),
        "rest_exposure": yuan(exposure - claimed_exposure),
        "ship_by": ship_by_zh,
    }
    values_en = {
        **values,
        "gap_end": "now" if ongoing else local_time(p, end),
        "claim_orders": ", ".join(o.order_no for o in claimed),
        "ship_by": ship_by_en,
    }
    template = "alerts.deposit_drain_claimed" if claimed else "alerts.deposit_drain"
    advice, advice_en = rules.advice(template, values, values_en)
    # Claims filed or the shop still offline: act now. Nothing at stake: for the record.
    severity = "critical" if claimed or ongoing else "warning" if exposure > 0 else "info"
    title = (
        f"{values['gap_start']} 至 {values['gap_end']} 无客服在线（约 {days} 天），"
        f"期间 {len(burst)} 笔高额订单付款"
    )
    title_en = (
        f"No agent online {values['gap_start']} to {values_en['gap_end']} (~{days} days), "
        f"{len(burst)} high-value orders paid"
    )
    if claimed:
        title += f"，{len(claimed)} 笔已申请缺货/延迟发货退款"
        title_en += f", {len(claimed)} claiming out-of-stock / late shipment"
    return Alert(
        kind="deposit_drain",
        severity=severity,
        key=f"deposit_drain:{p.to_china(start).isoformat()}",
        detected_at=p.to_china(burst[rules.drain_min_orders - 1].paid_at or start),
        due_at=due,
        title=title,
        title_en=title_en,
        advice=advice,
        advice_en=advice_en,
        orders=tuple(o.order_no for o in burst),
        exposure=exposure,
        facts={
            "gap_start": p.to_china(start).isoformat(),
            "gap_end": p.to_china(end).isoformat(),
            "offline_now": ongoing,
            "paid_total": str(total),
            "claimed_orders": [o.order_no for o in claimed],
            "claimed_exposure": str(claimed_exposure),
            "exposure_by_order": {k: str(v) for k, v in stake.items()},
        },
    )
