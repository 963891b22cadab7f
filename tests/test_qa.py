"""Batch QA on the store (SQLite and PostgreSQL): incremental checks and reviews."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from redline.cli import main
from redline.guard.engine import Guard
from redline.model import Conversation, Message, Order
from redline.store import session, writing
from redline.store.imports import import_chats
from redline.store.qa import ReviewError, false_alarms, list_findings, review, reviews, run_qa

CN = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 31, 20, 0, tzinfo=CN)
AGENT = "云朵家居旗舰店:小美"


def chat(cid: str, reply: str, buyer_says: str = "能开发票吗") -> Conversation:
    return Conversation(
        id=cid,
        order=Order(buyer="tb_buyer", id="301"),
        messages=[
            Message("buyer", buyer_says, "tb_buyer", NOW - timedelta(minutes=5)),
            Message("agent", reply, AGENT, NOW - timedelta(minutes=4)),
        ],
    )


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard.default()


def test_qa_is_incremental_and_keeps_reviews(engine: Engine, guard: Guard) -> None:
    import_chats(
        engine,
        [
            chat("c1", "亲，特价商品不开发票哦"),
            chat("c2", "可以开的亲"),
            chat("c3", "加我微信转账便宜点"),
        ],
    )
    first = run_qa(engine, guard, "fp1", now=NOW)
    assert (first.checked, first.new_findings) == (3, 2)
    assert dict(first.by_category) == {"invoice": 1, "payment": 1}
    again = run_qa(engine, guard, "fp1", now=NOW)
    assert (again.checked, again.up_to_date, again.new_findings) == (0, 3, 0)

    with writing(engine) as s:
        invoice = list_findings(s, category="invoice")[0]
        review(s, invoice.id, "confirm", actor="主管老王", at=NOW, reason=None)
    # The chats are edited (a newer export): c1 now says something compliant too, c3 is fixed.
    import_chats(
        engine,
        [
            chat("c1", "亲，特价商品不开发票哦"),
            chat("c2", "可以开的亲"),
            chat("c3", "亲，请在淘宝下单用支付宝付款哦"),
        ],
    )
    import_chats(engine, [chat("c1", "亲，特价商品不开发票哦", buyer_says="发票呢")])
    rerun = run_qa(engine, guard, "fp1", now=NOW)
    assert (rerun.checked, rerun.new_findings, rerun.removed) == (2, 0, 1)
    with session(engine) as s:
        left = list_findings(s)
        assert [(f.category, f.status) for f in left] == [("invoice", "confirmed")]
    # A changed rule pack means everything is checked again.
    assert run_qa(engine, guard, "fp2", now=NOW).checked == 3


def test_review_steps_and_their_history(engine: Engine, guard: Guard) -> None:
    import_chats(engine, [chat("c1", "亲，特价商品不开发票哦")])
    run_qa(engine, guard, "fp", now=NOW)
    with writing(engine) as s:
        fid = list_findings(s)[0].id
    with pytest.raises(ReviewError, match="理由"), writing(engine) as s:
        review(s, fid, "dismiss", actor="主管", at=NOW, reason=" ")
    with writing(engine) as s:
        review(s, fid, "appeal", actor="小美", at=NOW, reason="买家买的是赠品")
    with writing(engine) as s:
        review(
            s, fid, "dismiss", actor="主管", at=NOW + timedelta(hours=1), reason="赠品不开票可接受"
        )
    with pytest.raises(ReviewError, match="不能执行 appeal"), writing(engine) as s:
        review(s, fid, "appeal", actor="小美", at=NOW, reason="再诉")
    with session(engine) as s:
        assert [(r.actor, r.action, r.to_status) for r in reviews(s, fid)] == [
            ("小美", "appeal", "appealed"),
            ("主管", "dismiss", "dismissed"),
        ]
        fa = false_alarms(s)
        assert [(x.rule, x.evidence, x.dismissed, x.total) for x in fa] == [
            (list_findings(s)[0].rule, "特价商品不开发票", 1, 1)
        ]
        assert fa[0].reasons == ["赠品不开票可接受"]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM finding_reviews"))


def imported_chat(tmp_path: Path, conv: dict[str, Any]) -> str:
    """A store at ``tmp_path`` with ``conv`` imported through ``redline import chats``."""
    db = str(tmp_path / "qa.db")
    chats = tmp_path / "chats.jsonl"
    chats.write_text(json.dumps(conv, ensure_ascii=False) + "\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["import", "chats", str(chats), "--db", db]).exit_code == 0
    return db


def test_qa_cli_round_trip(tmp_path: Path) -> None:
    conv = {
        "id": "c1",
        "order": {"buyer": "tb_buyer"},
        "messages": [
            {"role": "buyer", "text": "能开发票吗", "account": "tb_buyer"},
            {"role": "agent", "text": "特价商品不开发票", "account": AGENT},
        ],
    }
    db = imported_chat(tmp_path, conv)
    runner = CliRunner()
    first = runner.invoke(main, ["qa", "--db", db, "--format", "json"])
    assert json.loads(first.stdout)["new_findings"] == 1
    assert "已是最新 1" in runner.invoke(main, ["qa", "--db", db]).stdout
    listed = json.loads(runner.invoke(main, ["qa", "list", "--db", db, "--format", "json"]).stdout)
    fid = str(listed[0]["id"])
    bad = runner.invoke(main, ["qa", "dismiss", fid, "--by", "主管", "--db", db])
    assert bad.exit_code == 2 and "理由" in bad.stderr
    ok = runner.invoke(main, ["qa", "dismiss", fid, "--by", "主管", "--reason", "赠品", "--db", db])
    assert ok.exit_code == 0 and "已驳回" in ok.stdout
    fa = runner.invoke(main, ["qa", "false-alarms", "--db", db])
    assert "特价商品不开发票" in fa.stdout and "1/1" in fa.stdout
    shown = runner.invoke(main, ["qa", "show", fid, "--db", db])
    assert "主管" in shown.stdout and "赠品" in shown.stdout


def test_qa_text_names_the_categories(tmp_path: Path) -> None:
    conv = {
        "id": "c1",
        "messages": [{"role": "agent", "text": "特价商品不开发票", "account": AGENT}],
    }
    db = imported_chat(tmp_path, conv)
    out = CliRunner().invoke(main, ["qa", "--db", db]).stdout
    assert "新问题按类别：发票问题 1" in out and "invoice" not in out


def test_qa_list_exports_xlsx_and_csv_masked(tmp_path: Path) -> None:
    import openpyxl

    conv = {
        "id": "c1",
        "order": {"buyer": "tb_wife"},
        "messages": [
            {"role": "buyer", "text": "我老婆买的寄到哪了", "account": "tb_husband"},
            {"role": "agent", "text": "收件人王芳，电话13812345678", "account": AGENT},
            {"role": "agent", "text": '=HYPERLINK("x") 特价商品不开发票', "account": AGENT},
        ],
    }
    db = imported_chat(tmp_path, conv)
    runner = CliRunner()
    assert runner.invoke(main, ["qa", "--db", db]).exit_code == 0
    no_out = runner.invoke(main, ["qa", "list", "--db", db, "--format", "xlsx"])
    assert no_out.exit_code == 2 and "--out" in no_out.stderr
    xlsx = tmp_path / "质检.xlsx"
    r = runner.invoke(main, ["qa", "list", "--db", db, "--format", "xlsx", "--out", str(xlsx)])
    assert r.exit_code == 0 and "已导出 2 条" in r.stdout, r.output
    sheet = openpyxl.load_workbook(xlsx).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["编号", "时间", "客服", "类别"]
    flat = " ".join(str(v) for row in cells for v in row)
    assert "13812345678" not in flat and "王芳" not in flat  # privacy evidence is masked
    assert {"泄露他人信息", "发票问题"} <= {row[3] for row in cells[1:]}
    assert not any(str(v).startswith("=") for row in cells for v in row if v)  # no formulas
    csv_file = tmp_path / "质检.csv"
    r = runner.invoke(main, ["qa", "list", "--db", db, "--format", "csv", "--out", str(csv_file)])
    assert r.exit_code == 0
    text = csv_file.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff编号,") and "13812345678" not in text
