"""First render of a page in Chromium, this checkout against another revision, same run.

    python -m bench.ab_render --base REV [--path /] [--db URL] [--rounds 7]

Checks ``REV`` out into a temporary git worktree, starts both apps (``app.py --no-demo``
on the same database, default the national SQLite of ``bench.pages``), signs in as the
``bench`` account in a fresh browser context per visit, and times ``page.goto(path)``
until Dash has nothing loading and the page's main content is drawn (for ``/``: 18 KPI
tiles with their trends). The two apps are visited alternately, the first round is a
warm-up. Prints the median wall time, the total and the longest of the browser's long
tasks (main-thread work over 50 ms) and the ratio of the medians. Nothing is a pass/fail.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.appserver import ROOT, chromium, login, running_app
from bench.pages import BENCH_PASSWORD, BENCH_USER, DEFAULT_SQLITE_URL

LONG_TASKS = ("window.__long = []; new PerformanceObserver(list => list.getEntries()"
              ".forEach(e => window.__long.push(e.duration)))"
              ".observe({type: 'longtask', buffered: true});")
# Drawn: nothing loading, and on the scorecard every tile and (almost) every trend.
DRAWN = """() => {
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  if (!document.querySelector('#_pages_content *')) return false;
  const tiles = document.querySelectorAll('.kpi-tile').length;
  if (!tiles) return !!document.querySelector('.js-plotly-plot .main-svg, table');
  const plots = document.querySelectorAll('.kpi-sparkline .main-svg').length;
  const images = [...document.querySelectorAll('img.kpi-sparkline')]
    .filter(i => i.complete && i.naturalWidth > 0).length;
  return tiles >= 18 && plots + images >= 15;
}"""


@contextlib.contextmanager
def _worktree(rev: str):
    with tempfile.TemporaryDirectory(prefix="ab-render-") as tmp:
        path = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(path), rev], cwd=ROOT,
                       check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT,
                           check=False)


def _visit(browser, base: str, path: str) -> tuple[float, float, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        login(context, base, BENCH_USER, BENCH_PASSWORD)
        page = context.new_page()
        page.add_init_script(LONG_TASKS)
        started = time.perf_counter()
        page.goto(base + path)
        page.wait_for_function(DRAWN, timeout=60_000, polling=20)
        wall = time.perf_counter() - started
        longs = page.evaluate("window.__long") or [0.0]
        return wall, sum(longs), max(longs)
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the revision to compare against")
    ap.add_argument("--path", default="/", help="the page (default /)")
    ap.add_argument("--db", default=DEFAULT_SQLITE_URL, help="database URL (must hold the "
                    "bench account: run bench.pages once)")
    ap.add_argument("--rounds", type=int, default=7, help="visits of each, the first a warm-up")
    args = ap.parse_args()
    runs: dict[str, list[tuple[float, float, float]]] = {"base": [], "this": []}
    logs = Path(tempfile.mkdtemp(prefix="ab-render-logs-"))
    with _worktree(args.base) as base_tree, \
            running_app(args.db, logs / "base.log", base_tree) as base_url, \
            running_app(args.db, logs / "this.log", ROOT) as this_url, chromium() as browser:
        for i in range(args.rounds):
            order = [("base", base_url), ("this", this_url)]
            for name, url in order if i % 2 else order[::-1]:
                result = _visit(browser, url, args.path)
                if i:
                    runs[name].append(result)
    print(f"first render of {args.path} in Chromium, {args.rounds - 1} visits each "
          f"(after a warm-up), alternating; database {args.db}")
    for name, label in (("base", args.base), ("this", "this checkout")):
        rows = runs[name]
        print(f"  {label:<16} median {statistics.median(r[0] for r in rows):.2f} s; long tasks "
              f"total {statistics.median(r[1] for r in rows):.0f} ms, longest "
              f"{statistics.median(r[2] for r in rows):.0f} ms; runs "
              + ", ".join(f"{r[0]:.2f}" for r in rows))
    ratio = statistics.median(r[0] for r in runs["this"]) / statistics.median(
        r[0] for r in runs["base"])
    print(f"  this / base: {ratio:.2f}x")


if __name__ == "__main__":
    main()
