"""A real server with a demo month in it, and Debian's Chromium to drive it.

Used by the browser tests and ``scripts/screenshots.py``. The browser is the
system Chromium (``apt-get install chromium``, done by ``make setup``); no
browser is downloaded. ``REDLINE_CHROMIUM`` overrides its path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from redline.demo.generate import generate_month
from redline.demo.load import demo_agents, load_month, review_sample, run_demo_qa
from redline.desk.policy import Policy
from redline.guard.engine import Guard
from redline.model import Conversation
from redline.store import open_store, writing
from redline.store.accounts import add_user
from redline.store.imports import import_chats
from redline.web.devserver import running

PASSWORD = "browser-pass-1"
SHOP = "云朵家居旗舰店"
HOSTILE_ID = "hostile-1"
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def chromium_path() -> str | None:
    env = os.environ.get("REDLINE_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Server:
    url: str
    db: Path


def build_demo(folder: Path, orders: int = 120) -> Path:
    """A store with a demo month ending now, QA run, a sample reviewed, demo users."""
    policy = Policy.default()
    now = policy.china_now().replace(microsecond=0)
    files = generate_month(
        folder / "exports",
        seed=11,
        start=(now - timedelta(days=30)).date(),
        days=30,
        orders=orders,
        now=now,
        shop=SHOP,
    )
    db = folder / "browser.db"
    engine = open_store(str(db))
    load_month(engine, files, now)
    hostile = Conversation.from_dict(
        {
            "id": HOSTILE_ID,
            "messages": [
                {
                    "role": "buyer",
                    "account": "tb_<b>evil</b>",
                    "text": HOSTILE,
                    "time": (now - timedelta(hours=2)).isoformat(),
                },
                {
                    "role": "agent",
                    "account": f"{SHOP}:小美",
                    "text": "特价商品不开发票哦",
                    "time": (now - timedelta(hours=2) + timedelta(seconds=20)).isoformat(),
                },
            ],
        }
    )
    import_chats(engine, [hostile])
    run_demo_qa(engine, Guard.default(), now)
    review_sample(engine, now)
    with writing(engine) as s:
        add_user(s, "admin", "admin", PASSWORD)
        add_user(s, "boss", "supervisor", PASSWORD)
        for login, account in demo_agents(SHOP):
            add_user(s, login, "agent", PASSWORD, account)
    engine.dispose()
    return db


@contextmanager
def running_server(db: Path) -> Iterator[Server]:
    with running(db, secret="browser" * 8) as url:
        yield Server(url, db)


SCREENSHOT_PAGES = [
    "/",
    "/checker",
    "/findings",
    f"/conversations/{HOSTILE_ID}",
    "/cases",
    "/returns",
    "/handoff",
    "/ledger",
    "/metrics",
    "/alerts",
    "/imports",
    "/orders/late",
    "/templates",
    "/exam",
    "/search",
]


def shoot(
    browser: Any,
    base_url: str,
    out_dir: Path,
    pages: list[str] | None = None,
    widths: list[int] | None = None,
    user: str = "boss",
    langs: tuple[str, ...] = ("zh", "en"),
) -> list[Path]:
    """Log in and save a full-page PNG of each page at each width, in each language
    (English files end in ``-en``); return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for lang in langs:
        for width in widths or [1280, 390]:
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(base_url + "/login")
            page.fill('input[name="name"]', user)
            page.fill('input[name="password"]', PASSWORD)
            page.click('button[type="submit"]')
            page.wait_for_load_state("networkidle")
            page.goto(base_url + f"/lang/{lang}")
            suffix = "" if lang == "zh" else f"-{lang}"
            for path in pages or SCREENSHOT_PAGES:
                page.goto(base_url + path)
                page.wait_for_load_state("networkidle")
                stem = path.strip("/").replace("/", "_") or "overview"
                target = out_dir / f"{stem}-{width}{suffix}.png"
                page.screenshot(path=str(target), full_page=True)
                files.append(target)
            context.close()
    return files
