"""Robot notifications against a fake DingTalk/WeCom server on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from redline.notify.robots import (
    TRUNCATION_MARKER,
    WECOM_MARKDOWN_LIMIT,
    DingTalk,
    Message,
    Outbox,
    WeCom,
    channel_from_url,
    mask_phone,
    md_escape,
    send,
)

# (status, JSON value or raw bytes[, extra headers])
Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
OK: Answer = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))


@dataclass
class FakeRobot:
    """Records every POST and answers the scripted responses in order, then OK."""

    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    script: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/robot/send?access_token=tok") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def next_answer(self) -> Answer:
        with self.lock:
            return self.script.pop(0) if self.script else OK


def _handler(robot: FakeRobot) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with robot.lock:
                robot.requests.append(Recorded(self.path, dict(self.headers.items()), body))
            status, answer, *extra = robot.next_answer()
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (extra[0] if extra else {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def robot() -> Iterator[FakeRobot]:
    state = FakeRobot()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


ALERT = Message("高压线告警", "**小美** 承诺了货到付款", at_mobiles=("13800138000",))


# --------------------------------------------------------------------------- DingTalk


def test_dingtalk_payload_and_headers(robot: FakeRobot, sleeps: list[float]) -> None:
    channel = DingTalk(robot.url())
    delivery = send(channel, ALERT, sleep=sleeps.append)
    assert delivery.ok and delivery.attempts == 1 and delivery.status == 200
    assert delivery.errcode == 0 and delivery.error is None
    (req,) = robot.requests
    assert req.path == "/robot/send?access_token=tok"  # no secret: URL untouched
    assert req.headers["Content-Type"] == "application/json"
    assert req.json == {
        "msgtype": "markdown",
        "markdown": {"title": "高压线告警", "text": "**小美** 承诺了货到付款\n\n@13800138000"},
        "at": {"atMobiles": ["13800138000"], "isAtAll": False},
    }
    assert "货到付款".encode() in req.body  # UTF-8, not \u escapes
    assert sleeps == []


def test_dingtalk_signed_url(robot: FakeRobot) -> None:
    secret = "SEC0123456789abcdef+/="
    assert send(DingTalk(robot.url(), secret), ALERT).ok
    (req,) = robot.requests
    query = req.query
    assert query["access_token"] == "tok"
    timestamp = query["timestamp"]
    assert timestamp.isdigit() and len(timestamp) == 13  # milliseconds
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert query["sign"] == base64.b64encode(digest).decode()  # parse_qsl undid urlencode
    raw_sign = req.path.split("sign=", 1)[1]
    assert raw_sign == urllib.parse.quote_plus(base64.b64encode(digest).decode())


def test_dingtalk_sign_with_fixed_clock() -> None:
    channel = DingTalk(
        "https://oapi.dingtalk.com/robot/send", "s3cret", clock=lambda: 1700000000.123
    )
    url = channel.request_url()
    assert url.startswith("https://oapi.dingtalk.com/robot/send?timestamp=1700000000123&sign=")
    assert "s3cret" not in url and "s3cret" not in repr(channel)


def test_digest_masks_phone_numbers() -> None:
    digest = Message("日报 13800138000", "买家 13912345678 投诉", kind="digest")
    dt = DingTalk("https://oapi.dingtalk.com/robot/send").payload(digest)
    assert dt["markdown"] == {"title": "日报 138****8000", "text": "买家 139****5678 投诉"}
    wc = WeCom("https://qyapi.weixin.qq.com/cgi-bin/webhook/send").payload(digest)
    assert "13912345678" not in wc["markdown"]["content"]


def test_message_kind_is_checked() -> None:
    with pytest.raises(ValueError, match="未知的消息类型"):
        Message("t", "x", kind="spam")


# --------------------------------------------------------------------------- WeCom


def test_wecom_payload(robot: FakeRobot) -> None:
    message = Message("日报", "今日告警 **3** 条", at_mobiles=("13800138000",), kind="digest")
    delivery = send(WeCom(robot.url("/cgi-bin/webhook/send?key=k")), message)
    assert delivery.ok
    (req,) = robot.requests
    assert req.query == {"key": "k"}
    assert req.headers["Content-Type"] == "application/json"
    assert req.json == {
        "msgtype": "markdown",
        "markdown": {"content": "## 日报\n\n今日告警 **3** 条"},
    }


@pytest.mark.parametrize("filler", ["中", "a中", "😀b", "ab"])
def test_wecom_truncates_to_4096_bytes(filler: str) -> None:
    message = Message("日报", filler * 3000)
    content = WeCom("https://qyapi.weixin.qq.com/cgi-bin/webhook/send").payload(message)[
        "markdown"
    ]["content"]
    data = content.encode("utf-8")
    assert len(data) <= WECOM_MARKDOWN_LIMIT
    assert len(data) > WECOM_MARKDOWN_LIMIT - 4  # no more than one character lost at the cut
    assert content.endswith(TRUNCATION_MARKER)
    assert content.startswith("## 日报\n\n" + filler)
    body = content.removesuffix("\n" + TRUNCATION_MARKER).removeprefix("## 日报\n\n")
    assert (filler * 3000).startswith(body)


def test_wecom_short_content_is_untouched() -> None:
    message = Message("日报", "中" * 1000)  # 3000 bytes + header
    content = WeCom("https://qyapi.weixin.qq.com/cgi-bin/webhook/send").payload(message)[
        "markdown"
    ]["content"]
    assert TRUNCATION_MARKER not in content


# --------------------------------------------------------------------------- retries


def test_retry_on_500_then_success(robot: FakeRobot, sleeps: list[float]) -> None:
    robot.script = [(500, b"oops")]
    delivery = send(DingTalk(robot.url()), ALERT, backoff=0.5, sleep=sleeps.append)
    assert delivery.ok and delivery.attempts == 2
    assert sleeps == [0.5]
    assert len(robot.requests) == 2


def test_retry_backs_off_exponentially(robot: FakeRobot, sleeps: list[float]) -> None:
    robot.script = [(502, b""), (503, b""), (429, b"")]
    delivery = send(WeCom(robot.url()), ALERT, retries=3, backoff=1.0, sleep=sleeps.append)
    assert delivery.ok and delivery.attempts == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_429_honours_retry_after(robot: FakeRobot, sleeps: list[float]) -> None:
    robot.script = [(429, b"", {"Retry-After": "7"}), (429, b"", {"Retry-After": "3600"})]
    delivery = send(DingTalk(robot.url()), ALERT, sleep=sleeps.append)
    assert delivery.ok and delivery.attempts == 3
    assert sleeps == [7.0, 60.0]  # capped


def test_retries_exhausted(robot: FakeRobot, sleeps: list[float]) -> None:
    robot.script = [(500, b"")] * 5
    delivery = send(DingTalk(robot.url()), ALERT, retries=2, sleep=sleeps.append)
    assert not delivery.ok and delivery.attempts == 3 and delivery.status == 500
    assert len(robot.requests) == 3


@pytest.mark.parametrize(
    ("make", "errcode"),
    [(DingTalk, 130101), (WeCom, 45009)],
)
def test_retryable_errcode_then_success(
    robot: FakeRobot, sleeps: list[float], make: type[DingTalk] | type[WeCom], errcode: int
) -> None:
    robot.script = [(200, {"errcode": errcode, "errmsg": "rate limited"})]
    delivery = send(make(robot.url()), ALERT, sleep=sleeps.append)
    assert delivery.ok and delivery.attempts == 2 and delivery.errcode == 0
    assert sleeps == [1.0]


def test_non_retryable_errcode_is_returned_not_raised(
    robot: FakeRobot, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    robot.script = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    with caplog.at_level(logging.WARNING, logger="redline.notify.robots"):
        delivery = send(DingTalk(robot.url(), "secret"), ALERT, sleep=sleeps.append)
    assert not delivery.ok
    assert delivery.attempts == 1 and delivery.status == 200 and delivery.errcode == 310000
    assert delivery.error is not None and "310000" in delivery.error
    assert sleeps == [] and len(robot.requests) == 1
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.ERROR]


def test_http_4xx_is_not_retried(robot: FakeRobot, sleeps: list[float]) -> None:
    robot.script = [(404, b"not found")]
    delivery = send(WeCom(robot.url()), ALERT, sleep=sleeps.append)
    assert not delivery.ok and delivery.attempts == 1 and delivery.status == 404


def test_non_json_answer_is_a_failure(robot: FakeRobot) -> None:
    robot.script = [(200, b"<html>proxy</html>")]
    delivery = send(WeCom(robot.url()), ALERT)
    assert not delivery.ok and delivery.errcode is None
    assert delivery.error is not None and "JSON" in delivery.error


def test_connection_refused_fails_after_retries_and_logs(
    closed_port: int, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    channel = DingTalk(f"http://127.0.0.1:{closed_port}/robot/send?access_token=SECRET_TOKEN")
    with caplog.at_level(logging.WARNING, logger="redline.notify.robots"):
        delivery = send(channel, ALERT, retries=2, backoff=0.25, sleep=sleeps.append)
    assert not delivery.ok
    assert delivery.attempts == 3 and delivery.status is None
    assert delivery.error is not None and "网络错误" in delivery.error
    assert sleeps == [0.25, 0.5]
    levels = [r.levelno for r in caplog.records if r.name == "redline.notify.robots"]
    assert levels == [logging.WARNING] * 3 + [logging.ERROR]
    assert "SECRET_TOKEN" not in caplog.text  # tokens never reach the logs


# --------------------------------------------------------------------------- outbox


def test_outbox_keeps_messages_until_delivered(
    tmp_path: Path, closed_port: int, robot: FakeRobot, sleeps: list[float]
) -> None:
    spool = tmp_path / "spool" / "outbox.jsonl"
    outbox = Outbox(spool)
    first = Message("告警一", "内容一")
    second = Message("日报", "内容二", kind="digest", at_mobiles=("13800138000",))
    outbox.put("ops", first)
    outbox.put("ops", second)
    assert [r.message for r in outbox.pending()] == [first, second]
    assert all(r.attempts == 0 and r.last_error is None for r in outbox.pending())

    down = {"ops": DingTalk(f"http://127.0.0.1:{closed_port}/robot/send")}
    deliveries = outbox.flush(down, retries=1, sleep=sleeps.append)
    assert [d.ok for d in deliveries] == [False, False]
    pending = outbox.pending()
    assert [r.message for r in pending] == [first, second]
    assert [r.attempts for r in pending] == [2, 2]
    assert all(r.last_error and "网络错误" in r.last_error for r in pending)

    outbox.flush(down, retries=0, sleep=sleeps.append)
    assert [r.attempts for r in Outbox(spool).pending()] == [3, 3]  # survives a reopen

    up = {"ops": DingTalk(robot.url())}
    deliveries = Outbox(spool).flush(up, sleep=sleeps.append)
    assert [d.ok for d in deliveries] == [True, True]
    assert [r.json["markdown"]["title"] for r in robot.requests] == ["告警一", "日报"]
    assert Outbox(spool).pending() == []
    assert spool.read_text(encoding="utf-8") == ""
    assert sorted(p.name for p in spool.parent.iterdir()) == ["outbox.jsonl"]  # no temp files left


def test_outbox_partial_delivery_and_unknown_channel(tmp_path: Path, robot: FakeRobot) -> None:
    outbox = Outbox(tmp_path / "outbox.jsonl")
    outbox.put("ops", Message("a", "1"))
    outbox.put("nowhere", Message("b", "2"))
    robot.script = []
    deliveries = outbox.flush({"ops": WeCom(robot.url())})
    assert [d.ok for d in deliveries] == [True, False]
    (left,) = outbox.pending()
    assert left.channel == "nowhere" and left.attempts == 0
    assert left.last_error is not None and "nowhere" in left.last_error


def test_outbox_keeps_unreadable_lines(
    tmp_path: Path, robot: FakeRobot, caplog: pytest.LogCaptureFixture
) -> None:
    spool = tmp_path / "outbox.jsonl"
    spool.write_text('{"id": "cut short', encoding="utf-8")  # a crash mid-write
    outbox = Outbox(spool)
    outbox.put("ops", Message("a", "1"))
    with caplog.at_level(logging.ERROR, logger="redline.notify.robots"):
        assert [d.ok for d in outbox.flush({"ops": DingTalk(robot.url())})] == [True]
    assert spool.read_text(encoding="utf-8") == '{"id": "cut short\n'
    assert "无法解析" in caplog.text


def test_outbox_flush_of_empty_or_missing_spool(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "none.jsonl")
    assert outbox.pending() == []
    assert outbox.flush({}) == []


# --------------------------------------------------------------------------- text helpers


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("普通文本", "普通文本"),
        ("**加粗**", r"\*\*加粗\*\*"),
        ("[点我](http://evil.example)", r"\[点我\]\(http://evil.example\)"),
        ("![img](x)", r"\!\[img\]\(x\)"),
        ("# 标题", r"\# 标题"),
        ("> 引用", r"\> 引用"),
        ("a_b`c`|d~e", r"a\_b\`c\`\|d\~e"),
        ("<font color=red>x</font>", r"\<font color=red\>x\</font\>"),
        ("back\\slash", r"back\\slash"),
        ("第一行\n# 第二行", r"第一行 \# 第二行"),
        ("a\r\n\r\nb\tc", "a b c"),
        ("bell\x07nul\x00esc\x1b", "bellnulesc"),
        ("rtl\u202eevil\u200b", "rtlevil"),
        ("👨\u200d👩", "👨\u200d👩"),
    ],
)
def test_md_escape(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13800138000", "138****8000"),
        ("买家电话13912345678，请回电", "买家电话139****5678，请回电"),
        ("138-0013-8000", "138-****-8000"),
        ("138 0013 8000", "138 **** 8000"),
        ("+8613800138000", "+86138****8000"),
        ("１３８００１３８０００", "１３８****８０００"),
        ("a 13800138000 b 15000001111", "a 138****8000 b 150****1111"),
        ("12800138000", "12800138000"),  # 12x is not a mobile prefix
        ("1380013800", "1380013800"),  # 10 digits
        ("订单号 2138001380001234", "订单号 2138001380001234"),  # inside a longer run
        ("", ""),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "kind", "target"),
    [
        (
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            DingTalk,
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
        ),
        (
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            WeCom,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        ),
        ("dingtalk+http://127.0.0.1:8080/x?y=1", DingTalk, "http://127.0.0.1:8080/x?y=1"),
        ("wecom+https://proxy.internal/hook", WeCom, "https://proxy.internal/hook"),
        ("  WeCom+http://127.0.0.1:1/  ", WeCom, "http://127.0.0.1:1/"),
    ],
)
def test_channel_from_url(url: str, kind: type[Any], target: str) -> None:
    channel = channel_from_url(url)
    assert type(channel) is kind
    assert channel.webhook_url == target


def test_channel_from_url_passes_the_secret() -> None:
    channel = channel_from_url("https://oapi.dingtalk.com/robot/send?access_token=a", secret="s")
    assert isinstance(channel, DingTalk) and channel.secret == "s"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/robot/send",
        "https://oapi.dingtalk.com/other",
        "ftp://oapi.dingtalk.com/robot/send",
        "slack+https://hooks.slack.com/x",
        "dingtalk+ftp://127.0.0.1/x",
        "",
    ],
)
def test_channel_from_url_rejects_unknown(url: str) -> None:
    with pytest.raises(ValueError, match=r"无法识别|无效.*invalid"):
        channel_from_url(url)


def test_wecom_rejects_a_secret() -> None:
    with pytest.raises(ValueError, match="企业微信"):
        channel_from_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", secret="s")
