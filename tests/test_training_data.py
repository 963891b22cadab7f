"""The shipped training material: enough of it, and consistent with the guard.

What an agent is taught must be what the guard enforces: every template and every
drill's model answer passes the guard (in the template's or drill's shop), and every
drill's bad answer is caught with the drill's category.
"""

from __future__ import annotations

from collections import Counter

import pytest

from redline import Conversation, Guard
from redline.training.bank import Bank, load_bank
from redline.training.grading import grade_drill
from redline.training.library import Library, load_library
from redline.training.search import TemplateIndex, evaluate, load_queries
from redline.training.source import CATEGORIES

SERVICE = (
    "greeting", "bargaining", "shipping", "order_confirm", "soothing",
    "address_change", "refund", "urge_payment", "closing", "after_sales",
)  # fmt: skip
FLOOR_GUARD_CATCHES = 0.70  # measured when the floor was set; raise it as the guard learns
RED_LINE_QUESTIONS = (
    "invoice", "cod", "credit_card", "free_shipping", "privacy",
    "payment", "price", "close_order", "returns", "extortion",
)  # fmt: skip


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library()


@pytest.fixture(scope="module")
def bank(lib: Library) -> Bank:
    return load_bank(library=lib)


def test_library_covers_every_scenario(lib: Library) -> None:
    assert len(lib.templates) >= 80
    per = Counter(t.scenario for t in lib.templates.values())
    assert {s: per[s] for s in SERVICE if per[s] < 5} == {}
    assert {s: per[s] for s in RED_LINE_QUESTIONS if per[s] < 3} == {}


def test_every_template_passes_the_guard(lib: Library, guard: Guard) -> None:
    flagged = {}
    for t in lib.templates.values():
        conv = Conversation.from_dict(
            {
                "id": t.id,
                "shop": t.shop().to_dict(),
                "messages": [{"role": "agent", "account": "店:客服", "text": t.render()}],
            }
        )
        found = [f.rule for f in guard.check(conv)]
        if found:
            flagged[t.id] = found
    assert flagged == {}


def test_every_category_has_drills_and_questions(bank: Bank) -> None:
    drills = Counter(d.category for d in bank.drills.values())
    questions = Counter(q.category for q in bank.questions.values() if q.category)
    assert {c: drills[c] for c in CATEGORIES if drills[c] < 5} == {}
    assert {c: questions[c] for c in CATEGORIES if questions[c] < 5} == {}
    assert all(any(q.section == s for q in bank.questions.values()) for s in bank.sections)
    assert sum(q.compute is not None for q in bank.questions.values()) >= 8


def test_model_answers_pass_and_bad_answers_fail(bank: Bank, guard: Guard) -> None:
    failing_model = {}
    passing_bad = []
    caught = 0
    for d in bank.drills.values():
        good = grade_drill(d, d.model_answer, guard)
        if not good.passed:
            failing_model[d.id] = ([f.rule for f in good.findings], [m for _, _, m in good.rubric])
        bad = grade_drill(d, d.bad_answer, guard)
        if bad.passed:
            passing_bad.append(d.id)
        caught += d.category in {f.category for f in bad.findings}
    assert failing_model == {}
    assert passing_bad == []
    # The guard itself names the drill's red line for most bad answers (extortion is
    # the buyer's red line: giving in is failed by the drill's rubric). The rest are
    # the guard's recall gaps, listed by `redline exam bank` + `exam drill`.
    assert caught / len(bank.drills) >= FLOOR_GUARD_CATCHES


def test_template_search_top3_accuracy(lib: Library) -> None:
    queries = load_queries()
    assert len(queries) >= 150
    assert {s for _, s in queries} <= set(lib.scenarios)
    ev = evaluate(TemplateIndex(lib), queries)
    assert ev.top3_accuracy >= 0.90, ev.misses[:20]
