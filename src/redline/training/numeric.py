"""Exam answers computed by the policy functions, never typed in twice.

A ``number`` or ``datetime`` question names one of :mod:`redline.desk.policy`'s
functions and its arguments (``compute: {fn: refund_amount, args: {…}}``); its answer
is whatever the function returns under the loaded policy, so a shop pack that changes
a number changes the exam with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from redline.desk import policy as pol
from redline.desk.policy import Policy

# fn → (argument kinds, call). Kinds: "money", "time", "text", "int".
_FUNCTIONS: dict[
    str, tuple[dict[str, str], Callable[[Policy, dict[str, Any]], Decimal | datetime]]
] = {
    "refund_amount": (
        {"goods_paid": "money", "shipping_paid": "money"},
        lambda p, a: pol.refund_amount(a["goods_paid"], a["shipping_paid"]),
    ),
    "invoice_amount": (
        {"total_paid": "money", "shipping_paid": "money"},
        lambda p, a: pol.invoice_amount(a["total_paid"], a["shipping_paid"]),
    ),
    "compensation": (
        {"paid_amount": "money", "reason": "text"},
        lambda p, a: p.compensation(a["paid_amount"], a["reason"]),
    ),
    "ship_by": (
        {"paid_at": "time", "sale": "text?", "presale_days": "int?"},
        lambda p, a: p.ship_by(a["paid_at"], a.get("sale", "normal"), a.get("presale_days")),
    ),
    "no_reason_return_until": (
        {"signed_at": "time"},
        lambda p, a: p.no_reason_return_until(a["signed_at"]),
    ),
    "quality_return_until": (
        {"signed_at": "time"},
        lambda p, a: p.quality_return_until(a["signed_at"]),
    ),
    "return_receipt_until": (
        {"buyer_shipped_at": "time", "mail": "text?"},
        lambda p, a: p.return_receipt_until(a["buyer_shipped_at"], a.get("mail", "express")),
    ),
    "dispute_opens_at": ({"applied_at": "time"}, lambda p, a: p.dispute_opens_at(a["applied_at"])),
    "auto_refund_at": ({"applied_at": "time"}, lambda p, a: p.auto_refund_at(a["applied_at"])),
    "review_due_at": ({"applied_at": "time"}, lambda p, a: p.review_due_at(a["applied_at"])),
    "suspicious_order_until": (
        {"warned_at": "time"},
        lambda p, a: p.suspicious_order_until(a["warned_at"]),
    ),
}
FUNCTIONS = tuple(_FUNCTIONS)
_MAIL_ALIASES = {"post": "surface", "平邮": "surface", "快递": "express"}


def check_args(fn: str, args: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    """Typed arguments for ``fn``; raises ValueError naming the bad one."""
    if fn not in _FUNCTIONS:
        raise ValueError(f"未知的计算函数 {fn!r} (unknown fn; one of {', '.join(FUNCTIONS)})")
    kinds, _ = _FUNCTIONS[fn]
    unknown = set(args) - set(kinds)
    if unknown:
        raise ValueError(f"{fn} 没有参数 {', '.join(sorted(unknown))} (no such argument)")
    out: dict[str, Any] = {}
    for name, kind in kinds.items():
        optional = kind.endswith("?")
        kind = kind.rstrip("?")
        if name not in args:
            if optional:
                continue
            raise ValueError(f"{fn} 缺少参数 {name} (missing argument)")
        value = args[name]
        try:
            if kind == "money":
                out[name] = Decimal(str(value))
            elif kind == "time":
                out[name] = (
                    policy.parse_time(str(value)) if not isinstance(value, datetime) else value
                )
            elif kind == "int":
                out[name] = int(value)
            else:
                out[name] = _MAIL_ALIASES.get(str(value), str(value))
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise ValueError(f"{fn}.{name} 的值 {value!r} 无效 ({exc})") from None
    return out


def compute(fn: str, args: Mapping[str, Any], policy: Policy | None = None) -> Decimal | datetime:
    p = policy or Policy.default()
    _, call = _FUNCTIONS[fn]
    return call(p, check_args(fn, args, p))


def format_answer(value: Decimal | datetime, policy: Policy | None = None) -> str:
    """How the answer is shown: ``168.00`` or ``2026-09-10 23:59:59`` (China time)."""
    if isinstance(value, datetime):
        p = policy or Policy.default()
        return p.to_china(value).strftime("%Y-%m-%d %H:%M:%S")
    return f"{value:.2f}"


def answer_matches(value: Decimal | datetime, given: str, policy: Policy | None = None) -> bool:
    """Whether a trainee's answer equals the computed one (money to the cent, time to the minute)."""
    given = given.strip().replace("元", "").replace("¥", "").replace("￥", "")
    if isinstance(value, datetime):
        p = policy or Policy.default()
        try:
            got = p.parse_time(given)
        except ValueError:
            return False
        want = p.to_china(value)
        return abs((p.to_china(got) - want).total_seconds()) < 60
    try:
        return Decimal(given).quantize(Decimal("0.01")) == value.quantize(Decimal("0.01"))
    except InvalidOperation:
        return False
