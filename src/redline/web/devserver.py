"""The real server in a child process, for the browser tests, screenshots and benchmarks.

``running(db)`` starts ``uvicorn redline.web.main:app`` (what ``redline serve``
runs) on a free loopback port against the store at ``db``, waits until it accepts
connections and stops it (SIGINT, then kill) on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(db: Path | str, *, workers: int = 1, secret: str = "devserver" * 6) -> Iterator[str]:
    """Serve the store at ``db``; yields the base URL, e.g. ``http://127.0.0.1:41234``."""
    port = free_port()
    env = dict(os.environ, REDLINE_DATABASE_URL=str(db), REDLINE_SECRET=secret)
    command = [sys.executable, "-m", "uvicorn", "redline.web.main:app", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning",
               "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
