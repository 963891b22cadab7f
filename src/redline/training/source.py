"""Reading training data with the file and line of every value (errors name both)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from redline.yamlsrc import LDict, LList, PackError, load_yaml

DATA = Path(__file__).parent / "data"
ENV = "REDLINE_TRAINING_DATA"


def data_dir() -> Path:
    """Where the training data lives: ``$REDLINE_TRAINING_DATA`` (a shop's own), else the bundled."""
    found = os.environ.get(ENV)
    return Path(found) if found else DATA


# The red-line categories a template, question or drill may name (00-core.yaml).
CATEGORIES = (
    "invoice",
    "cod",
    "credit_card",
    "free_shipping",
    "privacy",
    "payment",
    "price",
    "close_order",
    "returns",
    "ad_words",
    "promise",
    "etiquette",
    "extortion",
)


class Node:
    """One mapping of a data file, with helpers that fail with file:line."""

    def __init__(self, path: Path, data: Any, what: str, line: int = 0) -> None:
        self.path = path
        self.what = what
        if not isinstance(data, dict):
            raise PackError(path, line or None, f"{what} 应为映射 (must be a mapping)")
        self.data: dict[str, Any] = data
        self.line = getattr(data, "line", line)

    def line_of(self, key: str) -> int:
        return self.data.line_of(key) if isinstance(self.data, LDict) else self.line

    def fail(self, key: str | None, message: str) -> PackError:
        return PackError(self.path, self.line_of(key) if key else self.line, message)

    def known(self, keys: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in keys:
                raise self.fail(
                    key,
                    f"{self.what}: 未知字段 {key!r} (unknown field; allowed: {', '.join(keys)})",
                )

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(None, f"{self.what}: 缺少 {key} (missing {key})")
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(key, f"{self.what}.{key} 应为文本 (must be text): {value!r}")
        text = str(value).strip()
        if required and not text:
            raise self.fail(key, f"{self.what}.{key} 不能为空 (empty)")
        return text

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(x, (str, int)) for x in value):
            raise self.fail(key, f"{self.what}.{key} 应为文本列表 (must be a list of text)")
        return tuple(str(x) for x in value)

    def child(self, key: str, required: bool = True) -> Node | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(None, f"{self.what}: 缺少 {key} (missing {key})")
            return None
        return Node(self.path, value, f"{self.what}.{key}", self.line_of(key))

    def items(self) -> list[tuple[str, Node]]:
        return [
            (str(k), Node(self.path, v, f"{self.what}.{k}", self.line_of(k)))
            for k, v in self.data.items()
        ]

    def category(self, key: str = "category", required: bool = False) -> str | None:
        value = self.text(key, required=required)
        if not value:
            return None
        if value not in CATEGORIES:
            raise self.fail(
                key,
                f"{self.what}: 未知类别 {value!r} (unknown category; one of {', '.join(CATEGORIES)})",
            )
        return value


def load(path: Path, what: str) -> Node:
    """The top-level mapping of a YAML data file."""
    if not path.exists():
        raise PackError(path, None, f"找不到培训数据文件 (training data file not found): {path}")
    return Node(path, load_yaml(path), what)


def seq(node: Node, key: str) -> list[tuple[int, Any]]:
    value = node.data.get(key) or []
    if not isinstance(value, list):
        raise node.fail(key, f"{node.what}.{key} 应为列表 (must be a list)")
    lines = value.lines if isinstance(value, LList) else [node.line_of(key)] * len(value)
    return list(zip(lines, value, strict=False))
