"""``redline ledger`` — points carried, sanctions running and the next node."""

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
    run_import,
    store_errors,
    when,
)
from redline.cli.table import BadInput
from redline.desk.policy import Policy
from redline.guard.packs import load_rules
from redline.records.ledger import TRACK_NAMES, LedgerRules, sanction_json, standing_json
from redline.store import session, writing
from redline.store.models import StoredFinding
from redline.store.penalties import TYPES, add_notice, deductions, finding_deduction

TRACK_ZH = {track: names[0] for track, names in TRACK_NAMES.items()}


@click.group("ledger", invoke_without_command=True)
@at_option
@format_option
@db_option
@click.pass_context
def ledger_group(ctx: click.Context, at_text: str | None, fmt: str, db_url: str | None) -> None:
    """扣分台账：本周期各类扣分、正在执行和下一个处罚节点。

    Penalty ledger: points this cycle by type (from confirmed findings and the
    platform's notices), sanctions running, and how far the next node is.
    """
    ctx.obj = {"db_url": db_url}
    if ctx.invoked_subcommand is not None:
        return
    at = when(at_text)
    rs = load_rules()
    rules = LedgerRules.from_settings(rs.settings)
    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        st = rules.standing([d for d in deductions(s, rs) if d.at <= at], at)
    if fmt == "json":
        emit_json(standing_json(st))
        return
    start = Policy.default().to_china(st.cycle_start).strftime("%Y-%m-%d")
    click.echo(f"扣分台账（本周期自 {start} 起，按 {local(at)} 计）")
    click.echo(
        f"一般违规 {st.general_points} 分（其中违背承诺/滥发信息 {st.commitment_points} 分），"
        f"严重违规 {st.severe_points} 分"
    )
    for x in st.sanctions:
        click.echo(
            f"本周期已触发：{local(x.reached_at)} {TRACK_ZH[x.type]} {x.node} 分 → {x.measures_zh}"
        )
    if st.active:
        click.echo("正在执行的处罚：")
        for x in st.active:
            until = local(x.ends_at) if x.ends_at else "永久"
            click.echo(f"  {TRACK_ZH[x.type]} {x.node} 分：{x.measures_zh}（至 {until}）")
    else:
        click.echo("没有正在执行的处罚。")
    for n in st.next_nodes:
        click.echo(
            f"下一节点：{TRACK_ZH[n.type]} 再扣 {n.points_left} 分达到 {n.node} 分 → {n.measures_zh}"
        )
    if st.cleared_out:
        click.echo("店铺已达清退节点。")


@ledger_group.command("add")
@click.option("--points", type=int, required=True, help="扣分。Points.")
@click.option("--type", "type_", type=click.Choice(list(TYPES)), required=True)
@click.option("--note", help="平台通知内容或违规原因。")
@click.option("--by", "actor", default="", help="录入人。")
@at_option
@db_option
@click.pass_obj
def ledger_add(
    obj: dict[str, Any],
    points: int,
    type_: str,
    note: str | None,
    actor: str,
    at_text: str | None,
    db_url: str | None,
) -> None:
    """手工录入一条平台扣分通知。Record a platform penalty notice by hand."""
    url = db_url or obj["db_url"]
    at = when(at_text)
    engine = open_db(url)
    try:
        with store_errors(url), writing(engine) as s:
            notice = add_notice(
                s,
                at=at,
                points=points,
                type_=type_,
                note=note,
                by=actor or None,
                now=Policy.default().china_now(),
            )
            nid = notice.id
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    click.echo(f"已录入扣分通知 {nid}：{TRACK_ZH.get(type_, type_)} {points} 分")


@ledger_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "actor", default="", help="导入人。Who imports.")
@format_option
@db_option
@click.pass_obj
def ledger_import(
    obj: dict[str, Any], file: Path, actor: str, fmt: str, db_url: str | None
) -> None:
    """导入平台的违规处罚记录（规蜜/千牛导出或复制的 CSV、.xlsx）。

    Import the platform's penalty notices: CSV (UTF-8 or GBK) or .xlsx with columns
    处罚时间, 扣分, 违规类型 and optionally 违规原因, 处罚编号 (aliases accepted).
    One transaction; importing the same file again adds nothing; bad rows are
    reported by line and the rest imported.
    """
    from redline.importers.notices import read_notices
    from redline.store.penalties import import_notices

    url = db_url or obj["db_url"]
    now = Policy.default().china_now()
    run_import(
        fmt,
        url,
        lambda e: import_notices(e, read_notices(file), path=file, by=actor or None, now=now),
    )


@ledger_group.command("what-if")
@click.argument("finding_id", type=int)
@format_option
@db_option
@click.pass_obj
def ledger_what_if(obj: dict[str, Any], finding_id: int, fmt: str, db_url: str | None) -> None:
    """若确认这条质检问题，台账会怎样。What confirming this finding would do to the ledger."""
    url = db_url or obj["db_url"]
    rs = load_rules()
    rules = LedgerRules.from_settings(rs.settings)
    engine = open_db(url)
    with store_errors(url), session(engine) as s:
        f = s.get(StoredFinding, finding_id)
        if f is None:
            raise BadInput(f"没有编号为 {finding_id} 的问题记录")
        new = finding_deduction(rs, f)
        if new is None:
            click.echo(f"问题 {finding_id}（{f.category}）不扣分，不影响台账。")
            return
        at = new.at
        already = [d for d in deductions(s, rs) if d.source != new.source and d.at <= at]
        result = rules.what_if(already, new, at)
    if fmt == "json":
        emit_json(
            {
                "finding": finding_id,
                "sentence": result.sentence_zh,
                "sentence_en": result.sentence_en,
                "triggered": [sanction_json(x) for x in result.triggered],
            }
        )
        return
    click.echo(result.sentence_zh)


COMMANDS: list[click.Command] = [ledger_group]
