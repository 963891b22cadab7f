"""The pre-send check and the small JSON-only routes.

``POST /api/check`` is the hot path (an agent's client calls it before every
reply): the body is a formats.md conversation whose last message is the reply
about to be sent; the answer is the findings on that reply (``?all=true``: on
every message, in batch mode). It reads the body itself rather than through a
Pydantic model, so the guard's own validation (with its Chinese messages) is the
only one, and the cost stays in the guard.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from redline.guard.engine import Guard
from redline.guard.summary import summarize
from redline.jsonl import BadJSON, parse_json
from redline.model import Conversation, ConversationError
from redline.web.views import EVERYONE, require

_MESSAGE = {
    "type": "object",
    "required": ["role", "text"],
    "properties": {
        "role": {"type": "string", "enum": ["buyer", "agent", "system"]},
        "text": {"type": "string"},
        "account": {"type": "string"},
        "time": {"type": "string", "format": "date-time"},
    },
}
CONVERSATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "id": {"type": "string"},
        "shop": {
            "type": "object",
            "properties": {
                "platform": {"type": "string", "enum": ["tmall", "taobao"]},
                "cod": {"type": "boolean"},
                "credit_card": {"type": "boolean"},
                "free_shipping": {"type": "boolean"},
                "free_shipping_exclusions": {"type": "array", "items": {"type": "string"}},
            },
        },
        "order": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "buyer": {"type": "string"},
                "amount": {"type": "number"},
                "shipping_fee": {"type": "number"},
                "payment": {"type": "string", "enum": ["alipay", "cod"]},
                "status": {"type": "string"},
            },
        },
        "messages": {"type": "array", "minItems": 1, "items": _MESSAGE},
    },
    "example": {
        "shop": {"cod": True},
        "order": {"buyer": "tb_buyer", "payment": "alipay", "status": "paid"},
        "messages": [
            {"role": "buyer", "text": "能开发票吗？"},
            {"role": "agent", "account": "客服小美", "text": "特价商品不开发票哦"},
        ],
    },
}
FINDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        k: {"type": "integer" if k in ("message", "points", "start", "end") else "string"}
        for k in (
            "conversation",
            "message",
            "category",
            "rule",
            "severity",
            "points",
            "start",
            "end",
            "evidence",
            "explanation",
            "suggestion",
        )
    },
}
CHECK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "检查结果 (findings)",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "ok": {"type": "boolean"},
                        "findings": {"type": "array", "items": FINDING_SCHEMA},
                        "summary": {"type": "object"},
                    },
                }
            }
        },
    },
    400: {
        "description": "会话格式有误、JSON 嵌套过深或含孤立代理码"
        " (not a formats.md conversation, nested too deeply, or a lone surrogate)"
    },
    401: {"description": "未登录 (login required)"},
    413: {"description": "请求过大 (body too large)"},
}


def register(app: FastAPI) -> None:
    guard: Guard = app.state.guard
    limit = app.state.settings.check_max_kib * 1024

    @app.post(
        "/api/check",
        tags=["check"],
        summary="发送前检查：回复是否触碰高压线 (pre-send check)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": CONVERSATION_SCHEMA}},
            }
        },
        responses=CHECK_RESPONSES,
    )
    async def check(
        request: Request,
        all: bool = Query(False, description="检查每条消息（批量模式）"),
    ) -> JSONResponse:
        require(request, EVERYONE)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise HTTPException(413, f"请求过大（上限 {limit // 1024} KiB）")
        # A chunked body has no Content-Length: count it as it arrives and stop at
        # the limit, never buffering more than limit + one chunk.
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"请求过大（上限 {limit // 1024} KiB）")
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            # Nesting is limited and lone surrogates refused (both were 500s).
            data = parse_json(body.decode(json.detect_encoding(body)))
        except UnicodeDecodeError as exc:
            raise HTTPException(400, f"不是有效的 JSON：{exc} (not valid JSON)") from None
        except BadJSON as exc:
            raise HTTPException(400, f"不是有效的 JSON：{exc}") from None
        # An archive may hold a message without text (an image); a reply sent for
        # checking without its text is a client's mistake, and saying it beats "ok".
        messages = data.get("messages") if isinstance(data, dict) else None
        if isinstance(messages, list):
            for i, m in enumerate(messages):
                if isinstance(m, dict) and "text" not in m:
                    raise HTTPException(400, f"messages[{i}]: 缺少 “text” (text is required)")
        try:
            conv = Conversation.from_dict(data, default_id="check")
        except ConversationError as exc:
            raise HTTPException(400, str(exc)) from None
        except (TypeError, ValueError, OverflowError) as exc:
            raise HTTPException(400, f"会话格式有误：{exc}") from None
        if not conv.messages:
            raise HTTPException(400, "“messages” 不能为空 (messages must not be empty)")
        findings = guard.check(conv, presend=not all)
        return JSONResponse(
            {
                "ok": not any(f.severity == "violation" for f in findings),
                "findings": [f.to_dict() for f in findings],
                "summary": summarize(findings, 1, len(conv.messages)),
            }
        )

    @app.get("/api/me", tags=["account"], summary="当前用户 (who am I)")
    async def me(request: Request) -> dict[str, Any]:
        user = require(request, EVERYONE)
        return {"name": user.name, "role": user.role, "agent_account": user.agent_account}
