"""The order report (``ExportOrderList*.csv``) and its item file (``ExportOrderDetailList*.csv``).

Both come from 卖家中心 → 已卖出的宝贝 → 批量导出 as GBK (sometimes UTF-8) CSV.
Columns are matched by name; the only required one is 订单编号. A row that
cannot be read (empty order number, an amount or time that does not parse)
becomes a :class:`RowError` with its physical line and reading goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from redline.importers.kinds import header_check, refuse_chat
from redline.importers.records import ItemRecord, OrderRecord, RowError
from redline.importers.refunds import sheet_tables
from redline.importers.text import (
    Cells,
    Decoded,
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
    present_fields,
)

ORDER_NO = "订单编号"
COD = "货到付款"

#: Order report columns read into OrderRecord fields (aliases are added by HeaderMap).
ORDER_COLUMNS = (
    ORDER_NO,
    "买家会员名",
    "订单状态",
    "买家应付货款",
    "买家应付邮费",
    "总金额",
    "买家实际支付金额",
    "订单创建时间",
    "订单付款时间",
    "发货时间",
    "确认收货时间",
    "收货人姓名",
    "收货地址",
    "联系手机",  # else 联系电话
    "运送方式",
    "物流单号",
    "物流公司",
    "宝贝标题",
    "宝贝总数量",
    "买家留言",
    "订单备注",  # else 商家备忘
    "店铺名称",
    "订单关闭原因",
    "退款金额",
    "发票抬头",
    "预售订单",
)
# 支付详情 and 分阶段订单信息 are read for the cod / presale flags but say more
# than a flag, so they stay in ``extra`` too.

#: Item file columns read into ItemRecord fields.
ITEM_COLUMNS = (
    ORDER_NO,
    "标题",
    "价格",
    "购买数量",
    "外部系统编号",  # else 商家编码
    "商品属性",  # else 规格名称
    "套餐信息",
    "备注",
    "订单状态",
)

_YES = ("是", "true", "1")
_SPREADSHEET = (b"\xd0\xcf\x11\xe0", b"PK")  # .xls (OLE2), .xlsx (zip)

#: OrderRecord field → the columns it is read from. A field none of whose columns
#: the file has is "not in this file" (the store keeps its value).
ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "order_no": (),
    "buyer_nick": ("买家会员名",),
    "status": ("订单状态",),
    "goods_amount": ("买家应付货款",),
    "shipping_fee": ("买家应付邮费",),
    "total_amount": ("总金额",),
    "paid_amount": ("买家实际支付金额",),
    "created_at": ("订单创建时间",),
    "paid_at": ("订单付款时间",),
    "shipped_at": ("发货时间",),
    "confirmed_at": ("确认收货时间",),
    "receiver_name": ("收货人姓名",),
    "address": ("收货地址",),
    "phone": ("联系手机",),
    "shipping_method": ("运送方式",),
    "tracking_no": ("物流单号",),
    "carrier": ("物流公司",),
    "title": ("宝贝标题",),
    "quantity": ("宝贝总数量",),
    "buyer_message": ("买家留言",),
    "seller_memo": ("订单备注",),
    "shop_name": ("店铺名称",),
    "close_reason": ("订单关闭原因",),
    "refund_amount": ("退款金额",),
    "invoice_title": ("发票抬头",),
    "presale": ("预售订单", "分阶段订单信息"),
    # 订单状态 alone says little about 货到付款: the flag counts as known only
    # when the file has the shipping method or the payment details.
    "cod": ("运送方式", "支付详情"),
    "extra": (),
}

#: ItemRecord field → its columns (see ORDER_FIELDS).
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "order_no": (),
    "title": ("标题",),
    "price": ("价格",),
    "quantity": ("购买数量",),
    "outer_id": ("外部系统编号",),
    "sku": ("商品属性",),
    "package": ("套餐信息",),
    "memo": ("备注",),
    "status": ("订单状态",),
    "extra": (),
}


def read_orders(source: Source, *, name: str | None = None) -> Iterator[OrderRecord | RowError]:
    """Read an order report. ``source`` is a path or the file's bytes; ``name`` is
    the file name shown in messages (defaults to the path's name).

    The header is checked at once: a file without 订单编号 raises
    :class:`~redline.importers.text.FileFormatError` from this call, before any row,
    and so does a file whose columns are another report's
    (:class:`~redline.importers.kinds.WrongKind`: a refund report has 订单编号 too).
    """
    inp = Input(source, name)
    decoded = decode_input(inp, expect=(ORDER_NO,))
    header, rows = _header(inp, decoded, ORDER_COLUMNS, "orders", "订单报表")
    records = iter_records(rows, header, _order_builder(header))
    return Records(records, "orders", present_fields(header, ORDER_FIELDS), _warnings(decoded))


def read_items(source: Source, *, name: str | None = None) -> Iterator[ItemRecord | RowError]:
    """Read an item file (宝贝报表), one ItemRecord per item row. Same rules as :func:`read_orders`."""
    inp = Input(source, name)
    decoded = decode_input(inp, expect=(ORDER_NO,))
    header, rows = _header(inp, decoded, ITEM_COLUMNS, "items", "宝贝报表")
    records = iter_records(rows, header, _item_builder(header))
    return Records(records, "items", present_fields(header, ITEM_FIELDS), _warnings(decoded))


def _warnings(decoded: Decoded) -> list[str]:
    warning = decoded.warning()
    return [warning] if warning else []


def _header(
    inp: Input, decoded: Decoded, known: tuple[str, ...], kind: str, what: str
) -> tuple[HeaderMap, Iterator[TableRow]]:
    label = inp.label
    if inp.head.startswith(_SPREADSHEET) or decoded.head.lstrip()[:1] == "<":
        # Not the CSV these reports are exported as: say what it is, if it is another
        # report, else what to upload instead.
        find_header(
            sheet_tables(inp.data(), label), (), (), label, what, check=header_check(kind, label)
        )
        raise FileFormatError(
            f"文件“{label}”不是 CSV：{what}请上传淘宝导出的 CSV 文件"
            f" (not a CSV file: upload the {what} CSV exported from Taobao)"
        )
    try:
        return find_header(
            [csv_rows(decoded)], (ORDER_NO,), known, label, what, check=header_check(kind, label)
        )
    except FileFormatError as exc:
        refuse_chat(decoded.head, kind, label, exc)
        raise


def _order_builder(header: HeaderMap) -> Callable[[int, Cells], OrderRecord]:
    col = header.column
    order_no = col(ORDER_NO)
    buyer = col("买家会员名")
    status = col("订单状态")
    goods = col("买家应付货款")
    postage = col("买家应付邮费")
    total = col("总金额")
    paid = col("买家实际支付金额")
    created = col("订单创建时间")
    paid_at = col("订单付款时间")
    shipped = col("发货时间")
    confirmed = col("确认收货时间")
    receiver = col("收货人姓名")
    address = col("收货地址")
    phone = col("联系手机")
    method = col("运送方式")
    tracking = col("物流单号")
    carrier = col("物流公司")
    title = col("宝贝标题")
    quantity = col("宝贝总数量")
    message = col("买家留言")
    memo = col("订单备注")
    shop = col("店铺名称")
    close_reason = col("订单关闭原因")
    refund = col("退款金额")
    invoice = col("发票抬头")
    presale = col("预售订单")
    stages = col("分阶段订单信息")
    pay_detail = col("支付详情")

    def build(line: int, cells: Cells) -> OrderRecord:
        status_text = status.text(cells)
        method_text = method.text(cells)
        pay_text = pay_detail.text(cells)
        presale_text = presale.text(cells)
        return OrderRecord(
            line=line,
            order_no=order_no.identifier(cells),
            buyer_nick=buyer.text(cells),
            status=status_text,
            goods_amount=goods.amount(cells),
            shipping_fee=postage.amount(cells),
            total_amount=total.amount(cells),
            paid_amount=paid.amount(cells),
            created_at=created.time(cells),
            paid_at=paid_at.time(cells),
            shipped_at=shipped.time(cells),
            confirmed_at=confirmed.time(cells),
            receiver_name=receiver.text(cells),
            address=address.text(cells),
            phone=phone.text(cells),
            shipping_method=method_text,
            tracking_no=_tracking(tracking.text(cells)),
            carrier=carrier.text(cells),
            title=title.text(cells),
            quantity=quantity.integer(cells),
            buyer_message=message.text(cells),
            seller_memo=memo.text(cells),
            shop_name=shop.text(cells),
            close_reason=close_reason.text(cells),
            refund_amount=refund.amount(cells),
            invoice_title=invoice.text(cells),
            presale=(presale_text is not None and presale_text.lower() in _YES)
            or stages.text(cells) is not None,
            cod=(status_text is not None and COD in status_text)
            or (method_text is not None and COD in method_text)
            or (pay_text is not None and COD in pay_text),
            extra=header.extra(cells),
        )

    return build


def _item_builder(header: HeaderMap) -> Callable[[int, Cells], ItemRecord]:
    col = header.column
    order_no = col(ORDER_NO)
    title = col("标题")
    price = col("价格")
    quantity = col("购买数量")
    outer_id = col("外部系统编号")
    sku = col("商品属性")
    package = col("套餐信息")
    memo = col("备注")
    status = col("订单状态")

    def build(line: int, cells: Cells) -> ItemRecord:
        return ItemRecord(
            line=line,
            order_no=order_no.identifier(cells),
            title=title.text(cells),
            price=price.amount(cells),
            quantity=quantity.integer(cells),
            outer_id=outer_id.text(cells),
            sku=sku.text(cells),
            package=package.text(cells),
            memo=memo.text(cells),
            status=status.text(cells),
            extra=header.extra(cells),
        )

    return build


def _tracking(value: str | None) -> str | None:
    """物流单号 as the courier prints it: some exports write ``No:YT123…`` (public
    readers of these files strip the first three characters); several parcels are
    separated by commas or semicolons and kept as they are."""
    if value and value[:3].lower() == "no:":
        value = value[3:].strip() or None
    return value
