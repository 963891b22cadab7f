"""Login, logout, and the page modules, each registering its views."""

from __future__ import annotations

import contextlib

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError

from redline.store import audit as audit_log
from redline.store import writing
from redline.store.accounts import check_login, end_sessions, rehash
from redline.web.auth import COOKIE, LoginThrottle, Sessions, check_csrf
from redline.web.render import render, safe_next, set_session_cookie
from redline.web.views import EVERYONE, changing, reading, require


def register(app: FastAPI) -> None:
    _login(app)
    from redline.web import (
        admin_pages,
        alerts_pages,
        checker_pages,
        desk_pages,
        ledger_pages,
        metrics_pages,
        overview_pages,
        qa_pages,
        search_pages,
        training_pages,
    )

    for module in (
        overview_pages,
        checker_pages,
        qa_pages,
        desk_pages,
        ledger_pages,
        metrics_pages,
        alerts_pages,
        training_pages,
        search_pages,
        admin_pages,
    ):
        module.register(app)


def _login(app: FastAPI) -> None:
    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, next: str | None = None) -> HTMLResponse:
        return render(request, "login.html", {"next": safe_next(next), "error": None})

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        name: str = Form(..., max_length=80),
        password: str = Form(..., max_length=256),
        csrf_token: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        sessions: Sessions = request.app.state.sessions
        if not check_csrf(getattr(request.state, "session", None), csrf_token):
            return render(
                request,
                "login.html",
                {"next": safe_next(next), "error": "页面已过期，请重新输入 (form expired)"},
                status_code=403,
            )
        throttle: LoginThrottle = request.app.state.login_throttle
        address = request.client.host if request.client else "?"
        wait = throttle.retry_after(name, address)
        engine = request.app.state.engine
        if wait:
            audit_log.record(engine, name[:80], "login_throttled", address, f"retry after {wait}s")
            minutes = (wait + 59) // 60
            page = render(
                request,
                "login.html",
                {
                    "next": safe_next(next),
                    "error": f"登录失败次数过多，请 {minutes} 分钟后再试"
                    f" (too many failed logins; try again in {minutes} min)",
                },
                status_code=429,
            )
            page.headers["retry-after"] = str(wait)
            return page
        # Reads only, and the audit entry waits for the store if an import holds it:
        # logging in never needs the write lock.
        with reading(request) as s:
            checked = check_login(s, name, password)
        principal = checked.principal
        audit_log.record(engine, name[:80], "login" if principal else "login_failed")
        if checked.rehash and principal is not None:
            with (
                contextlib.suppress(OperationalError),
                writing(engine, wait_s=audit_log.WAIT_S) as s,
            ):
                rehash(s, principal.id, password)
        if principal is None:
            throttle.failed(name, address)
            return render(
                request,
                "login.html",
                {"next": safe_next(next), "error": "用户名或密码错误 (wrong name or password)"},
                status_code=401,
            )
        throttle.succeeded(name)
        target = safe_next(next)
        if target == "/" and principal.role == "agent":
            target = "/checker"
        response = RedirectResponse(target, status_code=303)
        fresh = Sessions.fresh()  # a new CSRF token at login (no session fixation)
        data = type(fresh)(principal.id, principal.epoch, fresh.csrf)
        set_session_cookie(request, response, sessions.dumps(data))
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf_token: str = Form("")) -> Response:
        require(request, EVERYONE)
        if request.state.via == "cookie" and not check_csrf(request.state.session, csrf_token):
            raise HTTPException(403, "CSRF 校验失败 (CSRF check failed)")
        user = request.state.user
        if request.state.via == "cookie":
            # End the session on the server too: a copied cookie must stop working.
            address = request.client.host if request.client else None
            with changing(request) as s:
                end_sessions(s, user.id, user.name, address)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response
