"""The month generator: real export layouts, one consistent world, same seed → same bytes."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from redline.demo.generate import (
    ITEM_HEADER,
    ORDER_HEADER,
    REFUND_HEADER,
    generate_month,
    main,
)
from redline.model import Conversation

CHINA = timezone(timedelta(hours=8))
NOW = datetime(2026, 10, 31, 20, 0)  # the default: the day after the month, 20:00
KINDS = {"orders", "items", "refunds_xlsx", "refunds_csv", "chats_txt", "chats_jsonl"}

ORDER_STATUSES = {
    "等待买家付款",
    "买家已付款，等待卖家发货",
    "卖家已发货，等待买家确认",
    "交易成功",
    "交易关闭",
}
REFUND_STATUSES = {
    "买家已经申请退款，等待卖家同意",
    "卖家已经同意退款，等待买家退货",
    "买家已经退货，等待卖家确认收货",
    "卖家拒绝退款",
    "退款关闭",
    "退款成功",
}
PENDING = REFUND_STATUSES - {"退款关闭", "退款成功"}
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MESSAGE_RE = re.compile(
    r"^(?P<speaker>.+?)\((?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\):  (?P<text>.*)$"
)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_month(tmp_path_factory.mktemp("month"))


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"), newline="")))


def records(path: Path) -> list[dict[str, str]]:
    """Rows by header name; a repeated header keeps its first non-empty value."""
    header, *rows = read_csv(path)
    out = []
    for row in rows:
        record: dict[str, str] = {}
        for name, value in zip(header, row, strict=True):
            if not record.get(name):
                record[name] = value
        out.append(record)
    return out


def order_no(cell: str) -> str:
    assert cell.startswith('="') and cell.endswith('"'), cell
    return cell[2:-1]


def when(cell: str) -> datetime:
    return datetime.strptime(cell, "%Y-%m-%d %H:%M:%S")


def amount(cell: str) -> Decimal:
    return Decimal(cell.removesuffix("元"))


# --- files and determinism ---------------------------------------------------------------------


def test_returns_every_kind_with_the_real_file_names(month: dict[str, Path]) -> None:
    assert set(month) == KINDS
    assert month["orders"].name == "ExportOrderList202610312000.csv"
    assert month["items"].name == "ExportOrderDetailList202610312000.csv"
    assert month["refunds_xlsx"].name == "refunds20261031.xlsx"
    assert month["refunds_csv"].name == "refunds20261031.csv"
    assert month["chats_txt"].name == "chats20261031.txt"
    assert month["chats_jsonl"].name == "chats20261031.jsonl"
    assert all(path.stat().st_size > 0 for path in month.values())


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = generate_month(tmp_path / "a", seed=11, orders=300)
    again = generate_month(tmp_path / "b", seed=11, orders=300)
    other = generate_month(tmp_path / "c", seed=12, orders=300)
    for kind in KINDS:
        assert first[kind].read_bytes() == again[kind].read_bytes(), kind
    assert first["orders"].read_bytes() != other["orders"].read_bytes()


@pytest.mark.parametrize("kind", ["orders", "items", "refunds_csv", "chats_txt"])
def test_gbk_with_crlf(month: dict[str, Path], kind: str) -> None:
    raw = month[kind].read_bytes()
    raw.decode("gbk")  # strict: every character fits GBK
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really GBK, not UTF-8 that happens to decode
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")


# --- the order report --------------------------------------------------------------------------


def test_order_header_has_the_real_trailing_spaces(month: dict[str, Path]) -> None:
    first_line = month["orders"].read_bytes().decode("gbk").split("\r\n", 1)[0]
    assert first_line == ",".join(ORDER_HEADER)
    for name in ("收货地址 ", "联系电话 ", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 "):
        assert f",{name}," in first_line
    assert ORDER_HEADER[0] == "订单编号" and ORDER_HEADER[-1] == "预售订单"
    assert len(ORDER_HEADER) == len(set(ORDER_HEADER)) == 40


def test_order_cells_carry_the_export_quirks(month: dict[str, Path]) -> None:
    text = month["orders"].read_bytes().decode("gbk")
    assert re.search(r'^="\d{19}",', text.split("\r\n")[1])  # raw, not csv-quoted
    header, *rows = read_csv(month["orders"])
    assert len(rows) == 600
    assert all(len(row) == len(header) for row in rows)
    orders = records(month["orders"])
    numbers = [order_no(o["订单编号"]) for o in orders]
    assert all(re.fullmatch(r"\d{19}", n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"'1[3-9]\d{9}", o["联系手机"]) for o in orders)
    assert all(o["联系电话 "] == "-" for o in orders)
    assert all(o["打款商家金额"].endswith("元") for o in orders)
    assert any(o["物流单号 "] == "-" for o in orders)
    assert any(o["物流单号 "].startswith("No:") for o in orders)
    assert all(len(o["收货地址 "].split(" ", 3)) == 4 for o in orders)  # 省 市 区 详细地址
    created = [when(o["订单创建时间"]) for o in orders]
    assert created == sorted(created, reverse=True)  # newest first, like the backend
    assert datetime(2026, 10, 1) <= min(created) and max(created) < datetime(2026, 10, 31)


def test_orders_cover_the_real_statuses_and_order_types(month: dict[str, Path]) -> None:
    orders = records(month["orders"])
    assert {o["订单状态"] for o in orders} == ORDER_STATUSES
    cod = [o for o in orders if "货到付款" in o["运送方式"]]
    presale = [o for o in orders if o["预售订单"] == "是"]
    multi = [o for o in orders if int(o["宝贝种类 "]) > 1]
    assert cod and presale and multi
    assert all(o["分阶段订单信息"].startswith("定金") for o in presale)
    reasons = Counter(o["订单关闭原因"] for o in orders if o["订单状态"] == "交易关闭")
    assert {"买家未付款", "退款成功"} <= set(reasons)


def test_order_amounts_and_times_are_consistent(month: dict[str, Path]) -> None:
    for o in records(month["orders"]):
        goods, postage = amount(o["买家应付货款"]), amount(o["买家应付邮费"])
        assert amount(o["总金额"]) == goods + postage
        paid = amount(o["买家实际支付金额"])
        assert paid <= goods + postage
        assert amount(o["退款金额"]) <= paid
        if postage:
            assert o["收货地址 "].startswith(("新疆", "西藏"))  # the listing's only exclusions
        times = [o["订单创建时间"], o["订单付款时间 "], o["发货时间"], o["确认收货时间"]]
        present = [when(t) for t in times if t not in ("", "-")]
        assert all(TIME_RE.match(t) for t in times if t not in ("", "-"))
        assert all(t <= NOW for t in present)
        if o["订单状态"] == "等待买家付款":
            assert paid == 0 and not o["订单付款时间 "]
        if (
            o["订单状态"] in ("卖家已发货，等待买家确认", "交易成功")
            and "货到付款" not in o["运送方式"]
        ):
            assert o["物流单号 "].startswith("No:") and o["物流公司"] != "-"
        if o["订单状态"] == "交易成功":
            assert o["确认收货时间"] != "-"


def test_item_prices_sum_to_the_goods_amount(month: dict[str, Path]) -> None:
    header = read_csv(month["items"])[0]
    assert tuple(header) == ITEM_HEADER
    goods: dict[str, Decimal] = defaultdict(Decimal)
    lines: Counter[str] = Counter()
    for item in records(month["items"]):
        number = order_no(item["订单编号"])
        goods[number] += amount(item["价格"]) * int(item["购买数量"])
        lines[number] += 1
        assert item["商品属性"].startswith("颜色分类：")
    orders = records(month["orders"])
    assert set(goods) == {order_no(o["订单编号"]) for o in orders}
    for o in orders:
        number = order_no(o["订单编号"])
        assert goods[number] == amount(o["买家应付货款"]), number
        assert lines[number] == int(o["宝贝种类 "])
    assert max(lines.values()) > 1


# --- the refund report ---------------------------------------------------------------------------


def test_refund_header_repeats_the_application_time(month: dict[str, Path]) -> None:
    header = read_csv(month["refunds_csv"])[0]
    assert tuple(header) == REFUND_HEADER
    assert header.count("退款的申请时间") == 2


def test_every_refund_belongs_to_an_order_and_stays_within_what_was_paid(
    month: dict[str, Path],
) -> None:
    orders = {order_no(o["订单编号"]): o for o in records(month["orders"])}
    refunds = records(month["refunds_csv"])
    assert 30 <= len(refunds) <= 60  # about 8% of 600 orders
    assert len({r["退款编号"] for r in refunds}) == len(refunds)
    for r in refunds:
        order = orders[order_no(r["订单编号"])]
        assert r["买家会员名称"] == order["买家会员名"]
        assert r["订单付款时间"] == order["订单付款时间 "]
        assert r["宝贝标题"] in order["宝贝标题 "]
        refund, paid_for_item = amount(r["买家退款金额"]), amount(r["买家实际支付金额"])
        assert refund <= paid_for_item <= amount(order["买家实际支付金额"])
        if r["退款状态"] == "退款成功" and order["订单状态"] == "交易关闭":
            assert order["订单关闭原因"] == "退款成功"
            assert amount(order["退款金额"]) == refund


def test_refunds_cover_every_status_type_and_reason(month: dict[str, Path]) -> None:
    refunds = records(month["refunds_csv"])
    assert {r["退款状态"] for r in refunds} == REFUND_STATUSES
    assert {"仅退款", "退货退款", "维修"} <= {r["售后类型"] for r in refunds}
    assert {"售中", "售后"} == {r["售中或售后"] for r in refunds}
    assert {"全部退款", "部分退款"} <= {r["部分退款/全部退款"] for r in refunds}
    reasons = {r["买家退款原因"] for r in refunds}
    assert len(reasons) >= 8
    assert reasons <= {
        "缺货",
        "未按约定时间发货",
        "协商一致退款",
        "其他",
        "多拍/拍错/不想要",
        "未收到货",
        "快递一直未送达",
        "虚假发货",
        "七天无理由退换货",
        "质量问题",
        "发错货",
        "少件/漏发",
        "尺码不合适",
        "价格问题",
    }


def test_refund_clocks_run_against_now(month: dict[str, Path]) -> None:
    refunds = records(month["refunds_csv"])
    overdue = not_yet = 0
    for r in refunds:
        applied = when(r["退款的申请时间"])
        assert applied <= NOW
        if r["退款状态"] in PENDING:
            timeout = when(r["超时时间"])
            assert timeout > applied
            assert NOW - applied < timedelta(days=17)  # still open: applied recently
            overdue += timeout < NOW
            not_yet += timeout >= NOW
            assert not r["退款完结时间"]
        else:
            finished = when(r["退款完结时间"])
            assert applied <= finished <= NOW
            assert r["完结时间"] == r["退款完结时间"] and not r["超时时间"]
        if r["退款状态"] == "买家已经退货，等待卖家确认收货":
            returned = when(r["买家退货时间"])
            assert applied < returned <= NOW
            assert when(r["超时时间"]) == returned + timedelta(days=10)
            assert re.fullmatch(r"SF\d{13}|YT\d{13}|7\d{11}", r["退货物流单号"])
            assert r["退货物流公司"] in ("顺丰速运", "圆通速递", "中通快递")
            assert r["货物状态"] == "买家已退货"
        if r["退款状态"] == "买家已经申请退款，等待卖家同意":
            assert when(r["超时时间"]) == applied + timedelta(days=5)
    assert overdue and not_yet


def test_refund_xlsx_holds_the_same_rows(month: dict[str, Path]) -> None:
    wb = load_workbook(month["refunds_xlsx"], read_only=True)
    sheet = wb.worksheets[0]
    width = len(REFUND_HEADER)
    rows = [
        [cell or "" for cell in row] + [""] * (width - len(row))  # trailing empty cells
        for row in sheet.iter_rows(values_only=True)
    ]
    wb.close()
    header, *body = rows
    assert tuple(header) == REFUND_HEADER
    assert header.count("退款的申请时间") == 2
    csv_rows = read_csv(month["refunds_csv"])[1:]
    assert len(body) == len(csv_rows)
    for xlsx_row, csv_row in zip(body, csv_rows, strict=True):
        cleaned = [c[2:-1] if c.startswith('="') else c for c in csv_row]
        assert [str(c) for c in xlsx_row] == cleaned


# --- chats -------------------------------------------------------------------------------------------


def chat_sections(path: Path) -> tuple[str, list[tuple[str, list[str]]]]:
    lines = path.read_bytes().decode("gbk").split("\r\n")
    assert lines[-1] == ""
    account, body = lines[0], lines[1:-1]
    sections: list[tuple[str, list[str]]] = []
    for line in body:
        opened = re.fullmatch(r"-{28}(.+)-{28}", line)
        if opened:
            sections.append((opened.group(1), []))
        elif line == "=" * 64:
            continue
        else:
            sections[-1][1].append(line)
    return account, sections


def test_chat_txt_is_a_qianniu_export(month: dict[str, Path]) -> None:
    account, sections = chat_sections(month["chats_txt"])
    assert account == "云朵家居旗舰店:小美"
    assert len(sections) == 60
    text = month["chats_txt"].read_bytes().decode("gbk")
    assert text.count("=" * 64 + "\r\n") == len(sections)
    continuation = prefixed = 0
    buyers = {o["买家会员名"] for o in records(month["orders"])}
    known = 0
    for nick, lines in sections:
        known += nick in buyers
        assert MESSAGE_RE.match(lines[0])
        for line in lines:
            m = MESSAGE_RE.match(line)
            if m is None:
                continuation += 1
                continue
            speaker = m.group("speaker").removeprefix("cntaobao")
            prefixed += m.group("speaker").startswith("cntaobao")
            assert speaker == nick or speaker.startswith("云朵家居旗舰店:")
            assert when(m.group("time")) <= NOW
    assert continuation and prefixed
    assert known >= len(sections) - 3  # all but the third parties asking about someone's order


def test_chat_jsonl_matches_the_txt_and_the_orders(month: dict[str, Path]) -> None:
    _account, sections = chat_sections(month["chats_txt"])
    lines = month["chats_jsonl"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(sections)
    numbers = {order_no(o["订单编号"]) for o in records(month["orders"])}
    linked = 0
    for line, (nick, txt_lines) in zip(lines, sections, strict=True):
        data = json.loads(line)
        conv = Conversation.from_dict(data)
        spoken = [m for m in conv.messages if m.role != "system"]
        assert spoken[0].account == nick or spoken[0].role == "agent"
        assert len(spoken) == sum(1 for t in txt_lines if MESSAGE_RE.match(t))
        assert all(m.time is not None and m.time <= NOW.replace(tzinfo=CHINA) for m in spoken)
        assert conv.shop.cod and conv.shop.free_shipping
        if conv.order is not None:
            linked += 1
            assert conv.order.id in numbers
    assert linked >= len(lines) // 3


def test_about_one_chat_in_ten_plants_a_red_line_mistake(month: dict[str, Path]) -> None:
    agent_texts = [
        m["text"]
        for line in month["chats_jsonl"].read_text(encoding="utf-8").splitlines()
        for m in json.loads(line)["messages"]
        if m["role"] == "agent"
    ]
    planted = (
        "不开发票",
        "税点",
        "微信",
        "偏远地区",
        "不支持货到付款",
        "手续费",
        "运费需要您自己承担",
        "收件人",
        "关掉",
        "肯定到",
        "全网最低价",
        "我已经说过了",
    )
    hits = [t for t in agent_texts if any(p in t for p in planted)]
    assert 3 <= len(hits) <= 12


# --- arguments and scale ---------------------------------------------------------------------------


def test_now_is_honoured_in_china_time(tmp_path: Path) -> None:
    now = datetime(2026, 10, 20, 4, 30, tzinfo=UTC)  # 12:30 in China
    paths = generate_month(tmp_path, orders=200, now=now)
    assert paths["orders"].name == "ExportOrderList202610201230.csv"
    cutoff = datetime(2026, 10, 20, 12, 30)
    for o in records(paths["orders"]):
        assert when(o["订单创建时间"]) <= cutoff
    for r in records(paths["refunds_csv"]):
        assert when(r["退款的申请时间"]) <= cutoff


def test_rejects_a_now_before_the_month(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_month(tmp_path, start=date(2026, 10, 1), now=datetime(2026, 9, 30, 12, 0))


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "out"), "--orders", "80", "--seed", "3"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in printed] == [
        "orders",
        "items",
        "refunds_xlsx",
        "refunds_csv",
        "chats_txt",
        "chats_jsonl",
    ]
    assert len(read_csv(Path(printed[0].split("\t")[1]))) == 81


def test_big_order_report(tmp_path: Path) -> None:
    """The benchmark's input at scale (make bench-import times 100,000 rows)."""
    paths = generate_month(tmp_path, orders=20_000)
    raw = paths["orders"].read_bytes()
    assert raw.count(b"\r\n") == 20_001
    text = raw.decode("gbk")
    assert text.count('\r\n="') == 20_000
