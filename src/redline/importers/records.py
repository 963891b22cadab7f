"""What the parsers hand to the store: one typed record per exported row.

Parsers never touch the database. They turn a shop's export (bytes on disk) into a
stream of records or :class:`RowError`\\ s, each carrying the 1-based line (or
sheet row) it came from, so the import can report bad rows and keep the rest.

Amounts are :class:`~decimal.Decimal` yuan, times are timezone-aware (China time
unless the export says otherwise), identifiers are strings. ``None`` means the
export left the cell empty or wrote ``-``. ``extra`` keeps columns the parser
does not know (header → cleaned value): kept, not interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not be read. ``line`` is 1-based in the file (header = 1)."""

    line: int
    reason: str  # Chinese first, for the supervisor: "订单编号为空"


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One row of the order report (ExportOrderList*.csv)."""

    line: int
    order_no: str  # 订单编号
    buyer_nick: str | None = None  # 买家会员名
    status: str | None = None  # 订单状态, raw text
    goods_amount: Decimal | None = None  # 买家应付货款
    shipping_fee: Decimal | None = None  # 买家应付邮费
    total_amount: Decimal | None = None  # 总金额
    paid_amount: Decimal | None = None  # 买家实际支付金额
    created_at: datetime | None = None  # 订单创建时间
    paid_at: datetime | None = None  # 订单付款时间
    shipped_at: datetime | None = None  # 发货时间 (some versions)
    confirmed_at: datetime | None = None  # 确认收货时间
    receiver_name: str | None = None  # 收货人姓名
    address: str | None = None  # 收货地址 ("省 市 区 详细地址")
    phone: str | None = None  # 联系手机, else 联系电话
    shipping_method: str | None = None  # 运送方式
    tracking_no: str | None = None  # 物流单号
    carrier: str | None = None  # 物流公司
    title: str | None = None  # 宝贝标题
    quantity: int | None = None  # 宝贝总数量
    buyer_message: str | None = None  # 买家留言
    seller_memo: str | None = None  # 订单备注 / 商家备忘
    shop_name: str | None = None  # 店铺名称
    close_reason: str | None = None  # 订单关闭原因
    refund_amount: Decimal | None = None  # 退款金额
    invoice_title: str | None = None  # 发票抬头
    presale: bool = False  # 预售订单 = 是
    cod: bool = False  # 货到付款 seen in 运送方式 / 订单状态 / 支付详情
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """One row of the item file (ExportOrderDetailList*.csv, 宝贝报表)."""

    line: int
    order_no: str  # 订单编号
    title: str | None = None  # 标题
    price: Decimal | None = None  # 价格
    quantity: int | None = None  # 购买数量
    outer_id: str | None = None  # 外部系统编号, else 商家编码
    sku: str | None = None  # 商品属性, else 规格名称
    package: str | None = None  # 套餐信息
    memo: str | None = None  # 备注
    status: str | None = None  # 订单状态
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundRecord:
    """One row of the refund report (退款管理 → 导出; CSV, .xls or .xlsx)."""

    line: int
    refund_no: str  # 退款编号
    order_no: str  # 订单编号
    status: str  # 退款状态, raw: 买家已经申请退款，等待卖家同意 / … / 退款成功
    applied_at: datetime  # 退款的申请时间 (first non-empty if the header repeats)
    alipay_no: str | None = None  # 支付宝交易号
    buyer_nick: str | None = None  # 买家会员名称
    paid_at: datetime | None = None  # 订单付款时间
    title: str | None = None  # 宝贝标题
    item_code: str | None = None  # 商品编码
    paid_amount: Decimal | None = None  # 买家实际支付金额
    refund_amount: Decimal | None = None  # 买家退款金额
    need_return: bool = False  # 是否需要退货 = 是
    timeout_at: datetime | None = None  # 超时时间 (the platform's own clock)
    goods_status: str | None = None  # 货物状态: 买家未收到货 / 买家已收到货 / 买家已退货
    dispute_status: str | None = None  # 客服介入状态 (e.g. 无, 需要客服介入, 客服处理中)
    return_tracking_no: str | None = None  # 退货物流单号
    return_carrier: str | None = None  # 退货物流公司
    reason: str | None = None  # 买家退款原因
    description: str | None = None  # 买家退款说明
    buyer_returned_at: datetime | None = None  # 买家退货时间
    phase: str | None = None  # 售中或售后
    after_sale_type: str | None = None  # 售后类型, else 业务类型
    seller_memo: str | None = None  # 商家备注
    completed_at: datetime | None = None  # 退款完结时间 / 完结时间
    partial: bool | None = None  # 部分退款/全部退款: True if 部分退款
    responsible: str | None = None  # 责任方
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """One platform penalty notice (规蜜 / 千牛 违规处罚记录), for the penalty ledger."""

    line: int
    at: datetime  # 处罚时间 / 扣分时间 / 违规时间
    points: int  # 扣分 / 分值, > 0
    type: str  # general | commitment | misinformation | severe (from 违规类型…)
    note: str | None = None  # 违规原因 / 处罚原因 / 说明
    notice_no: str | None = None  # 处罚编号 / 违规编号
