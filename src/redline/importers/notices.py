"""Platform penalty notices (规蜜 / 千牛 → 违规处罚记录), as the shop exported or copied them.

The platform has no documented export for these (shared/spec/import-formats.md lists
none), so the reader takes what a shop is likely to have: CSV (UTF-8 or GBK, sniffed),
.xlsx, .xls or an HTML table saved as ".xls" — sniffed from the content like the
refund report — with the header found among the first rows (a title row above it is
skipped) and the columns matched by name:

========  ============================  ==========================================
column    also accepted                 value
========  ============================  ==========================================
处罚时间  扣分时间, 违规时间            required; any time :func:`parse_time` reads
扣分      分值                          required; a whole number > 0 (``6``, ``6分``)
违规类型  扣分类型, 类型                required; 一般违规 / 违背承诺 / 滥发信息 /
                                        严重违规, or general / commitment /
                                        misinformation / severe
违规原因  处罚原因, 说明                optional
处罚编号  违规编号                      optional; the platform's number for it
========  ============================  ==========================================

A type written the long way (``一般违规-违背承诺``, ``严重违规行为``) is read by the
most specific name it contains. Bad rows come back as :class:`RowError` with their
line; a file without the required columns raises
:class:`~redline.importers.text.FileFormatError` from the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from redline.importers.kinds import WrongKind, header_check, refuse_chat
from redline.importers.records import NoticeRecord, RowError
from redline.importers.refunds import sheet_tables
from redline.importers.text import (
    Cells,
    FileFormatError,
    HeaderMap,
    Source,
    decode,
    find_header,
    iter_records,
    load,
    parse_int,
    shorten,
)
from redline.records.ledger import DEDUCTION_TYPES, TYPE_NAMES

TIME, POINTS, TYPE, NOTE, NUMBER = "处罚时间", "扣分", "违规类型", "违规原因", "处罚编号"
REQUIRED = (TIME, POINTS, TYPE)
COLUMNS = (*REQUIRED, NOTE, NUMBER)
ALIASES: dict[str, tuple[str, ...]] = {
    TIME: ("扣分时间", "违规时间"),
    POINTS: ("分值",),
    TYPE: ("扣分类型", "类型"),
    NOTE: ("处罚原因", "说明"),
    NUMBER: ("违规编号",),
}
# Chinese names, the more specific first: 一般违规-违背承诺 counts on the 违背承诺 ledger.
_BY_NAME = tuple(
    (TYPE_NAMES[code][0], code) for code in ("severe", "commitment", "misinformation", "general")
)


def read_notices(source: Source, *, name: str | None = None) -> Iterator[NoticeRecord | RowError]:
    """Read a file of penalty notices. ``source`` is a path or the file's bytes; ``name``
    is the file name shown in messages (defaults to the path's name)."""
    data, label = load(source, name)
    try:
        header, rows = find_header(
            sheet_tables(data, label),
            REQUIRED,
            COLUMNS,
            label,
            "违规处罚记录",
            aliases=ALIASES,
            check=header_check("notices", label),
        )
    except WrongKind:
        raise
    except FileFormatError as exc:
        if not data.startswith((b"\xd0\xcf\x11\xe0", b"PK")):
            refuse_chat(decode(data)[0], "notices", label, exc)
        names = "；".join(f"{c}（或 {'、'.join(ALIASES[c])}）" for c in REQUIRED)
        raise FileFormatError(f"{exc}。需要的列：{names}") from None
    return iter_records(rows, header, _builder(header))


def parse_type(value: str) -> str:
    """The ledger type of a 违规类型 cell. Unknown → ValueError."""
    text = value.strip()
    if text.lower() in DEDUCTION_TYPES:
        return text.lower()
    for zh, code in _BY_NAME:
        if zh in text:
            return code
    raise ValueError(
        f"未知的违规类型 {shorten(value)}（可填：一般违规、违背承诺、滥发信息、严重违规，"
        "或 general/commitment/misinformation/severe） (unknown type)"
    )


def parse_points(value: str) -> int:
    """扣分: a whole number above zero; a trailing 分 is allowed. Bad → ValueError."""
    text = value.strip()
    if text.endswith("分"):
        text = text[:-1].rstrip()
    try:
        points = parse_int(text)
    except ValueError:
        raise ValueError(f"扣分 {shorten(value)} 不是整数 (points not a whole number)") from None
    if points <= 0:
        raise ValueError(f"扣分 {shorten(value)} 必须大于 0 (points must be positive)")
    return points


def _builder(header: HeaderMap) -> Callable[[int, Cells], NoticeRecord]:
    col = header.column
    at, points, kind, note, number = col(TIME), col(POINTS), col(TYPE), col(NOTE), col(NUMBER)

    def build(line: int, cells: Cells) -> NoticeRecord:
        notice_no = number.text(cells)
        if notice_no is not None and ("E+" in notice_no or "e+" in notice_no):
            raise ValueError(
                f"{NUMBER} {shorten(notice_no)} 已被 Excel 改成科学计数法，后几位已丢失"
                " (number mangled into scientific notation, digits lost)"
            )
        return NoticeRecord(
            line=line,
            at=at.required_time(cells),
            points=parse_points(points.required_text(cells)),
            type=parse_type(kind.required_text(cells)),
            note=note.text(cells),
            notice_no=notice_no,
        )

    return build
