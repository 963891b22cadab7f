"""The ledger's input from the store: confirmed findings and the platform's notices.

A confirmed finding counts with its points under its category's ledger type from
the packs (``general``, ``commitment`` 违背承诺, ``misinformation`` 滥发信息,
``severe``; categories with ledger ``none`` or 0 points do not count). Notices the
platform sent are entered by hand (``redline ledger add``) or imported from the
shop's 违规处罚记录 (``redline ledger import``, :func:`import_notices`). The
arithmetic — cycles, nodes, sanctions — is :mod:`redline.records.ledger`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from redline.guard.packs import RuleSet
from redline.importers.records import NoticeRecord, RowError
from redline.records.ledger import Deduction
from redline.store import writing
from redline.store.imports import ImportReport, _finish, file_digest
from redline.store.models import PenaltyNotice, StoredFinding

TYPES = ("general", "commitment", "misinformation", "severe")


def ledger_type(rs: RuleSet, category: str) -> str | None:
    """The ledger a category's points go to, or None if they go to none."""
    found = rs.categories.get(category)
    ledger = found.ledger if found else "general"
    return ledger if ledger in TYPES else None


def finding_deduction(rs: RuleSet, f: StoredFinding) -> Deduction | None:
    """The deduction confirming ``f`` makes (at its message's time), or None if none."""
    ledger = ledger_type(rs, f.category)
    if ledger is None or f.points <= 0:
        return None
    return Deduction(
        at=f.time or f.found_at,
        points=f.points,
        type=ledger,  # type: ignore[arg-type]
        note=f"{f.category}: {f.evidence}",
        source=f"finding:{f.id}",
    )


def deductions(s: Session, rs: RuleSet) -> list[Deduction]:
    out: list[Deduction] = []
    confirmed = s.scalars(
        select(StoredFinding).where(StoredFinding.status == "confirmed", StoredFinding.points > 0)
    )
    for f in confirmed:
        d = finding_deduction(rs, f)
        if d is not None:
            out.append(d)
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


# --- importing the platform's notices ---------------------------------------------------

NoticeKey = tuple[datetime, int, str, str]
NUMBER_MAX = 80  # penalty_notices.notice_no


def _key(at: datetime, points: int, type_: str, note: str | None) -> NoticeKey:
    """What identifies a notice without a number: time, points, type and the note
    (whitespace collapsed, so a re-copied note still matches)."""
    return (at, points, type_, " ".join((note or "").split()))


def import_notices(
    engine: Engine,
    records: Iterable[NoticeRecord | RowError],
    *,
    path: Path | None = None,
    by: str | None = None,
    now: datetime,
) -> ImportReport:
    """Platform notices into the ledger: one transaction, idempotent.

    A notice with a 处罚编号 is keyed by it: already stored with the same content, it
    is unchanged; with different content (a newer export), it is updated. A notice
    without one is keyed by (time, points, type, note), and matched against every
    stored notice. A numbered notice whose content matches a stored notice that has
    no number yet (imported or entered by hand before) gives that one its number
    instead of being added twice. Bad rows are reported with their line and left out.
    """
    report = ImportReport("notices", str(path or "-"))
    digest = file_digest(path)
    source = path.name if path is not None else None
    with writing(engine) as s:
        stored = list(s.scalars(select(PenaltyNotice).order_by(PenaltyNotice.id)))
        by_number = {n.notice_no: n for n in stored if n.notice_no}
        by_key: dict[NoticeKey, PenaltyNotice] = {}
        for n in stored:
            by_key.setdefault(_key(n.at, n.points, n.type, n.note), n)
        first_seen: dict[str, tuple[int, NoticeKey]] = {}  # number → (line, key) in this file
        for rec in records:
            if isinstance(rec, RowError):
                report.errors.append(rec)
                continue
            why = _invalid(rec)
            if why:
                report.errors.append(RowError(rec.line, why))
                continue
            key = _key(rec.at, rec.points, rec.type, rec.note)
            number = rec.notice_no
            if number is None:
                if key in by_key:
                    report.unchanged += 1
                    continue
            else:
                if number in first_seen:
                    line, first_key = first_seen[number]
                    if first_key == key:
                        report.unchanged += 1
                    else:
                        report.errors.append(
                            RowError(rec.line, f"与第 {line} 行的处罚编号 {number} 重复且内容不同")
                        )
                    continue
                first_seen[number] = (rec.line, key)
                found = by_number.get(number)
                if found is not None:
                    old_key = _key(found.at, found.points, found.type, found.note)
                    if rec.note is None and found.note is not None:
                        # No 违规原因 in this file: keep the stored one (never erased).
                        rec = dataclasses.replace(rec, note=found.note)
                        key = _key(rec.at, rec.points, rec.type, rec.note)
                    if old_key == key:
                        report.unchanged += 1
                    else:
                        found.at, found.points, found.type = rec.at, rec.points, rec.type
                        found.note, found.source = rec.note, source
                        if by_key.get(old_key) is found:
                            del by_key[old_key]
                        by_key.setdefault(key, found)
                        report.updated += 1
                    continue
                same = by_key.get(key)
                if same is not None and same.notice_no is None:
                    same.notice_no = number
                    by_number[number] = same
                    report.updated += 1
                    continue
            notice = PenaltyNotice(
                at=rec.at,
                points=rec.points,
                type=rec.type,
                note=rec.note,
                entered_by=by,
                entered_at=now,
                notice_no=number,
                source=source,
            )
            s.add(notice)
            by_key.setdefault(key, notice)
            if number is not None:
                by_number[number] = notice
            report.accepted += 1
        s.flush()
        _finish(s, report, path, digest)
    return report


def _invalid(rec: NoticeRecord) -> str | None:
    """Why a record cannot be stored (the reader checks the same; records may come
    from elsewhere), or None."""
    if rec.type not in TYPES:
        return f"未知扣分类型 {rec.type!r}（general/commitment/misinformation/severe）"
    if rec.points <= 0:
        return "扣分必须是正整数"
    if rec.notice_no is not None and len(rec.notice_no) > NUMBER_MAX:
        return f"处罚编号过长（{len(rec.notice_no)} 字符，上限 {NUMBER_MAX}）"
    return None
