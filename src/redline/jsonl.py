"""Reading conversation files (formats.md JSONL) without losing good lines to bad ones.

Every line is decoded, parsed and validated on its own. A bad line becomes an
:class:`InputError` naming the line and what is wrong; the lines around it are
still read. UTF-8 (with or without BOM) is expected; a line that is not UTF-8 but
is valid GB18030 (GBK exports from Windows tools) is read with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from redline.model import Conversation, ConversationError, Shop

MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class InputError:
    line: int
    message: str
    fatal: bool = True  # False: a warning, the line was still read

    def __str__(self) -> str:
        kind = "错误" if self.fatal else "警告"
        return f"第 {self.line} 行{kind}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "message": self.message, "fatal": self.fatal}


def read_conversations(
    stream: BinaryIO,
    default_shop: Shop | None = None,
) -> Iterator[Conversation | InputError]:
    """Yield a Conversation or an InputError per non-blank line, in order."""
    warned_encoding = False
    for number, raw in enumerate(_lines(stream), start=1):
        if isinstance(raw, InputError):
            yield InputError(number, raw.message)
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError:
                yield InputError(
                    number, f"不是 UTF-8 编码，无法解码（位置 {exc.start}）(not UTF-8)"
                )
                continue
            if not warned_encoding:
                warned_encoding = True
                yield InputError(
                    number, "不是 UTF-8 编码，已按 GB18030/GBK 读取 (read as GB18030)", fatal=False
                )
        try:
            data = json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            yield InputError(
                number, f"JSON 格式错误: {exc.msg}（第 {exc.colno} 列）(malformed JSON)"
            )
            continue
        except RecursionError:
            yield InputError(number, "JSON 嵌套过深 (JSON nested too deeply)")
            continue
        try:
            yield Conversation.from_dict(data, default_id=str(number), default_shop=default_shop)
        except ConversationError as exc:
            yield InputError(number, str(exc))


def _lines(stream: BinaryIO) -> Iterator[bytes | InputError]:
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            # Skip the rest of the oversized line, keep reading the next ones.
            while line and not line.endswith(b"\n"):
                line = stream.readline(MAX_LINE_BYTES)
            yield InputError(
                0, f"行过长（超过 {MAX_LINE_BYTES // 1024 // 1024} MiB），已跳过 (line too long)"
            )
            continue
        yield line
