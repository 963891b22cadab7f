"""Privacy survives the chat import (issue 11, item 2).

The Qianniu TXT export says who is chatting, not who placed the order. The chat
importer used to make the section's nick the order's buyer, so the guard always
believed the chatting account had ordered, and telling a husband his wife's name,
address and phone was never flagged after ``redline import chats`` + ``redline qa``.
Imported chats now link to a real order of the store or carry none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from redline.cli import main
from redline.store import open_store, session
from redline.store.models import Conversation

WIFE_ORDER = "3012345678901234567"
HUSBAND_ORDER = "3012345678901234999"
ORDERS = (
    "订单编号,买家会员名,买家实际支付金额,订单状态,运送方式,收货人姓名,收货地址,联系手机,"
    "订单创建时间,订单付款时间,发货时间,宝贝标题\r\n"
    f'="{WIFE_ORDER}",tb_wangfang,328.00,卖家已发货，等待买家确认,快递,王芳,'
    "浙江省 杭州市 西湖区 文三路88号,'13812345678,2026-10-20 10:00:00,2026-10-20 10:00:05,"
    "2026-10-21 09:00:00,蚕丝被\r\n"
    f'="{HUSBAND_ORDER}",tb_lijun,59.00,卖家已发货，等待买家确认,快递,李军,'
    "浙江省 杭州市 西湖区 文三路88号,'13900001111,2026-10-25 10:00:00,2026-10-25 10:00:05,"
    "2026-10-26 09:00:00,枕套\r\n"
)
SHOP = "云朵家居旗舰店"
AGENT = f"{SHOP}:小美"
ANSWER = "亲，收货人是王芳，电话13812345678，寄到杭州市西湖区文三路88号哦"


def qianniu(*sections: tuple[str, list[tuple[str, str]]]) -> str:
    """A Qianniu/Wangwang TXT export: (buyer nick, [(speaker, text)]) sections."""
    out = [AGENT]
    minute = 0
    for nick, lines in sections:
        out.append("-" * 28 + nick + "-" * 28)
        for speaker, text in lines:
            minute += 1
            out.append(f"{speaker}(2026-10-28 10:{minute:02d}:00):  {text}")
        out.append("=" * 64)
    return "\n".join(out) + "\n"


def run(*args: str) -> Any:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r


def privacy_after_import(
    tmp_path: Path, chat: str, name: str = "chats.txt"
) -> list[dict[str, Any]]:
    db = str(tmp_path / "shop.db")
    (tmp_path / "orders.csv").write_bytes(ORDERS.encode("gbk"))
    (tmp_path / name).write_bytes(chat.encode("gb18030"))
    run("import", "orders", str(tmp_path / "orders.csv"), "--db", db)
    run("import", "chats", str(tmp_path / name), "--db", db)
    run("qa", "--db", db, "--at", "2026-10-28 20:00")
    r = run("qa", "list", "--category", "privacy", "--db", db, "--format", "json")
    found: list[dict[str, Any]] = json.loads(r.stdout)
    return found


def stored_orders(tmp_path: Path) -> dict[str, dict[str, Any]]:
    engine = open_store(str(tmp_path / "shop.db"))
    with session(engine) as s:
        out = {
            c.id: {"order": c.order, "order_no": c.order_no}
            for c in s.scalars(select(Conversation))
        }
    engine.dispose()
    return out


def test_a_husband_told_his_wifes_name_address_and_phone_is_flagged(tmp_path: Path) -> None:
    """He names her order; the store knows it was tb_wangfang's, not his."""
    chat = qianniu(
        (
            "tb_lijun",
            [
                ("tb_lijun", f"我是她老公，订单{WIFE_ORDER}寄到哪了，收件信息是什么"),
                (AGENT, ANSWER),
            ],
        )
    )
    found = privacy_after_import(tmp_path, chat)
    assert [f["category"] for f in found] == ["privacy"]
    assert found[0]["account"] == AGENT
    (conv,) = stored_orders(tmp_path).values()
    assert conv["order_no"] == WIFE_ORDER
    assert conv["order"]["buyer"] == "tb_wangfang"  # the real buyer, not the chatter


def test_without_an_order_number_his_own_order_does_not_vouch_for_him(tmp_path: Path) -> None:
    """No number: the chat links to his own recent order, which says nothing about
    whose parcel he asks after; what he says about himself decides."""
    chat = qianniu(
        (
            "tb_lijun",
            [("tb_lijun", "我老婆买的蚕丝被寄到哪了，收件人电话多少"), (AGENT, ANSWER)],
        )
    )
    found = privacy_after_import(tmp_path, chat)
    assert [f["category"] for f in found] == ["privacy"]
    (conv,) = stored_orders(tmp_path).values()
    assert conv["order_no"] == HUSBAND_ORDER
    assert "buyer" not in conv["order"]  # never made up from the chatting account


def test_the_buyer_herself_may_hear_her_own_details(tmp_path: Path) -> None:
    chat = qianniu(
        (
            "tb_wangfang",
            [("tb_wangfang", f"订单{WIFE_ORDER}寄到哪了，收件信息帮我核对下"), (AGENT, ANSWER)],
        )
    )
    assert privacy_after_import(tmp_path, chat) == []
    (conv,) = stored_orders(tmp_path).values()
    assert conv["order"]["buyer"] == "tb_wangfang"
    assert conv["order"]["payment"] == "alipay" and conv["order"]["status"] == "shipped"


def test_a_chat_with_no_order_in_the_store_carries_none(tmp_path: Path) -> None:
    chat = qianniu(("tb_stranger", [("tb_stranger", "在吗，有货吗"), (AGENT, "亲，有货的")]))
    privacy_after_import(tmp_path, chat)
    (conv,) = stored_orders(tmp_path).values()
    assert conv == {"order": {}, "order_no": None}


@pytest.mark.parametrize("number", ["3012345678900000000", "13812345678"])
def test_a_number_the_store_does_not_know_links_nothing(tmp_path: Path, number: str) -> None:
    chat = qianniu(
        ("tb_stranger", [("tb_stranger", f"订单{number}到哪了"), (AGENT, "亲，我查一下")])
    )
    privacy_after_import(tmp_path, chat)
    (conv,) = stored_orders(tmp_path).values()
    assert conv["order_no"] is None


def test_the_same_chat_as_jsonl_is_linked_the_same_way(tmp_path: Path) -> None:
    line = {
        "id": "j1",
        "messages": [
            {
                "role": "buyer",
                "account": "tb_lijun",
                "text": f"我是她老公，订单{WIFE_ORDER}寄到哪了",
            },
            {"role": "agent", "account": AGENT, "text": ANSWER},
        ],
    }
    found = privacy_after_import(tmp_path, json.dumps(line, ensure_ascii=False) + "\n", "c.jsonl")
    assert [f["category"] for f in found] == ["privacy"]
