"""A generated month of a shop, imported end to end from its real export formats."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from redline.cli import main
from redline.demo.generate import generate_month
from redline.importers.chats import read_chats
from redline.importers.orders import read_items, read_orders
from redline.importers.refunds import read_refunds
from redline.store import session
from redline.store.desk import Desk
from redline.store.imports import import_chats, import_items, import_orders, import_refunds
from redline.store.models import Case, ChatMessage, ReturnEntry
from test_desk import snapshot

NOW = datetime(2026, 10, 31, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_month_imports_cleanly_and_idempotently(engine: Engine, tmp_path: Path) -> None:
    files = generate_month(tmp_path, orders=300, start=date(2026, 10, 1), now=NOW)
    orders = import_orders(engine, read_orders(files["orders"]))
    items = import_items(engine, read_items(files["items"]))
    refunds = import_refunds(engine, read_refunds(files["refunds_xlsx"]), now=NOW)
    chats = import_chats(engine, read_chats(files["chats_txt"]), source="qianniu_txt")
    for report in (orders, items, refunds, chats):
        assert report.errors == [], report.errors[:3]
        assert report.accepted > 0
    assert refunds.cases_opened == refunds.accepted
    before = snapshot(engine)

    # The same refunds from the CSV export are the same rows: nothing changes.
    again = import_refunds(engine, read_refunds(files["refunds_csv"]), now=NOW)
    assert (again.accepted, again.updated, again.rejected) == (0, 0, 0), again.errors[:3]
    assert import_orders(engine, read_orders(files["orders"])).unchanged == orders.accepted
    txt_again = import_chats(engine, read_chats(files["chats_txt"]), source="qianniu_txt")
    assert txt_again.unchanged == chats.accepted
    assert snapshot(engine) == before

    with session(engine) as s:
        desk = Desk(s)
        views = desk.open_cases(NOW)
        states = {v.case.state for v in views}
        assert {"requested", "awaiting_return", "returned"} <= states
        assert s.scalar(select(func.count()).select_from(Case)) == refunds.accepted
        returns = list(s.scalars(select(ReturnEntry)))
        assert returns and all(r.tracking_no for r in returns)
        found = desk.find_returns(returns[0].tracking_no)
        assert found[0].buyer_nick == returns[0].buyer_nick
        assert s.scalar(select(func.count()).select_from(ChatMessage)) > chats.accepted


def test_demo_desk_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["demo-desk", "--dir", str(tmp_path / "out"), "--db", str(tmp_path / "demo.db")],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ExportOrderList" in out and "拒绝 0" in out
    assert "售后待办" in out and "待卖家处理" in out
    assert "发货时效" in out
    assert (tmp_path / "out").is_dir()


def test_the_web_demo_month_shows_the_product(tmp_path: Path) -> None:
    """`redline demo web`'s month: hundreds of chats, findings in ten and more
    categories with some reviewed, and the extortion, suspicious-order and
    shipping alerts."""
    from collections import Counter
    from datetime import timedelta

    from sqlalchemy import func, select

    from redline.cli.web import DEMO_CHATS, DEMO_VIOLATION_SHARE
    from redline.demo.load import load_month, review_sample, run_demo_qa
    from redline.desk.policy import Policy
    from redline.guard.engine import Guard
    from redline.guard.packs import bundled_rules
    from redline.store import open_store, session
    from redline.store.alerts import current_alerts
    from redline.store.models import StoredFinding

    now = Policy.default().china_now().replace(microsecond=0)
    files = generate_month(
        tmp_path / "month",
        start=(now - timedelta(days=30)).date(),
        now=now,
        chats=DEMO_CHATS,
        violation_share=DEMO_VIOLATION_SHARE,
    )
    engine = open_store(str(tmp_path / "demo.db"))
    list(load_month(engine, files, now))
    qa = run_demo_qa(engine, Guard.default(), now)
    review_sample(engine, now, seed=7)
    with session(engine) as s:
        rows = s.execute(
            select(StoredFinding.category, StoredFinding.status, func.count()).group_by(
                StoredFinding.category, StoredFinding.status
            )
        ).all()
        kinds = Counter(a.kind for a in current_alerts(s, bundled_rules(), now))
    categories = {c for c, _, _ in rows}
    statuses = {st for _, st, _ in rows}
    assert qa.checked >= 250 and sum(n for _, _, n in rows) >= 40
    assert len(categories) >= 10, categories
    assert {"open", "confirmed", "dismissed", "appealed"} <= statuses
    assert {"extortion", "suspicious_order", "ship_by"} <= set(kinds), kinds
