"""Tables to Excel and CSV: what a supervisor takes into the weekly report.

``write_table`` turns a header and rows of plain values into the bytes of an .xlsx
workbook (openpyxl, write-only) or a CSV file (UTF-8 with a BOM, so Excel opens the
Chinese right). Values are written as they are given; callers pass views whose buyer
data is already masked. A cell that would start a formula (``=``, ``+``, ``-``, ``@``)
is written as text, so an exported chat line can never run in the sheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# Characters a worksheet cannot hold (control characters, which chat text and a
# hostile import may carry): dropped, as Excel itself would refuse the file.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, bool | int | float):
        return value
    return _safe(_ILLEGAL.sub("", str(value)))


def write_table(
    header: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, sheet: str = "redline"
) -> bytes:
    """The table as the bytes of a ``csv`` or ``xlsx`` file."""
    if fmt == "csv":
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\r\n")
        out.writerow(header)
        for row in rows:
            out.writerow(["" if v is None else _safe(str(v)) for v in row])
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        ws = book.create_sheet(sheet[:31])
        ws.append(list(header))
        for row in rows:
            ws.append([_cell(v) for v in row])
        data = io.BytesIO()
        book.save(data)
        return data.getvalue()
    raise ValueError(f"未知的导出格式 {fmt!r}（可选：csv、xlsx）")


FINDING_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (finding_json key, Chinese header, English header)
    ("id", "编号", "id"),
    ("time", "时间", "time"),
    ("account", "客服", "agent"),
    ("category", "类别", "category"),
    ("rule", "规则", "rule"),
    ("severity", "级别", "severity"),
    ("points", "扣分", "points"),
    ("status", "状态", "status"),
    ("evidence", "证据", "evidence"),
    ("explanation", "说明", "explanation"),
    ("suggestion", "建议回复", "suggested reply"),
    ("conversation", "会话", "conversation"),
    ("message", "消息序号", "message"),
)


def findings_table(
    findings: Iterable[dict[str, Any]],
    categories: Mapping[str, tuple[str, str]],
    statuses: Mapping[str, tuple[str, str]],
    lang: str = "zh",
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of findings (``finding_json`` dicts, already masked), with the
    category and status named in ``lang`` (``(zh, en)`` name pairs)."""
    i = 0 if lang == "zh" else 1
    names = {"category": categories, "status": statuses}
    header = [(zh, en)[i] for _, zh, en in FINDING_COLUMNS]
    rows = [
        [
            names[key].get(f[key], (f[key], f[key]))[i] if key in names else f.get(key)
            for key, _, _ in FINDING_COLUMNS
        ]
        for f in findings
    ]
    return header, rows
