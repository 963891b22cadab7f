"""Pages' tables as .xlsx or CSV downloads (the 导出 links keep the page's filters).

A page's JSON rows are already masked; :func:`table_download` picks the columns a
supervisor wants in a sheet, names them in the user's language, and turns ``(zh, en)``
name pairs into the one for that language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from redline.records.export import write_table
from redline.web.render import lang_of

# Rows one export may hold (a 双11 backlog of late orders runs to tens of thousands).
EXPORT_MAX = 50_000
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# (row key, Chinese header, English header)
Columns = Sequence[tuple[str, str, str]]


def download(body: bytes, fmt: str, name: str) -> Response:
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="redline-{name}.{fmt}"'},
    )


def table_download(
    request: Request, items: Iterable[dict[str, Any]], columns: Columns, fmt: str, name: str
) -> Response:
    """``items`` (a page's JSON rows) as a sheet of ``columns``, named in the user's language."""
    i = 0 if lang_of(request) == "zh" else 1
    header = [(zh, en)[i] for _, zh, en in columns]

    def cell(value: Any) -> Any:
        if (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(isinstance(v, str) for v in value)
        ):
            return value[i]  # a (zh, en) name
        if isinstance(value, bool):
            return ("是", "yes")[i] if value else ("否", "no")[i]
        return value

    rows = [[cell(item.get(key)) for key, _, _ in columns] for item in items]
    return download(write_table(header, rows, fmt, sheet=name), fmt, name)
