"""Metrics as charts: the after-sales numbers against the marketing bar, the daily
trend, and the agents' KPIs — the same report ``redline metrics`` prints."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import Response

from redline.records.metrics import MetricsSettings, Window
from redline.store.metrics import metrics_report
from redline.web.downloads import table_download
from redline.web.views import SHOP, dual, reading, require


def _window(
    request: Request,
    settings: MetricsSettings,
    days: int | None,
    first: date | None,
    last: date | None,
) -> Window:
    policy = request.app.state.policy
    if first is None and last is None:
        return Window.rolling(policy.china_now(), days or settings.window_days, settings.tz)
    if first is None or last is None:
        raise HTTPException(422, "请同时给出开始和结束日期 (give both from and to)")
    if (last - first).days > 366:
        raise HTTPException(422, "日期范围最长一年 (at most one year)")
    try:
        return Window.between(first, last, settings.tz)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


def _pct(x: Any) -> float | None:
    return None if x is None else round(float(x) * 100, 2)


def charts(report: dict[str, Any], lang: str) -> dict[str, Any]:
    """ECharts options built from the report's daily series and agent rows."""
    zh = lang == "zh"
    days = [d["date"][5:] for d in report["daily"]]
    trend = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 40, "top": 36, "bottom": 28},
        "xAxis": {"type": "category", "data": days},
        "yAxis": [
            {"type": "value", "name": "单" if zh else "orders", "minInterval": 1},
            {"type": "value", "name": "%", "splitLine": {"show": False}},
        ],
        "series": [
            {
                "name": "付款订单" if zh else "paid orders",
                "type": "bar",
                "data": [d["paid_orders"] for d in report["daily"]],
            },
            {
                "name": "退款率" if zh else "refund rate",
                "type": "line",
                "yAxisIndex": 1,
                "data": [_pct(d["refund_rate"]["rate"]) for d in report["daily"]],
            },
            {
                "name": "纠纷率" if zh else "dispute rate",
                "type": "line",
                "yAxisIndex": 1,
                "data": [_pct(d["dispute_rate"]["rate"]) for d in report["daily"]],
            },
        ],
    }
    comp = report["shop"]["composite"]
    composite = {
        "tooltip": {},
        "grid": {"left": 110, "right": 20, "top": 10, "bottom": 24},
        "xAxis": {"type": "value", "max": 100},
        "yAxis": {
            "type": "category",
            "data": [c["name"] if zh else c["name_en"] for c in comp["components"]],
        },
        "series": [
            {
                "type": "bar",
                "data": [
                    None if c["score"] is None else round(c["score"], 1) for c in comp["components"]
                ],
                "label": {"show": True, "position": "right"},
            }
        ],
    }
    agents = report["agents"]
    kpi = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 40, "top": 36, "bottom": 60},
        "xAxis": {
            "type": "category",
            "axisLabel": {"rotate": 30},
            "data": [(a["agent"] or "").split(":")[-1] for a in agents],
        },
        "yAxis": [
            {"type": "value", "name": "秒" if zh else "s"},
            {"type": "value", "name": "/100", "splitLine": {"show": False}},
        ],
        "series": [
            {
                "name": "平均首响(秒)" if zh else "first response (s)",
                "type": "bar",
                "data": [
                    None
                    if a["first_response"]["mean_seconds"] is None
                    else round(a["first_response"]["mean_seconds"], 1)
                    for a in agents
                ],
            },
            {
                "name": "每百条回复问题数" if zh else "findings per 100 replies",
                "type": "line",
                "yAxisIndex": 1,
                "data": [round(a["findings_total_per_100_replies"] or 0, 2) for a in agents],
            },
        ],
    }
    return {"trend": trend, "composite": composite, "kpi": kpi}


# (row key, Chinese header, English header) of the 导出 sheet
KPI_COLUMNS = (
    ("agent", "客服", "agent"),
    ("replies", "回复数", "replies"),
    ("findings_total", "质检问题", "findings"),
    ("confirmed_total", "已确认违规", "confirmed"),
    ("per_100", "每百条回复问题数", "findings per 100 replies"),
    ("first_median", "首响中位数（秒）", "first response, median (s)"),
    ("first_within", "首响达标率", "first response within target"),
    ("response_median", "响应中位数（秒）", "response, median (s)"),
    ("inquiries", "询单数", "inquiries"),
    ("conversion", "询单转化率", "inquiry conversion"),
)


def _kpi_row(a: dict[str, Any]) -> dict[str, Any]:
    first = a.get("first_response") or {}
    within = first.get("within_target") or {}
    return {
        "agent": a.get("agent"),
        "replies": a.get("replies"),
        "findings_total": a.get("findings_total"),
        "confirmed_total": a.get("confirmed_total"),
        "per_100": a.get("findings_total_per_100_replies"),
        "first_median": first.get("median_seconds"),
        "first_within": within.get("rate"),
        "response_median": (a.get("response") or {}).get("median_seconds"),
        "inquiries": (a.get("inquiries") or {}).get("of"),
        "conversion": a.get("inquiry_conversion_rate"),
    }


def register(app: FastAPI) -> None:
    @dual(app, "/metrics", "metrics.html", roles=SHOP, active="metrics", tags=["metrics"])
    def metrics(
        request: Request,
        days: int | None = Query(None, ge=1, le=366, description="滚动窗口天数（默认 28）"),
        from_: Annotated[
            date | None, Query(alias="from", description="开始日期 YYYY-MM-DD")
        ] = None,
        to: Annotated[date | None, Query(description="结束日期 YYYY-MM-DD（含）")] = None,
        agent: str | None = Query(None, max_length=120, description="只看一个客服"),
    ) -> dict[str, Any]:
        """售后指标与客服 KPI（退款率、纠纷率、自主完结率、完结时长、综合分、客单价、首响、询单转化）"""
        settings = MetricsSettings.from_settings(request.app.state.rules.settings)
        window = _window(request, settings, days, from_, to)
        with reading(request) as s:
            report = metrics_report(s, window, settings, agent=agent or None).to_dict()
        lang = request.cookies.get("redline_lang", "zh")
        return {
            "report": report,
            "charts": charts(report, lang),
            "query": {"days": days, "from": from_, "to": to, "agent": agent},
        }

    @app.get(
        "/api/metrics/export",
        tags=["metrics"],
        summary="导出客服 KPI 为 Excel/CSV，保留时间窗口与客服筛选 (export agent KPIs)",
    )
    def metrics_export(
        request: Request,
        format: str = Query("xlsx", pattern="^(csv|xlsx)$"),
        days: int | None = Query(None, ge=1, le=366),
        from_: Annotated[date | None, Query(alias="from")] = None,
        to: Annotated[date | None, Query()] = None,
        agent: str | None = Query(None, max_length=120),
    ) -> Response:
        require(request, SHOP)
        report = metrics(request, days, from_, to, agent)["report"]
        team = {**report["team"], "agent": "全队 (team)"}
        rows = [_kpi_row(a) for a in [*report["agents"], team]]
        return table_download(request, rows, KPI_COLUMNS, format, "metrics")
