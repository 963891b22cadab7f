"""Browser tests: Playwright driving Debian's Chromium against the real server.

Skipped when no Chromium is installed, unless ``REDLINE_REQUIRE_BROWSER=1`` (set
by CI and ``make test``), which turns a missing browser into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import (
    HOSTILE_ID,
    PASSWORD,
    Server,
    build_demo,
    chromium_path,
    running_server,
    shoot,
)

CHROMIUM = chromium_path()
if CHROMIUM is None:
    if os.environ.get("REDLINE_REQUIRE_BROWSER") == "1":
        raise RuntimeError(
            "REDLINE_REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium)"
        )
    pytest.skip("no Chromium installed", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

PAGES = [
    "/",
    "/checker",
    "/findings",
    "/cases",
    "/returns",
    "/handoff",
    "/ledger",
    "/metrics",
    "/alerts",
    "/imports",
    "/users",
    "/audit",
    "/rules",
    "/orders/late",
    "/templates",
    "/exam",
    "/exam/team",
    "/search?q=1",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = build_demo(tmp_path_factory.mktemp("browser"))
    with running_server(db) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # The confirmations before irreversible steps are expected; record what they said
    # (pg.confirms) and accept. Any other dialog is an error.
    confirms: list[str] = []
    pg.confirms = confirms  # type: ignore[attr-defined]

    def on_dialog(d: Any) -> None:
        if d.type == "confirm" and getattr(pg, "refuse_confirms", False):
            confirms.append(d.message)
            d.dismiss()
        elif d.type == "confirm":
            confirms.append(d.message)
            d.accept()
        else:
            errors.append(f"dialog: {d.message}")
            d.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()
    assert errors == [], errors


def login(page: Page, server: Server, name: str = "boss") -> None:
    page.goto(server.url + "/")
    expect(page).to_have_url(f"{server.url}/login?next=%2F")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state("networkidle")


def test_log_in_and_see_the_overview(page: Page, server: Server) -> None:
    login(page, server)
    expect(page.locator("h1")).to_have_text("今日概览")
    expect(page.locator(".tile").first).to_be_visible()
    expect(page.get_by_text("本周期一般违规扣分")).to_be_visible()


def test_a_wrong_password_stays_on_the_login_page(page: Page, server: Server) -> None:
    page.goto(server.url + "/login")
    page.fill('input[name="name"]', "boss")
    page.fill('input[name="password"]', "wrong-password")
    page.click('button[type="submit"]')
    expect(page.locator(".error")).to_contain_text("用户名或密码错误")


def test_a_conversation_shows_the_finding_highlighted(page: Page, server: Server) -> None:
    login(page, server)
    page.goto(f"{server.url}/conversations/{HOSTILE_ID}")
    hit = page.locator("mark.hit").first
    expect(hit).to_be_visible()
    expect(hit).to_contain_text("不开发票")
    expect(page.locator("aside.finding .suggest").first).to_be_visible()


def test_hostile_chat_text_is_shown_as_text(page: Page, server: Server) -> None:
    login(page, server)
    page.goto(f"{server.url}/conversations/{HOSTILE_ID}")
    bubble = page.locator(".msg.role-buyer .bubble").first
    expect(bubble).to_contain_text("<script>window.__pwned=1</script>")
    expect(bubble).to_contain_text("<img src=x onerror=")
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".bubble img").count() == 0
    assert page.locator(".bubble script").count() == 0


def test_the_checker_flags_as_you_type(page: Page, server: Server) -> None:
    login(page, server, "xiaomei")
    expect(page).to_have_url(f"{server.url}/checker")
    page.fill("#reply", "亲，可以开发票的")
    expect(page.locator("#verdict")).to_have_text("没有发现问题，可以发送。")
    page.locator("#reply").fill("")
    page.locator("#reply").press_sequentially("特价商品不开发票哦", delay=20)
    expect(page.locator("#verdict")).to_have_text("触碰高压线，请修改后再发送！")
    first = page.locator("#results .finding").first
    expect(first.locator(".badge")).to_have_text("发票问题")
    expect(first.locator(".suggest .text")).not_to_be_empty()
    expect(page.locator("#highlight mark.hit")).to_have_text("特价商品不开发票")


def test_the_checker_highlights_the_right_words_after_emoji(page: Page, server: Server) -> None:
    """Offsets are code points (formats.md); 😊 is two UTF-16 units in the page."""
    login(page, server, "xiaomei")
    page.fill("#reply", "😊😊亲，特价商品不开发票哦👍")
    expect(page.locator("#verdict")).to_have_text("触碰高压线，请修改后再发送！")
    expect(page.locator("#highlight mark.hit")).to_have_text("特价商品不开发票")
    expect(page.locator("#highlight")).to_have_text("😊😊亲，特价商品不开发票哦👍")


def test_dismiss_a_finding(page: Page, server: Server) -> None:
    login(page, server)
    page.goto(f"{server.url}/findings?status=open")
    card = page.locator("li.finding").first
    fid = card.get_attribute("data-finding")
    card.locator('input[name="reason"]').fill("买家原话引用，非客服承诺")
    card.locator('button[value="dismiss"]').click()
    expect(page.locator(".notice")).to_contain_text("已保存")
    assert page.confirms and "驳回" in page.confirms[-1]  # type: ignore[attr-defined]
    page.goto(f"{server.url}/findings?status=dismissed")
    expect(page.locator(f'li.finding[data-finding="{fid}"]')).to_be_visible()


def _case_with_action(page: Page, server: Server) -> Any:
    page.goto(f"{server.url}/cases")
    links = page.locator("a[href^='/cases/']")
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        if not href or not href.split("/")[-1].isdigit():
            continue
        page.goto(server.url + href)
        form = page.locator("form.case-action").filter(
            has=page.locator('input[value="refund"], button[value="refund"]')
        )
        if form.count():
            return href
    return None


def test_resolve_a_case(page: Page, server: Server) -> None:
    login(page, server)
    href = _case_with_action(page, server)
    assert href, "no case with a refund action in the demo month"
    form = (
        page.locator("form.case-action")
        .filter(has=page.locator('input[value="refund"], button[value="refund"]'))
        .first
    )
    note = form.locator('textarea[name="note"], input[name="note"]')
    if note.count():
        note.first.fill("已同意退款（浏览器测试）")
    # Cancelling the confirmation sends nothing; accepting it refunds.
    page.refuse_confirms = True  # type: ignore[attr-defined]
    form.locator('button[type="submit"]').first.click()
    page.wait_for_timeout(300)
    assert page.confirms and "无法撤回" in page.confirms[-1]  # type: ignore[attr-defined]
    expect(page.locator(".notice")).to_have_count(0)
    page.refuse_confirms = False  # type: ignore[attr-defined]
    form.locator('button[type="submit"]').first.click()
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("body")).to_contain_text("已退款")


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_phone(browser: Browser, server: Server, path: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, server, "admin")
    page.goto(server.url + path)
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() >= 1, path
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width}px wide at 390px"
    context.close()


# (a 30-day window: every unshipped paid order of the demo month, whatever the hour)
@pytest.mark.parametrize("path", ["/cases", "/orders/late?within=30d"])
def test_no_number_cell_wraps_at_desktop_width(page: Page, server: Server, path: str) -> None:
    """19-digit order numbers, masked nicks and amounts stay on one line at 1280 px."""
    login(page, server, "admin")
    page.goto(server.url + path)
    page.wait_for_load_state("networkidle")
    cells = page.locator("table.rows td.mono, table.rows td.num")
    assert cells.count() > 0, path
    wrapped = page.evaluate(
        """() => [...document.querySelectorAll('table.rows td.mono, table.rows td.num')]
            .filter(td => td.innerText.trim())
            .filter(td => {
              // the content's height against one line (a badge is a little taller
              // than text, two lines are twice as tall)
              const r = document.createRange(); r.selectNodeContents(td.firstChild || td);
              const style = getComputedStyle(td);
              const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
              return r.getBoundingClientRect().height > 1.6 * line;
            })
            .map(td => td.innerText)"""
    )
    assert wrapped == [], f"{path}: {wrapped}"


def test_screenshots_target_writes_files(tmp_path: Path, browser: Browser, server: Server) -> None:
    files = shoot(browser, server.url, tmp_path, pages=["/", "/checker"], widths=[390])
    assert files and all(f.stat().st_size > 1000 for f in files)


def test_take_the_exam_in_the_browser(page: Page, server: Server) -> None:
    """A full paper answered right in the browser: 100, stored as the grader computes it."""
    from redline.store import open_store
    from redline.store.training import history
    from redline.training.bank import Drill, load_bank
    from redline.training.grading import draw_paper

    bank = load_bank()
    paper = draw_paper(bank, seed=7)
    login(page, server, "admin")
    page.goto(server.url + "/exam/paper?seed=7")
    expect(page.locator("#exam-timer")).to_be_visible()
    for item in paper.items:
        name = f"a.{item.id}"
        if isinstance(item, Drill):
            page.fill(f'textarea[name="{name}"]', item.model_answer)
        elif item.type in ("single", "truefalse"):
            page.check(f'input[name="{name}"][value="{item.solution()}"]')
        elif item.type == "multiple":
            for key in item.answer:
                page.check(f'input[name="{name}"][value="{key}"]')
        else:
            page.fill(f'input[name="{name}"]', item.solution())
    page.click('#exam-paper button[type="submit"]')
    page.wait_for_load_state("networkidle")
    expect(page.locator(".verdict")).to_contain_text("100.0 / 100")
    newest = history(open_store(str(server.db)), "admin", limit=1)[0]
    assert newest.via == "web" and float(newest.score) == 100.0 and newest.passed


def test_search_an_order_by_its_last_six_digits(page: Page, server: Server) -> None:
    import sqlite3

    with sqlite3.connect(server.db) as db:
        (order_no,) = db.execute("SELECT order_no FROM orders ORDER BY order_no LIMIT 1").fetchone()
    login(page, server)
    box = page.locator("header form.search input[name=q]")
    box.fill(order_no[-6:])
    box.press("Enter")
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(f"{server.url}/orders/{order_no}")
    expect(page.locator("body")).to_contain_text(order_no)


def test_export_the_filtered_findings_and_read_the_workbook(page: Page, server: Server) -> None:
    import io

    import openpyxl

    login(page, server)
    page.goto(server.url + "/findings?category=invoice")
    link = page.locator('a[href*="/api/findings/export"][href*="xlsx"]').first
    assert "category=invoice" in (link.get_attribute("href") or "")
    with page.expect_download() as download_info:
        link.click()
    data = Path(download_info.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "时间", "客服", "类别")
    assert len(rows) > 1 and all(r[3] == "发票问题" for r in rows[1:]), rows[:3]


def test_the_english_overview_has_no_chinese_sanction_text(page: Page, server: Server) -> None:
    login(page, server)
    page.goto(server.url + "/lang/en?next=/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Today")
    body = page.locator("main").inner_text()
    assert "barred from Tmall marketing activities" in body
    # (platform terms may follow their English in brackets, as "store supervision (店铺监管)")
    for chinese in ("限制参加天猫营销活动", "违约金", "下一节点", "严重违规"):
        assert chinese not in body, chinese
