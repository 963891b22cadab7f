"""The public contract: conversations in, findings out (shared/spec/formats.md).

Parsing is strict about shape and lenient about extras: unknown fields are kept in
``extra`` and ignored, a wrong type or a missing ``messages`` raises
:class:`ConversationError` with a message a supervisor can act on.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

ROLES = ("buyer", "agent", "system")
PLATFORMS = ("tmall", "taobao")
SEVERITIES = ("violation", "warning", "alert")


class ConversationError(ValueError):
    """A conversation that does not follow formats.md."""


@dataclass(frozen=True, slots=True)
class Shop:
    platform: str = "tmall"
    cod: bool = False
    credit_card: bool = True
    free_shipping: bool = False
    free_shipping_exclusions: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> Shop:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ConversationError("“shop” 必须是对象 (shop must be an object)")
        platform = data.get("platform", "tmall")
        if platform not in PLATFORMS:
            raise ConversationError(f"未知平台 platform={platform!r}，应为 tmall 或 taobao")
        exclusions = data.get("free_shipping_exclusions", []) or []
        if not isinstance(exclusions, list) or not all(isinstance(x, str) for x in exclusions):
            raise ConversationError("“free_shipping_exclusions” 必须是字符串列表")
        return cls(
            platform=platform,
            cod=_bool(data, "cod", False),
            credit_card=_bool(data, "credit_card", platform == "tmall"),
            free_shipping=_bool(data, "free_shipping", False),
            free_shipping_exclusions=tuple(exclusions),
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["free_shipping_exclusions"] = list(self.free_shipping_exclusions)
        return d


@dataclass(frozen=True, slots=True)
class Order:
    id: str | None = None
    buyer: str | None = None
    amount: float | None = None
    shipping_fee: float | None = None
    payment: str = "alipay"
    status: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Order | None:
        if data is None or data == {}:
            return None
        if not isinstance(data, dict):
            raise ConversationError("“order” 必须是对象 (order must be an object)")
        payment = data.get("payment") or "alipay"
        if payment not in ("alipay", "cod"):
            raise ConversationError(f"未知付款方式 payment={payment!r}，应为 alipay 或 cod")
        return cls(
            id=_opt_str(data, "id"),
            buyer=_opt_str(data, "buyer"),
            amount=_opt_num(data, "amount"),
            shipping_fee=_opt_num(data, "shipping_fee"),
            payment=payment,
            status=_opt_str(data, "status"),
        )


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    text: str
    account: str | None = None
    time: datetime | None = None

    @classmethod
    def from_dict(cls, data: Any, index: int) -> Message:
        where = f"messages[{index}]"
        if not isinstance(data, dict):
            raise ConversationError(f"{where} 必须是对象")
        role = data.get("role")
        if role not in ROLES:
            raise ConversationError(f"{where}: 未知角色 role={role!r}，应为 buyer、agent 或 system")
        text = data.get("text", "")
        if not isinstance(text, str):
            raise ConversationError(f"{where}: “text” 必须是字符串")
        account = data.get("account")
        if account is not None and not isinstance(account, str):
            account = str(account)
        raw_time = data.get("time")
        when: datetime | None = None
        if raw_time not in (None, ""):
            if not isinstance(raw_time, str):
                raise ConversationError(f"{where}: “time” 必须是 ISO 8601 字符串")
            try:
                when = datetime.fromisoformat(raw_time)
            except ValueError as exc:
                raise ConversationError(f"{where}: 时间格式无法识别 time={raw_time!r}") from exc
        return cls(role=role, text=text, account=account, time=when)


@dataclass(slots=True)
class Conversation:
    messages: list[Message]
    id: str = ""
    shop: Shop = field(default_factory=Shop)
    order: Order | None = None
    has_shop: bool = False
    expect: list[dict[str, Any]] | None = None

    @classmethod
    def from_dict(
        cls, data: Any, default_id: str = "", default_shop: Shop | None = None
    ) -> Conversation:
        if not isinstance(data, dict):
            raise ConversationError("每行必须是一个 JSON 对象 (each line must be a JSON object)")
        if "messages" not in data:
            raise ConversationError("缺少必填字段 “messages” (missing required field messages)")
        raw = data["messages"]
        if not isinstance(raw, list):
            raise ConversationError("“messages” 必须是列表")
        messages = [Message.from_dict(m, i) for i, m in enumerate(raw)]
        has_shop = data.get("shop") is not None
        shop = Shop.from_dict(data.get("shop")) if has_shop else (default_shop or Shop())
        conv_id = data.get("id", default_id)
        expect = data.get("expect")
        return cls(
            messages=messages,
            id=str(conv_id),
            shop=shop,
            order=Order.from_dict(data.get("order")),
            has_shop=has_shop,
            expect=expect if isinstance(expect, list) else None,
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One red line crossed (or one risk raised) in one message. Shape: formats.md."""

    conversation: str
    message: int
    category: str
    rule: str
    severity: str
    points: int
    start: int
    end: int
    evidence: str
    explanation: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _bool(data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ConversationError(f"“{key}” 必须是 true 或 false")
    return value


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    return str(value)


def _opt_num(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConversationError(f"“{key}” 必须是数字")
    try:
        number = float(value)
    except ValueError as exc:
        raise ConversationError(f"“{key}” 必须是数字，得到 {value!r}") from exc
    if not math.isfinite(number):
        raise ConversationError(f"“{key}” 必须是有限的数字，得到 {value!r} (must be finite)")
    return number
