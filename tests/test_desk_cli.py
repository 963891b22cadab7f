"""The desk's command line: import, cases, orders late, returns, handoff, db."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from redline.cli import main
from redline.store import head_revision

ORDERS = (
    "订单编号,买家会员名,买家实际支付金额,订单状态,运送方式,订单付款时间 ,宝贝标题 \r\n"
    '="3012345678901234567",tb_anna,128.00元,买家已付款，等待卖家发货,快递,2026-10-29 10:00:00,毛巾\r\n'
    '="3012345678901234568",tb_bob,99.00,买家已付款，等待卖家发货,货到付款,2026-10-27 10:00:00,枕头\r\n'
    '="3012345678901234569",tb_cat,1999.00,买家已付款，等待卖家发货,快递,2026-10-28 09:00:00,蚕丝被\r\n'
    ",tb_bad,1.00,买家已付款，等待卖家发货,快递,2026-10-28 09:00:00,坏行\r\n"
)
REFUNDS = (
    "订单编号,退款编号,买家会员名称,买家实际支付金额,买家退款金额,是否需要退货,退款的申请时间,"
    "退款状态,买家退款原因,退货物流单号,退货物流公司,买家退货时间,退款的申请时间\r\n"
    "3012345678901234567,R100,tb_anna,128.00,128.00,否,2026-10-30 09:00:00,"
    "买家已经申请退款，等待卖家同意,缺货,,,,\r\n"
    "3012345678901234569,R200,tb_cat,1999.00,1999.00,是,2026-10-25 09:00:00,"
    "买家已经退货，等待卖家确认收货,七天无理由退换货,SF1122334455,顺丰速运,2026-10-26 12:00:00,\r\n"
)
AT = ["--at", "2026-10-31 20:00"]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "shop.db")


@pytest.fixture
def loaded(tmp_path: Path, db: str, runner: CliRunner) -> str:
    (tmp_path / "orders.csv").write_bytes(ORDERS.encode("gbk"))
    (tmp_path / "refunds.csv").write_bytes(REFUNDS.encode("gbk"))
    r = runner.invoke(main, ["import", "orders", str(tmp_path / "orders.csv"), "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["import", "refunds", str(tmp_path / "refunds.csv"), "--db", db, *AT])
    assert r.exit_code == 0, r.output
    return db


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_import_prints_counts_and_row_errors(tmp_path: Path, db: str, runner: CliRunner) -> None:
    path = tmp_path / "ExportOrderList202610312000.csv"
    path.write_bytes(ORDERS.encode("gbk"))
    first = runner.invoke(main, ["import", "orders", str(path), "--db", db])
    assert first.exit_code == 0
    assert "新增 3，更新 0，未变 0，拒绝 1" in first.stdout
    assert "第 5 行" in first.stderr and "订单编号" in first.stderr
    again = runner.invoke(main, ["import", "orders", str(path), "--db", db, "--format", "json"])
    data = json.loads(again.stdout)
    assert (data["accepted"], data["updated"], data["unchanged"], data["rejected"]) == (0, 0, 3, 1)
    assert data["errors"][0]["line"] == 5


def test_import_of_the_wrong_file_is_a_clear_error(
    tmp_path: Path, db: str, runner: CliRunner
) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("名字,年龄\n张三,3\n", encoding="utf-8")
    r = runner.invoke(main, ["import", "orders", str(path), "--db", db])
    assert r.exit_code == 2
    assert "订单编号" in r.stderr
    assert "Traceback" not in r.output


def test_import_warns_about_a_damaged_encoding_and_names_big5(
    tmp_path: Path, db: str, runner: CliRunner
) -> None:
    damaged = tmp_path / "orders.csv"
    damaged.write_bytes(ORDERS.encode("gbk").replace(b"tb_anna", b"tb_\x00anna"))
    r = runner.invoke(main, ["import", "orders", str(damaged), "--db", db])
    assert r.exit_code == 0, r.output
    assert "注意：文件编码有误" in r.stderr and "NUL" in r.stderr
    data = json.loads(
        runner.invoke(
            main, ["import", "orders", str(damaged), "--db", db, "--format", "json"]
        ).stdout
    )
    assert data["warnings"] and data["unchanged"] == 3  # the nick read right the first time
    big5 = tmp_path / "big5.csv"
    big5.write_bytes(ORDERS.replace("订单编号", "訂單編號").encode("big5", errors="replace"))
    r = runner.invoke(main, ["import", "orders", str(big5), "--db", db])
    assert r.exit_code == 2 and "无法识别的编码：文件是 Big5" in r.stderr


def test_orders_late_excludes_cod_and_shows_compensation(loaded: str, runner: CliRunner) -> None:
    r = runner.invoke(main, ["orders", "late", "--db", loaded, *AT, "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["orders"]
    assert [(o["order_no"], o["overdue"], o["compensation_at_stake"]) for o in rows] == [
        ("3012345678901234569", True, "500.00"),
        ("3012345678901234567", False, "38.40"),
    ]
    table = runner.invoke(main, ["orders", "late", "--db", loaded, *AT])
    assert "逾期" in table.stdout and "赔付风险合计 ¥538.40" in table.stdout
    # Buyers are masked on the command line too, in the table and in the JSON.
    assert "tb_cat" not in r.stdout + table.stdout
    assert rows[0]["buyer"] == "t*****"


def test_cases_by_urgency_with_due_within(loaded: str, runner: CliRunner) -> None:
    r = runner.invoke(main, ["cases", "--db", loaded, *AT, "--format", "json"])
    cases = json.loads(r.stdout)["cases"]
    # R100 applied 10/30 09:00: the 24 h review passed at 10/31 09:00 (overdue 11 h).
    # R200 shipped back 10/26 12:00: 5 days before the 10-day receipt clock, 10/31 12:00,
    # it was time to check the return's tracking (overdue 8 h). Most overdue first.
    assert [(c["refund_no"], c["state"], c["overdue"]) for c in cases] == [
        ("R100", "requested", True),
        ("R200", "returned", True),
    ]
    r200 = cases[1]
    assert [p["clock"] for p in r200["passed"]] == ["check_logistics"]
    assert r200["next"]["due_at"] == "2026-11-05T12:00:00+08:00"
    r100 = next(c for c in cases if c["refund_no"] == "R100")
    assert r100["exposure"] == "38.40"
    assert r100["next"]["clock"] == "dispute_opens"
    assert r100["next"]["due_at"] == "2026-11-02T09:00:00+08:00"
    table = runner.invoke(main, ["cases", "--db", loaded, *AT])
    assert "待卖家处理" in table.stdout and "赔付风险合计" in table.stdout
    later = runner.invoke(
        main,
        [
            "cases",
            "--db",
            loaded,
            "--at",
            "2026-10-30 10:00",
            "--due-within",
            "2h",
            "--format",
            "json",
        ],
    )
    assert json.loads(later.stdout)["cases"] == []


def test_case_actions_and_history(loaded: str, runner: CliRunner) -> None:
    listing = json.loads(
        runner.invoke(main, ["cases", "--db", loaded, *AT, "--format", "json"]).stdout
    )
    r100 = next(c["id"] for c in listing["cases"] if c["refund_no"] == "R100")
    refused = runner.invoke(main, ["cases", "act", str(r100), "reject", "--db", loaded, *AT])
    assert refused.exit_code == 2 and "理由" in refused.stderr
    early = runner.invoke(main, ["cases", "act", str(r100), "escalate", "--db", loaded, *AT])
    assert early.exit_code == 2 and "72 小时" in early.stderr
    ok = runner.invoke(
        main,
        [
            "cases",
            "act",
            str(r100),
            "refund",
            "--db",
            loaded,
            *AT,
            "--by",
            "小美",
            "--note",
            "缺货，已致歉",
        ],
    )
    assert ok.exit_code == 0 and "退款成功" in ok.stdout
    shown = json.loads(
        runner.invoke(
            main, ["cases", "show", str(r100), "--db", loaded, *AT, "--format", "json"]
        ).stdout
    )
    assert [(h["actor"], h["action"], h["to"]) for h in shown["history"]] == [
        ("import", "import", "requested"),
        ("小美", "refund", "refunded"),
    ]


def test_returns_find(loaded: str, runner: CliRunner) -> None:
    r = runner.invoke(main, ["returns", "find", "sf1122334455", "--db", loaded])
    assert r.exit_code == 0
    # 7-day no-reason: the buyer pays postage; the buyer's nick is masked (t*****)
    assert "t*****" in r.stdout and "tb_cat" not in r.stdout and "买家" in r.stdout
    tail = runner.invoke(main, ["returns", "find", "22334455", "--db", loaded, "--format", "json"])
    assert json.loads(tail.stdout)[0]["order_no"] == "3012345678901234569"
    missing = runner.invoke(main, ["returns", "find", "YT000000000", "--db", loaded])
    assert missing.exit_code == 1 and "没有" in missing.stdout


def test_handoff_round_trip(db: str, runner: CliRunner) -> None:
    add = runner.invoke(
        main,
        [
            "handoff",
            "add",
            "漏发",
            "<b>少发一条毛巾</b>",
            "--order",
            "301",
            "--by",
            "夜班",
            "--db",
            db,
        ],
    )
    assert add.exit_code == 0 and "已登记交接事项 1" in add.stdout
    listed = runner.invoke(main, ["handoff", "list", "--db", db])
    assert "漏发" in listed.stdout and "<b>少发一条毛巾</b>" in listed.stdout
    bad = runner.invoke(main, ["handoff", "add", "吃饭", "x", "--db", db])
    assert bad.exit_code == 2 and "未知的交接类型" in bad.stderr
    closed = runner.invoke(
        main, ["handoff", "close", "1", "--by", "早班", "--note", "已补发", "--db", db]
    )
    assert closed.exit_code == 0
    assert "没有未处理" in runner.invoke(main, ["handoff", "list", "--db", db]).stdout
    again = runner.invoke(main, ["handoff", "close", "1", "--db", db])
    assert again.exit_code == 2


def test_bad_time_and_duration_options(db: str, runner: CliRunner) -> None:
    r = runner.invoke(main, ["cases", "--db", db, "--at", "昨天"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(main, ["cases", "--db", db, "--due-within", "soon"])
    assert r.exit_code == 2


def test_db_info_and_env_url(db: str, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDLINE_DATABASE_URL", db)
    runner.invoke(main, ["db", "upgrade"])
    r = runner.invoke(main, ["db", "info"])
    assert r.exit_code == 0 and "shop.db" in r.stdout and f"{head_revision()} / 最新" in r.stdout
