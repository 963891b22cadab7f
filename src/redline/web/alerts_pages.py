"""Risk alerts: suspicious orders (with the 15-day, file-once 规蜜 rule), the
deposit-drain pattern, buyer extortion, orders about to miss ship-by — each with
what to do. Suspicious orders can be filed from here (once, final)."""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Form, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from redline.desk.policy import Policy
from redline.privacy import mask_name, mask_phone
from redline.records.alerts import KINDS, OUTCOMES, SEVERITIES, AlertRules
from redline.records.alerts.suspicious import advice_for
from redline.store.alerts import (
    FILING_STATUS,
    FilingError,
    current_alerts,
    file_suspicious,
    list_filings,
)
from redline.web.views import SHOP, back, changing, dual, form_guard, reading, require, user_of


def alert_json(a: Any, policy: Policy) -> dict[str, Any]:
    """An alert for a view: the buyer masked, quoted chat text phone-masked."""
    data: dict[str, Any] = a.to_dict(policy)
    # The page has the filing form: the advice points to it, not to the CLI.
    for key, lang in (("advice", "zh"), ("advice_en", "en")):
        if data.get(key):
            data[key] = advice_for(data[key], data.get("order_no"), "web", lang)
    data["buyer"] = mask_name(data.get("buyer"))
    for key in ("evidence", "advice", "advice_en", "title", "title_en"):
        if data.get(key):
            data[key] = mask_phone(data[key])
    data.pop("facts", None)  # raw inputs (addresses, phones) stay server-side
    data["severity_name"] = SEVERITIES.get(a.severity, (a.severity, a.severity))
    data["kind_name"] = KINDS.get(a.kind, (a.kind, a.kind))
    return data


def register(app: FastAPI) -> None:
    @dual(app, "/alerts", "alerts.html", roles=SHOP, active="alerts", tags=["alerts"])
    def alerts(
        request: Request,
        kind: str | None = Query(None, max_length=40, description="只看一类告警"),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0, le=10_000_000),
    ) -> dict[str, Any]:
        """风险告警：可疑订单、疑似套保证金、买家敲诈、发货时效（含处理建议）

        Paged: the counts cover every open alert, the list one page (most severe first)."""
        if kind is not None and kind not in KINDS:
            raise HTTPException(422, f"未知告警类型 {kind!r}（可选：{'/'.join(KINDS)}）")
        policy: Policy = request.app.state.policy
        at = policy.china_now()
        with reading(request) as s:
            found = current_alerts(s, request.app.state.rules, at)
            filings = list_filings(s)
        counts: dict[str, int] = {}
        for a in found:
            counts[a.kind] = counts.get(a.kind, 0) + 1
        shown = [a for a in found if kind is None or a.kind == kind]
        return {
            "at": at.isoformat(),
            "filters": {"kind": kind},
            "total": len(shown),
            "offset": offset,
            "limit": limit,
            "alerts": [alert_json(a, policy) for a in shown[offset : offset + limit]],
            "counts": counts,
            "kinds": KINDS,
            "outcomes": {k: [v[0], v[1]] for k, v in OUTCOMES.items()},
            "filings": [
                {
                    "order_no": f.filing.order_no,
                    "outcome": f.filing.outcome,
                    "outcome_name": list(OUTCOMES.get(f.filing.outcome, ("", "", False))[:2]),
                    "reason": mask_phone(f.filing.reason),
                    "filed_at": policy.to_china(f.filing.filed_at).isoformat(),
                    "status": f.status,
                    "status_name": FILING_STATUS[f.status],
                }
                for f in filings
            ],
        }

    def _file(request: Request, order_no: str, outcome: str, reason: str) -> dict[str, Any]:
        user = user_of(request)
        policy: Policy = request.app.state.policy
        now = policy.china_now()
        rules = AlertRules.from_rules(request.app.state.rules)
        with changing(request) as s:
            try:
                f = file_suspicious(
                    s,
                    order_no,
                    outcome=outcome,
                    reason=reason,
                    by=user.name,
                    at=now,
                    now=now,
                    rules=rules,
                )
            except FilingError as exc:
                raise HTTPException(409, str(exc).replace("--reason", "理由")) from None
            return {"order_no": f.order_no, "outcome": f.outcome, "filed_at": now.isoformat()}

    @app.post(
        "/api/alerts/filings/{order_no}",
        tags=["alerts"],
        summary="可疑订单备案（每单一次，不可更改）(file a suspicious order, once)",
        status_code=201,
    )
    def file_api(
        request: Request,
        order_no: str = Path(max_length=40),
        outcome: str = Body(..., embed=True, pattern="^(address_wrong|unreachable|address_ok)$"),
        reason: str = Body(..., embed=True, min_length=1, max_length=2000),
    ) -> JSONResponse:
        require(request, SHOP)
        return JSONResponse(_file(request, order_no, outcome, reason), status_code=201)

    @app.post("/alerts/filings/{order_no}", include_in_schema=False)
    def file_form(
        request: Request,
        order_no: str = Path(max_length=40),
        outcome: str = Form(...),
        reason: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        form_guard(request, SHOP, csrf_token)
        try:
            _file(request, order_no, outcome, reason)
        except HTTPException as exc:
            return back(request, "/alerts", f"未备案：{exc.detail}")
        return back(request, "/alerts", f"订单 {order_no} 已备案 (filed)")
