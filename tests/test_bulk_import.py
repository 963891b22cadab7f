"""The two-phase import: rows read, checked and bound outside the write transaction.

What a user meets: a CSV bigger than the sniffed head still decodes by its whole
content; a re-import writes nothing; a big import spills to disk and lands the same;
and a login goes through while another process holds the store's write lock.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select

from redline.importers.orders import read_orders
from redline.importers.text import HEAD_BYTES, Input, decode_input
from redline.store import audit, open_store, session, writing
from redline.store.accounts import AuditEvent
from redline.store.bulk import Spool
from redline.store.imports import import_orders
from redline.store.models import Order
from web_support import PASSWORD, csrf_of, make_site

HEADER = "订单编号,买家会员名,订单状态,买家实际支付金额,订单付款时间\r\n"


def order_lines(n: int, start: int = 0) -> str:
    return "".join(
        f'="{3_000_000_000_000_000_000 + i}",tb_{i},买家已付款，等待卖家发货,'
        f"{i % 90 + 10}.50,2026-10-{i % 28 + 1:02d} 12:00:00\r\n"
        for i in range(start, start + n)
    )


def test_the_encoding_is_decided_by_the_whole_file_not_its_head(tmp_path: Path) -> None:
    # ASCII-only for more than the sniffed head, then GBK: strict UTF-8 must fail on
    # the tail, and the file must read as GB18030 throughout.
    ascii_rows = "".join(f"{i},tb_{i},x,1,2026-10-01 12:00:00\r\n" for i in range(4000))
    assert len(ascii_rows) > HEAD_BYTES
    path = tmp_path / "orders.csv"
    path.write_bytes(
        (HEADER + ascii_rows + "9,张三,已付款,1,2026-10-01 12:00:00\r\n").encode("gbk")
    )
    decoded = decode_input(Input(path))
    assert decoded.encoding == "gb18030"
    assert decoded.text().endswith("9,张三,已付款,1,2026-10-01 12:00:00\r\n")
    # A bad byte past the head makes the decoding lossy, and says so.
    path.write_bytes((HEADER + ascii_rows).encode("gbk") + b"\xff\xff\r\n")
    lossy = decode_input(Input(path))
    assert lossy.lossy and lossy.replaced >= 1
    assert "无法识别的字节" in (lossy.warning() or "")


def test_a_spilled_import_lands_the_same_rows_and_a_reimport_writes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + order_lines(9000)).encode("gbk"))
    engine = open_store(str(tmp_path / "a.db"))
    first = import_orders(engine, read_orders(path), path=path)  # 5 chunks: spills past 2
    assert (first.accepted, first.rejected) == (9000, 0)
    with session(engine) as s:
        o = s.get(Order, "3000000000000000007")
        assert o is not None and o.buyer_nick == "tb_7" and str(o.paid_amount) == "17.50"
        assert o.paid_at is not None and o.paid_at.tzinfo is not None
    again = import_orders(engine, read_orders(path), path=path)
    assert (again.accepted, again.updated, again.unchanged) == (0, 0, 9000)


def test_spool_keeps_order_across_memory_and_disk() -> None:
    with Spool[list[int]](memory_chunks=2) as spool:
        for i in range(5):
            spool.add([i, i * i])
        assert list(spool) == [[i, i * i] for i in range(5)]
    with Spool[int](memory_chunks=10) as small:
        small.add(1)
        assert list(small) == [1]


def test_a_login_does_not_wait_for_a_writer_holding_the_store(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    c = site.client()
    csrf = csrf_of(c, "/login")
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:  # another writer (an import) holding SQLite's write lock
        with writing(open_store(site.url)) as s:
            s.execute(select(1))
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        # Were the login to need the write lock it would wait for the holder, which
        # lets go only after this request: a 503 after the busy timeout, not a 303.
        r = c.post(
            "/login",
            data={"name": "boss", "password": PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert c.get("/").status_code == 200  # the session works at once
        with session(site.engine) as s:  # not written yet: the store is held
            assert not s.scalars(select(AuditEvent).where(AuditEvent.action == "login")).all()
    finally:
        release.set()
        holder.join()
    audit.flush()
    with session(site.engine) as s:
        logins = s.scalars(select(AuditEvent).where(AuditEvent.action == "login")).all()
    assert [e.actor for e in logins] == ["boss"]


def test_rows_bound_ahead_are_stored_exactly_as_sqlalchemy_stores_them(tmp_path: Path) -> None:
    # Times must be stored as the same text (SQL compares them as text), amounts as
    # the same fen, JSON the same: a row written either way reads back identical.
    from sqlalchemy import insert, text

    from redline.store.bulk import BoundInsert
    from redline.store.imports import _Rows

    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + order_lines(50)).encode("gbk"))
    rows = [_Rows()(rec) for rec in read_orders(path)]
    rows[0]["extra"] = {"备注": "<b>x</b>", "n": 1}
    table = Order.__table__
    stored = []
    for way in ("core", "bound"):
        engine = open_store(str(tmp_path / f"{way}.db"))
        with writing(engine) as s:
            if way == "core":
                s.connection().execute(insert(table), rows)
            else:
                ahead = BoundInsert(engine.dialect, table, list(rows[0]))  # type: ignore[arg-type]
                ahead.execute(s.connection(), [ahead.bind(r) for r in rows])
        with engine.connect() as conn:
            stored.append(conn.execute(text("SELECT * FROM orders ORDER BY order_no")).all())
    assert stored[0] == stored[1]
    assert len(stored[0]) == 50
