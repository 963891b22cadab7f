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
import stat
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


# How long a SQLite writer waits for another's write lock (a long import) before it
# gives up with "database is locked"; the web answers that as 503 + Retry-After.
BUSY_TIMEOUT_S = 30.0


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (resolved as above); SQLite files get WAL and foreign keys."""
    resolved = make_url(resolve_url(url))
    if resolved.get_backend_name() == "sqlite":
        database = resolved.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            private_file(Path(database))
        engine = create_engine(resolved, connect_args={"timeout": BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(resolved, pool_pre_ping=True)


# The store holds buyers' names, phones and addresses and the password and token
# hashes: only its owner may read it, like secret.key.
DIR_MODE = 0o700
FILE_MODE = 0o600
_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by the owner only (0700).

    A folder that already exists is left as it is, except the data directory
    itself (``data_dir()``), which redline owns and tightens to 0700.
    """
    missing: list[Path] = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
    if path.exists() and path.resolve() == data_dir().resolve():
        _tighten(path, DIR_MODE)


def private_file(path: Path) -> None:
    """Make sure the SQLite file at ``path`` and its -wal/-shm/-journal are 0600.

    A new store is created empty with 0600 before SQLite opens it (SQLite gives
    the -wal and -shm files the database file's permissions); an existing one
    that is group- or world-readable is tightened, if this user owns it.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for file in (path, *(path.with_name(path.name + s) for s in _SIDE_FILES)):
        if file.exists():
            _tighten(file, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & ~mode:
            os.chmod(path, mode)
    except OSError:
        pass  # not ours, or a file system without modes: leave it


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin:
    # the module's implicit BEGIN would leave DDL and the first SELECT outside it.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cur.execute("PRAGMA synchronous=NORMAL")
    # 32 MB of page cache (the default is 2 MB): an import inserting into a table and
    # its indexes keeps their pages in memory instead of re-reading them.
    cur.execute("PRAGMA cache_size=-32768")
    cur.close()


def _sqlite_on_begin(conn: Any) -> None:
    # Writers ask for ``execution_options(sqlite_begin="IMMEDIATE")``: they take the
    # write lock up front, so two imports queue instead of one failing halfway with
    # "database is locked". Readers begin DEFERRED and, in WAL mode, never wait.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")
