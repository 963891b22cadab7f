"""The refund report (退款管理 → 导出): CSV, .xls, .xlsx, or a ".xls" that is not one.

What a shop calls "the .xls" is often an HTML table or a CSV/TSV text file with
an .xls name, so the format is sniffed from the content, never the extension:

- ``D0 CF 11 E0`` (OLE2) → a real .xls, read with xlrd;
- ``PK`` (zip) → .xlsx, read with openpyxl (read-only, cached values);
- ``<`` after whitespace/BOM → an HTML table (or Excel 2003 XML), read with
  the standard library's :mod:`html.parser`;
- anything else → CSV text, tab-separated when the header line has tabs and no
  commas.

Row numbers are sheet row numbers (header row = 1) or physical CSV lines.
Required columns: 退款编号, 订单编号, 退款状态, 退款的申请时间.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from html.parser import HTMLParser
from typing import Any

import openpyxl
import xlrd

from redline.importers.kinds import header_check, refuse_chat
from redline.importers.records import RefundRecord, RowError
from redline.importers.text import (
    Cells,
    CellValue,
    FileFormatError,
    HeaderMap,
    Input,
    Records,
    Source,
    TableRow,
    csv_rows,
    decode_input,
    find_header,
    iter_records,
    number_text,
    present_fields,
)

REQUIRED = ("退款编号", "订单编号", "退款状态", "退款的申请时间")
PARTIAL = "部分退款/全部退款"

#: Refund report columns read into RefundRecord fields (aliases are added by HeaderMap).
REFUND_COLUMNS = (
    *REQUIRED,
    "支付宝交易号",
    "买家会员名称",  # else 买家会员名
    "订单付款时间",
    "宝贝标题",
    "商品编码",
    "买家实际支付金额",
    "买家退款金额",
    "是否需要退货",
    "超时时间",
    "货物状态",
    "客服介入状态",
    "退货物流单号",
    "退货物流公司",
    "买家退款原因",
    "买家退款说明",
    "买家退货时间",
    "售中或售后",
    "售后类型",  # else 业务类型
    "商家备注",
    "退款完结时间",  # else 完结时间
    PARTIAL,
    "责任方",
)

#: RefundRecord field → its columns (see redline.importers.orders.ORDER_FIELDS).
REFUND_FIELDS: dict[str, tuple[str, ...]] = {
    "refund_no": (),
    "order_no": (),
    "status": (),
    "applied_at": (),
    "alipay_no": ("支付宝交易号",),
    "buyer_nick": ("买家会员名称",),
    "paid_at": ("订单付款时间",),
    "title": ("宝贝标题",),
    "item_code": ("商品编码",),
    "paid_amount": ("买家实际支付金额",),
    "refund_amount": ("买家退款金额",),
    "need_return": ("是否需要退货",),
    "timeout_at": ("超时时间",),
    "goods_status": ("货物状态",),
    "dispute_status": ("客服介入状态",),
    "return_tracking_no": ("退货物流单号",),
    "return_carrier": ("退货物流公司",),
    "reason": ("买家退款原因",),
    "description": ("买家退款说明",),
    "buyer_returned_at": ("买家退货时间",),
    "phase": ("售中或售后",),
    "after_sale_type": ("售后类型",),
    "seller_memo": ("商家备注",),
    "completed_at": ("退款完结时间",),
    "partial": (PARTIAL,),
    "responsible": ("责任方",),
    "extra": (),
}

_OLE2 = b"\xd0\xcf\x11\xe0"
_ZIP = b"PK"


def read_refunds(source: Source, *, name: str | None = None) -> Iterator[RefundRecord | RowError]:
    """Read a refund report. ``source`` is a path or the file's bytes; ``name`` is
    the file name shown in messages (defaults to the path's name).

    The format and header are checked at once: an unreadable file or one missing a
    required column raises :class:`~redline.importers.text.FileFormatError` from
    this call, before any row; so does another report
    (:class:`~redline.importers.kinds.WrongKind`, e.g. an order report).
    """
    inp = Input(source, name)
    label = inp.label
    tables, warnings = input_tables(inp, expect=("退款编号",))
    try:
        header, rows = find_header(
            tables,
            REQUIRED,
            REFUND_COLUMNS,
            label,
            "退款报表",
            check=header_check("refunds", label),
        )
    except FileFormatError as exc:
        if not inp.head.startswith((_OLE2, _ZIP)):
            refuse_chat(decode_input(inp).head, "refunds", label, exc)
        raise
    records = iter_records(rows, header, _refund_builder(header))
    return Records(records, "refunds", present_fields(header, REFUND_FIELDS), warnings)


def sheet_tables(data: bytes, label: str, expect: tuple[str, ...] = ()) -> list[Iterator[TableRow]]:
    """The tables (sheets) of a spreadsheet-ish export, sniffed by content
    (``expect``: column names that pick the text encoding, see ``decode``)."""
    return input_tables(Input(data, label), expect)[0]


def input_tables(
    inp: Input, expect: tuple[str, ...] = ()
) -> tuple[list[Iterator[TableRow]], list[str]]:
    """:func:`sheet_tables` of a file read as a stream (a CSV is never held whole),
    and the whole-file warnings (a lossy decoding)."""
    if inp.head.startswith(_OLE2):
        return [iter(t) for t in _xls_tables(inp.data(), inp.label)], []
    if inp.head.startswith(_ZIP):
        return [iter(t) for t in _xlsx_tables(inp.data(), inp.label)], []
    decoded = decode_input(inp, expect)
    warning = decoded.warning()
    warnings = [warning] if warning else []
    if decoded.head.lstrip().startswith("<"):
        return [iter(t) for t in _html_tables(decoded.text())], warnings
    return [csv_rows(decoded)], warnings


# ---------------------------------------------------------------- .xls (xlrd)

_XL_TEXT, _XL_NUMBER, _XL_DATE, _XL_BOOLEAN = 1, 2, 3, 4


def _xls_tables(data: bytes, label: str) -> list[list[TableRow]]:
    try:
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), on_demand=True)
    except Exception as exc:  # xlrd raises many kinds on a damaged file
        raise FileFormatError(
            f"文件“{label}”不是能读取的 .xls 文件：{exc} (unreadable .xls file)"
        ) from exc
    tables: list[list[TableRow]] = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows: list[TableRow] = []
            for r in range(sheet.nrows):
                cells = [
                    _xls_cell(kind, value, book.datemode)
                    for kind, value in zip(sheet.row_types(r), sheet.row_values(r), strict=True)
                ]
                rows.append((r + 1, cells))
            tables.append(rows)
            book.unload_sheet(index)
    except Exception as exc:
        raise FileFormatError(
            f"文件“{label}”不是能读取的 .xls 文件：{exc} (unreadable .xls file)"
        ) from exc
    finally:
        book.release_resources()
    return tables


def _xls_cell(kind: int, value: Any, datemode: int) -> CellValue:
    if kind == _XL_TEXT:
        return _text(value)
    if kind == _XL_NUMBER:
        return number_text(value)
    if kind == _XL_DATE:
        try:
            when: datetime = xlrd.xldate.xldate_as_datetime(value, datemode)
        except Exception:  # out-of-range serials
            return number_text(value)
        return _sheet_time(when)
    if kind == _XL_BOOLEAN:
        return "true" if value else "false"
    return None  # empty, blank, error cells


# ---------------------------------------------------------------- .xlsx (openpyxl)


# An .xlsx is a zip: its entries are checked by their declared sizes before any is
# inflated (zipfile never inflates an entry past its declared size). A real report
# compresses 5-15 times; a "zip bomb" of 300 KB that inflates to 89 MB, hundreds.
XLSX_MAX_INFLATED = 256 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM = 4 * 1024 * 1024  # small entries may compress as well as they like


def check_zip_sizes(data: bytes, label: str) -> None:
    """Refuse an .xlsx whose entries would inflate beyond the limits (FileFormatError)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            entries = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FileFormatError(
            f"文件“{label}”不是能读取的 .xlsx 文件：{exc} (unreadable .xlsx file)"
        ) from exc
    total = sum(e.file_size for e in entries)
    worst = max(entries, key=lambda e: e.file_size / max(e.compress_size, 1), default=None)
    if total > XLSX_MAX_INFLATED or (
        worst is not None
        and worst.file_size > XLSX_RATIO_FROM
        and worst.file_size > XLSX_MAX_RATIO * max(worst.compress_size, 1)
    ):
        raise FileFormatError(
            f"文件“{label}”解压后过大（{total / 1024 / 1024:.0f} MiB，压缩比异常），"
            "已拒绝：请用淘宝/千牛重新导出，或另存为 CSV 再导入"
            f" (the .xlsx would inflate to {total / 1024 / 1024:.0f} MiB: refused)"
        )


def _xlsx_tables(data: bytes, label: str) -> list[list[TableRow]]:
    tables: list[list[TableRow]] = []
    check_zip_sizes(data, label)
    # openpyxl warns (UserWarning) about styles and extensions it does not keep;
    # they do not touch cell values. Only openpyxl's own warnings are silenced, and
    # the rows are read inside the block because read-only sheets parse lazily.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # zipfile, XML and openpyxl errors on a damaged file
            raise FileFormatError(
                f"文件“{label}”不是能读取的 .xlsx 文件：{exc} (unreadable .xlsx file)"
            ) from exc
        try:
            for sheet in book.worksheets:
                # Some writers store a wrong sheet size; read all rows regardless.
                sheet.reset_dimensions()
                tables.append(
                    [
                        (number, [_xlsx_cell(v) for v in values])
                        for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
                    ]
                )
        except Exception as exc:
            raise FileFormatError(
                f"文件“{label}”不是能读取的 .xlsx 文件：{exc} (unreadable .xlsx file)"
            ) from exc
        finally:
            book.close()
    return tables


def _xlsx_cell(value: Any) -> CellValue:
    if value is None:
        return None
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, datetime):
        return _sheet_time(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    return _text(str(value))


def _text(value: str) -> str:
    # A database cannot store NUL; HeaderMap.clean relies on readers removing it.
    return value.replace("\x00", "") if "\x00" in value else value


def _sheet_time(value: datetime) -> str:
    """A spreadsheet date cell as text that parse_time reads back exactly."""
    return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")


# ---------------------------------------------------------------- HTML ".xls"


class _Table:
    __slots__ = ("cell", "row", "rows")

    def __init__(self) -> None:
        self.rows: list[list[CellValue]] = []
        self.row: list[CellValue] | None = None
        self.cell: list[str] | None = None

    def end_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append("".join(self.cell))
            self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row is not None:
            self.rows.append(self.row)
            self.row = None


class _TableParser(HTMLParser):
    """Collects the text of every table's cells; ``<br>`` becomes a newline.

    Also reads Excel 2003 XML (``<Table><Row><Cell><Data>``), which some tools
    save under an .xls name. Script and style content is ignored.
    """

    _ROW = frozenset({"tr", "row"})
    _CELL = frozenset({"td", "th", "cell"})
    _SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[CellValue]]] = []
        self._open: list[_Table] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.rpartition(":")[2]
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "table":
            self._open.append(_Table())
        elif self._open:
            table = self._open[-1]
            if tag in self._ROW:
                table.end_row()
                table.row = []
            elif tag in self._CELL:
                table.end_cell()
                table.cell = []
            elif tag == "br" and table.cell is not None:
                table.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.rpartition(":")[2]
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "table":
            if self._open:
                self._finish(self._open.pop())
        elif self._open:
            if tag in self._ROW:
                self._open[-1].end_row()
            elif tag in self._CELL:
                self._open[-1].end_cell()

    def handle_data(self, data: str) -> None:
        if self._skip or not self._open:
            return
        cell = self._open[-1].cell
        if cell is not None:
            # Source line breaks are layout in HTML; only <br> breaks a line.
            text = data.replace("\r", " ").replace("\n", " ").replace("\t", " ")
            cell.append(_text(text))

    def close(self) -> None:
        super().close()
        while self._open:
            self._finish(self._open.pop())

    def _finish(self, table: _Table) -> None:
        table.end_row()
        if table.rows:
            self.tables.append(table.rows)


def _html_tables(text: str) -> list[list[TableRow]]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    # Tables are listed as they close (a nested table before its outer layout
    # table); find_header takes the first one that has the required header.
    return [[(number, row) for number, row in enumerate(rows, 1)] for rows in parser.tables]


# ---------------------------------------------------------------- records


def _refund_builder(header: HeaderMap) -> Callable[[int, Cells], RefundRecord]:
    col = header.column
    refund_no = col("退款编号")
    order_no = col("订单编号")
    status = col("退款状态")
    applied = col("退款的申请时间")
    alipay = col("支付宝交易号")
    buyer = col("买家会员名称")
    paid_at = col("订单付款时间")
    title = col("宝贝标题")
    item_code = col("商品编码")
    paid = col("买家实际支付金额")
    refund = col("买家退款金额")
    need_return = col("是否需要退货")
    timeout = col("超时时间")
    goods = col("货物状态")
    dispute = col("客服介入状态")
    return_no = col("退货物流单号")
    return_carrier = col("退货物流公司")
    reason = col("买家退款原因")
    description = col("买家退款说明")
    returned = col("买家退货时间")
    phase = col("售中或售后")
    after_sale = col("售后类型")
    memo = col("商家备注")
    completed = col("退款完结时间")
    partial = col(PARTIAL)
    responsible = col("责任方")

    def build(line: int, cells: Cells) -> RefundRecord:
        extra = header.extra(cells)
        partial_text = partial.text(cells)
        is_partial: bool | None = None
        if partial_text is not None:
            if "部分" in partial_text:
                is_partial = True
            elif "全部" in partial_text:
                is_partial = False
            else:
                extra[PARTIAL] = partial_text  # unknown wording: kept, not guessed
        return RefundRecord(
            line=line,
            refund_no=refund_no.identifier(cells),
            order_no=order_no.identifier(cells),
            status=status.required_text(cells),
            applied_at=applied.required_time(cells),
            alipay_no=alipay.text(cells),
            buyer_nick=buyer.text(cells),
            paid_at=paid_at.time(cells),
            title=title.text(cells),
            item_code=item_code.text(cells),
            paid_amount=paid.amount(cells),
            refund_amount=refund.amount(cells),
            need_return=need_return.boolean(cells) or False,
            timeout_at=timeout.time(cells),
            goods_status=goods.text(cells),
            dispute_status=dispute.text(cells),
            return_tracking_no=return_no.text(cells),
            return_carrier=return_carrier.text(cells),
            reason=reason.text(cells),
            description=description.text(cells),
            buyer_returned_at=returned.time(cells),
            phase=phase.text(cells),
            after_sale_type=after_sale.text(cells),
            seller_memo=memo.text(cells),
            completed_at=completed.time(cells),
            partial=is_partial,
            responsible=responsible.text(cells),
            extra=extra,
        )

    return build
