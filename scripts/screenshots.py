"""Screenshots of the main pages (desktop and phone width) for a person to look at.

    make screenshots        # → build/screenshots/*.png

Builds a demo store, starts the real server, drives Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402

from browser_support import build_demo, chromium_path, running_server, shoot  # noqa: E402


def main() -> None:
    out = ROOT / "build" / "screenshots"
    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("没有找到 Chromium：请先运行 make setup（apt-get install chromium）")
    with tempfile.TemporaryDirectory() as tmp:
        db = build_demo(Path(tmp))
        with running_server(db) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            files = shoot(browser, server.url, out)
            browser.close()
    for f in files:
        print(f.relative_to(ROOT))


if __name__ == "__main__":
    main()
