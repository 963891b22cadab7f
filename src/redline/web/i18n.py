"""UI strings: Simplified Chinese first, English available (``web/strings.yaml``).

Templates call ``t("key")``. A key missing from the file is a bug: the test suite
renders every template and checks that each key it uses exists in both languages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

STRINGS = Path(__file__).parent / "strings.yaml"


@cache
def strings() -> dict[str, dict[str, str]]:
    with STRINGS.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{STRINGS}: 应为 key → {{zh, en}} 的映射")
    for key, value in data.items():
        if not isinstance(value, dict) or not isinstance(value.get("zh"), str):
            raise ValueError(f"{STRINGS}: {key!r} 缺少中文 (zh)")
        if not isinstance(value.get("en"), str):
            raise ValueError(f"{STRINGS}: {key!r} 缺少英文 (en)")
    return data


def translator(lang: str) -> Callable[[str], str]:
    table = strings()

    def t(key: str) -> str:
        entry = table.get(key)
        if entry is None:
            return key
        return entry.get(lang) or entry["zh"]

    return t


def install(env: Any) -> None:
    from redline.notify.robots import mask_phone
    from redline.privacy import mask_address, mask_name

    env.filters["mask_phone"] = mask_phone
    env.filters["mask_name"] = mask_name
    env.filters["mask_address"] = mask_address
    env.filters["localtime"] = localtime
    env.filters["pager"] = pager


def pager(params: Any, offset: int) -> str:
    """The current query string with ``offset`` replaced (for next/previous links)."""
    from urllib.parse import urlencode

    items = [(k, v) for k, v in params.multi_items() if k not in ("offset", "msg")]
    items.append(("offset", str(max(offset, 0))))
    return urlencode(items)


def localtime(value: Any, with_year: bool = False) -> str:
    """An ISO time (or datetime) as China local ``MM-DD HH:MM``; '' for none."""
    from datetime import datetime

    from redline.desk.policy import Policy

    if value in (None, ""):
        return ""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    local = Policy.default().to_china(when)
    return local.strftime("%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M")
