"""Batch QA of imported chats: the guard's findings, stored and reviewed.

``run_qa`` checks every conversation the current rule packs have not checked in its
current form — a conversation is marked with a hash of its content and of the packs,
so a second run does no work, an edited chat or a changed pack is checked again.
Each batch of conversations is one transaction: an interrupted run keeps what it
finished and the next run picks up the rest.

Re-checking keeps what people decided: a finding is keyed by (conversation,
message, rule, start); one already confirmed, dismissed or appealed keeps its
status, an open one the guard no longer raises is removed, a new one is added.

Reviews: a supervisor confirms or dismisses (with a reason), an agent appeals (with
a reason), the supervisor then decides; every step is appended to
``finding_reviews``, which the database refuses to change. Dismissed findings, by
rule and evidence, are the candidate false alarms (``redline qa false-alarms``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from redline.desk.policy import china_iso, to_china
from redline.guard.engine import Guard
from redline.guard.learned import model_paths
from redline.guard.packs import bundled_pack_paths, pack_paths
from redline.model import Conversation as ChatConversation
from redline.model import Message, Order, Shop
from redline.privacy import mask_evidence, mask_name, mask_text
from redline.store import session, writing
from redline.store.models import ChatMessage, Conversation, FindingReview, StoredFinding

STATUSES: dict[str, tuple[str, str]] = {
    "open": ("待复核", "to review"),
    "confirmed": ("已确认", "confirmed"),
    "dismissed": ("已驳回（误报）", "dismissed (false alarm)"),
    "appealed": ("申诉中", "appealed"),
}
# action → (allowed from, to, who, reason required)
REVIEW_ACTIONS: dict[str, tuple[frozenset[str], str, str, bool]] = {
    "confirm": (frozenset({"open", "appealed", "dismissed"}), "confirmed", "supervisor", False),
    "dismiss": (frozenset({"open", "appealed", "confirmed"}), "dismissed", "supervisor", True),
    "appeal": (frozenset({"open", "confirmed"}), "appealed", "agent", True),
}


class ReviewError(ValueError):
    """A review step the finding's status does not allow (message in Chinese)."""


def rules_fingerprint(rules_dirs: Sequence[str | Path] = (), model: bool = True) -> str:
    """A hash of every pack file the guard loads: change a pack, and QA checks again.

    With the learned layer on (``model``), its settings and model file count too.
    """
    h = hashlib.sha1()
    paths = [*bundled_pack_paths(), *pack_paths(rules_dirs)]
    if model:
        paths += model_paths()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _qa_hash(row_hash: str, fingerprint: str) -> str:
    return hashlib.sha1(f"{row_hash}:{fingerprint}".encode()).hexdigest()


@dataclass
class QAReport:
    checked: int = 0
    up_to_date: int = 0
    new_findings: int = 0
    removed: int = 0
    by_category: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "up_to_date": self.up_to_date,
            "new_findings": self.new_findings,
            "removed": self.removed,
            "new_by_category": dict(self.by_category),
        }


def _to_model(conv: Any, messages: list[Message]) -> ChatConversation:
    """The guard's conversation for a stored one (``conv`` has ``id``, ``shop``, ``order``)."""
    return ChatConversation(
        id=conv.id,
        shop=Shop.from_dict(conv.shop) if conv.shop else Shop(),
        has_shop=bool(conv.shop),
        order=Order.from_dict(conv.order) if conv.order else None,
        messages=messages,
    )


def run_qa(
    engine: Engine,
    guard: Guard,
    fingerprint: str,
    *,
    now: datetime,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> QAReport:
    report = QAReport()
    with session(engine) as s:
        rows = s.execute(select(Conversation.id, Conversation.row_hash, Conversation.qa_hash)).all()
    todo = []
    for cid, row_hash, qa_hash in rows:
        if qa_hash == _qa_hash(row_hash, fingerprint):
            report.up_to_date += 1
        else:
            todo.append(cid)
    for i in range(0, len(todo), batch):
        with writing(engine) as s:
            _check_batch(s, guard, fingerprint, todo[i : i + batch], now, report)
        if progress:
            progress(min(i + batch, len(todo)))
    return report


# The batch reads and writes plain rows (Core), not ORM objects: loading every
# message as an object and flushing one UPDATE per conversation cost several times
# the guard itself (benchmarks/bench_qa.py).
_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
_MESSAGES: Table = ChatMessage.__table__  # type: ignore[assignment]
_FINDINGS: Table = StoredFinding.__table__  # type: ignore[assignment]
_SET_QA_HASH = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("_id"))
    .values(qa_hash=bindparam("_qa_hash"))
)


def _check_batch(
    s: Session,
    guard: Guard,
    fingerprint: str,
    ids: list[str],
    now: datetime,
    report: QAReport,
) -> None:
    conn = s.connection()
    convs = conn.execute(
        select(
            _CONVERSATIONS.c.id,
            _CONVERSATIONS.c.row_hash,
            _CONVERSATIONS.c.shop,
            _CONVERSATIONS.c.order,
        )
        .where(_CONVERSATIONS.c.id.in_(ids))
        .order_by(_CONVERSATIONS.c.id)
    ).all()
    bodies: dict[str, list[Message]] = {}
    for cid, role, body, account, at in conn.execute(
        select(
            _MESSAGES.c.conversation_id,
            _MESSAGES.c.role,
            _MESSAGES.c.text,
            _MESSAGES.c.account,
            _MESSAGES.c.time,
        )
        .where(_MESSAGES.c.conversation_id.in_(ids))
        .order_by(_MESSAGES.c.conversation_id, _MESSAGES.c.position)
    ).all():
        bodies.setdefault(cid, []).append(Message(role, body, account, at))
    existing: dict[str, dict[tuple[int, str, int], tuple[int, str]]] = {}
    for fid, cid, message, rule, start, status in conn.execute(
        select(
            _FINDINGS.c.id,
            _FINDINGS.c.conversation_id,
            _FINDINGS.c.message,
            _FINDINGS.c.rule,
            _FINDINGS.c.start,
            _FINDINGS.c.status,
        ).where(_FINDINGS.c.conversation_id.in_(ids))
    ).all():
        existing.setdefault(cid, {})[(message, rule, start)] = (fid, status)
    models = [_to_model(c, bodies.get(c.id, [])) for c in convs]
    new: list[dict[str, Any]] = []
    stale: list[int] = []
    marks: list[dict[str, Any]] = []
    for conv, (model, found) in zip(convs, guard.check_many(models), strict=True):
        old = existing.get(conv.id, {})
        seen: set[tuple[int, str, int]] = set()
        for f in found:
            key = (f.message, f.rule, f.start)
            known = key in old or key in seen  # stored already (or twice in one run)
            seen.add(key)
            if known:
                continue
            msg = model.messages[f.message]
            new.append(
                {
                    "conversation_id": conv.id,
                    "message": f.message,
                    "account": msg.account,
                    "time": to_china(msg.time) if msg.time is not None else None,
                    "category": f.category,
                    "rule": f.rule,
                    "severity": f.severity,
                    "points": f.points,
                    "start": f.start,
                    "end": f.end,
                    "evidence": f.evidence,
                    "explanation": f.explanation,
                    "suggestion": f.suggestion,
                    "status": "open",
                    "found_at": now,
                }
            )
            report.new_findings += 1
            report.by_category[f.category] += 1
        stale.extend(
            fid for key, (fid, status) in old.items() if key not in seen and status == "open"
        )
        marks.append({"_id": conv.id, "_qa_hash": _qa_hash(conv.row_hash, fingerprint)})
        report.checked += 1
    if stale:
        conn.execute(delete(_FINDINGS).where(_FINDINGS.c.id.in_(stale)))
        report.removed += len(stale)
    if new:
        conn.execute(insert(_FINDINGS), new)
    if marks:
        conn.execute(_SET_QA_HASH, marks)


def review(
    s: Session, finding_id: int, action: str, *, actor: str, at: datetime, reason: str | None
) -> StoredFinding:
    """Confirm, dismiss or appeal a finding; the step is appended to its history."""
    finding = s.get(StoredFinding, finding_id)
    if finding is None:
        raise ReviewError(f"没有编号为 {finding_id} 的问题记录")
    spec = REVIEW_ACTIONS.get(action)
    if spec is None:
        raise ReviewError(f"未知操作 {action!r}（confirm/dismiss/appeal）")
    sources, target, _who, needs_reason = spec
    if finding.status not in sources:
        raise ReviewError(
            f"“{STATUSES[finding.status][0]}”的问题不能执行 {action}"
            f"（可从：{'、'.join(STATUSES[x][0] for x in sorted(sources))}）"
        )
    if needs_reason and not (reason and reason.strip()):
        raise ReviewError("驳回和申诉必须写明理由（--reason）")
    if not actor.strip():
        raise ReviewError("请用 --by 写明操作人")
    s.add(
        FindingReview(
            finding_id=finding.id,
            at=at,
            actor=actor,
            action=action,
            from_status=finding.status,
            to_status=target,
            reason=reason,
        )
    )
    finding.status = target
    return finding


def reviews(s: Session, finding_id: int) -> list[FindingReview]:
    return list(
        s.scalars(
            select(FindingReview)
            .where(FindingReview.finding_id == finding_id)
            .order_by(FindingReview.id)
        )
    )


def list_findings(
    s: Session,
    *,
    status: str | None = None,
    category: str | None = None,
    account: str | None = None,
    limit: int = 200,
) -> list[StoredFinding]:
    q = select(StoredFinding).order_by(StoredFinding.time, StoredFinding.id)
    if status:
        q = q.where(StoredFinding.status == status)
    if category:
        q = q.where(StoredFinding.category == category)
    if account:
        q = q.where(StoredFinding.account == account)
    return list(s.scalars(q.limit(limit)))


@dataclass
class FalseAlarm:
    rule: str
    category: str
    evidence: str
    dismissed: int
    total: int
    reasons: list[str]


def false_alarms(s: Session) -> list[FalseAlarm]:
    """Dismissed (rule, evidence) pairs, most dismissed first: candidates to fix in a pack."""
    totals = {
        (rule, ev): n
        for rule, ev, n in s.execute(
            select(StoredFinding.rule, StoredFinding.evidence, func.count()).group_by(
                StoredFinding.rule, StoredFinding.evidence
            )
        )
    }
    out: dict[tuple[str, str], FalseAlarm] = {}
    dismissed = s.execute(
        select(StoredFinding, FindingReview.reason)
        .join(FindingReview, FindingReview.finding_id == StoredFinding.id)
        .where(StoredFinding.status == "dismissed", FindingReview.to_status == "dismissed")
        .order_by(FindingReview.id)
    ).all()
    counted: set[int] = set()
    for finding, reason in dismissed:
        key = (finding.rule, finding.evidence)
        fa = out.setdefault(
            key, FalseAlarm(finding.rule, finding.category, finding.evidence, 0, totals[key], [])
        )
        if finding.id not in counted:
            counted.add(finding.id)
            fa.dismissed += 1
        if reason and reason not in fa.reasons:
            fa.reasons.append(reason)
    return sorted(out.values(), key=lambda fa: (-fa.dismissed, fa.rule, fa.evidence))


def counts_by_status(s: Session) -> dict[str, int]:
    rows = s.execute(select(StoredFinding.status, func.count()).group_by(StoredFinding.status))
    return {status: n for status, n in rows}


def finding_json(f: Any) -> dict[str, Any]:
    """A stored finding as JSON, buyer data masked (evidence, explanation, a buyer's account).

    A privacy finding's evidence is the disclosed data itself, so all of it but the
    first character is hidden; a buyer-side alert (extortion) is stored under the
    buyer's account, which is masked like every buyer nick.
    """
    evidence, explanation = f.evidence or "", f.explanation or ""
    shown = mask_evidence(f.category, evidence)
    if shown != evidence and evidence:
        explanation = explanation.replace(evidence, shown)
    return {
        "id": f.id,
        "conversation": f.conversation_id,
        "message": f.message,
        "account": mask_name(f.account) if f.severity == "alert" else f.account,
        "time": china_iso(f.time),
        "category": f.category,
        "rule": f.rule,
        "severity": f.severity,
        "points": f.points,
        "start": f.start,
        "end": f.end,
        "evidence": shown,
        "explanation": mask_text(explanation),
        "suggestion": f.suggestion,
        "status": f.status,
    }
