"""``/users`` (admin): users, passwords and API tokens.

A generated password or a new token is shown once, on the page that answers the form
(only the token's hash is kept). Every change is audited with the acting admin as actor.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import Body, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from redline.desk.policy import china_iso
from redline.store.accounts import (
    ROLE_ZH,
    ROLES,
    AccountError,
    ApiToken,
    User,
    add_user,
    create_token,
    disable_user,
    generate_password,
    principal_by_id,
    revoke_tokens,
    set_password,
)
from redline.web.auth import SessionData, Sessions
from redline.web.render import render, set_session_cookie
from redline.web.views import (
    ADMIN,
    back,
    changing,
    dual,
    form_guard,
    reading,
    require,
    user_of,
)

TOKEN_NOTE = (
    "请立即复制保存：系统只保存令牌的哈希值，关闭本页后无法再次查看。"
    " (Copy it now: only its hash is kept; it cannot be shown again.)"
)


def user_json(u: User, tokens: list[ApiToken]) -> dict[str, Any]:
    return {
        "name": u.name,
        "role": u.role,
        "role_name": (ROLE_ZH.get(u.role, u.role), u.role),
        "agent_account": u.agent_account,
        "created_at": china_iso(u.created_at),
        "disabled_at": china_iso(u.disabled_at),
        "disabled": u.disabled_at is not None,
        "active_tokens": sum(1 for t in tokens if t.revoked_at is None),
        "tokens": [
            {
                "id": t.id,
                "label": t.label,
                "created_at": china_iso(t.created_at),
                "revoked_at": china_iso(t.revoked_at),
            }
            for t in tokens
        ],
    }


def _account_error(exc: AccountError) -> HTTPException:
    text = str(exc)
    if text.startswith("没有用户"):
        return HTTPException(404, text)
    if "已存在" in text:
        return HTTPException(409, text)
    return HTTPException(422, text)


def _one_user(request: Request, name: str) -> dict[str, Any]:
    with reading(request) as s:
        u = s.scalar(select(User).where(User.name == name))
        if u is None:
            raise HTTPException(404, f"没有用户 {name}")
        tokens = list(s.scalars(select(ApiToken).where(ApiToken.user_id == u.id)))
        return user_json(u, tokens)


def create_user(
    request: Request,
    actor: str,
    name: str,
    role: str,
    agent_account: str | None,
    password: str | None,
) -> tuple[dict[str, Any], str | None]:
    """Add a user; returns (the user, the generated password or None)."""
    generated = None if password else generate_password()
    try:
        with changing(request) as s:
            p = add_user(
                s,
                name,
                role,
                password or generated or "",
                agent_account=(agent_account or "").strip() or None,
                actor=actor,
            )
    except AccountError as exc:
        raise _account_error(exc) from None
    return _one_user(request, p.name), generated


def reset_password(request: Request, actor: str, name: str, password: str | None) -> str | None:
    """Set a user's password (their sessions end); returns the generated one or None."""
    generated = None if password else generate_password()
    try:
        with changing(request) as s:
            set_password(s, name, password or generated or "", actor=actor)
    except AccountError as exc:
        raise _account_error(exc) from None
    return generated


def disable(request: Request, actor: str, name: str) -> None:
    if name == actor:
        raise HTTPException(409, "不能停用自己的账号 (you cannot disable yourself)")
    try:
        with changing(request) as s:
            disable_user(s, name, actor=actor)
    except AccountError as exc:
        raise _account_error(exc) from None
    request.app.state.tokens.clear()  # their tokens stop working now, not in 10 s


def new_token(request: Request, actor: str, name: str, label: str | None) -> str:
    try:
        with changing(request) as s:
            return create_token(s, name, (label or "").strip() or None, actor=actor)
    except AccountError as exc:
        raise _account_error(exc) from None


def revoke(request: Request, actor: str, name: str) -> int:
    try:
        with changing(request) as s:
            n = revoke_tokens(s, name, actor=actor)
    except AccountError as exc:
        raise _account_error(exc) from None
    request.app.state.tokens.clear()
    return n


def _keep_own_session(request: Request, response: Response) -> None:
    """After admins change their own password: a new cookie for the new epoch, so
    resetting one's own password does not log one out."""
    data: SessionData | None = getattr(request.state, "session", None)
    user = user_of(request)
    if getattr(request.state, "via", None) != "cookie" or data is None:
        return
    with reading(request) as s:
        p = principal_by_id(s, user.id)
    if p is None:
        return
    sessions: Sessions = request.app.state.sessions
    fresh = SessionData(p.id, p.epoch, data.csrf, data.lang)
    set_session_cookie(request, response, sessions.dumps(fresh))


def register(app: FastAPI) -> None:
    @dual(app, "/users", "users.html", roles=ADMIN, active="users", tags=["users"])
    def admin_users(request: Request) -> dict[str, Any]:
        """用户、角色与 API 令牌 (users and their tokens)"""
        with reading(request) as s:
            users = list(s.scalars(select(User).order_by(User.name)))
            by_user: dict[int, list[ApiToken]] = defaultdict(list)
            for t in s.scalars(select(ApiToken).order_by(ApiToken.id)):
                by_user[t.user_id].append(t)
        return {
            "users": [user_json(u, by_user.get(u.id, [])) for u in users],
            "roles": [{"role": r, "name": (ROLE_ZH[r], r)} for r in ROLES],
        }

    def page(request: Request, secret: dict[str, Any] | None = None) -> HTMLResponse:
        data = admin_users(request=request)
        return render(
            request, "users.html", {"data": data, "active": "users", **data, "secret": secret}
        )

    # JSON -----------------------------------------------------------------------------------

    @app.post(
        "/api/users",
        tags=["users"],
        status_code=201,
        summary="新增用户；不给密码则生成一个，只返回这一次 (add a user)",
    )
    def create_user_api(
        request: Request,
        name: str = Body(..., embed=True, max_length=80),
        role: str = Body(..., embed=True, pattern="^(admin|supervisor|agent)$"),
        agent_account: str | None = Body(None, embed=True, max_length=120),
        password: str | None = Body(None, embed=True, max_length=256),
    ) -> JSONResponse:
        actor = require(request, ADMIN)
        user, generated = create_user(request, actor.name, name, role, agent_account, password)
        return JSONResponse({"user": user, "password": generated}, status_code=201)

    @app.post(
        "/api/users/{name:path}/password",
        tags=["users"],
        summary="重设密码；不给则生成一个 (set a password)",
    )
    def password_api(
        request: Request,
        name: str,
        password: str | None = Body(None, embed=True, max_length=256),
    ) -> JSONResponse:
        actor = require(request, ADMIN)
        generated = reset_password(request, actor.name, name, password)
        response = JSONResponse({"user": name, "password": generated})
        if name == actor.name:
            _keep_own_session(request, response)
        return response

    @app.post("/api/users/{name:path}/disable", tags=["users"], summary="停用用户 (disable)")
    def disable_api(request: Request, name: str) -> JSONResponse:
        actor = require(request, ADMIN)
        disable(request, actor.name, name)
        return JSONResponse({"user": _one_user(request, name)})

    @app.post(
        "/api/users/{name:path}/tokens",
        tags=["users"],
        status_code=201,
        summary="创建 API 令牌，只显示这一次 (create an API token)",
    )
    def token_api(
        request: Request,
        name: str,
        label: str | None = Body(None, embed=True, max_length=120),
    ) -> JSONResponse:
        actor = require(request, ADMIN)
        token = new_token(request, actor.name, name, label)
        return JSONResponse({"user": name, "token": token, "note": TOKEN_NOTE}, status_code=201)

    @app.post(
        "/api/users/{name:path}/tokens/revoke",
        tags=["users"],
        summary="撤销该用户的全部 API 令牌 (revoke a user's tokens)",
    )
    def revoke_api(request: Request, name: str) -> JSONResponse:
        actor = require(request, ADMIN)
        return JSONResponse({"user": name, "revoked": revoke(request, actor.name, name)})

    # forms ----------------------------------------------------------------------------------

    def failed(request: Request, exc: HTTPException) -> Response:
        if exc.status_code in (404, 409, 422):
            return back(request, "/users", str(exc.detail))
        raise exc

    @app.post("/users", include_in_schema=False)
    def create_user_form(
        request: Request,
        name: str = Form(..., max_length=80),
        role: str = Form(...),
        agent_account: str = Form("", max_length=120),
        password: str = Form("", max_length=256),
        csrf_token: str = Form(""),
    ) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            user, generated = create_user(
                request, actor.name, name, role, agent_account, password or None
            )
        except HTTPException as exc:
            return failed(request, exc)
        if generated is None:
            return back(request, "/users", f"已新增用户 {user['name']} (user added)")
        return page(request, {"kind": "password", "user": user["name"], "value": generated})

    @app.post("/users/{name:path}/password", include_in_schema=False)
    def password_form(
        request: Request,
        name: str,
        password: str = Form("", max_length=256),
        csrf_token: str = Form(""),
    ) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            generated = reset_password(request, actor.name, name, password or None)
        except HTTPException as exc:
            return failed(request, exc)
        response: Response
        if generated is None:
            response = back(request, "/users", f"已重设 {name} 的密码 (password set)")
        else:
            response = page(request, {"kind": "password", "user": name, "value": generated})
        if name == actor.name:
            _keep_own_session(request, response)
        return response

    @app.post("/users/{name:path}/disable", include_in_schema=False)
    def disable_form(request: Request, name: str, csrf_token: str = Form("")) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            disable(request, actor.name, name)
        except HTTPException as exc:
            return failed(request, exc)
        return back(request, "/users", f"已停用 {name}，其令牌已撤销 (disabled)")

    @app.post("/users/{name:path}/tokens", include_in_schema=False)
    def token_form(
        request: Request,
        name: str,
        label: str = Form("", max_length=120),
        csrf_token: str = Form(""),
    ) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            token = new_token(request, actor.name, name, label)
        except HTTPException as exc:
            return failed(request, exc)
        return page(request, {"kind": "token", "user": name, "value": token})

    @app.post("/users/{name:path}/tokens/revoke", include_in_schema=False)
    def revoke_form(request: Request, name: str, csrf_token: str = Form("")) -> Response:
        actor = form_guard(request, ADMIN, csrf_token)
        try:
            n = revoke(request, actor.name, name)
        except HTTPException as exc:
            return failed(request, exc)
        return back(request, "/users", f"已撤销 {name} 的 {n} 个令牌 (tokens revoked)")
