"""The web app: one FastAPI application serving the REST API and the dashboard.

``create_app()`` wires the store, the guard and the rule packs once; every route
uses them. Pages and their JSON come from the same view function (see
:func:`redline.web.views.dual`): ``/cases`` renders HTML, ``/api/cases`` answers
JSON with the same numbers. The OpenAPI document is ``/api/openapi.json`` (login
required, like everything but ``/healthz`` and ``/login``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from redline import __version__
from redline.desk.policy import Policy
from redline.guard.engine import Guard
from redline.guard.packs import RuleSet
from redline.store import data_dir, open_store, private_dir
from redline.web import i18n
from redline.web.auth import AuthGate, LoginThrottle, Sessions, TokenCache
from redline.web.render import LANG_COOKIE, render, safe_next
from redline.web.settings import WebSettings

HERE = Path(__file__).parent


class SecurityHeaders:
    """Strict CSP (no inline script, no third-party origin), no framing, no sniffing."""

    HEADERS = (
        (
            b"content-security-policy",
            b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *self.HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def secret_key() -> str:
    """``REDLINE_SECRET``, else a random key kept (0600) in the data directory."""
    env = os.environ.get("REDLINE_SECRET")
    if env:
        return env
    path = data_dir() / "secret.key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    private_dir(path.parent)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key


def create_app(
    db_url: str | None = None,
    rules_dirs: Sequence[str | Path] = (),
    secret: str | None = None,
) -> FastAPI:
    engine = open_store(db_url)
    guard = Guard.default(rules_dirs)
    rules: RuleSet = guard.ruleset
    settings = WebSettings.from_rules(rules)
    app = FastAPI(
        title="redline",
        version=__version__,
        description="天猫/淘宝客服高压线守卫：发送前检查、质检、售后、扣分台账、指标与告警。",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.engine = engine
    app.state.guard = guard
    app.state.rules = rules
    app.state.rules_dirs = tuple(str(d) for d in rules_dirs)
    app.state.policy = Policy.from_settings(rules.settings)
    app.state.settings = settings
    app.state.sessions = Sessions(secret or secret_key(), settings.session_hours * 3600)
    app.state.tokens = TokenCache(engine)
    app.state.login_throttle = LoginThrottle()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    i18n.install(templates.env)
    app.state.templates = templates

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(
        AuthGate,
        engine=engine,
        sessions=app.state.sessions,
        tokens=app.state.tokens,
    )
    app.add_middleware(SecurityHeaders)

    _errors(app)
    _meta_routes(app)
    from redline.web import api, pages

    api.register(app)
    pages.register(app)
    return app


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


STARLETTE_DETAILS = {
    "Not Found": "页面不存在 (not found)",
    "Method Not Allowed": "不支持这种请求方式 (method not allowed)",
    "Unauthorized": "请先登录 (not logged in)",
    "Forbidden": "没有权限 (forbidden)",
}


def error_response(
    request: Request,
    status: int,
    detail: Any,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """An error as JSON (``{"detail", **extra}``) for the API, else the error page."""
    if wants_json(request):
        return JSONResponse({"detail": detail, **(extra or {})}, status, headers=headers)
    page = render(request, "error.html", {"status": status, "detail": detail}, status_code=status)
    if headers:
        page.headers.update(headers)
    return page


def _errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own answers ("Not Found", "Method Not Allowed") in the app's
        # voice: Chinese first, like every other message.
        detail = STARLETTE_DETAILS.get(str(exc.detail), exc.detail)
        return error_response(request, exc.status_code, detail, getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def store_busy(request: Request, exc: OperationalError) -> Response:
        # SQLite's write lock held past the busy timeout (a long import): a retryable
        # 503, never a bare 500. Any other database error is still a 500.
        if "locked" not in str(exc.orig).lower() and "busy" not in str(exc.orig).lower():
            raise exc
        detail = "数据库正忙（可能正在导入报表），请稍后重试 (the store is busy: try again shortly)"
        return error_response(request, 503, detail, {"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        return error_response(request, 422, "参数有误 (invalid request)", extra={"errors": errors})


def _meta_routes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/api/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/lang/{code}", include_in_schema=False)
    async def set_lang(code: str, next: str | None = None) -> RedirectResponse:
        response = RedirectResponse(safe_next(next), status_code=303)
        if code in ("zh", "en"):
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
        return response
