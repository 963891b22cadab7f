"""Loading a generated demo month into a store, as a shop would with its exports.

``load_month`` imports the four exports through the real importers (the same
code as ``redline import …``); ``review_sample`` plays a supervisor's first
morning on the QA results, so the ledger has something to show; ``demo_users``
creates the demo logins. Used by ``redline demo-desk`` and ``redline demo-web``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from redline.demo.vocabulary import AGENTS, NIGHT_AGENT
from redline.guard.engine import Guard
from redline.importers.chats import read_chats
from redline.importers.orders import read_items, read_orders
from redline.importers.refunds import read_refunds
from redline.store import writing
from redline.store.imports import (
    ImportReport,
    import_chats,
    import_items,
    import_orders,
    import_refunds,
)
from redline.store.models import StoredFinding
from redline.store.penalties import add_notice
from redline.store.qa import QAReport, review, rules_fingerprint, run_qa


def fresh_sqlite(path: Path) -> str:
    """Delete a demo SQLite store (with its WAL files) so a demo starts clean; its URL."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return str(path)


def load_month(
    engine: Engine, files: dict[str, Path], now: datetime
) -> list[tuple[str, ImportReport]]:
    """Import a generated month (orders, items, refunds, chats); kind → report."""
    steps: list[tuple[str, Callable[[], ImportReport]]] = [
        (
            "orders",
            lambda: import_orders(engine, read_orders(files["orders"]), path=files["orders"]),
        ),
        ("items", lambda: import_items(engine, read_items(files["items"]), path=files["items"])),
        (
            "refunds",
            lambda: import_refunds(
                engine, read_refunds(files["refunds_xlsx"]), path=files["refunds_xlsx"], now=now
            ),
        ),
        (
            "chats",
            lambda: import_chats(
                engine,
                read_chats(files["chats_txt"]),
                path=files["chats_txt"],
                source="qianniu_txt",
            ),
        ),
    ]
    return [(name, step()) for name, step in steps]


def run_demo_qa(engine: Engine, guard: Guard, now: datetime) -> QAReport:
    return run_qa(engine, guard, rules_fingerprint(), now=now)


def review_sample(
    engine: Engine, now: datetime, seed: int = 7, actor: str = "boss"
) -> dict[str, int]:
    """Confirm most violations found, dismiss a few, leave some to review; record one
    platform notice. Deterministic for a given store and seed."""
    rng = random.Random(seed)
    done = {"confirmed": 0, "dismissed": 0, "appealed": 0, "notices": 0}
    with writing(engine) as s:
        ids = list(
            s.scalars(
                select(StoredFinding.id)
                .where(StoredFinding.severity == "violation", StoredFinding.status == "open")
                .order_by(StoredFinding.time, StoredFinding.id)
            )
        )
        # The older two thirds were reviewed; the newest stay open for the supervisor.
        reviewed = ids[: len(ids) * 2 // 3]
        for fid in reviewed:
            roll = rng.random()
            if roll < 0.8:
                review(s, fid, "confirm", actor=actor, at=now, reason=None)
                done["confirmed"] += 1
            elif roll < 0.9:
                review(s, fid, "dismiss", actor=actor, at=now, reason="语境正常，非违规（演示）")
                done["dismissed"] += 1
            else:
                review(s, fid, "appeal", actor="小美", at=now, reason="买家主动要求的（演示）")
                done["appealed"] += 1
        add_notice(
            s,
            at=now - timedelta(days=20),
            points=6,
            type_="commitment",
            note="平台通知：发票问题（违背承诺）——演示数据",
            by=actor,
            now=now,
        )
        done["notices"] += 1
    return done


def demo_agents(shop: str) -> list[tuple[str, str]]:
    """(login name, chat account) for the demo month's agents."""
    logins = {"小美": "xiaomei", "阿杰": "ajie", "小柚": "xiaoyou", NIGHT_AGENT: "xiaolin"}
    return [(logins.get(a, a), f"{shop}:{a}") for a in (*AGENTS, NIGHT_AGENT)]
