"""Low-level helpers shared by the export parsers: bytes → text, cells → values, headers.

Everything here follows the quirks listed in shared/spec/import-formats.md: GBK or
UTF-8 (with BOM) text, ``="…"`` / leading ``'`` / leading tab cell wrappers, ``-``
for null, amounts ending in ``元``, China-time timestamps, header names with
stray spaces, repeated header names, and columns that drift between versions
(matched by name, never by position).

Error messages are meant for a shop supervisor: Chinese first, English after in
parentheses. Values quoted in messages are shortened, so a hostile 1 MB cell
cannot blow up a report.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO, TextIO, TypeVar
from zoneinfo import ZoneInfo

from redline.importers.records import RowError

CHINA = ZoneInfo("Asia/Shanghai")

#: A file to read: a path, or the file's bytes.
Source = str | os.PathLike[str] | bytes
#: One cell as a reader hands it over: text or nothing. Spreadsheet readers write
#: dates as ``yyyy-MM-dd HH:mm:ss`` text and numbers as in :func:`number_text`.
CellValue = str | None
#: One row of cells, in file order.
Row = Sequence[CellValue]
#: A row after :meth:`HeaderMap.clean`: cleaned cells, one per header column, plus a None.
Cells = list[CellValue]
#: One table row with its 1-based line (CSV) or sheet row number, or a RowError.
TableRow = tuple[int, Row | RowError]

T = TypeVar("T")

#: Header names tried, in order, when the first one is absent or empty in a row.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "联系手机": ("联系电话",),
    "外部系统编号": ("商家编码",),
    "商品属性": ("规格名称",),
    "退款完结时间": ("完结时间",),
    "售后类型": ("业务类型",),
    "订单备注": ("商家备忘",),
    "买家会员名称": ("买家会员名",),
}

_EXCEL_EPOCH = datetime(1899, 12, 30)
# Excel serial days accepted as timestamps: 1954-10-03 … 2119-01-09. Anything
# else in a time column is far more likely garbage than a date.
_SERIAL_MIN, _SERIAL_MAX = 20000.0, 80000.0
_MAX_NUMBER_CHARS = 64
_AMOUNT_CACHE = 4096  # distinct amounts remembered per column
_TRUE = frozenset({"是", "true", "1", "yes", "y", "√", "✓"})
_FALSE = frozenset({"否", "false", "0", "no", "n", "×", "✗"})


class FileFormatError(ValueError):
    """The whole file cannot be read (unknown format, missing required columns)."""


# ---------------------------------------------------------------- bytes → text


def load(source: Source, name: str | None = None) -> tuple[bytes, str]:
    """Return (file bytes, a name to show in messages)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), name or "<上传数据>"
    path = Path(source)
    return path.read_bytes(), name or path.name


HEAD_BYTES = 1 << 16  # what sniffing a file's kind and encoding looks at
_BLOCK = 1 << 20


class Input:
    """One file to import, read from disk (or memory) as a stream, never whole.

    ``head`` is its first bytes, for sniffing; :meth:`open` gives a fresh binary
    stream over all of it; :meth:`data` reads it whole (spreadsheets only).
    """

    def __init__(self, source: Source, name: str | None = None) -> None:
        if isinstance(source, bytes | bytearray | memoryview):
            self._bytes: bytes | None = bytes(source)
            self.path: Path | None = None
            self.label = name or "<上传数据>"
        else:
            self._bytes = None
            self.path = Path(source)
            self.label = name or self.path.name
        with self.open() as fh:
            self.head = fh.read(HEAD_BYTES)

    def open(self) -> BinaryIO:
        if self._bytes is not None:
            return io.BytesIO(self._bytes)
        assert self.path is not None
        return self.path.open("rb")

    def data(self) -> bytes:
        if self._bytes is not None:
            return self._bytes
        assert self.path is not None
        return self.path.read_bytes()

    def blocks(self, drop_nul: bool) -> Iterator[bytes]:
        with self.open() as fh:
            while block := fh.read(_BLOCK):
                yield block.replace(b"\x00", b"") if drop_nul else block


class _DropNul(io.RawIOBase):
    """A binary stream without the NUL bytes of the one it wraps (a damaged copy)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            block = self._fh.read(_BLOCK)
            if not block:
                return 0
            self._pending = block.replace(b"\x00", b"")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


@dataclass
class Decoded:
    """How a file decodes: the encoding's name (ending in ``" (lossy)"`` when bytes
    were dropped or replaced), its first characters, and how many U+FFFD the text
    holds. :meth:`lines` streams the whole text."""

    source: Input
    codec: str
    encoding: str
    head: str
    replaced: int = 0

    @property
    def lossy(self) -> bool:
        return self.encoding.endswith("(lossy)")

    def stream(self) -> TextIO:
        raw: BinaryIO = self.source.open()
        if self._drop_nul:
            raw = io.BufferedReader(_DropNul(raw), _BLOCK)
        errors = "replace" if self.lossy else "strict"
        return io.TextIOWrapper(raw, encoding=self.codec, errors=errors, newline="")

    @property
    def _drop_nul(self) -> bool:
        return not self.codec.startswith("utf-16")

    def text(self) -> str:
        with self.stream() as fh:
            return fh.read()

    def warning(self) -> str | None:
        return decode_warning_count(self.replaced, self.encoding)


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of the head is NUL (ASCII-heavy text)."""
    if len(head) < 8:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _strict(inp: Input, codec: str, drop_nul: bool) -> bool:
    """Whether the whole file decodes as ``codec`` without an error (streamed)."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        for block in inp.blocks(drop_nul):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _replacements(inp: Input, codec: str, drop_nul: bool) -> int:
    decoder = codecs.getincrementaldecoder(codec)("replace")
    count = 0
    for block in inp.blocks(drop_nul):
        count += decoder.decode(block).count("\ufffd")
    return count + decoder.decode(b"", final=True).count("\ufffd")


def _head_text(head: bytes, codec: str) -> str:
    return codecs.getincrementaldecoder(codec)("replace").decode(head)


def decode_input(inp: Input, expect: tuple[str, ...] = ()) -> Decoded:
    """How an export decodes (see :func:`decode`), found by streaming the file."""
    head = inp.head

    def found(codec: str, name: str, drop_nul: bool, lossy: bool) -> Decoded:
        text_head = _head_text(head.replace(b"\x00", b"") if drop_nul else head, codec)
        replaced = _replacements(inp, codec, drop_nul) if lossy else 0
        return Decoded(inp, codec, name + (" (lossy)" if lossy else ""), text_head, replaced)

    if head.startswith(b"\xef\xbb\xbf"):
        return found("utf-8-sig", "utf-8-sig", True, not _strict(inp, "utf-8-sig", True))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return found("utf-16", "utf-16", False, not _strict(inp, "utf-16", False))
    wide = _utf16_without_bom(head[:4096])
    if wide:
        return found(wide, wide, False, not _strict(inp, wide, False))
    has_nul = any(b"\x00" in block for block in inp.blocks(False))
    strict: list[Decoded] = []
    for codec in ("utf-8", "gb18030"):
        if not _strict(inp, codec, has_nul):
            continue
        decoded = found(codec, codec, has_nul, False)
        if has_nul:
            decoded.encoding += " (lossy)"
        strict.append(decoded)
        if not expect or any(col in decoded.head[:4000] for col in expect):
            return decoded
    if expect:
        _refuse_foreign_encoding(head.replace(b"\x00", b""), expect)
    if strict:
        return strict[0]
    return found("gb18030", "gb18030", has_nul, True)


def decode(data: bytes, expect: tuple[str, ...] = ()) -> tuple[str, str]:
    """Decode an export; return (text, encoding name).

    A UTF-8 BOM means ``utf-8-sig``, a UTF-16 BOM (Excel "Unicode text") means
    ``utf-16``, and so does a head whose every other byte is NUL (UTF-16 without a
    BOM); otherwise strict UTF-8 is tried, then GB18030 (a superset of GBK, what
    Taobao's CSV exports use). With ``expect`` (column names the report must have),
    Big5 and Shift-JIS are tried too when GB18030 does not show any of them near
    the top: those bytes decode as GB18030 without an error, as nonsense.

    NUL bytes elsewhere (a damaged copy) are dropped, and bytes no encoding reads
    are replaced by U+FFFD; either way the name ends in ``" (lossy)"`` and
    :func:`decode_warning` says what was lost. :func:`decode_input` does the same
    on a stream, for files too big to hold twice.
    """
    decoded = decode_input(Input(data), expect)
    return decoded.text(), decoded.encoding


FOREIGN_ENCODINGS = {"big5": "Big5（繁体中文）", "shift_jis": "Shift-JIS（日文）"}


def _refuse_foreign_encoding(data: bytes, expect: tuple[str, ...]) -> None:
    """A report saved as Big5 or Shift-JIS decodes as GB18030 without an error, as
    nonsense; when another encoding shows the expected columns, say so."""
    from redline.guard.normalize import traditional_table

    for codec, name in FOREIGN_ENCODINGS.items():
        try:
            head = data[:8000].decode(codec, errors="ignore")
        except LookupError:  # pragma: no cover - both codecs ship with Python
            continue
        if any(col in head.translate(traditional_table()) for col in expect):
            raise FileFormatError(
                f"无法识别的编码：文件是 {name} 编码，淘宝报表应为 GBK 或 UTF-8；"
                "请用淘宝导出的原始文件，或在 Excel 中另存为“CSV UTF-8”后再导入"
                f" (the file is {codec}: use the original Taobao export, or save it as CSV UTF-8)"
            )


def decode_warning(text: str, encoding: str) -> str | None:
    """What a lossy decoding lost, for the import report; None when nothing was."""
    return decode_warning_count(text.count("\ufffd"), encoding)


def decode_warning_count(bad: int, encoding: str) -> str | None:
    """:func:`decode_warning` given how many U+FFFD the text holds."""
    if not encoding.endswith("(lossy)"):
        return None
    return (
        f"文件编码有误（按 {encoding.split()[0]} 读取）：{bad} 处无法识别的字节已替换为 �，"
        "NUL 字节已忽略；请确认文件是淘宝导出的原始文件（GBK 或 UTF-8）"
        f" (lossy decoding: {bad} unreadable bytes replaced, NUL bytes dropped)"
    )


def shorten(value: object, limit: int = 40) -> str:
    """``repr`` of a value for an error message, cut to ``limit`` characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        return repr(text[:limit]) + "…"
    return repr(text)


# ---------------------------------------------------------------- cells


def clean_header(value: object) -> str:
    """A header name without BOM and surrounding (also full-width) spaces."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text.replace("\ufeff", "").strip()


def clean_cell(value: str | None) -> str | None:
    """The text of a cell without export wrappers; ``None`` for empty or ``-``.

    Strips spaces; ``="3012…"`` → ``3012…``; a leading ``'`` (phone numbers) or tab
    (Douyin ids) is dropped; NUL characters are removed (a database cannot store
    them).
    """
    if value is None:
        return None
    s = value.strip()
    if not s:
        return None
    first = s[0]
    if first == "=" and len(s) >= 3 and s[1] == '"' and s[-1] == '"':
        s = s[2:-1].strip()
        if not s:
            return None
        first = s[0]
    if first == "'":
        s = s[1:].strip()
    if "\x00" in s:
        s = s.replace("\x00", "").strip()
    if not s or s == "-":
        return None
    return s


# ---------------------------------------------------------------- values


def parse_amount(value: str | int | float | Decimal) -> Decimal:
    """Yuan as Decimal: ``128.00``, ``1,280.50元``, ``¥12``, ``￥12``. Bad → ValueError."""
    if isinstance(value, str):
        # Fast path, most cells: a plain number (Decimal also takes "1e3", "NaN").
        if len(value) <= _MAX_NUMBER_CHARS and "0" <= value[-1:] <= "9" and "," not in value:
            try:
                amount = Decimal(value)
            except InvalidOperation:
                pass
            else:
                if amount.is_finite():
                    return amount
        s = value.strip()
        if s.endswith("元"):
            s = s[:-1].rstrip()
        if s.startswith(("¥", "￥")):
            s = s[1:].lstrip()
        if "," in s:
            s = s.replace(",", "")
        if not s or len(s) > _MAX_NUMBER_CHARS or "_" in s:
            raise ValueError(f"{shorten(value)} 不是有效的金额 (not a valid amount)")
        try:
            amount = Decimal(s)
        except InvalidOperation:
            raise ValueError(f"{shorten(value)} 不是有效的金额 (not a valid amount)") from None
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        amount = Decimal(repr(value))
    else:
        raise ValueError(f"{shorten(value)} 不是有效的金额 (not a valid amount)")
    if not amount.is_finite():
        raise ValueError(f"{shorten(value)} 不是有效的金额 (not a valid amount)")
    return amount


def parse_int(value: str | int | float) -> int:
    """A whole number: ``3``, ``3.0`` (spreadsheets), ``1,200``. Bad → ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"{shorten(value)} 不是整数 (not a whole number)")
    s = str(value).strip().replace(",", "")
    if s.isascii() and s.isdigit() and len(s) <= _MAX_NUMBER_CHARS:
        return int(s)
    try:
        number = parse_amount(s)
    except ValueError:
        raise ValueError(f"{shorten(value)} 不是整数 (not a whole number)") from None
    if number != number.to_integral_value():
        raise ValueError(f"{shorten(value)} 不是整数 (not a whole number)")
    return int(number)


def parse_bool(value: str | bool) -> bool:
    """是/否, true/false, 1/0, yes/no. Anything else → ValueError."""
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"{shorten(value)} 不是“是”或“否” (not yes/no)")


def parse_time(value: str | datetime | date | float) -> datetime:
    """A timezone-aware datetime; naive values are China time (Asia/Shanghai).

    Accepts ``yyyy-MM-dd HH:mm:ss`` (the export format), ISO 8601,
    ``yyyy/M/d H:mm[:ss]``, ``yyyy-MM-dd``, ``yyyy年M月d日 H:mm``,
    ``yyyyMMdd[HHmmss]``, Excel serial day numbers and datetime/date
    objects from spreadsheets. Anything else → ValueError.
    """
    if isinstance(value, str):
        s = value.strip()
        if len(s) <= _MAX_NUMBER_CHARS and s.isascii():
            # C-fast; takes the export's "yyyy-MM-dd HH:mm:ss", ISO 8601, yyyyMMdd.
            try:
                parsed = datetime.fromisoformat(s)
            except ValueError:
                pass
            else:
                return parsed if parsed.tzinfo is not None else _in_china(parsed)
        return _parse_time_slow(s, value)
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else _in_china(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=CHINA)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value), value)
    raise ValueError(f"{shorten(value)} 不是有效的时间 (not a valid time)")


def _in_china(naive: datetime) -> datetime:
    # datetime.combine is several times faster than naive.replace(tzinfo=…).
    return datetime.combine(naive, naive.time(), CHINA)


def _parse_time_slow(s: str, original: object) -> datetime:
    bad = ValueError(f"{shorten(original)} 不是有效的时间 (not a valid time)")
    if not s or len(s) > _MAX_NUMBER_CHARS or not s.isprintable():
        raise bad
    norm = (
        s.replace("年", "-")
        .replace("月", "-")
        .replace("日", " ")
        .replace("/", "-")
        .replace(".", "-")
        .replace("T", " ")
    )
    parts = norm.split()
    if len(parts) in (1, 2) and parts[0].count("-") == 2:
        try:
            y, mo, d = (int(p) for p in parts[0].split("-"))
            hh = mm = ss = 0
            if len(parts) == 2:
                clock = parts[1].split(":")
                if len(clock) not in (2, 3):
                    raise bad
                hh, mm = int(clock[0]), int(clock[1])
                if len(clock) == 3:
                    ss = int(clock[2].split("-", 1)[0])  # "33.0" became "33-0"
            return datetime(y, mo, d, hh, mm, ss, tzinfo=CHINA)
        except ValueError:
            raise bad from None
    if s.isascii() and s.isdigit() and len(s) == 14:
        try:
            return _in_china(datetime.strptime(s, "%Y%m%d%H%M%S"))
        except ValueError:
            raise bad from None
    try:
        serial = float(s)
    except ValueError:
        raise bad from None
    return _from_serial(serial, original)


def _from_serial(serial: float, original: object) -> datetime:
    if not _SERIAL_MIN <= serial < _SERIAL_MAX:
        raise ValueError(f"{shorten(original)} 不是有效的时间 (not a valid time)")
    return _in_china(_EXCEL_EPOCH + timedelta(seconds=round(serial * 86400)))


def number_text(value: float | int) -> str:
    """A spreadsheet number as text: ``12.0`` → ``"12"``, ``12.5`` → ``"12.5"``.

    Whole numbers above 2**53 are not exact in a float (an 18-digit order number
    typed into Excel has already lost digits); they keep the exponent form
    (``3.012345678901234e+18``) so readers can tell instead of inventing digits.
    """
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


# ---------------------------------------------------------------- headers


class Column:
    """One logical column: its positions (repeats, then aliases) in a cleaned row.

    The accessors take the list :meth:`HeaderMap.clean` made of a row; a value
    that does not parse raises ValueError naming the column and the value.
    """

    __slots__ = ("_amounts", "first", "indexes", "name", "rest")

    def __init__(self, name: str, indexes: tuple[int, ...], missing: int) -> None:
        self.name = name
        self.indexes = indexes
        # A column the file lacks reads the always-None slot at the row's end.
        self.first = indexes[0] if indexes else missing
        self.rest = indexes[1:]
        # Amounts repeat a lot ("0.00", a product's price); Decimal is immutable.
        self._amounts: dict[str, Decimal] = {}

    def __bool__(self) -> bool:
        return bool(self.indexes)

    def text(self, cells: Cells) -> str | None:
        """The first non-empty cell among the positions."""
        v = cells[self.first]
        if v is None and self.rest:
            for i in self.rest:
                v = cells[i]
                if v is not None:
                    break
        return v

    def amount(self, cells: Cells) -> Decimal | None:
        v = self.text(cells)
        if v is None:
            return None
        amount = self._amounts.get(v)
        if amount is None:
            try:
                amount = parse_amount(v)
            except ValueError as exc:
                raise ValueError(f"列“{self.name}”的值 {exc}") from None
            if len(self._amounts) < _AMOUNT_CACHE:
                self._amounts[v] = amount
        return amount

    def integer(self, cells: Cells) -> int | None:
        v = self.text(cells)
        if v is None:
            return None
        try:
            return parse_int(v)
        except ValueError as exc:
            raise ValueError(f"列“{self.name}”的值 {exc}") from None

    def boolean(self, cells: Cells) -> bool | None:
        v = self.text(cells)
        if v is None:
            return None
        try:
            return parse_bool(v)
        except ValueError as exc:
            raise ValueError(f"列“{self.name}”的值 {exc}") from None

    def time(self, cells: Cells) -> datetime | None:
        v = self.text(cells)
        if v is None:
            return None
        try:
            return parse_time(v)
        except ValueError as exc:
            raise ValueError(f"列“{self.name}”的值 {exc}") from None

    def required_text(self, cells: Cells) -> str:
        v = self.text(cells)
        if v is None:
            raise ValueError(f"{self.name}为空 (required value is empty)")
        return v

    def identifier(self, cells: Cells) -> str:
        """A required id (订单编号, 退款编号) as text; empty or mangled by Excel → ValueError."""
        v = self.required_text(cells)
        if "E+" in v or "e+" in v:
            raise ValueError(
                f"{self.name} {shorten(v)} 已被 Excel 改成科学计数法，后几位已丢失"
                " (id mangled into scientific notation, digits lost)"
            )
        return v

    def required_time(self, cells: Cells) -> datetime:
        v = self.time(cells)
        if v is None:
            raise ValueError(f"{self.name}为空 (required value is empty)")
        return v


class HeaderMap:
    """Header names → positions, built once per file from its header row.

    Names are cleaned (:func:`clean_header`). A name that repeats keeps all its
    positions; reading it gives the first non-empty cell. A name that is absent
    or empty falls back to its :data:`ALIASES`. Columns that are neither in
    ``known`` nor an alias of a known name come back from :meth:`extra`.

    Rows are read in two steps: :meth:`clean` once per row (every cell cleaned,
    cut or padded to the header's width), then :class:`Column` accessors.
    """

    def __init__(
        self,
        header: Row,
        known: Iterable[str] = (),
        aliases: Mapping[str, tuple[str, ...]] = ALIASES,
    ) -> None:
        self.names = [clean_header(h) for h in header]
        self.width = len(self.names)
        positions: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            if name:
                positions.setdefault(name, []).append(i)
        self.positions = {name: tuple(p) for name, p in positions.items()}
        self.aliases = aliases
        self._columns: dict[str, Column] = {}
        known_all: set[str] = set()
        for name in known:
            known_all.add(name)
            known_all.update(aliases.get(name, ()))
        self.extra_columns = tuple(
            (name or f"第{i + 1}列", i)
            for i, name in enumerate(self.names)
            if name not in known_all
        )
        extra_names = [name for name, _ in self.extra_columns]
        self._extra_unique = len(set(extra_names)) == len(extra_names)
        self._extra_names = tuple(extra_names)
        # itemgetter(i) returns a bare value, itemgetter(i, j) a tuple: keep tuples.
        indexes = [i for _, i in self.extra_columns]
        self._extra_get: Callable[[Cells], tuple[str | None, ...]] = (
            (lambda cells: ()) if not indexes else _tuple_getter(indexes)
        )

    def column(self, name: str) -> Column:
        col = self._columns.get(name)
        if col is None:
            indexes = self.positions.get(name, ())
            for alias in self.aliases.get(name, ()):
                indexes += self.positions.get(alias, ())
            col = self._columns[name] = Column(name, indexes, self.width)
        return col

    def has(self, name: str) -> bool:
        return bool(self.column(name))

    def missing(self, names: Iterable[str]) -> list[str]:
        return [name for name in names if not self.has(name)]

    def clean(self, row: Row) -> Cells:
        """Every cell cleaned (:func:`clean_cell`); cells past the header dropped,
        missing ones None, plus one trailing None that absent columns read."""
        # Most cells need no cleaning: test that inline (this runs for every cell
        # of every row), call clean_cell only for the others. ``strip()`` returns
        # the very same object when there is nothing to strip; if it ever does
        # not, the cell merely takes the slow path. NUL characters are removed by
        # the table readers, before this.
        cells: Cells = [
            None
            if not c or c == "-"
            else c
            if c.strip() is c and c[0] not in "='"
            else clean_cell(c)
            for c in row[: self.width]
        ]
        cells.extend([None] * (self.width + 1 - len(cells)))
        return cells

    def get(self, row: Row, name: str) -> str | None:
        """The cleaned text of column ``name`` in a raw row (first non-empty of
        repeats, then aliases). Convenience; parsers use :meth:`clean` + Column."""
        return self.column(name).text(self.clean(row))

    def extra(self, cells: Cells) -> dict[str, str]:
        """Unknown columns with a value in this cleaned row: header → text."""
        if self._extra_unique:
            return {
                name: v
                for name, v in zip(self._extra_names, self._extra_get(cells), strict=True)
                if v is not None
            }
        out: dict[str, str] = {}  # a repeated unknown name: its first non-empty cell
        for name, i in self.extra_columns:
            v = cells[i]
            if v is not None and name not in out:
                out[name] = v
        return out


def _tuple_getter(indexes: Sequence[int]) -> Callable[[Cells], tuple[str | None, ...]]:
    if len(indexes) == 1:
        (index,) = indexes
        return lambda cells: (cells[index],)
    getter = operator.itemgetter(*indexes)
    return lambda cells: getter(cells)


# ---------------------------------------------------------------- tables


def is_blank(row: Row) -> bool:
    return all(cell is None or not cell.strip() for cell in row)


def csv_rows(text: str | Decoded) -> Iterator[TableRow]:
    """CSV (or TSV) rows with the physical line each starts on (first line = 1).

    ``text`` is the whole text, or a :class:`Decoded` file read as a stream. The
    delimiter is a tab when the first line has tabs and no commas. Quoted cells may
    hold commas and newlines.
    """
    head = text if isinstance(text, str) else text.head
    end = head.find("\n")
    first_line = head if end < 0 else head[:end]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    _allow_big_fields()
    if isinstance(text, str):
        lines: Iterator[str] = _without_nul(io.StringIO(text, newline=""))
        yield from _csv_reader(lines, delimiter)
        return
    with text.stream() as stream:
        yield from _csv_reader(_without_nul(stream), delimiter)


def _without_nul(lines: Iterable[str]) -> Iterator[str]:
    # A database cannot store NUL; HeaderMap.clean relies on this.
    for line in lines:
        yield line.replace("\x00", "") if "\x00" in line else line


def _csv_reader(lines: Iterator[str], delimiter: str) -> Iterator[TableRow]:
    reader = csv.reader(lines, delimiter=delimiter)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, RowError(start, f"CSV 格式错误：{exc} (malformed CSV)")
            if reader.line_num + 1 == start:  # stuck: stop instead of looping
                return
            start = reader.line_num + 1
            continue
        yield start, row
        start = reader.line_num + 1


def _allow_big_fields() -> None:
    # The csv module refuses cells over 128 KiB by default; product descriptions
    # and hostile files go beyond. The limit is process-wide; only ever raised.
    limit = min(sys.maxsize, 2**31 - 1)
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


def find_header(
    tables: Sequence[Iterator[TableRow]],
    required: Sequence[str],
    known: Iterable[str],
    source: str,
    what: str,
    scan: int = 10,
    aliases: Mapping[str, tuple[str, ...]] = ALIASES,
    check: Callable[[HeaderMap], None] | None = None,
) -> tuple[HeaderMap, Iterator[TableRow]]:
    """Find the header row: the first of the first ``scan`` non-blank rows that has
    every required column (title rows above it are skipped), in the first table
    (sheet) that has one. Returns the header and the table's remaining rows.
    ``aliases`` are the other names a column may go by (see :class:`HeaderMap`).
    ``check`` sees every candidate row up to the header and may raise (a file of
    another kind: :mod:`redline.importers.kinds`).

    Raises :class:`FileFormatError` naming the missing columns and the file.
    """
    known = tuple(known)
    first_missing: list[str] | None = None
    for rows in tables:
        seen = 0
        for _line, row in rows:
            if isinstance(row, RowError) or is_blank(row):
                continue
            header = HeaderMap(row, known, aliases)
            if check is not None:
                check(header)
            missing = header.missing(required)
            if not missing:
                return header, rows
            if first_missing is None:
                first_missing = missing
            seen += 1
            if seen >= scan:
                break
    if first_missing is None:
        raise FileFormatError(
            f"文件“{source}”（{what}）是空的，没有表头行 (empty file, no header row)"
        )
    raise FileFormatError(
        f"文件“{source}”（{what}）缺少必需的列：{'、'.join(first_missing)}"
        f" (missing required column(s): {', '.join(first_missing)})"
    )


class Records(Iterator[T]):
    """The records of one file, and which record fields the file has a column for.

    ``fields`` is None when unknown (every field counts as present). A field the
    file has no column for means "not in this file": the store keeps what it
    holds instead of writing the record's default (None / False) over it.
    """

    def __init__(
        self,
        it: Iterator[T],
        kind: str,
        fields: frozenset[str] | None,
        warnings: list[str] | None = None,
    ) -> None:
        self._it = it
        self.kind = kind
        self.fields = fields
        # Whole-file warnings (a lossy decoding): the import report shows them.
        self.warnings = warnings or []

    def __iter__(self) -> Records[T]:
        return self

    def __next__(self) -> T:
        return next(self._it)


def present_fields(header: HeaderMap, columns: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    """The record fields whose columns (any of them, aliases included) the header has;
    a field mapped to no column (``extra``, keys) is always present."""
    return frozenset(
        name for name, cols in columns.items() if not cols or any(header.has(c) for c in cols)
    )


def iter_records(
    rows: Iterator[TableRow], header: HeaderMap, build: Callable[[int, Cells], T]
) -> Iterator[T | RowError]:
    """Clean each row and build its record; rows with no value are skipped, and a
    ValueError becomes a RowError for that row while reading goes on."""
    clean = header.clean
    for line, row in rows:
        if isinstance(row, RowError):
            yield row
            continue
        cells = clean(row)
        if cells.count(None) == len(cells):
            continue
        try:
            yield build(line, cells)
        except ValueError as exc:
            yield RowError(line, str(exc))
