"""Logout ends the session on the server; logins are throttled (issue 11, item 10).

A copied cookie used to work for 12 hours after logout, and 30 wrong passwords
in 4 seconds were followed by a successful login.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from redline.store import session
from redline.store.accounts import AuditEvent
from redline.web.auth import COOKIE, LoginThrottle
from web_support import PASSWORD, Site, csrf_of, make_site


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path)


def attempt(c: TestClient, name: str, password: str) -> int:
    r = c.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(c, "/login")},
        follow_redirects=False,
    )
    return r.status_code


def actions(site: Site) -> list[str]:
    with session(site.engine) as s:
        return [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_copied_cookie_stops_working_at_logout(site: Site) -> None:
    c = site.login("boss")
    copied = c.cookies.get(COOKIE)
    assert copied
    thief = site.client()
    thief.cookies.set(COOKIE, copied)
    assert thief.get("/api/me").json()["name"] == "boss"
    r = c.post("/logout", data={"csrf_token": csrf_of(c, "/findings")}, follow_redirects=False)
    assert r.status_code == 303
    assert thief.get("/api/me").status_code == 401
    assert thief.get("/findings", follow_redirects=False).status_code in (302, 303, 307)
    assert "logout" in actions(site)
    # Logging in again works, with a new cookie.
    again = site.login("boss")
    assert again.get("/api/me").json()["name"] == "boss"


def test_wrong_passwords_lock_the_account_for_a_while_and_are_audited(site: Site) -> None:
    c = site.client()
    for _ in range(5):
        assert attempt(c, "boss", "wrong-password") == 401
    # Now even the right password is refused, with a clear answer.
    r = c.post(
        "/login",
        data={"name": "boss", "password": PASSWORD, "csrf_token": csrf_of(c, "/login")},
        follow_redirects=False,
    )
    assert r.status_code == 429
    assert "登录失败次数过多" in r.text and int(r.headers["retry-after"]) > 0
    assert "login_throttled" in actions(site)
    # Another account from the same address is not locked by boss's failures.
    assert attempt(site.client(), "admin", PASSWORD) == 303


def test_one_address_cannot_try_many_accounts(site: Site) -> None:
    c = site.client()
    for i in range(20):
        attempt(c, f"guess{i}", "wrong-password")
    assert attempt(c, "admin", PASSWORD) == 429


def test_the_throttle_window_passes() -> None:
    now = [1000.0]
    t = LoginThrottle(per_account=2, per_address=10, window_s=60, clock=lambda: now[0])
    t.failed("Boss", "1.2.3.4")
    assert t.retry_after("boss", "5.6.7.8") == 0
    t.failed("boss", "5.6.7.8")
    assert 0 < t.retry_after("boss", "9.9.9.9") <= 61
    now[0] += 61
    assert t.retry_after("boss", "9.9.9.9") == 0
    t.failed("boss", "1.2.3.4")
    t.succeeded("boss")
    assert t.retry_after("boss", "1.2.3.4") == 0


def test_a_write_while_an_import_holds_the_lock_is_a_503_with_retry_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import redline.store.db as db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.2)
    site = make_site(tmp_path)
    holder = sqlite3.connect(site.url, isolation_level=None, timeout=0.2)
    holder.execute("BEGIN IMMEDIATE")  # what a long import holds
    try:
        r = site.client().post(
            "/api/ledger/notices",
            headers={"Authorization": f"Bearer {site.boss_token}"},
            json={"points": 3, "type": "general"},
        )
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "5" and "请稍后重试" in r.json()["detail"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    r = site.client().post(
        "/api/ledger/notices",
        headers={"Authorization": f"Bearer {site.boss_token}"},
        json={"points": 3, "type": "general"},
    )
    assert r.status_code == 201  # the lock gone, the same write goes through
