"""``redline check | eval | rules | demo`` — the guard on files, texts and the packs.

Exit status of ``redline check``: 0 nothing flagged, 1 something flagged,
2 bad input (a malformed line, an unreadable file, a broken rule pack).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click
import yaml

from redline.cli.options import lang_option, load_guard, no_model_option, rules_option
from redline.cli.table import BadInput
from redline.display import cell, pad, width
from redline.guard.engine import Guard
from redline.guard.evaluate import Report, score
from redline.guard.packs import RuleSet
from redline.guard.summary import summarize
from redline.jsonl import BadJSON, InputError, lone_surrogate, parse_json, read_conversations
from redline.model import Conversation, ConversationError, Finding, Message, Shop

F = TypeVar("F", bound=Callable[..., Any])

SEVERITY_ZH = {"violation": "违规", "warning": "提醒", "alert": "风险"}


# --- check -----------------------------------------------------------------------------------


@click.command()
@click.argument("file", required=False, type=click.Path(allow_dash=True))
@click.option("--text", "text", help="检查一条客服回复（发送前检查）。Check one agent reply.")
@click.option(
    "--shop",
    "shop_file",
    type=click.Path(exists=True, dir_okay=False),
    help="店铺设置文件（JSON/YAML），用于没有 shop 字段的会话。Shop profile.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="输出格式。Output format.",
)
@click.option(
    "--presend", is_flag=True, help="只判断每个会话的最后一条消息，且不看其后的消息（发送前检查）。"
)
@click.option(
    "--exit-zero", is_flag=True, help="发现问题时也返回 0。Exit 0 even when something is flagged."
)
@rules_option
@lang_option
@no_model_option
def check(
    file: str | None,
    text: str | None,
    shop_file: str | None,
    fmt: str,
    presend: bool,
    exit_zero: bool,
    rules_dirs: tuple[str, ...],
    lang: str,
    no_model: bool,
) -> None:
    """检查会话文件（JSONL，- 表示标准输入）或一条回复。

    Check a conversations file (formats.md JSONL, ``-`` for stdin) or one reply (``--text``).
    """
    if (file is None) == (text is None):
        raise BadInput("请给出一个会话文件（或 -），或使用 --text 检查一条回复")
    if text is not None and lone_surrogate(text) is not None:
        # Bytes that are not UTF-8 in the argument arrive as lone surrogates.
        raise BadInput(
            "--text 含有无效字符（不是有效的 UTF-8 文本）(--text is not valid UTF-8 text)"
        )
    shop = load_shop(shop_file) if shop_file else None
    guard = load_guard(rules_dirs, lang, model=not no_model)
    errors: list[InputError] = []
    findings: list[Finding] = []
    conversations = 0
    messages = 0

    def source() -> Iterable[Conversation]:
        if text is not None:
            items: Iterable[Conversation | InputError] = [
                Conversation(
                    messages=[Message(role="agent", text=text)], id="text", shop=shop or Shop()
                )
            ]
            yield from _accept(items)
        else:
            with open_input(file or "-") as stream:
                yield from _accept(read_conversations(stream, default_shop=shop))

    def _accept(items: Iterable[Conversation | InputError]) -> Iterator[Conversation]:
        nonlocal conversations, messages
        for item in items:
            if isinstance(item, InputError):
                errors.append(item)
                click.echo(f"redline: {item}", err=True)
                continue
            conversations += 1
            messages += len(item.messages)
            yield item

    out = _Stdout()
    for _conv, found in guard.check_many(source(), presend=presend or text is not None):
        findings.extend(found)
        if fmt == "jsonl":
            for f in found:
                out.write(json.dumps(f.to_dict(), ensure_ascii=False) + "\n")
    summary = summarize(findings, conversations, messages, sum(1 for e in errors if e.fatal))
    if fmt == "json":
        out.write(
            json.dumps(
                {
                    "findings": [f.to_dict() for f in findings],
                    "summary": summary,
                    "errors": [e.to_dict() for e in errors],
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    elif fmt == "table":
        out.write(render_table(findings, guard.ruleset, lang))
        out.write(render_summary(summary, lang) + "\n")
    fatal = [e for e in errors if e.fatal]
    if fatal:
        sys.exit(2)
    if findings and not exit_zero:
        sys.exit(1)


class _Stdout:
    """Writes through click.echo, so output works the same under CliRunner and pipes."""

    def write(self, text: str) -> None:
        click.echo(text, nl=False)


@contextlib.contextmanager
def open_input(path: str) -> Iterator[BinaryIO]:
    if path == "-":
        yield sys.stdin.buffer
        return
    p = Path(path)
    if not p.exists():
        raise BadInput(f"文件不存在: {path}")
    if p.is_dir():
        raise BadInput(f"这是一个目录，不是会话文件: {path}")
    with p.open("rb") as stream:
        yield stream


def load_shop(path: str) -> Shop:
    try:
        raw = Path(path).read_text(encoding="utf-8-sig")
        data = parse_json(raw) if path.endswith(".json") else yaml.safe_load(raw)
        if isinstance(data, dict) and "shop" in data:
            data = data["shop"]
        return Shop.from_dict(data)
    except (
        OSError,
        UnicodeDecodeError,
        BadJSON,
        yaml.YAMLError,
        ConversationError,
    ) as exc:
        raise BadInput(f"店铺设置文件 {path} 有误: {exc}") from exc


def render_table(findings: list[Finding], rs: RuleSet, lang: str) -> str:
    if not findings:
        return ""
    buf = io.StringIO()
    headers = (
        ["会话", "消息", "类别", "级别", "扣分", "规则", "证据"]
        if lang == "zh"
        else ["conv", "msg", "category", "severity", "points", "rule", "evidence"]
    )
    rows = []
    for f in findings:
        cat = rs.categories.get(f.category)
        cat_name = (cat.name_zh if lang == "zh" else cat.name_en) if cat else f.category
        sev = SEVERITY_ZH.get(f.severity, f.severity) if lang == "zh" else f.severity
        rows.append(
            [
                f.conversation,
                str(f.message),
                cat_name,
                sev,
                str(f.points),
                f.rule,
                f"{cell(f.evidence)} [{f.start}:{f.end}]",
            ]
        )
    widths = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    buf.write("  ".join(pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    buf.write("  ".join("-" * w for w in widths) + "\n")
    label_why, label_fix = ("原因", "建议回复") if lang == "zh" else ("why", "instead")
    for f, row in zip(findings, rows, strict=True):
        buf.write("  ".join(pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
        buf.write(f"    {label_why}: {f.explanation}\n")
        if f.suggestion:
            buf.write(f"    {label_fix}: {f.suggestion}\n")
    buf.write("\n")
    return buf.getvalue()


def render_summary(s: dict[str, Any], lang: str) -> str:
    if lang == "en":
        line = (
            f"Checked {s['conversations']} conversations, {s['messages']} messages: "
            f"{s['findings']} findings ({s['violations']} violations, {s['points']} points; "
            f"{s['warnings']} warnings; {s['alerts']} alerts)."
        )
        if s["bad_lines"]:
            line += f" {s['bad_lines']} bad lines skipped."
        return line
    line = (
        f"共检查 {s['conversations']} 个会话、{s['messages']} 条消息，发现 {s['findings']} 处问题"
        f"（违规 {s['violations']} 处，合计 {s['points']} 分；提醒 {s['warnings']} 处；"
        f"风险 {s['alerts']} 处）。"
    )
    if s["bad_lines"]:
        line += f"有 {s['bad_lines']} 行输入有误已跳过。"
    return line


# --- eval ------------------------------------------------------------------------------------


@click.command("eval")
@click.argument("file", type=click.Path(allow_dash=True))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--min-f1",
    type=float,
    default=None,
    help="总体 F1 低于此值时返回 1。Exit 1 when overall F1 is below this floor.",
)
@click.option(
    "--by-writer",
    is_flag=True,
    help="留一作者交叉验证（train.jsonl）：每位作者的会话由不含其数据训练的模型评分（需要 "
    "scikit-learn）。Leave-one-writer-out: each writer scored by a model trained without them.",
)
@click.option(
    "--extra",
    "extra_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="--by-writer: 每一折都参与训练的其他标注文件（如 dev.jsonl）。Always trained on.",
)
@click.option(
    "--corpora",
    type=click.Path(exists=True, file_okay=False),
    help="--by-writer: 真实客服语料目录，取行号能被 3 整除的行作负例（默认 FILE 旁的 ../corpora）。",
)
@rules_option
@no_model_option
def eval_cmd(
    file: str,
    fmt: str,
    min_f1: float | None,
    by_writer: bool,
    extra_files: tuple[str, ...],
    corpora: str | None,
    rules_dirs: tuple[str, ...],
    no_model: bool,
) -> None:
    """按 formats.md 的计分规则评估带标注的语料：各类别的精确率、召回率、F1。

    Score a labelled corpus (conversations with ``expect``): per-category precision,
    recall and F1, with the misses and false alarms. ``--by-writer``: leave-one-writer-out
    on train.jsonl (the writer is the letter after ``t`` in each id).
    """
    guard = load_guard(rules_dirs, model=not no_model)
    if by_writer:
        _eval_by_writer(guard, file, fmt, extra_files, corpora, min_f1)
        return
    convs: list[Conversation] = []
    bad = 0
    with open_input(file) as stream:
        for item in read_conversations(stream):
            if isinstance(item, InputError):
                click.echo(f"redline: {item}", err=True)
                bad += item.fatal
                continue
            convs.append(item)
    report = score(guard.check_many(convs))
    out = _Stdout()
    if fmt == "json":
        out.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(render_report(report))
    if bad:
        sys.exit(2)
    if min_f1 is not None and report.overall.f1 < min_f1:
        click.echo(f"redline: 总体 F1 {report.overall.f1:.4f} 低于下限 {min_f1}", err=True)
        sys.exit(1)


def _read_labelled(file: str) -> list[Conversation]:
    convs: list[Conversation] = []
    with open_input(file) as stream:
        for item in read_conversations(stream):
            if isinstance(item, InputError):
                if item.fatal:
                    raise BadInput(f"{file}: {item}")
                continue
            convs.append(item)
    return convs


def _eval_by_writer(
    guard: Guard,
    file: str,
    fmt: str,
    extra_files: tuple[str, ...],
    corpora: str | None,
    min_f1: float | None,
) -> None:
    """Leave-one-writer-out: train on four writers, score the fifth, for every writer."""
    if guard.learned is None:
        raise BadInput("--by-writer 评估的是学习层，不能与 --no-model 同时使用")
    try:
        from redline.guard import training
    except ImportError as exc:  # pragma: no cover - numpy missing
        raise BadInput(f"无法加载训练模块: {exc}") from exc
    try:
        training.require_sklearn()
    except training.TrainingUnavailable as exc:
        raise BadInput(str(exc)) from exc
    convs = _read_labelled(file)
    extra = [c for f in extra_files for c in _read_labelled(f)]
    corpus_dir = Path(corpora) if corpora else Path(file).resolve().parent.parent / "corpora"
    corpus: list[Conversation] = []
    if corpus_dir.is_dir():
        lines = training.corpus_lines(corpus_dir, train=True)
        corpus = training.corpus_conversations(
            (name, n, t) for name, items in lines.items() for n, t in items
        )
    layer = guard.learned
    thresholds = {c: float(t) for c, t in zip(layer.categories, layer.thresholds, strict=True)}
    click.echo(
        f"留一作者评估：{len(convs)} 个会话；每一折另加 {len(extra)} 个会话、"
        f"{len(corpus)} 条真实语料负例（{corpus_dir if corpus else '无'}）训练；"
        "阈值用随包模型的阈值。",
        err=True,
    )
    per, pooled, cf_per, cf_pooled = training.by_writer(
        guard.ruleset, convs, thresholds, training.Params(), extra=extra, corpus=corpus
    )
    out = _Stdout()
    if fmt == "json":
        data = {
            "per_writer": {
                w: {"conversations": r.conversations, **r.overall.as_dict()} for w, r in per.items()
            },
            "pooled": {"conversations": pooled.conversations, **pooled.overall.as_dict()},
            "categories": {c: s.as_dict() for c, s in sorted(pooled.per_category.items())},
            "thresholds_chosen_without_the_writer": {
                "per_writer": {
                    w: {"conversations": r.conversations, **r.overall.as_dict()}
                    for w, r in cf_per.items()
                },
                "pooled": cf_pooled.overall.as_dict(),
            },
        }
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(f"{'writer':<10}{'convs':>7}{'precision':>11}{'recall':>9}{'f1':>8}\n")
        for w, r in per.items():
            o = r.overall
            out.write(
                f"{w:<10}{r.conversations:>7}{o.precision:>11.3f}{o.recall:>9.3f}{o.f1:>8.3f}\n"
            )
        o = pooled.overall
        out.write(
            f"{'pooled':<10}{pooled.conversations:>7}{o.precision:>11.3f}{o.recall:>9.3f}{o.f1:>8.3f}\n\n"
        )
        out.write(render_report(pooled).split("\n\n")[0] + "\n\n")
        out.write(
            "thresholds chosen without the writer (stricter: nothing about W is tuned on W)\n"
        )
        for w, r in cf_per.items():
            o = r.overall
            out.write(
                f"{w:<10}{r.conversations:>7}{o.precision:>11.3f}{o.recall:>9.3f}{o.f1:>8.3f}\n"
            )
        o = cf_pooled.overall
        out.write(
            f"{'pooled':<10}{cf_pooled.conversations:>7}{o.precision:>11.3f}"
            f"{o.recall:>9.3f}{o.f1:>8.3f}\n"
        )
    if min_f1 is not None and pooled.overall.f1 < min_f1:
        click.echo(f"redline: 留一作者 F1 {pooled.overall.f1:.4f} 低于下限 {min_f1}", err=True)
        sys.exit(1)


def render_report(report: Report) -> str:
    buf = io.StringIO()
    buf.write(
        f"{'category':<14}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>9}{'f1':>8}\n"
    )
    for cat, s in sorted(report.per_category.items()):
        buf.write(
            f"{cat:<14}{s.tp:>5}{s.fp:>5}{s.fn:>5}{s.precision:>11.3f}{s.recall:>9.3f}{s.f1:>8.3f}\n"
        )
    o = report.overall
    buf.write(
        f"{'overall':<14}{o.tp:>5}{o.fp:>5}{o.fn:>5}{o.precision:>11.3f}{o.recall:>9.3f}{o.f1:>8.3f}\n"
    )
    buf.write(
        f"\n{report.conversations} conversations; payment points checked "
        f"{report.points_checked}, wrong {len(report.points_wrong)}\n"
    )
    for (conv, msg, cat), text in report.misses:
        buf.write(f"MISS  {conv} #{msg} {cat}: {cell(text)}\n")
    for (conv, msg, cat), f in report.false_alarms:
        buf.write(f"FALSE {conv} #{msg} {cat} ({f.rule}): {cell(f.evidence)}\n")
    for (conv, msg, cat), want, got in report.points_wrong:
        buf.write(f"POINTS {conv} #{msg} {cat}: expected {want}, got {got}\n")
    return buf.getvalue()


# --- rules -----------------------------------------------------------------------------------


@click.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--category", help="只列出该类别。Only this category.")
@rules_option
def rules_cmd(fmt: str, category: str | None, rules_dirs: tuple[str, ...]) -> None:
    """列出已加载的规则：编号、类别、级别、扣分、来源。List the loaded rules."""
    guard = load_guard(rules_dirs)
    rs = guard.ruleset
    rows = []
    for rule in rs.rules.values():
        if category and rule.category != category:
            continue
        cat = rs.categories[rule.category]
        severity = rule.severity or cat.severity
        raw = rule.points if rule.points is not None else cat.points
        points = rs.points_value(raw) if severity == "violation" else 0
        rows.append(
            {
                "id": rule.id,
                "category": rule.category,
                "name_zh": cat.name_zh,
                "severity": severity,
                "points": points,
                "enabled": rule.enabled,
                "ledger": cat.ledger,
                "source": str(rule.source),
                "explanation": rule.explanation,
            }
        )
    out = _Stdout()
    if fmt == "json":
        out.write(
            json.dumps({"packs": rs.packs, "rules": rows}, ensure_ascii=False, indent=2) + "\n"
        )
        return
    out.write("规则包: " + "，".join(rs.packs) + "\n\n")
    id_w = max((len(str(r["id"])) for r in rows), default=10)
    for r in rows:
        flag = "" if r["enabled"] else "  (已停用)"
        out.write(
            f"{r['id']:<{id_w}}  {pad(str(r['name_zh']), 20)}  "
            f"{pad(SEVERITY_ZH[str(r['severity'])], 4)}  {r['points']:>2} 分  {r['source']}{flag}\n"
        )
    out.write(f"\n共 {len(rows)} 条规则。\n")


# --- demo ------------------------------------------------------------------------------------


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table")
@lang_option
def demo(fmt: str, lang: str) -> None:
    """检查内置的演示会话并打印报告。Check the bundled demo chats and print the report."""
    data = (resources.files("redline") / "demo" / "chats.jsonl").read_bytes()
    guard = load_guard((), lang)
    convs = [c for c in read_conversations(io.BytesIO(data)) if isinstance(c, Conversation)]
    findings = [f for _, found in guard.check_many(convs) for f in found]
    out = _Stdout()
    summary = summarize(findings, len(convs), sum(len(c.messages) for c in convs))
    if fmt == "json":
        out.write(
            json.dumps(
                {"findings": [f.to_dict() for f in findings], "summary": summary},
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    elif fmt == "jsonl":
        for f in findings:
            out.write(json.dumps(f.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(render_table(findings, guard.ruleset, lang))
        out.write(render_summary(summary, lang) + "\n")


COMMANDS = [check, eval_cmd, rules_cmd, demo]
