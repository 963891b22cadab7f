"""One view, two faces: the HTML page and its JSON, from the same function.

A view is a plain function returning a dict. :func:`dual` registers it twice:
``GET /api/<path>`` answers the dict as JSON (and is in the OpenAPI document),
``GET /<path>`` renders the dict into a template. The role check happens once,
here, so a page and its JSON can never disagree about who may see them.

Form posts from the pages are separate small handlers that call
:func:`form_guard` (login + role + CSRF) and redirect back.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from redline.store import session, writing
from redline.store.accounts import Principal
from redline.web.auth import check_csrf
from redline.web.render import dumps, render, safe_next

SHOP = ("admin", "supervisor")
EVERYONE = ("admin", "supervisor", "agent")
ADMIN = ("admin",)
ID_MAX = 2_147_483_647  # integer ids are 32-bit on PostgreSQL

View = Callable[..., dict[str, Any]]


def user_of(request: Request) -> Principal:
    user = getattr(request.state, "user", None)
    if user is None:  # the gate lets no anonymous request this far; belt and braces
        raise HTTPException(401, "请先登录 (login required)")
    assert isinstance(user, Principal)
    return user


def require(request: Request, roles: tuple[str, ...]) -> Principal:
    user = user_of(request)
    if user.role not in roles:
        raise HTTPException(403, "没有权限查看此页面 (not allowed for your role)")
    return user


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    with session(request.app.state.engine) as s:
        yield s


@contextmanager
def changing(request: Request) -> Iterator[Session]:
    with writing(request.app.state.engine) as s:
        yield s


def dual(
    app: FastAPI,
    path: str,
    template: str,
    roles: tuple[str, ...] = SHOP,
    active: str | None = None,
    summary: str | None = None,
    tags: list[str | Enum] | None = None,
) -> Callable[[View], View]:
    """Register ``fn`` as ``GET /api{path}`` (JSON) and ``GET {path}`` (HTML)."""

    def deco(fn: View) -> View:
        sig = inspect.signature(fn)
        if "request" not in sig.parameters:
            raise TypeError(f"view {fn.__name__} must take `request: Request`")

        @functools.wraps(fn)
        def as_json(*args: Any, **kwargs: Any) -> Response:
            request: Request = kwargs["request"]
            require(request, roles)
            data = fn(*args, **kwargs)
            # One serialisation (dates, Decimals as strings), straight to the body.
            return Response(dumps(data), media_type="application/json")

        @functools.wraps(fn)
        def as_html(*args: Any, **kwargs: Any) -> HTMLResponse:
            request: Request = kwargs["request"]
            require(request, roles)
            data = fn(*args, **kwargs)
            return render(request, template, {"data": data, "active": active, **data})

        api_path = "/api" + (path if path != "/" else "/overview")
        app.get(
            api_path,
            summary=summary or (fn.__doc__ or "").strip().split("\n")[0],
            tags=tags,
            name=f"api_{fn.__name__}",
        )(as_json)
        app.get(path, include_in_schema=False, name=f"page_{fn.__name__}")(as_html)
        return fn

    return deco


def form_guard(request: Request, roles: tuple[str, ...], csrf_token: str | None) -> Principal:
    """Login, role and CSRF for an HTML form post."""
    user = require(request, roles)
    via = getattr(request.state, "via", None)
    if via == "cookie" and not check_csrf(getattr(request.state, "session", None), csrf_token):
        raise HTTPException(403, "CSRF 校验失败，请刷新页面后重试 (CSRF check failed)")
    return user


def back(request: Request, fallback: str, message: str | None = None) -> RedirectResponse:
    """Redirect to the page the form came from (a local path only), with ``message``
    as a notice only this session can read (``?msg=`` carries a signed token, never
    the text: the notice box shows server-issued messages only)."""
    target = safe_next(request.query_params.get("next") or fallback)
    if message:
        from urllib.parse import quote

        target, hash_, fragment = target.partition("#")
        sep = "&" if "?" in target else "?"
        sessions = request.app.state.sessions
        token = sessions.notice_token(getattr(request.state, "session", None), message)
        target = f"{target}{sep}msg={quote(token)}{hash_}{fragment}"
    return RedirectResponse(target, status_code=303)
