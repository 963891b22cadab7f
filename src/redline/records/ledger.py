"""Tmall penalty ledger (扣分台账) and its sanction nodes, as pure functions.

Every number comes from the rule packs' ``settings`` (``packs/80-ledger.yaml``, plus
``policy_timezone`` from ``60-policy.yaml``); sources are seed 000 (nodes) and 001
(描述不符 escalation), digested in ``shared/spec/rules.md`` §2.

Tracks
------
A deduction (:class:`Deduction`) has a ``type``: ``general`` (一般违规), ``commitment``
(违背承诺), ``misinformation`` (滥发信息) or ``severe`` (严重违规). Points are summed on
three *tracks*, each with its own sanction nodes:

* ``general`` — general + commitment + misinformation points; every
  ``ledger_general_step`` (12) points → barred from Tmall marketing 7 days and 10,000
  yuan liquidated damages (违约金). The nodes repeat: 12, 24, 36, …
* ``commitment`` — commitment + misinformation points (违背承诺和/或滥发信息); 24 → shop
  supervision (店铺监管) 7 days, 48 → 28 days (``ledger_commitment_nodes``).
* ``severe`` — severe points; 12 / 24 / 36 / 48 (``ledger_severe_nodes``).

Cycle
-----
Only deductions with ``cycle_start(at) <= d.at <= at`` count at ``at``. The seeds are
silent on expiry; ``ledger_cycle`` is ``calendar_year`` (reset on 1 Jan 00:00 China
time, the default) or ``rolling365`` (a deduction counts for 365 days, inclusive).
A sanction reached in one cycle keeps running into the next (its days are not cut at
the reset); :attr:`Standing.active` lists it, :attr:`Standing.sanctions` does not.

The heaviest-node rule (000), as implemented
--------------------------------------------
"One large deduction that crosses several nodes, or a node reached while a same-type
sanction runs: only the heaviest node is executed." Within a track a node with more
points is the heavier one. This module reads it as:

1. *Several nodes crossed by one deduction* (e.g. severe 10 → 26 crosses 12 and 24):
   only the highest node crossed (24) is executed — one set of measures, one fine. The
   others are recorded in :attr:`Sanction.skipped_nodes`.
2. *A node reached while a sanction of the same track is still running*: the new node
   replaces the running one from the moment it is reached. The running sanction ends
   then (:attr:`Sanction.superseded_at`, :attr:`Sanction.ends_at`); the new node runs
   its full days from its own reach time (days do not add up: 7 + 7 is not 14), and its
   fine is due (the fine of the replaced node was already executed and stays). Since a
   later node of a track always has at least as many points, the new node is never the
   lighter one. Different tracks never replace each other: a 违背承诺 deduction can
   start a general ban and a supervision at the same time.
3. After 清退 (clearout) the shop is gone: no further node is executed on any track.

A sanction runs over ``[reached_at, ends_at)`` where ``ends_at`` is the end of its
longest measure; 清退 has no end (``ends_at is None``).

Conventions (as :mod:`redline.desk.policy`): naive datetimes are China time, every datetime
returned is aware in that zone; money is :class:`~decimal.Decimal` whole yuan.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, NamedTuple, NoReturn, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from redline.desk.policy import china_iso

DeductionType = Literal["general", "commitment", "misinformation", "severe"]
Track = Literal["general", "commitment", "severe"]
Cycle = Literal["calendar_year", "rolling365"]
SevereKind = Literal["shield", "delist", "close", "clearout"]
MismatchKind = Literal["material", "defect_affecting_use", "defect_not_affecting_use", "slight"]

DEDUCTION_TYPES: tuple[str, ...] = get_args(DeductionType)
TRACKS: tuple[Track, ...] = ("general", "commitment", "severe")
CYCLES: tuple[str, ...] = get_args(Cycle)
SEVERE_KINDS: tuple[str, ...] = get_args(SevereKind)
MISMATCH_KINDS: tuple[str, ...] = get_args(MismatchKind)

# Which tracks a deduction type counts on.
TYPE_TRACKS: dict[str, tuple[Track, ...]] = {
    "general": ("general",),
    "commitment": ("general", "commitment"),
    "misinformation": ("general", "commitment"),
    "severe": ("severe",),
}

TYPE_NAMES: dict[str, tuple[str, str]] = {
    "general": ("一般违规", "general violation"),
    "commitment": ("违背承诺", "breach of commitment"),
    "misinformation": ("滥发信息", "misleading information"),
    "severe": ("严重违规", "severe violation"),
}
TRACK_NAMES: dict[str, tuple[str, str]] = {
    "general": ("一般违规", "general violations"),
    "commitment": ("违背承诺/滥发信息", "breach of commitment / misleading information"),
    "severe": ("严重违规", "severe violations"),
}

# Settings keys (packs/80-ledger.yaml; the time zone is shared with 60-policy.yaml).
KEY_CYCLE = "ledger_cycle"
KEY_GENERAL_STEP = "ledger_general_step"
KEY_GENERAL_BAN_DAYS = "ledger_general_ban_days"
KEY_GENERAL_FINE = "ledger_general_fine_yuan"
KEY_COMMITMENT_NODES = "ledger_commitment_nodes"
KEY_SEVERE_NODES = "ledger_severe_nodes"
KEY_TIMEZONE = "policy_timezone"
KEYS: tuple[str, ...] = (
    KEY_CYCLE,
    KEY_GENERAL_STEP,
    KEY_GENERAL_BAN_DAYS,
    KEY_GENERAL_FINE,
    KEY_COMMITMENT_NODES,
    KEY_SEVERE_NODES,
    KEY_TIMEZONE,
)

_RESTRICT_ZH = "限制发布商品、创建店铺、发送站内信及社区功能，并公示警告"
_RESTRICT_EN = "listing, shop creation, messaging and community restricted, with a public warning"
# Severe node kind → (Chinese, English) lead measure, before the day counts (000).
SEVERE_MEASURES: dict[str, tuple[str, str]] = {
    "shield": (f"店铺屏蔽，{_RESTRICT_ZH}", f"shop shielded; {_RESTRICT_EN}"),
    "delist": (
        f"店铺屏蔽，下架店铺内所有商品，{_RESTRICT_ZH}",
        f"shop shielded and all items delisted; {_RESTRICT_EN}",
    ),
    "close": (f"关闭店铺，{_RESTRICT_ZH}", f"shop closed; {_RESTRICT_EN}"),
    "clearout": (
        "清退：查封账户，扣除全部保证金",
        "cleared out (清退): account sealed, deposit forfeited",
    ),
}


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deduction:
    """One established deduction: ``points`` of ``type`` at ``at`` (aware datetime)."""

    at: datetime
    points: int
    type: DeductionType
    note: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise ValueError(
                f"扣分时间必须是带时区的 datetime，得到 {self.at!r}"
                f" (Deduction.at must be an aware datetime)"
            )
        if isinstance(self.points, bool) or not isinstance(self.points, int) or self.points < 0:
            raise ValueError(
                f"扣分分值必须是非负整数，得到 {self.points!r}"
                f" (Deduction.points must be a non-negative integer)"
            )
        if self.type not in DEDUCTION_TYPES:
            raise ValueError(
                f"未知扣分类型 {self.type!r}（可选 {'/'.join(DEDUCTION_TYPES)}）"
                f" (unknown deduction type {self.type!r})"
            )


@dataclass(frozen=True)
class Node:
    """One sanction node of a track: what reaching ``points`` brings."""

    track: Track
    points: int
    measures_zh: str
    measures_en: str
    restriction_days: int = 0  # severe: shielding / restrictions / public warning
    supervision_days: int = 0  # commitment: 店铺监管
    marketing_ban_days: int = 0  # general and severe: barred from Tmall marketing
    fine_yuan: Decimal = Decimal(0)
    clearout: bool = False

    @property
    def days(self) -> int:
        """The longest of the node's measures, in days (0 for 清退, which never ends)."""
        return max(self.restriction_days, self.supervision_days, self.marketing_ban_days)


@dataclass(frozen=True)
class Sanction:
    """A node executed on the ledger (see the module doc for the heaviest-node rule)."""

    type: Track
    node: int
    reached_at: datetime
    cumulative: int  # track points (in the deduction's cycle) after the deduction
    measures_zh: str
    measures_en: str
    restriction_days: int
    supervision_days: int
    marketing_ban_days: int
    fine_yuan: Decimal
    clearout: bool
    ends_at: datetime | None  # None: 清退, never ends
    active: bool  # running at the ``at`` it was computed for
    deduction: Deduction
    skipped_nodes: tuple[int, ...] = ()  # crossed by the same deduction, not executed
    superseded_at: datetime | None = None  # replaced by a heavier same-track node


@dataclass(frozen=True)
class NextNode:
    """The next node of a track: how many points are left and what it would bring."""

    type: Track
    points_now: int
    node: int
    points_left: int
    measures_zh: str
    measures_en: str
    fine_yuan: Decimal


@dataclass(frozen=True)
class Standing:
    """The ledger at ``at``: this cycle's points, sanctions and next nodes."""

    at: datetime
    cycle_start: datetime
    by_type: Mapping[str, int]  # raw points per deduction type in this cycle
    general_points: int  # general + commitment + misinformation
    commitment_points: int  # commitment + misinformation
    severe_points: int
    sanctions: tuple[Sanction, ...]  # reached in this cycle, in time order
    active: tuple[Sanction, ...]  # running at ``at`` (from any cycle)
    next_nodes: tuple[NextNode, ...]  # per track; absent when no node is left
    cleared_out: bool

    def points(self, track: Track) -> int:
        """The points of ``track`` in this cycle."""
        return {
            "general": self.general_points,
            "commitment": self.commitment_points,
            "severe": self.severe_points,
        }[track]


@dataclass(frozen=True)
class WhatIf:
    """What confirming ``deduction`` would do: the sanctions it triggers and a sentence."""

    deduction: Deduction
    before: Standing
    after: Standing
    triggered: tuple[Sanction, ...]
    sentence_zh: str
    sentence_en: str


class Penalty(NamedTuple):
    """A deduction's type and points, as :func:`description_mismatch_points` returns."""

    type: DeductionType
    points: int


# --- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRules:
    """The ledger's numbers, checked on construction (build with :meth:`from_settings`)."""

    cycle: Cycle
    general_step: int
    general_ban_days: int
    general_fine_yuan: int
    commitment_nodes: tuple[Node, ...]
    severe_nodes: tuple[Node, ...]
    timezone: str
    source: str = field(default="settings", compare=False)
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.cycle not in CYCLES:
            _bad(
                KEY_CYCLE, self.cycle, f"应为 {'/'.join(CYCLES)} (must be one of them)", self.source
            )
        for key, value, low in (
            (KEY_GENERAL_STEP, self.general_step, 1),
            (KEY_GENERAL_BAN_DAYS, self.general_ban_days, 1),
            (KEY_GENERAL_FINE, self.general_fine_yuan, 0),
        ):
            _check_int(key, value, low, self.source)
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            _bad(KEY_TIMEZONE, self.timezone, "未知时区 (unknown time zone)", self.source)
        object.__setattr__(self, "tz", tz)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], source: str = "settings") -> LedgerRules:
        """Build from ``RuleSet.settings``; a missing or invalid key raises ``ValueError``."""
        for key in KEYS:
            if key not in settings:
                raise ValueError(
                    f"缺少扣分设置 {key!r}（来源: {source}），请在规则包 settings 中定义"
                    f" (missing ledger setting {key!r} in {source}; define it under settings:)"
                )
        return cls(
            cycle=settings[KEY_CYCLE],
            general_step=settings[KEY_GENERAL_STEP],
            general_ban_days=settings[KEY_GENERAL_BAN_DAYS],
            general_fine_yuan=settings[KEY_GENERAL_FINE],
            commitment_nodes=parse_commitment_nodes(settings[KEY_COMMITMENT_NODES], source),
            severe_nodes=parse_severe_nodes(settings[KEY_SEVERE_NODES], source),
            timezone=settings[KEY_TIMEZONE],
            source=source,
        )

    @classmethod
    def default(cls) -> LedgerRules:
        """The ledger rules of the bundled packs (loaded once, then cached)."""
        return _default_rules()

    # --- time ----------------------------------------------------------------------------

    def to_china(self, dt: datetime) -> datetime:
        """``dt`` in the platform's time zone; a naive ``dt`` is taken to be China time."""
        if not isinstance(dt, datetime):
            raise TypeError(f"需要 datetime，得到 {type(dt).__name__} (expected a datetime)")
        if dt.utcoffset() is None:
            return dt.replace(tzinfo=self.tz)
        return dt.astimezone(self.tz)

    def cycle_start(self, at: datetime) -> datetime:
        """First instant whose deductions still count at ``at`` (inclusive).

        ``calendar_year``: 1 Jan 00:00 China time of ``at``'s year; ``rolling365``:
        ``at`` − 365 days.
        """
        local = self.to_china(at)
        if self.cycle == "rolling365":
            return local - timedelta(days=365)
        return datetime(local.year, 1, 1, tzinfo=self.tz)

    # --- nodes ---------------------------------------------------------------------------

    def general_node(self, points: int) -> Node:
        """The general node at ``points`` (a multiple of the step): ban + fine."""
        fine = Decimal(self.general_fine_yuan)
        return Node(
            track="general",
            points=points,
            measures_zh=f"限制参加天猫营销活动 {self.general_ban_days} 天，并支付违约金 {fine:,} 元",
            measures_en=(
                f"barred from Tmall marketing activities for {self.general_ban_days} days"
                f" and {fine:,} yuan liquidated damages"
            ),
            marketing_ban_days=self.general_ban_days,
            fine_yuan=fine,
        )

    def crossed(self, track: Track, before: int, after: int) -> list[Node]:
        """Nodes of ``track`` with ``before < node <= after``, lightest first."""
        if after <= before:
            return []
        if track == "general":
            step = self.general_step
            first = (before // step + 1) * step
            return [self.general_node(p) for p in range(first, after + 1, step)]
        nodes = self.commitment_nodes if track == "commitment" else self.severe_nodes
        return [n for n in nodes if before < n.points <= after]

    def next_node(self, track: Track, points: int) -> Node | None:
        """The first node of ``track`` above ``points``; ``None`` when none is left."""
        if track == "general":
            return self.general_node((points // self.general_step + 1) * self.general_step)
        nodes = self.commitment_nodes if track == "commitment" else self.severe_nodes
        return next((n for n in nodes if n.points > points), None)

    # --- ledger --------------------------------------------------------------------------

    def sanctions(self, deductions: Iterable[Deduction], at: datetime) -> list[Sanction]:
        """Every node executed by the deductions made up to ``at``, in time order.

        Deductions are replayed in time order (ties keep input order); each one's
        track points count in its own cycle (``cycle_start(d.at) <= e.at``).
        """
        now = self.to_china(at)
        ordered = self._ordered(deductions, now)
        out: list[_Open] = []
        running: dict[Track, _Open] = {}
        cleared = False
        for i, d in enumerate(ordered):
            if cleared:
                break
            start = self.cycle_start(d.at)
            earlier = [e for e in ordered[:i] if e.at >= start]
            for track in TYPE_TRACKS[d.type]:
                before = sum(e.points for e in earlier if track in TYPE_TRACKS[e.type])
                nodes = self.crossed(track, before, before + d.points)
                if not nodes:
                    continue
                node = nodes[-1]  # only the heaviest node crossed is executed
                reached = self.to_china(d.at)
                old = running.get(track)
                if old is not None and (old.ends_at is None or reached < old.ends_at):
                    old.superseded_at = reached
                    old.ends_at = reached
                opened = _Open(
                    node,
                    reached,
                    None if node.clearout else reached + timedelta(days=node.days),
                    before + d.points,
                    d,
                    tuple(n.points for n in nodes[:-1]),
                )
                running[track] = opened
                out.append(opened)
                cleared = cleared or node.clearout
        return [o.freeze(now) for o in out]

    def standing(self, deductions: Iterable[Deduction], at: datetime) -> Standing:
        """The ledger at ``at``: see :class:`Standing` and the module doc."""
        now = self.to_china(at)
        items = list(deductions)
        start = self.cycle_start(now)
        counted = [d for d in items if start <= d.at <= now]
        by_type = {t: sum(d.points for d in counted if d.type == t) for t in DEDUCTION_TYPES}
        points: dict[Track, int] = {
            track: sum(d.points for d in counted if track in TYPE_TRACKS[d.type])
            for track in TRACKS
        }
        all_sanctions = self.sanctions(items, now)
        cleared = any(s.clearout for s in all_sanctions)
        next_nodes: list[NextNode] = []
        if not cleared:
            for track in TRACKS:
                node = self.next_node(track, points[track])
                if node is not None:
                    next_nodes.append(
                        NextNode(
                            track,
                            points[track],
                            node.points,
                            node.points - points[track],
                            node.measures_zh,
                            node.measures_en,
                            node.fine_yuan,
                        )
                    )
        return Standing(
            at=now,
            cycle_start=start,
            by_type=by_type,
            general_points=points["general"],
            commitment_points=points["commitment"],
            severe_points=points["severe"],
            sanctions=tuple(s for s in all_sanctions if s.reached_at >= start),
            active=tuple(s for s in all_sanctions if s.active),
            next_nodes=tuple(next_nodes),
            cleared_out=cleared,
        )

    def what_if(
        self, deductions: Iterable[Deduction], new: Deduction, at: datetime | None = None
    ) -> WhatIf:
        """What confirming ``new`` would trigger, with a Chinese-first sentence.

        ``at`` (default ``new.at``) is when the ledger is read; ``new.at`` must not be
        later. Only deductions up to ``at`` count.
        """
        now = self.to_china(new.at if at is None else at)
        if new.at > now:
            raise ValueError(f"新扣分时间 {new.at} 晚于查看时间 {now} (new.at is later than at)")
        items = list(deductions)
        before = self.standing(items, now)
        after_items = [*items, new]
        after = self.standing(after_items, now)
        triggered = tuple(s for s in self.sanctions(after_items, now) if s.deduction is new)
        zh, en = self._sentence(new, after, triggered)
        return WhatIf(new, before, after, triggered, zh, en)

    # --- helpers -------------------------------------------------------------------------

    def _ordered(self, deductions: Iterable[Deduction], now: datetime) -> list[Deduction]:
        items = [d for d in deductions if d.at <= now]
        for d in items:
            if not isinstance(d, Deduction):
                raise TypeError(f"需要 Deduction，得到 {type(d).__name__} (expected a Deduction)")
        return sorted(items, key=lambda d: d.at)  # stable: ties keep input order

    def _sentence(
        self, new: Deduction, after: Standing, triggered: Sequence[Sanction]
    ) -> tuple[str, str]:
        name_zh, name_en = TYPE_NAMES[new.type]
        head_zh = f"若确认此项（{name_zh} {new.points} 分），"
        head_en = f"If this is confirmed ({name_en}, {new.points} points), "
        if not triggered:
            parts_zh, parts_en = [], []
            for track in TYPE_TRACKS[new.type]:
                tz, te = TRACK_NAMES[track]
                pts = after.points(track)
                nxt = next((n for n in after.next_nodes if n.type == track), None)
                if nxt is None:
                    parts_zh.append(f"店铺本周期将累计{tz} {pts} 分")
                    parts_en.append(f"the shop will have {pts} points of {te} this cycle")
                else:
                    parts_zh.append(
                        f"店铺本周期将累计{tz} {pts} 分，距 {nxt.node} 分节点还差 {nxt.points_left} 分"
                    )
                    parts_en.append(
                        f"the shop will have {pts} points of {te} this cycle,"
                        f" {nxt.points_left} short of the {nxt.node}-point node"
                    )
            return (
                head_zh + "；".join(parts_zh) + "，暂不触发处罚。",
                head_en + "; ".join(parts_en) + "; no sanction yet.",
            )
        parts_zh, parts_en = [], []
        for s in triggered:
            tz, te = TRACK_NAMES[s.type]
            zh = f"店铺将累计{tz} {s.cumulative} 分：{s.measures_zh}"
            en = f"the shop will reach {s.cumulative} points of {te}: {s.measures_en}"
            if s.skipped_nodes:
                nodes = "、".join(str(n) for n in (*s.skipped_nodes, s.node))
                zh += f"（一次扣分跨越 {nodes} 分节点，仅执行最重的 {s.node} 分节点）"
                en += (
                    f" (one deduction crosses several nodes; only the {s.node}-point node applies)"
                )
            parts_zh.append(zh)
            parts_en.append(en)
        return head_zh + "；".join(parts_zh), head_en + "; ".join(parts_en)


@dataclass
class _Open:
    """A sanction while the replay may still supersede it."""

    node: Node
    reached_at: datetime
    ends_at: datetime | None
    cumulative: int
    deduction: Deduction
    skipped: tuple[int, ...]
    superseded_at: datetime | None = None

    def freeze(self, now: datetime) -> Sanction:
        n = self.node
        active = self.reached_at <= now and (self.ends_at is None or now < self.ends_at)
        return Sanction(
            type=n.track,
            node=n.points,
            reached_at=self.reached_at,
            cumulative=self.cumulative,
            measures_zh=n.measures_zh,
            measures_en=n.measures_en,
            restriction_days=n.restriction_days,
            supervision_days=n.supervision_days,
            marketing_ban_days=n.marketing_ban_days,
            fine_yuan=n.fine_yuan,
            clearout=n.clearout,
            ends_at=self.ends_at,
            active=active,
            deduction=self.deduction,
            skipped_nodes=self.skipped,
            superseded_at=self.superseded_at,
        )


# --- parsing the node settings -------------------------------------------------------------


def _bad(key: str, value: Any, why: str, source: str) -> NoReturn:
    raise ValueError(
        f"扣分设置 {key!r} 无效: {value!r} {why}（来源: {source}）"
        f" (invalid ledger setting {key!r} from {source})"
    )


def _check_int(key: str, value: Any, low: int, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _bad(key, value, "应为整数 (must be an integer)", source)
    if value < low:
        _bad(key, value, f"应 ≥ {low} (must be ≥ {low})", source)
    return value


def _int_field(key: str, text: str, item: str, what: str, low: int, source: str) -> int:
    t = text.strip()
    if not t.isascii() or not t.isdigit():
        _bad(key, item, f"{what} 应为整数 {t!r} ({what} must be an integer)", source)
    value = int(t)
    if value < low:
        _bad(key, item, f"{what} 应 ≥ {low} ({what} must be ≥ {low})", source)
    return value


def _items(key: str, value: Any, source: str) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        _bad(key, value, '应为非空字符串，如 "24:7, 48:28" (must be a non-empty string)', source)
    return [item.strip() for item in value.split(",")]


def _check_increasing(key: str, value: str, nodes: Sequence[Node], source: str) -> None:
    for a, b in itertools.pairwise(nodes):
        if b.points <= a.points:
            _bad(key, value, "节点分值必须递增 (node points must increase)", source)


def parse_commitment_nodes(value: Any, source: str = "settings") -> tuple[Node, ...]:
    """``"24:7, 48:28"`` (points:supervision_days, …) → the 违背承诺/滥发信息 nodes."""
    key = KEY_COMMITMENT_NODES
    nodes: list[Node] = []
    for item in _items(key, value, source):
        parts = item.split(":")
        if len(parts) != 2:
            _bad(key, item, "每项应为 分值:监管天数 (each item must be points:days)", source)
        points = _int_field(key, parts[0], item, "分值 points", 1, source)
        days = _int_field(key, parts[1], item, "监管天数 days", 1, source)
        nodes.append(
            Node(
                track="commitment",
                points=points,
                measures_zh=f"店铺监管 {days} 天",
                measures_en=f"shop under supervision (店铺监管) for {days} days",
                supervision_days=days,
            )
        )
    _check_increasing(key, value, nodes, source)
    return tuple(nodes)


def parse_severe_nodes(value: Any, source: str = "settings") -> tuple[Node, ...]:
    """``"12:shield:7:30:20000, …, 48:clearout"`` → the 严重违规 nodes.

    Each item is ``points:kind:restriction_days:marketing_ban_days:fine_yuan`` with
    kind ``shield``/``delist``/``close``, or ``points:clearout`` (清退, last only).
    """
    key = KEY_SEVERE_NODES
    nodes: list[Node] = []
    for item in _items(key, value, source):
        parts = [p.strip() for p in item.split(":")]
        if len(parts) < 2 or parts[1] not in SEVERE_KINDS:
            _bad(
                key,
                item,
                f"每项应为 分值:类型:…，类型可选 {'/'.join(SEVERE_KINDS)}"
                " (each item must be points:kind:…)",
                source,
            )
        points = _int_field(key, parts[0], item, "分值 points", 1, source)
        kind = parts[1]
        lead_zh, lead_en = SEVERE_MEASURES[kind]
        if kind == "clearout":
            if len(parts) != 2:
                _bad(key, item, "清退节点应写成 分值:clearout (write points:clearout)", source)
            nodes.append(Node("severe", points, lead_zh, lead_en, clearout=True))
            continue
        if len(parts) != 5:
            _bad(
                key,
                item,
                "每项应为 分值:类型:限制天数:营销限制天数:违约金元"
                " (each item must be points:kind:restriction_days:marketing_days:fine_yuan)",
                source,
            )
        days = _int_field(key, parts[2], item, "限制天数 restriction_days", 1, source)
        market = _int_field(key, parts[3], item, "营销限制天数 marketing_days", 0, source)
        fine = Decimal(_int_field(key, parts[4], item, "违约金 fine_yuan", 0, source))
        nodes.append(
            Node(
                track="severe",
                points=points,
                measures_zh=(
                    f"{lead_zh} {days} 天；限制参加天猫营销活动 {market} 天，并支付违约金 {fine:,} 元"
                ),
                measures_en=(
                    f"{lead_en} for {days} days; barred from Tmall marketing activities for"
                    f" {market} days and {fine:,} yuan liquidated damages"
                ),
                restriction_days=days,
                marketing_ban_days=market,
                fine_yuan=fine,
            )
        )
    if any(n.clearout for n in nodes[:-1]):
        _bad(key, value, "清退 (clearout) 只能是最后一个节点 (must be the last node)", source)
    _check_increasing(key, value, nodes, source)
    return tuple(nodes)


# --- 描述不符 escalation (001) ---------------------------------------------------------------


def description_mismatch_points(kind: MismatchKind, previous_count: int) -> Penalty:
    """Type and points of the next 描述不符 deduction (001).

    ``previous_count`` is how many deductions of the same ``kind`` the shop already has.

    * ``material`` — material/composition seriously wrong or unusable (item deleted):
      first 6 then 12 each (general); from the 4th, 12 severe each.
    * ``defect_affecting_use`` — undisclosed defect affecting use (item delisted): 6 each
      (general); from the 5th, 6 severe each.
    * ``defect_not_affecting_use`` — 3 each (general).
    * ``slight`` — very slight, found in a spot check (info deleted): 0.
    """
    if isinstance(previous_count, bool) or not isinstance(previous_count, int):
        raise TypeError(
            f"previous_count 应为整数，得到 {previous_count!r} (previous_count must be an int)"
        )
    if previous_count < 0:
        raise ValueError(
            f"previous_count 不能为负数: {previous_count} (previous_count must not be negative)"
        )
    if kind == "material":
        if previous_count >= 3:
            return Penalty("severe", 12)
        return Penalty("general", 6 if previous_count == 0 else 12)
    if kind == "defect_affecting_use":
        return Penalty("severe" if previous_count >= 4 else "general", 6)
    if kind == "defect_not_affecting_use":
        return Penalty("general", 3)
    if kind == "slight":
        return Penalty("general", 0)
    raise ValueError(
        f"未知的描述不符类型 {kind!r}（可选 {'/'.join(MISMATCH_KINDS)}）"
        f" (unknown description-mismatch kind {kind!r})"
    )


# --- defaults and module-level shortcuts ----------------------------------------------------


@functools.cache
def _default_rules() -> LedgerRules:
    from redline.guard.packs import load_rules

    return LedgerRules.from_settings(load_rules().settings, source="内置规则包 (bundled packs)")


def cycle_start(at: datetime) -> datetime:
    """See :meth:`LedgerRules.cycle_start` (bundled packs)."""
    return LedgerRules.default().cycle_start(at)


def standing(deductions: Iterable[Deduction], at: datetime) -> Standing:
    """See :meth:`LedgerRules.standing` (bundled packs)."""
    return LedgerRules.default().standing(deductions, at)


def what_if(deductions: Iterable[Deduction], new: Deduction, at: datetime | None = None) -> WhatIf:
    """See :meth:`LedgerRules.what_if` (bundled packs)."""
    return LedgerRules.default().what_if(deductions, new, at)


def sanction_json(x: Sanction) -> dict[str, Any]:
    return {
        "type": x.type,
        "node": x.node,
        "reached_at": china_iso(x.reached_at),
        "ends_at": china_iso(x.ends_at),
        "active": x.active,
        "measures": x.measures_zh,
        "measures_en": x.measures_en,
        "fine_yuan": str(x.fine_yuan),
        "skipped_nodes": list(x.skipped_nodes),
    }


def standing_json(st: Standing) -> dict[str, Any]:
    return {
        "at": china_iso(st.at),
        "cycle_start": china_iso(st.cycle_start),
        "points": {
            "general": st.general_points,
            "commitment": st.commitment_points,
            "severe": st.severe_points,
            "by_type": dict(st.by_type),
        },
        "sanctions": [sanction_json(x) for x in st.sanctions],
        "active": [sanction_json(x) for x in st.active],
        "next": [
            {
                "type": n.type,
                "points_now": n.points_now,
                "node": n.node,
                "points_left": n.points_left,
                "measures": n.measures_zh,
                "measures_en": n.measures_en,
                "fine_yuan": str(n.fine_yuan),
            }
            for n in st.next_nodes
        ],
        "cleared_out": st.cleared_out,
    }
