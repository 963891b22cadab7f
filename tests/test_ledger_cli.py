"""The ledger on the store: confirmed findings and notices, `redline ledger` commands."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from sqlalchemy import Engine

from redline.cli import main
from redline.guard.engine import Guard
from redline.guard.packs import load_rules
from redline.store import session, writing
from redline.store.imports import import_chats
from redline.store.penalties import add_notice, deductions
from redline.store.qa import list_findings, review, run_qa
from test_qa import chat

CN = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 31, 20, 0, tzinfo=CN)


def test_only_confirmed_findings_and_notices_count(engine: Engine) -> None:
    import_chats(engine, [chat("c1", "亲，特价商品不开发票哦"), chat("c2", "加我微信转账便宜点")])
    run_qa(engine, Guard.default(), "fp", now=NOW)
    rs = load_rules()
    with writing(engine) as s:
        invoice = list_findings(s, category="invoice")[0]
        review(s, invoice.id, "confirm", actor="主管", at=NOW, reason=None)
        add_notice(s, at=NOW, points=12, type_="severe", note="泄露他人信息", by="主管", now=NOW)
    with session(engine) as s:
        got = [(d.points, d.type) for d in deductions(s, rs)]
    # invoice is 6 points on the 违背承诺 ledger; the unconfirmed payment finding does not count
    assert sorted(got) == [(6, "commitment"), (12, "severe")]


def test_ledger_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    runner = CliRunner()
    at = ["--at", "2026-10-31 20:00"]
    empty = json.loads(runner.invoke(main, ["ledger", "--db", db, *at, "--format", "json"]).stdout)
    assert empty["points"]["general"] == 0 and empty["sanctions"] == []
    for when in ("2026-10-01 10:00", "2026-10-20 10:00"):
        r = runner.invoke(
            main,
            ["ledger", "add", "--points", "6", "--type", "general", "--at", when, "--db", db],
        )
        assert r.exit_code == 0, r.output
    out = runner.invoke(main, ["ledger", "--db", db, *at])
    assert "一般违规 12 分" in out.stdout
    assert "本周期已触发" in out.stdout and "10,000" in out.stdout
    data = json.loads(runner.invoke(main, ["ledger", "--db", db, *at, "--format", "json"]).stdout)
    [sanction] = data["sanctions"]
    assert (sanction["node"], sanction["reached_at"]) == (12, "2026-10-20T10:00:00+08:00")
    assert sanction["ends_at"] == "2026-10-27T10:00:00+08:00" and not sanction["active"]
    before = json.loads(
        runner.invoke(
            main, ["ledger", "--db", db, "--at", "2026-10-10 00:00", "--format", "json"]
        ).stdout
    )
    assert before["points"]["general"] == 6  # --at sees the ledger as it stood then
    bad = runner.invoke(main, ["ledger", "add", "--points", "0", "--type", "general", "--db", db])
    assert bad.exit_code == 2
