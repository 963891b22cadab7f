"""The admin pages: imports, users and tokens, the audit log, revealing buyer data, rules."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from redline.cli import main as cli
from redline.demo.generate import generate_month
from redline.store import open_store, session, writing
from redline.store.accounts import ApiToken, AuditEvent, add_user
from redline.store.models import Case, ImportRun, StoredFinding
from redline.web import create_app
from web_support import asgi_post

PASSWORD = "correct-horse-1"
SECRET = "admin-pages-secret-" + "y" * 32
HOSTILE_NICK = "<script>alert(1)</script>"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
ORDER_NO = "3012345678901234567"
# A GBK order report: a hostile nick, receiver and note, a phone, and one bad row (line 4).
ORDERS = (
    "订单编号,买家会员名,买家实际支付金额,订单状态,运送方式,订单付款时间 ,宝贝标题 ,"
    "收货人姓名,收货地址 ,联系手机 ,买家留言,不认识的列\r\n"
    f'="{ORDER_NO}",{HOSTILE_NICK},128.00元,买家已付款，等待卖家发货,快递,2026-10-29 10:00:00,'
    f"毛巾,{HOSTILE_NAME},浙江省 杭州市 西湖区 文三路 90 号 7 幢,'13800138000,"
    "<script>alert(2)</script>,随便\r\n"
    '="3012345678901234568",tb_bob,99.00,买家已付款，等待卖家发货,货到付款,2026-10-27 10:00:00,'
    "枕头,王五,上海市 浦东新区 世纪大道 1 号,'13900139000,,\r\n"
    ",tb_bad,<b>1.00</b>,买家已付款，等待卖家发货,快递,2026-10-28 09:00:00,坏行,,,,,\r\n"
)


# --- the site --------------------------------------------------------------------------------


@dataclass
class Site:
    app: FastAPI
    engine: Engine
    root: Path

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")

    def login(self, name: str, password: str = PASSWORD) -> TestClient:
        c = self.client()
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text
        r = c.post(
            "/login",
            data={"name": name, "password": password, "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return c

    def bearer(self, name: str) -> dict[str, str]:
        from redline.store.accounts import create_token

        with writing(self.engine) as s:
            return {"Authorization": "Bearer " + create_token(s, name, "test")}

    def count(self, model: Any) -> int:
        with session(self.engine) as s:
            return s.scalar(select(func.count()).select_from(model)) or 0

    def audit(self, action: str) -> list[AuditEvent]:
        with session(self.engine) as s:
            return list(
                s.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.action == action)
                    .order_by(AuditEvent.id.desc())
                )
            )


def csrf_of(c: TestClient, path: str = "/rules") -> str:
    page = c.get(path)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found[1]


@pytest.fixture
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The temporary folder uploads land in; every test checks it is left empty."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []


@pytest.fixture
def site(tmp_path: Path, uploads: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = open_store(url)
    with writing(engine) as s:
        add_user(s, "root", "admin", PASSWORD)
        add_user(s, "boss", "supervisor", PASSWORD)
        add_user(s, "xiaomei", "agent", PASSWORD, "云朵家居旗舰店:小美")
    app = create_app(url, secret=SECRET)
    yield Site(app, app.state.engine, tmp_path)
    app.state.engine.dispose()
    engine.dispose()


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small month of real-format exports: GBK CSVs, .xlsx, GB18030 Qianniu TXT, JSONL."""
    return generate_month(tmp_path_factory.mktemp("month"), orders=60)


def upload(c: TestClient, kind: str, path: Path, headers: dict[str, str] | None = None) -> Any:
    return c.post(
        f"/api/imports?kind={kind}",
        files={"file": (path.name, path.read_bytes())},
        headers=headers or {"X-CSRF-Token": csrf_of(c)},
    )


def cli_import(kind: str, path: Path, db: Path) -> dict[str, Any]:
    r = CliRunner().invoke(cli, ["import", kind, str(path), "--db", str(db), "--format", "json"])
    assert r.exit_code == 0, r.output
    data: dict[str, Any] = json.loads(r.stdout)
    return data


COUNTS = ("accepted", "updated", "unchanged", "stale", "rejected", "cases_opened", "cases_changed")


# --- imports ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sample"),
    [
        ("orders", "orders"),
        ("items", "items"),
        ("refunds", "refunds_xlsx"),
        ("refunds", "refunds_csv"),
        ("chats", "chats_txt"),
        ("chats", "chats_jsonl"),
    ],
)
def test_an_upload_reports_what_the_cli_reports_and_a_second_changes_nothing(
    site: Site, month: dict[str, Path], tmp_path: Path, kind: str, sample: str
) -> None:
    path = month[sample]
    expected = cli_import(kind, path, tmp_path / "cli.db")
    c = site.login("boss")
    first = upload(c, kind, path)
    assert first.status_code == 200, first.text
    got = first.json()
    assert {k: got[k] for k in COUNTS} == {k: expected[k] for k in COUNTS}
    assert got["accepted"] > 0
    assert got["errors"] == expected["errors"]
    assert got["file"] == path.name
    assert got["summary"].startswith(f"{path.name}：新增 {expected['accepted']}，")
    assert got["qa_offer"] is (kind == "chats")
    runs = site.count(ImportRun)
    again = upload(c, kind, path).json()
    assert (again["accepted"], again["updated"], again["rejected"]) == (0, 0, got["rejected"])
    assert again["unchanged"] == got["accepted"] + got["unchanged"]
    assert site.count(ImportRun) == runs == 1
    run = c.get("/api/imports").json()["runs"][0]
    assert run["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()  # arrived whole
    if kind == "refunds":  # the desk's cases are opened with the import, as the CLI does
        assert got["cases_opened"] == site.count(Case) > 0
        assert "售后单：新开" in got["cases_line"]
    assert site.audit("import")[0].actor == "boss"


def test_the_upload_form_shows_the_report_and_the_past_imports(
    site: Site, month: dict[str, Path]
) -> None:
    c = site.login("boss")
    page = c.get("/imports")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and "还没有导入过文件" in page.text
    csrf = csrf_of(c, "/imports")
    path = month["orders"]
    r = c.post(
        "/imports",
        data={"kind": "orders", "csrf_token": csrf},
        files={"file": (path.name, path.read_bytes())},
    )
    assert r.status_code == 200, r.text
    assert f"{path.name}：新增 60，更新 0，未变 0，拒绝 0" in r.text
    assert r.text.count(path.name) >= 2  # the report and the past imports table
    runs = c.get("/api/imports").json()["runs"]
    assert [(x["kind"], x["file_name"], x["accepted"]) for x in runs] == [("orders", path.name, 60)]
    # Without the form's token nothing is imported.
    r = c.post(
        "/imports",
        data={"kind": "orders"},
        files={"file": (path.name, path.read_bytes())},
    )
    assert r.status_code == 403
    assert site.count(ImportRun) == 1


def test_bad_rows_are_listed_as_the_cli_lists_them(site: Site, tmp_path: Path) -> None:
    path = tmp_path / "ExportOrderList202610312000.csv"
    path.write_bytes(ORDERS.encode("gbk"))
    expected = cli_import("orders", path, tmp_path / "cli.db")
    c = site.login("boss")
    got = upload(c, "orders", path).json()
    assert (got["accepted"], got["rejected"]) == (2, 1) == (expected["accepted"], 1)
    assert got["errors"] == expected["errors"]
    assert got["error_lines"][0].startswith("第 4 行：")
    assert "订单编号" in got["error_lines"][0]
    # The HTML report escapes what the file says.
    r = c.post(
        "/imports",
        data={"kind": "orders", "csrf_token": csrf_of(c)},
        files={"file": (path.name, path.read_bytes())},
    )
    assert "第 4 行：" in r.text and "未变 2" in r.text
    assert "<b>1.00</b>" not in r.text


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("orders", "notes.csv", "名字,年龄\n张三,3\n".encode(), "缺少必需的列：订单编号"),
        ("orders", "empty.csv", b"", "是空的"),
        ("refunds", "refunds.xlsx", b"PK\x03\x04" + b"\x00" * 64, "不是能读取的 .xlsx 文件"),
        ("refunds", "refunds.csv", "订单编号,买家\n1,2\n".encode("gbk"), "退款编号"),
    ],
)
def test_a_malformed_file_is_a_clear_400(
    site: Site, kind: str, name: str, content: bytes, message: str
) -> None:
    c = site.login("boss")
    r = c.post(
        f"/api/imports?kind={kind}",
        files={"file": (name, content)},
        headers={"X-CSRF-Token": csrf_of(c)},
    )
    assert r.status_code == 400, r.text
    assert message in r.json()["detail"]
    page = c.post(
        "/imports",
        data={"kind": kind, "csrf_token": csrf_of(c)},
        files={"file": (name, content)},
    )
    assert page.status_code == 400
    assert message in page.text and 'action="/imports"' in page.text
    assert site.count(ImportRun) == 0


def test_upload_mistakes_get_clear_answers(site: Site) -> None:
    c = site.login("boss")
    h = {"X-CSRF-Token": csrf_of(c)}
    r = c.post("/api/imports?kind=invoices", files={"file": ("a.csv", b"x")}, headers=h)
    assert r.status_code == 422 and "未知的导入类型" in r.json()["detail"]
    r = c.post(
        "/api/imports?kind=orders", data={"note": "no file"}, files={"x": ("", b"")}, headers=h
    )
    assert r.status_code == 400 and "请选择要导入的文件" in r.json()["detail"]
    r = c.post("/api/imports?kind=orders", content=b"raw", headers=h)
    assert r.status_code == 415
    two = {"file": ("a.csv", b"1"), "other": ("b.csv", b"2")}
    r = c.post("/api/imports?kind=orders", files=two, headers=h)
    assert r.status_code == 400 and "一个文件" in r.json()["detail"]
    r = c.post(
        "/api/imports?kind=orders",
        content=b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc',
        headers={**h, "content-type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 400 and "不完整" in r.json()["detail"]
    # The cookie session's API calls need the CSRF header (the gate checks it).
    r = c.post("/api/imports?kind=orders", files={"file": ("a.csv", b"x")})
    assert r.status_code == 403


def _multipart(name: str, content: bytes, boundary: str = "rlboundary") -> bytes:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode()


def _pieces(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def test_an_upload_streamed_in_small_pieces_arrives_whole(
    site: Site, month: dict[str, Path]
) -> None:
    path = month["orders"]
    pieces = _pieces(_multipart(path.name, path.read_bytes()), 1000)
    headers = {
        **site.bearer("boss"),
        "content-type": "multipart/form-data; boundary=rlboundary",
    }
    status, body, read = asgi_post(site.app, "/api/imports", "kind=orders", headers, pieces)
    assert status == 200, body
    assert json.loads(body)["accepted"] == 60 and read == len(pieces) + 1
    with session(site.engine) as s:
        digest = s.scalar(select(ImportRun.sha256))
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_uploads_over_the_limit_get_413(site: Site) -> None:
    site.app.state.settings = dataclasses.replace(site.app.state.settings, upload_max_mib=1)
    c = site.login("boss")
    h = {"X-CSRF-Token": csrf_of(c)}
    big = b"x" * (1024 * 1024 + 10)  # just over the limit: refused while streaming
    r = c.post("/api/imports?kind=orders", files={"file": ("big.csv", big)}, headers=h)
    assert r.status_code == 413
    assert "上限为 1 MiB" in r.json()["detail"]
    huge = b"x" * (3 * 1024 * 1024)  # refused from its Content-Length, unread
    r = c.post("/api/imports?kind=orders", files={"file": ("huge.csv", huge)}, headers=h)
    assert r.status_code == 413

    # Without a Content-Length: counted as it arrives, refused before the rest is read.
    pieces = _pieces(_multipart("huge.csv", huge), 64 * 1024)
    headers = {**site.bearer("boss"), "content-type": "multipart/form-data; boundary=rlboundary"}
    status, body, read = asgi_post(site.app, "/api/imports", "kind=orders", headers, pieces)
    assert status == 413 and "上限为 1 MiB" in json.loads(body)["detail"]
    assert read < len(pieces) / 2
    page = c.post(
        "/imports",
        data={"kind": "orders", "csrf_token": csrf_of(c)},
        files={"file": ("big.csv", big)},
    )
    assert page.status_code == 413 and "上限为 1 MiB" in page.text
    assert site.count(ImportRun) == 0


def test_imports_are_for_supervisors_and_admins(site: Site, month: dict[str, Path]) -> None:
    agent = site.login("xiaomei")
    assert agent.get("/imports").status_code == 403
    assert agent.get("/api/imports").status_code == 403
    r = upload(agent, "orders", month["orders"])
    assert r.status_code == 403
    assert site.count(ImportRun) == 0
    root = site.client()
    assert upload(root, "orders", month["orders"], site.bearer("root")).status_code == 200


def test_after_a_chat_import_qa_runs_from_the_page(site: Site, month: dict[str, Path]) -> None:
    c = site.login("boss")
    path = month["chats_txt"]
    r = c.post(
        "/imports",
        data={"kind": "chats", "csrf_token": csrf_of(c)},
        files={"file": (path.name, path.read_bytes())},
    )
    assert r.status_code == 200
    assert 'action="/imports/qa"' in r.text and "运行质检" in r.text
    assert c.post("/imports/qa", data={}).status_code == 403  # the form's token is needed
    r = c.post("/imports/qa", data={"csrf_token": csrf_of(c)})
    assert r.status_code == 200
    assert "检查会话 54 个" in r.text
    assert site.count(StoredFinding) > 0
    again = c.post("/api/qa/run", headers={"X-CSRF-Token": csrf_of(c)}).json()
    assert (again["checked"], again["up_to_date"], again["new_findings"]) == (0, 54, 0)
    assert again["status_counts"]["open"] == site.count(StoredFinding)
    assert [e.actor for e in site.audit("qa_run")] == ["boss", "boss"]
    agent = site.login("xiaomei")
    assert (
        agent.post("/api/qa/run", headers={"X-CSRF-Token": csrf_of(agent, "/checker")}).status_code
        == 403
    )


# --- users -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["boss", "xiaomei"])
def test_users_and_audit_are_admin_only(site: Site, who: str) -> None:
    c = site.login(who)
    csrf = csrf_of(c, "/checker")
    for path in ("/users", "/api/users", "/audit", "/api/audit"):
        assert c.get(path).status_code == 403, path
    r = c.post(
        "/api/users",
        json={"name": "sneaky", "role": "admin", "password": "12345678x"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 403
    r = c.post(
        "/users",
        data={"name": "sneaky", "role": "admin", "password": "12345678x", "csrf_token": csrf},
    )
    assert r.status_code == 403
    r = c.post("/users/root/disable", data={"csrf_token": csrf})
    assert r.status_code == 403
    assert site.count(ApiToken) == 0 and len(site.audit("user_add")) == 3


def test_adding_a_user_then_logging_in_as_them(site: Site) -> None:
    c = site.login("root")
    page = c.get("/users")
    assert page.status_code == 200 and "xiaomei" in page.text
    r = c.post(
        "/users",
        data={
            "name": "ajie",
            "role": "agent",
            "agent_account": "云朵家居旗舰店:阿杰",
            "password": "ajie-password-1",
            "csrf_token": csrf_of(c),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "ajie-password-1" not in c.get(r.headers["location"]).text
    me = site.login("ajie", "ajie-password-1").get("/api/me").json()
    assert me == {"name": "ajie", "role": "agent", "agent_account": "云朵家居旗舰店:阿杰"}
    added = site.audit("user_add")[0]
    assert (added.actor, added.target) == ("root", "ajie")
    # Without a password one is generated and shown once.
    r = c.post("/users", data={"name": "laowang", "role": "supervisor", "csrf_token": csrf_of(c)})
    assert r.status_code == 200
    shown = re.search(r'class="secret-value mono">([^<]+)<', r.text)
    assert shown and "只显示这一次" in r.text
    assert site.login("laowang", shown[1]).get("/api/me").json()["role"] == "supervisor"
    assert shown[1] not in c.get("/users").text
    # Mistakes come back as a message, not an error page.
    r = c.post(
        "/users",
        data={
            "name": "laowang",
            "role": "agent",
            "password": "whatever-1",
            "csrf_token": csrf_of(c),
        },
    )
    assert r.status_code == 200 and "已存在" in r.text
    r = c.post("/users", data={"name": "x y", "role": "agent", "csrf_token": csrf_of(c)})
    assert "空白" in r.text
    # One chat account, one login: a second user on 小美's account is refused.
    r = c.post(
        "/users",
        data={
            "name": "xiaomei2",
            "role": "agent",
            "agent_account": "云朵家居旗舰店:小美",
            "password": "whatever-12",
            "csrf_token": csrf_of(c),
        },
    )
    assert r.status_code == 200 and "已绑定用户 xiaomei" in r.text
    users = c.get("/api/users").json()["users"]
    assert [u["name"] for u in users] == ["ajie", "boss", "laowang", "root", "xiaomei"]
    assert not any("hash" in k for u in users for k in u)


def test_users_over_the_api(site: Site) -> None:
    c = site.client()
    h = site.bearer("root")
    r = c.post("/api/users", json={"name": "xiaoli", "role": "agent"}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["user"]["agent_account"] == "xiaoli" and len(body["password"]) >= 12
    assert site.login("xiaoli", body["password"]).get("/api/me").status_code == 200
    assert (
        c.post("/api/users", json={"name": "xiaoli", "role": "agent"}, headers=h).status_code == 409
    )
    assert c.post("/api/users", json={"name": "a", "role": "boss"}, headers=h).status_code == 422
    r = c.post("/api/users", json={"name": "b", "role": "agent", "password": "short"}, headers=h)
    assert r.status_code == 422 and "至少 8" in r.json()["detail"]
    r = c.post("/api/users/xiaoli/password", json={"password": "new-password-9"}, headers=h)
    assert r.status_code == 200 and r.json()["password"] is None
    assert site.login("xiaoli", "new-password-9").get("/api/me").status_code == 200
    assert c.post("/api/users/nobody/disable", headers=h).status_code == 404
    r = c.post("/api/users/xiaoli/disable", headers=h)
    assert r.json()["user"]["disabled"] is True


def test_a_disabled_users_session_and_tokens_stop_working(site: Site) -> None:
    boss = site.login("boss")
    token = site.bearer("boss")
    assert boss.get("/api/me").status_code == 200
    assert site.client().get("/api/me", headers=token).status_code == 200
    root = site.login("root")
    r = root.post("/users/boss/disable", data={"csrf_token": csrf_of(root)}, follow_redirects=False)
    assert r.status_code == 303
    assert boss.get("/api/me").status_code == 401
    assert boss.get("/imports", follow_redirects=False).status_code == 303  # to the login page
    assert site.client().get("/api/me", headers=token).status_code == 401  # no 10 s grace
    event = site.audit("user_disable")[0]
    assert (event.actor, event.target) == ("root", "boss")
    c = site.client()
    page = c.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    r = c.post("/login", data={"name": "boss", "password": PASSWORD, "csrf_token": csrf[1]})
    assert r.status_code == 401
    # An admin cannot lock themselves out.
    r = root.post("/users/root/disable", data={"csrf_token": csrf_of(root)})
    assert r.status_code == 200 and "不能停用自己" in r.text
    assert root.get("/api/me").status_code == 200


def test_a_password_reset_ends_the_users_sessions_but_not_ones_own(site: Site) -> None:
    agent = site.login("xiaomei")
    root = site.login("root")
    r = root.post("/users/xiaomei/password", data={"csrf_token": csrf_of(root)})
    shown = re.search(r'class="secret-value mono">([^<]+)<', r.text)
    assert shown
    assert agent.get("/api/me").status_code == 401
    assert site.login("xiaomei", shown[1]).get("/api/me").status_code == 200
    r = root.post(
        "/users/root/password",
        data={"password": "root-password-2", "csrf_token": csrf_of(root)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert root.get("/api/me").status_code == 200  # a fresh cookie came with the answer
    assert site.login("root", "root-password-2").get("/api/me").status_code == 200
    assert [e.actor for e in site.audit("password_set")] == ["root", "root"]


def test_a_token_is_shown_once_works_and_stops_when_revoked(site: Site) -> None:
    root = site.login("root")
    r = root.post("/users/boss/tokens", data={"label": "erp", "csrf_token": csrf_of(root)})
    assert r.status_code == 200
    found = re.search(r'class="secret-value mono">(rl_[^<]+)<', r.text)
    assert found and "哈希" in r.text
    token = found[1]
    bearer = {"Authorization": f"Bearer {token}"}
    c = site.client()
    assert c.get("/api/me", headers=bearer).json()["name"] == "boss"
    assert c.get("/api/imports", headers=bearer).status_code == 200
    assert token not in root.get("/users").text
    with session(site.engine) as s:
        stored = s.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1
    r = root.post(
        "/users/boss/tokens/revoke", data={"csrf_token": csrf_of(root)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert c.get("/api/me", headers=bearer).status_code == 401  # revocation clears the cache
    assert [e.action for e in site.audit("token_revoke")] == ["token_revoke"]
    assert site.audit("token_create")[0].actor == "root"
    # Over the API: the token and the note come back once.
    h = site.bearer("root")
    body = c.post("/api/users/xiaomei/tokens", json={"label": "bot"}, headers=h).json()
    assert body["token"].startswith("rl_") and "哈希" in body["note"]
    assert c.post("/api/users/xiaomei/tokens/revoke", headers=h).json()["revoked"] == 1


def test_the_audit_log_is_newest_first_and_filters_by_action(site: Site) -> None:
    c = site.client()
    page = c.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    c.post("/login", data={"name": "root", "password": "wrong-one", "csrf_token": csrf[1]})
    root = site.login("root")
    root.post("/users/boss/tokens", data={"csrf_token": csrf_of(root)})
    events = root.get("/api/audit").json()["events"]
    ids = [e["id"] for e in events]
    assert ids == sorted(ids, reverse=True)
    assert [e["action"] for e in events[:3]] == ["token_create", "login", "login_failed"]
    failed = root.get("/api/audit?action=login_failed").json()["events"]
    assert [(e["actor"], e["action"]) for e in failed] == [("root", "login_failed")]
    page = root.get("/audit?action=login_failed")
    assert page.status_code == 200 and "登录失败" in page.text and "创建 API 令牌" in page.text
    older = root.get("/api/audit?limit=1").json()
    assert older["older_query"] and f"before={ids[0]}" in older["older_query"]


# --- orders: masked by default, revealing is audited ----------------------------------------


@pytest.fixture
def shop_orders(site: Site, tmp_path: Path) -> Site:
    path = tmp_path / "ExportOrderList202610312000.csv"
    path.write_bytes(ORDERS.encode("gbk"))
    c = site.client()
    assert upload(c, "orders", path, site.bearer("root")).json()["accepted"] == 2
    return site


def test_an_order_page_masks_buyer_data(shop_orders: Site) -> None:
    c = shop_orders.login("boss")
    r = c.get(f"/orders/{ORDER_NO}")
    assert r.status_code == 200
    assert "138****8000" in r.text and "13800138000" not in r.text
    assert "浙江省杭州市" in r.text.replace(" ", "") or "浙江省 杭州市" in r.text
    assert "文三路" not in r.text
    data = c.get(f"/api/orders/{ORDER_NO}").json()
    assert data["order"]["phone"] == "138****8000"
    assert "文三路" not in json.dumps(data, ensure_ascii=False)
    assert HOSTILE_NAME not in json.dumps(data, ensure_ascii=False)
    assert c.get("/orders/999").status_code == 404
    assert shop_orders.audit("reveal") == []
    assert shop_orders.login("xiaomei").get(f"/orders/{ORDER_NO}").status_code == 403


def test_revealing_a_field_is_audited(shop_orders: Site) -> None:
    c = shop_orders.login("boss")
    h = {"X-CSRF-Token": csrf_of(c)}
    r = c.post(f"/api/orders/{ORDER_NO}/reveal", json={"field": "phone"}, headers=h)
    assert r.status_code == 200
    assert r.json() == {"order_no": ORDER_NO, "field": "phone", "value": "13800138000"}
    event = shop_orders.audit("reveal")[0]
    assert (event.actor, event.target, event.detail) == ("boss", ORDER_NO, "phone")
    r = c.post(f"/api/orders/{ORDER_NO}/reveal", json={"field": "address"}, headers=h)
    assert "文三路" in r.json()["value"]
    assert (
        c.post(f"/api/orders/{ORDER_NO}/reveal", json={"field": "password"}, headers=h).status_code
        == 422
    )
    assert c.post("/api/orders/999/reveal", json={"field": "phone"}, headers=h).status_code == 404
    # The cookie session needs the CSRF header; agents may not reveal.
    assert c.post(f"/api/orders/{ORDER_NO}/reveal", json={"field": "phone"}).status_code == 403
    agent = shop_orders.login("xiaomei")
    r = agent.post(
        f"/api/orders/{ORDER_NO}/reveal",
        json={"field": "phone"},
        headers={"X-CSRF-Token": csrf_of(agent, "/checker")},
    )
    assert r.status_code == 403
    assert len(shop_orders.audit("reveal")) == 2
    # The page's button: the value shows on the answer, masked again afterwards.
    page = c.post(f"/orders/{ORDER_NO}/reveal", data={"field": "phone", "csrf_token": csrf_of(c)})
    assert page.status_code == 200
    assert "13800138000" in page.text and "审计日志" in page.text
    assert "13800138000" not in c.get(f"/orders/{ORDER_NO}").text
    assert c.post(f"/orders/{ORDER_NO}/reveal", data={"field": "phone"}).status_code == 403
    assert len(shop_orders.audit("reveal")) == 3
    audit_page = shop_orders.login("root").get("/audit?action=reveal")
    assert f'href="/orders/{ORDER_NO}"' in audit_page.text


def test_hostile_imported_text_renders_as_text(shop_orders: Site, tmp_path: Path) -> None:
    c = shop_orders.login("boss")
    chats = tmp_path / "chats.txt"
    chats.write_bytes(
        (
            "云朵家居旗舰店:小美\n"
            f"----------------------------{HOSTILE_NICK}----------------------------\n"
            f"{HOSTILE_NICK}(2026-10-29 10:05:12):  <img src=x onerror=alert(3)> 在吗\n"
            "云朵家居旗舰店:小美(2026-10-29 10:05:30):  亲，在的\n"
            "================================================================\n"
        ).encode("gb18030")
    )
    assert upload(c, "chats", chats).json()["accepted"] == 1
    pages = [c.get(f"/orders/{ORDER_NO}")]
    for what in ("nick", "name"):
        pages.append(
            c.post(f"/orders/{ORDER_NO}/reveal", data={"field": what, "csrf_token": csrf_of(c)})
        )
    pages.append(
        c.post(
            "/imports",
            data={"kind": "orders", "csrf_token": csrf_of(c)},
            files={"file": ("<img src=x onerror=alert(5)>.csv", ORDERS.encode("gbk"))},
        )
    )
    pages.append(c.get("/imports"))
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in pages[0].text  # the buyer's note
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1].text  # the nick, revealed
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[2].text  # the receiver, revealed
    assert 'href="/conversations/qn-' in pages[0].text  # the chat is linked by the nick
    assert "&lt;img src=x onerror=alert(5)&gt;.csv" in pages[3].text  # the file name


# --- rules -----------------------------------------------------------------------------------


def test_the_rules_page_shows_what_redline_rules_prints(site: Site) -> None:
    r = CliRunner().invoke(cli, ["rules", "--format", "json"])
    expected = {x["id"]: x["points"] for x in json.loads(r.stdout)["rules"]}
    boss = site.login("boss")
    data = boss.get("/api/rules").json()
    assert {x["id"]: x["points"] for x in data["rules"]} == expected
    assert data["files"] is None
    assert any(s["key"] == "web_upload_max_mib" for s in data["settings"])
    page = boss.get("/rules")
    assert page.status_code == 200
    assert "invoice.special_price" in page.text and "10-invoice.yaml:" in page.text
    only = boss.get("/api/rules?category=invoice").json()["rules"]
    assert only and {x["category"] for x in only} == {"invoice"}
    files = site.login("root").get("/api/rules").json()["files"]
    assert any(f.endswith("10-invoice.yaml") for f in files)
    assert site.login("xiaomei").get("/rules").status_code == 403
