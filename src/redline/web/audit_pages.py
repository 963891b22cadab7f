"""``/audit`` (admin): the append-only audit log, newest first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from sqlalchemy import select

from redline.desk.policy import china_iso
from redline.store.accounts import (
    AuditEvent,
)
from redline.web.views import (
    ADMIN,
    dual,
    reading,
)

ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("登录", "login"),
    "login_failed": ("登录失败", "failed login"),
    "reveal": ("查看买家信息", "buyer data revealed"),
    "user_add": ("新增用户", "user added"),
    "password_set": ("重设密码", "password set"),
    "user_disable": ("停用用户", "user disabled"),
    "token_create": ("创建 API 令牌", "API token created"),
    "token_revoke": ("撤销 API 令牌", "API tokens revoked"),
    "import": ("导入文件", "file imported"),
    "qa_run": ("运行质检", "QA run"),
}


def register(app: FastAPI) -> None:
    @dual(app, "/audit", "audit.html", roles=ADMIN, active="users", tags=["users"])
    def admin_audit(
        request: Request,
        action: str | None = Query(None, max_length=30),
        actor: str | None = Query(None, max_length=80),
        before: int | None = Query(None, ge=1, description="只看编号小于此值的事件（翻页）"),
        limit: int = Query(200, ge=1, le=1000),
    ) -> dict[str, Any]:
        """审计日志：登录、查看买家信息、用户与令牌变更，最新在前 (the audit log)"""
        q = select(AuditEvent)
        if action:
            q = q.where(AuditEvent.action == action)
        if actor:
            q = q.where(AuditEvent.actor == actor)
        if before:
            q = q.where(AuditEvent.id < before)
        with reading(request) as s:
            events = list(s.scalars(q.order_by(AuditEvent.id.desc()).limit(limit)))
            seen = set(s.scalars(select(AuditEvent.action).distinct()))
        actions = {**ACTIONS, **{a: (a, a) for a in sorted(seen - set(ACTIONS))}}
        return {
            "filters": {"action": action, "actor": actor, "before": before},
            "limit": limit,
            "events": [
                {
                    "id": e.id,
                    "at": china_iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "action_name": actions.get(e.action, (e.action, e.action)),
                    "target": e.target,
                    "detail": e.detail,
                }
                for e in events
            ],
            "older": events[-1].id if len(events) == limit else None,
            "older_query": urlencode(
                [(k, v) for k, v in (("action", action), ("actor", actor)) if v]
                + [("before", str(events[-1].id)), ("limit", str(limit))]
            )
            if len(events) == limit
            else None,
            "actions": [{"action": k, "name": v} for k, v in actions.items()],
        }
