"""The web app's core: the login gate, sessions, CSRF, tokens, the pre-send check,
escaping and masking, and the QA pages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from starlette.routing import Mount, Route

from redline.store import session, writing
from redline.store.accounts import AuditEvent, set_password
from redline.store.models import StoredFinding
from redline.web.i18n import strings
from web_support import AGENT_ACCOUNT, PASSWORD, Site, add_chat, asgi_post, csrf_of, make_site


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path)


def _finding_id(site: Site) -> int:
    with session(site.engine) as s:
        fid = s.scalar(select(StoredFinding.id).where(StoredFinding.rule.like("invoice%")))
    assert fid is not None
    return fid


# --- the gate -----------------------------------------------------------------------------------


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_but_health_and_login_needs_a_login(site: Site) -> None:
    c = site.client()
    checked = 0
    for route in site.app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, APIRoute | Route)
        path = _concrete(route.path)
        for method in route.methods or ():
            if method == "HEAD":
                continue
            r = c.request(method, path, follow_redirects=False)
            checked += 1
            if route.path in ("/healthz", "/login") or route.path.startswith("/lang/"):
                assert r.status_code < 500, (method, path)
                continue
            if path.startswith("/api/"):
                assert r.status_code == 401, (method, path, r.status_code)
            else:
                assert r.status_code in (303, 401), (method, path, r.status_code)
                if r.status_code == 303:
                    assert r.headers["location"].startswith("/login?next=")
    assert checked > 10


def test_health_check_is_public(site: Site) -> None:
    r = site.client().get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_static_files_are_public_but_the_openapi_document_is_not(site: Site) -> None:
    c = site.client()
    assert c.get("/static/app.css").status_code == 200
    assert c.get("/static/vendor/echarts.min.js").status_code == 200
    assert c.get("/api/openapi.json").status_code == 401
    doc = site.login("boss").get("/api/openapi.json").json()
    assert "/api/check" in doc["paths"] and "/api/findings" in doc["paths"]


def test_login_wrong_password_is_refused_and_audited(site: Site) -> None:
    c = site.client()
    r = c.post(
        "/login",
        data={"name": "boss", "password": "nope-nope", "csrf_token": csrf_of(c, "/login")},
        follow_redirects=False,
    )
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert c.get("/api/me").status_code == 401
    with session(site.engine) as s:
        actions = [e.action for e in s.scalars(select(AuditEvent))]
    assert "login_failed" in actions


def test_login_needs_the_form_token(site: Site) -> None:
    c = site.client()
    c.get("/login")
    r = c.post("/login", data={"name": "boss", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_login_does_not_redirect_off_site(site: Site) -> None:
    c = site.client()
    r = c.post(
        "/login",
        data={
            "name": "boss",
            "password": PASSWORD,
            "csrf_token": csrf_of(c, "/login"),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_agents_land_on_the_checker(site: Site) -> None:
    c = site.client()
    r = c.post(
        "/login",
        data={"name": "xiaomei", "password": PASSWORD, "csrf_token": csrf_of(c, "/login")},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/checker"


def test_logout_ends_the_session(site: Site) -> None:
    c = site.login("boss")
    assert c.get("/api/me").json()["name"] == "boss"
    r = c.post("/logout", data={"csrf_token": csrf_of(c, "/findings")}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/api/me").status_code == 401


def test_sessions_expire(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import itsdangerous.timed

    c = site.login("boss")
    assert c.get("/api/me").status_code == 200
    hours = site.app.state.settings.session_hours
    real = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() + hours * 3600 + 60)
    assert c.get("/api/me").status_code == 401


def test_a_password_change_ends_old_sessions(site: Site) -> None:
    c = site.login("boss")
    with writing(site.engine) as s:
        set_password(s, "boss", "another-pass-2")
    assert c.get("/api/me").status_code == 401


def test_a_tampered_cookie_is_anonymous(site: Site) -> None:
    c = site.login("boss")
    value = c.cookies.get("redline_session")
    assert value
    c.cookies.set("redline_session", value[:-3] + "AAA")
    assert c.get("/api/me").status_code == 401


def test_security_headers(site: Site) -> None:
    r = site.client().get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"


# --- roles and tokens -----------------------------------------------------------------------------


def test_bearer_tokens(site: Site) -> None:
    c = site.client()
    ok = c.get("/api/me", headers={"Authorization": f"Bearer {site.agent_token}"})
    assert ok.json() == {"name": "xiaomei", "role": "agent", "agent_account": AGENT_ACCOUNT}
    bad = c.get("/api/me", headers={"Authorization": "Bearer rl_nope"})
    assert bad.status_code == 401


def test_agents_do_not_see_shop_views(site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.agent_token}"}
    c = site.client()
    assert c.get("/api/overview", headers=headers).status_code == 403
    assert c.get("/api/findings", headers=headers).status_code == 200
    boss = {"Authorization": f"Bearer {site.boss_token}"}
    assert c.get("/api/overview", headers=boss).status_code == 200


def test_an_agent_sees_only_their_own_findings(site: Site) -> None:
    add_chat(site)
    c = site.client()
    mine = c.get("/api/findings", headers={"Authorization": f"Bearer {site.agent_token}"}).json()
    assert mine["total"] >= 1
    assert {f["account"] for f in mine["findings"]} == {AGENT_ACCOUNT}
    other = site.login("ajie").get("/api/findings").json()
    assert other["total"] == 0
    # an agent cannot widen the filter; a supervisor finds 小美 by part of the name
    assert site.login("ajie").get("/api/findings", params={"account": "小美"}).json()["total"] == 0
    boss = site.login("boss").get("/api/findings", params={"account": "小美"}).json()
    assert boss["total"] == mine["total"]
    boss_none = site.login("boss").get("/api/findings", params={"account": "%"}).json()
    assert boss_none["total"] == 0  # a wildcard is a character, not a pattern
    # and they cannot open someone else's conversation
    assert site.login("ajie").get("/api/conversations/conv-1").status_code == 403


# --- the pre-send check -------------------------------------------------------------------------


def _check(site: Site, body: object, query: str = "") -> tuple[int, dict[str, object]]:
    r = site.client().post(
        "/api/check" + query,
        headers={"Authorization": f"Bearer {site.agent_token}"},
        content=json.dumps(body, ensure_ascii=False).encode(),
    )
    return r.status_code, r.json()


def test_check_judges_the_reply_about_to_be_sent(site: Site) -> None:
    status, data = _check(
        site,
        {
            "messages": [
                {"role": "agent", "text": "加我微信转账便宜点"},
                {"role": "buyer", "text": "能开发票吗"},
                {"role": "agent", "text": "特价商品不开发票哦"},
            ]
        },
    )
    assert status == 200 and data["ok"] is False
    findings = data["findings"]
    assert isinstance(findings, list)
    assert {f["message"] for f in findings} == {2}
    assert findings[0]["category"] == "invoice" and findings[0]["suggestion"]
    text = "特价商品不开发票哦"
    assert text[findings[0]["start"] : findings[0]["end"]] == findings[0]["evidence"]


def test_check_all_judges_every_message(site: Site) -> None:
    _status, data = _check(
        site,
        {
            "messages": [
                {"role": "agent", "text": "加我微信转账便宜点"},
                {"role": "agent", "text": "特价商品不开发票哦"},
            ]
        },
        "?all=true",
    )
    findings = data["findings"]
    assert isinstance(findings, list)
    assert {f["message"] for f in findings} == {0, 1}


def test_a_clean_reply_is_ok(site: Site) -> None:
    status, data = _check(site, {"messages": [{"role": "agent", "text": "亲，可以开发票的"}]})
    assert status == 200 and data == {"ok": True, "findings": [], "summary": data["summary"]}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1,2]",
        b'{"messages": []}',
        b'{"messages": [{"role": "boss", "text": "x"}]}',
        b'{"messages": [{"role": "agent", "text": 5}]}',
        b'{"messages": "x"}',
        b'{"shop": 3, "messages": [{"role": "agent", "text": "x"}]}',
        b"\xff\xfe",
        b'{"messages": [{"role": "agent"}]}',
        b'{"order": {"amount": 1e999}, "messages": [{"role": "agent", "text": "x"}]}',
        b'{"order": {"amount": NaN}, "messages": [{"role": "agent", "text": "x"}]}',
        b'{"order": {"shipping_fee": "-Infinity"}, "messages": [{"role": "agent", "text": "x"}]}',
    ],
)
def test_check_rejects_bad_bodies_with_a_clear_400(site: Site, body: bytes) -> None:
    r = site.client().post(
        "/api/check", headers={"Authorization": f"Bearer {site.agent_token}"}, content=body
    )
    assert r.status_code == 400, r.text
    assert r.json()["detail"]


def test_check_refuses_huge_bodies(site: Site) -> None:
    limit = site.app.state.settings.check_max_kib * 1024
    body = json.dumps({"messages": [{"role": "agent", "text": "亲" * limit}]}).encode()
    r = site.client().post(
        "/api/check", headers={"Authorization": f"Bearer {site.agent_token}"}, content=body
    )
    assert r.status_code == 413


def test_check_refuses_a_huge_chunked_body_as_it_arrives(site: Site) -> None:
    """No Content-Length: the server counts the body as it is received and stops at the
    limit, so it pulls only a few of the 64 chunks a client offers (at the ASGI level,
    where the chunks the app asks for can be counted)."""
    limit = site.app.state.settings.check_max_kib * 1024
    headers = {
        "Authorization": f"Bearer {site.agent_token}",
        "Transfer-Encoding": "chunked",
        "Content-Type": "application/json",
    }
    status, _, pulled = asgi_post(site.app, "/api/check", "", headers, [b"x" * (limit // 4)] * 64)
    assert status == 413
    assert pulled <= 6


def test_check_from_the_browser_needs_the_csrf_header(site: Site) -> None:
    c = site.login("xiaomei")
    body = {"messages": [{"role": "agent", "text": "特价商品不开发票哦"}]}
    assert c.post("/api/check", json=body).status_code == 403
    token = csrf_of(c, "/checker")
    r = c.post("/api/check", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["findings"]


# --- pages: escaping, masking, review -------------------------------------------------------------


def test_hostile_chat_text_renders_as_text_and_phones_are_masked(site: Site) -> None:
    cid = add_chat(site)
    page = site.login("boss").get(f"/conversations/{cid}")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "13812345678" not in page.text and "138****5678" in page.text
    assert '<mark class="hit"' in page.text  # the evidence is highlighted in place
    assert "特价商品不开发票" in page.text


def test_review_from_the_page(site: Site) -> None:
    add_chat(site)
    fid = _finding_id(site)
    c = site.login("boss")
    token = csrf_of(c, "/findings")
    r = c.post(
        f"/findings/{fid}/review", data={"action": "dismiss", "reason": ""}, follow_redirects=False
    )
    assert r.status_code == 403  # no CSRF token
    r = c.post(
        f"/findings/{fid}/review?next=/findings",
        data={"action": "dismiss", "reason": "", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "msg=" in r.headers["location"]  # a reason is required
    r = c.post(
        f"/findings/{fid}/review",
        data={"action": "dismiss", "reason": "买家原话", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with session(site.engine) as s:
        assert s.get(StoredFinding, fid).status == "dismissed"  # type: ignore[union-attr]


def test_review_over_the_api_and_who_may_do_what(site: Site) -> None:
    add_chat(site)
    fid = _finding_id(site)
    c = site.client()
    agent = {"Authorization": f"Bearer {site.agent_token}"}
    boss = {"Authorization": f"Bearer {site.boss_token}"}
    url = f"/api/findings/{fid}/review"
    assert c.post(url, headers=agent, json={"action": "confirm"}).status_code == 403
    r = c.post(url, headers=agent, json={"action": "appeal", "reason": "买家要求的"})
    assert r.status_code == 200 and r.json()["finding"]["status"] == "appealed"
    r = c.post(url, headers=boss, json={"action": "confirm"})
    assert r.json()["finding"]["status"] == "confirmed"
    assert [h["action"] for h in r.json()["history"]] == ["appeal", "confirm"]
    again = c.post(url, headers=agent, json={"action": "appeal"})
    assert again.status_code == 409  # a reason is required


def test_pages_and_json_agree(site: Site) -> None:
    add_chat(site)
    c = site.login("boss")
    data = c.get("/api/findings").json()
    page = c.get("/findings").text
    for f in data["findings"]:
        assert f'data-finding="{f["id"]}"' in page


def test_english_is_available(site: Site) -> None:
    c = site.login("boss")
    r = c.get("/lang/en?next=/checker", follow_redirects=True)
    assert "Check before you send" in r.text
    assert 'lang="en"' in r.text


def test_every_ui_string_used_exists_in_both_languages() -> None:
    table = strings()
    root = Path(__file__).parent.parent / "src" / "redline" / "web"
    used: set[str] = set()
    for path in (root / "templates").glob("*.html"):
        used |= set(
            re.findall(r"""(?<![\w.])t\(\s*'([a-z_.]+)'\s*\)""", path.read_text(encoding="utf-8"))
        )
    missing = sorted(k for k in used if k not in table)
    assert missing == []
    assert all(v["zh"] and v["en"] for v in table.values())


@pytest.mark.parametrize("points", ["-6", "0", "6.5", "49", ""])
def test_a_bad_ledger_entry_reshows_the_form_with_the_field_named(site: Site, points: str) -> None:
    c = site.login("boss")
    r = c.post(
        "/ledger/notices",
        data={
            "points": points,
            "type": "commitment",
            "note": "平台通知：虚假发货",
            "csrf_token": csrf_of(c, "/ledger"),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(r.headers["location"])
    assert page.status_code == 200
    assert "未录入：“扣分”须为 1–48 的整数" in page.text
    assert 'value="平台通知：虚假发货"' in page.text  # what was typed is kept
    assert '<option value="commitment" selected>' in page.text
    assert c.get("/api/ledger").json()["standing"]["points"]["commitment"] == 0


def test_the_ledger_page_adds_notices_and_shows_what_confirming_would_do(site: Site) -> None:
    add_chat(site)
    c = site.login("boss")
    data = c.get("/api/ledger").json()
    assert data["standing"]["points"]["general"] == 0
    assert data["what_if"] and data["what_if"][0]["points"] > 0
    r = c.post(
        "/ledger/notices",
        data={
            "points": "9",
            "type": "commitment",
            "note": "平台通知<b>",
            "csrf_token": csrf_of(c, "/ledger"),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    api = site.client().post(
        "/api/ledger/notices",
        headers={"Authorization": f"Bearer {site.boss_token}"},
        json={"points": 3, "type": "general"},
    )
    assert api.status_code == 201
    data = c.get("/api/ledger").json()
    assert data["standing"]["points"]["general"] == 12
    assert data["standing"]["points"]["commitment"] == 9
    assert data["standing"]["active"], "12 general points → the 7-day marketing ban"
    page = c.get("/ledger").text
    assert "平台通知&lt;b&gt;" in page and 'data-chart="ledger-chart"' in page
    agent = {"Authorization": f"Bearer {site.agent_token}"}
    assert (
        site.client()
        .post("/api/ledger/notices", headers=agent, json={"points": 1, "type": "general"})
        .status_code
        == 403
    )


def test_the_metrics_page_and_its_json(site: Site) -> None:
    add_chat(site)
    c = site.login("boss")
    data = c.get("/api/metrics?from=2026-11-01&to=2026-11-21").json()
    team = data["report"]["team"]
    assert team["replies"] == 1 and team["findings_total"] >= 1
    assert team["first_response"]["mean_seconds"] == 8.0  # 10:00:00 → 10:00:08
    assert data["charts"]["trend"]["xAxis"]["data"][0] == "11-01"
    page = c.get("/metrics?from=2026-11-01&to=2026-11-21").text
    assert 'data-chart="chart-trend"' in page and "/static/vendor/echarts.min.js" in page
    assert c.get("/api/metrics?from=2026-11-21&to=2026-11-01").status_code == 422
    assert c.get("/api/metrics?from=2026-11-01").status_code == 422
    agent = {"Authorization": f"Bearer {site.agent_token}"}
    assert site.client().get("/api/metrics", headers=agent).status_code == 403


def test_the_alerts_page_files_a_suspicious_order_once(site: Site) -> None:
    from decimal import Decimal

    from redline.store.models import Order

    now = datetime.now(UTC)
    with writing(site.engine) as s:
        s.add(
            Order(
                order_no="9001",
                buyer_nick="tb_risky<script>",
                status="买家已付款，等待卖家发货",
                paid_amount=Decimal("199.00"),
                created_at=now,
                paid_at=now,
                receiver_name="王五",
                address="不详",
                phone="13800001111",
                row_hash="x",
            )
        )
    c = site.login("boss")
    data = c.get("/api/alerts").json()
    mine = [a for a in data["alerts"] if a["order_no"] == "9001"]
    assert mine and mine[0]["kind"] == "suspicious_order" and mine[0]["advice"]
    # The page has the filing form: its advice does not send the user to the CLI.
    assert "redline alerts file" not in mine[0]["advice"] + mine[0]["advice_en"]
    assert "本页" in mine[0]["advice"]
    assert "tb_risky" not in json.dumps(data, ensure_ascii=False)
    overview = c.get("/api/overview").json()
    assert any(a["order_no"] == "9001" for a in overview["alerts"])
    # Paged and filterable by kind; the counts cover every open alert.
    one = c.get("/api/alerts", params={"kind": "suspicious_order", "limit": 1}).json()
    assert len(one["alerts"]) == 1 and one["alerts"][0]["kind"] == "suspicious_order"
    assert one["counts"] == data["counts"] and one["total"] >= 1
    assert c.get("/api/alerts", params={"kind": "nonsense"}).status_code == 422
    token = csrf_of(c, "/alerts")
    form = {"outcome": "unreachable", "reason": "三次电话未接通", "csrf_token": token}
    r = c.post("/alerts/filings/9001", data=form, follow_redirects=False)
    assert r.status_code == 303 and "msg=" in r.headers["location"]
    again = site.client().post(
        "/api/alerts/filings/9001",
        headers={"Authorization": f"Bearer {site.boss_token}"},
        json={"outcome": "address_ok", "reason": "再试一次"},
    )
    assert again.status_code == 409 and "一次" in again.json()["detail"]
    page = c.get("/alerts").text
    assert "三次电话未接通" in page and "tb_risky&lt;script" not in page


def test_starlette_errors_speak_chinese_first(site: Site) -> None:
    c = site.login("boss")
    page = c.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.text and "Not Found" not in page.text
    api = c.get("/api/no-such-thing")
    assert api.status_code == 404 and api.json()["detail"].startswith("页面不存在")
    bearer = {"Authorization": f"Bearer {site.boss_token}"}
    wrong = site.client().delete("/api/findings", headers=bearer)
    assert wrong.status_code == 405 and "不支持这种请求方式" in wrong.json()["detail"]
    assert "allow" in {k.lower() for k in wrong.headers}


def test_findings_export_keeps_filters_and_masks(site: Site) -> None:
    import io

    import openpyxl

    add_chat(site)
    c = site.login("boss")
    page = c.get("/findings", params={"status": "open", "category": "invoice"}).text
    assert "/api/findings/export?format=xlsx&amp;status=open&amp;category=invoice" in page
    r = c.get("/api/findings/export", params={"format": "xlsx", "status": "open", "category": ""})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) >= 2
    assert "13812345678" not in r.content.decode("latin-1")
    none = c.get("/api/findings/export", params={"format": "csv", "category": "privacy"})
    assert none.status_code == 200 and none.text.strip().count("\n") == 0  # header only
    # an agent exports only their own findings
    other = site.login("ajie").get("/api/findings/export", params={"format": "csv"})
    assert other.status_code == 200 and other.text.strip().count("\n") == 0
    assert c.get("/api/findings/export", params={"format": "pdf"}).status_code == 422


def test_the_403_page_sends_an_agent_to_the_checker(site: Site) -> None:
    page = site.login("xiaomei").get("/cases")
    assert page.status_code == 403
    assert 'href="/checker"' in page.text and "去回复检查" in page.text
    boss = site.login("boss").get("/users")
    assert boss.status_code == 403 and 'href="/"' in boss.text


def test_the_english_overview_names_sanctions_in_english(site: Site) -> None:
    c = site.login("boss")
    c.get("/lang/en")
    page = c.get("/").text
    assert "barred from Tmall marketing activities" in page
    assert "限制参加天猫营销活动" not in page and "违约金" not in page
    assert all(n["measures_en"] for n in c.get("/api/overview").json()["ledger"]["next"])


def test_the_ledger_and_the_metrics_export_to_excel(site: Site) -> None:
    import io

    import openpyxl

    add_chat(site)
    c = site.login("boss")
    form = {
        "points": "6",
        "type": "general",
        "note": "=平台通知",
        "csrf_token": csrf_of(c, "/ledger"),
    }
    assert c.post("/ledger/notices", data=form, follow_redirects=False).status_code == 303
    sheet = openpyxl.load_workbook(
        io.BytesIO(c.get("/api/ledger/export?format=xlsx").content), read_only=True
    ).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("时间", "类型", "扣分", "说明", "来源")
    assert any(r[2] == 6 and r[3] == "'=平台通知" for r in rows[1:])  # never a formula
    kpis = c.get("/api/metrics/export?format=csv&from=2026-11-01&to=2026-11-21").text
    header, *lines = kpis.lstrip("\ufeff").splitlines()
    assert header.startswith("客服,回复数,质检问题")
    assert lines[-1].startswith("全队 (team),1,")
    assert 'href="/api/metrics/export?format=xlsx' in c.get("/metrics").text
    assert 'href="/api/ledger/export?format=xlsx' in c.get("/ledger").text
    agent = {"Authorization": f"Bearer {site.agent_token}"}
    assert site.client().get("/api/ledger/export", headers=agent).status_code == 403
