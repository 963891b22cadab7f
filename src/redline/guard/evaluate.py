"""Scoring a labelled corpus (formats.md, shared/eval/README.md).

Each expectation and each finding reduces to a (conversation, message, category)
triple; precision, recall and F1 are computed per category and overall.
Expected ``points`` (payment) are checked separately and reported, not scored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from redline.model import Conversation, Finding

Triple = tuple[str, int, str]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Report:
    per_category: dict[str, Score] = field(default_factory=dict)
    overall: Score = field(default_factory=Score)
    misses: list[tuple[Triple, str]] = field(default_factory=list)
    false_alarms: list[tuple[Triple, Finding]] = field(default_factory=list)
    points_checked: int = 0
    points_wrong: list[tuple[Triple, int, int]] = field(default_factory=list)
    conversations: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "conversations": self.conversations,
            "overall": self.overall.as_dict(),
            "categories": {c: s.as_dict() for c, s in sorted(self.per_category.items())},
            "misses": [
                {"conversation": t[0], "message": t[1], "category": t[2], "text": text}
                for t, text in self.misses
            ],
            "false_alarms": [
                {
                    "conversation": t[0],
                    "message": t[1],
                    "category": t[2],
                    "rule": f.rule,
                    "evidence": f.evidence,
                }
                for t, f in self.false_alarms
            ],
            "points": {
                "checked": self.points_checked,
                "wrong": [
                    {
                        "conversation": t[0],
                        "message": t[1],
                        "category": t[2],
                        "expected": e,
                        "got": g,
                    }
                    for t, e, g in self.points_wrong
                ],
            },
        }


def score(results: Iterable[tuple[Conversation, list[Finding]]]) -> Report:
    report = Report()
    per: dict[str, Score] = defaultdict(Score)
    for conv, findings in results:
        report.conversations += 1
        expected: dict[Triple, dict[str, object]] = {}
        for e in conv.expect or []:
            t = (conv.id, int(e["message"]), str(e["category"]))
            expected[t] = e
        got: dict[Triple, Finding] = {}
        for f in findings:
            got.setdefault((f.conversation, f.message, f.category), f)
        for t, f in got.items():
            if t in expected:
                per[t[2]].tp += 1
                want = expected[t].get("points")
                if want is not None:
                    report.points_checked += 1
                    if int(str(want)) != f.points:
                        report.points_wrong.append((t, int(str(want)), f.points))
            else:
                per[t[2]].fp += 1
                report.false_alarms.append((t, f))
        for t in expected:
            if t not in got:
                per[t[2]].fn += 1
                msgs = conv.messages
                text = msgs[t[1]].text if 0 <= t[1] < len(msgs) else ""
                report.misses.append((t, text))
    report.per_category = dict(per)
    for s in per.values():
        report.overall.tp += s.tp
        report.overall.fp += s.fp
        report.overall.fn += s.fn
    return report
