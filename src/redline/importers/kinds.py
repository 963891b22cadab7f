"""Which report is this? Recognising a shop export by its column set.

Every reader checks the file it is given against its own kind before a single
row is read: a refund report handed to the order importer (both have 订单编号)
must not "update" the orders with the refund report's columns. The rule is
evidence by column names, never by the file name:

- **退款报表**: 退款编号 together with 退款状态, 退款的申请时间 or 买家退款金额 —
  no other export has a refund number;
- **违规处罚记录**: a points column (扣分 / 分值) with a penalty time or type;
- **订单报表** vs **宝贝报表**: both have 订单编号 (and 订单状态); the columns only
  one of them has are counted, and the larger count wins. A file with neither
  (only 订单编号) is not recognised as anything and is left to the reader;
- **聊天记录**: a Qianniu TXT export (a ``----买家----`` section line, or a
  ``speaker(yyyy-MM-dd HH:mm:ss):`` message line) or JSONL (``{`` lines).

A file recognised as another kind raises :class:`WrongKind` (a
:class:`~redline.importers.text.FileFormatError`) naming what it looks like, so
the command line exits 2 and the web page shows the message; nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from redline.importers.text import FileFormatError, HeaderMap, clean_header

#: kind → (Chinese name, English name with its article, command that imports it)
KIND_NAMES: dict[str, tuple[str, str, str]] = {
    "orders": ("订单报表", "an order report", "redline import orders"),
    "items": ("宝贝报表", "an item report", "redline import items"),
    "refunds": ("退款报表", "a refund report", "redline import refunds"),
    "notices": ("违规处罚记录", "a penalty notice file", "redline ledger import"),
    "chats": ("聊天记录", "a chat log", "redline import chats"),
}

_REFUND_NO = "退款编号"
_REFUND_MORE = frozenset({"退款状态", "退款的申请时间", "买家退款金额"})
_NOTICE_POINTS = frozenset({"扣分", "分值"})
_NOTICE_MORE = frozenset(
    {"处罚时间", "扣分时间", "违规时间", "违规类型", "扣分类型", "处罚编号", "违规编号"}
)
#: Columns of the order report that the item report never has.
ORDER_ONLY = frozenset(
    {
        "买家会员名",
        "买家支付宝账号",
        "买家应付货款",
        "买家应付邮费",
        "总金额",
        "买家实际支付金额",
        "收货人姓名",
        "收货地址",
        "联系手机",
        "联系电话",
        "运送方式",
        "订单创建时间",
        "订单付款时间",
        "宝贝标题",
        "宝贝种类",
        "宝贝总数量",
        "物流单号",
        "物流公司",
        "买家留言",
        "订单备注",
        "商家备忘",
        "订单关闭原因",
        "店铺名称",
        "确认收货时间",
        "发货时间",
    }
)
#: Columns of the item report that the order report never has.
ITEM_ONLY = frozenset(
    {
        "标题",
        "价格",
        "购买数量",
        "外部系统编号",
        "商家编码",
        "商品属性",
        "规格名称",
        "套餐信息",
        "备注",
    }
)

_SECTION = re.compile(r"^-{10,}.+-{10,}$")
_MESSAGE = re.compile(r"^.+\(\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}\):")


class WrongKind(FileFormatError):
    """The file is another kind of export than the one chosen."""

    def __init__(self, label: str, expected: str, detected: str) -> None:
        self.expected = expected
        self.detected = detected
        zh, en, command = KIND_NAMES[detected]
        want_zh, want_en, _ = KIND_NAMES[expected]
        super().__init__(
            f"文件“{label}”不是{want_zh}：这看起来是{zh}，请选择 {zh}（命令行：{command}）。"
            f"未做任何改动。(This looks like a {en}, not a {want_en}: choose {zh} / "
            f"`{command}`. Nothing was changed.)"
        )


def classify_header(names: Iterable[object]) -> str | None:
    """The report kind a header row belongs to, or None if it says too little."""
    cols = {clean_header(n) for n in names}
    cols.discard("")
    if _REFUND_NO in cols and cols & _REFUND_MORE:
        return "refunds"
    if cols & _NOTICE_POINTS and cols & _NOTICE_MORE:
        return "notices"
    if "订单编号" in cols:
        orders, items = len(cols & ORDER_ONLY), len(cols & ITEM_ONLY)
        if orders > items:
            return "orders"
        if items > orders:
            return "items"
    return None


def looks_like_chat(text: str, lines: int = 20) -> bool:
    """True if the start of ``text`` is a Qianniu TXT export or JSONL chats."""
    seen = 0
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if _SECTION.match(line) or _MESSAGE.match(line):
            return True
        if seen == 0 and line.startswith("{") and '"messages"' in line:
            return True
        seen += 1
        if seen >= lines:
            break
    return False


def check_kind(names: Iterable[object], expected: str, label: str) -> None:
    """Raise :class:`WrongKind` if a header row belongs to another kind than ``expected``."""
    detected = classify_header(names)
    if detected is not None and detected != expected:
        raise WrongKind(label, expected, detected)


def header_check(expected: str, label: str) -> Callable[[HeaderMap], None]:
    """A ``check`` for :func:`~redline.importers.text.find_header`: every candidate
    header row is held against ``expected``."""

    def check(header: HeaderMap) -> None:
        check_kind(header.names, expected, label)

    return check


def refuse_chat(text: str, expected: str, label: str, exc: FileFormatError) -> None:
    """After a table reader found no header: a chat log gets a clearer message."""
    if not isinstance(exc, WrongKind) and looks_like_chat(text):
        raise WrongKind(label, expected, "chats") from None
