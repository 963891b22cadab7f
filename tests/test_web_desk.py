"""The after-sales desk pages: cases board, one case and its actions, late orders,
returns register, handoff board — roles, CSRF, masking, escaping, page = JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

import redline.store.accounts
from redline.desk.policy import Policy
from redline.importers.records import OrderRecord, RefundRecord
from redline.store import open_store, session, writing
from redline.store.accounts import add_user, create_token
from redline.store.desk import Desk
from redline.store.imports import import_orders, import_refunds
from redline.store.models import Case, CaseEvent
from redline.store.schema import Base
from redline.web import create_app

PASSWORD = "correct-horse-1"
SECRET = "desk-test-secret-" + "y" * 32
H = timedelta(hours=1)
POLICY = Policy.default()
NOW = POLICY.china_now().replace(second=0, microsecond=0)
AT = NOW.strftime("%Y-%m-%d %H:%M")  # ?at= for pages compared with their JSON
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
PHONE = "13812345678"
PHONE2 = "13987654321"

WAITING = "买家已经申请退款，等待卖家同意"
AWAITING_RETURN = "等待买家退货"
PAGES = ("/cases", "/cases/{case}", "/orders/late", "/returns", "/handoff")


def order(no: str, **kw: Any) -> OrderRecord:
    base: dict[str, Any] = {
        "line": 2,
        "order_no": no,
        "buyer_nick": "tb_" + no[-3:],
        "status": "买家已付款，等待卖家发货",
        "paid_amount": Decimal("128.00"),
        "paid_at": NOW - 48 * H,
    }
    base.update(kw)
    return OrderRecord(**base)


def refund(no: str, status: str, **kw: Any) -> RefundRecord:
    base: dict[str, Any] = {
        "line": 2,
        "refund_no": no,
        "order_no": "30" + no,
        "status": status,
        "applied_at": NOW - 10 * H,
        "buyer_nick": "tb_buyer",
        "paid_amount": Decimal("200.00"),
        "refund_amount": Decimal("200.00"),
        "reason": "七天无理由退换货",
        "need_return": True,
    }
    base.update(kw)
    return RefundRecord(**base)


@dataclass
class Site:
    app: FastAPI
    engine: Engine
    boss_token: str
    cases: dict[str, int]

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")

    def login(self, name: str) -> TestClient:
        c = self.client()
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        r = c.post(
            "/login",
            data={"name": name, "password": PASSWORD, "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return c

    def case_id(self, refund_no: str) -> int:
        return self.cases[refund_no]


def csrf_of(c: TestClient, path: str = "/cases") -> str:
    page = c.get(path)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found[1]


def _seed(engine: Engine) -> dict[str, int]:
    import_orders(
        engine,
        [
            # 80 h ago: already late to ship (72 h), 30 % of 128 at stake
            order(
                "3012345678901234001",
                paid_at=NOW - 80 * H,
                receiver_name="张三丰",
                address=f"浙江省杭州市西湖区文三路 100 号 {PHONE}",
                phone=PHONE,
                title="纯棉毛巾 三条装",
            ),
            order("3012345678901234002", paid_at=NOW - 60 * H),  # due in 12 h
            order("3012345678901234003", paid_at=NOW - 10 * H),  # not yet in the window
            order("3012345678901234004", paid_at=NOW - 90 * H, cod=True),  # COD: outside
        ],
    )
    import_refunds(
        engine,
        [
            refund("R1", WAITING, applied_at=NOW - 30 * H),  # review passed: overdue
            refund("R2", WAITING, buyer_nick=SCRIPT, reason=SCRIPT),  # hostile import
            refund(
                "R3",
                WAITING,
                reason="缺货",
                need_return=False,
                paid_amount=Decimal("300.00"),
                applied_at=NOW - 5 * H,
            ),
            refund("R4", WAITING, applied_at=NOW - 8 * H),  # moved by the form test
            refund("R5", WAITING, applied_at=NOW - 7 * H),  # moved by the JSON test
            refund(
                "R6",
                AWAITING_RETURN,
                applied_at=NOW - 40 * H,
                timeout_at=NOW + 5 * 24 * H,
                return_tracking_no="SF1122334455",
                return_carrier="顺丰",
            ),
            refund("R7", AWAITING_RETURN, applied_at=NOW - 30 * H, timeout_at=NOW + 48 * H),
        ],
        now=NOW,
    )
    with session(engine) as s:
        return {c.refund_no: c.id for c in s.scalars(select(Case)) if c.refund_no}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path: Path = tmp_path_factory.mktemp("desk-web") / "desk.db"
    url = f"sqlite:///{path}"
    engine = open_store(url)
    assert redline.store.accounts.User.__table__ is not None
    Base.metadata.create_all(engine)  # accounts tables until their migration lands
    with writing(engine) as s:
        add_user(s, "主管小李", "supervisor", PASSWORD)
        add_user(s, "admin", "admin", PASSWORD)
        add_user(s, "xiaomei", "agent", PASSWORD, "云朵家居旗舰店:小美")
        boss_token = create_token(s, "主管小李", "test")
    cases = _seed(engine)
    app = create_app(url, secret=SECRET)
    yield Site(app, engine, boss_token, cases)
    engine.dispose()


@pytest.fixture(scope="module")
def boss(site: Site) -> TestClient:
    return site.login("主管小李")


@pytest.fixture(scope="module")
def agent(site: Site) -> TestClient:
    return site.login("xiaomei")


def _path(site: Site, page: str) -> str:
    return page.format(case=site.case_id("R1"))


def page_ids(html: str, attr: str) -> list[str]:
    return [unescape(x) for x in re.findall(rf'data-{attr}="([^"]*)"', html)]


# --- who may see what -----------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_for_a_supervisor_and_are_refused_to_an_agent(
    site: Site, boss: TestClient, agent: TestClient, page: str
) -> None:
    path = _path(site, page)
    r = boss.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert boss.get("/api" + path).status_code == 200
    assert agent.get(path).status_code == 403
    assert agent.get("/api" + path).status_code == 403
    anonymous = site.client()
    assert anonymous.get(path, follow_redirects=False).status_code == 303
    assert anonymous.get("/api" + path).status_code == 401


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_table_cards_with_no_inline_script(
    site: Site, boss: TestClient, page: str
) -> None:
    html = boss.get(_path(site, page)).text
    for td in re.findall(r"<td\b[^>]*>", html):
        assert "data-label=" in td, td
    assert "<table" not in html.replace('<table class="rows', "")  # every table turns into cards
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert " on" + "click=" not in html and "javascript:" not in html


def test_agents_cannot_act_or_add(site: Site, agent: TestClient) -> None:
    token = csrf_of(agent, "/checker")
    case = site.case_id("R1")
    r = agent.post(
        f"/cases/{case}/act",
        data={"action": "agree", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 403
    headers = {"X-CSRF-Token": token}
    assert (
        agent.post(f"/api/cases/{case}/act", json={"action": "agree"}, headers=headers).status_code
        == 403
    )
    assert (
        agent.post("/api/returns", json={"tracking_no": "YT000111222"}, headers=headers).status_code
        == 403
    )
    assert (
        agent.post("/api/handoff", json={"kind": "漏发", "text": "x"}, headers=headers).status_code
        == 403
    )
    with session(site.engine) as s:
        stored = s.get(Case, case)
        assert stored is not None and stored.state == "requested"


# --- the cases board --------------------------------------------------------------------


def test_board_is_by_urgency_and_the_page_shows_what_the_json_says(
    site: Site, boss: TestClient
) -> None:
    data = boss.get("/api/cases", params={"at": AT}).json()
    html = boss.get("/cases", params={"at": AT}).text
    ids = [str(c["id"]) for c in data["cases"]]
    assert page_ids(html, "case") == ids
    first = data["cases"][0]
    assert first["id"] == site.case_id("R1") and first["overdue"] is True
    assert first["deadline"]["clock"] == "review" and first["deadline"]["passed"] is True
    assert first["next"]["clock"] == "dispute_opens"
    # after the overdue one, soonest deadline first
    upcoming = [c["next"]["due_at"] for c in data["cases"][1:] if c["next"]]
    assert upcoming == sorted(upcoming)
    assert data["total"] == len(data["cases"]) and data["overdue"] >= 1
    for c in data["cases"]:
        assert "buyer" not in c
        assert c["buyer_masked"] in unescape(html)
        assert c["next_step"][0] in unescape(html)
        if c["deadline"]:
            assert c["deadline"]["consequence"] in unescape(html)
    # out of stock: 30 % of 300 at stake, and the pack's advice to change the reason
    oos = next(c for c in data["cases"] if c["id"] == site.case_id("R3"))
    assert oos["exposure"] == "90.00"
    assert "修改退款原因" in oos["advice"]
    assert "¥90.00" in html and oos["advice"] in unescape(html)
    assert data["compensation_at_stake"] == "90.00"
    assert "tb_buyer" not in html and "t******" in html


def test_board_filters(site: Site, boss: TestClient) -> None:
    refunds = boss.get("/api/cases", params={"kind": "refund"}).json()
    assert refunds["cases"] and all(c["kind"] == "refund" for c in refunds["cases"])
    waiting = boss.get("/api/cases", params={"state": "awaiting_return"}).json()
    assert site.case_id("R6") in [c["id"] for c in waiting["cases"]]
    assert all(c["state"] == "awaiting_return" for c in waiting["cases"])
    html = boss.get("/cases", params={"state": "awaiting_return", "kind": ""}).text
    assert page_ids(html, "case") == [str(c["id"]) for c in waiting["cases"]]
    assert boss.get("/api/cases", params={"kind": "nonsense"}).status_code == 422
    assert boss.get("/api/cases", params={"state": "refunded"}).status_code == 422
    assert boss.get("/api/cases", params={"at": "not a time"}).status_code == 422
    soon = boss.get("/api/cases", params={"due_within": "24h", "at": AT}).json()
    assert site.case_id("R1") in [c["id"] for c in soon["cases"]]


# --- one case and its actions -------------------------------------------------------------


def test_case_page_shows_facts_clocks_history_and_one_form_per_action(
    site: Site, boss: TestClient
) -> None:
    case = site.case_id("R1")
    data = boss.get(f"/api/cases/{case}", params={"at": AT}).json()["case"]
    html = boss.get(f"/cases/{case}", params={"at": AT}).text
    assert data["state"] == "requested"
    assert [k["clock"] for k in data["clocks"]] == ["review", "dispute_opens", "auto_refund"]
    assert page_ids(html, "clock") == [k["clock"] for k in data["clocks"]]
    assert [k["passed"] for k in data["clocks"]] == [True, False, False]
    assert [a["action"] for a in data["action_forms"]] == [
        "agree",
        "refund",
        "reject",
        "escalate",
        "close",
    ]
    assert page_ids(html, "action") == [a["action"] for a in data["action_forms"]]
    assert html.count('name="csrf_token"') >= len(data["action_forms"])
    assert [e["action"] for e in data["history"]] == ["import"]
    assert page_ids(html, "event") == ["import"]
    assert "退款报表" in html and data["buyer_masked"] == "t******"
    assert boss.get("/api/cases/999999").status_code == 404
    assert boss.get("/cases/999999").status_code == 404


def test_an_action_through_the_form_moves_the_case_and_is_in_its_history(
    site: Site, boss: TestClient
) -> None:
    case = site.case_id("R4")
    r = boss.post(
        f"/cases/{case}/act",
        data={"action": "agree", "note": "已核实，同意退货", "csrf_token": csrf_of(boss)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith(f"/cases/{case}?msg=")
    page = boss.get(r.headers["location"])
    assert "待买家退货" in page.text and "同意退货" in page.text
    assert "已核实，同意退货" in page.text and "主管小李" in page.text
    data = boss.get(f"/api/cases/{case}").json()["case"]
    assert data["state"] == "awaiting_return"
    last = data["history"][-1]
    assert (last["actor"], last["action"], last["from"], last["to"]) == (
        "主管小李",
        "agree",
        "requested",
        "awaiting_return",
    )
    with session(site.engine) as s:
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case)))
        assert events[-1].actor == "主管小李"


def test_a_form_post_without_the_csrf_token_is_refused(site: Site, boss: TestClient) -> None:
    case = site.case_id("R1")
    for data in ({"action": "agree"}, {"action": "agree", "csrf_token": "forged"}):
        r = boss.post(f"/cases/{case}/act", data=data, follow_redirects=False)
        assert r.status_code == 403
    assert boss.post("/returns", data={"tracking_no": "YT9988776655"}).status_code == 403
    assert boss.post("/handoff", data={"kind": "漏发", "text": "x"}).status_code == 403
    assert boss.post("/handoff/1/close", data={}).status_code == 403
    # JSON from the browser needs the header
    assert boss.post(f"/api/cases/{case}/act", json={"action": "agree"}).status_code == 403
    with session(site.engine) as s:
        stored = s.get(Case, case)
        assert stored is not None and stored.state == "requested"


def test_json_action_and_a_guard_refusal_in_readable_chinese(site: Site, boss: TestClient) -> None:
    case = site.case_id("R5")
    headers = {"X-CSRF-Token": csrf_of(boss)}
    # the buyer may only call in 小二 72 h after applying
    r = boss.post(f"/api/cases/{case}/act", json={"action": "escalate"}, headers=headers)
    assert r.status_code == 409
    assert "72 小时" in r.json()["detail"]
    # rejecting needs a reason: the message names the form's field, not the CLI option
    r = boss.post(f"/api/cases/{case}/act", json={"action": "reject"}, headers=headers)
    assert r.status_code == 409 and "拒绝必须写明理由" in r.json()["detail"]
    assert "--note" not in r.json()["detail"]
    # not allowed in this state
    r = boss.post(f"/api/cases/{case}/act", json={"action": "resolve"}, headers=headers)
    assert r.status_code == 409 and "可用操作" in r.json()["detail"]
    assert (
        boss.post(f"/api/cases/{case}/act", json={"action": "fly"}, headers=headers).status_code
        == 422
    )
    assert (
        boss.post("/api/cases/999999/act", json={"action": "agree"}, headers=headers).status_code
        == 404
    )
    r = boss.post(f"/api/cases/{case}/act", json={"action": "reject", "note": IMG}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["case"]["state"] == "rejected" and "拒绝退款" in body["message"]
    assert body["case"]["history"][-1]["note"] == IMG  # JSON carries the text as data
    # the page shows the hostile note as text
    html = boss.get(f"/cases/{case}").text
    assert IMG not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    # a refusal through the form comes back as a message on the page
    r = boss.post(
        f"/cases/{case}/act",
        data={"action": "buyer_shipped", "csrf_token": csrf_of(boss)},
    )
    assert r.status_code == 200 and "未执行" in r.text


def test_a_bearer_token_needs_no_csrf(site: Site) -> None:
    c = site.client()
    auth = {"Authorization": f"Bearer {site.boss_token}"}
    case = site.case_id("R7")
    r = c.post(
        f"/api/cases/{case}/act",
        json={"action": "buyer_shipped", "tracking_no": "yt 7788-990011"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["case"]["state"] == "returned"
    assert r.json()["case"]["history"][-1]["actor"] == "主管小李"
    found = c.get("/api/returns", params={"tracking": "990011"}, headers=auth).json()["found"]
    assert [e["tracking_no"] for e in found] == ["YT7788990011"]


# --- hostile text and masking -------------------------------------------------------------


def test_hostile_imported_text_is_escaped_everywhere(site: Site, boss: TestClient) -> None:
    case = site.case_id("R2")
    for path in ("/cases", f"/cases/{case}"):
        html = boss.get(path).text
        assert SCRIPT not in html and "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the reason, as text
        assert "&lt;******" in html  # the buyer nickname, masked and escaped
    data = boss.get(f"/api/cases/{case}").json()["case"]
    assert data["buyer_masked"] == "<******"
    assert SCRIPT not in str(data["buyer_masked"])


def test_late_orders_mask_the_buyer_and_the_address_with_its_phone(
    site: Site, boss: TestClient
) -> None:
    data = boss.get("/api/orders/late", params={"at": AT}).json()
    html = boss.get("/orders/late", params={"at": AT}).text
    nos = [o["order_no"] for o in data["orders"]]
    assert nos == ["3012345678901234001", "3012345678901234002"]  # COD and far ones left out
    assert page_ids(html, "order") == nos
    late = data["orders"][0]
    assert late["overdue"] is True and late["compensation_at_stake"] == "38.40"
    assert late["region"] == "浙江省杭州市西湖区****"
    assert late["receiver_masked"] == "张**" and late["buyer_masked"] == "t*****"
    assert data["count"] == 2 and data["overdue"] == 1
    assert data["compensation_at_stake"] == "76.80"
    for text in (html, r_text := boss.get("/api/orders/late").text):
        assert PHONE not in text and "文三路" not in text and "张三丰" not in text
        assert "tb_001" not in text
    assert "浙江省杭州市西湖区****" in html and "张**" in html and "¥38.40" in html
    assert "纯棉毛巾" in r_text


def test_late_orders_are_paged_and_the_totals_cover_all(site: Site, boss: TestClient) -> None:
    first = boss.get("/api/orders/late", params={"at": AT, "limit": 1}).json()
    second = boss.get("/api/orders/late", params={"at": AT, "limit": 1, "offset": 1}).json()
    assert [len(first["orders"]), len(second["orders"])] == [1, 1]
    assert first["orders"][0]["order_no"] != second["orders"][0]["order_no"]
    assert first["total"] == second["total"] == 2
    assert first["compensation_at_stake"] == "76.80"  # every late order, not the page
    html = boss.get("/orders/late", params={"at": AT, "limit": 1}).text
    assert 'class="pager"' in html and "offset=1" in html
    assert boss.get("/api/orders/late", params={"limit": 5000}).status_code == 422


# --- returns register -------------------------------------------------------------------------


def test_returns_register_add_find_and_list(site: Site, boss: TestClient) -> None:
    r = boss.post(
        "/returns",
        data={
            "tracking_no": "yt 5566-778899",
            "order_no": "3012345678901234002",
            "reason": IMG,
            "postage_paid_by": "seller",
            "carrier": "圆通",
            "note": f"买家电话 {PHONE2}",
            "csrf_token": csrf_of(boss, "/returns"),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/returns?tracking=YT5566778899&msg=")
    html = boss.get(r.headers["location"]).text
    assert "已登记退货 YT5566778899" in html
    assert IMG not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert PHONE2 not in html and "139****4321" in html
    # the buyer comes from the order, masked
    found = boss.get("/api/returns", params={"tracking": "778899"}).json()
    entry = found["found"][0]
    assert entry["buyer_masked"] == "t*****" and entry["postage_name"] == ["卖家", "seller"]
    assert PHONE2 not in str(found) and "tb_002" not in str(found)
    page = boss.get("/returns", params={"tracking": "778899"}).text
    assert page_ids(page, "found") == [str(e["id"]) for e in found["found"]]
    assert page_ids(page, "return") == [str(e["id"]) for e in found["recent"]]
    # the refund report's return links to its case
    imported = boss.get("/api/returns", params={"tracking": "SF1122334455"}).json()["found"]
    assert imported[0]["case"] == site.case_id("R6") and imported[0]["buyer_masked"] == "t******"
    # JSON add; a bad number is refused, in Chinese
    headers = {"X-CSRF-Token": csrf_of(boss)}
    r = boss.post(
        "/api/returns",
        json={"tracking_no": "JT0001112223", "buyer_nick": "李四", "postage_paid_by": "buyer"},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["return"]["buyer_masked"] == "李*"
    r = boss.post("/api/returns", json={"tracking_no": "12"}, headers=headers)
    assert r.status_code == 422 and "太短" in r.json()["detail"]
    r = boss.post("/returns", data={"tracking_no": "12", "csrf_token": csrf_of(boss, "/returns")})
    assert r.status_code == 200 and "未登记" in r.text
    # markup as a number, the same parcel twice, an order the store does not know
    for body, why in (
        ({"tracking_no": "<b>JT12345678</b>"}, "只能包含字母和数字"),
        ({"tracking_no": "JT 0001-112223"}, "已登记"),
        ({"tracking_no": "ZT99887766", "order_no": "999"}, "没有订单 999"),
    ):
        r = boss.post("/api/returns", json=body, headers=headers)
        assert r.status_code == 422 and why in r.json()["detail"], r.text
    missing = boss.get("/returns", params={"tracking": "NOSUCH000000"}).text
    assert "登记表中没有这个单号的退货" in missing


# --- handoff board -----------------------------------------------------------------------------


def test_handoff_add_by_kind_and_close(site: Site, boss: TestClient) -> None:
    token = csrf_of(boss, "/handoff")
    r = boss.post(
        "/handoff",
        data={
            "kind": "address",
            "text": f"改地址：SF1234567 原地址 上海市浦东新区 A 路 1 号，新地址 B 路 2 号 {PHONE2} {SCRIPT}",
            "order_no": "3012345678901234003",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/handoff?msg=")
    headers = {"X-CSRF-Token": token}
    r = boss.post(
        "/api/handoff",
        json={"kind": "漏发", "text": "3012… 少发一条毛巾", "order_no": "3012345678901234001"},
        headers=headers,
    )
    assert r.status_code == 201
    missed = r.json()["note"]
    r = boss.post("/api/handoff", json={"kind": "催货", "text": "催\x00货"}, headers=headers)
    assert r.status_code == 201 and r.json()["note"]["text"] == "催货"  # NUL dropped
    chase = r.json()["note"]["id"]
    assert boss.post(f"/api/handoff/{chase}/close", json={}, headers=headers).status_code == 200
    assert missed["kind"] == "missed_item" and missed["author"] == "主管小李"
    assert (
        boss.post("/api/handoff", json={"kind": "吃饭", "text": "x"}, headers=headers).status_code
        == 422
    )
    assert (
        boss.post("/api/handoff", json={"kind": "漏发", "text": "  "}, headers=headers).status_code
        == 422
    )

    data = boss.get("/api/handoff").json()
    html = boss.get("/handoff").text
    kinds = [g["kind"] for g in data["groups"]]
    assert kinds == ["missed_item", "address"]  # in the board's kind order
    assert page_ids(html, "kind") == kinds
    assert page_ids(html, "note") == [str(n["id"]) for g in data["groups"] for n in g["notes"]]
    address = data["groups"][1]["notes"][0]
    assert PHONE2 not in str(data) and "139****4321" in address["text"]
    assert PHONE2 not in html and "139****4321" in html
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "漏发" in html and "改地址" in html

    # close through the form, then again through JSON: refused
    r = boss.post(
        f"/handoff/{missed['id']}/close",
        data={"resolution": "已补发 YT000", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    after = boss.get("/api/handoff").json()
    assert missed["id"] not in [n["id"] for g in after["groups"] for n in g["notes"]]
    r = boss.post(f"/api/handoff/{missed['id']}/close", json={"resolution": "x"}, headers=headers)
    assert r.status_code == 409 and "已于" in r.json()["detail"]
    assert boss.post("/api/handoff/999999/close", json={}, headers=headers).status_code == 404
    r = boss.post(
        f"/api/handoff/{address['id']}/close", json={"resolution": "已改"}, headers=headers
    )
    assert r.status_code == 200 and r.json()["note"]["closed_by"] == "主管小李"
    with session(site.engine) as s:
        assert Desk(s).handoffs() == []


def test_english_pages(site: Site) -> None:
    c = site.login("admin")
    c.cookies.set("redline_lang", "en")
    html = c.get("/cases", params={"at": AT}).text
    assert "Open cases (overdue first, then due soonest)" in html
    assert "not reviewed within 24 h" in html
    assert "Compensation at stake" in c.get("/orders/late").text
    assert "Returns register" in c.get("/returns").text
    assert "Shift handoff" in c.get("/handoff").text


def test_the_openapi_document_lists_the_desk_routes(site: Site, boss: TestClient) -> None:
    paths = boss.get("/api/openapi.json").json()["paths"]
    for p in (
        "/api/cases",
        "/api/cases/{case_id}",
        "/api/cases/{case_id}/act",
        "/api/orders/late",
        "/api/returns",
        "/api/handoff",
        "/api/handoff/{note_id}/close",
    ):
        assert p in paths, p


# --- the header's search box -------------------------------------------------------------


def test_search_by_the_last_six_digits_opens_the_order(site: Site, boss: TestClient) -> None:
    r = boss.get("/search", params={"q": "234001"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/orders/3012345678901234001"
    # What an export pastes (="…") and spaces still find it.
    r = boss.get("/search", params={"q": ' ="3012 3456 7890 1234 002"'}, follow_redirects=False)
    assert r.headers["location"] == "/orders/3012345678901234002"


def test_search_answers_cases_returns_and_buyers_masked(site: Site, boss: TestClient) -> None:
    case = site.case_id("R6")
    r = boss.get("/search", params={"q": f"#{case}"}, follow_redirects=False)
    assert r.headers["location"] == f"/cases/{case}"
    found = boss.get("/api/search", params={"q": "sf 1122334455"}).json()["hits"]
    assert [(h["kind"], h["key"]) for h in found] == [("return", "SF1122334455")]
    buyer = boss.get("/api/search", params={"q": "tb_001"}).json()["hits"]
    assert [(h["kind"], h["key"]) for h in buyer] == [("buyer", "3012345678901234001")]
    assert buyer[0]["buyer"] == "t*****" and "tb_001" not in str(buyer[0])
    # A fragment of a nick lists nobody; fewer than 6 digits is no order number.
    assert boss.get("/api/search", params={"q": "tb_"}).json()["hits"] == []
    assert boss.get("/api/search", params={"q": "4001"}).json()["hits"] == []


def test_search_page_lists_several_and_escapes_what_was_typed(site: Site, boss: TestClient) -> None:
    page = boss.get("/search", params={"q": SCRIPT})
    assert page.status_code == 200 and SCRIPT not in page.text
    assert "&lt;script&gt;" in page.text
    assert 'action="/search"' in boss.get("/cases").text  # the box is in the header


def test_agents_have_no_search(site: Site, agent: TestClient) -> None:
    assert agent.get("/search", params={"q": "234001"}).status_code == 403
    assert agent.get("/api/search", params={"q": "234001"}).status_code == 403
    assert 'action="/search"' not in agent.get("/checker").text


# --- exports (导出) -----------------------------------------------------------------------


def _sheet(body: bytes) -> list[tuple[Any, ...]]:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_the_case_board_exports_what_it_shows_with_its_filters(
    site: Site, boss: TestClient
) -> None:
    shown = boss.get("/api/cases", params={"state": "awaiting_return"}).json()
    r = boss.get("/api/cases/export", params={"format": "xlsx", "state": "awaiting_return"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = _sheet(r.content)
    assert rows[0][:3] == ("售后编号", "类型", "状态")
    assert sorted(row[0] for row in rows[1:]) == sorted(c["id"] for c in shown["cases"])
    assert all(row[2] == "待买家退货" for row in rows[1:]), rows[1:]
    english = site.login("主管小李")
    english.get("/lang/en")
    csv_en = english.get("/api/cases/export", params={"format": "csv"}).text
    assert csv_en.lstrip("\ufeff").startswith("case,kind,state")


def test_late_orders_returns_and_handoff_export_masked(site: Site, boss: TestClient) -> None:
    late = boss.get("/api/orders/late/export", params={"format": "csv", "within": "72h"}).text
    assert "3012345678901234001" in late
    assert "张三丰" not in late and PHONE not in late and "文三路" not in late
    returns = _sheet(boss.get("/api/returns/export", params={"format": "xlsx"}).content)
    assert any(row[0] == "SF1122334455" for row in returns[1:])
    found = _sheet(
        boss.get("/api/returns/export", params={"format": "xlsx", "tracking": "1122334455"}).content
    )
    assert [row[0] for row in found[1:]] == ["SF1122334455"]
    handoff = boss.get("/api/handoff/export", params={"format": "csv"})
    assert handoff.status_code == 200 and handoff.text.lstrip("\ufeff").startswith("编号,类型")
    for page, api in (
        ("/cases", "/api/cases/export"),
        ("/orders/late", "/api/orders/late/export"),
        ("/returns", "/api/returns/export"),
        ("/handoff", "/api/handoff/export"),
    ):
        assert f'href="{api}?format=xlsx' in boss.get(page).text, page


def test_agents_cannot_export_the_desk(site: Site, agent: TestClient) -> None:
    for api in ("/api/cases/export", "/api/orders/late/export", "/api/returns/export"):
        assert agent.get(api).status_code == 403, api
