"""The penalty ledger: points by type, sanctions running and next, a timeline of the
cycle, what confirming each open finding would do, and platform notices by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Body, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from redline.desk.policy import Policy
from redline.records.ledger import (
    TRACK_NAMES,
    TYPE_NAMES,
    TYPE_TRACKS,
    Deduction,
    LedgerRules,
    standing_json,
)
from redline.store.models import StoredFinding
from redline.store.penalties import TYPES, add_notice, deductions, finding_deduction
from redline.web.downloads import table_download
from redline.web.views import SHOP, back, changing, dual, form_guard, reading, require, user_of


def timeline_option(
    items: list[Deduction], start: datetime, at: datetime, policy: Policy, lang: str
) -> dict[str, Any]:
    """An ECharts option: cumulative points per track over the cycle, node lines."""
    series = []
    for track in ("general", "commitment", "severe"):
        total = 0
        data: list[list[Any]] = [[policy.to_china(start).isoformat(), 0]]
        for d in items:
            if track in TYPE_TRACKS[d.type]:
                total += d.points
                data.append([policy.to_china(d.at).isoformat(), total])
        data.append([policy.to_china(at).isoformat(), total])
        series.append(
            {
                "name": TRACK_NAMES[track][0 if lang == "zh" else 1],
                "type": "line",
                "step": "end",
                "data": data,
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "lineStyle": {"type": "dashed"},
                    "data": [{"yAxis": y} for y in (12, 24, 36, 48)],
                }
                if track == "general"
                else None,
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 36, "right": 16, "top": 36, "bottom": 28},
        "xAxis": {"type": "time"},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }


# (row key, Chinese header, English header) of the 导出 sheet
LEDGER_COLUMNS = (
    ("at", "时间", "time"),
    ("type_pair", "类型", "type"),
    ("points", "扣分", "points"),
    ("note", "说明", "note"),
    ("source", "来源", "source"),
)


def register(app: FastAPI) -> None:
    @dual(app, "/ledger", "ledger.html", roles=SHOP, active="ledger", tags=["ledger"])
    def ledger(request: Request) -> dict[str, Any]:
        """扣分台账：各类扣分、正在执行与下一处罚节点、假如确认 (penalty ledger)"""
        rs = request.app.state.rules
        policy: Policy = request.app.state.policy
        rules = LedgerRules.from_settings(rs.settings)
        at = policy.china_now()
        with reading(request) as s:
            items = [d for d in deductions(s, rs) if d.at <= at]
            open_findings = list(
                s.scalars(
                    select(StoredFinding)
                    .where(StoredFinding.status.in_(("open", "appealed")), StoredFinding.points > 0)
                    .order_by(StoredFinding.time.desc())
                    .limit(20)
                )
            )
        st = rules.standing(items, at)
        in_cycle = [d for d in items if d.at >= st.cycle_start]
        what_ifs = []
        for f in open_findings:
            new = finding_deduction(rs, f)
            if new is None:
                continue
            w = rules.what_if(items, replace(new, at=min(new.at, at)), at)
            what_ifs.append(
                {
                    "finding": f.id,
                    "conversation": f.conversation_id,
                    "category": f.category,
                    "points": f.points,
                    "evidence": f.evidence,
                    "sentence": w.sentence_zh,
                    "sentence_en": w.sentence_en,
                    "triggers": bool(w.triggered),
                }
            )
        lang = request.cookies.get("redline_lang", "zh")
        return {
            "standing": standing_json(st),
            "deductions": [
                {
                    "at": d.at.isoformat(),
                    "points": d.points,
                    "type": d.type,
                    "type_name": TYPE_NAMES[d.type][0],
                    "note": d.note,
                    "source": d.source,
                }
                for d in reversed(in_cycle)
            ],
            "what_if": what_ifs,
            "chart": timeline_option(in_cycle, st.cycle_start, at, policy, lang),
            "types": {t: TYPE_NAMES[t][0] for t in TYPES},
        }

    @app.get(
        "/api/ledger/export",
        tags=["ledger"],
        summary="导出本周期扣分明细为 Excel/CSV (export this cycle's deductions)",
    )
    def ledger_export(
        request: Request, format: str = Query("xlsx", pattern="^(csv|xlsx)$")
    ) -> Response:
        require(request, SHOP)
        rows = ledger(request)["deductions"]
        for row in rows:
            row["type_pair"] = TYPE_NAMES.get(row["type"], (row["type"], row["type"]))
        return table_download(request, rows, LEDGER_COLUMNS, format, "ledger")

    def _add(
        request: Request, points: int, type_: str, at_text: str | None, note: str | None
    ) -> int:
        user = user_of(request)
        policy: Policy = request.app.state.policy
        now = policy.china_now()
        try:
            at = policy.parse_time(at_text) if at_text else now
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        if at > now:
            raise HTTPException(422, "扣分时间不能晚于现在 (a notice cannot be in the future)")
        with changing(request) as s:
            try:
                n = add_notice(
                    s, at=at, points=points, type_=type_, note=note or None, by=user.name, now=now
                )
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from None
            s.flush()
            return n.id

    @app.post("/api/ledger/notices", tags=["ledger"], summary="录入平台扣分通知 (add a notice)")
    def add_notice_api(
        request: Request,
        points: int = Body(..., embed=True, ge=1, le=48),
        type: str = Body(..., embed=True, pattern="^(general|commitment|misinformation|severe)$"),
        at: str | None = Body(None, embed=True, max_length=40),
        note: str | None = Body(None, embed=True, max_length=2000),
    ) -> JSONResponse:
        require(request, SHOP)
        return JSONResponse({"id": _add(request, points, type, at, note)}, status_code=201)

    @app.post("/ledger/notices", include_in_schema=False)
    def add_notice_form(
        request: Request,
        points: str = Form("", max_length=20),
        type: str = Form("", max_length=30),
        at: str = Form("", max_length=40),
        note: str = Form("", max_length=2000),
        csrf_token: str = Form(""),
    ) -> Response:
        form_guard(request, SHOP, csrf_token)
        # A wrong value re-shows the form with what was typed and the field named,
        # instead of a bare 422 page that loses the input.
        kept = {"points": points, "type": type, "at": at, "note": note}
        again = "/ledger?" + urlencode({k: v for k, v in kept.items() if v}) + "#add-notice"
        value = points.strip()
        if not value.isdigit() or not 1 <= int(value) <= 48:
            return back(
                request,
                again,
                f"未录入：“扣分”须为 1–48 的整数，收到 {value or '（空）'}"
                " (points must be a whole number from 1 to 48)",
            )
        if type not in TYPES:
            return back(request, again, "未录入：请选择违规类型 (choose the notice type)")
        try:
            _add(request, int(value), type, at.strip() or None, note.strip() or None)
        except HTTPException as exc:
            return back(request, again, f"未录入：{exc.detail}")
        return back(request, "/ledger", "已录入 (saved)")
