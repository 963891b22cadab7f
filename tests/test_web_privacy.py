"""Buyer data stays masked in every JSON answer of the dashboard (issue 11, item 9).

A demo month is loaded through the real importers and QA'd; then every GET route of
the API is called as an admin — routes without parameters (exports as CSV), and the
parameterised ones with real ids from the store — and no answer may contain a buyer's phone,
street address, recipient name or nick as stored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from redline.demo.generate import generate_month
from redline.demo.load import load_month, run_demo_qa
from redline.guard.engine import Guard
from redline.store import open_store, session, writing
from redline.store.accounts import add_user, create_token
from redline.store.models import Case, Conversation, Order, StoredFinding
from redline.web import create_app

SECRET = "privacy-secret-" + "z" * 32
NOW = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("privacy")
    files = generate_month(root / "month", orders=80, now=NOW)
    url = str(root / "web.db")
    engine = open_store(url)
    load_month(engine, files, NOW)
    run_demo_qa(engine, Guard.default(), NOW)
    with writing(engine) as s:
        add_user(s, "root", "admin", "correct-horse-1")
        token = create_token(s, "root", "test")
    app = create_app(url, secret=SECRET)
    yield app, engine, token
    app.state.engine.dispose()
    engine.dispose()


def secrets(engine: Any) -> set[str]:
    """What must never appear unmasked: phones, addresses, recipients, buyer nicks."""
    out: set[str] = set()
    with session(engine) as s:
        for o in s.scalars(select(Order)):
            for value in (o.phone, o.address, o.receiver_name, o.buyer_nick):
                if value and len(value) >= 2:
                    out.add(value)
            if o.phone:
                out.add(re.sub(r"\D", "", o.phone))
        for c in s.scalars(select(Conversation)):
            if c.buyer_nick:
                out.add(c.buyer_nick)
    return {v for v in out if len(v) >= 3}


def sample_params(engine: Any) -> dict[str, list[str]]:
    with session(engine) as s:
        return {
            "conversation_id": list(s.scalars(select(Conversation.id).limit(40))),
            "order_no": list(s.scalars(select(Order.order_no).limit(20))),
            "case_id": [str(i) for i in s.scalars(select(Case.id).limit(10))],
            "finding_id": [str(i) for i in s.scalars(select(StoredFinding.id).limit(20))],
        }


def test_no_json_answer_shows_buyer_data(site: Any) -> None:
    app, engine, token = site
    client = TestClient(app, base_url="http://testserver")
    auth = {"Authorization": f"Bearer {token}"}
    hidden = secrets(engine)
    assert len(hidden) > 50  # the demo month has buyers with phones and addresses
    params = sample_params(engine)
    called, leaks = 0, []
    for route in app.routes:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if not route.path.startswith("/api/") or route.path in ("/api/health",):
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        if any(n not in params for n in names):
            continue
        values = [params[n] for n in names]
        if names and not all(values):
            continue
        for i in range(max((len(v) for v in values), default=1)):
            path = route.path
            for n, v in zip(names, values, strict=True):
                path = re.sub(r"{" + n + r"(?::\w+)?}", v[i % len(v)], path)
            # exports too, as CSV (an .xlsx is compressed: its text is not searchable)
            query = {"format": "csv"} if path.endswith("/export") else None
            queries = [query]
            if path == "/api/search":  # by a buyer's nick, and by an order's last digits
                with session(engine) as s:
                    nicks = s.scalars(select(Order.buyer_nick).where(Order.buyer_nick.is_not(None)))
                    queries = [{"q": n} for n in list(nicks)[:5]]
                queries += [{"q": no[-6:]} for no in params["order_no"][:5]]
            for q in queries:
                r = client.get(path, headers=auth, params=q)
                if r.status_code != 200:
                    continue
                called += 1
                body = r.content.decode()
                leaks += [(path, v) for v in hidden if v in body]
    assert called > 20
    assert leaks == []
