"""Shared helpers for the web tests: a store with users, and logged-in clients."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from redline.guard.engine import Guard
from redline.model import Conversation
from redline.store import open_store, writing
from redline.store.accounts import add_user, create_token
from redline.store.imports import import_chats
from redline.store.qa import rules_fingerprint, run_qa
from redline.web import create_app

PASSWORD = "correct-horse-1"
SECRET = "test-secret-" + "x" * 32
AGENT_ACCOUNT = "云朵家居旗舰店:小美"
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@dataclass
class Site:
    app: FastAPI
    engine: Engine
    url: str
    agent_token: str
    boss_token: str

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")

    def login(self, name: str, password: str = PASSWORD) -> TestClient:
        c = self.client()
        r = c.post(
            "/login",
            data={"name": name, "password": password, "csrf_token": csrf_of(c, "/login")},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return c


def csrf_of(c: TestClient, path: str) -> str:
    page = c.get(path)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found[1]


def make_site(tmp_path: Path) -> Site:
    url = str(tmp_path / "web.db")
    engine = open_store(url)
    with writing(engine) as s:
        add_user(s, "admin", "admin", PASSWORD)
        add_user(s, "boss", "supervisor", PASSWORD)
        add_user(s, "xiaomei", "agent", PASSWORD, AGENT_ACCOUNT)
        add_user(s, "ajie", "agent", PASSWORD, "云朵家居旗舰店:阿杰")
        agent_token = create_token(s, "xiaomei", "test")
        boss_token = create_token(s, "boss", "test")
    app = create_app(url, secret=SECRET)
    return Site(app, engine, url, agent_token, boss_token)


def add_chat(site: Site) -> str:
    """One imported conversation with a violation, a phone number and hostile text."""
    conv = Conversation.from_dict(
        {
            "id": "conv-1",
            "order": {"id": "1001", "buyer": "tb_buyer<b>", "payment": "alipay", "status": "paid"},
            "messages": [
                {
                    "role": "buyer",
                    "account": "tb_buyer<b>",
                    "text": "能开发票吗？我电话13812345678",
                    "time": "2026-11-20T10:00:00+08:00",
                },
                {
                    "role": "agent",
                    "account": AGENT_ACCOUNT,
                    "text": "特价商品不开发票哦",
                    "time": "2026-11-20T10:00:08+08:00",
                },
                {
                    "role": "buyer",
                    "account": "tb_buyer<b>",
                    "text": HOSTILE,
                    "time": "2026-11-20T10:01:00+08:00",
                },
            ],
        }
    )
    import_chats(site.engine, [conv])
    run_qa(site.engine, Guard.default(), rules_fingerprint(), now=datetime.now(UTC))
    return "conv-1"


def asgi_post(
    app: FastAPI, path: str, query: str, headers: dict[str, str], chunks: list[bytes]
) -> tuple[int, bytes, int]:
    """POST ``chunks`` as separate ASGI body messages, no Content-Length (the test
    client would join them); returns (status, body, chunks the app read)."""
    import asyncio

    queue = [{"type": "http.request", "body": c, "more_body": True} for c in chunks]
    queue.append({"type": "http.request", "body": b"", "more_body": False})
    read = 0
    status, body = 0, bytearray()

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(queue):
            read += 1
            return queue[read - 1]
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    return status, bytes(body), read
