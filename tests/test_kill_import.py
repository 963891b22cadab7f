"""A killed import (SIGKILL halfway through the file) leaves the store exactly as before."""

from __future__ import annotations

import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from redline.store import open_store
from redline.store.imports import import_orders
from test_desk import order, snapshot

HEADER = "订单编号,买家会员名,买家实际支付金额,订单状态,订单付款时间 ,宝贝标题 \r\n"


def big_report(path: Path, rows: int) -> None:
    lines = [HEADER]
    for i in range(rows):
        lines.append(
            f'="30{i:017d}",tb_{i},{i % 500}.90元,买家已付款，等待卖家发货,'
            f"2026-10-{1 + i % 28:02d} 10:{i % 60:02d}:00,纯棉毛巾{i}\r\n"
        )
    path.write_bytes("".join(lines).encode("gbk"))


def test_sigkill_mid_import_changes_nothing(store_url: str, engine: Engine, tmp_path: Path) -> None:
    # Something already in the store, including an order the file would update.
    import_orders(engine, [order("3000000000000000000", paid_amount=Decimal("1.00")), order("42")])
    before = snapshot(engine)
    engine.dispose()

    report = tmp_path / "ExportOrderList202610312000.csv"
    big_report(report, 20_000)
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from redline.cli import main; main()",
            "import",
            "orders",
            str(report),
            "--db",
            store_url,
            "--progress",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    ) as proc:
        assert proc.stderr is not None
        line = proc.stderr.readline().decode("utf-8")  # rows written, not yet committed
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert "已处理" in line, line
    assert proc.returncode == -signal.SIGKILL

    after = open_store(store_url)
    try:
        assert snapshot(after) == before
        # And the store still works: the same import, run to the end, lands whole.
        from redline.importers.orders import read_orders

        done = import_orders(after, read_orders(report))
        assert (done.accepted, done.updated, done.rejected) == (19_999, 1, 0)
    finally:
        after.dispose()
