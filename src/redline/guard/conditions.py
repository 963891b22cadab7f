"""Context conditions a rule can require (``when``), reward (``points_when``) or
be rescued by (``rescue``).

Conditions are data in the pack and compile to small predicates over a
:class:`MessageContext`. The vocabulary:

- ``shop: {cod: true}``, ``order: {payment: cod}`` — compare profile fields;
- ``order_amount_below: 600`` (or ``$installment_min_amount``) — true only when
  the order amount is known and below;
- ``mentions: {pattern: REGEX, in: SCOPE}`` — a regex (macros allowed) found in
  a part of the conversation. Scopes: ``message``, ``after`` (the rest of this
  message after the evidence, plus — in a batch check — the same agent's next
  message), ``before`` (earlier messages), ``upto`` (earlier and this one),
  ``prev_buyer`` (the buyer messages this reply answers), ``buyer_before``
  (every earlier buyer message), ``conversation``;
- named checks implemented in code, because data cannot say them:
  ``third_party_chatter``, ``has_order``, ``close_requested_by_buyer``, ``region_excluded``,
  ``return_window: inside|outside``;
- ``setting: {name: value}`` — a pack setting has this value;
- combinators ``not``, ``any``, ``all`` (a list means ``all``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from redline.yamlsrc import LDict, PackError

if TYPE_CHECKING:
    from redline.model import Conversation

SCOPES = ("message", "after", "before", "upto", "prev_buyer", "buyer_before", "conversation")
SIGNED_RE = re.compile(r"(已签收|签收成功|确认收货|已收货)")
DATE_IN_TEXT_RE = re.compile(r"(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(\d{1,2}):(\d{2})")


class PackScope(Protocol):
    """What conditions need from the merged packs (a :class:`~redline.guard.packs.RuleSet`).

    Declared here so that the packs import the conditions and never the reverse.
    """

    settings: dict[str, Any]
    lexicons: dict[str, tuple[str, ...]]
    lexicon_patterns: dict[str, re.Pattern[str]]

    def pattern(self, path: Path, line: int, pattern: str, what: str) -> re.Pattern[str]:
        """``pattern`` with the packs' macros expanded, compiled, checked."""
        ...


@dataclass
class MessageContext:
    """What a rule may look at when it judges message ``index``."""

    conv: Conversation
    index: int
    norm: list[str]  # normalised text of every message in the conversation
    rules: PackScope
    presend: bool = False
    match_end: int = 0
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def message_text(self) -> str:
        return self.norm[self.index]

    def scope_text(self, scope: str) -> str:
        msgs = self.conv.messages
        i = self.index
        if scope == "message":
            return self.norm[i]
        if scope == "after":
            rest = self.norm[i][self.match_end :]
            nxt = self.next_same_agent()
            return rest if nxt is None else rest + "\x00" + self.norm[nxt]
        if scope == "before":
            return "\x00".join(self.norm[:i])
        if scope == "upto":
            return "\x00".join(self.norm[: i + 1])
        if scope == "prev_buyer":
            return "\x00".join(self.norm[j] for j in self.prev_buyer_indexes())
        if scope == "buyer_before":
            return "\x00".join(self.norm[j] for j in range(i) if msgs[j].role == "buyer")
        if scope == "conversation":
            return "\x00".join(self.norm)
        raise ValueError(scope)

    def prev_buyer_indexes(self) -> list[int]:
        """The run of buyer messages this message answers (skipping system lines)."""
        msgs = self.conv.messages
        out: list[int] = []
        j = self.index - 1
        skipped_agent = 0
        while j >= 0 and msgs[j].role != "buyer":
            if msgs[j].role == "agent":
                skipped_agent += 1
                if skipped_agent > 2:
                    return []
            j -= 1
        while j >= 0 and msgs[j].role in ("buyer", "system"):
            if msgs[j].role == "buyer":
                out.append(j)
            j -= 1
        out.reverse()
        return out

    def next_same_agent(self) -> int | None:
        """In a batch check, the same agent's very next message (a rescue may sit there)."""
        if self.presend:
            return None
        msgs = self.conv.messages
        me = msgs[self.index]
        for j in range(self.index + 1, len(msgs)):
            if msgs[j].role == "agent" and (
                me.account is None or msgs[j].account in (None, me.account)
            ):
                return j
        return None

    def last_buyer_account(self) -> str | None:
        for j in range(self.index - 1, -1, -1):
            m = self.conv.messages[j]
            if m.role == "buyer" and m.account:
                return m.account
        return None


Predicate = Callable[[MessageContext], bool]


class Condition:
    def __init__(self, fn: Predicate, text: str) -> None:
        self.fn = fn
        self.text = text

    def __call__(self, ctx: MessageContext) -> bool:
        return self.fn(ctx)

    def __repr__(self) -> str:
        return f"Condition({self.text})"


def compile_condition(rs: PackScope, path: Path, line: int, spec: Any) -> Condition:
    def fail(msg: str) -> PackError:
        return PackError(path, line, f"条件有误: {msg} — {spec!r}")

    if isinstance(spec, list):
        parts = [compile_condition(rs, path, _line(spec, i, line), s) for i, s in enumerate(spec)]
        return Condition(lambda c: all(p(c) for p in parts), f"all{parts}")
    if isinstance(spec, str):
        if spec in NAMED:
            fn = NAMED[spec]
            return Condition(lambda c: fn(c, True), spec)
        if spec.startswith("shop.") and spec[5:] in SHOP_FIELDS:
            name = spec[5:]
            return Condition(lambda c: bool(getattr(c.conv.shop, name)), spec)
        raise fail(f"未知条件 {spec!r}（可用: {', '.join(sorted(NAMED))}, shop.<字段>）")
    if not isinstance(spec, dict) or len(spec) != 1:
        raise fail("每个条件必须是字符串、列表或只有一个键的映射")
    key, arg = next(iter(spec.items()))
    if key == "not":
        inner = compile_condition(rs, path, line, arg)
        return Condition(lambda c: not inner(c), f"not {inner.text}")
    if key in ("any", "all"):
        if not isinstance(arg, list) or not arg:
            raise fail(f"{key} 需要非空列表")
        parts = [compile_condition(rs, path, _line(arg, i, line), s) for i, s in enumerate(arg)]
        if key == "any":
            return Condition(lambda c: any(p(c) for p in parts), f"any{parts}")
        return Condition(lambda c: all(p(c) for p in parts), f"all{parts}")
    if key == "shop":
        if not isinstance(arg, dict):
            raise fail("shop 需要映射，例如 {cod: true}")
        for f in arg:
            if f not in SHOP_FIELDS:
                raise fail(f"未知店铺字段 {f!r}")
        expected = dict(arg)
        return Condition(
            lambda c: all(getattr(c.conv.shop, f) == v for f, v in expected.items()), key
        )
    if key == "order":
        if not isinstance(arg, dict):
            raise fail("order 需要映射，例如 {payment: cod}")
        for f in arg:
            if f not in ORDER_FIELDS:
                raise fail(f"未知订单字段 {f!r}")
        expected = dict(arg)
        return Condition(
            lambda c: (
                c.conv.order is not None
                and all(getattr(c.conv.order, f) == v for f, v in expected.items())
            ),
            key,
        )
    if key == "setting":
        if not isinstance(arg, dict) or len(arg) != 1:
            raise fail("setting 需要 {设置名: 值}")
        name, value = next(iter(arg.items()))
        if name not in rs.settings:
            raise fail(f"未知设置 {name!r}")
        # Read when the packs are merged: a shop's own pack may change the setting.
        return Condition(lambda c: c.rules.settings.get(name) == value, f"setting {name}={value!r}")
    if key == "order_amount_below":
        limit = _number(rs, arg, fail)
        return Condition(
            lambda c: (
                c.conv.order is not None
                and c.conv.order.amount is not None
                and c.conv.order.amount < limit
            ),
            f"order_amount_below {limit}",
        )
    if key == "mentions":
        if not isinstance(arg, dict) or "pattern" not in arg:
            raise fail("mentions 需要 {pattern: 正则, in: 范围}")
        extra = set(arg) - {"pattern", "in"}
        if extra:
            raise fail(f"mentions 有未知字段 {sorted(extra)}")
        scope = arg.get("in", "message")
        if scope not in SCOPES:
            raise fail(f"未知范围 {scope!r}（{', '.join(SCOPES)}）")
        rx = rs.pattern(path, line, str(arg["pattern"]), "mentions")
        return Condition(
            lambda c: rx.search(c.scope_text(scope)) is not None,
            f"mentions {rx.pattern!r} in {scope}",
        )
    if key in NAMED:
        fn = NAMED[key]
        if key in NAMED_ARGS and arg not in NAMED_ARGS[key]:
            raise fail(f"{key} 的取值应为 {NAMED_ARGS[key]}")
        return Condition(lambda c: fn(c, arg), f"{key}={arg!r}")
    raise fail(f"未知条件 {key!r}")


def _line(seq: Any, i: int, default: int) -> int:
    lines = getattr(seq, "lines", None)
    return lines[i] if lines and i < len(lines) else default


def _number(rs: PackScope, arg: Any, fail: Callable[[str], PackError]) -> float:
    if isinstance(arg, str) and arg.startswith("$"):
        name = arg[1:]
        if name not in rs.settings:
            raise fail(f"未知设置 {arg!r}")
        arg = rs.settings[name]
    if isinstance(arg, bool) or not isinstance(arg, int | float):
        raise fail("需要数字或 $设置名")
    return float(arg)


SHOP_FIELDS = ("platform", "cod", "credit_card", "free_shipping")
ORDER_FIELDS = ("payment", "status")


# --- named checks --------------------------------------------------------------------------


def third_party_chatter(ctx: MessageContext, want: Any) -> bool:
    """The person this reply is talking to is not the account that placed the order."""
    result = _is_third_party(ctx)
    return result if want else not result


def _is_third_party(ctx: MessageContext) -> bool:
    order = ctx.conv.order
    account = ctx.last_buyer_account()
    if order is not None and order.buyer and account:
        return account != order.buyer
    # Without an ordering account to compare, trust what the chatter says about themselves.
    cues = _lexicon_re(ctx, "third_party_cues")
    return cues is not None and cues.search(ctx.scope_text("buyer_before")) is not None


def has_order(ctx: MessageContext, want: Any) -> bool:
    """The conversation carries the order it is about."""
    return (ctx.conv.order is not None) == bool(want)


def close_requested_by_buyer(ctx: MessageContext, want: Any) -> bool:
    """An earlier message from the ordering account asked to close/cancel the order."""
    rx = _lexicon_re(ctx, "close_requests")
    result = False
    if rx is not None:
        order = ctx.conv.order
        for j in range(ctx.index - 1, -1, -1):
            m = ctx.conv.messages[j]
            if m.role != "buyer" or not rx.search(ctx.norm[j]):
                continue
            if order is not None and order.buyer and m.account:
                if m.account == order.buyer:
                    result = True
                    break
                continue
            if not _is_third_party(ctx):
                result = True
                break
    return result if want else not result


_RESTATED_EXCLUSION = re.compile(
    r"[（(][^（()）]{0,30}?(?:除外|以外|之外|不包邮|不含|不包括)[^（()）]{0,10}[）)]"
    r"|(?:除了?|不包括|不含)[^，,。.!！?？（()）]{0,16}?(?:除外|以外|之外)"
    r"|[^，,。.!！?？（()）\s]{2,16}?除外"
)


def region_excluded(ctx: MessageContext, want: Any) -> bool:
    """A region named in the chat is one the listing excludes from free shipping."""
    exclusions = ctx.conv.shop.free_shipping_exclusions
    result = False
    if exclusions:
        key = ("regions", ctx.index)
        regions = ctx.cache.get(key)
        if regions is None:
            # The listing's own exclusions restated ("全国包邮（新疆西藏除外）") name no
            # place the parcel goes to: they must not excuse a later surcharge.
            text = _RESTATED_EXCLUSION.sub(" ", ctx.scope_text("upto"))
            regions = regions_mentioned(ctx, text)
            ctx.cache[key] = regions
        excluded = {province_of(ctx, e) or e for e in exclusions}
        result = any(r in excluded for r in regions)
    return result if want else not result


def regions_mentioned(ctx: MessageContext, text: str) -> set[str]:
    found: set[str] = set()
    for entry in ctx.rules.lexicons.get("regions", ()):
        province, _, aliases = entry.partition(":")
        for alias in [province, *aliases.split("|")]:
            if alias and alias in text:
                found.add(province)
                break
    return found


def province_of(ctx: MessageContext, name: str) -> str | None:
    for entry in ctx.rules.lexicons.get("regions", ()):
        province, _, aliases = entry.partition(":")
        if name == province or name in aliases.split("|"):
            return province
    return None


def return_window(ctx: MessageContext, want: Any) -> bool:
    """Inside/outside the no-reason return window, from the 签收 time to this message."""
    state = _return_window_state(ctx)
    return bool(state == want)


def _return_window_state(ctx: MessageContext) -> str:
    now = ctx.conv.messages[ctx.index].time
    signed: datetime | None = None
    for j in range(ctx.index):
        m = ctx.conv.messages[j]
        if m.role == "system" and SIGNED_RE.search(ctx.norm[j]):
            d = DATE_IN_TEXT_RE.search(m.text)
            if d:
                y, mo, dd, h, mi = (int(x) for x in d.groups())
                try:
                    signed = datetime(y, mo, dd, h, mi, tzinfo=m.time.tzinfo if m.time else None)
                except ValueError:
                    signed = m.time
            else:
                signed = m.time
    if signed is None or now is None:
        return "unknown"
    if (signed.tzinfo is None) != (now.tzinfo is None):
        signed = signed.replace(tzinfo=now.tzinfo)
    days = int(ctx.rules.settings.get("no_reason_return_days", 7))
    return "inside" if now <= signed + timedelta(days=days) else "outside"


def _lexicon_re(ctx: MessageContext, name: str) -> re.Pattern[str] | None:
    return ctx.rules.lexicon_patterns.get(name)


NAMED: dict[str, Callable[[MessageContext, Any], bool]] = {
    "third_party_chatter": third_party_chatter,
    "has_order": has_order,
    "close_requested_by_buyer": close_requested_by_buyer,
    "region_excluded": region_excluded,
    "return_window": return_window,
}
NAMED_ARGS: dict[str, tuple[Any, ...]] = {
    "third_party_chatter": (True, False),
    "has_order": (True, False),
    "close_requested_by_buyer": (True, False),
    "region_excluded": (True, False),
    "return_window": ("inside", "outside", "unknown"),
}

__all__ = ["NAMED", "Condition", "LDict", "MessageContext", "compile_condition"]
