"""Writers for the exports: GBK CSV in chunks and a reproducible xlsx."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from openpyxl import Workbook

from redline.demo.vocabulary import CHINA

# --- writers -----------------------------------------------------------------------------------------


def _csv_chunks(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """CSV text (CRLF) in chunks. Cells are joined as they are, like the seller backend
    does (``="…"`` stays unquoted); a chunk whose cells would break the layout (a comma,
    a line break) goes through the csv module instead."""
    width = len(header)
    yield ",".join(header) + "\r\n"
    it = iter(rows)
    while chunk := list(islice(it, 5000)):
        text = "\r\n".join(map(",".join, chunk)) + "\r\n"
        clean = (
            text.count(",") == (width - 1) * len(chunk)
            and text.count("\n") == len(chunk)
            and text.count("\r") == len(chunk)
        )
        if not clean:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerows(chunk)
            text = buffer.getvalue()
        yield text


def write_gbk_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with path.open("wb") as fh:
        for text in _csv_chunks(header, rows):
            fh.write(text.encode("gb18030"))


_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def write_xlsx(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], stamp: datetime
) -> None:
    """The refund sheet, byte-for-byte reproducible (openpyxl stamps the clock into
    docProps/core.xml and every zip entry; both are rewritten to ``stamp``)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("退款报表")
    ws.append(list(header))
    for row in rows:
        ws.append([cell or None for cell in row])  # an empty cell, not an empty string
    raw = io.BytesIO()
    wb.save(raw)
    iso = stamp.replace(tzinfo=CHINA).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIME.sub(rb"\g<1>" + iso + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
