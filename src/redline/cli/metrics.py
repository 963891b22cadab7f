"""``redline metrics`` — the shop's refund metrics, 客单价 and the agents' KPIs.

Thin: pick the window, read the store with :func:`redline.store.metrics.metrics_report`,
print the :class:`redline.records.metrics.MetricsReport` as a table (Chinese, or ``--lang en``)
or as JSON (``report.to_dict()``, what the dashboard serves).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import click

from redline.cli.options import db_option, emit_json, open_db, store_errors, when
from redline.cli.table import BadInput, table
from redline.guard.packs import RuleSet, load_rules
from redline.records.metrics import AgentMetrics, MetricsReport, MetricsSettings, Ratio, Window
from redline.store import session
from redline.store.metrics import metrics_report
from redline.yamlsrc import PackError

F = TypeVar("F", bound=Callable[..., Any])


def _date(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError as exc:
        raise BadInput(f"{what} 应为日期，如 2026-10-01，得到 {text!r}") from exc


def choose_window(
    settings: MetricsSettings,
    *,
    days: int | None,
    at_text: str | None,
    first_text: str | None,
    last_text: str | None,
) -> Window:
    """``--days N [--at T]`` (rolling, default the pack's days) or ``--from D --to D``."""
    first, last = _date(first_text, "--from"), _date(last_text, "--to")
    if days is not None and days < 1:
        raise BadInput("--days 应 ≥ 1")
    if first is None and last is None:
        return Window.rolling(when(at_text), days or settings.window_days, settings.tz)
    if days is not None and first is not None and last is not None:
        raise BadInput("--days 不能与同时给出的 --from 和 --to 一起使用")
    if at_text is not None:
        raise BadInput("--at 只用于滚动窗口（--days），不能与 --from/--to 一起使用")
    n = days or settings.window_days
    if last is None:
        assert first is not None
        today = when(None).date()
        last = min(today, first + timedelta(days=n - 1))
    if first is None:
        first = last - timedelta(days=n - 1)
    try:
        return Window.between(first, last, settings.tz)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


# --- presenting ----------------------------------------------------------------------------


def _pct(r: Ratio | float | None, digits: int = 2) -> str:
    value = r.rate if isinstance(r, Ratio) else r
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def _yuan(value: Decimal | None) -> str:
    return "-" if value is None else f"¥{value:,.2f}"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _bound(key: str, value: float) -> str:
    return f"{value:g} 天" if key == "completion_days" else f"{value * 100:g}%"


def _bound_en(key: str, value: float) -> str:
    return f"{value:g} d" if key == "completion_days" else f"{value * 100:g}%"


def _window_line(report: MetricsReport, lang: str) -> str:
    w = report.window
    start = w.start.strftime("%Y-%m-%d %H:%M")
    end = w.end.strftime("%Y-%m-%d %H:%M")
    n = f"{w.length_days:g}"
    if lang == "en":
        return f"Window {start} – {end} (China time, {n} days, end excluded)"
    return f"统计区间 {start} 至 {end}（中国时间，共 {n} 天，不含结束时刻）"


def render_shop(report: MetricsReport, lang: str) -> str:
    shop = report.shop
    c = shop.composite
    lines = [_window_line(report, lang)]
    if lang == "en":
        lines += [
            f"Paid orders {shop.paid_orders} · paid GMV {_yuan(shop.gmv)} · paying buyers "
            f"{shop.paying_buyers} · average order value per buyer {_yuan(shop.avg_order_value)}",
            "",
            table(
                ["metric", "value", "how"],
                [
                    [
                        "refund rate",
                        _pct(shop.refund_rate),
                        f"{shop.refund_rate.count} refunds applied / {shop.refund_rate.of} "
                        "paid orders (by application time)",
                    ],
                    [
                        "dispute rate",
                        _pct(shop.dispute_rate),
                        f"{shop.dispute_rate.count} with platform intervention / "
                        f"{shop.dispute_rate.of} paid orders",
                    ],
                    [
                        "self-completed",
                        _pct(shop.self_completion_rate),
                        f"{shop.self_completion_rate.count} without intervention / "
                        f"{shop.self_completion_rate.of} completed (by completion time)",
                    ],
                    [
                        "completion time",
                        "-" if shop.completion_days is None else f"{shop.completion_days:.2f} d",
                        f"applied → completed, mean of {shop.self_completion_rate.of} refunds",
                    ],
                ],
            ),
            "",
            f"After-sales composite (self-assessment, not Tmall's rank): {_num(c.score)}",
            table(
                ["component", "value", "target", "limit", "score", "weight"],
                [
                    [
                        comp.to_dict()["name_en"],
                        (
                            _num(comp.value, 2) + " d"
                            if comp.key == "completion_days" and comp.value is not None
                            else _pct(comp.value)
                        ),
                        _bound_en(comp.key, comp.target),
                        _bound_en(comp.key, comp.limit),
                        _num(comp.score),
                        f"{comp.weight:g}",
                    ]
                    for comp in c.components
                ],
            ),
            f"= {c.formula}",
            c.to_dict()["note_en"],
        ]
        return "\n".join(lines)
    lines += [
        f"支付订单 {shop.paid_orders} 笔 · 支付金额 {_yuan(shop.gmv)} · 支付买家 "
        f"{shop.paying_buyers} 人 · 客单价 {_yuan(shop.avg_order_value)}",
        "",
        table(
            ["指标", "数值", "计算"],
            [
                [
                    "退款率",
                    _pct(shop.refund_rate),
                    f"申请退款 {shop.refund_rate.count} 笔 / 支付订单 {shop.refund_rate.of} 笔"
                    "（按申请时间，任何退款申请都算）",
                ],
                [
                    "退款纠纷率",
                    _pct(shop.dispute_rate),
                    f"客服介入 {shop.dispute_rate.count} 笔 / 支付订单 {shop.dispute_rate.of} 笔"
                    "（售中+售后）",
                ],
                [
                    "退款自主完结率",
                    _pct(shop.self_completion_rate),
                    f"未经介入完结 {shop.self_completion_rate.count} 笔 / 完结退款 "
                    f"{shop.self_completion_rate.of} 笔（按完结时间）",
                ],
                [
                    "退款完结时长",
                    "-" if shop.completion_days is None else f"{shop.completion_days:.2f} 天",
                    f"申请→完结 总时长 / 完结退款 {shop.self_completion_rate.of} 笔",
                ],
            ],
        ),
        "",
        f"售后服务综合指标（自评分，不是天猫的排名）：{_num(c.score)} 分",
        table(
            ["分项", "数值", "目标", "底线", "得分", "权重"],
            [
                [
                    comp.to_dict()["name"],
                    (
                        _num(comp.value, 2) + " 天"
                        if comp.key == "completion_days" and comp.value is not None
                        else _pct(comp.value)
                    ),
                    _bound(comp.key, comp.target),
                    _bound(comp.key, comp.limit),
                    _num(comp.score),
                    f"{comp.weight:g}",
                ]
                for comp in c.components
            ],
        ),
        f"= {c.formula}",
        f"说明：{c.to_dict()['note']}",
    ]
    return "\n".join(lines)


def _agent_name(a: AgentMetrics, lang: str) -> str:
    if a.agent is None:
        return "All agents" if lang == "en" else "全部客服"
    return a.agent or "-"


def _category_name(rs: RuleSet, code: str, lang: str) -> str:
    cat = rs.categories.get(code)
    if cat is None:
        return code
    return cat.name_en if lang == "en" else cat.name_zh


def render_agents(report: MetricsReport, rs: RuleSet, lang: str) -> str:
    target = report.settings.first_response_target_seconds
    hours = report.settings.conversion_hours
    rows = [*report.agents, report.team]
    if lang == "en":
        header = [
            "agent",
            "replies",
            "findings",
            "/100 replies",
            "first resp.",
            "mean",
            "median",
            f"≤{target}s",
            "avg resp.",
            "inquiries",
            "converted",
            "conversion",
        ]
        title = (
            f"Agents (first response target ≤ {target} s; an inquiry converts when the buyer "
            f"pays within {hours} h)"
        )
    else:
        header = [
            "客服",
            "回复数",
            "问题数",
            "问题/百回复",
            "首响会话",
            "首响均值",
            "首响中位",
            f"≤{target}秒",
            "平均响应",
            "询单人数",
            "转化人数",
            "询单转化率",
        ]
        title = f"客服指标（首响目标 ≤ {target} 秒；询单后 {hours} 小时内付款算转化）"
    body = [
        [
            _agent_name(a, lang),
            str(a.replies),
            str(a.findings_total),
            _num(a.per_100(a.findings_total)),
            str(a.first_response.count),
            _secs(a.first_response.mean_seconds),
            _secs(a.first_response.median_seconds),
            _pct(a.first_response.within_target, 0),
            _secs(a.response.mean_seconds),
            str(a.inquiries.of),
            str(a.inquiries.count),
            _pct(a.inquiries, 1),
        ]
        for a in rows
    ]
    lines = [title, table(header, body)]
    with_findings = [a for a in rows if a.findings]
    if with_findings:
        lines.append("")
        lines.append(
            "Findings per 100 replies by category (dismissed ones not counted):"
            if lang == "en"
            else "按类别的问题/百回复（不含已驳回的误报）："
        )
        for a in with_findings:
            parts = ", " if lang == "en" else "、"
            detail = parts.join(
                f"{_category_name(rs, code, lang)} {_num(per)}"
                for code, per in a.findings_per_100.items()
            )
            lines.append(f"  {_agent_name(a, lang)}: {detail}")
    team = report.team
    if report.agent_filter is None and (team.unanswered_chats or team.unanswered_waits):
        lines.append(
            f"Unanswered: {team.unanswered_chats} chats whose first message got no reply; "
            f"{team.unanswered_waits} buyer waits in all (including closing thanks)."
            if lang == "en"
            else f"未回复：首条消息无人回复的会话 {team.unanswered_chats} 个；"
            f"最终无人回复的买家消息 {team.unanswered_waits} 处（含“好的谢谢”之类的结束语）。"
        )
    return "\n".join(lines)


def render_daily(report: MetricsReport, lang: str) -> str:
    header = (
        [
            "date",
            "paid",
            "GMV",
            "AOV",
            "refunds",
            "refund rate",
            "disputes",
            "completed",
            "self-compl.",
            "compl. days",
            "replies",
            "findings",
            "first resp.",
        ]
        if lang == "en"
        else [
            "日期",
            "支付订单",
            "支付金额",
            "客单价",
            "退款申请",
            "退款率",
            "介入",
            "完结",
            "自主完结率",
            "完结时长(天)",
            "回复",
            "问题",
            "首响均值",
        ]
    )
    rows = [
        [
            d.day.isoformat() + ("*" if d.partial else ""),
            str(d.paid_orders),
            _yuan(d.gmv),
            _yuan(d.avg_order_value),
            str(d.refunds.count),
            _pct(d.refunds),
            str(d.disputes.count),
            str(d.self_completed.of),
            _pct(d.self_completed, 0),
            _num(d.completion_days, 2),
            str(d.replies),
            str(d.findings),
            _secs(d.first_response.mean_seconds),
        ]
        for d in report.daily
    ]
    note = (
        "* the window covers part of this day" if lang == "en" else "* 该日只有部分时间在统计区间内"
    )
    return "\n".join([table(header, rows), note])


# --- the command ---------------------------------------------------------------------------


@click.command("metrics")
@click.option(
    "--days",
    type=int,
    help="滚动窗口天数，截至 --at（默认规则包的 metrics_window_days，28）。Rolling window days.",
)
@click.option(
    "--at",
    "at_text",
    metavar="TIME",
    help="滚动窗口的结束时刻（默认现在，中国时间）。End of the rolling window.",
)
@click.option("--from", "first_text", metavar="DATE", help="起始日期（含），如 2026-10-01。")
@click.option("--to", "last_text", metavar="DATE", help="结束日期（含），如 2026-10-31。")
@click.option("--agent", help="只看这位客服：完整账号或冒号后的名字，如 小美。Only this agent.")
@click.option("--daily", is_flag=True, help="表格后附逐日数据。Also print the day-by-day table.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="输出格式。Output format.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="表格语言。Language of the table.",
)
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True),
    help="额外的规则包（可改指标设置）。Extra rule pack dir/file (metrics settings).",
)
@db_option
def metrics_cmd(
    days: int | None,
    at_text: str | None,
    first_text: str | None,
    last_text: str | None,
    agent: str | None,
    daily: bool,
    fmt: str,
    lang: str,
    rules_dirs: tuple[str, ...],
    db_url: str | None,
) -> None:
    """店铺与客服指标：退款率、纠纷率、自主完结率、完结时长、综合指标、客单价，客服回复、问题、首响、询单转化。

    Shop and agent metrics over a rolling window (--days, ending --at; default 28
    days to now) or whole days (--from/--to, both included), China time.
    """
    try:
        rs = load_rules(list(rules_dirs))
        settings = MetricsSettings.from_settings(rs.settings)
    except (PackError, ValueError) as exc:
        raise BadInput(f"规则包有误: {exc}") from exc
    window = choose_window(
        settings, days=days, at_text=at_text, first_text=first_text, last_text=last_text
    )
    engine = open_db(db_url)
    with store_errors(db_url), session(engine) as s:
        report = metrics_report(s, window, settings, agent=agent)
    if fmt == "json":
        emit_json(report.to_dict())
        return
    if agent is not None and not report.agents:
        click.echo(
            f"No agent matches {agent!r} in this window."
            if lang == "en"
            else f"统计区间内没有客服 {agent!r} 的记录。",
            err=True,
        )
    parts = [render_shop(report, lang), "", render_agents(report, rs, lang)]
    if daily:
        parts += ["", render_daily(report, lang)]
    click.echo("\n".join(parts))


COMMANDS: list[click.Command] = [metrics_cmd]
