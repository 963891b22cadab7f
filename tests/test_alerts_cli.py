"""``redline alerts`` / ``redline digest`` on a small shop, pushing to fake DingTalk and
WeCom robots on 127.0.0.1 that check the JSON shape and DingTalk's signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from redline.cli import main

AT = ["--at", "2026-10-31 20:00"]
SECRET = "SECtest0123456789+/="

ORDERS = (
    "订单编号,买家会员名,买家实际支付金额,订单状态,运送方式,订单付款时间 ,收货地址 ,联系手机,订单备注,宝贝标题 \r\n"
    '="3100",tb_anna,199.00,买家已付款，等待卖家发货,快递,2026-10-30 10:00:00,'
    "浙江省 杭州市 西湖区 不详,'12345,,四件套\r\n"
    '="3101",tb_bob,100.00,买家已付款，等待卖家发货,快递,2026-10-27 10:00:00,'
    "浙江省 杭州市 西湖区 文三路12号,'13800138000,,毛巾\r\n"
    '="320",tb_bot1,1700.00,买家已付款，等待卖家发货,快递,2026-10-22 03:00:00,'
    "浙江省 杭州市 西湖区 文三路13号,'13800138001,,羽绒被\r\n"
    '="321",tb_bot2,1700.00,买家已付款，等待卖家发货,快递,2026-10-22 04:00:00,'
    "浙江省 杭州市 西湖区 文三路14号,'13800138002,,羽绒被\r\n"
)
REFUNDS = (
    "订单编号,退款编号,买家会员名称,买家实际支付金额,买家退款金额,是否需要退货,退款的申请时间,"
    "退款状态,买家退款原因\r\n"
    "320,R1,tb_bot1,1700.00,1700.00,否,2026-10-22 09:00:00,买家已经申请退款，等待卖家同意,缺货\r\n"
)


def _conv(cid: str, buyer: str, said: str, when: str, order: str | None = None) -> str:
    data: dict[str, Any] = {
        "id": cid,
        "messages": [
            {"role": "buyer", "account": buyer, "text": said, "time": f"{when}:00+08:00"},
            {
                "role": "agent",
                "account": "云朵家居旗舰店:小美",
                "text": "亲，有问题我们走平台售后处理哦",
                "time": f"{when}:30+08:00",
            },
        ],
    }
    if order:
        data["order"] = {"id": order, "buyer": buyer}
    return json.dumps(data, ensure_ascii=False)


CHATS = "\n".join(
    [
        _conv("c-before", "tb_x", "在吗", "2026-10-20T18:00"),
        _conv("c-after", "tb_y", "在吗", "2026-10-24T09:00"),
        _conv(
            "c-evil", "tb_evilbuyer", "东西有问题，给我200块钱，不然给你差评，电话13912345678",
            "2026-10-30T10:00", "3101",
        ),
    ]
)  # fmt: skip


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args))


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    db = str(folder / "shop.db")
    (folder / "orders.csv").write_bytes(ORDERS.encode("gbk"))
    (folder / "refunds.csv").write_bytes(REFUNDS.encode("gbk"))
    (folder / "chats.jsonl").write_text(CHATS + "\n", encoding="utf-8")
    runner = CliRunner()
    for args in (
        ["import", "orders", str(folder / "orders.csv")],
        ["import", "refunds", str(folder / "refunds.csv"), *AT],
        ["import", "chats", str(folder / "chats.jsonl")],
        ["qa", *AT],
    ):
        r = run(runner, *args, "--db", db)
        assert r.exit_code == 0, r.output
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def runner(home: Path) -> CliRunner:
    # A clean environment: no robot, outbox or database from the developer's shell.
    return CliRunner(
        env={
            "REDLINE_HOME": str(home),
            "REDLINE_WEBHOOK": None,
            "REDLINE_WEBHOOK_SECRET": None,
            "REDLINE_ROBOTS": None,
            "REDLINE_OUTBOX": None,
            "REDLINE_DATABASE_URL": None,
        }
    )


@pytest.fixture
def db(shop_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the shop's store for each test (pushes and filings change it)."""
    for f in shop_template.glob("shop.db*"):
        shutil.copy(f, tmp_path / f.name)
    return str(tmp_path / "shop.db")


# --- the fake robots -------------------------------------------------------------------------


@dataclass
class FakeRobot:
    """A DingTalk or WeCom robot on loopback that checks what it is sent.

    ``fail`` 500s are answered first (``fail=-1``: every request fails); a request
    whose JSON shape or signature is wrong gets the robot's errcode and is recorded
    in ``rejected``.
    """

    kind: str  # dingtalk | wecom
    secret: str | None = None
    fail: int = 0
    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        if self.kind == "dingtalk":
            return f"dingtalk+http://127.0.0.1:{self.port}/robot/send?access_token=tok"
        return f"wecom+http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key=k"

    def check(self, path: str, body: dict[str, Any]) -> str | None:
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if self.kind == "dingtalk":
            if parts.path != "/robot/send" or query.get("access_token") != "tok":
                return "wrong path"
            if self.secret:
                stamp = query.get("timestamp", "")
                if not (stamp.isdigit() and abs(int(stamp) / 1000 - time.time()) < 3600):
                    return "bad timestamp"
                mac = hmac.new(
                    self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256
                )
                if query.get("sign") != base64.b64encode(mac.digest()).decode():
                    return "sign not match"
            md = body.get("markdown", {})
            ok = (
                set(body) == {"msgtype", "markdown", "at"}
                and body["msgtype"] == "markdown"
                and set(md) == {"title", "text"}
                and all(isinstance(md[k], str) and md[k] for k in md)
                and isinstance(body["at"].get("atMobiles"), list)
                and body["at"].get("isAtAll") is False
            )
            return None if ok else "bad shape"
        if parts.path != "/cgi-bin/webhook/send" or query != {"key": "k"}:
            return "wrong path"
        content = body.get("markdown", {}).get("content")
        ok = (
            set(body) == {"msgtype", "markdown"}
            and body["msgtype"] == "markdown"
            and isinstance(content, str)
            and 0 < len(content.encode("utf-8")) <= 4096
        )
        return None if ok else "bad shape"

    def texts(self) -> list[str]:
        if self.kind == "dingtalk":
            return [b["markdown"]["text"] for b in self.received]
        return [b["markdown"]["content"] for b in self.received]


def _handler(robot: FakeRobot) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with robot.lock:
                robot.attempts += 1
                failing = robot.fail != 0
                if robot.fail > 0:
                    robot.fail -= 1
            if failing:
                self._answer(500, {"errcode": -1, "errmsg": "busy"})
                return
            body = json.loads(raw.decode("utf-8"))
            problem = self.headers.get("Content-Type") != "application/json" and "content type"
            problem = problem or robot.check(self.path, body)
            with robot.lock:
                if problem:
                    robot.rejected.append(problem)
                else:
                    robot.received.append(body)
            errcode = 0 if not problem else (310000 if robot.kind == "dingtalk" else 40058)
            self._answer(200, {"errcode": errcode, "errmsg": problem or "ok"})

        def _answer(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(robot: FakeRobot) -> FakeRobot:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(robot))
        robot.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return robot

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def push(runner: CliRunner, db: str, *args: str) -> Result:
    return run(runner, "alerts", "push", "--db", db, *AT, "--backoff", "0", *args)


# --- listing and filing ------------------------------------------------------------------------


def test_alerts_table_json_and_english(runner: CliRunner, db: str) -> None:
    r = run(runner, "alerts", "--db", db, *AT)
    assert r.exit_code == 0, r.output
    out = r.stdout
    for words in ("紧急", "可疑订单", "疑似套保证金", "买家敲诈", "发货时效", "处理建议："):
        assert words in out, words
    assert "共 " in out and "按 10-31 20:00 计" in out
    assert "规蜜" in out and "切勿私下给钱" in out and "每天保持在线" in out

    data = json.loads(run(runner, "alerts", "--db", db, *AT, "--format", "json").stdout)
    kinds = {(a["kind"], a["order_no"] or a["conversation"]) for a in data["alerts"]}
    assert {("suspicious_order", "3100"), ("ship_by", "3101"), ("extortion", "3101")} <= kinds
    (drain,) = [a for a in data["alerts"] if a["kind"] == "deposit_drain"]
    assert drain["orders"] == ["320", "321"] and drain["severity"] == "critical"
    assert drain["exposure"] == "1000.00"
    severities = [a["severity"] for a in data["alerts"]]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index)

    en = run(runner, "alerts", "--db", db, *AT, "--lang", "en", "--kind", "extortion")
    assert en.exit_code == 0
    assert "buyer extortion" in en.stdout and "never pay" in en.stdout
    assert "可疑订单" not in en.stdout

    earlier = json.loads(
        run(runner, "alerts", "--db", db, "--at", "2026-10-21 00:00", "--format", "json").stdout
    )
    assert earlier["alerts"] == []  # nothing had happened yet


def test_file_once_then_refused(runner: CliRunner, db: str) -> None:
    r = run(
        runner,
        "alerts",
        "file",
        "3100",
        "--reason",
        "三次电话未接通",
        "--by",
        "小美",
        "--db",
        db,
        *AT,
    )
    assert r.exit_code == 0, r.output
    assert "可不发货" in r.stdout and "备案即失效" in r.stdout
    again = run(
        runner,
        "alerts",
        "file",
        "3100",
        "--as",
        "address_ok",
        "--reason",
        "改好了",
        "--db",
        db,
        *AT,
    )
    assert again.exit_code == 2
    assert "只有一次备案机会" in again.stderr and "确认后不能修改" in again.stderr
    listed = run(runner, "alerts", "filings", "--db", db)
    assert "3100" in listed.stdout and "联系不上买家" in listed.stdout and "有效" in listed.stdout
    data = json.loads(run(runner, "alerts", "--db", db, *AT, "--format", "json").stdout)
    assert "suspicious_order:3100" not in {a["key"] for a in data["alerts"]}
    missing = run(runner, "alerts", "file", "999", "--reason", "x", "--db", db, *AT)
    assert missing.exit_code == 2 and "没有订单 999" in missing.stderr


# --- pushing -----------------------------------------------------------------------------------


def test_push_to_signed_dingtalk_once(runner: CliRunner, db: str, serve: Any) -> None:
    robot = serve(FakeRobot("dingtalk", secret=SECRET))
    r = push(runner, db, "--webhook", robot.url, "--secret", SECRET)
    assert r.exit_code == 0, r.output
    assert robot.rejected == [] and robot.received
    assert "成功" in r.stdout and "失败 0" in r.stdout
    text = "\n".join(robot.texts())
    assert "redline 风险告警" in text and "疑似套保证金" in text and "买家敲诈" in text
    assert "13912345678" not in text and "12345" not in text  # no phone reaches the group
    assert "tb_evilbuyer" not in text and "t***r" in text and "tb_anna" not in text
    assert "不详" in text  # what is wrong is said; the address itself is not
    sent = len(robot.received)

    again = push(runner, db, "--webhook", robot.url, "--secret", SECRET)
    assert again.exit_code == 0 and "新告警 0 条" in again.stdout
    assert len(robot.received) == sent  # each alert once

    digest = push(runner, db, "--webhook", robot.url, "--secret", SECRET, "--digest")
    assert digest.exit_code == 0
    assert len(robot.received) == sent + 1
    last = robot.received[-1]["markdown"]
    assert last["title"] == "redline 日报 10-31" and "扣分台账" in last["text"]


def test_wrong_secret_is_not_retried_and_stays_in_the_outbox(
    runner: CliRunner, db: str, serve: Any, home: Path
) -> None:
    robot = serve(FakeRobot("dingtalk", secret=SECRET))
    r = push(runner, db, "--webhook", robot.url, "--secret", "SECwrong")
    assert r.exit_code == 1
    assert robot.received == [] and set(robot.rejected) == {"sign not match"}
    assert "未送达" in r.stderr and str(home / "outbox.jsonl") in r.stderr


def test_push_to_wecom(runner: CliRunner, db: str, serve: Any) -> None:
    robot = serve(FakeRobot("wecom"))
    r = push(runner, db, "--webhook", robot.url, "--digest")
    assert r.exit_code == 0, r.output
    assert robot.rejected == []
    texts = robot.texts()
    assert texts[0].startswith("## redline 风险告警")
    assert texts[-1].startswith("## redline 日报 10-31")


def test_failures_are_retried_and_logged(
    runner: CliRunner, db: str, serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    robot = serve(FakeRobot("dingtalk", fail=2))
    with caplog.at_level(logging.WARNING, logger="redline.notify.robots"):
        r = push(runner, db, "--webhook", robot.url)
    assert r.exit_code == 0, r.output
    assert robot.attempts == len(robot.received) + 2
    assert [rec.levelno for rec in caplog.records].count(logging.WARNING) == 2
    assert "推送失败" in caplog.text and "tok" not in caplog.text  # no token in the logs


def test_undelivered_messages_wait_in_the_outbox_for_the_next_push(
    runner: CliRunner, db: str, serve: Any, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    robot = serve(FakeRobot("dingtalk", fail=-1))
    with caplog.at_level(logging.WARNING, logger="redline.notify.robots"):
        down = push(runner, db, "--webhook", robot.url, "--retries", "1", "--digest")
    assert down.exit_code == 1
    assert "推送最终失败" in caplog.text
    outbox = json.loads(run(runner, "alerts", "outbox", "--format", "json").stdout)
    assert outbox and all(m["attempts"] == 2 for m in outbox)
    assert all("HTTP" in m["last_error"] for m in outbox)
    assert {m["kind"] for m in outbox} == {"alert", "digest"}
    listed = run(runner, "alerts", "outbox")
    assert "尝试次数" in listed.stdout

    robot.fail = 0  # the robot is back
    up = push(runner, db, "--webhook", robot.url)
    assert up.exit_code == 0, up.output
    assert "新告警 0 条" in up.stdout  # nothing new: only what was waiting goes out
    assert len(robot.received) == len(outbox)
    assert [b["markdown"]["title"] for b in robot.received] == [m["title"] for m in outbox]
    assert run(runner, "alerts", "outbox").stdout.startswith("发件箱")
    assert (home / "outbox.jsonl").read_text(encoding="utf-8") == ""


def test_robots_from_a_config_file(runner: CliRunner, db: str, serve: Any, home: Path) -> None:
    ops = serve(FakeRobot("dingtalk", secret=SECRET))
    boss = serve(FakeRobot("wecom"))
    home.mkdir(parents=True, exist_ok=True)
    (home / "robots.yaml").write_text(
        "robots:\n"
        f"  - name: 运营群\n    webhook: {ops.url}\n    secret: {SECRET}\n"
        "    send: [alert]\n    at_mobiles: ['13800138000']\n"
        f"  - name: 老板\n    webhook: {boss.url}\n    send: digest\n",
        encoding="utf-8",
    )
    r = push(runner, db, "--digest")
    assert r.exit_code == 0, r.output
    assert ops.rejected == [] and boss.rejected == []
    assert all("风险告警" in b["markdown"]["title"] for b in ops.received)
    assert ops.received[0]["at"]["atMobiles"] == ["13800138000"]  # critical alerts @ someone
    assert [t.split("\n")[0] for t in boss.texts()] == ["## redline 日报 10-31"]


def test_webhook_from_the_environment(db: str, serve: Any, home: Path) -> None:
    robot = serve(FakeRobot("wecom"))
    runner = CliRunner(env={"REDLINE_HOME": str(home), "REDLINE_WEBHOOK": robot.url})
    r = push(runner, db)
    assert r.exit_code == 0, r.output
    assert robot.received


def test_push_needs_a_robot_and_dry_run_sends_nothing(
    runner: CliRunner, db: str, serve: Any
) -> None:
    none = push(runner, db)
    assert none.exit_code == 2 and "没有配置推送机器人" in none.stderr
    bad = push(runner, db, "--webhook", "https://example.com/hook")
    assert bad.exit_code == 2 and "无法识别" in bad.stderr
    robot = serve(FakeRobot("dingtalk"))
    dry = push(runner, db, "--webhook", robot.url, "--dry-run", "--digest")
    assert dry.exit_code == 0
    assert "redline 风险告警" in dry.stdout and "redline 日报" in dry.stdout
    assert "演练" in dry.stdout and robot.attempts == 0


# --- the digest --------------------------------------------------------------------------------


def test_digest_command(runner: CliRunner, db: str) -> None:
    r = run(runner, "digest", "--db", db, *AT)
    assert r.exit_code == 0, r.output
    assert "扣分台账" in r.stdout and "风险告警：共" in r.stdout
    assert "昨日质检（10-30）：买家敲诈勒索 1" in r.stdout
    data = json.loads(run(runner, "digest", "--db", db, *AT, "--format", "json").stdout)
    assert data["alerts"]["by_kind"]["deposit_drain"] == 1
    assert data["findings"]["by_category"] == {"extortion": 1}
    assert data["compensation_at_stake"]["late_orders"] != "0.00"
    md = run(runner, "digest", "--db", db, *AT, "--format", "markdown", "--lang", "en")
    assert md.stdout.startswith("### redline daily digest 10-31")
