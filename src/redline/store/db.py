"""Where the store lives and how to open it.

One URL picks the database:

1. the ``--db`` option of a command, else
2. the ``REDLINE_DATABASE_URL`` environment variable, else
3. an embedded SQLite file, ``redline.db`` in the data directory: ``$REDLINE_HOME``
   if set, else ``$XDG_DATA_HOME/redline``, else ``~/.local/share/redline``.

A plain path (``shop.db``) is taken as a SQLite file. PostgreSQL URLs may be
written ``postgresql://…``; they are opened with psycopg 3.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so a reader (the
web page, ``redline cases``) is not blocked by an import in progress. Opening a
store brings its schema up to date (Alembic migrations, one transaction each).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

ENV_URL = "REDLINE_DATABASE_URL"


def data_dir() -> Path:
    """The folder that holds the default SQLite store (created on first use)."""
    home = os.environ.get("REDLINE_HOME")
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "redline"


def resolve_url(url: str | None = None) -> str:
    """The database URL to use: ``url``, else $REDLINE_DATABASE_URL, else the default file."""
    chosen = url or os.environ.get(ENV_URL) or ""
    if not chosen:
        return f"sqlite:///{data_dir() / 'redline.db'}"
    if "://" not in chosen:  # a bare path means a SQLite file
        return f"sqlite:///{Path(chosen).expanduser().resolve()}"
    if chosen.startswith(("postgresql://", "postgres://")):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def describe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (resolved as above); SQLite files get WAL and foreign keys."""
    resolved = make_url(resolve_url(url))
    if resolved.get_backend_name() == "sqlite":
        database = resolved.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(resolved, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(resolved, pool_pre_ping=True)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin:
    # the module's implicit BEGIN would leave DDL and the first SELECT outside it.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_on_begin(conn: Any) -> None:
    # Writers ask for ``execution_options(sqlite_begin="IMMEDIATE")``: they take the
    # write lock up front, so two imports queue instead of one failing halfway with
    # "database is locked". Readers begin DEFERRED and, in WAL mode, never wait.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")
