"""``redline qa`` — batch QA of imported chats and the review of its findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from redline.cli.options import (
    at_option,
    db_option,
    emit_json,
    format_option,
    local,
    open_db,
    progress_option,
    progress_printer,
    store_errors,
    when,
)
from redline.cli.table import BadInput, table
from redline.desk.policy import china_iso
from redline.display import cell
from redline.guard.packs import load_rules
from redline.records.export import FORMATS as EXPORT_FORMATS
from redline.records.export import findings_table, write_table
from redline.store import session, writing
from redline.store.qa import (
    REVIEW_ACTIONS,
    STATUSES,
    ReviewError,
    counts_by_status,
    false_alarms,
    finding_json,
    list_findings,
    review,
    reviews,
    rules_fingerprint,
    run_qa,
)


@click.group("qa", invoke_without_command=True)
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True),
    help="额外的规则包目录或文件。Extra rule pack dir/file.",
)
@progress_option
@click.option(
    "--no-model",
    is_flag=True,
    help="不使用学习层（模型召回），只用规则。Rules only, without the learned layer.",
)
@at_option
@format_option
@db_option
@click.pass_context
def qa_group(
    ctx: click.Context,
    rules_dirs: tuple[str, ...],
    progress: bool | None,
    no_model: bool,
    at_text: str | None,
    fmt: str,
    db_url: str | None,
) -> None:
    """质检：用红线规则检查所有尚未检查的已导入会话，保存发现的问题（增量、可重复运行）。

    Batch QA: run the guard over every imported conversation not yet checked with
    the current rule packs and store the findings. A second run does no work.
    Subcommands review the findings: list, show, confirm, dismiss, appeal, false-alarms.
    """
    ctx.obj = {"db_url": db_url}
    if ctx.invoked_subcommand is not None:
        return
    from redline.cli.options import load_guard

    guard = load_guard(rules_dirs, model=not no_model)
    now = when(at_text)
    engine = open_db(db_url)

    bar = progress_printer(progress, "个会话", "conversations")
    with store_errors(db_url):
        try:
            report = run_qa(
                engine,
                guard,
                rules_fingerprint(rules_dirs, model=guard.learned is not None),
                now=now,
                progress=bar if bar else None,
            )
        finally:
            bar.close()
        with session(engine) as s:
            counts = counts_by_status(s)
    if fmt == "json":
        emit_json({**report.to_dict(), "status_counts": counts})
        return
    click.echo(
        f"检查会话 {report.checked} 个（已是最新 {report.up_to_date} 个），"
        f"新发现问题 {report.new_findings} 处，移除 {report.removed} 处"
    )
    if report.by_category:
        cats = guard.ruleset.categories
        parts = "、".join(
            f"{cats[c].name_zh if c in cats else c} {n}"
            for c, n in report.by_category.most_common()
        )
        click.echo(f"新问题按类别：{parts}")
    click.echo("问题状态：" + "，".join(f"{STATUSES[k][0]} {counts.get(k, 0)}" for k in STATUSES))


@qa_group.command("list")
@click.option("--status", type=click.Choice(list(STATUSES)), help="按状态筛选。")
@click.option("--category", help="按类别筛选，如 invoice。")
@click.option("--agent", "account", help="按客服账号筛选。")
@click.option("--limit", type=int, default=200, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", *EXPORT_FORMATS]),
    default="table",
    show_default=True,
    help="输出格式；csv/xlsx 写入 --out 文件（买家信息已脱敏）。Output format.",
)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="导出文件（csv/xlsx）。")
@db_option
@click.pass_obj
def qa_list(
    obj: dict[str, Any],
    status: str | None,
    category: str | None,
    account: str | None,
    limit: int,
    fmt: str,
    out: str | None,
    db_url: str | None,
) -> None:
    """列出已保存的问题。List stored findings."""
    url = db_url or obj["db_url"]
    engine = open_db(url)
    if fmt in EXPORT_FORMATS and not out:
        raise BadInput(f"--format {fmt} 需要 --out 文件名，如 --out 质检.{fmt}")
    with store_errors(url), session(engine) as s:
        found = list_findings(s, status=status, category=category, account=account, limit=limit)
        if fmt == "json":
            emit_json([finding_json(f) for f in found])
            return
        if fmt in EXPORT_FORMATS:
            assert out is not None
            cats = {k: (c.name_zh, c.name_en) for k, c in load_rules().categories.items()}
            views = [finding_json(f) for f in found]
            header, table_rows = findings_table(views, cats, STATUSES)
            Path(out).write_bytes(write_table(header, table_rows, fmt, sheet="质检问题"))
            click.echo(f"已导出 {len(views)} 条到 {out} (exported {len(views)})")
            return
        if not found:
            click.echo("没有符合条件的问题。(no findings)")
            return
        rows = [
            [
                str(f.id),
                STATUSES[f.status][0],
                local(f.time),
                cell(f.account, 16),
                f.category,
                str(f.points),
                cell(f.evidence, 24),
                cell(f.conversation_id, 30),
            ]
            for f in found
        ]
        click.echo(table(["编号", "状态", "时间", "客服", "类别", "扣分", "证据", "会话"], rows))


@qa_group.command("show")
@click.argument("finding_id", type=int)
@format_option
@db_option
@click.pass_obj
def qa_show(obj: dict[str, Any], finding_id: int, fmt: str, db_url: str | None) -> None:
    """一条问题：原因、建议话术与复核历史。One finding with its review history."""
    from redline.store.models import StoredFinding

    url = db_url or obj["db_url"]
    engine = open_db(url)
    with store_errors(url), session(engine) as s:
        f = s.get(StoredFinding, finding_id)
        if f is None:
            raise BadInput(f"没有编号为 {finding_id} 的问题记录")
        history = reviews(s, finding_id)
        if fmt == "json":
            data = finding_json(f)
            data["reviews"] = [
                {
                    "at": china_iso(r.at),
                    "actor": r.actor,
                    "action": r.action,
                    "from": r.from_status,
                    "to": r.to_status,
                    "reason": r.reason,
                }
                for r in history
            ]
            emit_json(data)
            return
        click.echo(
            f"问题 {f.id}  {STATUSES[f.status][0]}  {f.category}  {f.points} 分  客服 {f.account or '-'}"
        )
        click.echo(f"证据：{cell(f.evidence, 80)}")
        click.echo(f"原因：{f.explanation}")
        click.echo(f"建议：{f.suggestion}")
        for r in history:
            click.echo(
                f"  {local(r.at)}  {r.actor}  {r.action}  {STATUSES[r.from_status][0]} → "
                f"{STATUSES[r.to_status][0]}  {cell(r.reason, 60) if r.reason else ''}".rstrip()
            )


def _review_command(action: str, help_text: str) -> click.Command:
    @click.argument("finding_id", type=int)
    @click.option("--by", "actor", required=True, help="操作人。Who.")
    @click.option("--reason", help="理由（驳回、申诉时必填）。Reason.")
    @at_option
    @db_option
    @click.pass_obj
    def command(
        obj: dict[str, Any],
        finding_id: int,
        actor: str,
        reason: str | None,
        at_text: str | None,
        db_url: str | None,
    ) -> None:
        url = db_url or obj["db_url"]
        at = when(at_text)
        engine = open_db(url)
        try:
            with store_errors(url), writing(engine) as s:
                f = review(s, finding_id, action, actor=actor, at=at, reason=reason)
                status = STATUSES[f.status][0]
        except ReviewError as exc:
            raise BadInput(str(exc)) from exc
        click.echo(f"问题 {finding_id}：{status}")

    command.__doc__ = help_text
    return qa_group.command(action)(command)


REVIEW_HELP = {
    "confirm": "主管确认问题成立（计入扣分台账）。A supervisor confirms a finding.",
    "dismiss": "主管驳回问题（误报），须写理由。A supervisor dismisses it as a false alarm.",
    "appeal": "客服对问题提出申诉，须写理由。The agent appeals a finding.",
}
for _action in REVIEW_ACTIONS:
    _review_command(_action, REVIEW_HELP[_action])


@qa_group.command("false-alarms")
@format_option
@db_option
@click.pass_obj
def qa_false_alarms(obj: dict[str, Any], fmt: str, db_url: str | None) -> None:
    """被驳回的“规则 + 证据”组合（疑似误报），供调整规则包。Candidate false alarms."""
    url = db_url or obj["db_url"]
    engine = open_db(url)
    with store_errors(url), session(engine) as s:
        found = false_alarms(s)
        if fmt == "json":
            emit_json(
                [
                    {
                        "rule": fa.rule,
                        "category": fa.category,
                        "evidence": fa.evidence,
                        "dismissed": fa.dismissed,
                        "total": fa.total,
                        "reasons": fa.reasons,
                    }
                    for fa in found
                ]
            )
            return
        if not found:
            click.echo("没有被驳回的问题。(no dismissed findings)")
            return
        rows = [
            [
                fa.rule,
                cell(fa.evidence, 24),
                f"{fa.dismissed}/{fa.total}",
                cell("；".join(fa.reasons), 40),
            ]
            for fa in found
        ]
        click.echo(table(["规则", "证据", "驳回/总数", "驳回理由"], rows))


COMMANDS: list[click.Command] = [qa_group]
