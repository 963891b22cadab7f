"""可疑订单 (seed 000, 规蜜): paid, unshipped orders whose address, phone or memo says the parcel cannot be delivered."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from redline.desk.policy import Policy
from redline.records.alerts.alert import (
    Alert,
    AlertRules,
    FilingFacts,
    Issue,
    OrderFacts,
    deadline_text,
    local_time,
    make_issue,
    yuan,
)

MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
_SPECIAL_REGIONS = ("香港", "澳门", "台湾")
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)")
# Lazy, and never across a digit or a space: a city or district name is the shortest
# run of name characters ending in its level's suffix. Road and estate characters
# cannot be inside a district name, so "阳光小区" or "文三路" is not taken for one.
_CITY = re.compile(r"\s*([^\s\d]{1,12}?(?:自治州|地区|盟|市|州))(?![市州])")
_DISTRICT = re.compile(r"\s*([^\s\d路街巷弄号小]{1,12}?(?:新区|区|县|旗|市|镇|乡|街道))")
_COUNTRY = re.compile(r"^\s*(?:中华人民共和国|中国大陆|中国)\s*")
_PHONE_PREFIX = re.compile(r"^(?:\+86|0086|86(?=1[3-9]\d{9}$))-?")


# How to record a 规蜜 filing, by where the advice is read: (zh, en). The advice
# names the CLI command; a page with the filing form says so instead (see
# :func:`advice_for`).
RECORD_HOW: dict[str, tuple[str, str]] = {
    "cli": (
        "备案后请用 redline alerts file {order_no} 登记。",
        "Record it with `redline alerts file {order_no}`.",
    ),
    "web": (
        "备案后请在本页的“规蜜备案（每单一次）”登记。",
        "Record it with “File in 规蜜 (once per order)” on this page.",
    ),
}


def advice_for(text: str, order_no: str | None, where: str, lang: str = "zh") -> str:
    """``text`` (an alert's advice) with the filing hint for ``where`` (cli | web)."""
    if not order_no or not text:
        return text
    i = 0 if lang == "zh" else 1
    cli = RECORD_HOW["cli"][i].format(order_no=order_no)
    return text.replace(cli, RECORD_HOW[where][i].format(order_no=order_no))


# --- suspicious orders (可疑订单, 000) ----------------------------------------------------------


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def address_issues(address: str | None, rules: AlertRules) -> list[Issue]:
    """What is incomplete or implausible in ``address`` ("省 市 区 详细地址", spaces optional)."""
    if address is None or not address.strip() or address.strip() == "-":
        return [make_issue("no_address")]
    text = _COUNTRY.sub("", _clean(address))
    issues: list[Issue] = []
    rest = text
    province = next((p for p in rules.provinces if rest.startswith(p)), None)
    if province is None:
        issues.append(make_issue("no_province"))
    else:
        rest = rest[len(province) :]
        suffix = _PROVINCE_SUFFIX.match(rest)
        if suffix:
            rest = rest[suffix.end() :]
    structured = province not in _SPECIAL_REGIONS
    if structured:
        city = _CITY.match(rest)
        if city:
            rest = rest[city.end() :]
        elif province not in MUNICIPALITIES:
            issues.append(make_issue("no_city"))
        district = _DISTRICT.match(rest)
        if district:
            rest = rest[district.end() :]
        else:
            issues.append(make_issue("no_district"))
    detail = rest.strip()
    compact = re.sub(r"\s+", "", detail)
    lowered = text.lower()
    if rules.placeholders is not None:
        found = rules.placeholders.search(compact.lower()) or rules.placeholders.search(lowered)
        if found and found.group(0):
            issues.append(make_issue("address_placeholder", found.group(0)))
    if not compact:
        issues.append(make_issue("no_detail"))
        return issues
    if len(compact) < rules.address_min_detail:
        issues.append(make_issue("address_short"))
    has_number = rules.numbers is not None and rules.numbers.search(compact)
    rural = rules.rural is not None and rules.rural.search(compact)
    if structured and not has_number and not rural:
        issues.append(make_issue("no_house_number"))
    return issues


def phone_issue(phone: str | None, rules: AlertRules) -> Issue | None:
    """``phone_invalid`` when a phone is given and fits no valid pattern; None when absent."""
    if phone is None or rules.phone_valid is None:
        return None
    text = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", phone)).lstrip("'")
    if not text or text == "-":
        return None
    text = _PHONE_PREFIX.sub("", text)
    digits = re.sub(r"\D", "", text)
    if len(set(digits)) <= 1:  # 00000000000, 11111111111: typed to get past the form
        return make_issue("phone_invalid")
    return None if rules.phone_valid.search(text) else make_issue("phone_invalid")


def unreachable_issue(texts: Iterable[str | None], rules: AlertRules) -> Issue | None:
    """``buyer_unreachable`` when the seller memo or 异常信息 says the buyer cannot be reached."""
    if rules.unreachable is None:
        return None
    for text in texts:
        if text:
            found = rules.unreachable.search(unicodedata.normalize("NFKC", text))
            if found:
                return make_issue("buyer_unreachable", found.group(0))
    return None


def order_issues(order: OrderFacts, rules: AlertRules) -> list[Issue]:
    """Everything that makes ``order`` suspicious (empty: it is not)."""
    issues = address_issues(order.address, rules)
    phone = phone_issue(order.phone, rules)
    if phone:
        issues.append(phone)
    unreachable = unreachable_issue([order.seller_memo, *order.flags], rules)
    if unreachable:
        issues.append(unreachable)
    return issues


def ship_deadline(order: OrderFacts, p: Policy, since: datetime) -> datetime:
    return p.ship_by(since, "presale" if order.presale else "normal")


def suspicious_orders(
    orders: Iterable[OrderFacts],
    filings: Mapping[str, FilingFacts],
    at: datetime,
    rules: AlertRules,
) -> list[Alert]:
    """可疑订单: paid (or COD), unshipped, open orders not yet handled, with an issue.

    The 15-day window runs from the payment (COD: the order's creation), the moment
    the platform's check can warn. Critical when the shipping deadline or the window
    ends within ``alerts_urgent_hours``; after the window, a warning that filing is no
    longer possible.
    """
    p = rules.policy
    out: list[Alert] = []
    for o in orders:
        if o.closed or o.shipped_at is not None or o.order_no in filings:
            continue
        warned = o.paid_at if o.paid_at is not None else (o.created_at if o.cod else None)
        if warned is None or warned > at:
            continue
        issues = order_issues(o, rules)
        if not issues:
            continue
        window_end = p.suspicious_order_until(warned)
        ship_by = ship_deadline(o, p, warned)
        exposure = (
            p.compensation(o.paid_amount, "late_shipment")
            if o.paid_amount is not None and not o.cod
            else Decimal("0.00")
        )
        reasons_zh = "、".join(i.zh for i in issues)
        reasons_en = ", ".join(i.en for i in issues)
        values = {
            "order_no": o.order_no,
            "record_how": RECORD_HOW["cli"][0].format(order_no=o.order_no),
            "reasons": reasons_zh,
            "ship_by": deadline_text(p, ship_by, at, "zh"),
            "window_end": local_time(p, window_end),
            "exposure": yuan(exposure),
        }
        values_en = {
            **values,
            "record_how": RECORD_HOW["cli"][1].format(order_no=o.order_no),
            "reasons": reasons_en,
            "ship_by": deadline_text(p, ship_by, at, "en"),
        }
        if at > window_end:
            severity, template = "warning", "alerts.suspicious_order_expired"
        else:
            soon = min(ship_by, window_end) <= at + rules.urgent
            severity, template = ("critical" if soon else "warning"), "alerts.suspicious_order"
        advice, advice_en = rules.advice(template, values, values_en)
        out.append(
            Alert(
                kind="suspicious_order",
                severity=severity,
                key=f"suspicious_order:{o.order_no}",
                detected_at=p.to_china(warned),
                due_at=window_end,
                title=f"订单 {o.order_no}：{reasons_zh}",
                title_en=f"Order {o.order_no}: {reasons_en}",
                advice=advice,
                advice_en=advice_en,
                order_no=o.order_no,
                buyer=o.buyer,
                reasons=tuple(i.code for i in issues),
                exposure=exposure,
                facts={
                    "ship_by": p.to_china(ship_by).isoformat(),
                    "window_end": p.to_china(window_end).isoformat(),
                    "window_passed": at > window_end,
                    "issues": [i.zh for i in issues],
                    "issues_en": [i.en for i in issues],
                },
            )
        )
    return out
