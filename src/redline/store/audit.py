"""Audit entries that never make a login wait for the store.

On SQLite one writer holds the store at a time; during a big import that can be a
few seconds. A login must not wait for it (nor answer "database is locked"), yet
every login, failure and throttle is audited. :func:`record` writes the entry at
once when the store is free within a quarter of a second; otherwise it hands the
entry to one background thread that writes it when the store is free again. The
entry keeps the time it happened, not the time it was written.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from redline.store import writing
from redline.store.accounts import audit

WAIT_S = 0.25  # how long a login waits for the store before deferring its audit entry
RETRY_S = 0.5

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    target: str | None
    detail: str | None

    def write(self, s: Session) -> None:
        audit(s, self.actor, self.action, self.target, self.detail, at=self.at)


class _Deferred:
    """The entries waiting for the store, and the one thread that writes them."""

    def __init__(self) -> None:
        self.pending: queue.Queue[tuple[Engine, Entry]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, engine: Engine, entry: Entry) -> None:
        self.pending.put((engine, entry))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="redline-audit", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            engine, entry = self.pending.get()
            while True:
                try:
                    with writing(engine) as s:
                        entry.write(s)
                    break
                except OperationalError:  # still busy after the store's own timeout
                    time.sleep(RETRY_S)
                except Exception:  # the store is gone (closed in a test, dropped)
                    log.exception("audit entry lost: %s %s", entry.action, entry.actor)
                    break
            self.pending.task_done()

    def flush(self) -> None:
        """Wait until every deferred entry is written (tests, shutdown)."""
        self.pending.join()


_deferred = _Deferred()


def record(
    engine: Engine,
    actor: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
) -> bool:
    """Audit ``action``; True if written now, False if deferred until the store is free."""
    entry = Entry(datetime.now(UTC), actor or "?", action, target, detail)
    try:
        with writing(engine, wait_s=WAIT_S) as s:
            entry.write(s)
        return True
    except OperationalError:
        _deferred.put(engine, entry)
        return False


def flush() -> None:
    _deferred.flush()
