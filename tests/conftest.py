"""Session fixtures: one loaded :class:`Guard` and small checking helpers."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parent))

from redline.guard.engine import Guard
from redline.model import Finding
from support import DEFAULT_ORDER, MessageSpec, flagged_pairs, make_conv


@pytest.fixture(scope="session")
def guard() -> Guard:
    return Guard.default()


@pytest.fixture(scope="session")
def flag(guard: Guard) -> Callable[..., set[tuple[int, str]]]:
    """``flag(messages, shop=…, order=…, presend=False)`` → set of (message index, category)."""

    def _flag(
        messages: Sequence[MessageSpec],
        shop: dict[str, Any] | None = None,
        order: dict[str, Any] | None = DEFAULT_ORDER,
        presend: bool = False,
    ) -> set[tuple[int, str]]:
        conv = make_conv(messages, shop=shop, order=order)
        return flagged_pairs(guard.check(conv, presend=presend))

    return _flag


@pytest.fixture(scope="session")
def last_cats(guard: Guard) -> Callable[..., set[str]]:
    """Categories flagged on the last message (batch mode unless ``presend=True``)."""

    def _cats(
        messages: Sequence[MessageSpec],
        shop: dict[str, Any] | None = None,
        order: dict[str, Any] | None = DEFAULT_ORDER,
        presend: bool = False,
    ) -> set[str]:
        conv = make_conv(messages, shop=shop, order=order)
        last = len(conv.messages) - 1
        return {f.category for f in guard.check(conv, presend=presend) if f.message == last}

    return _cats


@pytest.fixture(scope="session")
def findings(guard: Guard) -> Callable[..., list[Finding]]:
    """``findings(messages, shop=…, order=…, presend=False)`` → the guard's findings."""

    def _findings(
        messages: Sequence[MessageSpec],
        shop: dict[str, Any] | None = None,
        order: dict[str, Any] | None = DEFAULT_ORDER,
        presend: bool = False,
    ) -> list[Finding]:
        return guard.check(make_conv(messages, shop=shop, order=order), presend=presend)

    return _findings


# --- the store, on SQLite and on PostgreSQL ----------------------------------------------

BACKENDS = ["sqlite", "postgresql"]


def _postgres_admin_url() -> str | None:
    url = os.environ.get("REDLINE_TEST_POSTGRES_URL")
    if url:
        return url
    if os.environ.get("REDLINE_REQUIRE_POSTGRES"):
        pytest.fail("REDLINE_REQUIRE_POSTGRES is set but REDLINE_TEST_POSTGRES_URL is not")
    pytest.skip('PostgreSQL not configured: eval "$(scripts/pg-start.sh)" to run these too')


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty store: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'redline.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from redline.store.db import resolve_url

    admin_url = make_url(resolve_url(_postgres_admin_url()))
    name = f"redline_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    from redline.store import open_store

    eng = open_store(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """For tests about logic, not the database: SQLite only."""
    from redline.store import open_store

    eng = open_store(f"sqlite:///{tmp_path / 'redline.db'}")
    yield eng
    eng.dispose()
