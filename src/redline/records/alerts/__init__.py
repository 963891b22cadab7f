"""Risk alerts (风险告警) as pure functions over plain records, and how they are worded.

Four detectors, each a function of plain records and the moment ``at`` (no database,
no network; :mod:`redline.store.alerts` gathers the records from the store):

* :func:`suspicious_orders` — 可疑订单 (seed 000, 规蜜): a paid, unshipped order whose
  address is incomplete or implausible (no province / city / district / street
  number, too short, placeholder text such as 不详 or 测试), whose phone is invalid,
  or whose seller memo / 异常信息 says the buyer cannot be reached. The platform's
  warning must be handled within 15 days (``Policy.suspicious_order_until`` from the
  payment); one filing per order, final; a filed order need not ship, and shipping
  it voids the filing. An order already handled (:class:`FilingFacts`) raises nothing.
* :func:`deposit_drain` — 套保证金 (seed 004 §八): the shop's "online" evidence is
  agent chat messages; a gap of at least ``alerts_offline_days`` with at least
  ``alerts_drain_min_orders`` non-COD orders of at least ``alerts_drain_min_paid_yuan``
  paid inside it (bots order once a shop is offline ~3 days), made critical by
  refunds on them with 缺货 / 未按约定时间发货 reasons. Exposure is 30 % of each paid
  price capped at 500 (``Policy.compensation``), none for validly filed orders.
* :func:`extortion_alerts` — the guard's ``extortion`` findings on imported chats
  (seed 001: "给200元保护费就删差评" → never pay; complain through 规蜜 不合理评价).
* :func:`ship_by_alerts` — orders about to miss (or past) their shipping deadline,
  from the desk's shipping watch (``Desk.late_orders``); suspicious and validly filed
  orders are left to their own alert (a filed order need not ship).

Every alert is an :class:`Alert` with a kind, a severity (``critical`` / ``warning`` /
``info``), when it stands since (``detected_at``), its deadline (``due_at``) and what
to do in Chinese (``advice``) and English (``advice_en``). Numbers, word lists and the
advice texts live in ``packs/90-alerts.yaml`` (with the 15-day window and the
shipping numbers in ``60-policy.yaml`` / ``70-aftersales.yaml``).

Messages for group robots (:func:`alert_messages`, :meth:`Digest.message`) never carry
an address or a full name or phone: buyer nicks are masked (:func:`mask_name`), chat
evidence is phone-masked and Markdown-escaped (:func:`redline.notify.robots.md_escape`).

One module per detector: :mod:`.suspicious`, :mod:`.drain`, :mod:`.extortion`,
:mod:`.shipping`; the alert and its settings in :mod:`.alert`; robot wording in
:mod:`.messages` and :mod:`.digest`. Import from this package.
"""

from __future__ import annotations

from redline.records.alerts.alert import (
    DRAIN_CLAIMS,
    ISSUES,
    KINDS,
    OUTCOMES,
    SEVERITIES,
    Alert,
    AlertRules,
    ExtortionFacts,
    FilingFacts,
    Issue,
    OrderFacts,
    RefundFacts,
    ShipWatch,
    mask_name,
    sort_alerts,
)
from redline.records.alerts.digest import Digest
from redline.records.alerts.drain import deposit_drain, offline_gaps
from redline.records.alerts.extortion import extortion_alerts
from redline.records.alerts.messages import alert_messages, alerts_markdown
from redline.records.alerts.shipping import ship_by_alerts
from redline.records.alerts.suspicious import (
    MUNICIPALITIES,
    address_issues,
    order_issues,
    phone_issue,
    suspicious_orders,
    unreachable_issue,
)

__all__ = [
    "DRAIN_CLAIMS",
    "ISSUES",
    "KINDS",
    "MUNICIPALITIES",
    "OUTCOMES",
    "SEVERITIES",
    "Alert",
    "AlertRules",
    "Digest",
    "ExtortionFacts",
    "FilingFacts",
    "Issue",
    "OrderFacts",
    "RefundFacts",
    "ShipWatch",
    "address_issues",
    "alert_messages",
    "alerts_markdown",
    "deposit_drain",
    "extortion_alerts",
    "mask_name",
    "offline_gaps",
    "order_issues",
    "phone_issue",
    "ship_by_alerts",
    "sort_alerts",
    "suspicious_orders",
    "unreachable_issue",
]
