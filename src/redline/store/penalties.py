"""The ledger's input from the store: confirmed findings and the platform's notices.

A confirmed finding counts with its points under its category's ledger type from
the packs (``general``, ``commitment`` 违背承诺, ``misinformation`` 滥发信息,
``severe``; categories with ledger ``none`` or 0 points do not count). Notices the
platform sent are entered by hand (``redline ledger add``). The arithmetic — cycles,
nodes, sanctions — is :mod:`redline.ledger`'s.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..ledger import Deduction
from ..packs import RuleSet
from .models import PenaltyNotice, StoredFinding

TYPES = ("general", "commitment", "misinformation", "severe")


def ledger_type(rs: RuleSet, category: str) -> str | None:
    """The ledger a category's points go to, or None if they go to none."""
    found = rs.categories.get(category)
    ledger = found.ledger if found else "general"
    return ledger if ledger in TYPES else None


def deductions(s: Session, rs: RuleSet) -> list[Deduction]:
    out: list[Deduction] = []
    confirmed = s.scalars(
        select(StoredFinding).where(StoredFinding.status == "confirmed", StoredFinding.points > 0)
    )
    for f in confirmed:
        ledger = ledger_type(rs, f.category)
        if ledger is None:
            continue
        out.append(
            Deduction(
                at=f.time or f.found_at,
                points=f.points,
                type=ledger,  # type: ignore[arg-type]
                note=f"{f.category}: {f.evidence}",
                source=f"finding:{f.id}",
            )
        )
    for n in s.scalars(select(PenaltyNotice)):
        out.append(
            Deduction(
                at=n.at,
                points=n.points,
                type=n.type,  # type: ignore[arg-type]
                note=n.note or "",
                source=f"notice:{n.id}",
            )
        )
    return sorted(out, key=lambda d: d.at)


def add_notice(
    s: Session,
    *,
    at: datetime,
    points: int,
    type_: str,
    note: str | None,
    by: str | None,
    now: datetime,
) -> PenaltyNotice:
    if type_ not in TYPES:
        raise ValueError(f"未知扣分类型 {type_!r}（general/commitment/misinformation/severe）")
    if points <= 0:
        raise ValueError("扣分必须是正整数")
    notice = PenaltyNotice(
        at=at, points=points, type=type_, note=note, entered_by=by, entered_at=now
    )
    s.add(notice)
    s.flush()
    return notice
