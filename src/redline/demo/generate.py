"""A month of a Tmall home-textiles shop, written in the shop's real export formats.

``generate_month`` builds one consistent world (buyers, orders, items, refunds,
chats) from a seed and writes it the way the seller backend and Qianniu export it
(shared/spec/import-formats.md):

- ``ExportOrderList<yyyyMMddHHmm>.csv`` and ``ExportOrderDetailList<…>.csv``: GBK,
  CRLF, the header names with their real trailing spaces, order numbers as
  ``="…"``, phones with a leading ``'``, ``-`` for some empty cells, ``元`` after
  some amounts, tracking numbers as ``No:…``.
- ``refunds<yyyyMMdd>.xlsx`` and the same rows as a GBK ``.csv``: the refund report
  with the newer template's repeated ``退款的申请时间`` column.
- ``chats<yyyyMMdd>.txt`` (Qianniu/Wangwang TXT export, GBK) and ``chats<…>.jsonl``
  (shared/spec/formats.md): conversations tied to the generated orders and refunds,
  about one in ten with a real red-line mistake.

Everything is derived from ``random.Random(seed)`` and ``now``: the same arguments
give the same bytes. The order report is built with plain string operations so that
100,000 orders take a few seconds; refunds (8%, at most 1,000) and chats (60-200)
stay small.

Times are China time (UTC+8). Internally a time is an ``int``: seconds since
midnight a week before ``start``.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import random
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Any

from openpyxl import Workbook

__all__ = ["ITEM_HEADER", "ORDER_HEADER", "REFUND_HEADER", "generate_month", "main"]

CHINA = timezone(timedelta(hours=8))
MINUTE = 60
HOUR = 3600
DAY = 86400

# --- headers ---------------------------------------------------------------------------------

# c. 2021 order report; the trailing spaces are in the real export.
ORDER_HEADER: tuple[str, ...] = (
    "订单编号",
    "买家会员名",
    "买家支付宝账号",
    "买家应付货款",
    "买家应付邮费",
    "买家支付积分",
    "总金额",
    "返点积分",
    "买家实际支付金额",
    "买家实际支付积分",
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
    "店铺Id",
    "店铺名称",
    "订单关闭原因",
    "卖家服务费",
    "买家服务费",
    "发票抬头",
    "是否手机订单",
    "分阶段订单信息",
    "修改后的收货地址",
    "异常信息",
    "退款金额",
    "确认收货时间",
    "打款商家金额",
    "发货时间",
    "预售订单",
)

ITEM_HEADER: tuple[str, ...] = (
    "订单编号",
    "标题",
    "价格",
    "购买数量",
    "外部系统编号",
    "商品属性",
    "套餐信息",
    "备注",
    "订单状态",
    "商家编码",
)

# The newer refund template: 退款的申请时间 appears twice (the second copy is often empty).
REFUND_HEADER: tuple[str, ...] = (
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
    "退货物流信息",
    "发货物流信息",
    "客服介入状态",
    "卖家真实姓名",
    "卖家退货地址",
    "卖家邮编",
    "卖家电话",
    "卖家手机",
    "退货物流单号",
    "退货物流公司",
    "买家退款原因",
    "买家退款说明",
    "买家退货时间",
    "责任方",
    "售中或售后",
    "商家备注",
    "完结时间",
    "部分退款/全部退款",
    "审核操作人",
    "举证超时",
    "是否零秒响应",
    "退款操作人",
    "退款原因标签",
    "业务类型",
    "买家会员名称",
    "售后类型",
    "退款的申请时间",
)

# --- platform vocabulary -----------------------------------------------------------------------

UNPAID = "等待买家付款"
PAID = "买家已付款，等待卖家发货"
SHIPPED = "卖家已发货，等待买家确认"
SUCCESS = "交易成功"
CLOSED = "交易关闭"

R_WAIT_AGREE = "买家已经申请退款，等待卖家同意"
R_WAIT_RETURN = "卖家已经同意退款，等待买家退货"
R_WAIT_CONFIRM = "买家已经退货，等待卖家确认收货"
R_REFUSED = "卖家拒绝退款"
R_CLOSED = "退款关闭"
R_SUCCESS = "退款成功"
REFUND_STATUSES = (R_WAIT_AGREE, R_WAIT_RETURN, R_WAIT_CONFIRM, R_REFUSED, R_CLOSED, R_SUCCESS)

# Platform clocks (rules.md §3): the seller answers a request within 5 days, the buyer
# may ask for intervention after 72 hours, the buyer ships a return within 7 days, the
# seller confirms a returned parcel within 10 days, a refused buyer has 7 days to act.
SELLER_REPLY_CLOCK = 5 * DAY
INTERVENTION_AFTER = 72 * HOUR
BUYER_RETURN_CLOCK = 7 * DAY
SELLER_RECEIPT_CLOCK = 10 * DAY
BUYER_APPEAL_CLOCK = 7 * DAY
UNPAID_CLOSE_AFTER = 72 * HOUR
AUTO_CONFIRM_AFTER = 10 * DAY

# --- the world's raw material ------------------------------------------------------------------

# (province, [(city, [districts])], weight). 新疆/西藏 are the listing's free-shipping
# exclusions; 甘肃/青海/宁夏/内蒙古 are "remote" but still free (the red-line trap).
PROVINCES: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...], int], ...] = (
    (
        "浙江省",
        (
            ("杭州市", ("西湖区", "余杭区", "拱墅区", "滨江区", "萧山区", "上城区")),
            ("宁波市", ("鄞州区", "海曙区", "江北区")),
            ("温州市", ("鹿城区", "瓯海区", "龙湾区")),
            ("绍兴市", ("越城区", "柯桥区")),
        ),
        14,
    ),
    (
        "江苏省",
        (
            ("南京市", ("玄武区", "鼓楼区", "江宁区", "建邺区")),
            ("苏州市", ("姑苏区", "吴中区", "工业园区", "相城区")),
            ("无锡市", ("梁溪区", "滨湖区")),
        ),
        12,
    ),
    ("上海", (("上海市", ("浦东新区", "闵行区", "徐汇区", "静安区", "宝山区", "松江区")),), 10),
    (
        "广东省",
        (
            ("广州市", ("天河区", "海珠区", "番禺区", "白云区")),
            ("深圳市", ("南山区", "福田区", "宝安区", "龙岗区")),
            ("东莞市", ("南城街道", "东城街道")),
            ("佛山市", ("禅城区", "南海区", "顺德区")),
        ),
        12,
    ),
    ("北京", (("北京市", ("朝阳区", "海淀区", "丰台区", "昌平区", "通州区")),), 7),
    (
        "山东省",
        (("济南市", ("历下区", "市中区", "槐荫区")), ("青岛市", ("市南区", "崂山区", "黄岛区"))),
        6,
    ),
    ("四川省", (("成都市", ("武侯区", "锦江区", "成华区", "双流区")), ("绵阳市", ("涪城区",))), 5),
    ("湖北省", (("武汉市", ("武昌区", "洪山区", "江汉区", "江岸区")), ("宜昌市", ("西陵区",))), 4),
    ("河南省", (("郑州市", ("金水区", "中原区", "二七区")), ("洛阳市", ("洛龙区",))), 4),
    ("福建省", (("福州市", ("鼓楼区", "仓山区")), ("厦门市", ("思明区", "湖里区"))), 4),
    ("湖南省", (("长沙市", ("岳麓区", "天心区", "雨花区")),), 3),
    ("安徽省", (("合肥市", ("蜀山区", "包河区", "庐阳区")),), 3),
    ("陕西省", (("西安市", ("雁塔区", "碑林区", "未央区")),), 3),
    ("天津", (("天津市", ("南开区", "河西区", "和平区")),), 2),
    ("重庆", (("重庆市", ("渝中区", "江北区", "渝北区", "沙坪坝区")),), 3),
    ("辽宁省", (("沈阳市", ("和平区", "浑南区")), ("大连市", ("中山区", "甘井子区"))), 2),
    ("江西省", (("南昌市", ("东湖区", "红谷滩区")),), 2),
    ("河北省", (("石家庄市", ("长安区", "裕华区")),), 2),
    ("云南省", (("昆明市", ("五华区", "盘龙区")),), 2),
    ("广西壮族自治区", (("南宁市", ("青秀区", "兴宁区")),), 2),
    ("黑龙江省", (("哈尔滨市", ("南岗区", "道里区")),), 1),
    ("甘肃省", (("兰州市", ("城关区", "七里河区")),), 1),
    ("青海省", (("西宁市", ("城东区", "城西区")),), 1),
    ("宁夏回族自治区", (("银川市", ("兴庆区", "金凤区")),), 1),
    ("内蒙古自治区", (("呼和浩特市", ("新城区", "赛罕区")),), 1),
    ("新疆维吾尔自治区", (("乌鲁木齐市", ("天山区", "沙依巴克区")),), 1),
    ("西藏自治区", (("拉萨市", ("城关区",)),), 1),
)
EXCLUDED_PROVINCES = ("新疆维吾尔自治区", "西藏自治区")
FREE_SHIPPING_EXCLUSIONS = ("新疆", "西藏")
REMOTE_BUT_FREE = ("甘肃省", "青海省", "宁夏回族自治区", "内蒙古自治区")
EXCLUDED_POSTAGE = 1500  # cents, the freight template's charge for 新疆/西藏

STREETS = (
    "人民路", "解放路", "中山路", "建设路", "文化路", "学院路", "新华路", "和平路",
    "长江路", "黄河路", "青年路", "胜利路", "光明街", "幸福路", "东风路", "朝阳路",
    "文三路", "南京路", "迎宾大道", "滨江大道",
)  # fmt: skip
ESTATES = (
    "阳光花园", "金色家园", "翠苑小区", "锦绣华庭", "幸福里", "蓝湾国际", "世纪新城",
    "丽景苑", "和园", "绿地公馆", "碧水湾", "东方明珠苑", "桂花园", "龙湖天街公寓",
)  # fmt: skip

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬燕丹鹏辉浩宇欣怡涵轩诺桐远嘉晨阳琪婷雪慧倩颖露晓蕾佳悦然子思雨梓博文睿"
PINYIN = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "zhou", "xu", "sun",
    "zhu", "hu", "guo", "lin", "gao", "luo", "xiaoyu", "lulu", "tingting", "jiajia",
    "yuyu", "dandan", "mengmeng", "xiaomei", "ahui", "lily", "coco", "momo", "nini",
    "kiki", "amy", "jack", "tony", "sunny", "happy", "lucky", "panda", "tiger",
)  # fmt: skip
NICK_HEADS = (
    "快乐的", "爱吃鱼的", "安静的", "甜甜的", "温柔的", "追风的", "懒懒的", "小", "阿", "大",
    "会飞的", "不吃香菜的", "努力的",
)  # fmt: skip
NICK_CORES = (
    "小猫", "猪猪", "兔子", "月亮", "星星", "木子", "向日葵", "柠檬", "橘子", "小鹿",
    "棉花糖", "芒果", "海风", "晴天", "西瓜", "咸鱼", "熊猫", "糖糖", "豆豆", "蜗牛",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Product:
    title: str
    short: str  # what buyers call it in chat
    code: str  # 外部系统编号 (product level)
    colors: tuple[str, ...]
    sizes: tuple[tuple[str, int, str], ...]  # (规格, price in cents, size code)
    attr: str  # the size attribute's name: 尺寸 / 规格
    weight: int


PRODUCTS: tuple[_Product, ...] = (
    _Product(
        "云朵家居 纯棉四件套全棉床单被套 简约北欧风床上用品",
        "四件套",
        "YD-SJT01",
        ("浅灰", "雾霾蓝", "奶白", "豆沙粉"),
        (("1.5m床(被套200x230cm)", 29900, "150"), ("1.8m床(被套220x240cm)", 32900, "180")),
        "尺寸",
        14,
    ),
    _Product(
        "云朵家居 60支长绒棉四件套 高端贡缎床上用品酒店风",
        "长绒棉四件套",
        "YD-SJT60",
        ("珍珠白", "燕麦色", "墨绿"),
        (("1.5m床(被套200x230cm)", 59900, "150"), ("1.8m床(被套220x240cm)", 65900, "180")),
        "尺寸",
        6,
    ),
    _Product(
        "云朵家居 水洗棉三件套 学生宿舍单人床单被套",
        "三件套",
        "YD-SX03",
        ("格子蓝", "条纹灰", "纯色白"),
        (("1.2m床(被套150x200cm)", 15900, "120"), ("1.5m床(被套200x230cm)", 17900, "150")),
        "尺寸",
        8,
    ),
    _Product(
        "云朵家居 大豆纤维冬被 加厚保暖被芯 春秋被子",
        "大豆被",
        "YD-DD01",
        ("白色",),
        (
            ("150x200cm 4斤", 22900, "1520"),
            ("200x230cm 6斤", 26900, "2023"),
            ("220x240cm 7斤", 29900, "2224"),
        ),
        "规格",
        9,
    ),
    _Product(
        "云朵家居 100%桑蚕丝被 子母被 四季被芯",
        "蚕丝被",
        "YD-CS01",
        ("白色",),
        (("200x230cm 3斤", 89900, "2023"), ("220x240cm 4斤", 109900, "2224")),
        "规格",
        4,
    ),
    _Product(
        "云朵家居 95白鹅绒羽绒被 冬季加厚被芯",
        "羽绒被",
        "YD-YR95",
        ("白色",),
        (("200x230cm 充绒1000g", 129900, "2023"), ("220x240cm 充绒1200g", 149900, "2224")),
        "规格",
        3,
    ),
    _Product(
        "云朵家居 泰国天然乳胶枕头 护颈枕 成人单人枕芯",
        "乳胶枕",
        "YD-RJZ01",
        ("白色",),
        (("一只装", 12900, "1"), ("一对装", 23900, "2")),
        "规格",
        10,
    ),
    _Product(
        "云朵家居 记忆棉枕头 慢回弹护颈枕",
        "记忆枕",
        "YD-JYZ01",
        ("浅灰",),
        (("一只装", 9900, "1"), ("一对装", 17900, "2")),
        "规格",
        5,
    ),
    _Product(
        "云朵家居 珊瑚绒毛毯 加厚法兰绒午睡毯 沙发盖毯",
        "毛毯",
        "YD-MT01",
        ("燕麦", "雾蓝", "樱花粉"),
        (("100x150cm", 5900, "1015"), ("150x200cm", 8900, "1520"), ("200x230cm", 11900, "2023")),
        "尺寸",
        8,
    ),
    _Product(
        "云朵家居 纯棉床笠 防滑床垫保护套 单件",
        "床笠",
        "YD-CL01",
        ("白色", "浅灰", "蓝色"),
        (("150x200cm", 6900, "150"), ("180x200cm", 7900, "180")),
        "尺寸",
        6,
    ),
    _Product(
        "云朵家居 A类防水床垫保护罩 防螨隔尿",
        "保护罩",
        "YD-BHZ01",
        ("白色",),
        (("150x200cm", 8900, "150"), ("180x200cm", 9900, "180")),
        "尺寸",
        4,
    ),
    _Product(
        "云朵家居 纯棉毛巾 3条装 加厚吸水洗脸巾",
        "毛巾",
        "YD-MJ03",
        ("混色",),
        (("3条装", 3990, "3"),),
        "规格",
        7,
    ),
    _Product(
        "云朵家居 纯棉浴巾 成人加大吸水不掉毛",
        "浴巾",
        "YD-YJ01",
        ("米白", "灰色", "蓝色"),
        (("70x140cm", 5900, "1"),),
        "尺寸",
        5,
    ),
    _Product(
        "云朵家居 全遮光窗帘 卧室隔热成品窗帘布",
        "窗帘",
        "YD-CLB01",
        ("米灰", "咖啡", "墨绿"),
        (("宽2米x高2.7米 挂钩式", 15900, "2027"), ("宽3米x高2.7米 挂钩式", 21900, "3027")),
        "尺寸",
        5,
    ),
    _Product(
        "云朵家居 棉麻抱枕套 沙发靠垫套 不含芯",
        "抱枕套",
        "YD-BZT01",
        ("条纹", "格子", "纯色"),
        (("45x45cm", 2990, "45"),),
        "尺寸",
        5,
    ),
    _Product(
        "云朵家居 儿童纯棉四件套 卡通床上用品",
        "儿童四件套",
        "YD-ET01",
        ("小熊", "恐龙", "星空"),
        (("1.2m床(被套150x200cm)", 19900, "120"), ("1.5m床(被套200x230cm)", 22900, "150")),
        "尺寸",
        4,
    ),
    _Product(
        "云朵家居 加厚床褥 软垫家用榻榻米垫被",
        "床褥",
        "YD-CR01",
        ("白色",),
        (("150x200cm", 19900, "150"), ("180x200cm", 22900, "180")),
        "尺寸",
        4,
    ),
    _Product(
        "云朵家居 羊毛被 澳洲羊毛冬被加厚",
        "羊毛被",
        "YD-YM01",
        ("白色",),
        (("200x230cm 5斤", 49900, "2023"), ("220x240cm 6斤", 55900, "2224")),
        "规格",
        3,
    ),
    _Product(
        "云朵家居 真空收纳袋 被子衣物压缩袋",
        "收纳袋",
        "YD-SN01",
        ("透明",),
        (("中号3个装", 1990, "M3"), ("大号3个装", 2990, "L3")),
        "规格",
        4,
    ),
)

CARRIERS: tuple[tuple[str, str, int], ...] = (  # (物流公司, number style, weight)
    ("中通快递", "zto", 34),
    ("圆通速递", "yto", 24),
    ("韵达快递", "yd", 18),
    ("顺丰速运", "sf", 12),
    ("申通快递", "sto", 10),
    ("EMS", "ems", 2),
)
RETURN_CARRIERS: tuple[tuple[str, str], ...] = (
    ("顺丰速运", "sf"),
    ("圆通速递", "yto"),
    ("中通快递", "zto"),
)

BUYER_NOTES = (
    "请发顺丰，谢谢",
    "麻烦尽快发货",
    "送人的，不要放价格单",
    "周末才有人收货",
    "包装好一点，谢谢",
    "放快递柜就行",
    "颜色不要发错哦",
    "可以的话送个小礼品",
)
SELLER_MEMOS = (
    "已催仓库",
    "赠品：收纳袋x1",
    "老客户，优先发",
    "客户要求发顺丰，已改",
    "缺货登记，到货即发",
    "已核对地址",
)
COMPANIES = (
    "杭州星河网络科技有限公司",
    "上海启明贸易有限公司",
    "苏州青禾装饰工程有限公司",
    "深圳市远航电子有限公司",
    "南京云帆信息技术有限公司",
)
UNPAID_CLOSE_REASONS = ("买家未付款",) * 6 + ("我不想买了", "信息填写错误，重新拍", "拍错了")

AGENTS = ("小美", "阿杰", "小柚")
NIGHT_AGENT = "夜班小林"

SELLER_CONTACT = {
    "name": "陈晓云",
    "address": "浙江省杭州市余杭区仓前街道龙潭路7号云朵家居售后仓",
    "zip": "311121",
    "phone": "0571-86123456",
    "mobile": "13967112345",
}

# --- small helpers ---------------------------------------------------------------------------


_MONEY: dict[int, str] = {}


def money(cents: int) -> str:
    """Cents → ``"123.45"`` (a Decimal string, 2 places). Amounts repeat a lot: memoised."""
    text = _MONEY.get(cents)
    if text is None:
        sign = "-" if cents < 0 else ""
        text = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        if len(_MONEY) < 50_000:
            _MONEY[cents] = text
    return text


class _Clock:
    """Fast ``yyyy-MM-dd HH:mm:ss`` formatting for integer times (seconds since ``base``)."""

    def __init__(self, base: datetime, days: int) -> None:
        self.base = base
        firsts = [base + timedelta(days=d) for d in range(days)]
        self._day = [f"{d:%Y-%m-%d} " for d in firsts]
        self._day_iso = [f"{d:%Y-%m-%d}T" for d in firsts]
        self._hms = [
            f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
        ]

    def at(self, when: datetime) -> int:
        return int((when - self.base).total_seconds())

    def fmt(self, t: int) -> str:
        return self._day[t // DAY] + self._hms[t % DAY]

    def fmt_opt(self, t: int | None) -> str:
        return "" if t is None else self._day[t // DAY] + self._hms[t % DAY]

    def iso(self, t: int) -> str:
        return self._day_iso[t // DAY] + self._hms[t % DAY] + "+08:00"

    def date_str(self, t: int) -> str:
        return self._day[t // DAY][:10]


def _uniform(rng: random.Random, lo: int, hi: int) -> int:
    return lo if hi <= lo else rng.randint(lo, hi)


# --- the world -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Buyer:
    nick: str
    name: str
    mobile: str
    province: str
    city: str
    district: str
    detail: str
    address: str = ""  # "省 市 区 详细地址", as the order report writes it

    def __post_init__(self) -> None:
        self.address = f"{self.province} {self.city} {self.district} {self.detail}"


@dataclass(slots=True)
class _Line:
    product: _Product
    color: str
    size: str
    size_code: str
    unit: int  # cents
    qty: int

    @property
    def total(self) -> int:
        return self.unit * self.qty

    @property
    def sku_code(self) -> str:
        return (
            f"{self.product.code}-{self.size_code}-{self.product.colors.index(self.color) + 1:02d}"
        )

    @property
    def properties(self) -> str:
        return f"颜色分类：{self.color};{self.product.attr}：{self.size}"


@dataclass(slots=True)
class _Order:
    no: str
    buyer: _Buyer
    created: int
    lines: list[_Line]
    goods: int
    postage: int
    discount: int
    paid: int | None = None  # when the buyer paid (COD: never, they pay on delivery)
    shipped: int | None = None
    delivered: int | None = None
    confirmed: int | None = None
    closed: int | None = None
    close_reason: str = ""
    cod: bool = False
    presale: bool = False
    deposit: int = 0
    mobile: bool = True
    method: str = "快递"
    carrier: str = ""
    tracking: str = ""
    message: str = ""
    memo: str = ""
    invoice_title: str = ""
    new_address: str = ""
    refunded: int = 0
    closed_lines: list[int] = field(default_factory=list)

    @property
    def payment(self) -> int:
        """What the buyer pays for the order (coupon taken off)."""
        return self.goods + self.postage - self.discount

    def line_share(self, index: int) -> int:
        """What the buyer actually paid for one line (the coupon spread pro rata)."""
        line = self.lines[index].total
        if len(self.lines) == 1:
            return self.goods - self.discount
        return line - (self.discount * line) // self.goods

    def status(self, at: int) -> str:
        if self.closed is not None and self.closed <= at:
            return CLOSED
        if self.confirmed is not None and self.confirmed <= at:
            return SUCCESS
        if self.shipped is not None and self.shipped <= at:
            return SHIPPED
        if self.cod or (self.paid is not None and self.paid <= at):
            return PAID
        return UNPAID

    def chat_status(self, at: int) -> str:
        """The status vocabulary of formats.md, as of a chat message."""
        status = self.status(at)
        if status == CLOSED:
            return "closed"
        if status == SUCCESS or (self.delivered is not None and self.delivered <= at):
            return "signed"
        if status == SHIPPED:
            return "shipped"
        if status == PAID:
            return "awaiting_shipment" if self.cod else "paid"
        return "unpaid"


class _Dice:
    """Cheap integer draws on one ``random.Random`` (its ``randint`` costs several times
    more, which shows at 100,000 orders; hot paths index sequences with ``random()``)."""

    __slots__ = ("random",)

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def between(self, lo: int, hi: int) -> int:
        """An int in [lo, hi] (ranges stay far below 2**53, so the float draw is exact enough)."""
        return lo + int(self.random() * (hi - lo + 1))


class _World:
    """The shop, its clock and the random source the generators share."""

    def __init__(self, shop: str, start: date, days: int, now: datetime, seed: int) -> None:
        self.shop = shop
        root = random.Random(seed)
        # One stream per stage, so changing the chats never changes the orders.
        self.rng_orders = random.Random(root.getrandbits(64))
        self.rng_refunds = random.Random(root.getrandbits(64))
        self.rng_chats = random.Random(root.getrandbits(64))
        self.dice_orders = _Dice(self.rng_orders)
        self.dice_chats = _Dice(self.rng_chats)
        base = datetime.combine(start - timedelta(days=7), time())
        span = (now.date() - base.date()).days + 120
        self.clock = _Clock(base, span)
        self.now = self.clock.at(now)
        self.window_start = self.clock.at(datetime.combine(start, time()))
        self.window_end = min(
            self.now, self.clock.at(datetime.combine(start + timedelta(days=days), time()))
        )
        if self.window_end <= self.window_start:
            raise ValueError("now 必须晚于 start (now must be after start)")
        self.shop_id = str(root.randrange(100_000_000, 999_999_999))
        # Drawn last, so the risky orders planted with it change no other draw.
        self.rng_risk = random.Random(root.getrandbits(64))
        self._numbers: set[str] = set()
        self.nicks: set[str] = set()
        self.province_pool = [p for p in PROVINCES for _ in range(p[2])]
        self.product_pool = [p for p in PRODUCTS for _ in range(p.weight)]
        self.carrier_pool = [(c[0], c[1]) for c in CARRIERS for _ in range(c[2])]

    def unique_number(self, rng: random.Random, lo: int, bits: int) -> str:
        """A fresh identifier ``lo + k`` with ``k < 2**bits`` (getrandbits: randrange is slow)."""
        while True:
            n = str(lo + rng.getrandbits(bits))
            if n not in self._numbers:
                self._numbers.add(n)
                return n

    def agent_for(self, t: int) -> str:
        hour = (t % DAY) // HOUR
        if hour >= 23 or hour < 8:
            return f"{self.shop}:{NIGHT_AGENT}"
        return f"{self.shop}:{AGENTS[(t // DAY + hour // 5) % len(AGENTS)]}"


# --- buyers ----------------------------------------------------------------------------------------


def _nick(world: _World, dice: _Dice) -> str:
    rand = dice.random
    while True:
        r = rand()
        if r < 0.35:
            nick = f"tb_{PINYIN[int(rand() * len(PINYIN))]}{int(rand() * 9999) + 1}"
        elif r < 0.5:
            letters = _NICK_LETTERS
            nick = "tb_" + "".join([letters[int(rand() * 23)] for _ in range(6 + int(rand() * 4))])
        elif r < 0.6:
            tail = _PINYIN_TAILS[int(rand() * len(_PINYIN_TAILS))]
            nick = f"{PINYIN[int(rand() * len(PINYIN))]}{PINYIN[int(rand() * len(PINYIN))]}{tail}"
        else:
            tail = _NICK_TAILS[int(rand() * len(_NICK_TAILS))]
            head = NICK_HEADS[int(rand() * len(NICK_HEADS))]
            nick = f"{head}{NICK_CORES[int(rand() * len(NICK_CORES))]}{tail}"
        if nick not in world.nicks:
            world.nicks.add(nick)
            return nick


_NICK_LETTERS = "abcdefghjkmnpqrstuvwxyz"
_PINYIN_TAILS = ("", "88", "666", "1990", "2008", "520")
_NICK_TAILS = ("", "", "", "2016", "0823", "99", "呀", "酱")
_PICKUP_POINTS = ("东门快递柜", "门卫室", "3楼前台")


def _person_name(dice: _Dice) -> str:
    rand = dice.random
    given = GIVEN[int(rand() * len(GIVEN))]
    if rand() < 0.7:
        given += GIVEN[int(rand() * len(GIVEN))]
    return SURNAMES[int(rand() * len(SURNAMES))] + given


def _mobile(dice: _Dice) -> str:
    return f"1{'3456789'[int(dice.random() * 7)]}{dice.between(100_000_000, 999_999_999)}"


def _street_address(dice: _Dice) -> str:
    rand = dice.random
    street = STREETS[int(rand() * len(STREETS))]
    if rand() < 0.8:
        estate = ESTATES[int(rand() * len(ESTATES))]
        return (
            f"{street}{int(rand() * 999) + 1}号{estate}{int(rand() * 30) + 1}幢"
            f"{int(rand() * 4) + 1}单元{int(rand() * 28) + 1}{int(rand() * 6) + 1:02d}室"
        )
    return f"{street}{int(rand() * 500) + 1}号{_PICKUP_POINTS[int(rand() * 3)]}"


def _buyer(world: _World, dice: _Dice) -> _Buyer:
    rand = dice.random
    pool = world.province_pool
    province, cities, _weight = pool[int(rand() * len(pool))]
    city, districts = cities[int(rand() * len(cities))]
    return _Buyer(
        nick=_nick(world, dice),
        name=_person_name(dice),
        mobile=_mobile(dice),
        province=province,
        city=city,
        district=districts[int(rand() * len(districts))],
        detail=_street_address(dice),
    )


def _tracking(style: str, dice: _Dice) -> str:
    between = dice.between
    if style == "sf":
        return f"SF{between(1_000_000_000_000, 1_699_999_999_999)}"
    if style == "yto":
        return f"YT{between(7_000_000_000_000, 7_999_999_999_999)}"
    if style == "zto":
        return f"7{between(50_000_000_000, 89_999_999_999)}"
    if style == "yd":
        return f"4{between(300_000_000_000, 699_999_999_999)}"
    if style == "sto":
        return f"77{between(3_000_000_000_000, 3_999_999_999_999)}"
    return f"E{between(10_000_000_000, 99_999_999_999)}CN"


# --- orders ------------------------------------------------------------------------------------------

# Order traffic by hour of day (a home-textiles shop: evenings, then late morning).
_HOUR_WEIGHTS = (3, 2, 1, 1, 1, 1, 2, 4, 6, 9, 11, 11, 10, 9, 9, 9, 8, 8, 9, 12, 15, 16, 13, 7)
_HOURS_POOL = [h for h, w in enumerate(_HOUR_WEIGHTS) for _ in range(w)]


def _generate_orders(world: _World, count: int) -> list[_Order]:
    rng = world.rng_orders
    dice = world.dice_orders
    rand = dice.random
    randint = dice.between
    now = world.now
    w0, w1 = world.window_start, world.window_end
    hours = _HOURS_POOL
    span_days = (w1 - w0 + DAY - 1) // DAY

    created_times: list[int] = []
    while len(created_times) < count:
        t = w0 + int(rand() * span_days) * DAY + hours[int(rand() * len(hours))] * HOUR
        t += int(rand() * HOUR)
        if t < w1:
            created_times.append(t)
    created_times.sort(reverse=True)  # the export lists the newest order first

    buyers: list[_Buyer] = []
    products = world.product_pool
    carriers = world.carrier_pool
    orders: list[_Order] = []
    for created in created_times:
        if buyers and rand() < 0.15:
            buyer = buyers[int(rand() * len(buyers))]  # a returning customer
        else:
            buyer = _buyer(world, dice)
            buyers.append(buyer)

        r = rand()
        n_lines = 1 if r < 0.78 else 2 if r < 0.93 else 3 if r < 0.98 else 4
        lines: list[_Line] = []
        goods = 0
        for _ in range(n_lines):
            p = products[int(rand() * len(products))]
            size, unit, size_code = p.sizes[int(rand() * len(p.sizes))]
            q = rand()
            qty = 1 if q < 0.87 else 2 if q < 0.97 else 3
            lines.append(
                _Line(p, p.colors[int(rand() * len(p.colors))], size, size_code, unit, qty)
            )
            goods += unit * qty

        postage = EXCLUDED_POSTAGE if buyer.province in EXCLUDED_PROVINCES else 0
        discount = 0
        if goods >= 20000 and rand() < 0.35:
            discount = 5000 if goods >= 50000 else 2000  # 店铺券 满500减50 / 满200减20
        o = _Order(
            world.unique_number(rng, 10**18, 61),  # 19 digits
            buyer,
            created,
            lines,
            goods,
            postage,
            discount,
        )
        o.mobile = rand() < 0.9
        if rand() < 0.1:
            o.message = BUYER_NOTES[int(rand() * len(BUYER_NOTES))]
        if rand() < 0.08:
            o.invoice_title = (
                buyer.name if rand() < 0.5 else COMPANIES[int(rand() * len(COMPANIES))]
            )

        kind = rand()
        recent = now - created < UNPAID_CLOSE_AFTER
        if kind < 0.015:  # cash on delivery: no payment until the parcel is signed for
            o.cod = True
            o.method = "货到付款"
            ready = created
        else:
            # Never paid; of the last three days' orders more are still waiting (some
            # of those buyers would pay later).
            if kind < (0.14 if recent else 0.075):
                if recent:
                    orders.append(o)
                    continue
                reason = UNPAID_CLOSE_REASONS[int(rand() * len(UNPAID_CLOSE_REASONS))]
                o.close_reason = reason
                o.closed = (
                    created + UNPAID_CLOSE_AFTER
                    if reason == "买家未付款"
                    else created + randint(5 * MINUTE, 6 * HOUR)
                )
                orders.append(o)
                continue
            d = rand()
            delay = (
                randint(5, 120)
                if d < 0.7
                else randint(2 * MINUTE, 30 * MINUTE)
                if d < 0.95
                else randint(HOUR, 12 * HOUR)
            )
            if created + delay > now:
                orders.append(o)
                continue
            o.paid = ready = created + delay
            if rand() < 0.03:
                o.presale = True
                o.deposit = max(1000, (goods // 10) // 100 * 100)
            if rand() < 0.04:
                o.method = "EMS"
        if rand() < 0.05:
            o.memo = SELLER_MEMOS[int(rand() * len(SELLER_MEMOS))]

        s = rand()
        if o.presale:
            ship_delay = randint(3 * DAY, 15 * DAY)
        elif s < 0.85:
            ship_delay = randint(2 * HOUR, 30 * HOUR)
        elif s < 0.96:
            ship_delay = randint(30 * HOUR, 70 * HOUR)
        else:
            ship_delay = randint(72 * HOUR, 130 * HOUR)  # late: 未按约定时间发货 territory
        shipped = ready + ship_delay
        if shipped > now:
            orders.append(o)
            continue
        o.shipped = shipped
        carrier, style = carriers[int(rand() * len(carriers))]
        if o.method == "EMS":
            carrier, style = "EMS", "ems"
        o.carrier = carrier
        o.tracking = _tracking(style, dice)
        remote = buyer.province in EXCLUDED_PROVINCES or buyer.province in REMOTE_BUT_FREE
        delivered = shipped + (randint(3 * DAY, 7 * DAY) if remote else randint(20 * HOUR, 4 * DAY))
        if delivered > now:
            orders.append(o)
            continue
        o.delivered = delivered
        if o.cod:
            if rand() < 0.1:
                o.close_reason = "买家拒签"
                o.closed = delivered
            else:
                o.confirmed = delivered  # paying the courier confirms the order
            orders.append(o)
            continue
        confirmed = (
            delivered + randint(HOUR, 5 * DAY) if rand() < 0.55 else shipped + AUTO_CONFIRM_AFTER
        )
        if confirmed <= now:
            o.confirmed = confirmed
        orders.append(o)

    # A few buyers changed the address after paying (修改后的收货地址).
    for o in orders:
        if o.paid is not None and o.shipped is None and not o.cod and rand() < 0.03:
            o.new_address = (
                f"{o.buyer.province} {o.buyer.city} {o.buyer.district} {_street_address(dice)}"
            )
    return orders


def _order_rows(world: _World, orders: Iterable[_Order]) -> Iterator[list[str]]:
    clock = world.clock
    fmt = clock.fmt
    now = world.now
    shop, shop_id = world.shop, world.shop_id
    for o in orders:
        status = o.status(now)
        b = o.buyer
        lines = o.lines
        payment = o.goods + o.postage - o.discount
        paid_at = o.confirmed if o.cod else o.paid
        paid_amount = money(payment) if paid_at is not None else "0.00"
        if len(lines) == 1:
            titles, quantity = lines[0].product.title, str(lines[0].qty)
        else:
            titles = "，".join([line.product.title for line in lines])
            quantity = str(sum([line.qty for line in lines]))
        if status == SUCCESS:
            points = str(payment // 200)
            settled = money(payment - o.refunded) + "元"
        else:
            points = "0"
            settled = "0.00元"
        stages = ""
        if o.presale:
            stages = (
                f"定金，金额：{money(o.deposit)}，已付款;"
                f"尾款，金额：{money(payment - o.deposit)}，{'已付款' if o.paid else '未付款'}"
            )
        shipped = o.shipped is not None
        yield [
            f'="{o.no}"',
            b.nick,
            "",
            money(o.goods),
            money(o.postage),
            "0",
            money(o.goods + o.postage),
            points,
            paid_amount,
            "0",
            status,
            o.message,
            b.name,
            b.address,
            o.method,
            "-",
            "'" + b.mobile,
            fmt(o.created),
            "" if paid_at is None else fmt(paid_at),
            titles,
            str(len(lines)),
            "No:" + o.tracking if shipped else "-",
            o.carrier if shipped else "-",
            o.memo,
            quantity,
            shop_id,
            shop,
            o.close_reason or "订单未关闭",
            "0.00",
            "0.00元",
            o.invoice_title,
            "手机订单" if o.mobile else "",
            stages,
            o.new_address,
            "",
            money(o.refunded),
            "-" if o.confirmed is None else fmt(o.confirmed),
            settled,
            "-" if o.shipped is None else fmt(o.shipped),
            "是" if o.presale else "否",
        ]


def _item_rows(world: _World, orders: Iterable[_Order]) -> Iterator[list[str]]:
    now = world.now
    for o in orders:
        status = o.status(now)
        order_no = f'="{o.no}"'
        for i, line in enumerate(o.lines):
            p = line.product
            memo = "预售：付款后15天内发货" if o.presale else ""
            yield [
                order_no,
                p.title,
                money(line.unit),
                str(line.qty),
                p.code,
                line.properties,
                "官方标配" if len(p.sizes) > 1 else "",
                memo,
                CLOSED if i in o.closed_lines else status,
                line.sku_code,
            ]


# Two orders the platform's 可疑订单 check would warn about (seed 000, 规蜜): an address
# whose house number is 不详, and a buyer the shop could not reach (the seller's memo).
UNKNOWN_DOOR = "附近，门牌号不详"
UNREACHABLE_MEMO = "电话三次联系不上，旺旺未回复"


def _plant_suspicious(world: _World, orders: Sequence[_Order]) -> None:
    """Make two recent paid, unshipped orders suspicious (only their address and memo change)."""
    now = world.now
    open_orders = [
        o
        for o in orders
        if o.paid is not None
        and not o.cod
        and o.shipped is None
        and o.closed is None
        and now - o.paid < 10 * DAY
    ]
    plain = [o for o in open_orders if not o.presale]  # the usual case: 72 hours to ship
    if len(plain) >= 2:
        open_orders = plain
    if len(open_orders) < 2:
        return
    vague, unreachable = world.rng_risk.sample(open_orders, 2)
    b = vague.buyer
    street = STREETS[world.rng_risk.randrange(len(STREETS))]
    vague.buyer = _Buyer(
        b.nick, b.name, b.mobile, b.province, b.city, b.district, street + UNKNOWN_DOOR
    )
    unreachable.memo = UNREACHABLE_MEMO


# --- refunds ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Kind:
    name: str
    need_return: bool
    after_sale: str  # 售后类型
    business: str  # 业务类型
    reasons: tuple[tuple[str, tuple[str, ...]], ...]  # (买家退款原因, 买家退款说明 choices)


KINDS: dict[str, _Kind] = {
    "pre_ship": _Kind(
        "pre_ship",
        False,
        "仅退款",
        "退款",
        (
            ("缺货", ("客服说没货了", "等了好几天说缺货")),
            ("未按约定时间发货", ("说好48小时发货，到现在还没发", "超时没发货")),
            ("协商一致退款", ("和客服协商好了退款",)),
            ("其他", ("不需要了", "家里已经买了")),
            ("多拍/拍错/不想要", ("拍错尺寸了，重新拍", "多拍了一件", "不想要了")),
        ),
    ),
    "not_received": _Kind(
        "not_received",
        False,
        "仅退款",
        "退款",
        (
            ("未收到货", ("显示签收了但我没收到", "一直没收到货")),
            ("快递一直未送达", ("物流一周没更新了", "快递一直不派送")),
            ("虚假发货", ("物流单号查不到信息", "只有揽收没有物流")),
        ),
    ),
    "return": _Kind(
        "return",
        True,
        "退货退款",
        "退货退款",
        (
            ("七天无理由退换货", ("颜色和图片有色差，不喜欢", "买多了用不上", "和想象的不一样")),
            ("质量问题", ("洗了一次就起球", "有线头还有一块污渍", "被芯有异味", "缝线开了")),
            ("发错货", ("拍的浅灰发来的是蓝色", "尺寸发错了")),
            ("尺码不合适", ("1.5米的被套太小了", "尺寸拍小了")),
        ),
    ),
    "exchange": _Kind(
        "exchange",
        True,
        "换货",
        "换货",
        (
            ("尺码不合适", ("想换1.8米的", "尺寸拍小了，换大一号")),
            ("质量问题", ("有破洞，换一个新的",)),
            ("发错货", ("颜色发错了，换成我拍的颜色",)),
        ),
    ),
    "repair": _Kind(
        "repair",
        True,
        "维修",
        "维修",
        (("质量问题", ("拉链坏了", "被套扣子掉了")),),
    ),
    "partial": _Kind(
        "partial",
        False,
        "仅退款",
        "退款",
        (
            ("少件/漏发", ("买了两件只收到一件", "少发了一个枕套")),
            ("价格问题", ("刚买完就降价了，申请退差价",)),
            ("协商一致退款", ("有小瑕疵，客服同意补偿", "协商部分退款")),
        ),
    ),
}

_RESPONSIBLE = {
    "缺货": "卖家",
    "未按约定时间发货": "卖家",
    "质量问题": "卖家",
    "发错货": "卖家",
    "少件/漏发": "卖家",
    "价格问题": "卖家",
    "虚假发货": "卖家",
    "快递一直未送达": "物流公司",
    "未收到货": "物流公司",
    "七天无理由退换货": "买家",
    "尺码不合适": "买家",
    "多拍/拍错/不想要": "买家",
}
_REASON_TAG = {
    "缺货": "发货问题",
    "未按约定时间发货": "发货问题",
    "虚假发货": "发货问题",
    "快递一直未送达": "物流问题",
    "未收到货": "物流问题",
    "质量问题": "商品问题",
    "发错货": "发货问题",
    "少件/漏发": "发货问题",
    "价格问题": "价格问题",
    "七天无理由退换货": "买家原因",
    "尺码不合适": "买家原因",
    "多拍/拍错/不想要": "买家原因",
}
_REFUSAL_MEMO = {
    "pre_ship": "已发货，拒绝仅退款",
    "not_received": "物流显示已签收，已上传签收底单",
    "return": "退回商品已使用，影响二次销售",
    "exchange": "退回商品已洗涤，无法换货",
    "repair": "人为损坏，不在保修范围",
    "partial": "核实无少件，已上传称重记录",
}

# status → (kind weights); the return-leg statuses need a kind that sends goods back.
_KIND_WEIGHTS_ANY = (
    ("pre_ship", 26),
    ("not_received", 12),
    ("return", 34),
    ("exchange", 7),
    ("repair", 3),
    ("partial", 18),
)
_KIND_WEIGHTS_RETURN = (("return", 75), ("exchange", 18), ("repair", 7))
_STATUS_WEIGHTS = (
    (R_SUCCESS, 45),
    (R_CLOSED, 14),
    (R_WAIT_AGREE, 12),
    (R_WAIT_RETURN, 8),
    (R_WAIT_CONFIRM, 10),
    (R_REFUSED, 11),
)
# How long ago (seconds before now) a refund in this status may have been applied for.
_STATUS_AGE = {
    R_WAIT_AGREE: (10 * MINUTE, 6 * DAY + 12 * HOUR),
    R_WAIT_RETURN: (2 * HOUR, 8 * DAY),
    R_WAIT_CONFIRM: (1 * DAY, 16 * DAY),
    R_REFUSED: (3 * HOUR, 12 * DAY),
    R_CLOSED: (2 * HOUR, 400 * DAY),
    R_SUCCESS: (2 * HOUR, 400 * DAY),
}


@dataclass(slots=True)
class _Refund:
    no: str
    alipay_no: str
    order: _Order
    line: int
    kind: _Kind
    reason: str
    description: str
    status: str
    applied: int
    share: int
    amount: int = 0
    phase: str = "售中"
    timeout: int | None = None
    agreed: int | None = None
    returned: int | None = None
    return_carrier: str = ""
    return_tracking: str = ""
    finished: int | None = None
    intervention: str = "无"
    responsible: str = ""
    memo: str = ""
    reviewer: str = ""
    operator: str = ""
    manual: str = ""
    zero_second: bool = False


def _weighted(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    total = sum(w for _, w in table)
    x = rng.random() * total
    for name, w in table:
        x -= w
        if x < 0:
            return name
    return table[-1][0]


# Even a small month shows a couple of each kind (repairs and exchanges are rare).
_KIND_MINIMUM = (
    ("repair", 2),
    ("exchange", 2),
    ("not_received", 2),
    ("partial", 2),
    ("pre_ship", 2),
)
_RETURN_LEG = (R_WAIT_RETURN, R_WAIT_CONFIRM)


def _plan(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(status, kind) for each refund: every status at least once, then by weight."""
    head = list(REFUND_STATUSES)
    rng.shuffle(head)
    statuses = (head + [_weighted(rng, _STATUS_WEIGHTS) for _ in range(count - 6)])[:count]
    kinds = [
        _weighted(rng, _KIND_WEIGHTS_RETURN if s in _RETURN_LEG else _KIND_WEIGHTS_ANY)
        for s in statuses
    ]
    slots = list(range(count))
    rng.shuffle(slots)
    for kind, minimum in _KIND_MINIMUM:
        for i in slots:
            if kinds.count(kind) >= minimum or kinds.count("return") <= 2:
                break
            if kinds[i] == "return" and (statuses[i] not in _RETURN_LEG or KINDS[kind].need_return):
                kinds[i] = kind
    return list(zip(statuses, kinds, strict=True))


def _applied_window(o: _Order, kind: str, reason: str, status: str, now: int) -> tuple[int, int]:
    """When a refund of this kind could have been applied for on this order, or (1, 0)."""
    none = (1, 0)
    if o.paid is None or o.cod:
        return none
    age_lo, age_hi = _STATUS_AGE[status]
    lo, hi = now - age_hi, now - age_lo
    if kind == "pre_ship":
        lo = max(lo, o.paid + 10 * MINUTE)
        late = 15 * DAY if o.presale else 72 * HOUR
        if reason == "未按约定时间发货":
            lo = max(lo, o.paid + late)
        hi = min(hi, o.paid + (1 * DAY if reason == "多拍/拍错/不想要" else late + 7 * DAY))
        keeps_shipping = status in (R_CLOSED, R_REFUSED) or (
            status == R_SUCCESS and len(o.lines) > 1
        )
        if keeps_shipping and o.shipped is not None:
            hi = min(hi, o.shipped - HOUR)
    elif kind == "not_received":
        if o.shipped is None:
            return none
        lo = max(lo, o.shipped + (4 * DAY if reason == "快递一直未送达" else 2 * DAY))
        hi = min(hi, o.shipped + 9 * DAY)
    else:
        if o.delivered is None:
            return none
        if kind == "repair":
            lo, hi = max(lo, o.delivered + 3 * DAY), min(hi, o.delivered + 25 * DAY)
        elif kind == "partial":
            lo, hi = max(lo, o.delivered + HOUR), min(hi, o.delivered + 7 * DAY)
        else:
            days = 7 if reason in ("七天无理由退换货", "尺码不合适") else 15
            lo, hi = max(lo, o.delivered + 2 * HOUR), min(hi, o.delivered + days * DAY)
    return lo, min(hi, now - 10 * MINUTE)


def _pause_confirmation(world: _World, o: _Order, until: int | None) -> None:
    """A running refund stops the auto-confirm clock; the buyer confirms after it ends."""
    if o.confirmed is None:
        return
    if until is None:
        o.confirmed = None
    elif o.confirmed < until:
        later = until + world.rng_refunds.randint(HOUR, 2 * DAY)
        o.confirmed = later if later <= world.now else None


def _close_order(o: _Order, when: int, reason: str = "退款成功") -> None:
    o.closed = when
    o.close_reason = reason
    o.confirmed = None


def _unship(o: _Order) -> None:
    o.shipped = o.delivered = o.confirmed = None
    o.carrier = o.tracking = ""


def _fit(rng: random.Random, applied: int, times: list[int], now: int) -> list[int]:
    """Squeeze a refund's later steps so the last one is not after ``now``."""
    last = times[-1]
    limit = now - MINUTE
    if last <= limit or last <= applied:
        return times
    target = applied + int((limit - applied) * (0.3 + 0.65 * rng.random()))
    scale = (target - applied) / (last - applied)
    return [applied + int((t - applied) * scale) for t in times]


def _generate_refunds(world: _World, orders: Sequence[_Order], count: int) -> list[_Refund]:
    rng = world.rng_refunds
    now = world.now
    candidates = [o for o in orders if o.paid is not None and not o.cod]
    if not candidates or count <= 0:
        return []
    used: set[str] = set()
    refunds: list[_Refund] = []
    for status, planned in _plan(rng, count):
        table = _KIND_WEIGHTS_RETURN if status in _RETURN_LEG else _KIND_WEIGHTS_ANY
        for attempt in range(80):
            # The planned kind first; if no order fits it, whatever kind fits.
            kind_name = planned if attempt < 50 else _weighted(rng, table)
            kind = KINDS[kind_name]
            reason, descriptions = rng.choice(kind.reasons)
            o = candidates[int(rng.random() * len(candidates))]
            if o.no in used:
                continue
            lo, hi = _applied_window(o, kind_name, reason, status, now)
            if lo > hi:
                continue
            used.add(o.no)
            if kind_name == "pre_ship":  # most are asked for soon after paying
                hi = lo + int((hi - lo) * rng.random() ** 3)
            refunds.append(
                _make_refund(
                    world, o, kind, reason, rng.choice(descriptions), status, rng.randint(lo, hi)
                )
            )
            break
    refunds.sort(key=lambda r: r.applied, reverse=True)
    return refunds


def _make_refund(
    world: _World, o: _Order, kind: _Kind, reason: str, description: str, status: str, applied: int
) -> _Refund:
    rng = world.rng_refunds
    now = world.now
    line = rng.randrange(len(o.lines))
    share = o.line_share(line)
    paid_date = world.clock.date_str(o.paid or o.created).replace("-", "")
    r = _Refund(
        no=world.unique_number(rng, 10**17, 57),  # 18 digits
        alipay_no=f"{paid_date}2200{rng.randint(10**15, 10**16 - 1)}",
        order=o,
        line=line,
        kind=kind,
        reason=reason,
        description=description,
        status=status,
        applied=applied,
        share=share,
    )
    confirmed_before = o.confirmed is not None and o.confirmed <= applied
    shipped_kind = kind.name not in ("pre_ship", "not_received")
    r.phase = "售后" if confirmed_before and shipped_kind else "售中"
    agent = world.agent_for(applied + HOUR)
    returns_goods = kind.need_return
    if kind.name in ("exchange", "repair"):
        amount = 0
    elif kind.name == "partial":
        unit_share = share // o.lines[line].qty
        if reason == "少件/漏发" and o.lines[line].qty > 1:
            amount = unit_share
        else:
            amount = max(100, share * rng.randint(8, 35) // 100 // 100 * 100)
        amount = min(amount, share)
    else:
        amount = share
    r.amount = amount

    if status == R_WAIT_AGREE:
        r.timeout = applied + SELLER_REPLY_CLOCK
        if kind.name == "pre_ship":
            _unship(o)
        elif kind.name == "not_received":
            o.delivered = None
            _pause_confirmation(world, o, None)
        elif r.phase == "售中":
            _pause_confirmation(world, o, None)
        if now - applied > INTERVENTION_AFTER and rng.random() < 0.35:
            r.intervention = "需要客服介入"
    elif status == R_WAIT_RETURN:
        r.agreed = applied + _uniform(rng, 10 * MINUTE, min(2 * DAY, now - applied - 30 * MINUTE))
        r.timeout = r.agreed + BUYER_RETURN_CLOCK
        r.reviewer = agent
        if r.phase == "售中":
            _pause_confirmation(world, o, None)
    elif status == R_WAIT_CONFIRM:
        r.agreed = applied + _uniform(rng, 10 * MINUTE, min(DAY, (now - applied) // 3))
        r.returned = r.agreed + _uniform(rng, 2 * HOUR, min(3 * DAY, now - r.agreed - HOUR))
        r.timeout = r.returned + SELLER_RECEIPT_CLOCK
        r.reviewer = agent
        _fill_return_parcel(r, rng)
        if r.phase == "售中":
            _pause_confirmation(world, o, None)
    elif status == R_REFUSED:
        refused = applied + _uniform(rng, HOUR, min(3 * DAY, now - applied - 10 * MINUTE))
        r.timeout = refused + BUYER_APPEAL_CLOCK
        r.reviewer = agent
        r.memo = _REFUSAL_MEMO[kind.name]
        if returns_goods and rng.random() < 0.5:
            r.agreed = applied + (refused - applied) // 3
            r.returned = r.agreed + (refused - r.agreed) // 2
            _fill_return_parcel(r, rng)
        if now - applied > INTERVENTION_AFTER and rng.random() < 0.6:
            r.intervention = rng.choice(("客服介入中", "需要客服介入"))
        if kind.name == "not_received" or r.phase == "售中":
            _pause_confirmation(world, o, None)
    elif status == R_SUCCESS:
        r.responsible = _RESPONSIBLE.get(reason, "")
        if returns_goods:
            agreed = applied + rng.randint(10 * MINUTE, DAY)
            returned = agreed + rng.randint(4 * HOUR, 3 * DAY)
            finished = returned + rng.randint(DAY, 5 * DAY)
            r.agreed, r.returned, r.finished = _fit(rng, applied, [agreed, returned, finished], now)
            _fill_return_parcel(r, rng)
        elif kind.name == "pre_ship" and reason == "多拍/拍错/不想要" and rng.random() < 0.6:
            r.finished = applied + rng.randint(1, 20)  # 极速退款: agreed the moment it arrived
            r.zero_second = True
        else:
            spread = DAY if kind.name == "pre_ship" else 3 * DAY
            r.finished = _fit(rng, applied, [applied + rng.randint(10 * MINUTE, spread)], now)[0]
        finished = r.finished
        assert finished is not None
        auto = not r.zero_second and rng.random() < 0.12
        r.manual = "系统退款" if auto or r.zero_second else "手工退款"
        r.operator = "系统" if auto or r.zero_second else agent
        r.reviewer = "" if auto or r.zero_second else agent
        o.refunded += amount
        full = amount == share and len(o.lines) == 1
        if kind.name == "pre_ship":
            if full:
                _unship(o)
                _close_order(o, finished)
            else:
                o.closed_lines.append(line)
        elif kind.name == "not_received":
            o.delivered = None
            if full:
                _close_order(o, finished)
            else:
                _pause_confirmation(world, o, finished)
        elif r.phase == "售中":
            if full and kind.name == "return":
                _close_order(o, finished)
            else:
                _pause_confirmation(world, o, finished)
    else:  # R_CLOSED
        if returns_goods and rng.random() < 0.35 and applied + DAY + BUYER_RETURN_CLOCK <= now:
            r.agreed = applied + rng.randint(10 * MINUTE, DAY)
            r.finished = r.agreed + BUYER_RETURN_CLOCK
            r.memo = "买家超时未退货，系统关闭"
            r.reviewer = agent
        else:
            upper = now - MINUTE
            if kind.name == "pre_ship" and o.shipped is not None:
                upper = min(upper, o.shipped - 10 * MINUTE)
            r.finished = _uniform(rng, applied + 30 * MINUTE, min(upper, applied + 3 * DAY))
            r.memo = "买家撤销退款申请"
        if kind.name == "not_received":
            # The parcel turned up after all.
            o.delivered = max((o.shipped or applied) + DAY, r.finished - HOUR)
            _pause_confirmation(world, o, r.finished)
        elif r.phase == "售中":
            _pause_confirmation(world, o, r.finished)
    return r


def _fill_return_parcel(r: _Refund, rng: random.Random) -> None:
    company, style = rng.choice(RETURN_CARRIERS)
    r.return_carrier = company
    r.return_tracking = _tracking(style, _Dice(rng))


def _refund_rows(
    world: _World, refunds: Iterable[_Refund], *, csv_cells: bool
) -> Iterator[list[str]]:
    fmt = world.clock.fmt_opt
    for r in refunds:
        o = r.order
        line = o.lines[r.line]
        finished = r.finished is not None
        returns_goods = r.kind.need_return
        if r.returned is not None:
            goods_status = "买家已退货"
        elif r.kind.name in ("pre_ship", "not_received"):
            goods_status = "买家未收到货"
        else:
            goods_status = "买家已收到货"
        if r.kind.name in ("exchange", "repair"):
            whole = ""
        else:
            whole = "全部退款" if r.amount == r.share else "部分退款"
        returned = r.returned is not None
        shipped_info = (
            f"{o.carrier}:{o.tracking}" if o.shipped is not None and o.shipped <= r.applied else ""
        )
        order_no, refund_no, alipay_no = o.no, r.no, r.alipay_no
        if csv_cells:
            order_no, refund_no, alipay_no = f'="{order_no}"', f'="{refund_no}"', f'="{alipay_no}"'
        yield [
            order_no,
            refund_no,
            alipay_no,
            fmt(o.paid),
            line.sku_code,
            fmt(r.finished),
            money(r.share),
            line.product.title,
            money(r.amount),
            r.manual,
            "是" if returns_goods else "否",
            fmt(r.applied),
            "" if finished else fmt(r.timeout),
            r.status,
            goods_status,
            f"{r.return_carrier}:{r.return_tracking}" if returned else "",
            shipped_info,
            r.intervention,
            SELLER_CONTACT["name"],
            SELLER_CONTACT["address"] if returns_goods else "",
            SELLER_CONTACT["zip"] if returns_goods else "",
            SELLER_CONTACT["phone"],
            SELLER_CONTACT["mobile"],
            r.return_tracking if returned else "",
            r.return_carrier if returned else "",
            r.reason,
            r.description,
            fmt(r.returned),
            r.responsible if finished else "",
            r.phase,
            r.memo,
            fmt(r.finished),
            whole,
            r.reviewer,
            "",
            "是" if r.zero_second else "否",
            r.operator,
            _REASON_TAG.get(r.reason, ""),
            r.kind.business,
            o.buyer.nick,
            r.kind.after_sale,
            fmt(r.applied) if r.phase == "售后" else "",
        ]


# --- chats -----------------------------------------------------------------------------------------

# A script line: (who, text). who: "b" the buyer, "a" the agent, "t" a third party
# chatting about someone else's order. Placeholders come from ``_chat_fields``.
_Script = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Scenario:
    name: str
    anchor: str  # the moment of the order the chat sits at; "refund:kind:reason,…" for refunds
    script: _Script
    violation: str = ""  # the red-line category the scenario plants, if any
    provinces: tuple[str, ...] = ()  # only buyers from these provinces
    signed_note: bool = False  # JSONL gets the system 签收 line (return-window rules)


COMPLIANT: tuple[_Scenario, ...] = (
    _Scenario(
        "presale.size",
        "before",
        (
            ("b", "在吗？1.8米的床拍哪个尺寸"),
            ("a", "亲，在的~1.8米的床建议拍1.8m床(被套220x240cm)这个规格哦"),
            ("b", "好的，那我拍了"),
            ("a", "好的亲，拍下后48小时内发货，有问题随时找我哦~"),
        ),
    ),
    _Scenario(
        "presale.material",
        "before",
        (
            ("b", "这个{product}是纯棉的吗，会不会起球"),
            ("a", "亲，是100%纯棉的，正常使用不会起球哦，首次洗涤建议冷水反面洗~"),
        ),
    ),
    _Scenario(
        "presale.delivery",
        "before",
        (
            ("b", "今天拍什么时候能到{city_short}"),
            (
                "a",
                "亲，今天16点前付款当天发出，江浙沪一般1-2天，其他地区2-4天左右，具体以物流为准哦~",
            ),
        ),
    ),
    _Scenario(
        "presale.invoice",
        "before",
        (
            ("b", "可以开发票吗？公司报销"),
            ("a", "可以的亲，下单后在订单详情页申请电子发票，抬头写公司或个人都可以~"),
        ),
    ),
    _Scenario(
        "presale.credit_card",
        "before",
        (
            ("b", "能用信用卡付款吗"),
            ("a", "可以的亲，支持信用卡付款哦，直接在收银台选择信用卡就可以~"),
        ),
    ),
    _Scenario(
        "presale.cod",
        "before",
        (
            ("b", "支持货到付款吗"),
            ("a", "支持的亲，下单时付款方式选择货到付款就可以，运费按页面显示的收取~"),
        ),
    ),
    _Scenario(
        "presale.excluded_region",
        "before",
        (
            ("b", "{city_short}包邮吗"),
            ("a", "亲，新疆、西藏不在包邮范围内，详情页和运费模板里都有写，需要付15元运费哦~"),
        ),
        provinces=EXCLUDED_PROVINCES,
    ),
    _Scenario(
        "presale.coupon",
        "before",
        (
            ("b", "{product}还能便宜点吗"),
            ("a", "亲，现在店铺有满200减20的优惠券，在商品页领券后下单更划算哦~"),
            ("b", "好吧"),
        ),
    ),
    _Scenario(
        "unpaid.reminder",
        "unpaid",
        (
            ("a", "亲，看到您拍下的{product}还没有付款哦，库存不多了，付款后48小时内就给您发出~"),
            ("b", "晚点付"),
            ("a", "好的亲，不着急，有问题随时找我~"),
        ),
    ),
    _Scenario(
        "ship.chase",
        "late",
        (
            ("b", "拍了两天了怎么还没发货"),
            (
                "a",
                "亲，非常抱歉让您久等了，已经帮您催仓库加急，今天会安排发出，发出后订单里就能看到物流~",
            ),
        ),
    ),
    _Scenario(
        "ship.address_change",
        "unshipped",
        (
            ("b", "地址填错了，麻烦改成：\n{new_address}"),
            ("a", "好的亲，已经帮您备注了新地址，发货以新地址为准，您核对一下：\n{new_address}"),
            ("b", "对的，谢谢"),
        ),
    ),
    _Scenario(
        "ship.in_transit",
        "in_transit",
        (
            ("b", "物流三天没动了"),
            (
                "a",
                "亲，非常抱歉，已经帮您联系{carrier}加急处理了，有进展第一时间告诉您，一般1-2天内会恢复派送哦~",
            ),
        ),
    ),
    _Scenario(
        "after.invoice",
        "signed",
        (
            ("b", "发票开一下，抬头写{name}"),
            (
                "a",
                "好的亲，电子发票已经为您开具，金额按实付货款{goods_paid}元开具，运费不在开票范围内，在订单详情页就能下载~",
            ),
        ),
    ),
    _Scenario(
        "refund.quality",
        "refund:return:质量问题",
        (
            ("b", "收到的{product}{description}"),
            ("a", "非常抱歉亲！麻烦拍个照片给我们看看哦"),
            ("b", "[图片]"),
            ("a", "看到了亲，是我们的质量问题，您申请退货退款就行，来回运费都由我们承担~"),
        ),
        signed_note=True,
    ),
    _Scenario(
        "refund.no_reason",
        "refund:return:七天无理由退换货",
        (
            ("b", "{description}，能退吗"),
            (
                "a",
                "可以的亲，签收7天内支持无理由退货，不影响二次销售就行，退回运费需要您承担，有运费险会自动理赔哦~",
            ),
        ),
        signed_note=True,
    ),
    _Scenario(
        "refund.size",
        "refund:return:尺码不合适,exchange:尺码不合适",
        (
            ("b", "{description}，可以换吗"),
            ("a", "可以的亲，您在订单里申请换货或退货，寄回来后我们马上给您处理~"),
        ),
        signed_note=True,
    ),
    _Scenario(
        "refund.missing",
        "refund:partial:少件/漏发",
        (
            ("b", "{description}"),
            ("a", "亲，非常抱歉，我马上让仓库核实重量，核实后给您补发或者退差价，您看哪种方便？"),
            ("b", "退差价吧"),
            ("a", "好的亲，您申请部分退款，我们这边马上同意~"),
        ),
    ),
    _Scenario(
        "refund.wrong_item",
        "refund:return:发错货,exchange:发错货",
        (
            ("b", "{description}"),
            ("a", "亲，实在抱歉是我们发错了，您申请退货，运费我们承担，也可以给您换成拍的那款~"),
        ),
    ),
    _Scenario(
        "refund.stockout",
        "refund:pre_ship:缺货",
        (
            ("b", "怎么还不发货？"),
            ("a", "亲，非常抱歉，您拍的这款颜色暂时缺货了，您看是等三天到货，还是换同款其他颜色？"),
            ("b", "不等了，我申请退款"),
            ("a", "好的亲，给您添麻烦了，申请后我们马上处理~"),
        ),
    ),
    _Scenario(
        "refund.wrong_order",
        "refund:pre_ship:多拍/拍错/不想要",
        (
            ("b", "{description}，能退款吗"),
            ("a", "可以的亲，您直接申请退款，我们这边马上同意~"),
        ),
    ),
    _Scenario(
        "refund.repair",
        "refund:repair:质量问题",
        (
            ("b", "{product}{description}，能修吗"),
            (
                "a",
                "可以的亲，还在保修期内，您在订单里申请维修寄回来，来回运费我们承担，修好马上给您寄回~",
            ),
        ),
    ),
    _Scenario(
        "refund.lost",
        "refund:not_received:快递一直未送达,not_received:未收到货",
        (
            ("b", "{description}"),
            ("a", "亲，非常抱歉，已经帮您登记并联系快递核实，确认丢件的话马上给您重新补发~"),
        ),
    ),
)

VIOLATIONS: tuple[_Scenario, ...] = (
    _Scenario(
        "violation.invoice_special",
        "signed",
        (
            ("b", "你好，我买的{product}能开发票吗？公司报销"),
            ("a", "亲，这款是活动特价款，特价商品不开发票的哦~"),
        ),
        violation="invoice",
    ),
    _Scenario(
        "violation.invoice_tax",
        "signed",
        (
            ("b", "开个发票，抬头是{company}"),
            ("a", "亲，开发票需要另外加6个点的税点哦"),
        ),
        violation="invoice",
    ),
    _Scenario(
        "violation.wechat",
        "before",
        (
            ("b", "这个{product}还能便宜吗"),
            ("a", "亲，加我微信yunduo_home，微信转账给您再便宜30元哈"),
        ),
        violation="payment",
    ),
    _Scenario(
        "violation.remote_postage",
        "unshipped",
        (
            ("b", "我在{city_short}，拍好了，什么时候发货"),
            ("a", "亲，{city_short}属于偏远地区，需要补10块邮费哦，补了马上给您发~"),
        ),
        violation="free_shipping",
        provinces=REMOTE_BUT_FREE,
    ),
    _Scenario(
        "violation.cod_refused",
        "before",
        (
            ("b", "可以货到付款吗"),
            ("a", "亲，我们不支持货到付款哦，麻烦您在线付款~"),
        ),
        violation="cod",
    ),
    _Scenario(
        "violation.card_fee",
        "before",
        (
            ("b", "可以刷信用卡吗"),
            ("a", "可以的亲，不过刷信用卡要另外加2%手续费哦"),
        ),
        violation="credit_card",
    ),
    _Scenario(
        "violation.quality_postage",
        "refund:return:质量问题",
        (
            ("b", "收到的{product}{description}，这是质量问题吧，我要退货"),
            ("a", "亲，退货可以的，来回运费需要您自己承担哦"),
        ),
        violation="returns",
        signed_note=True,
    ),
    _Scenario(
        "violation.privacy",
        "in_transit",
        (
            ("t", "我老婆在你们家买了{product}，帮我看看寄到哪了"),
            ("a", "您好，寄到{address}的，收件人{name}，电话{mobile}"),
        ),
        violation="privacy",
    ),
    _Scenario(
        "violation.close_order",
        "unshipped",
        (
            ("b", "拍好了，不过我再考虑一下"),
            ("a", "好的亲，那我先帮您把这单关掉啦，想好了再拍~"),
        ),
        violation="close_order",
    ),
    _Scenario(
        "violation.promise",
        "before",
        (
            ("b", "我在{city_short}，明天能到吗？"),
            ("a", "亲，今天下单今天发，明天肯定到！"),
        ),
        violation="promise",
    ),
    _Scenario(
        "violation.ad_words",
        "before",
        (
            ("b", "你们这个{product}是全网最便宜的吗"),
            ("a", "是的亲，全网最低价，销量第一哦"),
        ),
        violation="ad_words",
    ),
    _Scenario(
        "violation.curt",
        "late",
        (
            ("b", "怎么还不发货"),
            ("a", "我已经说过了，48小时内发货"),
        ),
        violation="etiquette",
    ),
)


@dataclass(slots=True)
class _Chat:
    scenario: _Scenario
    nick: str  # the section's buyer (the account chatting)
    order: _Order | None
    messages: list[tuple[str, str, str, int]]  # (role, account, text, time)
    signed_at: int | None = None
    new_address: str = ""  # an address change the chat asked for (修改后的收货地址)


def _anchor(world: _World, sc: _Scenario, o: _Order, refund: _Refund | None) -> int | None:
    """When the chat starts, or None if this order does not fit the scenario."""
    rng = world.rng_chats
    now = world.now
    lo: int
    hi: int
    if sc.anchor == "before":
        t = o.created - rng.randint(3 * MINUTE, 40 * MINUTE)
        return t if t > world.window_start - DAY else None
    if o.cod and sc.anchor != "before":
        return None
    if sc.anchor == "unpaid":
        if o.paid is not None and o.paid - o.created < 20 * MINUTE:
            return None
        end = o.paid if o.paid is not None else (o.closed if o.closed is not None else now)
        lo, hi = o.created + 10 * MINUTE, min(end, now) - 5 * MINUTE
    elif sc.anchor == "unshipped":
        if o.paid is None or o.closed is not None:
            return None
        end = o.shipped if o.shipped is not None else now
        lo, hi = o.paid + 10 * MINUTE, min(end, now) - 30 * MINUTE
    elif sc.anchor == "late":
        if o.paid is None or o.closed is not None:
            return None
        end = o.shipped if o.shipped is not None else now
        lo, hi = o.paid + 36 * HOUR, min(end, now) - 30 * MINUTE
    elif sc.anchor == "in_transit":
        if o.shipped is None:
            return None
        end = o.delivered if o.delivered is not None else now
        lo, hi = o.shipped + 2 * DAY, min(end, now) - HOUR
    elif sc.anchor == "signed":
        if o.delivered is None:
            return None
        lo, hi = o.delivered + HOUR, min(o.delivered + 6 * DAY, now - HOUR)
    else:
        if refund is None:
            return None
        lo = refund.applied - 3 * HOUR
        hi = refund.applied - 5 * MINUTE
        floor = o.delivered if refund.kind.need_return or refund.kind.name == "partial" else o.paid
        if floor is not None:
            lo = max(lo, floor + 10 * MINUTE)
    return rng.randint(lo, hi) if lo <= hi else None


def _chat_fields(o: _Order, refund: _Refund | None, new_address: str) -> dict[str, str]:
    b = o.buyer
    line = o.lines[refund.line if refund else 0]
    return {
        "product": line.product.short,
        "city_short": b.city.removesuffix("市"),
        "address": f"{b.city}{b.district}{b.detail}",
        "new_address": new_address.replace(" ", ""),
        "name": b.name,
        "mobile": b.mobile,
        "carrier": o.carrier or "快递",
        "goods_paid": money(o.goods - o.discount),
        "company": COMPANIES[int(o.no) % len(COMPANIES)],
        "description": refund.description if refund else "",
    }


def _play(world: _World, sc: _Scenario, o: _Order, refund: _Refund | None, start: int) -> _Chat:
    rng = world.rng_chats
    new_address = ""
    if sc.name == "ship.address_change" and not o.new_address:
        b = o.buyer
        new_address = f"{b.province} {b.city} {b.district} {_street_address(world.dice_chats)}"
    fields = _chat_fields(o, refund, new_address or o.new_address)
    third_party = any(who == "t" for who, _ in sc.script)
    nick = _nick(world, world.dice_chats) if third_party else o.buyer.nick
    agent = world.agent_for(start)
    t = start
    prev = ""
    messages: list[tuple[str, str, str, int]] = []
    for who, template in sc.script:
        if prev:
            if who == "a":
                t += rng.randint(8, 50) if prev != "a" else rng.randint(5, 20)
            else:
                t += rng.randint(20, 150)
        role = "agent" if who == "a" else "buyer"
        account = agent if who == "a" else nick
        messages.append((role, account, template.format(**fields), t))
        prev = who
    signed_at = o.delivered if sc.signed_note else None
    return _Chat(sc, nick, o, messages, signed_at, new_address)


def _place(
    world: _World,
    sc: _Scenario,
    orders: Sequence[_Order],
    refunds_by_reason: dict[str, list[_Refund]],
    used: set[str],
) -> _Chat | None:
    """Find an order (and refund) the scenario fits and play it; None after 80 misses."""
    rng = world.rng_chats
    for _attempt in range(80):
        refund: _Refund | None = None
        if sc.anchor.startswith("refund:"):
            keys = sc.anchor.partition(":")[2].split(",")
            pool = [r for key in keys for r in refunds_by_reason.get(key, ())]
            if not pool:
                return None
            refund = rng.choice(pool)
            o = refund.order
        else:
            o = orders[int(rng.random() * len(orders))]
        if o.buyer.nick in used or (sc.provinces and o.buyer.province not in sc.provinces):
            continue
        start = _anchor(world, sc, o, refund)
        if start is None:
            continue
        chat = _play(world, sc, o, refund, start)
        if chat.messages[-1][3] <= world.now:
            return chat
    return None


def _generate_chats(
    world: _World, orders: Sequence[_Order], refunds: Sequence[_Refund], count: int
) -> list[_Chat]:
    rng = world.rng_chats
    n_violations = max(1, round(count * 0.1))
    violations = list(VIOLATIONS)
    rng.shuffle(violations)
    plan = [violations[i % len(violations)] for i in range(n_violations)]
    plan += [COMPLIANT[i % len(COMPLIANT)] for i in range(count - n_violations)]
    rng.shuffle(plan)

    refunds_by_reason: dict[str, list[_Refund]] = {}
    for r in refunds:
        refunds_by_reason.setdefault(f"{r.kind.name}:{r.reason}", []).append(r)
    used: set[str] = set()
    chats: list[_Chat] = []
    # Scenarios any order fits, to fall back on when a month has nothing for the planned one.
    fallback_ok = [sc for sc in COMPLIANT if sc.anchor == "before" and not sc.provinces]
    fallback_bad = [sc for sc in VIOLATIONS if sc.anchor == "before" and not sc.provinces]
    for i, sc in enumerate(plan):
        chat = _place(world, sc, orders, refunds_by_reason, used)
        if chat is None:
            fallback = fallback_bad if sc.violation else fallback_ok
            chat = _place(world, fallback[i % len(fallback)], orders, refunds_by_reason, used)
        if chat is None:
            continue
        used.add(chat.nick)
        if chat.order is not None:
            used.add(chat.order.buyer.nick)
            if chat.new_address:
                chat.order.new_address = chat.new_address
        chats.append(chat)
    chats.sort(key=lambda c: c.messages[0][3])
    return chats


def _chats_txt(world: _World, chats: Sequence[_Chat]) -> str:
    rng = world.rng_chats
    fmt = world.clock.fmt
    out = [f"{world.shop}:{AGENTS[0]}"]
    for chat in chats:
        buyer_prefix = "cntaobao" if rng.random() < 0.1 else ""
        agent_prefix = "cntaobao" if rng.random() < 0.05 else ""
        out.append("-" * 28 + chat.nick + "-" * 28)
        for role, account, text, t in chat.messages:
            speaker = (agent_prefix if role == "agent" else buyer_prefix) + account
            out.append(f"{speaker}({fmt(t)}):  " + text.replace("\n", "\r\n"))  # continuation lines
        out.append("=" * 64)
    return "\r\n".join(out) + "\r\n"


def _chats_jsonl(world: _World, chats: Sequence[_Chat]) -> str:
    clock = world.clock
    shop = {
        "platform": "tmall",
        "cod": True,
        "credit_card": True,
        "free_shipping": True,
        "free_shipping_exclusions": list(FREE_SHIPPING_EXCLUSIONS),
    }
    lines = []
    for i, chat in enumerate(chats, 1):
        first = chat.messages[0][3]
        messages: list[dict[str, Any]] = []
        if chat.signed_at is not None:
            t = chat.signed_at
            messages.append(
                {
                    "role": "system",
                    "account": None,
                    "text": f"买家已签收（{clock.fmt(t)[:16]}）",
                    "time": clock.iso(t),
                }
            )
        messages += [
            {"role": role, "account": account, "text": text, "time": clock.iso(t)}
            for role, account, text, t in chat.messages
        ]
        conv: dict[str, Any] = {"id": f"c{i:04d}", "shop": shop}
        o = chat.order
        if o is not None and chat.scenario.anchor != "before":
            conv["order"] = {
                "id": o.no,
                "buyer": o.buyer.nick,
                "amount": o.payment / 100,
                "shipping_fee": o.postage / 100,
                "payment": "cod" if o.cod else "alipay",
                "status": o.chat_status(first),
            }
        conv["messages"] = messages
        lines.append(json.dumps(conv, ensure_ascii=False))
    return "\n".join(lines) + "\n"


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


def _write_gbk_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with path.open("wb") as fh:
        for text in _csv_chunks(header, rows):
            fh.write(text.encode("gb18030"))


_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _write_xlsx(
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


# --- entry points ------------------------------------------------------------------------------------


def _resolve_now(start: date, days: int, now: datetime | None) -> datetime:
    if now is None:
        return datetime.combine(start + timedelta(days=days), time(20, 0))
    if now.tzinfo is not None:
        now = now.astimezone(CHINA).replace(tzinfo=None)
    return now.replace(microsecond=0)


def generate_month(
    out_dir: Path,
    *,
    seed: int = 7,
    start: date = date(2026, 10, 1),
    days: int = 30,
    orders: int = 600,
    shop: str = "云朵家居旗舰店",
    now: datetime | None = None,
) -> dict[str, Path]:
    """Write a month of ``shop``'s exports into ``out_dir``; return kind → path.

    Kinds: ``orders``, ``items``, ``refunds_xlsx``, ``refunds_csv``, ``chats_txt``,
    ``chats_jsonl``. ``now`` is the moment of the export (China time when naive;
    default: the day after the month at 20:00); every time in the files is at or
    before it, and the refunds' clocks (超时时间) run against it.
    """
    if days < 1:
        raise ValueError("days 必须至少为 1 (days must be at least 1)")
    if orders < 1:
        raise ValueError("orders 必须至少为 1 (orders must be at least 1)")
    now_local = _resolve_now(start, days, now)
    with _gc_paused():
        return _generate(out_dir, _World(shop, start, days, now_local, seed), orders, now_local)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hundreds of thousands of small acyclic objects: the cyclic collector would keep
    rescanning them (a third of the run at 100,000 orders) and never free anything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _generate(out_dir: Path, world: _World, orders: int, now_local: datetime) -> dict[str, Path]:

    order_list = _generate_orders(world, orders)
    refunds = _generate_refunds(world, order_list, min(round(orders * 0.08), 1000))
    _plant_suspicious(world, order_list)
    chats = _generate_chats(world, order_list, refunds, min(200, max(60, orders // 10), orders))

    out_dir.mkdir(parents=True, exist_ok=True)
    minute, day = f"{now_local:%Y%m%d%H%M}", f"{now_local:%Y%m%d}"
    paths = {
        "orders": out_dir / f"ExportOrderList{minute}.csv",
        "items": out_dir / f"ExportOrderDetailList{minute}.csv",
        "refunds_xlsx": out_dir / f"refunds{day}.xlsx",
        "refunds_csv": out_dir / f"refunds{day}.csv",
        "chats_txt": out_dir / f"chats{day}.txt",
        "chats_jsonl": out_dir / f"chats{day}.jsonl",
    }
    _write_gbk_csv(paths["orders"], ORDER_HEADER, _order_rows(world, order_list))
    _write_gbk_csv(paths["items"], ITEM_HEADER, _item_rows(world, order_list))
    _write_xlsx(
        paths["refunds_xlsx"],
        REFUND_HEADER,
        _refund_rows(world, refunds, csv_cells=False),
        now_local,
    )
    _write_gbk_csv(
        paths["refunds_csv"], REFUND_HEADER, _refund_rows(world, refunds, csv_cells=True)
    )
    paths["chats_txt"].write_bytes(_chats_txt(world, chats).encode("gb18030"))
    paths["chats_jsonl"].write_text(_chats_jsonl(world, chats), encoding="utf-8", newline="\n")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m redline.demo.generate OUT_DIR [--orders N] [--seed N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m redline.demo.generate",
        description="生成一个月的天猫店铺导出文件 (a month of Tmall shop exports) for demos and benchmarks.",
    )
    parser.add_argument("out_dir", type=Path, help="where the files go (created if missing)")
    parser.add_argument("--orders", type=int, default=600, help="number of orders (default 600)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--days", type=int, default=30, help="length of the month in days (default 30)"
    )
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2026, 10, 1),
        help="first day, YYYY-MM-DD (default 2026-10-01)",
    )
    parser.add_argument(
        "--shop", default="云朵家居旗舰店", help="shop name (default 云朵家居旗舰店)"
    )
    args = parser.parse_args(argv)
    try:
        paths = generate_month(
            args.out_dir,
            seed=args.seed,
            start=args.start,
            days=args.days,
            orders=args.orders,
            shop=args.shop,
        )
    except ValueError as exc:
        parser.error(str(exc))
    for kind, path in paths.items():
        print(f"{kind}\t{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
