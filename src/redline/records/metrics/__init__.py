"""Shop and agent metrics, as pure functions over plain rows.

:mod:`redline.store.metrics` reads the store (aggregating in SQL where it can) and
hands this module plain rows; the CLI (``redline metrics``) and the dashboard print
or serve the :class:`MetricsReport` that :func:`build_report` returns (every result
is a dataclass with ``to_dict()`` for JSON). Numbers live in ``packs/85-metrics.yaml``
(:class:`MetricsSettings`); definitions come from seed 001 and 002, digested in
``shared/spec/rules.md`` §4.

Windows
-------
A :class:`Window` is half-open, ``start <= t < end``, in China time
(``policy_timezone``): ``Window.rolling(at, 28)`` is ``[at − 28 days, at)``;
``Window.between(first, last)`` is ``[first 00:00, last + 1 day 00:00)``, both dates
inclusive. Which timestamp puts a row in a window:

========================  =================================================
row                       timestamp
========================  =================================================
order (paid orders, GMV)  ``paid_at`` (订单付款时间); unpaid orders never count
refund for 退款率/纠纷率    ``applied_at`` (退款的申请时间)
refund for 自主完结率/时长  ``completed_at`` (退款完结时间); no time, not completed
agent reply               the message's time
response gap              the time of the buyer message that opens it
finding                   the message's time (else the chat's start)
inquiry                   the time of the buyer's first message in the chat
========================  =================================================

Shop metrics (seed 001)
-----------------------
* 退款率 = refunds applied in the window (every application counts, whatever became
  of it) / orders paid in the window. The two are different cohorts, as on the
  platform: a refund applied today may be for an order paid last month.
* 退款纠纷率 = refunds applied in the window whose 客服介入状态 says the platform
  intervened (售中 and 售后 alike; read as :func:`redline.desk.cases._intervening`: contains
  介入 and does not start with 不/无/未/没有) / orders paid in the window.
* 退款自主完结率 = refunds completed in the window without intervention / all refunds
  completed in the window. "Completed" is a refund with a 退款完结时间 (退款成功 or
  退款关闭); the report does not say whether the platform's timeout, rather than the
  shop, granted a refund, so only intervention makes a completion not the shop's own.
* 退款完结时长 = Σ (completed_at − applied_at) / refunds completed in the window, in days.
* 售后服务综合指标: see :func:`composite`. **Tmall's real index is a percentile rank
  against the category** (a shop may join Tmall marketing only when it ranks
  ≤ 90 %); that needs every shop's numbers and cannot be computed here. This module
  scores each of the three rates against the shop's own target and limit and
  combines the scores with weights (about 1:1:1 per seed 001).
* 客单价 = paid GMV (Σ 买家实际支付金额, else 总金额, of orders paid in the window) /
  distinct paying buyers (买家会员名) of those orders.

Agent KPIs (seeds 000, 002)
---------------------------
* replies: agent messages (role ``agent``) in the window, by account.
* findings per 100 replies: stored guard findings on the agent's own messages in the
  window, by category, not counting dismissed ones (false alarms), × 100 / replies.
* Response gaps: reading a chat in order, a buyer message opens a gap unless one is
  already open; further buyer messages before the reply do not (the wait counts from
  the first unanswered one); the next agent message closes it and the gap is that
  agent's (after a transfer, the agent who answered). System messages and messages without a time are skipped. A gap still open
  at the end of the chat is *unanswered* (team row only).
  - first-response time (首响): per chat, the gap opened by the buyer's first message,
    credited to the agent who closes it; target ≤ ``metrics_first_response_target_seconds``
    (10 s, seed 002: 不能让顾客等待超过10秒); reported as mean, median and the share
    within target.
  - average response time: the mean of all gaps the agent closed.
* inquiry conversion (询单转化率), attribution:
  1. every chat with a buyer message in it is a candidate, at ``t`` = the buyer's
     first message, credited to the agent who answered it (the first-response agent);
     a chat nobody answered is credited to nobody;
  2. it is an *inquiry* (pre-sale) unless the chat is linked (``order_no``) to an
     order already paid before ``t``, or the buyer (``buyer_nick``) paid any order in
     the ``metrics_after_sales_chat_days`` (15) days before ``t`` — then it is
     after-sales service. (So a returning buyer's new question inside those days is
     not counted: the rule under-counts inquiries rather than mixing in complaints.)
  3. it *converted* if an order of that buyer, or the linked order, was paid at ``t``
     or within ``metrics_conversion_hours`` (24 h) after it — even if that is after
     the window's end (a report "as of now" simply has not seen it yet).
  4. per agent: buyers with an inquiry credited to the agent in the window, and how
     many of them converted (a buyer counts once per agent, converted if any of their
     inquiries with that agent did); the team row counts each buyer once.

Daily series: :attr:`MetricsReport.daily` has one row per China day the window
touches (``partial`` when the window covers only part of it), with the same counts and
rates computed over that day alone (orders, refunds applied and completed, replies,
findings, first responses by the time of the buyer's first message).

``--agent``/``agent=``: the account (店铺名:小美) or the part after its last colon
(小美); it narrows the agent rows, the team row and the daily chat columns, never the
shop's metrics.

Money is :class:`~decimal.Decimal` yuan rounded half-up to the cent (a string in
JSON); rates are fractions (``0.0123`` = 1.23 %, also the composite's bounds in JSON)
or None when the denominator is 0; durations are seconds, except 退款完结时长 in days.

Modules: :mod:`.settings`, :mod:`.window`, :mod:`.rows`, :mod:`.shop`, :mod:`.chats`,
:mod:`.agents` and :mod:`.report`. Import from this package.
"""

from __future__ import annotations

from redline.records.metrics.agents import AgentMetrics, DayMetrics, ResponseStats, agent_matches
from redline.records.metrics.chats import (
    Gap,
    Inquiry,
    conversion,
    inquiries,
    order_lookup_needs,
    order_lookup_span,
    response_gaps,
)
from redline.records.metrics.report import MetricsReport, build_report
from redline.records.metrics.rows import (
    Chat,
    ChatEvent,
    FindingGroup,
    FindingRecord,
    OrderDay,
    OrderRecord,
    RefundGroup,
    RefundRecord,
    finding_groups,
    order_days,
    refund_groups,
)
from redline.records.metrics.settings import (
    CENT,
    COMPONENTS,
    COMPOSITE_NOTE_EN,
    COMPOSITE_NOTE_ZH,
    DAY_SECONDS,
    KEY_AFTER_SALES_DAYS,
    KEY_CONVERSION_HOURS,
    KEY_DAYS_LIMIT,
    KEY_DAYS_TARGET,
    KEY_DISPUTE_LIMIT,
    KEY_DISPUTE_TARGET,
    KEY_FIRST_RESPONSE,
    KEY_SELF_LIMIT,
    KEY_SELF_TARGET,
    KEY_TIMEZONE,
    KEY_WEIGHT_DAYS,
    KEY_WEIGHT_DISPUTE,
    KEY_WEIGHT_SELF,
    KEY_WINDOW_DAYS,
    KEYS,
    ZERO,
    Bounds,
    MetricsSettings,
)
from redline.records.metrics.shop import Component, Composite, ShopMetrics, composite, shop_metrics
from redline.records.metrics.window import Ratio, Window, money, per_buyer

__all__ = [
    "CENT",
    "COMPONENTS",
    "COMPOSITE_NOTE_EN",
    "COMPOSITE_NOTE_ZH",
    "DAY_SECONDS",
    "KEYS",
    "KEY_AFTER_SALES_DAYS",
    "KEY_CONVERSION_HOURS",
    "KEY_DAYS_LIMIT",
    "KEY_DAYS_TARGET",
    "KEY_DISPUTE_LIMIT",
    "KEY_DISPUTE_TARGET",
    "KEY_FIRST_RESPONSE",
    "KEY_SELF_LIMIT",
    "KEY_SELF_TARGET",
    "KEY_TIMEZONE",
    "KEY_WEIGHT_DAYS",
    "KEY_WEIGHT_DISPUTE",
    "KEY_WEIGHT_SELF",
    "KEY_WINDOW_DAYS",
    "ZERO",
    "AgentMetrics",
    "Bounds",
    "Chat",
    "ChatEvent",
    "Component",
    "Composite",
    "DayMetrics",
    "FindingGroup",
    "FindingRecord",
    "Gap",
    "Inquiry",
    "MetricsReport",
    "MetricsSettings",
    "OrderDay",
    "OrderRecord",
    "Ratio",
    "RefundGroup",
    "RefundRecord",
    "ResponseStats",
    "ShopMetrics",
    "Window",
    "agent_matches",
    "build_report",
    "composite",
    "conversion",
    "finding_groups",
    "inquiries",
    "money",
    "order_days",
    "order_lookup_needs",
    "order_lookup_span",
    "per_buyer",
    "refund_groups",
    "response_gaps",
    "shop_metrics",
]
