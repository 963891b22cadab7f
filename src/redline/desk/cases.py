"""After-sales cases: kinds, the state machine, the platform's clocks, money at stake.

Pure: no database. :mod:`redline.store.desk` keeps cases in the store and calls
this module for every decision, so the CLI, the web page and the import all read
one definition.

The flow follows the seeds' after-sales flowchart (001) and the refund report's
statuses (import-formats.md)::

    requested ──agree──▶ awaiting_return ──buyer_shipped──▶ returned ──refund──▶ refunded
        │  └───────────refund──────────────────────────────────────────────────▶ refunded
        ├──reject──▶ rejected ──(buyer modifies)──▶ requested
        └──escalate (≥72 h after applying)──▶ disputed ──refund/close──▶ refunded/closed
    open (lost / short / wrong, registered by the team) ──reship──▶ reshipped ──resolve──▶ resolved

Every state runs clocks (:func:`clocks`): the instant something happens on the
platform if the shop does nothing — the buyer may call in 小二 (72 h), the refund
is granted automatically (5 days), the return is refunded unconfirmed (10 / 30
days after the buyer ships it). Numbers come from :class:`redline.desk.policy.Policy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from redline.desk.policy import Policy
from redline.guard.packs import RefundReason, RuleSet

# kind → (Chinese, English)
KINDS: dict[str, tuple[str, str]] = {
    "refund": ("仅退款", "refund only"),
    "return": ("退货退款", "return and refund"),
    "exchange": ("换货", "exchange"),
    "repair": ("维修", "repair"),
    "lost": ("丢件/未收到", "lost parcel"),
    "short": ("少件/漏发", "short shipment"),
    "wrong": ("发错货", "wrong item"),
}
# Kinds the team registers itself (no platform refund behind them yet).
INCIDENT_KINDS = ("lost", "short", "wrong", "exchange", "repair")

STATES: dict[str, tuple[str, str]] = {
    "requested": ("待卖家处理", "awaiting the seller"),
    "awaiting_return": ("待买家退货", "awaiting the buyer's return"),
    "returned": ("待确认收货", "return on its way, to confirm"),
    "rejected": ("卖家已拒绝", "rejected by the seller"),
    "disputed": ("小二介入中", "platform intervening"),
    "open": ("待处理", "open"),
    "reshipped": ("已补发/寄出", "reshipped"),
    "refunded": ("退款成功", "refunded"),
    "closed": ("已关闭", "closed"),
    "resolved": ("已解决", "resolved"),
}
TERMINAL = frozenset({"refunded", "closed", "resolved"})

# clock → (what happens when it passes, zh / en)
CLOCKS: dict[str, tuple[str, str]] = {
    "review": ("超过 24 小时未审核", "not reviewed within 24 h"),
    "dispute_opens": (
        "买家可申请小二介入，计入退款纠纷率",
        "the buyer may call in the platform (counts toward the dispute rate)",
    ),
    "auto_refund": ("系统自动同意退款", "the refund is granted automatically"),
    "buyer_timeout": ("买家逾期未处理，退款自动关闭", "the buyer ran out of time; refund closes"),
    "check_logistics": (
        "剩约 5 天：查退货物流，无物流信息应拒绝",
        "about 5 days left: check the return's tracking, reject if it never moved",
    ),
    "receipt_until": (
        "逾期未确认收货，系统自动退款给买家",
        "not confirmed in time: the platform refunds the buyer",
    ),
    "follow_up": ("应跟进处理并回访买家", "follow up with the buyer"),
}


class TransitionError(ValueError):
    """An action that the case's state or guard does not allow (message in Chinese)."""


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case (a row of ``cases`` plus its refund)."""

    kind: str
    state: str
    opened_at: datetime
    applied_at: datetime | None = None  # refund applied (None for incidents)
    need_return: bool = False
    timeout_at: datetime | None = None  # the platform's own 超时时间 from the export
    buyer_returned_at: datetime | None = None
    return_carrier: str | None = None
    state_since: datetime | None = None  # when the case entered its state


@dataclass(frozen=True)
class Action:
    """A step the team takes. ``guard`` returns why it is refused, or None."""

    name: str
    sources: frozenset[str]
    target: str
    label_zh: str
    label_en: str
    guard: Callable[[CaseFacts, ActionInput, Policy], str | None] | None = None


@dataclass(frozen=True)
class ActionInput:
    at: datetime
    actor: str
    note: str | None = None
    tracking_no: str | None = None


def _needs_note(facts: CaseFacts, given: ActionInput, policy: Policy) -> str | None:
    if not (given.note and given.note.strip()):
        return "拒绝必须写明理由并附凭证（--note），否则买家申请介入时无法举证"
    return None


def _needs_tracking(facts: CaseFacts, given: ActionInput, policy: Policy) -> str | None:
    if not (given.tracking_no and given.tracking_no.strip()):
        return "需要物流单号（--tracking）"
    return None


def _dispute_window(facts: CaseFacts, given: ActionInput, policy: Policy) -> str | None:
    if facts.applied_at is None:
        return "没有平台退款申请，无法申请小二介入"
    opens = policy.dispute_opens_at(facts.applied_at)
    if given.at < opens:
        return f"买家申请退款 72 小时后才可申请小二介入（{fmt_time(opens, policy)} 起）"
    return None


def _needs_return(facts: CaseFacts, given: ActionInput, policy: Policy) -> str | None:
    if facts.kind == "refund" and not facts.need_return:
        return "仅退款无需退货：请直接退款（refund）或拒绝（reject）"
    return None


_ACTIVE = frozenset({"requested", "rejected", "awaiting_return", "returned"})

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("agree", frozenset({"requested", "rejected"}), "awaiting_return",
               "同意退货", "agree to the return", _needs_return),
        Action("refund", frozenset({"requested", "rejected", "returned", "open", "disputed"}),
               "refunded", "退款", "refund"),
        Action("reject", frozenset({"requested", "returned"}), "rejected",
               "拒绝退款", "reject the refund", _needs_note),
        Action("buyer_shipped", frozenset({"awaiting_return"}), "returned",
               "买家已寄回", "the buyer shipped the return", _needs_tracking),
        Action("escalate", _ACTIVE, "disputed", "小二介入", "platform intervenes",
               _dispute_window),
        Action("reship", frozenset({"open", "returned"}), "reshipped",
               "补发/换货寄出", "reship", _needs_tracking),
        Action("resolve", frozenset({"open", "reshipped"}), "resolved", "解决", "resolve"),
        Action("close", frozenset(STATES) - TERMINAL, "closed", "关闭", "close"),
    )
}  # fmt: skip


def apply(facts: CaseFacts, action: str, given: ActionInput, policy: Policy) -> str:
    """The state ``action`` leads to, or :class:`TransitionError` saying why not."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise TransitionError(f"未知操作 {action!r}（可用：{'/'.join(ACTIONS)}）")
    if facts.state not in spec.sources:
        allowed = "/".join(a.name for a in ACTIONS.values() if facts.state in a.sources) or "无"
        raise TransitionError(
            f"“{STATES[facts.state][0]}”状态下不能{spec.label_zh}（{action}）；可用操作：{allowed}"
        )
    if spec.guard is not None:
        why = spec.guard(facts, given, policy)
        if why:
            raise TransitionError(why)
    return spec.target


def allowed_actions(state: str) -> list[str]:
    return [a.name for a in ACTIONS.values() if state in a.sources]


# --- reading the refund report ---------------------------------------------------------


def state_from_export(status: str, dispute_status: str | None = None) -> str | None:
    """The case state a refund report row stands for, or None if the status is unknown.

    Matched on fragments so template variants (退款关闭 / 退款已关闭) read the same.
    """
    s = status.strip()
    if "成功" in s:
        return "refunded"
    if "关闭" in s:
        return "closed"
    if _intervening(dispute_status):
        return "disputed"
    if "拒绝" in s:
        return "rejected"
    if "等待卖家确认收货" in s or "买家已经退货" in s:
        return "returned"
    if "等待买家退货" in s:
        return "awaiting_return"
    if "等待卖家同意" in s or "申请退款" in s:
        return "requested"
    return None


def _intervening(dispute_status: str | None) -> bool:
    d = (dispute_status or "").strip()
    return "介入" in d and not d.startswith(("不", "无", "未", "没有"))


def match_reason(rs: RuleSet, text: str | None) -> RefundReason | None:
    """The pack's refund reason for the buyer's reason text (first match in pack order)."""
    if not text:
        return None
    for reason in rs.refund_reasons.values():
        if any(m in text for m in reason.match):
            return reason
    return None


def kind_from_export(
    reason: RefundReason | None, need_return: bool, after_sale_type: str | None
) -> str:
    t = after_sale_type or ""
    if "换货" in t:
        return "exchange"
    if "维修" in t:
        return "repair"
    if reason is not None and reason.kind is not None:
        if reason.kind == "refund" and need_return:
            return "return"
        return reason.kind
    return "return" if need_return else "refund"


# --- clocks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    name: str
    due_at: datetime


def clocks(facts: CaseFacts, policy: Policy, settings: Mapping[str, Any]) -> list[Clock]:
    """The platform's (and the shop's) clocks running on a case in its current state."""
    out: list[Clock] = []
    state = facts.state
    applied = facts.applied_at
    if state == "requested" and applied is not None:
        out += [
            Clock("review", policy.review_due_at(applied)),
            Clock("dispute_opens", policy.dispute_opens_at(applied)),
            Clock("auto_refund", policy.auto_refund_at(applied)),
        ]
    elif state in ("rejected", "awaiting_return") and facts.timeout_at is not None:
        out.append(Clock("buyer_timeout", facts.timeout_at))
    elif state == "returned":
        receipt: datetime | None = None
        if facts.buyer_returned_at is not None:
            surface = "平邮" in (facts.return_carrier or "")
            receipt = policy.return_receipt_until(
                facts.buyer_returned_at, "surface" if surface else "express"
            )
        elif facts.timeout_at is not None:
            receipt = facts.timeout_at
        if receipt is not None:
            warn = int(settings["aftersales_check_logistics_days_left"])
            out += [
                Clock("check_logistics", receipt - timedelta(days=warn)),
                Clock("receipt_until", receipt),
            ]
    elif state in ("open", "reshipped"):
        key = (
            "aftersales_follow_up_hours" if state == "open" else "aftersales_reship_follow_up_hours"
        )
        hours = int(settings[key])
        since = facts.state_since or facts.opened_at
        out.append(Clock("follow_up", since + timedelta(hours=hours)))
    return sorted(out, key=lambda c: c.due_at)


# --- money at stake --------------------------------------------------------------------


def exposure(
    reason: RefundReason | None, state: str, paid: Decimal | None, policy: Policy
) -> Decimal:
    """Compensation at stake: 30 % of the paid price (capped) for a compensating reason.

    A closed refund costs nothing; an open or refunded one with 缺货 / 未按约定时间发货 /
    虚假发货 does, unless the buyer is persuaded to change the reason.
    """
    if reason is None or reason.compensation is None or paid is None or state == "closed":
        return Decimal("0.00")
    return policy.compensation(paid, reason.compensation)


# --- presenting ------------------------------------------------------------------------


def fmt_time(dt: datetime, policy: Policy) -> str:
    return policy.to_china(dt).strftime("%Y-%m-%d %H:%M")


def fmt_delta(delta: timedelta, lang: str = "zh") -> str:
    """“3天4小时” / “5小时20分”: the size of a gap, without its sign."""
    secs = abs(int(delta.total_seconds()))
    days, rest = divmod(secs, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if lang == "en":
        if days:
            return f"{days}d{hours}h"
        return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
    if days:
        return f"{days}天{hours}小时"
    return f"{hours}小时{minutes}分" if hours else f"{minutes}分钟"


@dataclass
class Urgency:
    """Where a case stands at ``at``: passed clocks (overdue) and the next one."""

    passed: list[Clock] = field(default_factory=list)
    upcoming: list[Clock] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return bool(self.passed)

    @property
    def next(self) -> Clock | None:
        return self.upcoming[0] if self.upcoming else None

    def sort_key(self) -> tuple[int, datetime | None]:
        if self.passed:
            return (0, self.passed[0].due_at)
        if self.upcoming:
            return (1, self.upcoming[0].due_at)
        return (2, None)


def urgency(case_clocks: list[Clock], at: datetime) -> Urgency:
    """A clock is passed once ``at`` is after its instant (the instant itself is in time)."""
    u = Urgency()
    for c in sorted(case_clocks, key=lambda c: c.due_at):
        (u.passed if at > c.due_at else u.upcoming).append(c)
    return u
