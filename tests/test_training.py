"""Training: the template library, search, the question bank, drills, papers, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from redline import Guard
from redline.cli import main
from redline.store.training import history
from redline.training.bank import load_bank
from redline.training.grading import (
    answer_item,
    draw_paper,
    grade_drill,
    grade_question,
    score,
    typing_speed,
)
from redline.training.library import load_library
from redline.training.search import TemplateIndex, evaluate, load_queries
from redline.yamlsrc import PackError

DATA = Path(__file__).parent / "data" / "training"


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard.default()


@pytest.fixture(scope="module")
def lib():  # type: ignore[no-untyped-def]
    return load_library(DATA / "templates.yaml")


@pytest.fixture(scope="module")
def bank(lib):  # type: ignore[no-untyped-def]
    return load_bank(DATA / "questions.yaml", DATA / "drills.yaml", lib)


# --- the library ----------------------------------------------------------------------


def test_render_fills_defaults_and_values(lib) -> None:  # type: ignore[no-untyped-def]
    t = lib.get("greeting.welcome")
    assert t.render() == "亲，欢迎光临本店～我是客服小美，有什么可以帮您的吗？"
    assert "云朵家居" in t.render({"shop": "云朵家居"})
    assert t.render(lang="en").startswith("Welcome to 本店")
    with pytest.raises(KeyError, match="没有变量"):
        t.render({"nope": "x"})


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("  greeting.x:\n    scenario: nope\n    zh: 你好\n", 5, "未知场景"),
        ("  greeting.x:\n    scenario: greeting\n    zh: 你好{buyer}\n", 6, "没有默认值"),
        ("  other.x:\n    scenario: greeting\n    zh: 你好\n", 5, "应以场景开头"),
        ("  greeting.x:\n    scenario: greeting\n    zh: 你好\n    colour: red\n", 7, "未知字段"),
        (
            "  greeting.x:\n    scenario: greeting\n    category: bogus\n    zh: 你好\n",
            6,
            "未知类别",
        ),
        (
            "  greeting.x:\n    scenario: greeting\n    when: {cod: true, mood: good}\n    zh: 你好\n",
            6,
            "when",
        ),
    ],
)
def test_bad_template_names_file_and_line(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    path = _write(
        tmp_path, "t.yaml", "scenarios:\n  greeting: {zh: 问候, en: Greeting}\ntemplates:\n" + body
    )
    with pytest.raises(PackError, match=message) as info:
        load_library(path)
    assert info.value.path == str(path) and info.value.line == line


def test_search_ranks_the_matching_scenario_first(lib) -> None:  # type: ignore[no-untyped-def]
    index = TemplateIndex(lib)
    assert index.search("我要开个公司发票，抬头怎么填")[0].template.id == "invoice.ask_title"
    assert index.search("有人在嘛")[0].template.scenario == "greeting"
    assert index.search("！！！") == []
    assert [h.template.id for h in index.search("发票", category="invoice")] == [
        "invoice.ask_title"
    ]


def test_search_eval_counts_top1_and_top3(lib) -> None:  # type: ignore[no-untyped-def]
    ev = evaluate(TemplateIndex(lib), load_queries(DATA / "queries.jsonl"))
    assert ev.total == 4 and ev.top3 == 3 and ev.top1 <= ev.top3
    assert ev.misses == [("嗯嗯", "shipping", [])]


def test_bad_query_line_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "q.jsonl", '{"text": "a", "scenario": "greeting"}\nnot json\n')
    with pytest.raises(PackError, match="第 2 行"):
        load_queries(path)


# --- the bank -------------------------------------------------------------------------


def test_computed_answers_come_from_the_policy(bank) -> None:  # type: ignore[no-untyped-def]
    q = bank.questions["q.basics.refund"]
    assert q.solution() == "168.00"
    assert grade_question(q, "168") and grade_question(q, "168元") and not grade_question(q, "183")
    d = bank.questions["q.aftersale.return"]
    assert grade_question(d, d.solution())
    assert not grade_question(d, "2026-09-09 15:00")


@pytest.mark.parametrize(
    ("qid", "given", "ok"),
    [
        ("q.presale.invoice", "B", True),
        ("q.presale.invoice", "b", True),
        ("q.presale.invoice", "A", False),
        ("q.presale.invoice", "AB", False),
        ("q.insale.tf", "错", True),
        ("q.insale.tf", "对", False),
        ("q.insale.tf", "", False),
        ("q.subaccount.multi", "CA", True),
        ("q.subaccount.multi", "A", False),
        ("q.subaccount.multi", "A,B,C", False),
    ],
)
def test_objective_answers(bank, qid: str, given: str, ok: bool) -> None:  # type: ignore[no-untyped-def]
    assert grade_question(bank.questions[qid], given) is ok


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("answer", "D", "不在选项"),
        ("type", "essay", "未知题型"),
        ("section", "lunch", "未知部分"),
    ],
)
def test_bad_question_is_named(tmp_path: Path, field: str, value: str, message: str) -> None:
    text = (DATA / "questions.yaml").read_text(encoding="utf-8")
    block = "  q.presale.invoice:\n"
    start = text.index(block)
    end = text.index("  q.insale.tf:")
    lines = [ln for ln in text[start:end].splitlines() if not ln.startswith(f"    {field}:")]
    lines.append(f"    {field}: {value}")
    path = _write(tmp_path, "questions.yaml", text[:start] + "\n".join(lines) + "\n" + text[end:])
    with pytest.raises(PackError, match=message) as info:
        load_bank(path, DATA / "drills.yaml")
    assert info.value.path == str(path) and info.value.line


def test_computed_question_may_not_type_its_answer(tmp_path: Path) -> None:
    text = (DATA / "questions.yaml").read_text(encoding="utf-8")
    text = text.replace("    explain: 退货退的是商品金额，不含运费。\n", "    answer: 183\n")
    with pytest.raises(PackError, match="计算题不写答案"):
        load_bank(_write(tmp_path, "questions.yaml", text), DATA / "drills.yaml")


def test_drill_grading_uses_the_guard_and_the_rubric(bank, guard: Guard) -> None:  # type: ignore[no-untyped-def]
    drill = bank.drills["d.invoice.special"]
    good = grade_drill(drill, drill.model_answer, guard)
    assert good.passed and not good.findings
    bad = grade_drill(drill, drill.bad_answer, guard)
    assert not bad.passed and {f.category for f in bad.findings} == {"invoice"}
    thin = grade_drill(drill, "亲，可以开的哦", guard)  # compliant, but never asks for the title
    assert not thin.passed and not thin.findings
    assert [met for _, _, met in thin.rubric] == [True, False]
    assert not grade_drill(drill, "   ", guard).passed


def test_paper_uses_section_weights(bank, guard: Guard) -> None:  # type: ignore[no-untyped-def]
    paper = draw_paper(bank, seed=1)
    assert {i.section for i in paper.items} == set(bank.sections)
    right = [
        answer_item(i, getattr(i, "model_answer", None) or i.solution(), guard) for i in paper.items
    ]
    assert score(bank, paper, right).score == pytest.approx(100)
    # Everything right except the basics (35 points): 65, a pass at the lowest level.
    mixed = [
        a if a.section != "basics" else answer_item(bank.item(a.item), "0", guard) for a in right
    ]
    result = score(bank, paper, mixed)
    assert result.score == pytest.approx(65) and result.passed and result.level.zh == "合格"
    assert result.weak_categories == [("returns", 1)]
    nothing = score(bank, paper, [answer_item(i, "", guard) for i in paper.items])
    assert nothing.score == 0 and not nothing.passed and nothing.level is None


def test_typing_speed_counts_correct_characters() -> None:
    assert typing_speed("亲你好", "亲你好", 3) == pytest.approx(60)
    assert typing_speed("亲你好", "亲好", 3) == pytest.approx(40)
    assert typing_speed("亲", "亲", 0) == 0


# --- the CLI --------------------------------------------------------------------------


@pytest.fixture
def shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the loaders at the test data (as a shop points them at its own)."""
    monkeypatch.setenv("REDLINE_TRAINING_DATA", str(DATA))


def test_cli_templates(shipped: None) -> None:
    r = CliRunner()
    out = r.invoke(main, ["templates", "list", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert {"id", "scenario", "text"} <= set(rows[0]) and len(rows) == 3
    out = r.invoke(main, ["templates", "render", "shipping.when", "--var", "ship_days=3"])
    assert out.output.strip() == "亲，付款后3天内为您发出，发货后可在订单里查看物流哦～"
    out = r.invoke(main, ["templates", "render", "shipping.when", "--var", "colour=3"])
    assert out.exit_code == 2 and "没有变量" in out.output
    out = r.invoke(main, ["templates", "search", "能开发票吗", "--format", "json"])
    assert json.loads(out.output)[0]["id"] == "invoice.ask_title"
    out = r.invoke(main, ["templates", "eval", "--min-top3", "0.99"])
    assert out.exit_code == 1 and "top-3" in out.output
    assert r.invoke(main, ["templates", "show", "nope"]).exit_code == 2


def test_cli_exam_bank_and_drill(shipped: None) -> None:
    r = CliRunner()
    out = r.invoke(main, ["exam", "bank", "--format", "json"])
    items = json.loads(out.output)
    drill = next(i for i in items if i["kind"] == "drill")
    assert drill["model_answer"] and {"id", "type", "section", "category"} <= set(drill)
    computed = next(i for i in items if i["id"] == "q.basics.refund")
    assert computed["answer"] == "168.00"
    out = r.invoke(
        main,
        [
            "exam",
            "drill",
            "d.invoice.special",
            "--answer",
            "亲，特价商品不开发票哦",
            "--format",
            "json",
        ],
    )
    res = json.loads(out.output)
    assert (
        out.exit_code == 1
        and res["passed"] is False
        and res["findings"][0]["category"] == "invoice"
    )
    assert set(res) >= {"passed", "findings", "rubric", "model_answer"}
    good = r.invoke(
        main, ["exam", "drill", "d.invoice.special", "--answer", "亲，可以开具的，请提供抬头和税号"]
    )
    assert good.exit_code == 0 and "通过" in good.output


def test_cli_exam_take_stores_the_result(shipped: None, tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    r = CliRunner()
    # The paper's order for seed 1 (see test_paper_uses_section_weights).
    answers = [
        "168",
        "B",
        "亲，特价商品也可以开具发票，麻烦提供抬头和税号",
        "错",
        "2026-09-10 15:00",
        "AC",
    ]
    out = r.invoke(
        main,
        ["exam", "take", "--agent", "小美", "--seed", "1", "--db", db],
        input="\n".join(answers) + "\n",
    )
    assert out.exit_code == 0, out.output
    assert "得分 100.0 / 100，合格，等级：高级" in out.output
    out = r.invoke(main, ["exam", "results", "--agent", "小美", "--db", db, "--format", "json"])
    stored = json.loads(out.output)
    assert len(stored) == 1 and stored[0]["score"] == 100.0 and stored[0]["level"] == "高级"
    wrong = ["183", "A", "亲，特价商品不开发票哦", "对", "2026-09-09", "A"]
    out = r.invoke(
        main,
        ["exam", "take", "--agent", "小美", "--seed", "1", "--db", db],
        input="\n".join(wrong) + "\n",
    )
    assert "不合格" in out.output and "踩线" in out.output
    team = json.loads(r.invoke(main, ["exam", "team", "--db", db, "--format", "json"]).output)
    (agent,) = team["agents"]
    assert agent["sittings"] == 2 and agent["passed"] and agent["best_score"] == 100.0
    assert {w["category"] for w in team["team_weak"]} >= {"invoice", "returns"}


# --- the web pages --------------------------------------------------------------------


def test_web_templates_and_exam(shipped: None, tmp_path: Path) -> None:
    from web_support import AGENT_ACCOUNT, make_site

    site = make_site(tmp_path)
    agent = site.login("xiaomei")
    page = agent.get("/templates", params={"q": "特价的能开发票吗"})
    assert page.status_code == 200 and "invoice.ask_title" in page.text and "复制" in page.text
    assert (
        agent.get("/api/templates", params={"q": "开发票"}).json()[0]["id"] == "invoice.ask_title"
    )
    # The paper is drawn from its seed; the answers are posted as the form would.
    paper = agent.get("/exam/paper", params={"seed": 1})
    assert paper.status_code == 200 and 'id="exam-timer"' in paper.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', paper.text)
    assert found
    csrf = found[1]
    form = {
        "csrf_token": csrf,
        "seed": "1",
        "category": "",
        "a.q.basics.refund": "168",
        "a.q.presale.invoice": "B",
        "a.d.invoice.special": "亲，特价商品不开发票哦",
        "a.q.insale.tf": "错",
        "a.q.aftersale.return": "2026-09-10 15:00",
        "a.q.subaccount.multi": ["A", "C"],
    }
    done = agent.post("/exam/submit", data=form, follow_redirects=False)
    assert done.status_code == 303
    result = agent.get(done.headers["location"])
    assert (
        result.status_code == 200
        and "85.0 / 100" in result.text
        and "invoice.special_price" in result.text
    )
    (stored,) = history(site.engine)
    assert stored.agent == AGENT_ACCOUNT and stored.via == "web"
    # The failed drill costs half of the pre-sale section (two items, 30 points).
    assert float(stored.score) == pytest.approx(85.0) and stored.weak == {"invoice": 1}
    # Another agent cannot read it; a supervisor sees the team.
    assert site.login("ajie").get(done.headers["location"]).status_code == 404
    boss = site.login("boss")
    team = boss.get("/exam/team")
    assert team.status_code == 200 and AGENT_ACCOUNT in team.text
    assert agent.get("/exam/team").status_code == 403
    # No CSRF token, no submission.
    form["csrf_token"] = "x"
    assert agent.post("/exam/submit", data=form, follow_redirects=False).status_code == 403
