"""Exam results in the store: record a sitting, an agent's history, the team's view.

The grading is :mod:`redline.training.grading`'s; this module only keeps results and
sums them: per agent the latest and best score, the level, and the categories they
keep getting wrong; for the team who passed, at which level, and which red lines the
team fails most. Drills assigned from QA: an agent whose confirmed findings cluster
in one category is assigned that category's practice paper.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from redline.store import session, writing
from redline.store.models import ExamResult, StoredFinding
from redline.training.grading import Result


def record_result(
    engine: Engine, agent: str, result: Result, at: datetime, via: str = "cli"
) -> int:
    """Store one sitting; returns its id."""
    data = result.to_dict()
    row = ExamResult(
        agent=agent.strip()[:120] or "未署名",
        kind=result.kind,
        score=Decimal(str(round(result.score, 1))),
        passed=result.passed,
        level=result.level.zh if result.level else None,
        typing_cpm=round(result.typing_cpm) if result.typing_cpm is not None else None,
        sections=data["sections"],
        weak={c: n for c, n in result.weak_categories},
        answers={"items": data["answers"]},
        via=via,
        taken_at=at,
    )
    with writing(engine) as s:
        s.add(row)
        s.flush()
        return int(row.id)


def result_dict(r: ExamResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "agent": r.agent,
        "kind": r.kind,
        "score": float(r.score),
        "passed": r.passed,
        "level": r.level,
        "typing_cpm": r.typing_cpm,
        "sections": r.sections,
        "weak": r.weak,
        "answers": r.answers.get("items", []),
        "via": r.via,
        "taken_at": r.taken_at.isoformat(),
    }


def history(engine: Engine, agent: str | None = None, limit: int = 100) -> list[ExamResult]:
    q = select(ExamResult).order_by(ExamResult.taken_at.desc(), ExamResult.id.desc()).limit(limit)
    if agent:
        q = q.where(ExamResult.agent == agent)
    with session(engine) as s:
        return list(s.scalars(q))


def get_result(engine: Engine, result_id: int) -> ExamResult | None:
    with session(engine) as s:
        return s.get(ExamResult, result_id)


@dataclass(frozen=True)
class AgentStanding:
    agent: str
    sittings: int
    latest_score: float
    best_score: float
    passed: bool  # has passed a full paper
    level: str | None  # level of the best full paper
    weak: list[tuple[str, int]]  # categories answered wrong across sittings, most first

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "sittings": self.sittings,
            "latest_score": self.latest_score,
            "best_score": self.best_score,
            "passed": self.passed,
            "level": self.level,
            "weak": [{"category": c, "wrong": n} for c, n in self.weak],
        }


def team(engine: Engine) -> tuple[list[AgentStanding], list[tuple[str, int]]]:
    """Every agent's standing, and the red lines the team fails most."""
    rows = history(engine, limit=100_000)
    by_agent: dict[str, list[ExamResult]] = {}
    for r in rows:
        by_agent.setdefault(r.agent, []).append(r)
    team_weak: Counter[str] = Counter()
    out: list[AgentStanding] = []
    for agent, results in sorted(by_agent.items()):
        weak: Counter[str] = Counter()
        for r in results:
            weak.update({str(k): int(v) for k, v in r.weak.items()})
        team_weak.update(weak)
        full = [r for r in results if r.kind == "full"]
        best_full = max(full, key=lambda r: r.score, default=None)
        out.append(
            AgentStanding(
                agent=agent,
                sittings=len(results),
                latest_score=float(results[0].score),
                best_score=float(max(r.score for r in results)),
                passed=any(r.passed for r in full),
                level=best_full.level if best_full else None,
                weak=weak.most_common(),
            )
        )
    return out, team_weak.most_common()


def assigned_drills(engine: Engine, agent: str, min_findings: int = 2) -> list[tuple[str, int]]:
    """Categories of the agent's confirmed QA findings that call for practice (most first).

    ``agent`` matches the finding's agent account or its part after the colon
    (``店铺:小美`` is 小美). A category is assigned once it has ``min_findings``.
    """
    q = (
        select(StoredFinding.category, func.count())
        .where(StoredFinding.status == "confirmed")
        .where((StoredFinding.account == agent) | StoredFinding.account.like(f"%:{agent}"))
        .group_by(StoredFinding.category)
    )
    with session(engine) as s:
        counts = [(str(c), int(n)) for c, n in s.execute(q)]
    return sorted(((c, n) for c, n in counts if n >= min_findings), key=lambda x: (-x[1], x[0]))
