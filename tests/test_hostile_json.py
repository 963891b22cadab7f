"""Lone surrogates and deeply nested JSON (issue 11, items 4 and 5).

A truncated export leaves ``\\ud800`` in a JSON string; a hostile one nests
100,000 arrays, even in a field nobody reads. Both used to end in a traceback
(``redline check``) or a 500 (``/api/check``, the web chat import). Now each is a
``第 N 行`` error with the other lines still checked, or a 400.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from redline.cli import main
from redline.jsonl import MAX_DEPTH, BadJSON, parse_json
from web_support import Site, csrf_of, make_site

GOOD = '{"id": "ok", "messages": [{"role": "agent", "text": "特价商品不开发票哦"}]}'
LONE = '{"id": "cut", "messages": [{"role": "agent", "text": "特价商品不开发票\\ud800"}]}'
LONE_KEY = '{"id": "k", "\\udc00": 1, "messages": [{"role": "agent", "text": "好的"}]}'
DEEP = (
    '{"id": "deep", "x": '
    + "[" * 100_000
    + "]" * 100_000
    + ', "messages": [{"role": "agent", "text": "好的"}]}'
)
EMOJI = (
    '{"id": "pair", "messages": [{"role": "agent", "text": "\\ud83d\\ude0a 特价商品不开发票哦"}]}'
)


def test_parse_json_limits_depth_and_refuses_lone_surrogates() -> None:
    assert parse_json(EMOJI)["messages"][0]["text"].startswith("😊")  # a pair is fine
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(BadJSON, match="嵌套过深"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(BadJSON, match=r"messages\[0\]\.text 含有无效字符"):
        parse_json(LONE)
    with pytest.raises(BadJSON, match="含有无效字符"):
        parse_json(LONE_KEY)
    # Brackets inside strings are text, not nesting.
    assert parse_json(json.dumps({"t": "[" * 1000})) == {"t": "[" * 1000}


# --- redline check ---------------------------------------------------------------------------


def test_check_reports_the_bad_lines_and_checks_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text("\n".join([LONE, GOOD, DEEP, LONE_KEY, EMOJI]) + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert "第 1 行错误" in r.stderr and "messages[0].text 含有无效字符" in r.stderr
    assert "第 3 行错误" in r.stderr and "嵌套过深" in r.stderr
    assert "第 4 行错误" in r.stderr
    data = json.loads(r.stdout)
    assert [e["line"] for e in data["errors"]] == [1, 3, 4]
    # The valid lines after the bad ones are still checked.
    assert {f["conversation"] for f in data["findings"]} == {"ok", "pair"}


def test_check_text_with_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["check", "--text", "特价商品不开发票\udcff"])
    assert r.exit_code == 2
    assert "--text 含有无效字符" in r.stderr and "Traceback" not in r.output


# --- /api/check ------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path)


@pytest.mark.parametrize(
    ("body", "message"),
    [(LONE, "含有无效字符"), (LONE_KEY, "含有无效字符"), (DEEP, "嵌套过深")],
    ids=["lone-surrogate", "lone-surrogate-key", "nested-100000"],
)
def test_api_check_answers_400(site: Site, body: str, message: str) -> None:
    r = site.client().post(
        "/api/check",
        headers={"Authorization": f"Bearer {site.agent_token}"},
        content=body.encode(),
    )
    assert r.status_code == 400, r.text
    assert message in r.json()["detail"]


def test_api_check_still_takes_a_surrogate_pair(site: Site) -> None:
    r = site.client().post(
        "/api/check",
        headers={"Authorization": f"Bearer {site.agent_token}"},
        content=EMOJI.encode(),
    )
    assert r.status_code == 200 and r.json()["findings"]


# --- the web chat import ---------------------------------------------------------------------


def upload_chats(c: Any, content: bytes) -> Any:
    return c.post(
        "/api/imports?kind=chats",
        files={"file": ("chats.jsonl", content)},
        headers={"X-CSRF-Token": csrf_of(c, "/imports")},
    )


def test_the_web_chat_import_reports_the_line_and_imports_the_rest(site: Site) -> None:
    c = site.login("boss")
    content = "\n".join([GOOD, LONE, DEEP, EMOJI]).encode()
    r = upload_chats(c, content)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["accepted"] == 2 and data["rejected"] == 2
    assert [e["line"] for e in data["errors"]] == [2, 3]
    assert (
        data["error_lines"][0].startswith("第 2 行：") and "含有无效字符" in data["error_lines"][0]
    )
    assert "嵌套过深" in data["error_lines"][1]
    page = c.post(
        "/imports",
        data={"kind": "chats", "csrf_token": csrf_of(c, "/imports")},
        files={"file": ("chats.jsonl", content)},
    )
    assert page.status_code == 200 and "第 2 行：" in page.text


def test_a_file_of_bad_lines_answers_with_the_first_errors_and_a_count(site: Site) -> None:
    c = site.login("boss")
    content = "\n".join([GOOD] + ["{not json"] * 1500).encode()
    r = upload_chats(c, content)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["accepted"] == 1 and data["rejected"] == 1500
    assert len(data["errors"]) == 200 and data["errors_more"] == 1300
    assert data["errors"][0]["line"] == 2
