"""QA: findings by agent and category, a conversation with its evidence in place,
and the review steps (confirm / dismiss / appeal).

An agent sees only their own findings (``agent_account``) and may appeal them;
supervisors and admins see the shop and confirm or dismiss.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import Body, FastAPI, Form, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select

from redline.privacy import mask_name, mask_text
from redline.records.export import findings_table, write_table
from redline.store.accounts import Principal
from redline.store.models import ChatMessage, Conversation, Order, StoredFinding
from redline.store.qa import REVIEW_ACTIONS, STATUSES, ReviewError, review, reviews
from redline.store.qa import finding_json as cli_finding_json
from redline.web.downloads import download
from redline.web.render import lang_of
from redline.web.views import (
    EVERYONE,
    ID_MAX,
    back,
    changing,
    dual,
    form_guard,
    reading,
    require,
    user_of,
)


def finding_json(f: StoredFinding) -> dict[str, Any]:
    """``redline qa list --format json``'s finding, with the status's names."""
    return {**cli_finding_json(f), "status_name": STATUSES.get(f.status, (f.status, f.status))}


def _scope(user: Principal, account: str | None) -> str | None:
    """The agent filter a user may use: agents are pinned to their own account."""
    if user.sees_shop:
        return account or None
    return user.agent_account or f"\0{user.name}"  # no account → sees nothing


def segments(text: str, spans: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    """Split ``text`` into plain and highlighted runs (spans: start, end, finding id).

    Overlapping spans are merged into the first; the template escapes every run,
    so the highlight never turns chat text into markup.
    """
    out: list[dict[str, Any]] = []
    pos = 0
    for start, end, fid in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if end <= start:
            continue
        if start > pos:
            out.append({"text": text[pos:start], "finding": None})
        out.append({"text": text[start:end], "finding": fid})
        pos = end
    if pos < len(text) or not out:
        out.append({"text": text[pos:], "finding": None})
    return out


def register(app: FastAPI) -> None:
    names = {k: (c.name_zh, c.name_en) for k, c in app.state.rules.categories.items()}

    @dual(app, "/findings", "findings.html", roles=EVERYONE, active="findings", tags=["qa"])
    def findings(
        request: Request,
        status: str | None = Query(None, description="open|confirmed|dismissed|appealed"),
        category: str | None = Query(None, max_length=60),
        account: str | None = Query(None, max_length=120, description="客服账号 (agent)"),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0, le=10_000_000),
    ) -> dict[str, Any]:
        """质检发现：按客服和类别筛选 (findings, filterable)"""
        user = user_of(request)
        if status is not None and status not in STATUSES:
            raise HTTPException(422, f"未知状态 {status!r}")
        who = _scope(user, account)
        q = select(StoredFinding)
        # The per-agent table counts agents' findings: a buyer-side alert (extortion)
        # is stored under the buyer's account and is no agent's row.
        count_q = select(StoredFinding.account, StoredFinding.category, func.count()).where(
            StoredFinding.severity != "alert"
        )
        if status:
            q = q.where(StoredFinding.status == status)
            count_q = count_q.where(StoredFinding.status == status)
        if category:
            q = q.where(StoredFinding.category == category)
        if who is not None:
            # A supervisor may type part of a name (小美 finds 云朵家居旗舰店:小美); an
            # agent is pinned to their own account exactly.
            cond = (
                StoredFinding.account.contains(who, autoescape=True)
                if user.sees_shop
                else StoredFinding.account == who
            )
            q = q.where(cond)
            count_q = count_q.where(cond)
        with reading(request) as s:
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = list(
                s.scalars(
                    q.order_by(StoredFinding.time.desc(), StoredFinding.id.desc())
                    .offset(offset)
                    .limit(limit)
                )
            )
            matrix_rows = s.execute(
                count_q.group_by(StoredFinding.account, StoredFinding.category)
            ).all()
        matrix: dict[str, dict[str, int]] = defaultdict(dict)
        cats: set[str] = set()
        for acct, cat, n in matrix_rows:
            matrix[acct or "?"][cat] = n
            cats.add(cat)
        columns = sorted(cats, key=lambda c: -sum(m.get(c, 0) for m in matrix.values()))
        return {
            "total": total,
            "offset": offset,
            "limit": limit,
            "filters": {"status": status, "category": category, "account": who},
            "findings": [finding_json(f) for f in rows],
            "by_agent": {
                "categories": [{"category": c, "name": names.get(c, (c, c))} for c in columns],
                "agents": [
                    {
                        "account": a,
                        "counts": [m.get(c, 0) for c in columns],
                        "total": sum(m.values()),
                    }
                    for a, m in sorted(matrix.items(), key=lambda kv: -sum(kv[1].values()))
                ],
            },
            "statuses": {k: v for k, v in STATUSES.items()},
            "category_names": names,
        }

    @app.get(
        "/api/findings/export",
        tags=["qa"],
        summary="导出质检问题为 Excel/CSV，保留筛选条件，买家信息脱敏 (export findings)",
    )
    def findings_export(
        request: Request,
        format: str = Query("xlsx", pattern="^(csv|xlsx)$"),
        status: str | None = Query(None, description="open|confirmed|dismissed|appealed"),
        category: str | None = Query(None, max_length=60),
        account: str | None = Query(None, max_length=120),
    ) -> Response:
        require(request, EVERYONE)
        data = findings(
            request,
            status=status or None,
            category=category or None,
            account=account or None,
            limit=1000,
            offset=0,
        )
        header, rows = findings_table(data["findings"], names, STATUSES, lang_of(request))
        return download(write_table(header, rows, format, sheet="findings"), format, "findings")

    @dual(
        app,
        "/conversations/{conversation_id:path}",
        "conversation.html",
        roles=EVERYONE,
        active="findings",
        tags=["qa"],
    )
    def conversation(request: Request, conversation_id: str) -> dict[str, Any]:
        """一个会话：消息、高亮的违规原文和建议回复 (one conversation with its findings)"""
        user = user_of(request)
        with reading(request) as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise HTTPException(404, "没有这个会话 (no such conversation)")
            messages = list(
                s.scalars(
                    select(ChatMessage)
                    .where(ChatMessage.conversation_id == conversation_id)
                    .order_by(ChatMessage.position)
                )
            )
            if not user.sees_shop and not any(
                m.role == "agent" and m.account == user.agent_account for m in messages
            ):
                raise HTTPException(403, "只能查看自己接待的会话 (not your conversation)")
            found = list(
                s.scalars(
                    select(StoredFinding)
                    .where(StoredFinding.conversation_id == conversation_id)
                    .order_by(StoredFinding.message, StoredFinding.start)
                )
            )
            order = s.get(Order, conv.order_no) if conv.order_no else None
            known = [conv.buyer_nick, *(m.account for m in messages if m.role != "agent")]
            if order is not None:
                known += [order.buyer_nick, order.receiver_name, order.phone, order.address]
        by_message: dict[int, list[StoredFinding]] = defaultdict(list)
        for f in found:
            by_message[f.message].append(f)
        # One masking step for the page and its JSON: the buyer's nick, the order's
        # recipient, phone and address, and any phone or street address in the text.
        # mask_text keeps the length, so the findings' offsets still fit the text.
        shown = {m.position: mask_text(m.text, known) for m in messages}
        return {
            "id": conv.id,
            "buyer": mask_name(conv.buyer_nick),
            "order_no": conv.order_no,
            "started_at": conv.started_at.isoformat() if conv.started_at else None,
            "messages": [
                {
                    "position": m.position,
                    "role": m.role,
                    "account": m.account if m.role == "agent" else mask_name(m.account),
                    "time": m.time.isoformat() if m.time else None,
                    "text": shown[m.position],
                    "segments": segments(
                        shown[m.position],
                        [(f.start, f.end, f.id) for f in by_message.get(m.position, [])],
                    ),
                    "findings": [finding_json(f) for f in by_message.get(m.position, [])],
                }
                for m in messages
            ],
            "findings": [finding_json(f) for f in found],
            "category_names": names,
        }

    def _review(
        request: Request, finding_id: int, action: str, reason: str | None
    ) -> dict[str, Any]:
        user = user_of(request)
        spec = REVIEW_ACTIONS.get(action)
        if spec is None:
            raise HTTPException(422, f"未知操作 {action!r}（confirm/dismiss/appeal）")
        who = spec[2]
        with changing(request) as s:
            f = s.get(StoredFinding, finding_id)
            if f is None:
                raise HTTPException(404, f"没有编号为 {finding_id} 的问题记录")
            if who == "supervisor" and not user.sees_shop:
                raise HTTPException(403, "只有主管可以确认或驳回 (supervisors only)")
            if who == "agent" and not user.sees_shop and f.account != user.agent_account:
                raise HTTPException(403, "只能申诉自己的问题 (not your finding)")
            try:
                f = review(
                    s,
                    finding_id,
                    action,
                    actor=user.name,
                    at=request.app.state.policy.china_now(),
                    reason=reason,
                )
            except ReviewError as exc:
                raise HTTPException(409, str(exc)) from None
            history = [
                {
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "action": r.action,
                    "from": r.from_status,
                    "to": r.to_status,
                    "reason": r.reason,
                }
                for r in reviews(s, finding_id)
            ]
            return {"finding": finding_json(f), "history": history}

    @app.post(
        "/api/findings/{finding_id}/review",
        tags=["qa"],
        summary="复核：确认、驳回或申诉 (confirm, dismiss or appeal a finding)",
    )
    def review_api(
        request: Request,
        finding_id: int = Path(ge=1, le=ID_MAX),
        action: str = Body(..., embed=True, pattern="^(confirm|dismiss|appeal)$"),
        reason: str | None = Body(None, embed=True, max_length=2000),
    ) -> JSONResponse:
        require(request, EVERYONE)
        return JSONResponse(_review(request, finding_id, action, reason))

    @app.post("/findings/{finding_id}/review", include_in_schema=False)
    def review_form(
        request: Request,
        finding_id: int = Path(ge=1, le=ID_MAX),
        action: str = Form(...),
        reason: str = Form(""),
        csrf_token: str = Form(""),
    ) -> Response:
        form_guard(request, EVERYONE, csrf_token)
        try:
            _review(request, finding_id, action, reason.strip() or None)
        except HTTPException as exc:
            if exc.status_code != 409:
                raise
            return back(request, "/findings", str(exc.detail))
        return back(request, "/findings", "已保存 (saved)")
