"""Pushing alerts and daily digests to DingTalk and WeCom group robots (群机器人推送).

Three layers, each usable on its own:

* :class:`Message` — what to say: a title, a Markdown body (Chinese), optional
  mobiles to @-mention and a kind (``"alert"`` or ``"digest"``).
* Channels — how one robot wants it: :class:`DingTalk` (自定义机器人, optional
  加签 signing secret) and :class:`WeCom` (企业微信群机器人). Pick one from a
  webhook URL with :func:`channel_from_url`.
* :func:`send` — one delivery with retries. It never raises for a delivery
  failure: it returns a :class:`Delivery` and logs every failed attempt on the
  ``redline.notify.robots`` logger (WARNING per attempt, ERROR for the final failure).

Nothing is lost silently: put messages into an :class:`Outbox` (an append-only
JSONL spool file) and :meth:`Outbox.flush` it whenever the robots may be
reachable; undelivered records stay in the spool with their attempt count and
last error until a later flush delivers them.

Chat text is untrusted and buyer data is private: pass quoted chat text through
:func:`md_escape` before placing it in a Markdown body, and :func:`mask_phone`
before it goes anywhere near a group chat. Digests (``kind="digest"``) are
additionally phone-masked by the channels themselves as a last line of defence.

Example::

    from redline.notify.robots import Message, Outbox, channel_from_url, send

    robot = channel_from_url("https://oapi.dingtalk.com/robot/send?access_token=…",
                             secret="SEC…")
    delivery = send(robot, Message("高压线告警", "**小美** 承诺了货到付款"))
    if not delivery.ok:
        outbox = Outbox("/var/lib/redline/outbox.jsonl")
        outbox.put("ops", Message("高压线告警", "…"))
        outbox.flush({"ops": robot})   # later, e.g. from a timer
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redline.privacy import mask_phone, mask_text

__all__ = [
    "Channel",
    "Delivery",
    "DingTalk",
    "Message",
    "Outbox",
    "PendingRecord",
    "WeCom",
    "channel_from_url",
    "mask_phone",
    "md_escape",
    "send",
]

log = logging.getLogger("redline.notify.robots")

KINDS = ("alert", "digest")

# WeCom rejects markdown content longer than this many UTF-8 bytes.
WECOM_MARKDOWN_LIMIT = 4096
TRUNCATION_MARKER = "…（内容过长已截断）"

# Longest wait honoured from a ``Retry-After`` header, in seconds.
MAX_RETRY_AFTER = 60.0


# --------------------------------------------------------------------------- text helpers

# Markdown characters that can start emphasis, links, images, code, headings,
# quotes, tables, strike-through or HTML. Escaped with a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_\[\](){}#<>|~!])")
# Invisible characters that can reorder or hide text (bidi overrides, zero-width
# space, BOM). ZWJ (U+200D) is kept: emoji sequences need it.
_INVISIBLE = frozenset(
    "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def md_escape(text: str) -> str:
    """Neutralise untrusted text (e.g. a buyer's chat line) for a Markdown body.

    Markdown control characters are backslash-escaped so the text cannot add
    links, images, headings, emphasis or HTML to the message. Line breaks and
    tabs become single spaces (the text stays one inline run and cannot start a
    new block such as ``# heading`` or ``> quote``); other control characters
    and invisible bidi/zero-width characters are removed.
    """
    out: list[str] = []
    for ch in text:
        if ch in "\r\n\t\v\f\x85\u2028\u2029":
            if not out or out[-1] != " ":
                out.append(" ")
        elif ch in _INVISIBLE or unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    return _MD_SPECIAL.sub(r"\\\1", "".join(out))


def _truncate_utf8(text: str, limit: int, marker: str = TRUNCATION_MARKER) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes on a character boundary, marked."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    tail = "\n" + marker
    room = limit - len(tail.encode("utf-8"))
    # Cutting bytes may split the last character; "ignore" drops only that partial one.
    head = data[: max(room, 0)].decode("utf-8", errors="ignore")
    return head + tail


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Message:
    """One notification: a title and a Markdown body (Chinese)."""

    title: str
    text: str
    at_mobiles: tuple[str, ...] = ()
    kind: str = "alert"  # "alert" | "digest"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"未知的消息类型 / unknown message kind: {self.kind!r} (alert | digest)"
            )
        if isinstance(self.at_mobiles, str):  # a lone string would be split into digits
            raise TypeError("at_mobiles 应为手机号元组 / at_mobiles must be a tuple of strings")

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "text": self.text,
            "at_mobiles": list(self.at_mobiles),
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            title=str(data["title"]),
            text=str(data["text"]),
            at_mobiles=tuple(str(m) for m in data.get("at_mobiles", ())),
            kind=str(data.get("kind", "alert")),
        )


def _private(message: Message) -> tuple[str, str]:
    """Title and text, with phones, addresses and recipients masked for digests."""
    if message.kind == "digest":
        return mask_text(message.title), mask_text(message.text)
    return message.title, message.text


# --------------------------------------------------------------------------- channels


class Channel(ABC):
    """A group robot: where to POST and what JSON it expects."""

    #: Short name used in logs ("dingtalk", "wecom").
    name: str = ""
    #: ``errcode`` values meaning "try again later" (rate limits, busy).
    retryable_errcodes: frozenset[int] = frozenset()

    def __init__(self, webhook_url: str) -> None:
        parts = urllib.parse.urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"webhook 地址无效 / invalid webhook URL: {_redact(webhook_url)}")
        self.webhook_url = webhook_url

    @abstractmethod
    def payload(self, message: Message) -> dict[str, Any]:
        """The JSON body for ``message``."""

    def request_url(self) -> str:
        """The URL to POST to now (may carry a fresh signature)."""
        return self.webhook_url

    def __repr__(self) -> str:
        # Never show the access token or the secret.
        return f"{type(self).__name__}({_redact(self.webhook_url)!r})"


class DingTalk(Channel):
    """DingTalk custom robot (钉钉自定义机器人), Markdown messages.

    With ``secret`` (安全设置 → 加签) every request URL carries ``timestamp``
    (ms) and ``sign`` = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))).
    Mobiles in ``at_mobiles`` are @-mentioned; DingTalk only renders the mention
    when ``@mobile`` also appears in the text, so it is appended when missing.
    """

    name = "dingtalk"
    # 130101: sending too fast (发送速度太快); -1: system busy (系统繁忙).
    retryable_errcodes = frozenset({130101, -1})

    def __init__(
        self,
        webhook_url: str,
        secret: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(webhook_url)
        self.secret = secret or None
        self._clock = clock

    def sign(self, timestamp_ms: int) -> str:
        """The URL-encoded signature for ``timestamp_ms`` (requires a secret)."""
        if self.secret is None:
            raise ValueError("未设置加签密钥 / no signing secret configured")
        to_sign = f"{timestamp_ms}\n{self.secret}".encode()
        digest = hmac.new(self.secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
        return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))

    def request_url(self) -> str:
        if self.secret is None:
            return self.webhook_url
        timestamp = int(self._clock() * 1000)
        sep = "&" if urllib.parse.urlsplit(self.webhook_url).query else "?"
        return f"{self.webhook_url}{sep}timestamp={timestamp}&sign={self.sign(timestamp)}"

    def payload(self, message: Message) -> dict[str, Any]:
        title, text = _private(message)
        mentions = [f"@{m}" for m in message.at_mobiles if f"@{m}" not in text]
        if mentions:
            text = f"{text}\n\n{' '.join(mentions)}"
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": text},
            "at": {"atMobiles": list(message.at_mobiles), "isAtAll": False},
        }


class WeCom(Channel):
    """WeCom group robot (企业微信群机器人), Markdown messages.

    The content is ``## title`` followed by the text, cut to 4096 UTF-8 bytes on
    a character boundary with a "…（内容过长已截断）" marker. WeCom Markdown
    messages cannot @-mention by mobile, so ``at_mobiles`` is not used.
    """

    name = "wecom"
    # 45009: API frequency limit (接口调用超过限制); -1: system busy (系统繁忙).
    retryable_errcodes = frozenset({45009, -1})

    def payload(self, message: Message) -> dict[str, Any]:
        title, text = _private(message)
        content = _truncate_utf8(f"## {title}\n\n{text}", WECOM_MARKDOWN_LIMIT)
        return {"msgtype": "markdown", "markdown": {"content": content}}


_DINGTALK = ("oapi.dingtalk.com", "/robot/send")
_WECOM = ("qyapi.weixin.qq.com", "/cgi-bin/webhook/send")


def channel_from_url(url: str, secret: str | None = None) -> Channel:
    """The channel for a webhook URL.

    * ``https://oapi.dingtalk.com/robot/send?access_token=…`` → :class:`DingTalk`
    * ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`` → :class:`WeCom`
    * ``dingtalk+http://127.0.0.1:8080/any/path`` / ``wecom+https://proxy/…`` →
      that channel at the URL after the prefix (tests, self-hosted proxies).

    ``secret`` is DingTalk's signing secret; WeCom has none. Anything else
    raises :class:`ValueError`.
    """
    url = url.strip()
    prefix, plus, rest = url.partition("+")
    kind: str | None = None
    if plus and prefix.lower() in ("dingtalk", "wecom") and "://" in rest:
        kind, url = prefix.lower(), rest
    else:
        parts = urllib.parse.urlsplit(url)
        where = ((parts.hostname or "").lower(), parts.path.rstrip("/"))
        if parts.scheme in ("http", "https"):
            if where == _DINGTALK:
                kind = "dingtalk"
            elif where == _WECOM:
                kind = "wecom"
    if kind == "dingtalk":
        return DingTalk(url, secret)
    if kind == "wecom":
        if secret:
            raise ValueError("企业微信机器人不支持加签密钥 / WeCom robots take no signing secret")
        return WeCom(url)
    raise ValueError(
        f"无法识别的机器人地址（应为钉钉或企业微信 webhook）: {_redact(url)} / "
        "unrecognised robot URL (expected a DingTalk or WeCom webhook, "
        "or a dingtalk+… / wecom+… prefixed URL)"
    )


def _redact(url: str) -> str:
    """``url`` without query or credentials, safe for logs."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid URL>"
    return f"{parts.scheme}://{host}{port}{parts.path}"


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class Delivery:
    """The outcome of :func:`send`.

    ``status`` is the last HTTP status (None when no response came back),
    ``errcode`` the robot's last ``errcode`` (None when there was no JSON answer),
    ``error`` a readable reason when ``ok`` is false.
    """

    ok: bool
    attempts: int
    status: int | None = None
    errcode: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class _Attempt:
    ok: bool
    retryable: bool
    status: int | None
    errcode: int | None
    error: str | None
    retry_after: float | None = None


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _read_answer(channel: Channel, status: int, body: bytes) -> _Attempt:
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _Attempt(
            False, False, status, None, f"应答不是 JSON / answer is not JSON (HTTP {status})"
        )
    if not isinstance(answer, dict) or not isinstance(answer.get("errcode"), int):
        return _Attempt(
            False, False, status, None, f"应答缺少 errcode / answer has no errcode (HTTP {status})"
        )
    errcode: int = answer["errcode"]
    if errcode == 0:
        return _Attempt(True, False, status, 0, None)
    errmsg = str(answer.get("errmsg", ""))
    return _Attempt(
        False,
        errcode in channel.retryable_errcodes,
        status,
        errcode,
        f"机器人拒绝 / robot refused: errcode {errcode} {errmsg}".rstrip(),
    )


def _attempt(channel: Channel, body: bytes, timeout: float) -> _Attempt:
    request = urllib.request.Request(
        channel.request_url(),
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = int(response.status)
            answer = response.read()
    except urllib.error.HTTPError as err:
        with err:  # an HTTPError is also an open response: close it
            status = err.code
            retry_after = _retry_after(err.headers.get("Retry-After") if err.headers else None)
            with contextlib.suppress(OSError, http.client.HTTPException):
                err.read()
        return _Attempt(
            False,
            status >= 500 or status == 429,
            status,
            None,
            f"HTTP 错误 / HTTP error {status}",
            retry_after if status == 429 else None,
        )
    except (OSError, http.client.HTTPException) as err:
        reason = err.reason if isinstance(err, urllib.error.URLError) else err
        return _Attempt(False, True, None, None, f"网络错误 / network error: {reason}")
    return _read_answer(channel, status, answer)


def send(
    channel: Channel,
    message: Message,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 10,
    sleep: Callable[[float], object] = time.sleep,
) -> Delivery:
    """POST ``message`` to ``channel``; never raises for a delivery failure.

    Network errors, HTTP 5xx/429 and the channel's retryable ``errcode`` values
    are retried up to ``retries`` more times, waiting ``backoff * 2**n`` seconds
    (n = 0, 1, …; a 429's numeric ``Retry-After`` wins, capped at 60 s) via
    ``sleep``. Other failures (bad signature, bad request, …) are not retried.
    Each failed attempt is logged at WARNING, a final failure at ERROR.
    """
    body = json.dumps(channel.payload(message), ensure_ascii=False).encode("utf-8")
    where = f"{channel.name} {_redact(channel.webhook_url)}"
    max_attempts = max(retries, 0) + 1
    result: _Attempt | None = None
    attempts = 0
    for attempts in range(1, max_attempts + 1):
        result = _attempt(channel, body, timeout)
        if result.ok:
            return Delivery(True, attempts, result.status, result.errcode, None)
        log.warning(
            "推送失败（第 %d/%d 次）/ push failed (attempt %d/%d) to %s: %s",
            attempts,
            max_attempts,
            attempts,
            max_attempts,
            where,
            result.error,
        )
        if not result.retryable or attempts == max_attempts:
            break
        delay = (
            result.retry_after if result.retry_after is not None else backoff * 2 ** (attempts - 1)
        )
        sleep(delay)
    assert result is not None
    log.error(
        "推送最终失败 / push finally failed to %s after %d attempt(s): %s 「%s」",
        where,
        attempts,
        result.error,
        mask_text(message.title),
    )
    return Delivery(False, attempts, result.status, result.errcode, result.error)


# --------------------------------------------------------------------------- outbox


@dataclass(frozen=True)
class PendingRecord:
    """One undelivered message in an :class:`Outbox`."""

    id: str
    channel: str
    message: Message
    created: str  # ISO 8601, UTC
    attempts: int = 0
    last_error: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "channel": self.channel,
                "message": self.message.to_dict(),
                "created": self.created,
                "attempts": self.attempts,
                "last_error": self.last_error,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> PendingRecord:
        data = json.loads(line)
        return cls(
            id=str(data["id"]),
            channel=str(data["channel"]),
            message=Message.from_dict(data["message"]),
            created=str(data.get("created", "")),
            attempts=int(data.get("attempts", 0)),
            last_error=data.get("last_error"),
        )


class Outbox:
    """A spool of messages not yet delivered (待发送队列), one JSON record a line.

    * :meth:`put` appends a pending record (fsynced) and returns it; nothing is
      sent. Put every alert here first and the worst a crash or an outage can
      do is delay it.
    * :meth:`flush` tries every pending record with :func:`send` on the channel
      named by the record. Delivered records are dropped; failed ones stay with
      their accumulated ``attempts`` and ``last_error``. The file is rewritten
      atomically (temp file in the same directory + ``os.replace``), and lines
      appended by another process while the flush was sending are carried over.
      A record naming a channel missing from ``channels`` stays pending.
    * :meth:`pending` lists the records still waiting.

    A line that cannot be parsed (e.g. cut short by a crash) is logged and kept
    verbatim in the file, never dropped. Within one process the outbox is
    thread-safe; several processes may :meth:`put` concurrently, but only one
    should :meth:`flush` at a time.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def put(self, channel_name: str, message: Message) -> PendingRecord:
        """Append ``message`` for ``channel_name`` as a pending record."""
        record = PendingRecord(
            id=uuid.uuid4().hex,
            channel=channel_name,
            message=message,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        data = (record.to_json() + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab+") as fh:
                # A previous writer may have died mid-line: start on a fresh line.
                if fh.seek(0, os.SEEK_END) > 0:
                    fh.seek(-1, os.SEEK_END)
                    if fh.read(1) != b"\n":
                        data = b"\n" + data
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        return record

    def pending(self) -> list[PendingRecord]:
        """The records still waiting, oldest first."""
        with self._lock:
            records, _bad, _size = self._read()
        return records

    def flush(
        self,
        channels: Mapping[str, Channel],
        *,
        retries: int = 3,
        backoff: float = 1.0,
        timeout: float = 10,
        sleep: Callable[[float], object] = time.sleep,
    ) -> list[Delivery]:
        """Try every pending record; one :class:`Delivery` per record, in order."""
        with self._lock:
            records, bad, size = self._read()
            if not records:
                return []
            deliveries: list[Delivery] = []
            keep: list[str] = []
            for record in records:
                channel = channels.get(record.channel)
                if channel is None:
                    error = f"未配置通道 / no channel named {record.channel!r}"
                    log.error("发件箱记录无法发送 / outbox record %s: %s", record.id, error)
                    delivery = Delivery(False, 0, error=error)
                else:
                    delivery = send(
                        channel,
                        record.message,
                        retries=retries,
                        backoff=backoff,
                        timeout=timeout,
                        sleep=sleep,
                    )
                deliveries.append(delivery)
                if not delivery.ok:
                    failed = PendingRecord(
                        id=record.id,
                        channel=record.channel,
                        message=record.message,
                        created=record.created,
                        attempts=record.attempts + delivery.attempts,
                        last_error=delivery.error,
                    )
                    keep.append(failed.to_json())
            self._rewrite(bad + keep, since=size)
            return deliveries

    # -- file handling

    def _read(self) -> tuple[list[PendingRecord], list[str], int]:
        """Parsed records, unparseable lines (verbatim) and the byte size read."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return [], [], 0
        records: list[PendingRecord] = []
        bad: list[str] = []
        for number, raw in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                records.append(PendingRecord.from_json(raw))
            except (ValueError, KeyError, TypeError) as err:
                log.error(
                    "发件箱第 %d 行无法解析，已保留 / outbox %s line %d unreadable, kept: %s",
                    number,
                    self.path,
                    number,
                    err,
                )
                bad.append(raw)
        return records, bad, len(data)

    def _rewrite(self, lines: list[str], *, since: int) -> None:
        """Replace the spool with ``lines`` plus whatever was appended after byte ``since``."""
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(fd, "wb") as out:
                out.write("".join(line + "\n" for line in lines).encode("utf-8"))
                with open(self.path, "rb") as current:
                    current.seek(since)
                    appended = current.read()
                if appended:
                    out.write(appended.lstrip(b"\n"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
