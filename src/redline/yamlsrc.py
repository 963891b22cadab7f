"""YAML loading that remembers where every value came from.

A rule pack is written by people; when it is wrong, the error must name the
file and the line. PyYAML's composer keeps a start mark on every node, so we
build plain dicts and lists from the node tree and carry the line numbers along.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class PackError(ValueError):
    """A rule pack that cannot be used. ``str()`` starts with ``file:line:``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class LDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each value."""

    line: int = 0
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class LList(list[Any]):
    line: int = 0
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PackError(path, None, f"规则包必须是 UTF-8 编码 (not UTF-8: {exc.reason})") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise PackError(path, line, f"YAML 语法错误: {exc.problem}") from exc
    if node is None:
        raise PackError(path, 1, "规则包为空 (empty pack)")
    return _build(node, path)


def _build(node: yaml.Node, path: Path) -> Any:
    if isinstance(node, yaml.MappingNode):
        out = LDict()
        out.line = node.start_mark.line + 1
        out.lines = {}
        for key_node, value_node in node.value:
            key = _build(key_node, path)
            if not isinstance(key, str):
                raise PackError(path, key_node.start_mark.line + 1, f"键必须是字符串: {key!r}")
            if key in out:
                raise PackError(
                    path, key_node.start_mark.line + 1, f"重复的键 {key!r} (duplicate key)"
                )
            out[key] = _build(value_node, path)
            out.lines[key] = value_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LList(_build(item, path) for item in node.value)
        seq.line = node.start_mark.line + 1
        seq.lines = [item.start_mark.line + 1 for item in node.value]
        return seq
    assert isinstance(node, yaml.ScalarNode)
    return yaml.SafeLoader("").construct_object(node)
