"""The command line on exact output (click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from redline.cli import main
from support import CATEGORIES

DEV = Path(__file__).parent / "data" / "dev.jsonl"


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def conv_line(text: str, **extra: object) -> str:
    return json.dumps({"messages": [{"role": "agent", "text": text}], **extra}, ensure_ascii=False)


def test_check_text_jsonl_exact(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--text", "亲，特价商品不开发票哦", "--format", "jsonl"])
    assert result.exit_code == 1
    finding = json.loads(result.output)
    assert finding == {
        "conversation": "text",
        "message": 0,
        "category": "invoice",
        "rule": "invoice.special_price",
        "severity": "violation",
        "points": 6,
        "start": 2,
        "end": 10,
        "evidence": "特价商品不开发票",
        "explanation": finding["explanation"],
        "suggestion": finding["suggestion"],
    }
    assert finding["explanation"].startswith("特价、活动、秒杀商品同样必须开具发票")
    assert finding["suggestion"].startswith("亲，可以开发票的哦")


def test_check_text_clean_exits_zero(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--text", "亲，可以开发票的，个人或公司抬头都行哦"])
    assert result.exit_code == 0
    assert (
        result.output
        == "共检查 1 个会话、1 条消息，发现 0 处问题（违规 0 处，合计 0 分；提醒 0 处；风险 0 处）。\n"
    )


def test_check_table_exact(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--text", "加我vx转账便宜点"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split() == ["会话", "消息", "类别", "级别", "扣分", "规则", "证据"]
    assert lines[2].split() == [
        "text",
        "0",
        "站外付款",
        "违规",
        "12",
        "payment.off_platform",
        "加我vx转",
        "[0:5]",
    ]
    assert lines[3].startswith("    原因: 交易必须在平台内通过支付宝完成")
    assert lines[4].startswith("    建议回复: 亲，为了保障您的资金安全")
    assert (
        lines[-1]
        == "共检查 1 个会话、1 条消息，发现 1 处问题（违规 1 处，合计 12 分；提醒 0 处；风险 0 处）。"
    )


def test_exit_zero(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["check", "--text", "特价商品不开发票", "--exit-zero", "--format", "jsonl"]
    )
    assert result.exit_code == 0
    assert json.loads(result.output)["category"] == "invoice"


def test_english(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["check", "--text", "特价商品不开发票", "--lang", "en", "--format", "jsonl"]
    )
    f = json.loads(result.output)
    assert f["explanation"].startswith("Sale, promotion and flash-sale items must be invoiced")
    assert f["suggestion"].startswith("Yes, we can issue an invoice")


def test_bad_lines_reported_and_others_checked(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    lines = [
        conv_line("特價商品不開發票"),
        "{not json",
        json.dumps({"messages": [{"role": "robot", "text": "x"}]}),
        json.dumps({"id": "no-messages"}),
        conv_line("亲，加我微信转账"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["check", str(path), "--format", "jsonl"])
    assert result.exit_code == 2
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(f["conversation"], f["category"]) for f in out] == [("1", "invoice"), ("5", "payment")]
    assert result.stderr.splitlines() == [
        "redline: 第 2 行错误: JSON 格式错误: Expecting property name enclosed in double quotes（第 2 列）(malformed JSON)",
        "redline: 第 3 行错误: messages[0]: 未知角色 role='robot'，应为 buyer、agent 或 system",
        "redline: 第 4 行错误: 缺少必填字段 “messages” (missing required field messages)",
    ]


def test_gbk_file_is_read_with_warning(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes((conv_line("特价商品不开发票") + "\n").encode("gbk"))
    result = runner.invoke(main, ["check", str(path), "--format", "jsonl"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["rule"] == "invoice.special_price"
    assert "不是 UTF-8 编码，已按 GB18030/GBK 读取" in result.stderr


def test_undecodable_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b'{"messages": [{"role": "agent", "text": "\xff\xff\xff"}]}\n'
        + (conv_line("好的亲") + "\n").encode()
    )
    result = runner.invoke(main, ["check", str(path), "--format", "jsonl"])
    assert result.exit_code == 2
    assert "第 1 行错误: 不是 UTF-8 编码" in result.stderr


def test_stdin_and_control_characters(runner: CliRunner) -> None:
    raw = '{"messages": [{"role": "agent", "text": "特价\x01商品\x7f不开\x00发票"}]}\n'
    result = runner.invoke(main, ["check", "-", "--format", "json"], input=raw)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["summary"]["violations"] == 1
    f = doc["findings"][0]
    assert f["evidence"] == "特价\x01商品\x7f不开\x00发票"


def test_huge_message(runner: CliRunner) -> None:
    text = "亲，好的。" * 200_000 + "加我微信转账"
    result = runner.invoke(main, ["check", "-", "--format", "jsonl"], input=conv_line(text) + "\n")
    assert result.exit_code == 1
    f = json.loads(result.stdout)
    assert f["category"] == "payment" and f["start"] == len(text) - 6


def test_shop_profile_applies_to_conversations_without_shop(
    runner: CliRunner, tmp_path: Path
) -> None:
    shop = tmp_path / "shop.yaml"
    shop.write_text("platform: tmall\ncod: true\n", encoding="utf-8")
    chats = tmp_path / "c.jsonl"
    chats.write_text(
        conv_line("亲，本店不支持货到付款哦")
        + "\n"
        + conv_line("亲，本店不支持货到付款哦", shop={"cod": False})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["check", str(chats), "--shop", str(shop), "--format", "jsonl"])
    assert [json.loads(x)["conversation"] for x in result.stdout.splitlines()] == ["1"]
    without = runner.invoke(main, ["check", str(chats), "--format", "jsonl"])
    assert without.exit_code == 0 and without.stdout == ""


def test_missing_file_and_no_input(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "/nonexistent.jsonl"])
    assert result.exit_code == 2
    assert "文件不存在" in result.stderr
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 2


def test_broken_rule_pack_is_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(
        "pack: shop\nrules:\n  - id: invoice.x\n    category: invoice\n    keywords: [发票]\n"
        "    patterns: ['(unclosed']\n    explanation: x\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["check", "--text", "hi", "--rules", str(tmp_path)])
    assert result.exit_code == 2
    assert "shop.yaml:6:" in result.stderr
    assert "正则无法编译" in result.stderr


def test_eval_dev_set(runner: CliRunner) -> None:
    result = runner.invoke(main, ["eval", str(DEV), "--format", "json", "--min-f1", "0.95"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["conversations"] == 90
    assert doc["overall"]["f1"] >= 0.95
    assert set(doc["categories"]) == set(CATEGORIES)


def test_eval_table(runner: CliRunner) -> None:
    result = runner.invoke(main, ["eval", str(DEV)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["category", "tp", "fp", "fn", "precision", "recall", "f1"]
    assert any(line.startswith("overall") for line in lines)


def test_rules_listing(runner: CliRunner) -> None:
    result = runner.invoke(main, ["rules", "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    ids = {r["id"] for r in doc["rules"]}
    assert "invoice.special_price" in ids and "payment.off_platform" in ids
    table = runner.invoke(main, ["rules", "--category", "cod"])
    body = table.stdout.splitlines()[2:]
    assert any(line.startswith("cod.refused") for line in body)
    assert not any(line.startswith("invoice.") for line in body)


def test_demo(runner: CliRunner) -> None:
    result = runner.invoke(main, ["demo", "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["summary"]["conversations"] == 17
    rules = {f["rule"] for f in doc["findings"]}
    assert {"invoice.special_price", "payment.off_platform", "privacy.disclosed"} <= rules
    assert not any(
        f["conversation"] in ("demo-002", "demo-005", "demo-010", "demo-013")
        for f in doc["findings"]
    )


def test_progress_is_a_bar_on_a_terminal_lines_on_request_and_quiet_when_piped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from redline.cli.options import progress_printer

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    quiet = progress_printer(None)
    quiet(10)
    assert not quiet and capsys.readouterr().err == ""
    lines = progress_printer(True, "个会话", "conversations")
    lines(2000)
    assert "已处理 2000 个会话" in capsys.readouterr().err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = progress_printer(None)
    assert bar.mode == "bar"
    bar(2000)
    bar(4000)
    bar.close()  # the bar is transient: nothing is left behind
    assert progress_printer(False).mode == "off"
