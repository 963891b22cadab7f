"""The exam's question bank and scenario drills, as data.

``questions.yaml`` holds the paper's sections and weights (seed 001: basics 35,
pre-sale 30, in-sale 10, after-sale 13, sub-accounts 12), the pass mark, the levels
and the objective questions; ``drills.yaml`` the scenario drills, each a buyer message
in its context (shop flags, order, who is chatting, earlier turns) that the trainee
answers and the guard grades. Formats in ``data/FORMAT.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redline.desk.policy import Policy
from redline.model import Conversation, ConversationError
from redline.training import numeric
from redline.training.library import Library
from redline.training.source import Node, data_dir, load, seq

TYPES = ("single", "multiple", "truefalse", "number", "datetime")
_Q_FIELDS = (
    "section",
    "type",
    "category",
    "source",
    "zh",
    "en",
    "options",
    "answer",
    "compute",
    "explain",
    "explain_en",
)
_D_FIELDS = (
    "section", "category", "shop", "order", "account", "history", "buyer",
    "task", "task_en", "rubric", "model_answer", "template", "bad_answer",
)  # fmt: skip


@dataclass(frozen=True)
class Section:
    id: str
    zh: str
    en: str
    weight: int


@dataclass(frozen=True)
class Level:
    min: int
    zh: str
    en: str


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    type: str
    zh: str
    en: str = ""
    category: str | None = None
    source: str = ""
    options: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # key → (zh, en)
    answer: Any = None  # "B" | ("A", "C") | True; None for computed ones
    compute: Mapping[str, Any] | None = None
    explain: str = ""
    explain_en: str = ""
    origin: str = ""

    def solution(self, policy: Policy | None = None) -> str:
        """The right answer as shown to the trainee."""
        if self.compute is not None:
            value = numeric.compute(self.compute["fn"], self.compute.get("args", {}), policy)
            return numeric.format_answer(value, policy)
        if self.type == "truefalse":
            return "对" if self.answer else "错"
        if self.type == "multiple":
            return "".join(self.answer)
        return str(self.answer)

    def to_dict(self, policy: Policy | None = None, answers: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "kind": "question",
            "type": self.type,
            "section": self.section,
            "category": self.category,
            "source": self.source,
            "text": self.zh,
            "text_en": self.en,
            "options": {k: {"zh": zh, "en": en} for k, (zh, en) in self.options.items()},
        }
        if answers:
            d["answer"] = self.solution(policy)
            d["explain"] = self.explain
            d["explain_en"] = self.explain_en
        return d


@dataclass(frozen=True)
class RubricItem:
    zh: str
    en: str
    any: tuple[re.Pattern[str], ...] = ()
    all: tuple[re.Pattern[str], ...] = ()
    none: tuple[re.Pattern[str], ...] = ()  # the reply must not say any of these

    def met(self, normalised_reply: str) -> bool:
        if self.any and not any(p.search(normalised_reply) for p in self.any):
            return False
        if any(p.search(normalised_reply) for p in self.none):
            return False
        return all(p.search(normalised_reply) for p in self.all)


@dataclass(frozen=True)
class Drill:
    id: str
    section: str
    category: str
    buyer: str
    task: str
    task_en: str
    rubric: tuple[RubricItem, ...]
    model_answer: str
    context: Mapping[str, Any]  # the formats.md conversation without the reply
    template: str | None = None
    bad_answer: str = ""
    origin: str = ""

    def conversation(self, reply: str) -> Conversation:
        """The drill's conversation with the trainee's reply as the last agent message."""
        data = dict(self.context)
        data["messages"] = [
            *self.context["messages"],
            {"role": "agent", "account": "培训:学员", "text": reply},
        ]
        return Conversation.from_dict(data)

    def to_dict(self, answers: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "kind": "drill",
            "type": "drill",
            "section": self.section,
            "category": self.category,
            "text": self.task,
            "text_en": self.task_en,
            "buyer": self.buyer,
            "context": {k: v for k, v in self.context.items() if k != "id"},
            "rubric": [{"zh": r.zh, "en": r.en} for r in self.rubric],
            "template": self.template,
        }
        if answers:
            d["model_answer"] = self.model_answer
        return d


@dataclass(frozen=True)
class Bank:
    sections: dict[str, Section]
    levels: tuple[Level, ...]
    pass_mark: int
    typing_cpm: int
    questions: dict[str, Question]
    drills: dict[str, Drill]

    def item(self, item_id: str) -> Question | Drill:
        if item_id in self.questions:
            return self.questions[item_id]
        if item_id in self.drills:
            return self.drills[item_id]
        raise KeyError(f"题库里没有 {item_id} (no such question or drill)")

    def level_for(self, score: float) -> Level | None:
        for level in self.levels:
            if score >= level.min:
                return level
        return None


def load_bank(
    questions_path: Path | None = None,
    drills_path: Path | None = None,
    library: Library | None = None,
    policy: Policy | None = None,
) -> Bank:
    """Load and validate the question bank and the drills (PackError with file:line)."""
    root = load(questions_path or data_dir() / "questions.yaml", "questions.yaml")
    root.known(("sections", "levels", "pass_mark", "typing_cpm", "questions"))
    sections: dict[str, Section] = {}
    for sid, node in (root.child("sections") or root).items():
        node.known(("zh", "en", "weight"))
        weight = node.data.get("weight")
        if not isinstance(weight, int) or isinstance(weight, bool) or weight <= 0:
            raise node.fail("weight", f"{sid}.weight 应为正整数 (must be a positive integer)")
        sections[sid] = Section(sid, node.text("zh"), node.text("en"), weight)
    if sum(s.weight for s in sections.values()) != 100:
        raise root.fail("sections", "各部分分值之和应为 100 (section weights must add up to 100)")
    levels: list[Level] = []
    for line, raw in seq(root, "levels"):
        node = Node(root.path, raw, "levels[]", line)
        levels.append(Level(int(node.text("min")), node.text("zh"), node.text("en")))
    levels.sort(key=lambda lv: -lv.min)
    pass_mark = int(root.text("pass_mark", required=False, default="60"))
    typing_cpm = int(root.text("typing_cpm", required=False, default="55"))
    p = policy or Policy.default()
    questions = {
        qid: _question(qid, node, sections, p)
        for qid, node in (root.child("questions") or root).items()
    }
    droot = load(drills_path or data_dir() / "drills.yaml", "drills.yaml")
    droot.known(("drills",))
    drills = {
        did: _drill(did, node, sections, library)
        for did, node in (droot.child("drills") or droot).items()
    }
    return Bank(sections, tuple(levels), pass_mark, typing_cpm, questions, drills)


def _section(node: Node, sections: Mapping[str, Section], what: str) -> str:
    section = node.text("section")
    if section not in sections:
        raise node.fail(
            "section",
            f"{what}: 未知部分 {section!r} (unknown section; one of {', '.join(sections)})",
        )
    return section


def _question(qid: str, node: Node, sections: Mapping[str, Section], policy: Policy) -> Question:
    node.known(_Q_FIELDS)
    qtype = node.text("type")
    if qtype not in TYPES:
        raise node.fail("type", f"题目 {qid}: 未知题型 {qtype!r} (one of {', '.join(TYPES)})")
    options: dict[str, tuple[str, str]] = {}
    opt_node = node.child("options", required=False)
    if opt_node is not None:
        for key, value in opt_node.data.items():
            if isinstance(value, dict):
                options[str(key)] = (str(value.get("zh", "")), str(value.get("en", "")))
            else:
                options[str(key)] = (str(value), "")
    answer: Any = node.data.get("answer")
    compute = None
    if qtype in ("number", "datetime"):
        comp = node.child("compute")
        assert comp is not None
        fn = comp.text("fn")
        args = dict(comp.data.get("args") or {})
        try:
            numeric.check_args(fn, args, policy)
            numeric.compute(fn, args, policy)
        except ValueError as exc:
            raise comp.fail("fn", f"题目 {qid}: {exc}") from None
        if answer is not None:
            raise node.fail(
                "answer", f"题目 {qid}: 计算题不写答案，由 compute 算出 (computed; no answer)"
            )
        compute = {"fn": fn, "args": args}
    elif qtype == "truefalse":
        if not isinstance(answer, bool):
            raise node.fail("answer", f"题目 {qid}: 判断题答案应为 true/false")
    elif qtype == "single":
        if len(options) < 2 or str(answer) not in options:
            raise node.fail(
                "answer", f"题目 {qid}: 答案 {answer!r} 不在选项 {', '.join(options)} 中"
            )
        answer = str(answer)
    else:  # multiple
        keys = [answer] if isinstance(answer, str) else answer
        if not isinstance(keys, list) or not keys or any(str(k) not in options for k in keys):
            raise node.fail(
                "answer", f"题目 {qid}: 多选答案 {answer!r} 应为选项列表 ({', '.join(options)})"
            )
        answer = tuple(sorted(str(k) for k in keys))
    return Question(
        id=qid,
        section=_section(node, sections, f"题目 {qid}"),
        type=qtype,
        zh=node.text("zh"),
        en=node.text("en", required=False),
        category=node.category(),
        source=node.text("source", required=False),
        options=options,
        answer=answer,
        compute=compute,
        explain=node.text("explain", required=False),
        explain_en=node.text("explain_en", required=False),
        origin=f"{node.path}:{node.line}",
    )


def _patterns(item: Node, key: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for text in item.texts(key):
        try:
            out.append(re.compile(text))
        except re.error as exc:
            raise item.fail(key, f"{item.what}.{key}: 正则 {text!r} 无效 ({exc})") from None
    return tuple(out)


def _drill(did: str, node: Node, sections: Mapping[str, Section], library: Library | None) -> Drill:
    node.known(_D_FIELDS)
    category = node.category(required=True)
    assert category is not None
    rubric: list[RubricItem] = []
    for line, raw in seq(node, "rubric"):
        item = Node(node.path, raw, f"练习 {did}.rubric", line)
        item.known(("zh", "en", "any", "all", "none"))
        r = RubricItem(
            item.text("zh"),
            item.text("en", required=False),
            _patterns(item, "any"),
            _patterns(item, "all"),
            _patterns(item, "none"),
        )
        if not r.any and not r.all and not r.none:
            raise item.fail(
                None,
                f"练习 {did}: 评分项需要 any、all 或 none (a rubric item needs any, all or none)",
            )
        rubric.append(r)
    buyer = node.text("buyer")
    order = node.data.get("order")
    account = node.text("account", required=False) or (
        str(order.get("buyer", "")) if isinstance(order, dict) else ""
    )
    messages: list[dict[str, Any]] = []
    for line, raw in seq(node, "history"):
        turn = Node(node.path, raw, f"练习 {did}.history", line)
        role = turn.text("role")
        messages.append(
            {
                "role": role,
                "account": account or "买家" if role == "buyer" else "培训:学员",
                "text": turn.text("text"),
            }
        )
    messages.append({"role": "buyer", "account": account or "买家", "text": buyer})
    context: dict[str, Any] = {
        "id": f"drill:{did}",
        "shop": node.data.get("shop") or {},
        "messages": messages,
    }
    if order is not None:
        context["order"] = dict(order)
    try:
        Conversation.from_dict({**context, "messages": [*messages, {"role": "agent", "text": "x"}]})
    except ConversationError as exc:
        raise node.fail(None, f"练习 {did}: 情境无效 (bad context): {exc}") from None
    template = node.text("template", required=False) or None
    if template and library is not None and template not in library.templates:
        raise node.fail("template", f"练习 {did}: 没有模板 {template} (no such template)")
    return Drill(
        id=did,
        section=_section(node, sections, f"练习 {did}"),
        category=category,
        buyer=buyer,
        task=node.text("task"),
        task_en=node.text("task_en", required=False),
        rubric=tuple(rubric),
        model_answer=node.text("model_answer"),
        context=context,
        template=template,
        bad_answer=node.text("bad_answer", required=False),
        origin=f"{node.path}:{node.line}",
    )
