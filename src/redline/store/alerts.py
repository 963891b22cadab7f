"""Risk alerts on the store: the records the detectors read, 可疑订单 filings, the push
log and the daily digest.

Every decision is :mod:`redline.records.alerts`' (pure detectors) or :mod:`redline.desk.policy`'s;
this module reads rows into plain records, writes filings and remembers which alert
went to which robot. The shipping watch is :meth:`redline.store.desk.Desk.late_orders`,
the ledger :mod:`redline.store.penalties` with :mod:`redline.records.ledger`.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redline.desk import cases as case_rules
from redline.desk.policy import Policy
from redline.guard.packs import RuleSet, load_rules
from redline.records import alerts as detect
from redline.records.alerts import (
    KINDS,
    OUTCOMES,
    SEVERITIES,
    Alert,
    AlertRules,
    Digest,
    ExtortionFacts,
    FilingFacts,
    OrderFacts,
    RefundFacts,
    ShipWatch,
)
from redline.records.ledger import LedgerRules
from redline.store.desk import UNSHIPPED, Desk
from redline.store.models import (
    AlertPush,
    ChatMessage,
    Conversation,
    ImportRun,
    Order,
    Refund,
    StoredFinding,
    SuspiciousOrderFiling,
)
from redline.store.penalties import deductions

CLOSED = "交易关闭"
MODIFIED_ADDRESS = "修改后的收货地址"
# Extra columns of the order report that may say the buyer cannot be reached.
_FLAG_COLUMNS = ("异常", "备忘", "标签")


class FilingError(ValueError):
    """A filing the rules do not allow (message in Chinese, for the user)."""


@dataclass
class Context:
    """The packs an alert run reads: the rule set and the alert rules built from it."""

    rs: RuleSet
    rules: AlertRules

    @classmethod
    def load(cls, rs: RuleSet | None = None) -> Context:
        """For ``rs`` (a shop's packs), else the bundled packs (loaded once)."""
        if rs is None:
            return _default_context()
        return cls(rs, AlertRules.from_rules(rs))


@functools.cache
def _default_context() -> Context:
    rs = load_rules()
    return Context(rs, AlertRules.from_rules(rs))


# --- records from rows -----------------------------------------------------------------------


def order_facts(o: Order) -> OrderFacts:
    extra = o.extra or {}
    modified = extra.get(MODIFIED_ADDRESS)
    address = modified if isinstance(modified, str) and modified.strip("- ") else o.address
    flags = tuple(
        v
        for k, v in extra.items()
        if isinstance(v, str) and v.strip() and any(w in k for w in _FLAG_COLUMNS)
    )
    paid = o.paid_amount if o.paid_amount is not None else o.total_amount
    return OrderFacts(
        order_no=o.order_no,
        paid_at=o.paid_at,
        created_at=o.created_at,
        shipped_at=o.shipped_at,
        paid_amount=paid,
        buyer=o.buyer_nick,
        address=address,
        phone=o.phone,
        seller_memo=o.seller_memo,
        flags=flags,
        cod=o.cod,
        presale=o.presale,
        closed=bool(o.status and CLOSED in o.status),
    )


def filing_facts(s: Session, order_nos: Iterable[str] | None = None) -> dict[str, FilingFacts]:
    q = select(SuspiciousOrderFiling)
    if order_nos is not None:
        q = q.where(SuspiciousOrderFiling.order_no.in_(list(order_nos)))
    return {
        f.order_no: FilingFacts(f.order_no, f.outcome, f.filed_at, f.reason) for f in s.scalars(q)
    }


def protected_orders(s: Session) -> set[str]:
    """Orders with a valid 备案: filed, and not shipped since (shipping voids it)."""
    rows = s.execute(
        select(SuspiciousOrderFiling.order_no, SuspiciousOrderFiling.outcome)
        .join(Order, Order.order_no == SuspiciousOrderFiling.order_no)
        .where(Order.shipped_at.is_(None))
    )
    return {no for no, outcome in rows if OUTCOMES.get(outcome, ("", "", False))[2]}


# --- filing --------------------------------------------------------------------------------


def file_suspicious(
    s: Session,
    order_no: str,
    *,
    outcome: str,
    reason: str,
    by: str | None,
    at: datetime,
    now: datetime,
    rules: AlertRules | None = None,
) -> SuspiciousOrderFiling:
    """Record how a suspicious-order warning was handled in 规蜜: once per order, final.

    Refused: an unknown order, a second filing, an order already shipped or closed or
    not paid, a filing outside the 15-day window after the payment, no reason.
    """
    rules = rules or AlertRules.default()
    p = rules.policy
    if outcome not in OUTCOMES:
        names = "、".join(f"{zh}({code})" for code, (zh, _en, _f) in OUTCOMES.items())
        raise FilingError(f"未知的处理结果 {outcome!r}，可选：{names}")
    if not reason or not reason.strip():
        raise FilingError("请用 --reason 写明备案理由，例如“三次电话未接通，旺旺不回复”")
    order = s.get(Order, order_no)
    if order is None:
        raise FilingError(f"数据库中没有订单 {order_no}，请先导入订单报表（redline import orders）")
    earlier = s.scalar(
        select(SuspiciousOrderFiling).where(SuspiciousOrderFiling.order_no == order_no)
    )
    if earlier is not None:
        raise FilingError(_already_filed(earlier, p))
    if order.shipped_at is not None and order.shipped_at <= at:
        raise FilingError(
            f"订单 {order_no} 已于 {p.to_china(order.shipped_at):%Y-%m-%d %H:%M} 发货："
            "点了发货的订单可疑订单预警即失效，不能再备案"
        )
    if order.status and CLOSED in order.status:
        raise FilingError(f"订单 {order_no} 已关闭，无需备案")
    warned = (
        order.paid_at if order.paid_at is not None else (order.created_at if order.cod else None)
    )
    if warned is None:
        raise FilingError(f"订单 {order_no} 尚未付款，没有可疑订单预警可以处理")
    if at < warned:
        raise FilingError(
            f"备案时间 {p.to_china(at):%Y-%m-%d %H:%M} 早于付款时间 "
            f"{p.to_china(warned):%Y-%m-%d %H:%M}"
        )
    window_end = p.suspicious_order_until(warned)
    if at > window_end:
        raise FilingError(
            f"订单 {order_no} 的预警处理时效（预警后 {p.suspicious_order_days} 天，至 "
            f"{p.to_china(window_end):%Y-%m-%d %H:%M}）已过，规蜜中已不能备案；"
            "请与买家协商一致后退款"
        )
    row = SuspiciousOrderFiling(
        order_no=order_no,
        outcome=outcome,
        reason=reason.strip(),
        warned_at=warned,
        filed_at=at,
        filed_by=by or None,
        entered_at=now,
    )
    try:
        with s.begin_nested():  # a concurrent filing loses on the unique key, not the session
            s.add(row)
            s.flush()
    except IntegrityError as exc:
        again = s.scalar(
            select(SuspiciousOrderFiling).where(SuspiciousOrderFiling.order_no == order_no)
        )
        raise FilingError(
            _already_filed(again, p) if again else f"订单 {order_no} 已备案过"
        ) from exc
    return row


def _already_filed(f: SuspiciousOrderFiling, p: Policy) -> str:
    zh = OUTCOMES.get(f.outcome, (f.outcome, "", False))[0]
    return (
        f"订单 {f.order_no} 已于 {p.to_china(f.filed_at):%Y-%m-%d %H:%M} 处理过"
        f"（{zh}：{f.reason}）。规蜜中每笔订单只有一次备案机会，确认后不能修改，不能再次备案。"
    )


@dataclass
class FilingView:
    filing: SuspiciousOrderFiling
    shipped_at: datetime | None

    @property
    def status(self) -> str:
        """``valid`` (need not ship), ``void`` (shipped since), ``handled`` (address right)."""
        if not OUTCOMES.get(self.filing.outcome, ("", "", False))[2]:
            return "handled"
        return "void" if self.shipped_at is not None else "valid"


FILING_STATUS: dict[str, tuple[str, str]] = {
    "valid": ("有效：可不发货，缺货/延迟发货投诉平台支持", "valid: need not ship"),
    "void": ("已失效：订单已发货，按正常流程处理", "void: the order was shipped"),
    "handled": ("已处理：地址无误或已改正，须正常发货", "handled: ship as usual"),
}


def list_filings(s: Session) -> list[FilingView]:
    rows = s.execute(
        select(SuspiciousOrderFiling, Order.shipped_at)
        .join(Order, Order.order_no == SuspiciousOrderFiling.order_no, isouter=True)
        .order_by(SuspiciousOrderFiling.filed_at, SuspiciousOrderFiling.id)
    ).all()
    return [FilingView(f, shipped) for f, shipped in rows]


# --- gathering and detecting -------------------------------------------------------------------


def _suspicion_candidates(s: Session) -> list[OrderFacts]:
    q = select(Order).where(Order.status.contains(UNSHIPPED), Order.shipped_at.is_(None))
    return [order_facts(o) for o in s.scalars(q)]


def _agent_times(s: Session, since: datetime, at: datetime) -> list[datetime]:
    base = select(ChatMessage.time).where(
        ChatMessage.role == "agent", ChatMessage.time.is_not(None)
    )
    times = [
        t for t in s.scalars(base.where(ChatMessage.time >= since, ChatMessage.time <= at)) if t
    ]
    # The last time seen before the window: a gap may have started before it.
    before = s.scalar(
        select(func.max(ChatMessage.time)).where(
            ChatMessage.role == "agent", ChatMessage.time < since
        )
    )
    if before is not None:
        times.append(before)
    return times


def chats_known_until(s: Session, at: datetime) -> datetime | None:
    """Up to when the imported chat log is complete, as far as the store can tell.

    The later of the last message of anyone (a buyer writing while no agent answers is
    the shop being offline) and the last chat import that changed the store (the
    export covers up to about then). An agent silence after this is not evidence.
    """
    last = s.scalar(select(func.max(ChatMessage.time)).where(ChatMessage.time <= at))
    imported = s.scalar(select(func.max(ImportRun.finished_at)).where(ImportRun.kind == "chats"))
    candidates = [t for t in (last, imported) if t is not None]
    return min(max(candidates), at) if candidates else None


def _drain_inputs(
    s: Session, since: datetime, at: datetime, ctx: Context
) -> tuple[list[OrderFacts], list[RefundFacts]]:
    q = select(Order).where(
        Order.paid_at.is_not(None),
        Order.paid_at > since,
        Order.paid_at <= at,
        Order.cod.is_(False),
        or_(
            Order.paid_amount >= ctx.rules.drain_min_paid,
            and_(Order.paid_amount.is_(None), Order.total_amount >= ctx.rules.drain_min_paid),
        ),
    )
    orders = [order_facts(o) for o in s.scalars(q)]
    if not orders:
        return [], []
    refunds = []
    for r in s.scalars(select(Refund).where(Refund.order_no.in_([o.order_no for o in orders]))):
        reason = case_rules.match_reason(ctx.rs, r.reason)
        refunds.append(
            RefundFacts(
                order_no=r.order_no,
                reason=r.reason,
                applied_at=r.applied_at,
                compensation=reason.compensation if reason else None,
                closed=case_rules.state_from_export(r.status, r.dispute_status) == "closed",
            )
        )
    return orders, refunds


def _extortion_findings(s: Session, since: datetime, at: datetime) -> list[ExtortionFacts]:
    when = func.coalesce(StoredFinding.time, StoredFinding.found_at)
    rows = s.execute(
        select(StoredFinding, Conversation.order_no, Conversation.buyer_nick)
        .join(Conversation, Conversation.id == StoredFinding.conversation_id)
        .where(
            StoredFinding.category == "extortion",
            StoredFinding.status != "dismissed",
            or_(
                and_(StoredFinding.time.is_not(None), StoredFinding.time >= since),
                and_(StoredFinding.time.is_(None), StoredFinding.found_at >= since),
            ),
        )
        .order_by(when, StoredFinding.id)
    ).all()
    return [
        ExtortionFacts(
            finding_id=f.id,
            conversation=f.conversation_id,
            time=f.time or f.found_at,
            evidence=f.evidence,
            buyer=f.account or nick,
            order_no=order_no,
            status=f.status,
        )
        for f, order_no, nick in rows
        if (f.time or f.found_at) <= at
    ]


def _ship_watch(desk: Desk, at: datetime, rules: AlertRules) -> list[ShipWatch]:
    out = []
    for lo in desk.late_orders(at, rules.ship_watch):
        assert lo.order.paid_at is not None
        out.append(
            ShipWatch(
                order_no=lo.order.order_no,
                paid_at=lo.order.paid_at,
                ship_by=lo.ship_by,
                overdue=lo.overdue,
                exposure=lo.exposure,
                buyer=lo.order.buyer_nick,
            )
        )
    return out


def current_alerts(s: Session, rs: RuleSet | Context | None, at: datetime) -> list[Alert]:
    """Every alert standing at ``at``, most severe first.

    ``rs`` is the shop's rule set (None: the bundled packs).
    """
    ctx = rs if isinstance(rs, Context) else Context.load(rs)
    rules = ctx.rules
    filings = filing_facts(s)
    suspicious = detect.suspicious_orders(_suspicion_candidates(s), filings, at, rules)

    # Only gaps that ended within the lookback matter; their orders may predate it.
    times = _agent_times(s, at - rules.lookback - rules.offline, at)
    known = chats_known_until(s, at)
    gaps = [
        g
        for g in detect.offline_gaps(times, at, rules.offline, known)
        if g[1] >= at - rules.lookback
    ]
    drain: list[Alert] = []
    if gaps:
        orders, refunds = _drain_inputs(s, min(g[0] for g in gaps), at, ctx)
        drain = detect.deposit_drain(times, orders, refunds, filings, at, rules, known)

    extortion = detect.extortion_alerts(_extortion_findings(s, at - rules.lookback, at), at, rules)

    desk = Desk(s, ctx.rs)
    ship = detect.ship_by_alerts(
        _ship_watch(desk, at, rules),
        filings,
        at,
        rules,
        skip={a.order_no for a in suspicious if a.order_no},
    )
    return detect.sort_alerts([*suspicious, *drain, *extortion, *ship])


# --- the push log ------------------------------------------------------------------------------


def not_yet_pushed(s: Session, alerts: Sequence[Alert], channel: str) -> list[Alert]:
    """The alerts whose (key, severity) was never queued for ``channel``."""
    if not alerts:
        return []
    keys = {a.key for a in alerts}
    done = {
        (k, sev)
        for k, sev in s.execute(
            select(AlertPush.key, AlertPush.severity).where(
                AlertPush.channel == channel, AlertPush.key.in_(keys)
            )
        )
    }
    return [a for a in alerts if (a.key, a.severity) not in done]


def record_pushed(s: Session, alerts: Sequence[Alert], channel: str, at: datetime) -> None:
    fresh = not_yet_pushed(s, alerts, channel)
    for a in fresh:
        s.add(AlertPush(key=a.key[:200], severity=a.severity, channel=channel, queued_at=at))
    s.flush()


# --- the daily digest ----------------------------------------------------------------------


def daily_digest(
    s: Session,
    rs: RuleSet | Context | None,
    at: datetime,
    alerts: Sequence[Alert] | None = None,
) -> Digest:
    """Points carried and the next sanction, cases overdue or due today, compensation at
    stake, alerts by kind and yesterday's QA findings by category (China days).

    ``rs`` is the shop's rule set (None: the bundled packs); ``alerts`` the alerts
    already computed for ``at`` (else they are).
    """
    ctx = rs if isinstance(rs, Context) else Context.load(rs)
    p = ctx.rules.policy
    ledger = LedgerRules.from_settings(ctx.rs.settings)
    standing = ledger.standing([d for d in deductions(s, ctx.rs) if d.at <= at], at)

    desk = Desk(s, ctx.rs)
    views = desk.open_cases(at)
    local = p.to_china(at)
    end_of_day = local.replace(hour=23, minute=59, second=59, microsecond=999999)
    overdue = sum(1 for v in views if v.urgency.overdue)
    due_today = sum(
        1
        for v in views
        if not v.urgency.overdue
        and v.urgency.next is not None
        and v.urgency.next.due_at <= end_of_day
    )
    protected = protected_orders(s)
    stake_cases = sum(
        (v.case.exposure or Decimal(0) for v in views if v.case.order_no not in protected),
        Decimal(0),
    )
    late = [
        lo
        for lo in desk.late_orders(at, ctx.rules.ship_watch)
        if lo.order.order_no not in protected
    ]
    stake_orders = sum((lo.exposure for lo in late), Decimal(0))

    if alerts is None:
        alerts = current_alerts(s, ctx, at)
    kinds = Counter(a.kind for a in alerts)
    severities = Counter(a.severity for a in alerts)

    day = local.date() - timedelta(days=1)
    start = datetime.combine(day, time(), tzinfo=p.tz)
    end = start + timedelta(days=1)
    rows = s.execute(
        select(StoredFinding.category, func.count())
        .where(
            StoredFinding.status != "dismissed",
            or_(
                and_(
                    StoredFinding.time.is_not(None),
                    StoredFinding.time >= start,
                    StoredFinding.time < end,
                ),
                and_(
                    StoredFinding.time.is_(None),
                    StoredFinding.found_at >= start,
                    StoredFinding.found_at < end,
                ),
            ),
        )
        .group_by(StoredFinding.category)
    ).all()
    return Digest(
        at=at,
        day=day,
        general_points=standing.general_points,
        commitment_points=standing.commitment_points,
        severe_points=standing.severe_points,
        next_nodes=standing.next_nodes,
        active=standing.active,
        cases_open=len(views),
        cases_overdue=overdue,
        cases_due_today=due_today,
        stake_cases=Decimal(stake_cases).quantize(Decimal("0.01")),
        stake_orders=Decimal(stake_orders).quantize(Decimal("0.01")),
        late_orders=len(late),
        alerts_by_kind={k: kinds.get(k, 0) for k in KINDS},
        alerts_by_severity={k: severities.get(k, 0) for k in SEVERITIES},
        findings_by_category={c: n for c, n in rows},
        category_names=ctx.rules.category_names,
    )
