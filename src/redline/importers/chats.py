"""Chat logs: the Qianniu/Wangwang TXT export, and the product's own JSONL.

Qianniu TXT (GBK, shared/spec/import-formats.md)::

    某某旗舰店:小美
    ----------------------------tb_buyer01----------------------------
    tb_buyer01(2023-03-01 10:05:12):  在吗，什么时候发货
    某某旗舰店:小美(2023-03-01 10:05:30):  亲，48小时内发货哦
    ================================================================

The first line is the seller account ``店铺名:子账号``. Each buyer section opens
with dashes around the buyer's nick and closes with a line of ``=``. A message
line is ``speaker(yyyy-MM-dd HH:mm:ss):  text``; any other line continues the
message before it. A ``cntaobao`` prefix on a speaker is dropped. The section's
nick is the buyer; every other speaker (``店铺名:客服名``) is an agent.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from redline.importers.kinds import WrongKind, classify_header
from redline.importers.records import RowError
from redline.importers.refunds import sheet_tables
from redline.importers.text import (
    FileFormatError,
    Source,
    TableRow,
    csv_rows,
    decode,
    is_blank,
    load,
    parse_time,
    shorten,
)
from redline.jsonl import InputError, read_conversations
from redline.model import Conversation, Message

_PREFIX = "cntaobao"
_MIN_DASHES = 10  # the export writes 28 on each side; be lenient
_MIN_EQUALS = 20  # the export writes 64
_MESSAGE = re.compile(r"(.+?)\((\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2})\):(.*)")


@dataclass(slots=True)
class _Draft:
    speaker: str
    time: datetime
    parts: list[str] = field(default_factory=list)


def qianniu_id(shop: str, buyer: str, first: datetime) -> str:
    """``qn-`` and 20 hex digits of a hash of shop, buyer nick and first message time.

    Earlier stores used ``qianniu:{shop}:{buyer}:{time}``; migration 0008
    rewrites those with this function.
    """
    key = f"{shop}:{buyer}:{first.isoformat()}".encode()
    return "qn-" + hashlib.sha256(key).hexdigest()[:20]


def read_qianniu_txt(
    source: Source, *, name: str | None = None
) -> Iterator[Conversation | RowError]:
    """One Conversation per buyer section of a Qianniu/Wangwang TXT export.

    ``Conversation.id`` is :func:`qianniu_id`: opaque, so the buyer's nick never
    shows in headings, JSON or robot messages, and stable, so a re-import matches.
    The export does not say which order a chat is about, so ``order`` is None: the
    section's nick is the account *chatting*, not necessarily the one that placed
    the order (a husband asking about his wife's order), and making it the order's
    buyer would hide the privacy rule. The store links the chat to a real order
    (:func:`redline.store.imports.link_orders`). Times are China time. Sections without messages are skipped; a section
    not closed before the next one opens (or before the end) still yields what it
    has; a message line outside any section becomes a RowError.
    """
    data, label = load(source, name)
    text, _encoding = decode(data)
    _refuse_table([csv_rows(text[:65536])], label)
    return _parse_qianniu(text)


def read_chats(source: Source, *, name: str | None = None) -> Iterator[Conversation | RowError]:
    """Read a chat file: ``.jsonl``/``.json`` (formats.md) or a Qianniu TXT export.

    The extension of ``name`` (or of the path) decides; without one, content that
    starts with ``{`` is JSONL. JSONL lines that fail become RowErrors with their
    line number; its non-fatal notes (a GBK file read as GB18030) are dropped.
    A shop report (订单报表, 退款报表 …) given here raises
    :class:`~redline.importers.kinds.WrongKind` from this call, before anything is read.
    """
    data, label = load(source, name)
    suffix = Path(label).suffix.lower()
    if suffix in (".jsonl", ".json"):
        return _read_jsonl(data)
    if suffix != ".txt" and data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _read_jsonl(data)
    if data.startswith((b"\xd0\xcf\x11\xe0", b"PK")):
        _refuse_table(sheet_tables(data, label), label)
        raise FileFormatError(
            f"文件“{label}”是电子表格，不是聊天记录：请上传千牛导出的 TXT 或 JSONL"
            " (a spreadsheet, not a chat log: upload the Qianniu TXT export or JSONL)"
        )
    text, _encoding = decode(data)
    _refuse_table([csv_rows(text[:65536])], label)
    return _parse_qianniu(text)


def _refuse_table(tables: list[Iterator[TableRow]], label: str, scan: int = 10) -> None:
    """A shop report handed to the chat import: say which report it looks like."""
    for rows in tables:
        seen = 0
        for _line, row in rows:
            if isinstance(row, RowError) or is_blank(row):
                continue
            detected = classify_header(row)
            if detected is not None:
                raise WrongKind(label, "chats", detected)
            seen += 1
            if seen >= scan:
                break


def _read_jsonl(data: bytes) -> Iterator[Conversation | RowError]:
    for item in read_conversations(io.BytesIO(data)):
        if isinstance(item, InputError):
            if item.fatal:
                yield RowError(item.line, item.message)
            continue
        yield item


def _parse_qianniu(text: str) -> Iterator[Conversation | RowError]:
    shop = ""
    account_seen = False
    buyer: str | None = None  # the open section's buyer nick
    drafts: list[_Draft] = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if "\x00" in line:
            line = line.replace("\x00", "")
        stripped = line.strip()
        nick = _section_nick(stripped)
        if nick is not None:
            if buyer is not None:  # the previous section was never closed
                yield from _conversation(shop, buyer, drafts)
            buyer, drafts = nick, []
            continue
        if len(stripped) >= _MIN_EQUALS and not stripped.strip("="):
            if buyer is not None:
                yield from _conversation(shop, buyer, drafts)
            buyer, drafts = None, []
            continue
        match = _MESSAGE.match(line) if "):" in line else None
        if match is not None:
            if buyer is None:
                yield RowError(
                    number,
                    "消息不在任何买家会话段内（缺少 ----买家---- 开头行）"
                    " (message line outside a buyer section)",
                )
                continue
            try:
                when = parse_time(match[2])
            except ValueError:
                yield RowError(
                    number, f"消息时间 {shorten(match[2])} 无法识别 (invalid message time)"
                )
                continue
            body = match[3]
            body = body[2:] if body.startswith("  ") else body.lstrip(" ")
            drafts.append(_Draft(_speaker(match[1]), when, [body]))
            continue
        if buyer is not None:
            if drafts:
                drafts[-1].parts.append(line)
        elif not account_seen and stripped:
            # The seller account line (店铺名:子账号) before the first section.
            account_seen = True
            shop = _speaker(stripped).partition(":")[0].strip()
    if buyer is not None:
        yield from _conversation(shop, buyer, drafts)


def _section_nick(stripped: str) -> str | None:
    """The buyer nick of a section opener ``----nick----``, else None."""
    if not stripped.startswith("-" * _MIN_DASHES) or not stripped.endswith("-" * _MIN_DASHES):
        return None
    nick = stripped.strip("-").strip()
    return _speaker(nick) if nick else None


def _speaker(name: str) -> str:
    name = name.strip()
    if name.startswith(_PREFIX) and len(name) > len(_PREFIX):
        name = name[len(_PREFIX) :]
    return name


def _conversation(shop: str, buyer: str, drafts: list[_Draft]) -> Iterator[Conversation]:
    if not drafts:
        return
    messages = [
        Message(
            role="buyer" if d.speaker == buyer else "agent",
            text="\n".join(d.parts).rstrip(),
            account=d.speaker,
            time=d.time,
        )
        for d in drafts
    ]
    yield Conversation(
        messages=messages,
        id=qianniu_id(shop, buyer, drafts[0].time),
    )
