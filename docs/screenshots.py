"""Screenshots of the main pages for the README, taken from the real app.

    python docs/screenshots.py [--out docs/img]

Loads the small synthetic demo into a temporary SQLite database, starts the app on
a free port, opens each page in Debian's headless Chromium (via Playwright) at
1400 px width, waits until Dash has no callback in flight and saves a full-page PNG.
The app is stopped and the database removed at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make the project importable

from bench.appserver import chromium, login, running_app  # noqa: E402

WIDTH = 1400
MAX_BYTES = 1_500_000  # a larger full-page PNG is cut to CLIP_HEIGHT
CLIP_HEIGHT = 2500

PAGES = {
    "scorecard.png": "/?lang=en",
    "scorecard-kk.png": "/?lang=kk",
    "scorecard-ru.png": "/?lang=ru",
    "explorer.png": "/kpi/clearance_rate?lang=en",
    "outlook.png": "/outlook",
    "simulate.png": "/simulate",
    "court.png": "/court/KZ75-D01",
    "compare.png": "/compare?units=KZ-75,KZ-71,KZ-79",
    "workload.png": "/workload",
    "coverage.png": "/coverage",
    "upload.png": "/upload",
    "uploads.png": "/uploads",
    "targets.png": "/targets",
    "users.png": "/admin/users",
    "audit.png": "/audit",
}
# The same app on a phone (issue 16): 390 px wide, the top bar folded into its menu.
PHONE_WIDTH = 390
PHONE_PAGES = {"scorecard-390.png": "/?lang=kk", "court-390.png": "/court/KZ75-D01?lang=ru"}
USER, PASSWORD = "screenshots", "screenshots-password"


def wait_idle(page, timeout: float = 30_000) -> None:
    """Until the network is quiet, no Dash callback is loading and Plotly has drawn."""
    page.wait_for_load_state("networkidle", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout)
    # Every graph on the page has its SVG; then let fonts and layout settle.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.dash-graph')]"
        ".every(g => g.querySelector('.main-svg'))", timeout=timeout)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_timeout(500)


def shoot(page, url: str, path: Path, width: int = WIDTH,
          max_height: int | None = None) -> tuple[int, int]:
    """Save the page at ``url`` as a PNG; (height in px, bytes)."""
    page.goto(url)
    wait_idle(page)
    # Charts far below the fold are drawn as they scroll into view (assets/lazy_charts.js)
    # and a full-page picture scrolls nothing: draw them as for printing.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    wait_idle(page)
    page.mouse.move(0, 0)  # no hover label in the picture
    height = page.evaluate("document.documentElement.scrollHeight")
    data = page.screenshot(full_page=True, type="png", animations="disabled")
    if max_height and height > max_height:  # a phone page: its first screens
        height = max_height
        data = page.screenshot(full_page=True, type="png", animations="disabled",
                               clip={"x": 0, "y": 0, "width": width, "height": height})
    elif len(data) > MAX_BYTES:
        height = min(height, CLIP_HEIGHT)
        data = page.screenshot(full_page=True, type="png", animations="disabled",
                               clip={"x": 0, "y": 0, "width": width, "height": height})
    path.write_bytes(data)
    return height, len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img",
                        help="folder for the PNGs (default: docs/img)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryDirectory(prefix="court-kpi-shots-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'app.sqlite'}"
        print("loading the small demo ...", flush=True)
        subprocess.run([sys.executable, "-m", "data", "demo", "--db", db_url], cwd=ROOT,
                       check=True, capture_output=True, env=env, timeout=600)
        subprocess.run([sys.executable, "-m", "data", "user", "add", USER, "--role", "admin",
                        "--password-stdin", "--db", db_url], cwd=ROOT, check=True,
                       input=PASSWORD + "\n", capture_output=True, text=True, env=env)
        with running_app(db_url, Path(tmp) / "app.log") as base, chromium() as browser:
            # English: the app takes its language from Accept-Language.
            context = browser.new_context(viewport={"width": WIDTH, "height": 900},
                                          locale="en-US")
            page = context.new_page()
            page.goto(base + "/login")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / "login.png"), type="png")
            login(context, base, USER, PASSWORD)
            for name, path in PAGES.items():
                height, size = shoot(page, base + path, out / name)
                print(f"{out / name}: {path}, {height} px high, {size / 1e3:.0f} kB",
                      flush=True)
            phone = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800},
                                        locale="en-US", device_scale_factor=2)
            login(phone, base, USER, PASSWORD)
            page = phone.new_page()
            for name, path in PHONE_PAGES.items():
                height, size = shoot(page, base + path, out / name, PHONE_WIDTH, 1600)
                print(f"{out / name}: {path}, {height} px high, {size / 1e3:.0f} kB",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
