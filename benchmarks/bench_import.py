"""Importing a big order report: the 30-second budget, idempotency, two baselines.

Run: ``python -m benchmarks.bench_import [--orders N] [--naive-sample N] [--db URL] [--json FILE]``.

One process, one file: a GBK ``ExportOrderList*.csv`` of ``--orders`` rows (default
100,000) written by the demo generator with the real export's columns and quirks
(``="…"`` order numbers, ``'`` phones, ``元`` amounts, trailing spaces in headers).

- **parse**: ``read_orders`` over the file, every record built and dropped — the
  ceiling: an import cannot be faster than reading its input;
- **import**: ``redline import orders`` into an empty store (SQLite file by default);
- **re-import**: the same file again; it must change nothing (checked: every row
  counted unchanged and the table's content digest identical);
- **naive**: what one would write first with the ORM — per row, ``session.get`` the
  order and add or update it, one transaction. Slow, so it runs on the first
  ``--naive-sample`` rows into a separate store and its rate is per row.

The budget (issue 3) is the import under 30 seconds on the 2-core dev machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import tempfile
import time
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from redline.demo.generate import generate_month
from redline.importers.orders import read_orders
from redline.importers.records import OrderRecord
from redline.store import open_store, session
from redline.store.imports import import_orders
from redline.store.models import Order

BUDGET_S = 30.0


def table_digest(engine: Engine) -> str:
    h = hashlib.sha256()
    with engine.connect() as conn:
        for row in conn.execute(select(Order.__table__).order_by(Order.order_no)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def naive_import(engine: Engine, path: Path, limit: int) -> int:
    fields = [f for f in OrderRecord.__dataclass_fields__ if f != "line"]
    n = 0
    with session(engine) as s, s.begin():
        for rec in islice(read_orders(path), limit):
            if not isinstance(rec, OrderRecord):
                continue
            values = {f: getattr(rec, f) for f in fields}
            found = s.get(Order, rec.order_no)
            if found is None:
                s.add(Order(**values, row_hash=""))
            else:
                for k, v in values.items():
                    setattr(found, k, v)
            n += 1
    return n


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--naive-sample", type=int, default=5_000)
    ap.add_argument("--db", help="store URL (default: a fresh SQLite file in a temp dir)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files, gen_s = timed(
            lambda: generate_month(work / "export", orders=args.orders, start=date(2026, 10, 1))
        )
        report_file: Path = files["orders"]
        size_mb = report_file.stat().st_size / 1e6
        print(
            f"file: {report_file.name}, {args.orders:,} orders, {size_mb:.1f} MB GBK "
            f"(generated in {gen_s:.1f} s)"
        )

        parsed, parse_s = timed(lambda: sum(1 for _ in read_orders(report_file)))
        url = args.db or f"sqlite:///{work / 'bench.db'}"
        engine = open_store(url)
        first, import_s = timed(lambda: import_orders(engine, read_orders(report_file)))
        digest = table_digest(engine)
        again, reimport_s = timed(lambda: import_orders(engine, read_orders(report_file)))
        unchanged_ok = (
            again.accepted == 0
            and again.updated == 0
            and again.unchanged == first.accepted
            and table_digest(engine) == digest
        )
        engine.dispose()

        naive_engine = open_store(f"sqlite:///{work / 'naive.db'}")
        naive_n, naive_s = timed(lambda: naive_import(naive_engine, report_file, args.naive_sample))
        naive_engine.dispose()

    rate = first.accepted / import_s
    parse_rate = parsed / parse_s
    naive_rate = naive_n / naive_s
    results = {
        "machine": f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}",
        "rows": args.orders,
        "file_mb": round(size_mb, 1),
        "parse_s": round(parse_s, 2),
        "import_s": round(import_s, 2),
        "reimport_s": round(reimport_s, 2),
        "accepted": first.accepted,
        "rejected": first.rejected,
        "reimport_changed_nothing": unchanged_ok,
        "import_rows_per_s": round(rate),
        "parse_rows_per_s": round(parse_rate),
        "naive_rows_per_s": round(naive_rate),
        "import_vs_parse": round(rate / parse_rate, 2),
        "import_vs_naive": round(rate / naive_rate, 1),
        "budget_s": BUDGET_S,
        "within_budget": import_s < BUDGET_S,
    }
    print(f"parse only   : {parse_s:6.2f} s  {parse_rate:9,.0f} rows/s   (ceiling)")
    print(
        f"import       : {import_s:6.2f} s  {rate:9,.0f} rows/s   "
        f"= {rate / parse_rate:.2f}× parse, {rate / naive_rate:.1f}× naive"
    )
    print(f"re-import    : {reimport_s:6.2f} s  changed nothing: {unchanged_ok}")
    print(f"naive ORM    : {naive_s:6.2f} s  {naive_rate:9,.0f} rows/s   ({naive_n:,}-row sample)")
    print(
        f"budget       : import {import_s:.1f} s of {BUDGET_S:.0f} s → "
        f"{'OK' if import_s < BUDGET_S else 'OVER BUDGET'}"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if unchanged_ok and import_s < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
