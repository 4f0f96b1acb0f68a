"""First render of the scorecard and the court profile against a minimal Dash page.

    python -m bench.first_render [--db URL] [--court CODE] [--rounds 7] [--profile]
                                 [--base REV] [--query year=2025]

Starts the app (``app.py --no-demo`` on the national SQLite of ``bench.pages`` by
default, signed in as its ``bench`` account) and ``bench.minimal_app`` (one dropdown,
one callback, one Plotly chart, the same Dash), and times in Chromium, from the
navigation's start until the page is drawn (``DRAWN``: complete, nothing loading, every
chart with its SVG, every image loaded, still so 150 ms later; the moment it first held):

* **warm**: the browser's cache filled by a visit before (what a person returning to
  the page waits for);
* **cold**: a fresh browser profile (the whole bundle downloaded and evaluated).

Pages are visited in turn, round after round, the first round a warm-up; the medians
and their ratios to the minimal page are printed. Nothing is a pass/fail.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.ab_render import _worktree
from bench.appserver import ROOT, chromium, free_port, login, running_app
from bench.pages import BENCH_PASSWORD, BENCH_USER, DEFAULT_SQLITE_URL, ensure_bench_user

TRACK = """
window.__inflight = 0; window.__lastEnd = performance.now();
window.__first = null; window.__busy = 0; window.__busyFrom = 0; window.__calls = 0;
const started = () => { if (window.__first === null) window.__first = performance.now();
  if (window.__inflight++ === 0) window.__busyFrom = performance.now(); window.__calls++; };
const ended = () => { window.__lastEnd = performance.now();
  if (--window.__inflight === 0) window.__busy += window.__lastEnd - window.__busyFrom; };
const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.open = function (m, url) { this.__dash = String(url).includes(
  '_dash-update-component'); return open.apply(this, arguments); };
XMLHttpRequest.prototype.send = function () {
  if (this.__dash) { started(); this.addEventListener('loadend', ended); }
  return send.apply(this, arguments); };
window.__log = [];
const fetch0 = window.fetch;
window.fetch = function (input, init) {
  const url = String(input && input.url || input);
  if (!url.includes('_dash-update-component')) return fetch0.apply(this, arguments);
  let output = '?';
  try { output = JSON.parse(init.body).output; } catch (e) {}
  const t0 = performance.now();
  started();
  return fetch0.apply(this, arguments).finally(() => {
    window.__log.push([output, t0, performance.now()]); ended(); }); };
"""
# Drawn (issue 31): what a person waits for. The document is complete, something of the
# page is rendered, no element is loading (``data-dash-is-loading``, Dash's
# ``_dash-loading`` / ``_dash-loading-callback`` classes), every Plotly chart has its SVG
# and every image has loaded -- and all of that still holds 150 ms later, so no further
# callback started. The time is the moment it first held (``__heldSince``).
QUIET_MS = 150
DRAWN = """() => {
  const holds = () => {
    if (document.readyState !== 'complete') return false;
    if (!document.querySelector('#_pages_content *, #chart')) return false;
    if (document.querySelector(
        '[data-dash-is-loading="true"], ._dash-loading, ._dash-loading-callback')) return false;
    if ([...document.querySelectorAll('.js-plotly-plot')].some(
        p => !p.querySelector('.main-svg'))) return false;
    return ![...document.querySelectorAll('img')].some(i => !i.complete);
  };
  const now = performance.now();
  if (!holds()) { window.__heldSince = null; return false; }
  if (window.__heldSince == null) window.__heldSince = now;
  return now - window.__heldSince >= QUIET_MS;
}""".replace("QUIET_MS", str(QUIET_MS))


@contextlib.contextmanager
def minimal_server(log: Path):
    port = free_port()
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "bench.minimal_app", "--port", str(port)],
                                cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(base + "/", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"minimal app did not start; see {log}") from None
                    time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _timed(page, url: str) -> float:
    """Seconds from navigation start until the page was drawn (and stayed so)."""
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=60_000, polling=20)
    # performance.now() counts from the navigation's start: the first moment it held.
    return page.evaluate("window.__heldSince") / 1000.0


@contextlib.contextmanager
def tracked_page(browser, base: str, signed_in: bool):
    """A page of a fresh browser context (signed in when asked) that tracks callbacks."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        if signed_in:
            login(context, base, BENCH_USER, BENCH_PASSWORD)
        context.add_init_script(TRACK)
        yield context, context.new_page()
    finally:
        context.close()


def visit(browser, base: str, path: str, signed_in: bool, warm: bool) -> float:
    with tracked_page(browser, base, signed_in) as (_context, page):
        if warm:
            _timed(page, base + path)  # fills the browser's cache
        return _timed(page, base + path)


# Chromium's own counters of the main thread (CDP Performance.getMetrics), in seconds.
CDP_METRICS = {"ScriptDuration": "script", "LayoutDuration": "layout",
               "RecalcStyleDuration": "style", "TaskDuration": "all tasks"}


def profile_visit(browser, base: str, path: str, signed_in: bool) -> dict:
    """Where a warm first render's time goes: before the first callback is sent (page,
    bundles, layout), with callbacks in flight (server and network), the rest (drawing
    after them); and Chromium's main-thread counters for the same visit."""
    with tracked_page(browser, base, signed_in) as (context, page):
        _timed(page, base + path)  # fills the browser's cache
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        before = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        total = _timed(page, base + path)
        after = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        track = page.evaluate("({first: window.__first, busy: window.__busy, "
                              "calls: window.__calls, log: window.__log})")
    first = (track["first"] or 0.0) / 1000.0
    busy = track["busy"] / 1000.0
    out = {"total": total, "before first callback": first, "callbacks in flight": busy,
           "rest": max(0.0, total - first - busy), "callbacks": track["calls"],
           "log": [(str(o)[:70], a / 1000.0, b / 1000.0) for o, a, b in track["log"] or []]}
    for key, label in CDP_METRICS.items():
        out[label] = after.get(key, 0.0) - before.get(key, 0.0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default=DEFAULT_SQLITE_URL)
    ap.add_argument("--court", default=None, help="court code (default: the first district court)")
    ap.add_argument("--rounds", type=int, default=7, help="rounds, the first a warm-up")
    ap.add_argument("--base", default=None,
                    help="time the app of this git revision instead of this checkout")
    ap.add_argument("--profile", action="store_true",
                    help="also split one warm visit of each page: before the first callback, "
                         "callbacks in flight, the rest; and the main thread's script, "
                         "layout and style time")
    ap.add_argument("--query", default="",
                    help="a query both pages open with, e.g. year=2025 (a whole year; by "
                         "default the pages open on the year in progress when there is one)")
    args = ap.parse_args()
    ensure_bench_user(args.db)
    court = args.court
    if court is None:
        from data.store import repository
        from data.store.db import make_engine

        engine = make_engine(args.db)
        with engine.connect() as conn:
            codes = repository.courts(conn)["court_code"]
            # A district court: most people's court, with every kind of data.
            court = str(next((c for c in codes if "-D" in c), codes.iloc[0]))
        engine.dispose()
    query = f"?{args.query.lstrip('?')}" if args.query else ""
    pages = {"minimal": None, "scorecard": "/" + query, "court": f"/court/{court}{query}"}
    times: dict[tuple[str, str], list[float]] = {(p, m): [] for p in pages
                                                 for m in ("warm", "cold")}
    logs = Path(tempfile.mkdtemp(prefix="first-render-"))
    tree = _worktree(args.base) if args.base else contextlib.nullcontext(ROOT)
    profiles = {}
    with tree as root, running_app(args.db, logs / "app.log", root) as app_url, \
            minimal_server(logs / "minimal.log") as minimal_url, chromium() as browser:
        if args.profile:
            for name, path in pages.items():
                base, signed = (minimal_url, False) if path is None else (app_url, True)
                profiles[name] = profile_visit(browser, base, path or "/", signed)
        for i in range(args.rounds):
            for mode in ("warm", "cold"):
                for name, path in pages.items():
                    base, signed = (minimal_url, False) if path is None else (app_url, True)
                    took = visit(browser, base, path or "/", signed, mode == "warm")
                    if i:
                        times[(name, mode)].append(took)
    print(f"first render in Chromium, {args.rounds - 1} rounds after a warm-up; app of "
          f"{args.base or 'this checkout'}; database {args.db}; court {court}"
          + (f"; pages opened with {query}" if query else ""))
    for mode in ("warm", "cold"):
        floor = statistics.median(times[("minimal", mode)])
        for name in pages:
            runs = times[(name, mode)]
            median = statistics.median(runs)
            print(f"  {mode:<4} {name:<9} median {median:.2f} s  ({median / floor:.1f}x the "
                  f"minimal page)  runs " + ", ".join(f"{r:.2f}" for r in runs))
    if profiles:
        keys = [k for k in next(iter(profiles.values())) if k not in ("callbacks", "log")]
        print("one warm visit, split (s):" + "".join(f"{k:>24}" for k in profiles))
        for key in keys:
            print(f"  {key:<23}" + "".join(f"{p[key]:>24.2f}" for p in profiles.values()))
        print(f"  {'callbacks sent':<23}" + "".join(f"{p['callbacks']:>24}"
                                                    for p in profiles.values()))
        for name, prof in profiles.items():
            print(f"callbacks of the {name} page (sent, answered, seconds after goto):")
            for output, sent, answered in sorted(prof["log"], key=lambda r: r[1]):
                print(f"  {sent:6.2f} {answered:6.2f}  {answered - sent:5.2f}  {output}")


if __name__ == "__main__":
    main()
