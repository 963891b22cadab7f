"""Who is asking: session cookies, bearer tokens, CSRF and the login gate.

Deny by default: :class:`AuthGate` (plain ASGI middleware, so it costs little on
the hot ``/api/check`` path) lets through only the health check, the login page
and static files; every other request needs a valid session cookie or an
``Authorization: Bearer`` API token, else it gets 401 (``/api/…``) or a redirect
to the login page (HTML).

Sessions are signed cookies (itsdangerous) carrying the user id, the user's
session epoch (bumped when the password changes or the user is disabled) and a
CSRF token; they expire after ``web_session_hours``. Unsafe requests
authenticated by the cookie must present the CSRF token: JSON calls in the
``X-CSRF-Token`` header (checked here), HTML forms in a ``csrf_token`` field
(checked by :func:`check_csrf` in each form handler). Bearer-token requests are
not ambient credentials and need no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine

from redline.store import session
from redline.store.accounts import Principal, principal_by_id, principal_by_token

COOKIE = "redline_session"
CSRF_HEADER = b"x-csrf-token"
PUBLIC_PATHS = frozenset({"/healthz", "/login", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/", "/lang/")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class SessionData:
    user_id: int | None
    epoch: int
    csrf: str
    lang: str = "zh"


class Sessions:
    """Signs and reads the session cookie."""

    #: How long a notice link (``?msg=``) stays readable after the redirect that made it.
    NOTICE_AGE_S = 600

    def __init__(self, secret: str, max_age_s: int) -> None:
        self._s = URLSafeTimedSerializer(secret, salt="redline.session")
        self._notices = URLSafeTimedSerializer(secret, salt="redline.notice")
        self.max_age_s = max_age_s

    def notice_token(self, data: SessionData | None, message: str) -> str:
        """A flash message for the page a form redirects to: signed, and bound to
        the session that made the request (its CSRF token), so a link with
        ``?msg=`` from anyone else — a phishing text — shows nothing."""
        return self._notices.dumps([data.csrf if data else "", message])

    def notice(self, data: SessionData | None, token: str | None) -> str | None:
        """The message of a notice token issued to this session, else None."""
        if not token or data is None or len(token) > 8192:
            return None
        try:
            raw = self._notices.loads(token, max_age=self.NOTICE_AGE_S)
        except (BadSignature, ValueError, TypeError):
            return None
        if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, str) for x in raw)):
            return None
        csrf, message = raw
        return message if csrf and hmac.compare_digest(csrf, data.csrf) else None

    def dumps(self, data: SessionData) -> str:
        return self._s.dumps({"u": data.user_id, "e": data.epoch, "c": data.csrf, "l": data.lang})

    def loads(self, cookie: str) -> SessionData | None:
        try:
            raw = self._s.loads(cookie, max_age=self.max_age_s)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(raw, dict):
            return None
        u, e, c, lang = raw.get("u"), raw.get("e"), raw.get("c"), raw.get("l", "zh")
        if not (u is None or isinstance(u, int)) or not isinstance(e, int):
            return None
        if not isinstance(c, str) or lang not in ("zh", "en"):
            return None
        return SessionData(u, e, c, lang)

    @staticmethod
    def fresh(lang: str = "zh") -> SessionData:
        return SessionData(None, 0, secrets.token_urlsafe(24), lang)


class LoginThrottle:
    """Failed logins per account and per client address in a sliding window.

    After ``per_account`` failures for one name (from anywhere) or ``per_address``
    from one address within ``window_s``, further attempts are refused — the
    right password included — until the oldest failure leaves the window. A
    success clears the account's failures. Kept in memory: per server process.
    """

    def __init__(
        self,
        per_account: int = 5,
        per_address: int = 20,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, name: str, address: str) -> list[tuple[str, str]]:
        return [("account", name.strip().lower()), ("address", address)]

    def retry_after(self, name: str, address: str) -> int:
        """Seconds until this name may try again from this address (0: now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(name, address):
                times = [t for t in self._failures.get(key, []) if now - t < self.window_s]
                if times:
                    self._failures[key] = times
                else:
                    self._failures.pop(key, None)
                if len(times) >= self.limits[key[0]]:
                    wait = max(wait, times[-self.limits[key[0]]] + self.window_s - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 100_000:  # a flood of names: forget the oldest
                self._failures.clear()
            for key in self._keys(name, address):
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(("account", name.strip().lower()), None)


class TokenCache:
    """Bearer token → principal, cached for a few seconds so the pre-send check
    does not hit the database on every request (revocation takes ``ttl_s``)."""

    def __init__(self, engine: Engine, ttl_s: float = 10.0, size: int = 4096) -> None:
        self.engine, self.ttl_s, self.size = engine, ttl_s, size
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        now = time.monotonic()
        hit = self._cache.get(token)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        with session(self.engine) as s:
            p = principal_by_token(s, token)
        with self._lock:
            if len(self._cache) >= self.size:
                self._cache.clear()
            self._cache[token] = (now, p)
        return p

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == name:
            return bytes(v).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


class AuthGate:
    """ASGI middleware: resolve the principal, refuse anonymous requests, check CSRF."""

    def __init__(self, app: ASGIApp, engine: Engine, sessions: Sessions, tokens: TokenCache):
        self.app, self.engine, self.sessions, self.tokens = app, engine, sessions, tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        state = scope.setdefault("state", {})
        cookie = _cookie(scope, COOKIE)
        data = self.sessions.loads(cookie) if cookie else None
        state["session"] = data
        state["user"] = None
        state["via"] = None
        auth = _header(scope, b"authorization")
        if auth is not None and auth[:7].lower() == "bearer ":
            principal = self.tokens.get(auth[7:].strip())
            if principal is None:
                await _deny(scope, send, 401, "API 令牌无效或已撤销 (invalid or revoked token)")
                return
            state["user"], state["via"] = principal, "token"
        elif data is not None and data.user_id is not None:
            with session(self.engine) as s:
                principal = principal_by_id(s, data.user_id)
            if principal is not None and principal.epoch == data.epoch:
                state["user"], state["via"] = principal, "cookie"
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
        if state["user"] is None and not public:
            await _deny(scope, send, 401, "请先登录 (login required)")
            return
        if (
            state["via"] == "cookie"
            and scope["method"] in UNSAFE
            and path.startswith("/api/")
            and not _same(_header(scope, CSRF_HEADER), data.csrf if data else None)
        ):
            await _deny(scope, send, 403, "CSRF 校验失败，请刷新页面后重试 (CSRF check failed)")
            return
        await self.app(scope, receive, send)


def _same(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def check_csrf(data: SessionData | None, given: str | None) -> bool:
    return data is not None and _same(given, data.csrf)


async def _deny(scope: Scope, send: Send, status: int, message: str) -> None:
    path: str = scope["path"]
    accept = _header(scope, b"accept") or ""
    if status == 401 and not path.startswith("/api/") and "application/json" not in accept:
        query = scope.get("query_string", b"").decode("latin-1")
        target = path + (f"?{query}" if query else "")
        location = "/login?next=" + quote(target, safe="")
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", location.encode()), (b"cache-control", b"no-store")],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    import json

    body = json.dumps({"detail": message}, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="redline"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
