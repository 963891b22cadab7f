"""Rendering a page and the small response helpers every page module shares.

Page modules import from here (and from :mod:`redline.web.views`), never from
:mod:`redline.web.app`, which imports them.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from redline import __version__
from redline.web import i18n
from redline.web.auth import COOKIE, Sessions

LANG_COOKIE = "redline_lang"


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in ("zh", "en") else "zh"


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    sessions: Sessions = request.app.state.sessions
    data = getattr(request.state, "session", None)
    new_cookie = None
    if data is None:
        data = Sessions.fresh()
        new_cookie = sessions.dumps(data)
    lang = lang_of(request)
    ctx = {
        "request": request,
        "user": getattr(request.state, "user", None),
        "csrf": data.csrf,
        "lang": lang,
        "t": i18n.translator(lang),
        "version": __version__,
        # The notice box: only a message this server issued to this session.
        "notice": sessions.notice(
            data if new_cookie is None else None, request.query_params.get("msg")
        ),
        **context,
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, ctx, status_code=status_code
    )
    response.headers["cache-control"] = "no-store"
    if new_cookie is not None:
        set_session_cookie(request, response, new_cookie)
    return response


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=request.app.state.sessions.max_age_s,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def safe_next(target: str | None) -> str:
    """Only a local path may be a redirect target (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
