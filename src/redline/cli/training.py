"""``redline templates`` (话术库) and ``redline exam`` (the agent exam), graded by the guard.

Thin: the library, search and grading are :mod:`redline.training`'s; results are kept
by :mod:`redline.store.training`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from redline.cli.options import (
    db_option,
    emit_json,
    lang_option,
    load_guard,
    open_db,
    rules_option,
    when,
)
from redline.cli.table import BadInput, table
from redline.guard.engine import Guard
from redline.store import training as results
from redline.training.bank import Bank, Drill, Question, load_bank
from redline.training.grading import (
    Answer,
    answer_item,
    draw_paper,
    grade_drill,
    model_templates,
    score,
    typing_speed,
)
from redline.training.library import Library, load_library
from redline.training.search import TemplateIndex, evaluate, load_queries
from redline.training.source import CATEGORIES
from redline.yamlsrc import PackError

_TYPE_ZH = {
    "single": "单选",
    "multiple": "多选",
    "truefalse": "判断",
    "number": "计算",
    "datetime": "时间",
    "drill": "情景",
}


def _library(path: str | None = None) -> Library:
    try:
        return load_library(Path(path) if path else None)
    except PackError as exc:
        raise BadInput(f"话术库有误: {exc}") from exc


def _bank(library: Library | None = None) -> Bank:
    try:
        return load_bank(library=library)
    except PackError as exc:
        raise BadInput(f"题库有误: {exc}") from exc


# --- templates ------------------------------------------------------------------------


@click.group("templates")
def templates() -> None:
    """话术库：按场景浏览、渲染、按买家的话检索。Reply templates: list, render, search."""


@templates.command("list")
@click.option("--scenario", help="只看某场景。Only this scenario.")
@click.option(
    "--category", type=click.Choice(CATEGORIES), help="只看某红线类别。Only this red-line category."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@lang_option
def templates_list(scenario: str | None, category: str | None, fmt: str, lang: str) -> None:
    """列出话术模板。List templates."""
    lib = _library()
    if scenario and scenario not in lib.scenarios:
        raise BadInput(f"未知场景 {scenario}（可选：{', '.join(lib.scenarios)}）")
    rows = [
        t
        for t in lib.templates.values()
        if (not scenario or t.scenario == scenario) and (not category or t.category == category)
    ]
    if fmt == "json":
        emit_json([t.to_dict() for t in rows])
        return
    name = {s.id: (s.en if lang == "en" else s.zh) for s in lib.scenarios.values()}
    click.echo(
        table(
            [
                "模板" if lang == "zh" else "template",
                "场景" if lang == "zh" else "scenario",
                "话术" if lang == "zh" else "text",
            ],
            [[t.id, name[t.scenario], _short(t.render(lang=lang))] for t in rows],
        )
    )
    click.echo(f"共 {len(rows)} 条" if lang == "zh" else f"{len(rows)} templates")


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


@templates.command("show")
@click.argument("template_id")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def templates_show(template_id: str, fmt: str) -> None:
    """显示一条模板的全部内容。Show one template."""
    lib = _library()
    try:
        t = lib.get(template_id)
    except KeyError as exc:
        raise BadInput(str(exc.args[0])) from exc
    if fmt == "json":
        emit_json(t.to_dict())
        return
    click.echo(
        f"{t.id}  [{lib.scenarios[t.scenario].zh}]"
        + (f"  红线：{t.category}" if t.category else "")
    )
    click.echo(f"中文：{t.zh}")
    if t.en:
        click.echo(f"English: {t.en}")
    if t.variables:
        click.echo("变量：" + "，".join(f"{{{k}}}={v}" for k, v in t.variables.items()))
    if t.when:
        click.echo("适用店铺：" + "，".join(f"{k}={v}" for k, v in t.when.items()))


@templates.command("render")
@click.argument("template_id")
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="填入变量（可多次）。Fill a variable.",
)
@lang_option
def templates_render(template_id: str, variables: tuple[str, ...], lang: str) -> None:
    """渲染模板，变量未给出时用默认值。Render a template."""
    lib = _library()
    values: dict[str, str] = {}
    for item in variables:
        if "=" not in item:
            raise BadInput(f"--var 应写成 名称=值：{item}")
        k, v = item.split("=", 1)
        values[k.strip()] = v
    try:
        click.echo(lib.get(template_id).render(values, lang=lang))
    except KeyError as exc:
        raise BadInput(str(exc.args[0])) from exc


@templates.command("search")
@click.argument("text")
@click.option("-k", "top", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--category", type=click.Choice(CATEGORIES))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@lang_option
def templates_search(text: str, top: int, category: str | None, fmt: str, lang: str) -> None:
    """按买家的话检索合适的话术（BM25）。Rank templates for a buyer's message."""
    lib = _library()
    hits = TemplateIndex(lib).search(text, k=top, category=category)
    if fmt == "json":
        emit_json([{**h.template.to_dict(), "score": round(h.score, 3)} for h in hits])
        return
    if not hits:
        click.echo("没有找到相关话术。" if lang == "zh" else "No matching template.")
        return
    click.echo(
        table(
            [
                "#",
                "模板" if lang == "zh" else "template",
                "得分" if lang == "zh" else "score",
                "话术" if lang == "zh" else "text",
            ],
            [
                [str(i), h.template.id, f"{h.score:.2f}", _short(h.template.render(lang=lang))]
                for i, h in enumerate(hits, 1)
            ],
        )
    )


@templates.command("eval")
@click.option(
    "--queries",
    "queries_path",
    type=click.Path(exists=True, dir_okay=False),
    help="标注文件（JSONL）。",
)
@click.option(
    "--min-top3", type=float, default=None, help="top-3 准确率低于此值时退出码 1。Fail below this."
)
@click.option("-v", "verbose", is_flag=True, help="列出未命中的。List the misses.")
def templates_eval(queries_path: str | None, min_top3: float | None, verbose: bool) -> None:
    """检索准确率：标注的买家消息，期望场景是否在前 3 条里。Search accuracy on labelled messages."""
    lib = _library()
    try:
        queries = load_queries(Path(queries_path) if queries_path else None)
    except PackError as exc:
        raise BadInput(str(exc)) from exc
    unknown = sorted({s for _, s in queries if s not in lib.scenarios})
    if unknown:
        raise BadInput(f"标注里有未知场景：{', '.join(unknown)}")
    ev = evaluate(TemplateIndex(lib), queries)
    click.echo(
        f"买家消息 {ev.total} 条  top-1 {ev.top1_accuracy:.1%}  top-3 {ev.top3_accuracy:.1%}"
    )
    if verbose:
        for text, expected, got in ev.misses:
            click.echo(f"  ✗ {text}  期望 {expected}  得到 {', '.join(got) or '无'}")
    if min_top3 is not None and ev.top3_accuracy < min_top3:
        raise click.exceptions.Exit(1)


# --- exam -----------------------------------------------------------------------------


@click.group("exam", invoke_without_command=True)
@click.pass_context
def exam(ctx: click.Context) -> None:
    """客服考试：题库、情景练习（由高压线守护评分）、在终端答卷、成绩。The agent exam."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@exam.command("bank")
@click.option("--section", help="只看某部分（basics/presale/insale/aftersale/subaccount）。")
@click.option("--category", type=click.Choice(CATEGORIES))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def exam_bank(section: str | None, category: str | None, fmt: str) -> None:
    """列出题目与情景练习（含答案）。List the questions and drills, with answers."""
    lib = _library()
    bank = _bank(lib)
    items: list[Question | Drill] = [*bank.questions.values(), *bank.drills.values()]
    items = [
        i
        for i in items
        if (not section or i.section == section) and (not category or i.category == category)
    ]
    if fmt == "json":
        emit_json([i.to_dict() for i in items])
        return
    rows = []
    for i in items:
        kind = "drill" if isinstance(i, Drill) else i.type
        rows.append(
            [
                i.id,
                bank.sections[i.section].zh,
                _TYPE_ZH[kind],
                i.category or "-",
                _short(i.task if isinstance(i, Drill) else i.zh, 34),
            ]
        )
    click.echo(table(["编号", "部分", "题型", "红线", "题目"], rows))
    click.echo(f"共 {len(bank.questions)} 道题、{len(bank.drills)} 个情景练习（显示 {len(items)}）")


@exam.command("drill")
@click.argument("drill_id")
@click.option("--answer", required=True, help="学员的回复。The trainee's reply.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@rules_option
@lang_option
def exam_drill(
    drill_id: str, answer: str, fmt: str, rules_dirs: tuple[str, ...], lang: str
) -> None:
    """给一条情景练习的回复评分。Grade one reply to a drill."""
    lib = _library()
    bank = _bank(lib)
    if drill_id not in bank.drills:
        raise BadInput(f"没有情景练习 {drill_id}（redline exam bank 可查看）")
    drill = bank.drills[drill_id]
    res = grade_drill(drill, answer, load_guard(rules_dirs, lang))
    if fmt == "json":
        emit_json(res.to_dict(lang))
    else:
        _print_drill(res.passed, res.findings, res.rubric, drill, lib, lang)
    if not res.passed:
        raise click.exceptions.Exit(1)


def _print_drill(
    passed: bool, findings: Any, rubric: Any, drill: Drill, lib: Library, lang: str
) -> None:
    click.echo(
        ("✓ 通过" if passed else "✗ 未通过")
        if lang == "zh"
        else ("✓ passed" if passed else "✗ failed")
    )
    for f in findings:
        click.echo(f"  踩线 [{f.category}] {f.rule}：{f.explanation}")
    for zh, en, met in rubric:
        click.echo(f"  {'✓' if met else '✗'} {en if lang == 'en' and en else zh}")
    if not passed:
        click.echo(f"  参考回复：{drill.model_answer}")
        for tid in model_templates(lib, drill):
            if tid in lib.templates:
                click.echo(f"  话术 {tid}：{lib.templates[tid].render(lang=lang)}")


def _describe(drill: Drill) -> list[str]:
    shop = drill.context.get("shop") or {}
    flags = [
        "天猫" if shop.get("platform", "tmall") == "tmall" else "淘宝",
        "支持货到付款" if shop.get("cod") else "不支持货到付款",
        "支持信用卡" if shop.get("credit_card", True) else "不支持信用卡",
        "包邮" if shop.get("free_shipping") else "不包邮",
    ]
    if shop.get("free_shipping_exclusions"):
        flags.append("不包邮地区：" + "、".join(shop["free_shipping_exclusions"]))
    lines = ["店铺：" + "，".join(flags)]
    order = drill.context.get("order")
    if order:
        lines.append(
            f"订单：{order.get('id', '-')}，下单人 {order.get('buyer', '-')}，金额 {order.get('amount', '-')}"
        )
    for m in drill.context["messages"]:
        who = "买家" if m["role"] == "buyer" else "客服"
        lines.append(f"{who}（{m.get('account') or '-'}）：{m['text']}")
    return lines


@exam.command("take")
@click.option("--agent", help="考生（客服名）。Who is taking it.")
@click.option(
    "--category", type=click.Choice(CATEGORIES), help="只练某红线的题。Practise one red line."
)
@click.option("--per-section", type=click.IntRange(1, 40), default=6, show_default=True)
@click.option("--seed", type=int, default=None, help="抽题的随机种子（同一种子同一份卷子）。")
@click.option(
    "--typing", is_flag=True, help="最后加一道打字测试（55 字/分钟合格）。Add the typing test."
)
@click.option("--no-save", is_flag=True, help="不保存成绩。Do not store the result.")
@db_option
@rules_option
def exam_take(
    agent: str | None,
    category: str | None,
    per_section: int,
    seed: int | None,
    typing: bool,
    no_save: bool,
    db_url: str | None,
    rules_dirs: tuple[str, ...],
) -> None:
    """在终端答一份试卷（纯文本提示，可在 SSH / tmux 下用）。Take a paper in the terminal."""
    lib = _library()
    bank = _bank(lib)
    guard = load_guard(rules_dirs)
    agent = agent or click.prompt("考生（客服名）", type=str).strip()
    paper = draw_paper(bank, per_section=per_section, seed=seed, category=category)
    title = f"红线专项练习：{category}" if category else "客服考试（满分 100，60 分合格）"
    click.echo(f"{title}，共 {len(paper.items)} 题。")
    answers: list[Answer] = []
    for n, item in enumerate(paper.items, 1):
        sec = bank.sections[item.section].zh
        click.echo("")
        if isinstance(item, Drill):
            click.echo(f"第 {n}/{len(paper.items)} 题 [{sec}·情景] {item.task}")
            for line in _describe(item):
                click.echo(f"  {line}")
            given = click.prompt("你的回复", default="", show_default=False)
        else:
            click.echo(f"第 {n}/{len(paper.items)} 题 [{sec}·{_TYPE_ZH[item.type]}] {item.zh}")
            for key, (zh, _) in item.options.items():
                click.echo(f"  {key}. {zh}")
            hint = {
                "truefalse": "答案（对/错）",
                "multiple": "答案（如 AC）",
                "number": "答案（数字）",
                "datetime": "答案（如 2026-09-10 15:00）",
            }
            given = click.prompt(hint.get(item.type, "答案"), default="", show_default=False)
        answers.append(answer_item(item, given, guard))
    cpm = None
    if typing:
        passage = next(iter(lib.templates.values())).render()
        click.echo("")
        click.echo(f"打字测试：请照打下面这段话，打完按回车。\n  {passage}")
        start = time.monotonic()
        typed = click.prompt("", default="", show_default=False, prompt_suffix="> ")
        cpm = typing_speed(passage, typed, time.monotonic() - start)
    result = score(bank, paper, answers, cpm)
    _print_result(bank, result, guard)
    if not no_save:
        rid = results.record_result(open_db(db_url), agent, result, when(None), via="cli")
        click.echo(f"成绩已保存（#{rid}）。redline exam results --agent {agent} 查看历史。")


def _print_result(bank: Bank, result: Any, guard: Guard) -> None:
    click.echo("")
    level = f"，等级：{result.level.zh}" if result.level else ""
    click.echo(f"得分 {result.score:.1f} / 100，{'合格' if result.passed else '不合格'}{level}")
    for sid, (points, weight) in result.sections.items():
        click.echo(f"  {bank.sections[sid].zh}：{points:.1f} / {weight}")
    if result.typing_cpm is not None:
        ok = "合格" if result.typing_cpm >= bank.typing_cpm else "未达标"
        click.echo(f"  打字：{result.typing_cpm:.0f} 字/分钟（{bank.typing_cpm} 合格，{ok}）")
    wrong = [a for a in result.answers if not a.correct]
    if wrong:
        click.echo("答错的题：")
        for a in wrong:
            item = bank.item(a.item)
            right = a.detail.get("model_answer") or a.detail.get("solution")
            click.echo(f"  {a.item}：正确答案/参考回复 {right}")
            if isinstance(item, Question) and item.explain:
                click.echo(f"    解析：{item.explain}")
            for rule in a.detail.get("findings", []):
                click.echo(f"    踩线：{rule}")
    if result.weak_categories:
        click.echo("薄弱红线：" + "，".join(f"{c} {n}" for c, n in result.weak_categories))


@exam.command("results")
@click.option("--agent", help="只看某位客服。One agent.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@db_option
def exam_results(agent: str | None, fmt: str, db_url: str | None) -> None:
    """考试历史。Exam history."""
    rows = results.history(open_db(db_url), agent)
    if fmt == "json":
        emit_json([results.result_dict(r) for r in rows])
        return
    if not rows:
        click.echo("还没有考试记录。")
        return
    click.echo(
        table(
            ["#", "客服", "时间", "卷子", "得分", "结果", "等级", "薄弱红线"],
            [
                [
                    str(r.id),
                    r.agent,
                    r.taken_at.strftime("%m-%d %H:%M"),
                    r.kind,
                    f"{float(r.score):.1f}",
                    "合格" if r.passed else "不合格",
                    r.level or "-",
                    "、".join(r.weak) or "-",
                ]
                for r in rows
            ],
        )
    )


@exam.command("team")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@db_option
def exam_team(fmt: str, db_url: str | None) -> None:
    """主管视图：谁合格、什么等级、团队总在哪些红线上出错、按质检派练习。Team view."""
    engine = open_db(db_url)
    standings, weak = results.team(engine)
    assigned = {s.agent: results.assigned_drills(engine, s.agent) for s in standings}
    if fmt == "json":
        emit_json(
            {
                "agents": [
                    {**s.to_dict(), "assigned": [c for c, _ in assigned[s.agent]]}
                    for s in standings
                ],
                "team_weak": [{"category": c, "wrong": n} for c, n in weak],
            }
        )
        return
    if not standings:
        click.echo("还没有考试记录。")
        return
    click.echo(
        table(
            ["客服", "次数", "最近", "最好", "合格", "等级", "薄弱红线", "按质检派练"],
            [
                [
                    s.agent,
                    str(s.sittings),
                    f"{s.latest_score:.1f}",
                    f"{s.best_score:.1f}",
                    "是" if s.passed else "否",
                    s.level or "-",
                    "、".join(c for c, _ in s.weak[:3]) or "-",
                    "、".join(c for c, _ in assigned[s.agent]) or "-",
                ]
                for s in standings
            ],
        )
    )
    if weak:
        click.echo("团队最常错的红线：" + "，".join(f"{c} {n}" for c, n in weak[:5]))


COMMANDS = [templates, exam]
