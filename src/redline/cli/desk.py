"""``redline import | cases | orders | returns | handoff | db`` — the after-sales desk.

Thin: parse options, open the store, call :mod:`redline.store.imports` or
:class:`redline.store.desk.Desk`, print. Every listing that depends on the
current time takes ``--at`` and every listing has ``--format json``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click

from redline.cli.options import (
    at_option,
    by_option,
    db_option,
    duration,
    emit_json,
    format_option,
    gap,
    import_options,
    local,
    money,
    open_db,
    print_report,
    progress_printer,
    run_import,
    store_errors,
    when,
)
from redline.cli.table import BadInput, table
from redline.desk import cases as rules
from redline.desk.cases import ActionInput, TransitionError
from redline.desk.policy import Policy, china_iso
from redline.display import cell
from redline.privacy import mask_name
from redline.store import describe, resolve_url, session, writing
from redline.store.desk import (
    HANDOFF_KINDS,
    CaseView,
    Desk,
    DeskError,
    case_json,
    late_json,
)
from redline.store.models import Case

F = TypeVar("F", bound=Callable[..., Any])


# --- import ------------------------------------------------------------------------------


@click.group("import")
def import_group() -> None:
    """导入店铺导出的文件：订单报表、宝贝报表、退款报表、聊天记录。

    Import the shop's exports. Each import is one transaction and idempotent:
    importing the same file again changes nothing.
    """


@import_group.command("orders")
@import_options
@click.option(
    "--items",
    "items_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="同时导入宝贝报表（ExportOrderDetailList*.csv）。Also import the item file.",
)
def import_orders_cmd(
    file: Path, db_url: str | None, fmt: str, progress: bool | None, items_file: Path | None
) -> None:
    """订单报表 ExportOrderList*.csv（GBK/UTF-8）。The order report CSV."""
    from redline.importers.orders import read_items, read_orders
    from redline.store.imports import import_items, import_orders

    bar = progress_printer(progress)
    run_import(
        fmt, db_url, lambda e: import_orders(e, read_orders(file), path=file, progress=bar), bar
    )
    if items_file is not None:
        bar = progress_printer(progress)
        run_import(
            fmt,
            db_url,
            lambda e: import_items(e, read_items(items_file), path=items_file, progress=bar),
            bar,
        )


@import_group.command("items")
@import_options
def import_items_cmd(file: Path, db_url: str | None, fmt: str, progress: bool | None) -> None:
    """宝贝报表 ExportOrderDetailList*.csv。The item file of multi-item orders."""
    from redline.importers.orders import read_items
    from redline.store.imports import import_items

    bar = progress_printer(progress)
    run_import(
        fmt, db_url, lambda e: import_items(e, read_items(file), path=file, progress=bar), bar
    )


@import_group.command("refunds")
@import_options
@at_option
def import_refunds_cmd(
    file: Path, db_url: str | None, fmt: str, progress: bool | None, at_text: str | None
) -> None:
    """退款报表（.csv / .xls / .xlsx），并据此开立或更新售后单。The refund report; opens cases."""
    from redline.importers.refunds import read_refunds
    from redline.store.imports import import_refunds

    now = when(at_text)
    bar = progress_printer(progress)
    run_import(
        fmt,
        db_url,
        lambda e: import_refunds(e, read_refunds(file), path=file, progress=bar, now=now),
        bar,
    )


@import_group.command("chats")
@import_options
def import_chats_cmd(file: Path, db_url: str | None, fmt: str, progress: bool | None) -> None:
    """聊天记录：千牛/旺旺 TXT 导出，或 formats.md 的 JSONL。Chat logs (Qianniu TXT or JSONL)."""
    from redline.importers.chats import read_chats
    from redline.store.imports import import_chats

    source = "jsonl" if file.suffix.lower() in (".jsonl", ".json") else "qianniu_txt"
    bar = progress_printer(progress, "个会话", "conversations")
    run_import(
        fmt,
        db_url,
        lambda e: import_chats(e, read_chats(file), path=file, source=source, progress=bar),
        bar,
    )


# --- cases -------------------------------------------------------------------------------


def render_cases(views: list[CaseView], at: datetime) -> str:
    if not views:
        return "没有待处理的售后单。(no open cases)"
    rows = []
    for v in views:
        c = v.case
        u = v.urgency
        if u.passed:
            clock = u.passed[-1]  # the latest thing that has already happened
            deadline, left = local(clock.due_at), gap(clock.due_at, at)
        elif u.next is not None:
            clock = u.next
            deadline, left = local(clock.due_at), gap(clock.due_at, at)
        else:
            clock, deadline, left = None, "-", "-"
        rows.append(
            [
                str(c.id),
                rules.KINDS.get(c.kind, (c.kind,))[0],
                rules.STATES.get(c.state, (c.state,))[0],
                cell(c.order_no, 20),
                cell(mask_name(c.buyer_nick), 14),
                cell(c.reason, 12),
                deadline,
                left,
                rules.CLOCKS[clock.name][0] if clock else "-",
                money(c.exposure) if c.exposure else "-",
            ]
        )
    head = [
        "编号",
        "类型",
        "状态",
        "订单",
        "买家",
        "原因",
        "时限",
        "剩余/逾期",
        "到期后果",
        "赔付风险",
    ]
    overdue = sum(1 for v in views if v.urgency.overdue)
    stake = sum((v.case.exposure or Decimal(0) for v in views), Decimal(0))
    summary = (
        f"\n共 {len(views)} 单，逾期 {overdue} 单，赔付风险合计 {money(stake)}（按 {local(at)} 计）"
    )
    return table(head, rows) + summary


@click.group("cases", invoke_without_command=True)
@click.option(
    "--due-within",
    "due_within",
    metavar="DURATION",
    help="只看此时长内到期（含已逾期），如 24h、3d。",
)
@at_option
@format_option
@db_option
@click.pass_context
def cases_group(
    ctx: click.Context, due_within: str | None, at_text: str | None, fmt: str, db_url: str | None
) -> None:
    """售后单：按紧急程度列出未结案件（逾期在前，其次最先到期）。

    Open after-sales cases by urgency: overdue first, then due soonest, with the
    next deadline, what happens at it and the compensation at stake.
    """
    ctx.obj = {"db_url": db_url}
    if ctx.invoked_subcommand is not None:
        return
    at = when(at_text)
    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        views = Desk(s).open_cases(at, duration(due_within))
        if fmt == "json":
            emit_json({"at": china_iso(at), "cases": [case_json(v, at) for v in views]})
        else:
            click.echo(render_cases(views, at))


@cases_group.command("show")
@click.argument("case_id", type=int)
@at_option
@format_option
@db_option
@click.pass_obj
def case_show(
    obj: dict[str, Any], db_url: str | None, case_id: int, at_text: str | None, fmt: str
) -> None:
    """一张售后单：时限、赔付、处理建议与完整历史。One case with its clocks and history."""
    url = db_url or obj["db_url"]
    at = when(at_text)
    engine = open_db(url)
    with store_errors(url), session(engine) as s:
        desk = Desk(s)
        case = s.get(Case, case_id)
        if case is None:
            raise BadInput(f"没有编号为 {case_id} 的售后单")
        view = desk.view(case, at)
        events = desk.history(case_id)
        if fmt == "json":
            data = case_json(view, at)
            data["history"] = [
                {
                    "at": china_iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "from": e.from_state,
                    "to": e.to_state,
                    "note": e.note,
                }
                for e in events
            ]
            emit_json(data)
            return
        click.echo(
            f"售后单 {case.id}  {rules.KINDS[case.kind][0]}  {rules.STATES[case.state][0]}"
            f"  订单 {case.order_no or '-'}  买家 {mask_name(case.buyer_nick) or '-'}"
        )
        click.echo(f"原因：{cell(case.reason, 80)}    赔付风险：{money(case.exposure)}")
        if case.advice:
            click.echo(f"建议：{case.advice}")
        for k in view.clocks:
            mark = "已过" if at > k.due_at else "将至"
            click.echo(
                f"  [{mark}] {local(k.due_at)}  {gap(k.due_at, at)}  {rules.CLOCKS[k.name][0]}"
            )
        click.echo(f"可用操作：{'、'.join(rules.allowed_actions(case.state)) or '无（已结案）'}")
        click.echo("历史：")
        for e in events:
            who = e.actor or "-"
            click.echo(
                f"  {local(e.at)}  {who}  {e.action}  {e.from_state or '-'} → {e.to_state}"
                f"  {cell(e.note, 60) if e.note else ''}".rstrip()
            )


@cases_group.command("act")
@click.argument("case_id", type=int)
@click.argument("action", type=click.Choice(list(rules.ACTIONS)))
@click.option("--note", help="说明/理由（拒绝时必填）。Note (required to reject).")
@click.option("--tracking", "tracking_no", help="物流单号（寄回、补发时必填）。Tracking number.")
@by_option
@at_option
@db_option
@click.pass_obj
def case_act(
    obj: dict[str, Any],
    db_url: str | None,
    case_id: int,
    action: str,
    note: str | None,
    tracking_no: str | None,
    actor: str,
    at_text: str | None,
) -> None:
    """对售后单执行操作（同意/退款/拒绝/寄回/补发/解决/关闭/介入），记录历史。

    Move a case: agree, refund, reject, buyer_shipped, escalate, reship, resolve,
    close. The state machine's guards apply; every step is appended to history.
    """
    url = db_url or obj["db_url"]
    at = when(at_text)
    engine = open_db(url)
    try:
        with store_errors(url), writing(engine) as s:
            case = Desk(s).act(
                case_id,
                action,
                ActionInput(at=at, actor=actor or "客服", note=note, tracking_no=tracking_no),
            )
            state = rules.STATES[case.state][0]
    except (TransitionError, DeskError) as exc:
        raise BadInput(str(exc)) from exc
    click.echo(f"售后单 {case_id}：{rules.ACTIONS[action].label_zh} → {state}")


@cases_group.command("open")
@click.argument("kind", type=click.Choice(list(rules.INCIDENT_KINDS)))
@click.option("--order", "order_no", help="订单编号。Order number.")
@click.option("--reason", help="原因，如“快递丢失”“漏发”。Reason.")
@click.option("--note", help="备注。Note.")
@by_option
@at_option
@db_option
@click.pass_obj
def case_open(
    obj: dict[str, Any],
    db_url: str | None,
    kind: str,
    order_no: str | None,
    reason: str | None,
    note: str | None,
    actor: str,
    at_text: str | None,
) -> None:
    """登记一张售后单：丢件(lost)、少件漏发(short)、发错货(wrong)、换货、维修。

    Register an incident the platform has no refund for yet.
    """
    url = db_url or obj["db_url"]
    at = when(at_text)
    engine = open_db(url)
    try:
        with store_errors(url), writing(engine) as s:
            case = Desk(s).open_case(
                kind, order_no=order_no, actor=actor or "客服", at=at, note=note, reason=reason
            )
            case_id = case.id
    except DeskError as exc:
        raise BadInput(str(exc)) from exc
    click.echo(f"已登记售后单 {case_id}（{rules.KINDS[kind][0]}）")


# --- orders ------------------------------------------------------------------------------


@click.group("orders")
def orders_group() -> None:
    """订单：发货时效监控。Orders: the shipping watch."""


@orders_group.command("late")
@click.option(
    "--within",
    "within_text",
    default=None,
    metavar="DURATION",
    help="列出已超时及此时长内到期的订单（默认取规则包 aftersales_late_watch_hours，24h）。",
)
@at_option
@format_option
@db_option
def orders_late(within_text: str | None, at_text: str | None, fmt: str, db_url: str | None) -> None:
    """已付款未发货（货到付款除外）且将超时/已超时的订单，及赔付风险（实付 30%，上限 500）。

    Paid, unshipped, non-COD orders past or near their shipping deadline (72 h;
    presale as listed) with the compensation at stake.
    """
    at = when(at_text)
    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        desk = Desk(s)
        hours = int(desk.rs.settings.get("aftersales_late_watch_hours", 24))
        within = duration(within_text) or timedelta(hours=hours)
        late = desk.late_orders(at, within)
        if fmt == "json":
            emit_json({"at": china_iso(at), "orders": [late_json(lo, at) for lo in late]})
            return
        if not late:
            click.echo(f"没有将在 {rules.fmt_delta(within)} 内超时的未发货订单。")
            return
        rows = [
            [
                lo.order.order_no,
                cell(mask_name(lo.order.buyer_nick), 14),
                local(lo.order.paid_at),
                local(lo.ship_by),
                gap(lo.ship_by, at),
                "预售" if lo.order.presale else "普通",
                money(lo.order.paid_amount),
                money(lo.exposure),
            ]
            for lo in late
        ]
        click.echo(
            table(
                ["订单", "买家", "付款", "最晚发货", "剩余/逾期", "类型", "实付", "赔付风险"], rows
            )
        )
        overdue = sum(1 for lo in late if lo.overdue)
        stake = sum((lo.exposure for lo in late), Decimal(0))
        click.echo(f"\n共 {len(late)} 单，已超时 {overdue} 单，赔付风险合计 {money(stake)}")


# --- returns register --------------------------------------------------------------------


@click.group("returns")
def returns_group() -> None:
    """退货登记表：按退货物流单号查买家、原因、运费承担方。The returns register."""


POSTAGE_ZH = {"buyer": "买家", "seller": "卖家", "insurance": "运费险"}


@returns_group.command("find")
@click.argument("tracking_no")
@format_option
@db_option
def returns_find(tracking_no: str, fmt: str, db_url: str | None) -> None:
    """按退货物流单号（或其末尾 6 位以上）查找退货包裹的来源。Match a returned parcel."""
    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        desk = Desk(s)
        found = desk.find_returns(tracking_no)
        cases = {e.id: desk.case_for_return(e) for e in found}
        if fmt == "json":
            emit_json(
                [
                    {
                        "tracking_no": e.tracking_no,
                        "carrier": e.carrier,
                        "buyer": mask_name(e.buyer_nick),
                        "order_no": e.order_no,
                        "refund_no": e.refund_no,
                        "reason": e.reason,
                        "postage_paid_by": e.postage_paid_by,
                        "shipped_at": china_iso(e.shipped_at),
                        "case": c.id if (c := cases[e.id]) else None,
                        "case_state": c.state if c else None,
                    }
                    for e in found
                ]
            )
        elif not found:
            click.echo(f"登记表中没有单号 {tracking_no} 的退货。(no return registered)")
            sys.exit(1)
        else:
            rows = [
                [
                    e.tracking_no,
                    cell(e.carrier, 8),
                    cell(mask_name(e.buyer_nick), 14),
                    cell(e.order_no, 20),
                    cell(e.reason, 14),
                    POSTAGE_ZH.get(e.postage_paid_by or "", "未知"),
                    f"{c.id} {rules.STATES[c.state][0]}" if (c := cases[e.id]) else "-",
                ]
                for e in found
            ]
            click.echo(
                table(["退货单号", "快递", "买家", "订单", "原因", "运费承担", "售后单"], rows)
            )


@returns_group.command("add")
@click.argument("tracking_no")
@click.option("--order", "order_no")
@click.option("--buyer", "buyer_nick")
@click.option("--reason")
@click.option("--carrier")
@click.option("--paid-by", "paid_by", type=click.Choice(["buyer", "seller", "insurance"]))
@click.option("--note")
@at_option
@db_option
def returns_add(
    tracking_no: str,
    order_no: str | None,
    buyer_nick: str | None,
    reason: str | None,
    carrier: str | None,
    paid_by: str | None,
    note: str | None,
    at_text: str | None,
    db_url: str | None,
) -> None:
    """手工登记一件退货（买家、原因、运费承担方、退货单号）。Register a return by hand."""
    at = when(at_text)
    engine = open_db(db_url)
    try:
        with store_errors(db_url), writing(engine) as s:
            entry = Desk(s).add_return(
                tracking_no,
                at=at,
                order_no=order_no,
                buyer_nick=buyer_nick,
                reason=reason,
                carrier=carrier,
                postage_paid_by=paid_by,
                note=note,
            )
            number = entry.tracking_no
    except DeskError as exc:
        raise BadInput(str(exc)) from exc
    click.echo(f"已登记退货 {number}")


# --- handoff board -----------------------------------------------------------------------


@click.group("handoff")
def handoff_group() -> None:
    """交接班：夜班登记漏发/没物流/催货/仓库问题，早班查看并关闭。Shift handoff board."""


@handoff_group.command("add")
@click.argument("kind")
@click.argument("text")
@click.option("--order", "order_no")
@by_option
@at_option
@db_option
def handoff_add(
    kind: str, text: str, order_no: str | None, actor: str, at_text: str | None, db_url: str | None
) -> None:
    """登记交接事项。KIND：漏发、没物流、催货、仓库、改地址、其他（或英文代码）。"""
    at = when(at_text)
    engine = open_db(db_url)
    try:
        with store_errors(db_url), writing(engine) as s:
            note = Desk(s).add_handoff(kind, text, at=at, author=actor or None, order_no=order_no)
            note_id = note.id
    except DeskError as exc:
        raise BadInput(str(exc)) from exc
    click.echo(f"已登记交接事项 {note_id}")


@handoff_group.command("list")
@click.option("--all", "include_closed", is_flag=True, help="包括已关闭的。Include closed.")
@at_option
@format_option
@db_option
def handoff_list(include_closed: bool, at_text: str | None, fmt: str, db_url: str | None) -> None:
    """列出未关闭的交接事项（最早的在前）。Open handoff notes, oldest first."""
    at = when(at_text)
    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        notes = Desk(s).handoffs(include_closed)
        if fmt == "json":
            emit_json(
                [
                    {
                        "id": n.id,
                        "kind": n.kind,
                        "order_no": n.order_no,
                        "text": n.text,
                        "author": n.author,
                        "created_at": china_iso(n.created_at),
                        "closed_at": china_iso(n.closed_at),
                        "closed_by": n.closed_by,
                        "resolution": n.resolution,
                    }
                    for n in notes
                ]
            )
            return
        if not notes:
            click.echo("没有未处理的交接事项。(nothing handed over)")
            return
        rows = [
            [
                str(n.id),
                HANDOFF_KINDS[n.kind][0],
                cell(n.order_no, 20),
                cell(n.text, 40),
                cell(n.author, 10),
                local(n.created_at),
                f"已关闭 {local(n.closed_at)}"
                if n.closed_at
                else f"{rules.fmt_delta(at - n.created_at)}前",
            ]
            for n in notes
        ]
        click.echo(table(["编号", "类型", "订单", "内容", "登记人", "登记时间", "状态"], rows))


@handoff_group.command("close")
@click.argument("note_id", type=int)
@click.option("--note", "resolution", help="处理结果。Resolution.")
@by_option
@at_option
@db_option
def handoff_close(
    note_id: int, resolution: str | None, actor: str, at_text: str | None, db_url: str | None
) -> None:
    """关闭一条交接事项。Close a handoff note."""
    at = when(at_text)
    engine = open_db(db_url)
    try:
        with store_errors(db_url), writing(engine) as s:
            Desk(s).close_handoff(note_id, at=at, by=actor or None, resolution=resolution)
    except DeskError as exc:
        raise BadInput(str(exc)) from exc
    click.echo(f"交接事项 {note_id} 已关闭")


# --- db ----------------------------------------------------------------------------------


@click.group("db")
def db_group() -> None:
    """数据库：位置与迁移。The store: where it is, its schema version."""


@db_group.command("info")
@db_option
def db_info(db_url: str | None) -> None:
    """显示数据库位置与迁移版本。Show the database URL and schema revision."""
    from redline.store import current_revision, head_revision, make_engine

    url = resolve_url(db_url)
    with store_errors(db_url):
        rev = current_revision(make_engine(url))
    click.echo(f"数据库: {describe(url)}")
    click.echo(f"迁移版本: {rev or '（未初始化）'} / 最新 {head_revision()}")


@db_group.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """把数据库升级到最新迁移（其他命令打开数据库时也会自动升级）。Migrate to head."""
    open_db(db_url)
    click.echo(f"数据库已是最新版本: {describe(resolve_url(db_url))}")


COMMANDS: list[click.Command] = [
    import_group,
    cases_group,
    orders_group,
    returns_group,
    handoff_group,
    db_group,
]


# --- demo ----------------------------------------------------------------------------------


@click.command("demo-desk")
@click.option(
    "--dir",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="示例导出文件写到这里（默认数据目录下 demo/）。Where to write the demo exports.",
)
@click.option("--orders", "n_orders", type=int, default=600, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@db_option
def demo_desk(out_dir: Path | None, n_orders: int, seed: int, db_url: str | None) -> None:
    """售后台演示：生成一个月的店铺导出（订单、宝贝、退款、聊天），导入并列出待办。

    Generate a month of a shop's exports in the real formats, import them into a
    demo store (default: demo.db in the data directory, rebuilt each run) and show
    the cases due, the late-shipment watch and the returns register at work.
    """
    from datetime import date, time

    from redline.demo.generate import generate_month
    from redline.demo.load import fresh_sqlite, load_month
    from redline.store import data_dir

    policy = Policy.default()
    folder = out_dir or data_dir() / "demo"
    start = date(2026, 10, 1)
    now = datetime.combine(date(2026, 10, 31), time(20, 0), tzinfo=policy.tz)
    if db_url is None:
        db_url = fresh_sqlite(data_dir() / "demo.db")
    files = generate_month(folder, seed=seed, start=start, days=30, orders=n_orders, now=now)
    click.echo(f"示例导出已生成：{folder}")
    engine = open_db(db_url)
    click.echo(f"数据库：{describe(resolve_url(db_url))}\n")
    with store_errors(db_url):
        for _name, report in load_month(engine, files, now):
            print_report(report, "table")
        click.echo(f"\n== 售后待办（按 {local(now)} 计，逾期在前）==")
        with session(engine) as s:
            desk = Desk(s)
            click.echo(render_cases(desk.open_cases(now), now))
            late = desk.late_orders(now, timedelta(hours=24))
            stake = sum((lo.exposure for lo in late), Decimal(0))
            click.echo(
                f"\n== 发货时效 == 24 小时内将超时或已超时的未发货订单 {len(late)} 单，"
                f"其中已超时 {sum(1 for lo in late if lo.overdue)} 单，赔付风险 {money(stake)}"
            )
    click.echo(
        f"\n试试：redline cases --db {db_url} --at '2026-10-31 20:00' --due-within 24h"
        f"\n      redline orders late --db {db_url} --at '2026-10-31 20:00'"
    )


COMMANDS.append(demo_desk)
