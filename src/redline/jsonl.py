"""Reading conversation files (formats.md JSONL) without losing good lines to bad ones.

Every line is decoded, parsed and validated on its own. A bad line becomes an
:class:`InputError` naming the line and what is wrong; the lines around it are
still read. UTF-8 (with or without BOM) is expected; a line that is not UTF-8 but
is valid GB18030 (GBK exports from Windows tools) is read with a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from redline.model import Conversation, ConversationError, Shop

MAX_LINE_BYTES = 16 * 1024 * 1024
#: Nesting a conversation may have. formats.md needs 4 (conversation → messages →
#: message → field); test corpora add an ``expect`` list. Anything deeper is not a
#: conversation, and 100,000 levels would exhaust the parser's stack.
MAX_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


class BadJSON(ValueError):
    """Text that is not JSON redline accepts; the message is Chinese first, English after."""


def parse_json(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted input: nesting is limited to ``max_depth`` (checked
    before parsing, so a hostile document cannot exhaust the stack), and no string
    (key or value) may hold a lone UTF-16 surrogate such as ``\\ud800`` — truncated
    exports produce them, and no database, encoder or page can handle them.

    Raises :class:`BadJSON` for all three problems and for malformed JSON.
    """
    if _too_deep(text, max_depth):
        raise BadJSON(
            f"JSON 嵌套过深（超过 {max_depth} 层）(JSON nested deeper than {max_depth} levels)"
        )
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise BadJSON(f"JSON 格式错误: {exc.msg}（第 {exc.colno} 列）(malformed JSON)") from None
    except RecursionError:
        raise BadJSON("JSON 嵌套过深 (JSON nested too deeply)") from None
    if _ESCAPED_SURROGATE.search(text) or _SURROGATE.search(text):
        where = lone_surrogate(data)
        if where is not None:
            raise BadJSON(
                f"{where} 含有无效字符（孤立的代理码 \\ud800–\\udfff，常见于被截断的导出）"
                f" (lone surrogate in {where}; the export was probably cut off)"
            )
    return data


def _too_deep(text: str, limit: int) -> bool:
    if text.count("[") + text.count("{") <= limit:
        return False  # the usual case: not even that many brackets
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub('""', text) if '"' in text else text):
        if m[0] in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def lone_surrogate(data: Any) -> str | None:
    """Where (``messages[0].text``) the first string holding a lone surrogate is, or None."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return path or "(JSON)"
        elif isinstance(value, dict):
            for key, item in value.items():
                name = _path_key(key)
                here = f"{path}.{name}" if path else name
                if isinstance(key, str) and _SURROGATE.search(key):
                    return here
                stack.append((item, here))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    return None


def _path_key(key: Any) -> str:
    text = str(key).encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= 40 else text[:40] + "…"


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
            data = parse_json(text)
        except BadJSON as exc:
            yield InputError(number, str(exc))
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
