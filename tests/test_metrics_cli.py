"""`redline metrics` on the fixture month of test_metrics (SQLite file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from redline.cli import main
from redline.store import open_store
from test_metrics import load_fixture

MONTH = ["--from", "2026-10-01", "--to", "2026-10-31"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("metrics") / "m.db"
    engine = open_store(str(path))
    load_fixture(engine)
    engine.dispose()
    return str(path)


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["metrics", "--db", db, *args])


def test_json_is_the_report(db: str) -> None:
    r = run(db, *MONTH, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    shop = data["shop"]
    assert (shop["paid_orders"], shop["gmv"], shop["avg_order_value"]) == (8, "990.00", "165.00")
    assert shop["refund_rate"]["rate"] == 0.625 and shop["dispute_rate"]["rate"] == 0.25
    assert shop["self_completion_rate"]["rate"] == 0.75 and shop["completion_days"] == 3.375
    assert [a["agent"] for a in data["agents"]] == ["店:小美", "店:小雪"]
    assert data["team"]["inquiries"] == {"count": 3, "of": 4, "rate": 0.75}
    assert len(data["daily"]) == 31


def test_table_in_chinese(db: str) -> None:
    r = run(db, *MONTH)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "统计区间 2026-10-01 00:00 至 2026-11-01 00:00" in out
    assert "支付订单 8 笔 · 支付金额 ¥990.00 · 支付买家 6 人 · 客单价 ¥165.00" in out
    lines = out.splitlines()

    def row(label: str) -> list[str]:
        return next(line.split() for line in lines if line.startswith(label))

    assert row("退款率")[1] == "62.50%"
    assert row("退款纠纷率")[1] == "25.00%"
    assert row("退款自主完结率")[1] == "75.00%"
    assert row("退款完结时长")[1:3] == ["3.38", "天"]
    assert "售后服务综合指标（自评分，不是天猫的排名）：20.1 分" in out
    assert "= (0.0×1 + 0.0×1 + 60.4×1) / 3 = 20.1" in out
    assert "百分位排名" in out
    mei = row("店:小美")
    # replies, findings, /100, first responses, mean, median, ≤10 s, avg, inquiries, converted, rate
    assert mei[1:] == [
        "6",
        "2",
        "33.3",
        "4",
        "901.8s",
        "9.5s",
        "75%",
        "608.7s",
        "3",
        "2",
        "66.7%",
    ]
    assert row("全部客服")[1:3] == ["10", "4"]
    assert "店:小美: 发票问题 16.7、站外付款 16.7" in out
    assert "首条消息无人回复的会话 1 个" in out
    assert "2026-10-20" not in out  # the daily table only with --daily


def test_english_daily_and_agent(db: str) -> None:
    r = run(db, *MONTH, "--lang", "en", "--daily", "--agent", "小雪")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "refund rate" in out and "percentile rank" in out
    assert "店:小雪" in out and "店:小美" not in out
    day = next(line.split() for line in out.splitlines() if line.startswith("2026-10-20"))
    assert day[1:4] == ["2", "¥150.00", "¥75.00"]
    nobody = run(db, *MONTH, "--agent", "小王")
    assert nobody.exit_code == 0 and "没有客服" in nobody.stderr


def test_rolling_window_options(db: str) -> None:
    r = run(db, "--days", "28", "--at", "2026-10-31 00:00", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["window"]["start"] == "2026-10-03T00:00:00+08:00"
    assert data["shop"]["paid_orders"] == 5
    # Without --days: the pack's 28 days.
    default = json.loads(run(db, "--at", "2026-10-31 00:00", "--format", "json").stdout)
    assert default["window"] == data["window"]
    # --from alone: --days days from it (here 7: 10-01 … 10-07).
    week = json.loads(run(db, "--from", "2026-10-01", "--days", "7", "--format", "json").stdout)
    assert week["window"]["end"] == "2026-10-08T00:00:00+08:00"
    assert week["shop"]["paid_orders"] == 4  # O1 O2 O12 O3


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2026-10-05", "--to", "2026-10-01"],
        ["--from", "10月1日", "--to", "2026-10-31"],
        ["--days", "0"],
        ["--at", "2026-10-31", *MONTH],
        ["--days", "7", *MONTH],
        ["--at", "yesterday"],
    ],
)
def test_bad_windows_exit_2(db: str, args: list[str]) -> None:
    r = run(db, *args)
    assert r.exit_code == 2, r.output


def test_shop_pack_changes_settings(db: str, tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(
        "pack: shop\nsettings:\n  metrics_first_response_target_seconds: 30\n", encoding="utf-8"
    )
    r = run(db, *MONTH, "--rules", str(tmp_path), "--format", "json")
    assert r.exit_code == 0, r.output
    xue = json.loads(r.stdout)["agents"][1]
    assert xue["first_response"]["within_target"] == {"count": 2, "of": 3, "rate": 2 / 3}
    (tmp_path / "shop.yaml").write_text(
        "pack: shop\nsettings:\n  metrics_weight_completion_days: -1\n", encoding="utf-8"
    )
    bad = run(db, *MONTH, "--rules", str(tmp_path))
    assert bad.exit_code == 2 and "metrics_weight_completion_days" in bad.stderr
