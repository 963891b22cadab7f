"""The store: SQLAlchemy models, migrations and the session helpers.

``open_store(url)`` gives an engine whose schema is at the newest migration;
``session(engine)`` a session for reads; ``writing(engine)`` one transaction for a
writer (on SQLite it takes the write lock up front).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from redline.store.db import (
    BUSY_TIMEOUT_S,
    ENV_URL,
    data_dir,
    describe,
    make_engine,
    private_dir,
    private_file,
    resolve_url,
)

__all__ = [
    "ENV_URL",
    "alembic_config",
    "current_revision",
    "data_dir",
    "describe",
    "head_revision",
    "make_engine",
    "open_store",
    "private_dir",
    "private_file",
    "resolve_url",
    "session",
    "upgrade",
    "writing",
]

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; each migration runs in one transaction."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_store(url: str | None = None, migrate: bool = True) -> Engine:
    """An engine for the store at ``url`` (see :mod:`redline.store.db`), schema up to date."""
    engine = make_engine(url)
    if migrate and current_revision(engine) != head_revision():
        upgrade(engine)
    return engine


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


@contextmanager
def writing(engine: Engine, wait_s: float | None = None) -> Iterator[Session]:
    """One write transaction: committed on success, rolled back on any error.

    ``wait_s``: on SQLite, how long to wait for another writer to finish before
    giving up with "database is locked" (default: the store's busy timeout).
    """
    conn = engine.connect().execution_options(sqlite_begin="IMMEDIATE")
    raw = conn.connection.dbapi_connection if wait_s is not None else None
    if raw is not None and engine.dialect.name == "sqlite":
        raw.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")  # type: ignore[operator]
    else:
        raw = None
    try:
        with conn.begin(), Session(bind=conn, expire_on_commit=False) as s:
            yield s
            s.flush()
    finally:
        if raw is not None:
            raw.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        conn.close()
