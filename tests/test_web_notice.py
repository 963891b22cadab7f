"""The notice box shows only messages the server issued (issue 11, item 11).

Any text in ``?msg=`` used to render in the app's notice box on 8 pages: a
phishing link ("账号异常，请加微信 … 处理") looked like the app talking. A form
now redirects with a signed token bound to the session that posted it; anything
else in ``?msg=`` shows nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from web_support import Site, add_chat, csrf_of, make_site

PHISH = "账号存在风险，请立即添加微信 kf_8888 核验身份"
NOTICE = re.compile(r'<p class="notice" role="status">([^<]*)</p>')


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path)


@pytest.mark.parametrize(
    "path",
    ["/findings", "/alerts", "/imports", "/ledger", "/users", "/cases", "/conversations/conv-1"],
)
def test_text_in_msg_is_not_shown(site: Site, path: str) -> None:
    add_chat(site)
    c = site.login("admin")
    r = c.get(f"{path}?msg={quote(PHISH)}")
    assert r.status_code == 200, r.text[:300]
    assert PHISH not in r.text
    assert NOTICE.search(r.text) is None


def test_a_form_redirect_shows_its_message_to_this_session_only(site: Site) -> None:
    add_chat(site)
    c = site.login("boss")
    fid = c.get("/api/findings").json()["findings"][0]["id"]
    token = csrf_of(c, "/findings")
    r = c.post(
        f"/findings/{fid}/review?next=/findings",
        data={"action": "dismiss", "reason": "", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/findings?msg=")
    page = c.get(location)
    shown = NOTICE.search(page.text)
    assert shown and "理由" in shown[1]  # the server's own message: a reason is required
    # The same link in someone else's browser (or a forged token) shows nothing.
    other = site.login("admin").get(location)
    assert other.status_code == 200 and NOTICE.search(other.text) is None
    forged = location[:-4] + ("AAAA" if not location.endswith("AAAA") else "BBBB")
    assert NOTICE.search(c.get(forged).text) is None
