"""The terminal exam, taken end to end under tmux (send-keys, read the screen).

The same paper, answered the same way in the browser, stores the same result.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from redline.store import open_store
from redline.store.training import history
from redline.training.bank import Drill, load_bank
from redline.training.grading import draw_paper
from redline.training.library import load_library

DATA = Path(__file__).parent / "data" / "training"
REDLINE = str(Path(sys.executable).with_name("redline"))

needs_tmux = pytest.mark.skipif(
    shutil.which("tmux") is None and not os.environ.get("REDLINE_REQUIRE_BROWSER"),
    reason="tmux not installed (scripts/browser-setup.sh installs it)",
)


def _answers() -> list[str]:
    """Right answers, except the drill: a reply that crosses the invoice red line."""
    bank = load_bank(
        DATA / "questions.yaml", DATA / "drills.yaml", load_library(DATA / "templates.yaml")
    )
    out = []
    for item in draw_paper(bank, seed=1).items:
        out.append("亲，特价商品不开发票哦" if isinstance(item, Drill) else item.solution())
    return out


def _screen(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", session],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def _wait_for(session: str, pattern: str, timeout: float = 30) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        screen = _screen(session)
        if re.search(pattern, screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} never appeared:\n{_screen(session)}")


@needs_tmux
def test_exam_under_tmux_stores_the_same_result_as_the_web(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is required here"
    db = tmp_path / "exam.db"
    session = f"redline-exam-{os.getpid()}"
    env = {**os.environ, "REDLINE_TRAINING_DATA": str(DATA), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    cmd = f"{REDLINE} exam take --agent 云朵家居旗舰店:小美 --seed 1 --db {db}; sleep 30"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "50", cmd],
        env=env, check=True,
    )  # fmt: skip
    try:
        for n, answer in enumerate(_answers(), 1):
            _wait_for(session, rf"第 {n}/\d+ 题[\s\S]*(答案|你的回复)[^\n]*:\s*$")
            subprocess.run(["tmux", "send-keys", "-t", session, "-l", answer], check=True)
            subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        screen = _wait_for(session, r"成绩已保存")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    assert "得分 85.0 / 100，合格，等级：中级" in screen
    assert "踩线：invoice.special_price" in screen
    (cli,) = history(open_store(str(db)))
    assert cli.via == "cli" and float(cli.score) == 85.0 and cli.weak == {"invoice": 1}

    # The same answers through the browser's form store the same result.
    from web_support import make_site

    site = make_site(tmp_path)
    os.environ["REDLINE_TRAINING_DATA"] = str(DATA)
    try:
        agent = site.login("xiaomei")
        paper = agent.get("/exam/paper", params={"seed": 1})
        found = re.search(r'name="csrf_token" value="([^"]+)"', paper.text)
        assert found
        bank = load_bank(DATA / "questions.yaml", DATA / "drills.yaml")
        form: dict[str, object] = {"csrf_token": found[1], "seed": "1", "category": ""}
        for item, answer in zip(draw_paper(bank, seed=1).items, _answers(), strict=True):
            form[f"a.{item.id}"] = (
                list(answer) if getattr(item, "type", "") == "multiple" else answer
            )
        assert agent.post("/exam/submit", data=form, follow_redirects=False).status_code == 303
    finally:
        del os.environ["REDLINE_TRAINING_DATA"]
    (web,) = history(site.engine)
    assert web.via == "web"
    same = ("agent", "kind", "score", "passed", "level", "sections", "weak")
    assert {k: getattr(web, k) for k in same} == {k: getattr(cli, k) for k in same}
