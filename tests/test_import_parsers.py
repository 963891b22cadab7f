"""Parsers for real Taobao/Tmall exports (shared/spec/import-formats.md): no database."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import openpyxl
import pytest
import xlwt

from redline.importers.chats import qianniu_id, read_chats, read_qianniu_txt
from redline.importers.orders import read_items, read_orders
from redline.importers.records import ItemRecord, OrderRecord, RefundRecord, RowError
from redline.importers.refunds import read_refunds
from redline.importers.text import (
    CHINA,
    FileFormatError,
    HeaderMap,
    clean_cell,
    decode,
    parse_amount,
    parse_bool,
    parse_int,
    parse_time,
)
from redline.model import Conversation

ORDER_NO = "3012345678901234567"  # 19 digits: a float would lose the last ones
CN = timezone(timedelta(hours=8))
T = TypeVar("T")


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    """Rows joined by commas, cells quoted only when they need it (like the exports)."""
    out = []
    for row in rows:
        cells = []
        for cell in row:
            if any(c in cell for c in ',"\n'):
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        out.append(",".join(cells))
    return "\r\n".join(out) + "\r\n"


def orders(data: bytes) -> list[OrderRecord | RowError]:
    return list(read_orders(data, name="ExportOrderList202303011200.csv"))


def only(items: Iterable[object], kind: type[T]) -> list[T]:
    return [i for i in items if isinstance(i, kind)]


# ---------------------------------------------------------------- text helpers


def test_decode_reports_encoding() -> None:
    assert decode("订单编号".encode("gbk")) == ("订单编号", "gb18030")
    assert decode("\ufeff订单编号".encode()) == ("订单编号", "utf-8-sig")
    assert decode("订单编号".encode()) == ("订单编号", "utf-8")
    assert decode("订单编号\tx".encode("utf-16")) == ("订单编号\tx", "utf-16")
    text, name = decode(b"\x81\x30\xff\xff")  # neither UTF-8 nor GB18030
    assert name == "gb18030 (lossy)" and "\ufffd" in text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f'="{ORDER_NO}"', ORDER_NO),
        ("'13800138000", "13800138000"),
        ("\t3698521477", "3698521477"),
        ("  tb_buyer01 \u3000", "tb_buyer01"),
        ("-", None),
        (" ", None),
        ('=""', None),
        ('="-"', None),
        (None, None),
        ("a\x00b", "ab"),
        ("a-b", "a-b"),
    ],
)
def test_clean_cell(raw: str | None, clean: str | None) -> None:
    assert clean_cell(raw) == clean


def test_parse_values() -> None:
    assert parse_amount("128.00") == Decimal("128.00")
    assert parse_amount("1,280.50元") == Decimal("1280.50")
    assert parse_amount("￥12") == parse_amount("¥12") == Decimal(12)
    for bad in ("abc", "12.3.4", "NaN", "Infinity", "", "1" * 100):
        with pytest.raises(ValueError, match="不是有效的金额"):
            parse_amount(bad)
    assert parse_int("3") == parse_int("3.0") == parse_int(3.0) == 3
    with pytest.raises(ValueError, match="不是整数"):
        parse_int("2.5")
    assert parse_bool("是") and parse_bool("TRUE") and not parse_bool("否")
    with pytest.raises(ValueError, match="是"):
        parse_bool("也许")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-03-01 10:12:33", datetime(2023, 3, 1, 10, 12, 33, tzinfo=CHINA)),
        ("2023/3/1 9:05", datetime(2023, 3, 1, 9, 5, tzinfo=CHINA)),
        ("2023/3/1 9:05:07", datetime(2023, 3, 1, 9, 5, 7, tzinfo=CHINA)),
        ("2023-03-01", datetime(2023, 3, 1, tzinfo=CHINA)),
        ("2023年3月1日 10:12", datetime(2023, 3, 1, 10, 12, tzinfo=CHINA)),
        ("2023-03-01 10:12:33.0", datetime(2023, 3, 1, 10, 12, 33, tzinfo=CHINA)),
        ("44986.5", datetime(2023, 3, 1, 12, 0, tzinfo=CHINA)),
        (44986.5, datetime(2023, 3, 1, 12, 0, tzinfo=CHINA)),
        (datetime(2023, 3, 1, 8), datetime(2023, 3, 1, 8, tzinfo=CHINA)),
    ],
)
def test_parse_time(raw: str | float | datetime, expected: datetime) -> None:
    parsed = parse_time(raw)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=8)


def test_parse_time_keeps_explicit_offset_and_rejects_garbage() -> None:
    assert parse_time("2023-03-01T02:12:33Z") == datetime(2023, 3, 1, 10, 12, 33, tzinfo=CN)
    for bad in ("2023-13-01 10:00:00", "昨天", "12", "2023-02-30", "<script>"):
        with pytest.raises(ValueError, match="不是有效的时间"):
            parse_time(bad)


def test_parse_time_spreadsheet_objects() -> None:
    assert parse_time(date(2023, 3, 1)) == datetime(2023, 3, 1, tzinfo=CHINA)
    aware = datetime(2023, 3, 1, 2, tzinfo=UTC)
    assert parse_time(aware) is aware
    assert parse_time("20230301101233") == datetime(2023, 3, 1, 10, 12, 33, tzinfo=CHINA)


def test_header_map_spaces_duplicates_aliases_extra() -> None:
    header = HeaderMap(
        ["\ufeff订单编号 ", "联系电话\u3000", "退款的申请时间", "新列", "退款的申请时间", ""],
        known=["订单编号", "联系手机", "退款的申请时间"],
    )
    row = ["1", "'0571-88888888", "", "x", "2023-03-01 10:00:00", "orphan"]
    assert header.get(row, "订单编号") == "1"
    assert header.get(row, "联系手机") == "0571-88888888"  # alias 联系电话
    assert header.get(row, "退款的申请时间") == "2023-03-01 10:00:00"  # first non-empty
    assert header.extra(header.clean(row)) == {"新列": "x", "第6列": "orphan"}
    assert header.get(["1"], "联系手机") is None  # short row: missing cells are None
    assert header.missing(["订单编号", "退款编号"]) == ["退款编号"]
    repeated = HeaderMap(["订单编号", "备注", "备注"], known=["订单编号"])
    assert repeated.extra(repeated.clean(["1", "-", "第二个"])) == {"备注": "第二个"}


# ---------------------------------------------------------------- order report

ORDER_HEADER = [
    "订单编号",
    "买家会员名",
    "买家支付宝账号",
    "买家应付货款",
    "买家应付邮费",
    "总金额",
    "买家实际支付金额",
    "订单状态",
    "买家留言",
    "收货人姓名",
    "收货地址 ",
    "运送方式",
    "联系电话 ",
    "联系手机",
    "订单创建时间",
    "订单付款时间 ",
    "宝贝标题 ",
    "宝贝种类 ",
    "物流单号 ",
    "物流公司",
    "订单备注",
    "宝贝总数量",
    "店铺名称",
    "预售订单",
    "分阶段订单信息",
    "支付详情",
    "抖音号",
]


def order_row(**cells: str) -> list[str]:
    defaults = {
        "订单编号": f'="{ORDER_NO}"',
        "买家会员名": "tb_buyer01",
        "买家应付货款": "128.00",
        "买家应付邮费": "0.00",
        "总金额": "128.00元",
        "买家实际支付金额": "128.00",
        "订单状态": "买家已付款，等待卖家发货",
        "买家留言": "-",
        "收货人姓名": "张三",
        "收货地址 ": "浙江省 杭州市 西湖区 文三路1号",
        "运送方式": "快递",
        "联系电话 ": "-",
        "联系手机": "'13800138000",
        "订单创建时间": "2023-03-01 10:12:33",
        "订单付款时间 ": "2023-03-01 10:12:40",
        "宝贝标题 ": "纯棉T恤",
        "宝贝种类 ": "1",
        "宝贝总数量": "2",
        "店铺名称": "某某旗舰店",
        "抖音号": "\t3698521477",
    }
    defaults.update(cells)
    return [defaults.get(name, "") for name in ORDER_HEADER]


def test_order_report_gbk_with_export_quirks() -> None:
    data = csv_text([ORDER_HEADER, order_row()]).encode("gbk")
    (record,) = orders(data)
    assert isinstance(record, OrderRecord)
    assert record.line == 2
    assert record.order_no == ORDER_NO and isinstance(record.order_no, str)
    assert record.buyer_nick == "tb_buyer01"
    assert record.total_amount == Decimal("128.00")  # "128.00元"
    assert record.paid_amount == Decimal("128.00")
    assert record.phone == "13800138000"
    assert record.address == "浙江省 杭州市 西湖区 文三路1号"  # header had a trailing space
    assert record.paid_at == datetime(2023, 3, 1, 10, 12, 40, tzinfo=CHINA)
    assert record.title == "纯棉T恤"
    assert record.quantity == 2
    assert record.buyer_message is None  # "-"
    assert record.cod is False and record.presale is False
    # Unknown and flag-only columns are kept as cleaned text, empty ones dropped.
    assert record.extra == {"宝贝种类": "1", "抖音号": "3698521477"}


def test_order_report_utf8_bom_and_phone_alias() -> None:
    row = order_row(联系手机="", **{"联系电话 ": "'0571-88886666"})
    data = ("\ufeff" + csv_text([ORDER_HEADER, row])).encode()
    (record,) = orders(data)
    assert isinstance(record, OrderRecord)
    assert record.phone == "0571-88886666"
    assert record.order_no == ORDER_NO


def test_order_report_cod_and_presale() -> None:
    rows = [
        ORDER_HEADER,
        order_row(运送方式="货到付款"),
        order_row(订单状态="等待买家付款（货到付款）"),
        order_row(支付详情="货到付款:128.00"),
        order_row(预售订单="是"),
        order_row(分阶段订单信息="定金:20.00;尾款:108.00"),
        order_row(),
    ]
    records = only(orders(csv_text(rows).encode("gbk")), OrderRecord)
    assert [r.cod for r in records] == [True, True, True, False, False, False]
    assert [r.presale for r in records] == [False, False, False, True, True, False]
    assert records[2].extra["支付详情"] == "货到付款:128.00"


def test_bad_rows_reported_with_physical_line_and_others_kept() -> None:
    rows = [
        ORDER_HEADER,
        order_row(买家留言="第一行，\n第二行\n第三行"),  # lines 2-4
        order_row(买家实际支付金额="一百元"),  # line 5: bad amount
        order_row(订单编号=""),  # line 6: empty order number
        order_row(**{"订单付款时间 ": "昨天"}),  # line 7: bad time
        # line 8 is blank: skipped, but it still counts
        order_row(宝贝总数量="两件"),  # line 9
        order_row(订单编号="3.01234567890123E+18"),  # line 10: Excel mangled it
        order_row(),  # line 11
    ]
    text = csv_text(rows[:5]) + "\r\n" + csv_text(rows[5:])
    result = orders(text.encode("gbk"))
    good = only(result, OrderRecord)
    errors = only(result, RowError)
    assert [r.line for r in good] == [2, 11]
    assert good[0].buyer_message == "第一行，\n第二行\n第三行"
    assert [e.line for e in errors] == [5, 6, 7, 9, 10]
    assert "买家实际支付金额" in errors[0].reason and "一百元" in errors[0].reason
    assert "订单编号为空" in errors[1].reason
    assert "订单付款时间" in errors[2].reason and "昨天" in errors[2].reason
    assert "宝贝总数量" in errors[3].reason
    assert "科学计数法" in errors[4].reason


def test_short_and_long_rows() -> None:
    text = (
        ",".join(ORDER_HEADER)
        + "\n"
        + f'="{ORDER_NO}",tb_x\n'
        + ",".join(order_row())
        + ",x" * 40
        + "\n"
    )
    result = orders(text.encode())
    assert all(isinstance(r, OrderRecord) for r in result)
    short, long = result
    assert isinstance(short, OrderRecord) and isinstance(long, OrderRecord)
    assert short.buyer_nick == "tb_x" and short.paid_amount is None
    assert long.order_no == ORDER_NO and long.extra == {"宝贝种类": "1", "抖音号": "3698521477"}


def test_missing_required_column_is_one_clear_error() -> None:
    header = [name for name in ORDER_HEADER if name != "订单编号"]
    data = csv_text([header, ["x"] * len(header)]).encode("gbk")
    with pytest.raises(FileFormatError) as info:
        list(read_orders(data, name="ExportOrderList202303011200.csv"))
    message = str(info.value)
    assert "订单编号" in message and "ExportOrderList202303011200.csv" in message
    with pytest.raises(FileFormatError, match="空"):
        read_orders(b"\r\n\r\n", name="empty.csv")


def test_read_orders_from_path(tmp_path: Path) -> None:
    path = tmp_path / "ExportOrderList202303011200.csv"
    path.write_bytes(csv_text([ORDER_HEADER, order_row()]).encode("gbk"))
    (record,) = read_orders(path)
    assert isinstance(record, OrderRecord) and record.order_no == ORDER_NO


def test_items_file_with_aliases() -> None:
    header = [
        "订单编号",
        "标题",
        "价格",
        "购买数量",
        "规格名称",
        "套餐信息",
        "备注",
        "订单状态",
        "商家编码 ",
    ]
    rows = [
        header,
        [
            f'="{ORDER_NO}"',
            "纯棉T恤",
            "64.00",
            "2",
            "颜色分类:白色;尺码:L",
            "",
            "-",
            "交易成功",
            "TS-001",
        ],
        [f'="{ORDER_NO}"', "袜子", "九块九", "1", "", "", "", "", ""],
    ]
    result = list(read_items(csv_text(rows).encode("gbk"), name="ExportOrderDetailList.csv"))
    item, error = result
    assert isinstance(item, ItemRecord)
    assert item.order_no == ORDER_NO and item.price == Decimal("64.00") and item.quantity == 2
    assert item.sku == "颜色分类:白色;尺码:L" and item.outer_id == "TS-001"
    assert item.extra == {}
    assert isinstance(error, RowError) and error.line == 3 and "价格" in error.reason


def test_order_report_speed_smoke() -> None:
    """20,000 rows parse in well under a second or two (100,000 in a few seconds)."""
    import time

    line = csv_text([order_row()])
    data = (csv_text([ORDER_HEADER]) + line * 20_000).encode("gbk")
    start = time.perf_counter()
    count = sum(1 for r in read_orders(data) if isinstance(r, OrderRecord))
    assert count == 20_000
    assert time.perf_counter() - start < 5


# ---------------------------------------------------------------- refund report

REFUND_HEADER = [
    "订单编号",
    "退款编号",
    "支付宝交易号",
    "订单付款时间",
    "商品编码",
    "退款完结时间",
    "买家实际支付金额",
    "宝贝标题",
    "买家退款金额",
    "手工退款/系统退款",
    "是否需要退货",
    "退款的申请时间",
    "超时时间",
    "退款状态",
    "货物状态",
    "买家退款原因",
    "完结时间",
    "部分退款/全部退款",
    "业务类型",
    "退款完结时间",
    "退款的申请时间",
]

REFUND_ROW = [
    ORDER_NO,
    "150012345678901234",
    "2023030122001400000000000001",
    "2023-03-01 10:12:40",
    "-",
    "",
    "128.00",
    "纯棉T恤",
    "64.00",
    "系统退款",
    "是",
    "",
    "2023-03-08 10:00:00",
    "卖家已经同意退款，等待买家退货",
    "买家已收到货",
    "尺码不合适",
    "",
    "部分退款",
    "售后",
    "2023-03-05 11:00:00",
    "2023-03-02 09:30:00",
]


def check_refund(record: RefundRecord | RowError, line: int = 2) -> None:
    assert isinstance(record, RefundRecord), record
    assert record.line == line
    assert record.order_no == ORDER_NO
    assert record.refund_no == "150012345678901234"
    assert record.status == "卖家已经同意退款，等待买家退货"
    assert record.applied_at == datetime(2023, 3, 2, 9, 30, tzinfo=CHINA)  # second copy
    assert record.completed_at == datetime(2023, 3, 5, 11, 0, tzinfo=CHINA)
    assert record.refund_amount == Decimal("64.00")
    assert record.need_return is True
    assert record.partial is True
    assert record.after_sale_type == "售后"  # alias 业务类型
    assert record.goods_status == "买家已收到货"
    assert record.item_code is None
    assert record.extra == {"手工退款/系统退款": "系统退款"}


def test_refunds_from_csv() -> None:
    bad = REFUND_ROW.copy()
    bad[1] = ""  # empty 退款编号
    data = csv_text([REFUND_HEADER, REFUND_ROW, bad]).encode("gbk")
    good, error = read_refunds(data, name="退款.csv")
    check_refund(good)
    assert isinstance(error, RowError) and error.line == 3 and "退款编号为空" in error.reason


def test_refunds_from_tsv_named_xls() -> None:
    text = "\n".join("\t".join(r) for r in (REFUND_HEADER, REFUND_ROW))
    (record,) = read_refunds(text.encode("gbk"), name="退款.xls")
    check_refund(record)


def test_refunds_from_real_xls() -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("退款")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for c, name in enumerate(REFUND_HEADER):
        sheet.write(0, c, name)
    for c, value in enumerate(REFUND_ROW):
        if REFUND_HEADER[c] == "买家退款金额":
            sheet.write(1, c, 64.0)  # a number cell
        elif c == 20:
            sheet.write(1, c, datetime(2023, 3, 2, 9, 30), date_style)  # a date cell
        else:
            sheet.write(1, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    (record,) = read_refunds(data, name="退款.xls")
    check_refund(record)


def test_refunds_from_xlsx_with_title_row_and_blank_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["退款报表 2023-03"])  # a title row above the header
    sheet.append(REFUND_HEADER)
    row: list[object] = list(REFUND_ROW)
    row[8] = 64  # int
    row[20] = datetime(2023, 3, 2, 9, 30)
    sheet.append(row)
    sheet.append([])
    sheet.append(row)
    path = tmp_path / "退款.xlsx"
    book.save(path)
    first, second = read_refunds(path)
    check_refund(first, line=3)
    check_refund(second, line=5)


def refund_xlsx() -> bytes:
    """A one-refund report as .xlsx bytes."""
    book = openpyxl.Workbook()
    book.active.append(REFUND_HEADER)
    book.active.append(REFUND_ROW)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_refunds_from_xlsx_that_makes_openpyxl_warn() -> None:
    """A stylesheet openpyxl finds lacking makes it warn; the values still read."""
    source = zipfile.ZipFile(io.BytesIO(refund_xlsx()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
            target.writestr(info, data)
    (record,) = read_refunds(patched.getvalue(), name="退款.xlsx")
    check_refund(record)


def test_an_xlsx_zip_bomb_is_refused_before_it_inflates() -> None:
    """A 40 MB sheet of one repeated byte compresses to ~40 KB: refused by its declared
    size, not read; a real report of the same kind still reads."""
    report = refund_xlsx()
    source = zipfile.ZipFile(io.BytesIO(report))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/media/padding.bin", b"\0" * (40 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200 * 1024
    with pytest.raises(FileFormatError, match="解压后过大"):
        read_refunds(bomb.getvalue(), name="退款.xlsx")
    (record,) = read_refunds(report, name="退款.xlsx")
    check_refund(record)


def test_refunds_from_html_table_named_xls() -> None:
    cells = "".join(f"<th>{h} </th>" for h in REFUND_HEADER)
    values = [v.replace("尺码不合适", "尺码<br>不合适&amp;偏小") for v in REFUND_ROW]
    values[4] = "&nbsp;"
    row = "".join(f"<td>{v}</td>" for v in values)
    html = (
        "\r\n <html><head><meta charset=gbk><script>var x='<td>';</script></head><body>"
        f"<table border=1>\n<tr>{cells}</tr>\n<tr>{row}\n</table></body></html>"
    )
    (record,) = read_refunds(html.encode("gbk"), name="退款.xls")
    check_refund(record)
    assert isinstance(record, RefundRecord)
    assert record.reason == "尺码\n不合适&偏小"


def test_refunds_from_excel_2003_xml() -> None:
    def xml_row(values: Sequence[str]) -> str:
        return (
            "<Row>"
            + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in values)
            + "</Row>"
        )

    xml = (
        '<?xml version="1.0"?><Workbook xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="S"><Table>{xml_row(REFUND_HEADER)}{xml_row(REFUND_ROW)}'
        "</Table></Worksheet></Workbook>"
    )
    (record,) = read_refunds(xml.encode(), name="退款.xls")
    check_refund(record)


def test_refund_missing_required_and_damaged_files() -> None:
    header = [h for h in REFUND_HEADER if h != "退款状态"]
    with pytest.raises(FileFormatError, match="退款状态"):
        read_refunds(csv_text([header]).encode("gbk"), name="退款.csv")
    with pytest.raises(FileFormatError, match=r"\.xls"):
        read_refunds(b"\xd0\xcf\x11\xe0" + b"\x00" * 600, name="坏.xls")
    with pytest.raises(FileFormatError, match=r"\.xlsx"):
        read_refunds(b"PK\x03\x04garbage", name="坏.xlsx")


# ---------------------------------------------------------------- chats

QIANNIU = """某某旗舰店:小美
----------------------------cntaobaotb_buyer01----------------------------
cntaobaotb_buyer01(2023-03-01 10:05:12):  在吗，什么时候发货
还有，能开发票吗

cntaobao某某旗舰店:小美(2023-03-01 10:05:30):  亲，48小时内发货哦
发票可以开的
================================================================
----------------------------tb_empty----------------------------
================================================================
----------------------------tb_buyer02----------------------------
tb_buyer02(2023-03-02 08:00:00):  你好
某某旗舰店:阿强(2023-03-02 08:01:00):  您好
----------------------------tb_buyer03----------------------------
tb_buyer03(2023-03-03 09:00:00):  喂
"""


def test_qianniu_txt_gbk_crlf() -> None:
    data = QIANNIU.replace("\n", "\r\n").encode("gbk")
    result = list(read_qianniu_txt(data, name="聊天记录.txt"))
    assert all(isinstance(c, Conversation) for c in result)
    first, second, third = (c for c in result if isinstance(c, Conversation))
    # An opaque id: stable for a re-import, without the buyer's nick in it.
    assert first.id == qianniu_id("某某旗舰店", "tb_buyer01", first.messages[0].time)
    assert first.id.startswith("qn-") and "tb_buyer01" not in first.id
    # The export does not say which order a chat is about, nor who placed it: the
    # section's nick is the account chatting (the store links a real order).
    assert first.order is None
    buyer, agent = first.messages
    assert (buyer.role, buyer.account) == ("buyer", "tb_buyer01")
    assert buyer.text == "在吗，什么时候发货\n还有，能开发票吗"
    assert (agent.role, agent.account) == ("agent", "某某旗舰店:小美")
    assert agent.text == "亲，48小时内发货哦\n发票可以开的"
    assert agent.time == datetime(2023, 3, 1, 10, 5, 30, tzinfo=CHINA)
    assert agent.time is not None and agent.time.utcoffset() == timedelta(hours=8)
    # The empty section is skipped; an unclosed one still yields what it has.
    assert [m.role for m in second.messages] == ["buyer", "agent"]
    assert second.order is None and second.messages[0].account == "tb_buyer02"
    assert third.order is None and third.messages[0].account == "tb_buyer03"
    assert [m.text for m in third.messages] == ["喂"]


def test_qianniu_message_outside_section_is_a_row_error() -> None:
    text = "某某旗舰店:小美\n说明文字\ntb_x(2023-03-01 10:00:00):  hi\n" + QIANNIU.split("\n", 1)[1]
    result = list(read_qianniu_txt(text.encode()))
    errors = only(result, RowError)
    assert [e.line for e in errors] == [3]
    assert len(only(result, Conversation)) == 3


def test_read_chats_dispatches(tmp_path: Path) -> None:
    jsonl = tmp_path / "chats.jsonl"
    good = {"id": "c1", "messages": [{"role": "buyer", "text": "在吗"}]}
    jsonl.write_text(json.dumps(good, ensure_ascii=False) + "\n{bad\n", encoding="utf-8")
    conv, error = read_chats(jsonl)
    assert isinstance(conv, Conversation) and conv.id == "c1"
    assert isinstance(error, RowError) and error.line == 2
    txt = tmp_path / "聊天记录.txt"
    txt.write_bytes(QIANNIU.encode("gbk"))
    assert len(list(read_chats(txt))) == 3


# ---------------------------------------------------------------- hostile input


def test_hostile_cells_do_not_crash() -> None:
    huge = "长" * 1_000_000
    rows = [
        ORDER_HEADER,
        order_row(
            买家留言=huge, 收货人姓名="张\x00三", **{"宝贝标题 ": "<script>alert(1)</script>"}
        ),
        order_row(订单创建时间=huge, 买家实际支付金额="9" * 1000),
    ]
    result = orders(csv_text(rows).encode())
    record, error = result
    assert isinstance(record, OrderRecord)
    assert record.buyer_message == huge and record.title == "<script>alert(1)</script>"
    assert record.receiver_name == "张三"
    assert isinstance(error, RowError) and len(error.reason) < 300

    refund_row = list(REFUND_ROW)
    refund_row[7] = "<script>alert(1)</script>" + huge
    html = "<table><tr>" + "".join(f"<td>{h}</td>" for h in REFUND_HEADER) + "</tr><tr>"
    html += "".join(f"<td>{v}</td>" for v in refund_row) + "</tr></table>"
    (refund,) = read_refunds(html.encode(), name="x.xls")
    assert isinstance(refund, RefundRecord) and refund.title is not None

    chat = (
        "店:a\n"
        + "-" * 28
        + "b"
        + "-" * 28
        + "\nb(2023-03-01 10:00:00):  "
        + huge
        + "\x00<script>\n"
    )
    (conv,) = read_qianniu_txt(chat.encode())
    assert isinstance(conv, Conversation) and conv.messages[0].text.endswith("<script>")

    for junk in (b"", b"\x00" * 100, b"<", b"<table>", bytes(range(256)) * 10):
        with pytest.raises(FileFormatError):
            read_refunds(junk, name="junk.xls")
        with pytest.raises(FileFormatError):
            read_orders(junk, name="junk.csv")
        list(read_qianniu_txt(junk))


def test_order_tracking_number_loses_the_no_prefix() -> None:
    data = '订单编号,物流单号 \r\n="301",No:YT1234567890123\r\n="302",-\r\n'.encode("gbk")
    records = [r for r in read_orders(data) if not isinstance(r, RowError)]
    assert [r.tracking_no for r in records] == ["YT1234567890123", None]


# ---------------------------------------------------------------- encodings


def test_an_order_report_in_utf16_without_a_bom_reads() -> None:
    data = csv_text([ORDER_HEADER, order_row()]).encode("utf-16-le")
    (record,) = orders(data)
    assert isinstance(record, OrderRecord) and record.buyer_nick == "tb_buyer01"


def test_a_big5_order_report_is_named_not_misread() -> None:
    header = [
        h.replace("订单编号", "訂單編號").replace("买家会员名", "買家會員名") for h in ORDER_HEADER
    ]
    text = csv_text([header, order_row(收货人姓名="陳大文", 收货地址=" 香港")])
    data = text.encode("big5", errors="replace")
    with pytest.raises(FileFormatError, match="无法识别的编码：文件是 Big5"):
        orders(data)


def test_nul_bytes_in_a_gbk_report_are_dropped_with_a_warning() -> None:
    data = csv_text([ORDER_HEADER, order_row(买家会员名="小王的店铺粉丝")]).encode("gbk")
    damaged = data.replace("小王".encode("gbk"), b"\xd0\x00\xa1\x00\xcd\xf5")
    records = read_orders(damaged, name="订单.csv")
    (record,) = list(records)
    assert isinstance(record, OrderRecord)
    assert record.buyer_nick == "小王的店铺粉丝"  # not mojibake
    assert records.warnings and "NUL" in records.warnings[0]  # type: ignore[attr-defined]
