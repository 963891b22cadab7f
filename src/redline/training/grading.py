"""Grading: objective answers, drills by the guard and a rubric, and whole papers.

A drill fails on any finding the guard makes on the trainee's reply (the reply is
checked as the last agent message of the drill's conversation, with its shop flags,
order and accounts), and on any rubric item the reply does not meet. A paper draws
items per section and scores each section out of its weight (seed 001: basics 35,
pre-sale 30, in-sale 10, after-sale 13, sub-accounts 12); 60 passes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redline.desk.policy import Policy
from redline.guard.engine import Guard
from redline.model import Finding
from redline.training import numeric
from redline.training.bank import Bank, Drill, Level, Question
from redline.training.library import Library

_TRUE = {"对", "是", "正确", "t", "true", "y", "yes", "1", "√"}
_FALSE = {"错", "否", "错误", "f", "false", "n", "no", "0", "×", "x"}


def grade_question(q: Question, given: str, policy: Policy | None = None) -> bool:
    """Whether ``given`` answers ``q`` (option letters in any order and case)."""
    text = given.strip()
    if q.compute is not None:
        value = numeric.compute(q.compute["fn"], q.compute.get("args", {}), policy)
        return numeric.answer_matches(value, text, policy)
    if q.type == "truefalse":
        low = text.lower()
        if low in _TRUE:
            return bool(q.answer)
        if low in _FALSE:
            return not q.answer
        return False
    keys = tuple(
        sorted({c for c in text.upper() if c.isalnum() and c in {k.upper() for k in q.options}})
    )
    if q.type == "single":
        return keys == (q.answer.upper(),)
    return keys == tuple(k.upper() for k in q.answer)


@dataclass(frozen=True)
class DrillResult:
    drill: Drill
    reply: str
    findings: list[Finding]
    rubric: list[tuple[str, str, bool]]  # (zh, en, met)
    model_answer: str
    template: str | None

    @property
    def passed(self) -> bool:
        return (
            bool(self.reply.strip()) and not self.findings and all(met for _, _, met in self.rubric)
        )

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "drill": self.drill.id,
            "category": self.drill.category,
            "passed": self.passed,
            "reply": self.reply,
            "findings": [f.to_dict() for f in self.findings],
            "rubric": [
                {"item": en if lang == "en" and en else zh, "met": met}
                for zh, en, met in self.rubric
            ],
            "model_answer": self.model_answer,
            "template": self.template,
        }


def grade_drill(drill: Drill, reply: str, guard: Guard) -> DrillResult:
    conv = drill.conversation(reply)
    last = len(conv.messages) - 1
    findings = [f for f in guard.check(conv) if f.message == last]
    norm = guard.normalizer.normalize(reply)
    rubric = [(r.zh, r.en, r.met(norm)) for r in drill.rubric]
    return DrillResult(drill, reply, findings, rubric, drill.model_answer, drill.template)


# --- papers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Paper:
    """The items of one sitting, by section, in order."""

    items: tuple[Question | Drill, ...]
    kind: str = "full"

    def ids(self) -> list[str]:
        return [i.id for i in self.items]


def draw_paper(
    bank: Bank,
    per_section: int = 6,
    seed: int | None = None,
    category: str | None = None,
    drills_per_section: int = 1,
) -> Paper:
    """A paper: ``per_section`` items from every section (drills among them).

    With ``category``, a practice paper of that red line's questions and drills only.
    """
    rng = random.Random(seed)
    if category is not None:
        qs: list[Question | Drill] = [q for q in bank.questions.values() if q.category == category]
        ds: list[Question | Drill] = [d for d in bank.drills.values() if d.category == category]
        items = rng.sample(qs, min(len(qs), per_section)) + rng.sample(
            ds, min(len(ds), max(2, drills_per_section))
        )
        return Paper(tuple(items), kind=f"category:{category}")
    chosen: list[Question | Drill] = []
    for sid in bank.sections:
        drills: list[Question | Drill] = sorted(
            (d for d in bank.drills.values() if d.section == sid), key=lambda d: d.id
        )
        questions: list[Question | Drill] = sorted(
            (q for q in bank.questions.values() if q.section == sid), key=lambda q: q.id
        )
        n_drills = min(len(drills), drills_per_section)
        picked = rng.sample(drills, n_drills) + rng.sample(
            questions, min(len(questions), per_section - n_drills)
        )
        chosen.extend(sorted(picked, key=lambda i: (isinstance(i, Drill), i.id)))
    return Paper(tuple(chosen))


@dataclass
class Answer:
    item: str
    section: str
    category: str | None
    given: str
    correct: bool
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    kind: str
    answers: list[Answer]
    score: float
    sections: dict[str, tuple[float, int]]  # section → (points, weight)
    passed: bool
    level: Level | None
    weak_categories: list[tuple[str, int]]  # category → wrong answers, most first
    typing_cpm: float | None = None

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "kind": self.kind,
            "score": round(self.score, 1),
            "passed": self.passed,
            "level": (self.level.en if lang == "en" else self.level.zh) if self.level else None,
            "sections": {
                k: {"points": round(p, 1), "weight": w} for k, (p, w) in self.sections.items()
            },
            "weak_categories": [{"category": c, "wrong": n} for c, n in self.weak_categories],
            "typing_cpm": self.typing_cpm,
            "answers": [
                {
                    "item": a.item,
                    "section": a.section,
                    "category": a.category,
                    "given": a.given,
                    "correct": a.correct,
                    **a.detail,
                }
                for a in self.answers
            ],
        }


def answer_item(
    item: Question | Drill, given: str, guard: Guard, policy: Policy | None = None
) -> Answer:
    if isinstance(item, Drill):
        res = grade_drill(item, given, guard)
        detail = {
            "findings": [f.rule for f in res.findings],
            "rubric": [met for _, _, met in res.rubric],
            "model_answer": res.model_answer,
        }
        return Answer(item.id, item.section, item.category, given, res.passed, detail)
    ok = grade_question(item, given, policy)
    return Answer(
        item.id, item.section, item.category, given, ok, {"solution": item.solution(policy)}
    )


def score(
    bank: Bank, paper: Paper, answers: Sequence[Answer], typing_cpm: float | None = None
) -> Result:
    """Each section is worth its weight, split evenly over the paper's items in it."""
    by_section: dict[str, list[Answer]] = {}
    for a in answers:
        by_section.setdefault(a.section, []).append(a)
    asked = Counter(i.section for i in paper.items)
    sections: dict[str, tuple[float, int]] = {}
    total_weight = sum(s.weight for sid, s in bank.sections.items() if asked[sid])
    for sid, sec in bank.sections.items():
        if not asked[sid]:
            continue
        right = sum(a.correct for a in by_section.get(sid, []))
        # A practice paper that skips sections is scaled to 100 over the ones it has.
        weight = sec.weight * 100 / total_weight if total_weight else 0
        sections[sid] = (weight * right / asked[sid], sec.weight)
    total = sum(p for p, _ in sections.values())
    wrong = Counter(a.category for a in answers if not a.correct and a.category)
    level = bank.level_for(total)
    passed = total >= bank.pass_mark
    return Result(
        paper.kind, list(answers), total, sections, passed, level, wrong.most_common(), typing_cpm
    )


def model_templates(library: Library, drill: Drill) -> list[str]:
    """The template to show after a drill: its own, else the category's first ones."""
    if drill.template:
        return [drill.template]
    return [t.id for t in library.for_category(drill.category)][:2]


def typing_speed(target: str, typed: str, seconds: float) -> float:
    """Correct characters per minute (a character counts where it matches the text)."""
    import difflib

    if seconds <= 0:
        return 0.0
    matcher = difflib.SequenceMatcher(a=target, b=typed, autojunk=False)
    correct = sum(block.size for block in matcher.get_matching_blocks())
    return correct * 60 / seconds


def weights(bank: Bank) -> Mapping[str, int]:
    return {sid: s.weight for sid, s in bank.sections.items()}
