"""Helpers shared by the test modules (conftest puts tests/ on ``sys.path``).

Messages in the rule tables are written compactly:

- ``"B:能开发票吗"`` — a buyer message from the ordering account (``BUYER``);
- ``"A:亲，可以开的"`` — an agent message from ``AGENT``;
- ``"S:包裹已签收"`` — a system message;
- a ``dict`` — a message exactly as in formats.md (use it for other accounts and times).

In a table row the message being judged is always the last one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from redline.model import Conversation, Finding

BUYER = "tb_buyer01"
OTHER = "tb_someone_else"
AGENT = "测试旗舰店:小美"
AGENT2 = "测试旗舰店:小雪"

DEV_SET = Path(__file__).parent / "data" / "dev.jsonl"

# The category codes of formats.md, in its order.
CATEGORIES = [
    "invoice",
    "cod",
    "credit_card",
    "free_shipping",
    "privacy",
    "payment",
    "price",
    "close_order",
    "returns",
    "ad_words",
    "promise",
    "etiquette",
    "extortion",
]

# A plain paid Tmall order: 200 yuan goods + 15 yuan shipping.
DEFAULT_ORDER: dict[str, Any] = {
    "id": "3000000001",
    "buyer": BUYER,
    "amount": 215.0,
    "shipping_fee": 15.0,
    "payment": "alipay",
    "status": "paid",
}
DEFAULT_SHOP: dict[str, Any] = {"platform": "tmall"}

_ROLES = {"B": ("buyer", BUYER), "A": ("agent", AGENT), "S": ("system", None)}

MessageSpec = str | dict[str, Any]


def message(spec: MessageSpec) -> dict[str, Any]:
    """One message dict from the compact ``"B:…"``/``"A:…"``/``"S:…"`` form or a dict."""
    if isinstance(spec, dict):
        return dict(spec)
    prefix, sep, text = spec.partition(":")
    if not sep or prefix not in _ROLES:
        raise ValueError(f"message spec must start with B:, A: or S: — {spec!r}")
    role, account = _ROLES[prefix]
    out: dict[str, Any] = {"role": role, "text": text}
    if account is not None:
        out["account"] = account
    return out


def buyer(text: str, account: str = BUYER, time: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "buyer", "account": account, "text": text}
    if time:
        out["time"] = time
    return out


def agent(text: str, account: str = AGENT, time: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "agent", "account": account, "text": text}
    if time:
        out["time"] = time
    return out


def system(text: str, time: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "system", "text": text}
    if time:
        out["time"] = time
    return out


def make_conv(
    messages: Iterable[MessageSpec],
    shop: dict[str, Any] | None = None,
    order: dict[str, Any] | None = DEFAULT_ORDER,
    conv_id: str = "t1",
) -> Conversation:
    data: dict[str, Any] = {"id": conv_id, "messages": [message(m) for m in messages]}
    data["shop"] = dict(DEFAULT_SHOP) if shop is None else shop
    if order is not None:
        data["order"] = order
    return Conversation.from_dict(data)


def flagged_pairs(findings: Iterable[Finding]) -> set[tuple[int, str]]:
    return {(f.message, f.category) for f in findings}


def case(hit: bool, *messages: MessageSpec, id: str, xfail: str | None = None) -> Any:
    """A table row: ``messages`` (the last one is judged) and whether the category fires."""
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(list(messages), hit, id=id, marks=marks)


def MATCH(*messages: MessageSpec, id: str, xfail: str | None = None) -> Any:
    return case(True, *messages, id=id, xfail=xfail)


def NEAR(*messages: MessageSpec, id: str, xfail: str | None = None) -> Any:
    return case(False, *messages, id=id, xfail=xfail)
