"""``redline alerts`` (list, ``file``, ``filings``, ``push``, ``outbox``) and ``redline digest``.

Thin: the detectors are :mod:`redline.records.alerts`, the store side :mod:`redline.store.alerts`,
the robots and the outbox :mod:`redline.notify.robots`. Where the robots are:

1. ``--webhook URL`` (or ``$REDLINE_WEBHOOK``), with ``--secret`` (or
   ``$REDLINE_WEBHOOK_SECRET``) for DingTalk's 加签 — one robot, alerts and digests;
2. else a YAML file, ``--config FILE`` (or ``$REDLINE_ROBOTS``, or ``robots.yaml`` in
   the data directory when it exists) listing several robots::

       robots:
         - name: 运营群
           webhook: https://oapi.dingtalk.com/robot/send?access_token=…
           secret: SEC…              # DingTalk 加签, optional
           send: [alert, digest]     # what this robot gets (default both)
           at_mobiles: ["13800138000"]  # @-mentioned on critical alerts (DingTalk)
         - name: 客服主管
           webhook: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
           send: [digest]

Every message goes through the outbox (``--outbox`` / ``$REDLINE_OUTBOX``, default
``outbox.jsonl`` in the data directory) before it is sent: what a robot did not take
after the retries stays there and is sent first by the next push. Each alert is
pushed to a robot once per severity (the store remembers), so a push every few minutes
only sends what is new or has become more urgent.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import yaml
from sqlalchemy import Engine

from redline.cli.options import (
    at_option,
    db_option,
    emit_json,
    format_option,
    local,
    money,
    open_db,
    store_errors,
    when,
)
from redline.cli.table import BadInput, table
from redline.desk.cases import fmt_delta
from redline.desk.policy import Policy, china_iso
from redline.display import cell
from redline.notify.robots import Channel, Delivery, Message, Outbox, channel_from_url
from redline.records.alerts import KINDS, OUTCOMES, SEVERITIES, Alert, alert_messages
from redline.store import data_dir, session, writing
from redline.store.alerts import (
    FILING_STATUS,
    Context,
    FilingError,
    current_alerts,
    daily_digest,
    file_suspicious,
    list_filings,
    not_yet_pushed,
    record_pushed,
)

ENV_WEBHOOK = "REDLINE_WEBHOOK"
ENV_SECRET = "REDLINE_WEBHOOK_SECRET"
ENV_ROBOTS = "REDLINE_ROBOTS"
ENV_OUTBOX = "REDLINE_OUTBOX"
MESSAGE_KINDS = ("alert", "digest")


def lang_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default="zh",
        show_default=True,
        help="告警说明与建议的语言。Language of the alerts' text.",
    )(fn)


# --- listing -----------------------------------------------------------------------------------


def _due(a: Alert, at: datetime, lang: str) -> tuple[str, str]:
    if a.due_at is None:
        return "-", "-"
    gap = fmt_delta(a.due_at - at, lang)
    if lang == "en":
        return local(a.due_at), f"{gap} ago" if at > a.due_at else f"{gap} left"
    return local(a.due_at), f"逾期 {gap}" if at > a.due_at else f"剩 {gap}"


def render_alerts(alerts: Sequence[Alert], at: datetime, lang: str) -> str:
    en = lang == "en"
    if not alerts:
        return "No alerts. (没有风险告警)" if en else "没有风险告警。(no alerts)"
    rows = []
    for i, a in enumerate(alerts, 1):
        deadline, left = _due(a, at, lang)
        where = a.order_no or (f"{len(a.orders)} orders" if en else f"{len(a.orders)} 笔订单")
        if a.kind == "extortion":
            where = f"{'conv' if en else '会话'} {a.conversation}"
        rows.append(
            [
                str(i),
                SEVERITIES[a.severity][1 if en else 0],
                KINDS[a.kind][1 if en else 0],
                cell(where, 22),
                deadline,
                left,
                money(a.exposure) if a.exposure else "-",
                cell(a.title_en if en else a.title, 60),
            ]
        )
    head = (
        ["#", "severity", "kind", "order/chat", "due", "left", "at stake", "what"]
        if en
        else ["编号", "级别", "类型", "订单/会话", "期限", "剩余/逾期", "赔付风险", "摘要"]
    )
    out = [table(head, rows), ""]
    out.append("What to do:" if en else "处理建议：")
    for i, a in enumerate(alerts, 1):
        out.append(f"{i}. {a.advice_en if en else a.advice}")
        if a.orders:
            out.append(("   orders: " if en else "   订单：") + "、".join(a.orders))
        if a.evidence:
            out.append(("   buyer wrote: " if en else "   买家原话：") + cell(a.evidence, 120))
    counts = {s: sum(1 for a in alerts if a.severity == s) for s in SEVERITIES}
    if en:
        parts = ", ".join(f"{n} {SEVERITIES[s][1]}" for s, n in counts.items() if n)
        out.append(f"\n{len(alerts)} alerts ({parts}) as of {local(at)}")
    else:
        parts = "，".join(f"{SEVERITIES[s][0]} {n}" for s, n in counts.items() if n)
        out.append(f"\n共 {len(alerts)} 条（{parts}），按 {local(at)} 计")
    return "\n".join(out)


@click.group("alerts", invoke_without_command=True)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(list(KINDS)),
    help="只看这些类型（可多次使用）。Only these kinds.",
)
@at_option
@format_option
@lang_option
@db_option
@click.pass_context
def alerts_group(
    ctx: click.Context,
    kinds: tuple[str, ...],
    at_text: str | None,
    fmt: str,
    lang: str,
    db_url: str | None,
) -> None:
    """风险告警：可疑订单、疑似套保证金、买家敲诈、将超时发货，按紧急程度列出并给出处理建议。

    Risk alerts by severity: suspicious orders (规蜜 15-day window, one final filing),
    the deposit-drain pattern (orders while the shop was offline, then 缺货/late
    claims), buyer extortion found by `redline qa`, orders about to miss ship-by.
    Subcommands: file, filings, push, outbox.
    """
    ctx.obj = {"db_url": db_url}
    if ctx.invoked_subcommand is not None:
        return
    at = when(at_text)
    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        alerts = current_alerts(s, None, at)
    if kinds:
        alerts = [a for a in alerts if a.kind in kinds]
    if fmt == "json":
        emit_json({"at": china_iso(at), "alerts": [a.to_dict() for a in alerts]})
    else:
        click.echo(render_alerts(alerts, at, lang))


# --- filing ------------------------------------------------------------------------------------


@alerts_group.command("file")
@click.argument("order_no")
@click.option(
    "--as",
    "outcome",
    type=click.Choice(list(OUTCOMES)),
    default="unreachable",
    show_default=True,
    help="在规蜜里选的处理结果：address_wrong 地址有误、unreachable 联系不上买家（均为备案，可不发货）、"
    "address_ok 收货地址无误或已改正（不是备案，须发货）。What you chose in 规蜜.",
)
@click.option("--reason", required=True, help="备案理由，如“三次电话未接通”。Why.")
@click.option("--by", "actor", default="", help="操作人。Who filed it.")
@at_option
@db_option
@click.pass_obj
def alerts_file(
    obj: dict[str, Any],
    order_no: str,
    outcome: str,
    reason: str,
    actor: str,
    at_text: str | None,
    db_url: str | None,
) -> None:
    """登记一笔可疑订单在规蜜中的备案（每笔订单一次，确认后不能修改）。

    Record the 规蜜 filing of a suspicious order: once per order, final. A filed
    order need not ship (its shipping alert stops); shipping it voids the filing.
    """
    url = db_url or obj["db_url"]
    at = when(at_text)
    engine = open_db(url)
    try:
        with store_errors(url), writing(engine) as s:
            row = file_suspicious(
                s,
                order_no,
                outcome=outcome,
                reason=reason,
                by=actor or None,
                at=at,
                now=Policy.default().china_now(),
                rules=Context.load().rules,
            )
            filed = row.outcome
    except FilingError as exc:
        raise BadInput(str(exc)) from exc
    zh, _en, protects = OUTCOMES[filed]
    if protects:
        click.echo(
            f"已登记订单 {order_no} 的可疑订单备案（{zh}）：此单可不发货，买家申请退款直接同意；"
            "如果点了发货，备案即失效。"
        )
    else:
        click.echo(f"已登记订单 {order_no} 的预警处理（{zh}）：请按正常流程发货。")


@alerts_group.command("filings")
@format_option
@db_option
@click.pass_obj
def alerts_filings(obj: dict[str, Any], fmt: str, db_url: str | None) -> None:
    """列出已登记的可疑订单备案及其状态（有效/已因发货失效）。Filings and their status."""
    url = db_url or obj["db_url"]
    engine = open_db(url)
    with store_errors(url), session(engine) as s:
        views = list_filings(s)
    if fmt == "json":
        emit_json(
            [
                {
                    "order_no": v.filing.order_no,
                    "outcome": v.filing.outcome,
                    "reason": v.filing.reason,
                    "filed_at": china_iso(v.filing.filed_at),
                    "filed_by": v.filing.filed_by,
                    "window_start": china_iso(v.filing.warned_at),
                    "status": v.status,
                    "shipped_at": china_iso(v.shipped_at),
                }
                for v in views
            ]
        )
        return
    if not views:
        click.echo("还没有登记过可疑订单备案。(no filings)")
        return
    rows = [
        [
            v.filing.order_no,
            OUTCOMES.get(v.filing.outcome, (v.filing.outcome,))[0],
            cell(v.filing.reason, 30),
            local(v.filing.filed_at),
            cell(v.filing.filed_by, 10),
            FILING_STATUS[v.status][0],
        ]
        for v in views
    ]
    click.echo(table(["订单", "处理结果", "理由", "备案时间", "登记人", "状态"], rows))


# --- robots and pushing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Robot:
    """A configured group robot: its outbox name, channel, what it gets, whom to @."""

    name: str
    channel: Channel
    kinds: frozenset[str] = frozenset(MESSAGE_KINDS)
    at_mobiles: tuple[str, ...] = field(default=())


def robot_for_webhook(url: str, secret: str | None) -> Robot:
    """One robot from a webhook URL; its outbox name is stable for the same URL."""
    try:
        channel = channel_from_url(url, secret or None)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    digest = hashlib.sha256(url.strip().encode()).hexdigest()[:10]
    return Robot(f"{channel.name}-{digest}", channel)


def robots_from_file(path: Path) -> list[Robot]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BadInput(f"无法读取机器人配置 {path}：{exc}") from exc
    items = data.get("robots") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise BadInput(f"机器人配置 {path} 应有 robots: 列表（name、webhook、secret、send）")
    robots: list[Robot] = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("webhook"), str):
            raise BadInput(f"机器人配置 {path} 第 {i} 个机器人缺少 webhook")
        name = str(item.get("name") or f"robot{i}")
        send = item.get("send", list(MESSAGE_KINDS))
        if isinstance(send, str):
            send = [send]
        if not isinstance(send, list) or not send or any(k not in MESSAGE_KINDS for k in send):
            raise BadInput(f"机器人 {name}：send 只能是 alert、digest 或两者")
        mobiles = item.get("at_mobiles") or []
        if not isinstance(mobiles, list):
            raise BadInput(f"机器人 {name}：at_mobiles 应为手机号列表")
        secret = item.get("secret")
        try:
            channel = channel_from_url(item["webhook"], str(secret) if secret else None)
        except ValueError as exc:
            raise BadInput(f"机器人 {name}：{exc}") from exc
        if any(r.name == name for r in robots):
            raise BadInput(f"机器人配置 {path}：名字 {name!r} 重复")
        robots.append(Robot(name, channel, frozenset(send), tuple(str(m) for m in mobiles)))
    return robots


def resolve_robots(webhook: str | None, secret: str | None, config: Path | None) -> list[Robot]:
    if webhook:
        return [robot_for_webhook(webhook, secret)]
    if secret:
        raise BadInput("--secret 需要与 --webhook 一起使用（或写进机器人配置文件）")
    path = config or (Path(os.environ[ENV_ROBOTS]) if os.environ.get(ENV_ROBOTS) else None)
    if path is None and (data_dir() / "robots.yaml").is_file():
        path = data_dir() / "robots.yaml"
    if path is None:
        raise BadInput(
            f"没有配置推送机器人：用 --webhook URL（或环境变量 {ENV_WEBHOOK}），"
            f"或在 {data_dir() / 'robots.yaml'} 写机器人配置（--config FILE）"
        )
    return robots_from_file(path)


def outbox_path(path: Path | None) -> Path:
    return path or data_dir() / "outbox.jsonl"


@dataclass
class PushReport:
    new_alerts: int = 0
    queued: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    outbox: str = ""
    robots: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def push(
    engine: Engine,
    robots: Sequence[Robot],
    outbox: Outbox,
    *,
    at: datetime,
    lang: str = "zh",
    digest: bool = False,
    resend: bool = False,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 10,
    sleep: Callable[[float], object] = time.sleep,
) -> PushReport:
    """Queue what each robot has not had yet, then flush the whole outbox.

    Messages go into the outbox first and the push log second: a crash in between
    can repeat a message, never lose one. The flush also sends whatever earlier
    pushes left undelivered, oldest first.
    """
    ctx = Context.load()
    report = PushReport(outbox=str(outbox.path), robots=[r.name for r in robots])
    with session(engine) as s:
        alerts = current_alerts(s, ctx, at)
        summary = daily_digest(s, ctx, at, alerts) if digest else None
    queued: list[tuple[Robot, list[Alert]]] = []
    new_keys: set[str] = set()
    for robot in robots:
        if "alert" in robot.kinds:
            with session(engine) as s:
                fresh = list(alerts) if resend else not_yet_pushed(s, alerts, robot.name)
            for message in alert_messages(
                fresh,
                at,
                lang=lang,
                batch=ctx.rules.push_batch,
                at_mobiles=robot.at_mobiles,
            ):
                outbox.put(robot.name, message)
                report.queued += 1
            queued.append((robot, fresh))
            new_keys.update(f"{a.key}:{a.severity}" for a in fresh)
        if summary is not None and "digest" in robot.kinds:
            outbox.put(robot.name, summary.message(lang))
            report.queued += 1
    with writing(engine) as s:
        for robot, fresh in queued:
            record_pushed(s, fresh, robot.name, at)
    report.new_alerts = len(new_keys)
    deliveries: list[Delivery] = outbox.flush(
        {r.name: r.channel for r in robots},
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        sleep=sleep,
    )
    report.delivered = sum(1 for d in deliveries if d.ok)
    report.failed = len(deliveries) - report.delivered
    report.pending = len(outbox.pending())
    return report


@alerts_group.command("push")
@click.option(
    "--webhook",
    envvar=ENV_WEBHOOK,
    metavar="URL",
    help=f"钉钉或企业微信群机器人 webhook（默认 ${ENV_WEBHOOK}）。Robot webhook URL.",
)
@click.option(
    "--secret",
    envvar=ENV_SECRET,
    metavar="SECRET",
    help=f"钉钉加签密钥 SEC…（默认 ${ENV_SECRET}）。DingTalk signing secret.",
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"机器人配置 YAML（默认 ${ENV_ROBOTS} 或数据目录下 robots.yaml）。Robots file.",
)
@click.option(
    "--outbox",
    "outbox_file",
    envvar=ENV_OUTBOX,
    type=click.Path(dir_okay=False, path_type=Path),
    help="发件箱文件（默认数据目录下 outbox.jsonl）。The spool of undelivered messages.",
)
@click.option("--digest", is_flag=True, help="同时推送日报。Also push the daily digest.")
@click.option(
    "--all", "resend", is_flag=True, help="重发全部当前告警（不只是新的）。Resend every alert."
)
@click.option("--dry-run", is_flag=True, help="只打印要发的消息，不发送。Print, do not send.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True)
@click.option(
    "--backoff",
    type=click.FloatRange(0, 60),
    default=1.0,
    show_default=True,
    help="首次重试前等待秒数，之后翻倍。Seconds before the first retry, doubling.",
)
@click.option("--timeout", type=click.FloatRange(0.1, 120), default=10.0, show_default=True)
@format_option
@lang_option
@at_option
@db_option
@click.pass_obj
def alerts_push(
    obj: dict[str, Any],
    webhook: str | None,
    secret: str | None,
    config: Path | None,
    outbox_file: Path | None,
    digest: bool,
    resend: bool,
    dry_run: bool,
    retries: int,
    backoff: float,
    timeout: float,
    fmt: str,
    lang: str,
    at_text: str | None,
    db_url: str | None,
) -> None:
    """把新告警（和日报）推送到钉钉/企业微信群机器人；发不出去的留在发件箱，下次推送时重发。

    Push new alerts (and, with --digest, the daily digest) to DingTalk / WeCom group
    robots. Failures are retried and logged; what is still undelivered stays in the
    outbox and is sent first next time. Exit status 1 while anything is undelivered.
    """
    url = db_url or obj["db_url"]
    at = when(at_text)
    robots = resolve_robots(webhook, secret, config)
    engine = open_db(url)
    if dry_run:
        with store_errors(url), session(engine) as s:
            alerts = current_alerts(s, None, at)
            summary = daily_digest(s, None, at, alerts) if digest else None
        ctx = Context.load()
        messages: list[Message] = alert_messages(alerts, at, lang=lang, batch=ctx.rules.push_batch)
        if summary is not None:
            messages.append(summary.message(lang))
        for m in messages:
            click.echo(f"== {m.title} ==\n{m.text}\n")
        click.echo(f"（演练：共 {len(messages)} 条消息，未发送）")
        return
    outbox = Outbox(outbox_path(outbox_file))
    with store_errors(url):
        report = push(
            engine,
            robots,
            outbox,
            at=at,
            lang=lang,
            digest=digest,
            resend=resend,
            retries=retries,
            backoff=backoff,
            timeout=timeout,
        )
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        click.echo(
            f"新告警 {report.new_alerts} 条，排入发件箱 {report.queued} 条消息；"
            f"发送 {report.delivered + report.failed} 条：成功 {report.delivered}，失败 {report.failed}"
        )
    if report.pending:
        click.echo(
            f"还有 {report.pending} 条消息未送达，已保存在发件箱 {report.outbox}，"
            "下次推送时会先重发（失败原因见上面的日志）。",
            err=True,
        )
        sys.exit(1)


@alerts_group.command("outbox")
@click.option(
    "--outbox",
    "outbox_file",
    envvar=ENV_OUTBOX,
    type=click.Path(dir_okay=False, path_type=Path),
    help="发件箱文件（默认数据目录下 outbox.jsonl）。",
)
@format_option
def alerts_outbox(outbox_file: Path | None, fmt: str) -> None:
    """发件箱里尚未送达的消息。Messages still waiting in the outbox."""
    outbox = Outbox(outbox_path(outbox_file))
    pending = outbox.pending()
    if fmt == "json":
        emit_json(
            [
                {
                    "id": r.id,
                    "robot": r.channel,
                    "title": r.message.title,
                    "kind": r.message.kind,
                    "created": r.created,
                    "attempts": r.attempts,
                    "last_error": r.last_error,
                }
                for r in pending
            ]
        )
        return
    if not pending:
        click.echo(f"发件箱 {outbox.path} 没有待发送的消息。")
        return
    rows = [
        [r.channel, cell(r.message.title, 30), r.created, str(r.attempts), cell(r.last_error, 50)]
        for r in pending
    ]
    click.echo(table(["机器人", "标题", "创建时间(UTC)", "尝试次数", "最后错误"], rows))


# --- the daily digest ------------------------------------------------------------------------


@click.command("digest")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="输出格式；markdown 即推送给机器人的正文。Output format.",
)
@lang_option
@at_option
@db_option
def digest_command(fmt: str, lang: str, at_text: str | None, db_url: str | None) -> None:
    """日报：扣分与下一处罚节点、逾期/今天到期的售后单、赔付风险、告警数、昨日质检问题。

    The daily digest: points carried and the next sanction, cases overdue or due
    today, compensation at stake, alerts by kind, yesterday's findings by category.
    Push it with `redline alerts push --digest`.
    """
    at = when(at_text)
    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        summary = daily_digest(s, None, at)
    if fmt == "json":
        emit_json(summary.to_dict())
    elif fmt == "markdown":
        click.echo(summary.message(lang).text)
    else:
        click.echo(summary.text(lang))


COMMANDS: list[click.Command] = [alerts_group, digest_command]
