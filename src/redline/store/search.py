"""Finding a record from what a supervisor has in hand.

A number read out by a buyer (the whole 19-digit order number or its last digits), a
refund number, a case number, a return parcel's tracking number, or a buyer's nick:
:func:`search` answers with the records it names, newest first, each with the page it
lives on. Buyer names are masked in what it returns; a nick is matched whole, so the
search cannot be used to list buyers by a fragment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from redline.privacy import mask_name
from redline.store.desk import normalize_tracking
from redline.store.models import Case, Order, Refund, ReturnEntry

MIN_DIGITS = 6  # the tail of a number people read out
LIMIT = 20

_DIGITS = re.compile(r"\d+")
_CASE = re.compile(r"#?\s*(\d{1,9})")
_TRACKING = re.compile(r"[A-Za-z0-9]{6,40}")


@dataclass(frozen=True)
class Hit:
    kind: str  # order | refund | case | return | buyer (an order found by its buyer)
    key: str  # the record's number
    url: str
    exact: bool  # the whole number matched, not only its tail
    buyer: str = ""  # masked
    status: str = ""  # the export's own status text, or the case's kind and state code
    when: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "key": self.key,
            "url": self.url,
            "exact": self.exact,
            "buyer": self.buyer,
            "status": self.status,
            "when": self.when.isoformat() if self.when else None,
        }


def clean_query(q: str) -> str:
    """What people paste: ``="3000…"`` from an export, spaces, dashes, quotes."""
    return re.sub(r"[\s=\"'“”‘’\-]", "", q or "")[:80]


def search(s: Session, q: str, limit: int = LIMIT) -> list[Hit]:
    """The records ``q`` names (see the module docstring), at most ``limit``."""
    text = clean_query(q)
    if not text:
        return []
    hits: list[Hit] = []
    if _DIGITS.fullmatch(text) and len(text) >= MIN_DIGITS:
        hits += _orders_by_number(s, text, limit)
        hits += _refunds_by_number(s, text, limit)
    case = _CASE.fullmatch(q.strip())
    if case:
        found = s.get(Case, int(case[1]))
        if found is not None:
            hits.append(_case_hit(found, exact=True))
    if _TRACKING.fullmatch(text):
        hits += _returns_by_tracking(s, text, limit)
    hits += _orders_of_buyer(s, q.strip(), limit)
    seen: set[tuple[str, str]] = set()
    out: list[Hit] = []
    for hit in sorted(hits, key=lambda h: not h.exact):  # whole-number matches first
        if (hit.kind, hit.key) not in seen:
            seen.add((hit.kind, hit.key))
            out.append(hit)
    return out[:limit]


def _orders_by_number(s: Session, digits: str, limit: int) -> list[Hit]:
    rows = s.scalars(
        select(Order)
        .where(or_(Order.order_no == digits, Order.order_no.like(f"%{digits}")))
        .order_by(Order.created_at.desc())
        .limit(limit)
    )
    return [_order_hit(o, exact=o.order_no == digits) for o in rows]


def _refunds_by_number(s: Session, digits: str, limit: int) -> list[Hit]:
    rows = list(
        s.scalars(
            select(Refund)
            .where(or_(Refund.refund_no == digits, Refund.refund_no.like(f"%{digits}")))
            .limit(limit)
        )
    )
    cases = {
        c.refund_no: c.id
        for c in s.scalars(select(Case).where(Case.refund_no.in_([r.refund_no for r in rows])))
    }
    hits = []
    for r in rows:
        case_id = cases.get(r.refund_no)
        url = f"/cases/{case_id}" if case_id else f"/orders/{r.order_no}"
        hits.append(
            Hit(
                "refund",
                r.refund_no,
                url,
                r.refund_no == digits,
                mask_name(r.buyer_nick),
                r.status or "",
                r.applied_at,
            )
        )
    return hits


def _returns_by_tracking(s: Session, text: str, limit: int) -> list[Hit]:
    tracking = normalize_tracking(text)
    rows = s.scalars(
        select(ReturnEntry)
        .where(
            or_(ReturnEntry.tracking_no == tracking, ReturnEntry.tracking_no.like(f"%{tracking}"))
        )
        .order_by(ReturnEntry.registered_at.desc())
        .limit(limit)
    )
    hits = []
    for e in rows:
        url = f"/orders/{e.order_no}" if e.order_no else "/returns"
        hits.append(
            Hit(
                "return",
                e.tracking_no,
                url,
                e.tracking_no == tracking,
                mask_name(e.buyer_nick),
                e.carrier or "",
                e.registered_at,
            )
        )
    return hits


def _orders_of_buyer(s: Session, nick: str, limit: int) -> list[Hit]:
    if not nick or len(nick) > 120:
        return []
    rows = s.scalars(
        select(Order).where(Order.buyer_nick == nick).order_by(Order.created_at.desc()).limit(limit)
    )
    return [_order_hit(o, exact=True, kind="buyer") for o in rows]


def _order_hit(o: Order, *, exact: bool, kind: str = "order") -> Hit:
    url = f"/orders/{o.order_no}"
    return Hit(kind, o.order_no, url, exact, mask_name(o.buyer_nick), o.status or "", o.created_at)


def _case_hit(c: Case, *, exact: bool) -> Hit:
    return Hit(
        "case", str(c.id), f"/cases/{c.id}", exact, mask_name(c.buyer_nick), c.state, c.opened_at
    )
