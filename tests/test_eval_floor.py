"""The public dev set (tests/data/dev.jsonl) must stay above the quality floor."""

from __future__ import annotations

import json

import pytest

from redline.guard.evaluate import Report, score
from redline.model import Conversation
from support import CATEGORIES, DEV_SET


def load_dev() -> list[Conversation]:
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()
    return [
        Conversation.from_dict(json.loads(line), default_id=str(i))
        for i, line in enumerate(lines, 1)
        if line.strip()
    ]


@pytest.fixture(scope="module")
def report(guard) -> Report:
    return score(guard.check_many(load_dev()))


def _explain(report: Report) -> str:
    misses = [f"miss {t} {text}" for t, text in report.misses]
    alarms = [f"false alarm {t} {f.rule}: {f.evidence}" for t, f in report.false_alarms]
    return "\n".join(misses + alarms)


def test_dev_set_is_complete():
    convs = load_dev()
    assert len(convs) == 90
    assert sum(len(c.expect or []) for c in convs) == 73


def test_overall_f1(report):
    assert report.conversations == 90
    assert report.overall.f1 >= 0.97, _explain(report)


@pytest.mark.parametrize("category", CATEGORIES)
def test_per_category_precision_and_recall(report, category):
    s = report.per_category.get(category)
    assert s is not None and s.tp > 0, f"no true positives for {category}"
    assert s.precision >= 0.90, _explain(report)
    assert s.recall >= 0.90, _explain(report)


def test_payment_points(report):
    assert report.points_checked == 5
    assert report.points_wrong == []


def test_batch_and_single_checks_agree(guard):
    convs = load_dev()
    batched = {
        c.id: sorted((f.message, f.rule, f.start, f.end) for f in fs)
        for c, fs in guard.check_many(convs, batch_messages=7)
    }
    single = {
        c.id: sorted((f.message, f.rule, f.start, f.end) for f in guard.check(c)) for c in convs
    }
    assert batched == single


def test_evidence_is_original_text(guard):
    for conv, found in guard.check_many(load_dev()):
        for f in found:
            text = conv.messages[f.message].text
            assert f.evidence == text[f.start : f.end]
            assert f.evidence, (conv.id, f.rule)


def test_scoring_counts_false_alarms_and_misses(guard):
    conv = Conversation.from_dict(
        {
            "id": "x1",
            "messages": [{"role": "agent", "text": "特价商品不开发票"}],
            "expect": [{"message": 0, "category": "cod"}],
        }
    )
    rep = score([(conv, guard.check(conv))])
    assert rep.per_category["invoice"].fp == 1
    assert rep.per_category["cod"].fn == 1
    assert rep.overall.f1 == 0.0
    assert rep.as_dict()["overall"]["fp"] == 1
