"""A month of a Tmall home-textiles shop, written in the shop's real export formats.

``generate_month`` builds one consistent world (buyers, orders, items, refunds,
chats) from a seed and writes it the way the seller backend and Qianniu export it
(shared/spec/import-formats.md):

- ``ExportOrderList<yyyyMMddHHmm>.csv`` and ``ExportOrderDetailList<…>.csv``: GBK,
  CRLF, the header names with their real trailing spaces, order numbers as
  ``="…"``, phones with a leading ``'``, ``-`` for some empty cells, ``元`` after
  some amounts, tracking numbers as ``No:…``.
- ``refunds<yyyyMMdd>.xlsx`` and the same rows as a GBK ``.csv``: the refund report
  with the newer template's repeated ``退款的申请时间`` column.
- ``chats<yyyyMMdd>.txt`` (Qianniu/Wangwang TXT export, GBK) and ``chats<…>.jsonl``
  (shared/spec/formats.md): conversations tied to the generated orders and refunds,
  about one in ten with a real red-line mistake.

Everything is derived from ``random.Random(seed)`` and ``now``: the same arguments
give the same bytes. The order report is built with plain string operations so that
100,000 orders take a few seconds; refunds (8%, at most 1,000) and chats (60-200)
stay small.

Times are China time (UTC+8). Internally a time is an ``int``: seconds since
midnight a week before ``start``.

The parts: :mod:`.vocabulary` and :mod:`.world` (raw material, the world), one module
per export (:mod:`.orders`, :mod:`.refunds`, :mod:`.chats`), :mod:`.writers`; this
module draws the month and writes it.
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path

from redline.demo.chats import chats_jsonl, chats_txt, generate_chats
from redline.demo.orders import (
    ITEM_HEADER,
    ORDER_HEADER,
    generate_orders,
    item_rows,
    order_rows,
    plant_suspicious,
)
from redline.demo.refunds import REFUND_HEADER, generate_refunds, refund_rows
from redline.demo.vocabulary import CHINA
from redline.demo.world import World
from redline.demo.writers import write_gbk_csv, write_xlsx

__all__ = ["ITEM_HEADER", "ORDER_HEADER", "REFUND_HEADER", "generate_month", "main"]

# --- entry points ------------------------------------------------------------------------------------


def _resolve_now(start: date, days: int, now: datetime | None) -> datetime:
    if now is None:
        return datetime.combine(start + timedelta(days=days), time(20, 0))
    if now.tzinfo is not None:
        now = now.astimezone(CHINA).replace(tzinfo=None)
    return now.replace(microsecond=0)


def generate_month(
    out_dir: Path,
    *,
    seed: int = 7,
    start: date = date(2026, 10, 1),
    days: int = 30,
    orders: int = 600,
    shop: str = "云朵家居旗舰店",
    now: datetime | None = None,
    refunds: int | None = None,
    chats: int | None = None,
    violation_share: float = 0.1,
) -> dict[str, Path]:
    """Write a month of ``shop``'s exports into ``out_dir``; return kind → path.

    Kinds: ``orders``, ``items``, ``refunds_xlsx``, ``refunds_csv``, ``chats_txt``,
    ``chats_jsonl``. ``now`` is the moment of the export (China time when naive;
    default: the day after the month at 20:00); every time in the files is at or
    before it, and the refunds' clocks (超时时间) run against it. ``refunds`` is how
    many refunds to write (default: 8 % of the orders, at most 1,000); ``chats`` how
    many chats (default: a tenth of the orders, 60 to 200), ``violation_share`` the
    share of them that plant a red-line mistake.
    """
    if days < 1:
        raise ValueError("days 必须至少为 1 (days must be at least 1)")
    if orders < 1:
        raise ValueError("orders 必须至少为 1 (orders must be at least 1)")
    now_local = _resolve_now(start, days, now)
    with _gc_paused():
        world = World(shop, start, days, now_local, seed)
        return _generate(out_dir, world, orders, now_local, refunds, chats, violation_share)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hundreds of thousands of small acyclic objects: the cyclic collector would keep
    rescanning them (a third of the run at 100,000 orders) and never free anything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _generate(
    out_dir: Path,
    world: World,
    orders: int,
    now_local: datetime,
    refund_count: int | None,
    chat_count: int | None = None,
    violation_share: float = 0.1,
) -> dict[str, Path]:
    order_list = generate_orders(world, orders)
    if refund_count is None:
        refund_count = min(round(orders * 0.08), 1000)
    refunds = generate_refunds(world, order_list, refund_count)
    plant_suspicious(world, order_list)
    if chat_count is None:
        chat_count = min(200, max(60, orders // 10), orders)
    chats = generate_chats(world, order_list, refunds, min(chat_count, orders), violation_share)

    out_dir.mkdir(parents=True, exist_ok=True)
    minute, day = f"{now_local:%Y%m%d%H%M}", f"{now_local:%Y%m%d}"
    paths = {
        "orders": out_dir / f"ExportOrderList{minute}.csv",
        "items": out_dir / f"ExportOrderDetailList{minute}.csv",
        "refunds_xlsx": out_dir / f"refunds{day}.xlsx",
        "refunds_csv": out_dir / f"refunds{day}.csv",
        "chats_txt": out_dir / f"chats{day}.txt",
        "chats_jsonl": out_dir / f"chats{day}.jsonl",
    }
    write_gbk_csv(paths["orders"], ORDER_HEADER, order_rows(world, order_list))
    write_gbk_csv(paths["items"], ITEM_HEADER, item_rows(world, order_list))
    write_xlsx(
        paths["refunds_xlsx"],
        REFUND_HEADER,
        refund_rows(world, refunds, csv_cells=False),
        now_local,
    )
    write_gbk_csv(paths["refunds_csv"], REFUND_HEADER, refund_rows(world, refunds, csv_cells=True))
    paths["chats_txt"].write_bytes(chats_txt(world, chats).encode("gb18030"))
    paths["chats_jsonl"].write_text(chats_jsonl(world, chats), encoding="utf-8", newline="\n")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m redline.demo.generate OUT_DIR [--orders N] [--seed N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m redline.demo.generate",
        description="生成一个月的天猫店铺导出文件 (a month of Tmall shop exports) for demos and benchmarks.",
    )
    parser.add_argument("out_dir", type=Path, help="where the files go (created if missing)")
    parser.add_argument("--orders", type=int, default=600, help="number of orders (default 600)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--days", type=int, default=30, help="length of the month in days (default 30)"
    )
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2026, 10, 1),
        help="first day, YYYY-MM-DD (default 2026-10-01)",
    )
    parser.add_argument(
        "--shop", default="云朵家居旗舰店", help="shop name (default 云朵家居旗舰店)"
    )
    args = parser.parse_args(argv)
    try:
        paths = generate_month(
            args.out_dir,
            seed=args.seed,
            start=args.start,
            days=args.days,
            orders=args.orders,
            shop=args.shop,
        )
    except ValueError as exc:
        parser.error(str(exc))
    for kind, path in paths.items():
        print(f"{kind}\t{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
