"""Pages benchmark: server-side time of every page's Dash callbacks on the national data.

    python -m bench.pages [--sqlite-url URL] [--pg-url URL] [--skip-postgres]
                          [--repeats 20] [--cold-rounds 5] [--out bench/out] [--profile 3]
                          [--redis [--redis-url URL]] [--payloads FILE [--skip-browser]]

0. Accounts: the app requires sign-in, so each database gets a ``bench`` account
   (role staff) when it has none; the browser and the replay client sign in as it.
1. Record: the app runs in a subprocess (``app.py --no-demo``) on the national SQLite
   database; headless Chromium (signed in) opens every page (and changes Year and Category like a
   user on ``/`` and on the KPI explorer) while every POST to ``/_dash-update-component``
   is captured (URL, JSON body, headers). They go to ``<out>/payloads.json``.
2. First render: for ``/`` and ``/kpi/clearance_rate``, the seconds from ``page.goto``
   until the network is idle and no element is ``data-dash-is-loading="true"`` (median
   of 3, a fresh browser context each), against the app running on each database.
3. Replay: per database, ``create_app({"DATABASE_URL": url})`` in this process and
   ``app.server.test_client()`` (signed in through /login, sending the ``_csrf_token``
   cookie back as X-CSRFToken like dash-renderer) POSTs every recorded payload
   ``--repeats`` times (plus one warm-up round, not counted), in rounds, each request
   timed with perf_counter. Statuses (200/204) and response JSON are checked.
   With ``--redis`` the app has the shared cache (``REDIS_URL``) switched on.
4. Cold process: ``--cold-rounds`` rounds, each on a fresh app (empty per-process
   caches): what the first viewer after an upload, or a new worker, waits. With
   ``--redis`` also a fresh app after flushing the Redis db (Redis cold) and a second
   fresh app right after it (Redis warm, process cold: a worker reusing what another
   one computed).
5. ``--profile N``: one cProfile'd replay of each of the N slowest callbacks.

The national PostgreSQL database lives in the schema ``bench_national`` of the server
(``?options=-csearch_path%3Dbench_national``); it is built with ``python -m data demo
--scale national --as-of 2026-01-01`` (``DEMO_AS_OF``: reproducible data through
2025) when it has no data or other demo data, and kept for the next run.

It prints a table and writes everything to ``<out>/pages.json`` (``pages_redis.json``
with ``--redis``). It never fails on
timing: the goals (callback p95 < 250 ms, first render < 3 s) are printed next to the
numbers. A non-zero exit means something errored.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import logging
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import dash
import pandas as pd
import plotly
import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.appserver import chromium, login, pg_reachable, running_app
from data.accounts import users
from data.derive.refresh import ready
from data.store.db import ROOT, database_url, make_engine

DEFAULT_SQLITE_URL = "sqlite:////work/nat.sqlite"
DEFAULT_PG_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "bench_national"
# The day the benchmark's demo data are extracted (data through 2025-12-31), so that
# runs on different days measure the same data.
DEMO_AS_OF = "2026-01-01"
DEMO_MARKER = f"national seed 0 as of {DEMO_AS_OF}"  # meta 'demo' of that data set
DB_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
GOAL_P95_MS = 250.0  # every callback request, server side
GOAL_FIRST_RENDER_S = 3.0  # page.goto until idle, in the browser
FIRST_RENDER_PATHS = ("/", "/kpi/clearance_rate")
FIRST_RENDER_RUNS = 3
IDLE_TIMEOUT_MS = 180_000  # national SQLite callbacks can take seconds
UPDATE_PATH = "/_dash-update-component"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"  # a db of its own: it is flushed
COLD_ROUNDS = 5
# The account the browser and the replay sign in with; created in the bench databases
# (never a real one) when missing. Staff: sees every court, like most readers.
BENCH_USER = "bench"
BENCH_ROLE = "staff"
BENCH_PASSWORD = os.environ.get("COURT_KPI_BENCH_PASSWORD", "bench-only-password")
CSRF_COOKIE = "_csrf_token"  # web.security.DASH_CSRF_COOKIE


# What the browser does: (step label, path to open or None to stay, [(control, option)]).
# A step with actions stays on the page opened before it and picks the options in order.
STEPS: list[tuple[str, str | None, list[tuple[str, str]]]] = [
    ("/", "/", []),
    ("/ + year 2023", None, [("year", "2023")]),
    ("/ + category Civil", None, [("category", "Civil")]),
    ("/kpi/clearance_rate", "/kpi/clearance_rate", []),
    ("/kpi/clearance_rate + year 2023", None, [("year", "2023")]),
    ("/kpi/clearance_rate + category Civil", None, [("category", "Civil")]),
    ("/kpi/clearance_rate?view=courts", "/kpi/clearance_rate?view=courts", []),
    ("/kpi/e_filing_rate?region=KZ-75&view=courts",
     "/kpi/e_filing_rate?region=KZ-75&view=courts", []),
    ("/kpi/disposition_time?region=KZ-75", "/kpi/disposition_time?region=KZ-75", []),
    ("/court/KZ75-D01", "/court/KZ75-D01", []),
    ("/outlook", "/outlook", []),
    ("/outlook?region=KZ-75", "/outlook?region=KZ-75", []),
    ("/simulate", "/simulate", []),
    ("/simulate?unit=KZ75-D01", "/simulate?unit=KZ75-D01", []),
    ("/compare?units=KZ-75,KZ-71,KZ75-D01", "/compare?units=KZ-75,KZ-71,KZ75-D01", []),
    ("/coverage", "/coverage", []),
    ("/workload", "/workload", []),
    ("/workload?region=KZ-75", "/workload?region=KZ-75", []),
]
# Headers of the browser's callback POSTs that are worth replaying (X-CSRFToken belongs to
# the browser's session: the replay sends its own).
KEPT_HEADERS = ("content-type", "accept")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the databases -------------------------------------------------------------------


def scoped_pg_url(url: str, schema: str) -> str:
    """``url`` with the search_path in it (``?options=-csearch_path%3D<schema>``)."""
    scoped = make_url(database_url(url)).update_query_dict(
        {"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False)


def _pg_state(url: str) -> tuple[int, str | None]:
    """(uploads, meta 'demo' value) of the scoped database; (0, None) when empty."""
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            if not sqlalchemy.inspect(conn).has_table("uploads"):
                return 0, None
            uploads = conn.execute(text("SELECT COUNT(*) FROM uploads")).scalar() or 0
            demo = conn.execute(text("SELECT value FROM meta WHERE key = 'demo'")).scalar()
            return int(uploads), demo
    finally:
        eng.dispose()


def ensure_pg_national(pg_url: str, out: Path) -> dict:
    """The national demo in schema ``bench_national``: reused when it holds data, else built."""
    admin = create_engine(database_url(pg_url))
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}"))
    finally:
        admin.dispose()
    url = scoped_pg_url(pg_url, PG_SCHEMA)
    uploads, demo = _pg_state(url)
    info: dict = {"schema": PG_SCHEMA, "url": make_url(url).render_as_string()}
    if uploads and demo == DEMO_MARKER:
        log(f"PostgreSQL: reusing schema {PG_SCHEMA} ({uploads} uploads, demo '{demo}')")
        info.update(built=False, uploads=uploads)
        return info
    why = "empty" if not uploads else (f"{uploads} uploads but demo marker {demo!r} "
                                       "(unfinished or other demo data)")
    log(f"PostgreSQL: schema {PG_SCHEMA} is {why}; building the national demo "
        f"(python -m data demo --scale national --as-of {DEMO_AS_OF}, a few minutes)")
    t = time.perf_counter()
    with open(out / "pg_national_build.log", "w") as fh:
        subprocess.run([sys.executable, "-m", "data", "demo", "--scale", "national",
                        "--as-of", DEMO_AS_OF, "--db", url], cwd=ROOT, stdout=fh,
                       stderr=subprocess.STDOUT, check=True, timeout=1800)
    info.update(built=True, build_seconds=time.perf_counter() - t,
                uploads=_pg_state(url)[0])
    log(f"  built in {info['build_seconds']:.0f} s")
    return info


def git_state() -> dict:
    """HEAD and the app files with uncommitted changes (the numbers belong to that code)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=30).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = git("status", "--porcelain", "--", "app.py", "callbacks", "layouts", "data",
                  "kpi").splitlines()
    return {"head": git("rev-parse", "--short", "HEAD"),
            "changed": [line[3:] for line in changed]}


def db_summary(url: str) -> dict:
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            q = {k: f"SELECT COUNT(*) FROM {k}" for k in ("courts", "regions", "kpi_values",
                                                          "facts", "uploads")}
            res = {k: int(conn.execute(text(s)).scalar()) for k, s in q.items()}
            res["cases"] = int(conn.execute(text("SELECT COUNT(*) FROM cases")).scalar())
        return res
    except Exception as exc:  # only informative
        return {"error": str(exc).splitlines()[0]}
    finally:
        eng.dispose()


def ensure_bench_user(url: str) -> dict:
    """The ``bench`` account (staff) with the bench password in this database.

    Runs ``init_db`` first (migrations to head, the database's instance id that keeps
    its Redis entries apart from another database's); both are no-ops when done.
    """
    engine = make_engine(url)
    try:
        ready(engine)
        with engine.begin() as conn:
            account = users.get(conn, BENCH_USER)
            if account is None:
                users.add_user(conn, BENCH_USER, BENCH_ROLE, BENCH_PASSWORD)
                return {"user": BENCH_USER, "created": True}
            if account.role not in ("staff", "admin") or not account.active:
                users.change(conn, BENCH_USER, role=BENCH_ROLE, active=True)
            if users.authenticate(conn, BENCH_USER, BENCH_PASSWORD) is None:
                users.set_password(conn, BENCH_USER, BENCH_PASSWORD)
        return {"user": BENCH_USER, "created": False}
    finally:
        engine.dispose()


# --- the app in a subprocess, the browser -------------------------------------------


LOADING_JS = "() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length"
# Long main-thread tasks (rendering), collected from the start of every page.
LONGTASK_JS = ("window.__longtasks = []; try { new PerformanceObserver(l => l.getEntries()"
               ".forEach(e => window.__longtasks.push(e.duration))).observe({type: 'longtask',"
               " buffered: true}); } catch (e) {}")


class CallbackTracker:
    """Callback POSTs of a page: how many are in flight, when the last one moved."""

    def __init__(self, pg) -> None:
        self.inflight = 0
        self.last = time.perf_counter()
        self.finished: list[float] = []
        pg.on("request", self._start)
        pg.on("requestfinished", self._end)
        pg.on("requestfailed", self._end)

    @staticmethod
    def _is_callback(req) -> bool:
        return req.method == "POST" and urlsplit(req.url).path == UPDATE_PATH

    def _start(self, req) -> None:
        if self._is_callback(req):
            self.inflight += 1
            self.last = time.perf_counter()

    def _end(self, req) -> None:
        if self._is_callback(req):
            self.inflight -= 1
            self.last = time.perf_counter()
            self.finished.append(self.last)


def settle(pg, tracker: CallbackTracker, quiet: float = 1.0,
           timeout: float = IDLE_TIMEOUT_MS / 1000) -> float:
    """Wait until no callback is in flight, nothing is loading and the page answers at once,
    for ``quiet`` seconds; returns the perf_counter time at which that state began.

    Playwright's "networkidle" alone is not enough: after a click in the page (no
    navigation) it returns at once, and after a goto it can fire while the renderer is
    still busy drawing and has the next (chained) callbacks still to send.
    """
    deadline = time.perf_counter() + timeout
    idle_since: float | None = None
    while True:
        t = time.perf_counter()
        loading = pg.evaluate(LOADING_JS)
        now = time.perf_counter()
        # A slow evaluate means the main thread was busy (rendering): not idle yet.
        idle = loading == 0 and tracker.inflight == 0 and now - t < 0.25
        if not idle or (idle_since is not None and tracker.last > idle_since):
            idle_since = None
        elif idle_since is None:
            idle_since = t
        elif now - idle_since >= quiet:
            return idle_since
        if now > deadline:
            raise TimeoutError(f"page not idle after {timeout:.0f} s "
                               f"({tracker.inflight} callbacks in flight, {loading} loading)")
        pg.wait_for_timeout(100)


def _by_id(pg, kind: str, **keys: str):
    dash_id = json.dumps({"type": kind, **keys}, sort_keys=True, separators=(",", ":"))
    return pg.locator(f"[id='{dash_id}']")


def choose(pg, tracker: CallbackTracker, control: str, option: str) -> float:
    """Open a dropdown control and pick the option with this visible text, as a user."""
    _by_id(pg, "control", name=control).click()
    # assets/a11y.js makes an open list's options native radios: click the label a
    # person clicks (as tests/browser/conftest.dropdown_option does).
    exact = re.compile(f"^{re.escape(option)}$")
    pg.locator(".dash-dropdown-content label").filter(
        has=pg.locator(".dash-options-list-option-text").get_by_text(exact)).click()
    return settle(pg, tracker)


def record(base: str, browser) -> tuple[list[dict], list[str], dict]:
    """Every callback POST the browser makes while walking STEPS, labelled by step."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    login(context, base, BENCH_USER, BENCH_PASSWORD)
    pg = context.new_page()
    tracker = CallbackTracker(pg)
    captured: list[dict] = []
    problems: list[str] = []
    step_seconds: dict[str, float] = {}
    current = {"step": None}
    by_request: dict = {}

    def on_request(req) -> None:
        if not CallbackTracker._is_callback(req):
            return
        parts = urlsplit(req.url)
        headers = {k: v for k, v in req.headers.items() if k.lower() in KEPT_HEADERS}
        entry = {"step": current["step"], "seq": len(captured),
                 "url": parts.path + (f"?{parts.query}" if parts.query else ""),
                 "headers": headers, "body": json.loads(req.post_data or "null")}
        captured.append(entry)
        by_request[id(req)] = (req, entry)

    def on_finished(req) -> None:
        hit = by_request.get(id(req))
        if hit is None:
            return
        entry = hit[1]
        resp = req.response()
        entry["browser_status"] = resp.status if resp else None
        timing = req.timing
        if timing and timing.get("responseEnd", -1) >= 0:
            entry["browser_ms"] = timing["responseEnd"]

    def on_failed(req) -> None:
        hit = by_request.get(id(req))
        if hit is not None:
            hit[1]["failed"] = req.failure
        problems.append(f"[{current['step']}] request failed: {req.url} {req.failure}")

    pg.on("request", on_request)
    pg.on("requestfinished", on_finished)
    pg.on("requestfailed", on_failed)
    pg.on("response", lambda r: problems.append(f"[{current['step']}] HTTP {r.status} {r.url}")
          if r.status >= 500 else None)
    pg.on("pageerror", lambda e: problems.append(f"[{current['step']}] page error: {e}"))
    pg.on("console", lambda m: problems.append(f"[{current['step']}] console {m.type}: "
                                               f"{m.text}") if m.type == "error" else None)
    try:
        for label, path, actions in STEPS:
            current["step"] = label
            t = time.perf_counter()
            if path is not None:
                pg.goto(base + path)
                done = settle(pg, tracker)
            for control, option in actions:
                done = choose(pg, tracker, control, option)
            step_seconds[label] = done - t
            n = sum(1 for c in captured if c["step"] == label)
            log(f"  {label}: {n} callback requests, idle after {done - t:.1f} s")
    finally:
        context.close()
    return captured, problems, step_seconds


def first_render(base: str, browser, path: str, runs: int) -> dict:
    """Seconds from page.goto until idle, per run (a fresh context each: cold HTTP cache)."""
    idle, last_response, longest, long_total = [], [], [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        login(context, base, BENCH_USER, BENCH_PASSWORD)  # outside the timing
        context.add_init_script(LONGTASK_JS)
        pg = context.new_page()
        tracker = CallbackTracker(pg)
        try:
            t = time.perf_counter()
            pg.goto(base + path)
            pg.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)
            done = settle(pg, tracker)
            idle.append(done - t)
            ends = [x for x in tracker.finished if x <= done]
            last_response.append((max(ends) - t) if ends else float("nan"))
            tasks = pg.evaluate("() => window.__longtasks || []")
            longest.append(max(tasks) / 1000 if tasks else 0.0)
            long_total.append(sum(tasks) / 1000)
        finally:
            context.close()
    return {"path": path, "runs": idle, "seconds": statistics.median(idle),
            "last_response_runs": last_response,
            "last_response_seconds": statistics.median(last_response),
            "longest_task_runs": longest, "longest_task_seconds": statistics.median(longest),
            "long_tasks_total_runs": long_total,
            "long_tasks_total_seconds": statistics.median(long_total)}


def browser_phase(url: str, out: Path, label: str, record_payloads: bool) -> dict:
    """Start the app on ``url``; record payloads (optionally); time first renders."""
    res: dict = {}
    with running_app(url, out / f"app_{label}.log") as base, chromium() as browser:
        log(f"{DB_LABEL[label]}: app at {base}")
        if record_payloads:
            log(f"{DB_LABEL[label]}: recording callback requests in Chromium")
            payloads, problems, step_seconds = record(base, browser)
            res["payloads"], res["problems"] = payloads, problems
            res["step_seconds"] = step_seconds
            for p in problems:
                log(f"  browser problem: {p}")
        log(f"{DB_LABEL[label]}: first render x{FIRST_RENDER_RUNS}")
        res["first_render"] = {}
        for path in FIRST_RENDER_PATHS:
            fr = first_render(base, browser, path, FIRST_RENDER_RUNS)
            res["first_render"][path] = fr
            log(f"  {path}: median {fr['seconds']:.2f} s "
                f"(runs {', '.join(f'{x:.2f}' for x in fr['runs'])}; last callback response "
                f"{fr['last_response_seconds']:.2f} s, longest main-thread task "
                f"{fr['longest_task_seconds']:.2f} s)")
    return res


# --- replay in-process ---------------------------------------------------------------


def _output_short(output: str) -> str:
    """``..a.children...{"chart":"map",...}.figure..`` -> ``a.children, map.figure``."""
    parts = [p for p in output.strip(".").split("...") if p]
    short = []
    for part in parts:
        part = part.split("@")[0]
        if part.startswith("{"):
            end = part.rfind("}")
            try:
                ident = json.loads(part[:end + 1])
                name = ident.get("chart") or ident.get("name") or ident.get("page")
                name = f"{ident.get('type')}:{name}" if name else part[:end + 1]
            except json.JSONDecodeError:
                name = part[:end + 1]
            short.append(name + part[end + 1:])
        else:
            short.append(part)
    text_ = ", ".join(short)
    return text_ if len(text_) <= 70 else text_[:67] + "..."


def callback_name(app: dash.Dash, body: dict) -> str:
    """The Python function behind a request, with the chart it served for MATCH callbacks."""
    output = body.get("output", "")
    entry = app.callback_map.get(output) or {}
    fn = entry.get("callback")
    fn = getattr(fn, "__wrapped__", fn)
    name = getattr(fn, "__name__", None) or _output_short(output)
    if "_pages_content" in output:
        name = "dash_pages_router"  # dash's own use_pages callback: renders the page layout
    if "MATCH" in output:
        outs = body.get("outputs")
        first = outs[0] if isinstance(outs, list) else outs
        ident = (first or {}).get("id")
        if isinstance(ident, dict) and ident.get("chart"):
            name += f"[{ident['chart']}]"
    return name


def _check(resp) -> str | None:
    """None when the response is a good callback answer, else what is wrong."""
    if resp.status_code == 204:
        return None
    if resp.status_code != 200:
        return f"HTTP {resp.status_code}: {resp.get_data(as_text=True)[:200]}"
    try:
        data = json.loads(resp.get_data())
    except ValueError as exc:
        return f"not JSON: {exc}"
    if not isinstance(data, dict) or "response" not in data:
        return f"unexpected JSON: {str(data)[:200]}"
    if data.get("error") or data.get("dash_error"):
        return f"error in JSON: {str(data.get('error') or data.get('dash_error'))[:200]}"
    return None


class Replayer:
    """Flask's test client of ``app``, signed in as the bench account like a browser.

    Through the real /login form (its csrf_token field), then one page view, which sets
    the ``_csrf_token`` cookie that dash-renderer sends back as X-CSRFToken on every
    callback (and makes Dash register its page callbacks); ``post`` does the same.
    """

    def __init__(self, app: dash.Dash) -> None:
        self.app = app
        self.client = app.server.test_client()
        form = self.client.get("/login").get_data(as_text=True)
        match = re.search(r'name="csrf_token" value="([^"]+)"', form)
        if match is None:
            raise RuntimeError("no csrf_token field in the /login form")
        resp = self.client.post("/login", data={
            "username": BENCH_USER, "password": BENCH_PASSWORD,
            "csrf_token": match.group(1), "next": "/health"})
        if resp.status_code != 302 or resp.headers.get("Location", "").startswith("/login"):
            raise RuntimeError(f"could not sign in as {BENCH_USER}: HTTP {resp.status_code}")
        self.client.get("/")
        cookie = self.client.get_cookie(CSRF_COOKIE)
        if cookie is None:
            raise RuntimeError(f"signed in, but the app set no {CSRF_COOKIE} cookie")
        self.auth = {"X-CSRFToken": cookie.value}

    def post(self, p: dict):
        return self.client.post(p["url"], data=p["raw"], headers={**p["headers"], **self.auth})

    def dispose(self) -> None:
        self.app.server.extensions["court_kpi_engine"].dispose()


def prepare(payloads: list[dict]) -> list[dict]:
    out = []
    for p in payloads:
        # An older recording kept the browser's own X-CSRFToken: the replay sends its own.
        headers = {k: v for k, v in p["headers"].items() if k.lower() in KEPT_HEADERS}
        headers.setdefault("content-type", "application/json")
        out.append({**p, "headers": headers, "raw": json.dumps(p["body"])})
    return out


def replay(rp: Replayer, payloads: list[dict], repeats: int) -> dict:
    """POST each payload once to warm up, then ``repeats`` rounds; seconds per request."""
    client = rp.client
    layout_times: list[float] = []
    times: list[list[float]] = [[] for _ in payloads]
    sizes = [0] * len(payloads)
    statuses = [None] * len(payloads)
    errors: list[dict] = []
    for rnd in range(repeats + 1):
        t = time.perf_counter()
        r = client.get("/_dash-layout")
        if rnd:
            layout_times.append(time.perf_counter() - t)
        for i, p in enumerate(payloads):
            t = time.perf_counter()
            resp = rp.post(p)
            elapsed = time.perf_counter() - t
            problem = _check(resp)
            if problem:
                errors.append({"round": rnd, "seq": p["seq"], "step": p["step"],
                               "problem": problem})
            if rnd:
                times[i].append(elapsed)
            else:
                sizes[i] = len(resp.get_data())
                statuses[i] = resp.status_code
        if rnd == 0:
            log(f"  warm-up round done; {repeats} timed rounds of {len(payloads)} requests")
    assert r.status_code == 200, f"GET /_dash-layout: HTTP {r.status_code}"
    names = [callback_name(rp.app, p["body"]) for p in payloads]
    requests = [{"seq": p["seq"], "step": p["step"], "callback": n,
                 "output": p["body"].get("output"), "status": s, "response_bytes": b,
                 "seconds": ts}
                for p, n, s, b, ts in zip(payloads, names, statuses, sizes, times)]
    return {"requests": requests, "errors": errors, "dash_layout_seconds": layout_times}


def pct(xs: list[float], q: float) -> float:
    """Percentile by linear interpolation (numpy's default), q in 0..100."""
    s = sorted(xs)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summarise(rep: dict, repeats: int) -> dict:
    """p50/p95 per callback (overall and per step), per step (sum per round), baseline."""
    reqs = rep["requests"]
    by_cb: dict[str, list[float]] = defaultdict(list)
    by_step_cb: dict[tuple[str, str], list[list[float]]] = defaultdict(list)
    for r in reqs:
        by_cb[r["callback"]].extend(r["seconds"])
        by_step_cb[(r["step"], r["callback"])].append(r)
    callbacks = {name: {"p50": pct(ts, 50), "p95": pct(ts, 95), "n": len(ts)}
                 for name, ts in by_cb.items()}
    steps = {}
    for label, *_ in STEPS:
        mine = [r for r in reqs if r["step"] == label]
        if not mine:
            continue
        per_round = [sum(r["seconds"][k] for r in mine) for k in range(repeats)]
        cbs = {}
        for r in mine:
            cb = cbs.setdefault(r["callback"], {"requests": 0, "times": [], "bytes": 0})
            cb["requests"] += 1
            cb["times"].extend(r["seconds"])
            cb["bytes"] += r["response_bytes"]
        cb_stats = {n: {"requests": c["requests"], "p50": pct(c["times"], 50),
                        "p95": pct(c["times"], 95), "response_bytes": c["bytes"]}
                    for n, c in cbs.items()}
        worst = max(cb_stats, key=lambda n: cb_stats[n]["p95"])
        steps[label] = {"requests": len(mine), "sum_p50": pct(per_round, 50),
                        "sum_p95": pct(per_round, 95), "worst_callback": worst,
                        "worst_p95": cb_stats[worst]["p95"], "callbacks": cb_stats}
    base = [t for r in reqs if r["callback"] == "year_options" for t in r["seconds"]]
    baseline = {"callback": "year_options", "p50": pct(base, 50), "p95": pct(base, 95),
                "n": len(base)}
    layout = rep["dash_layout_seconds"]
    worst = max(callbacks, key=lambda n: callbacks[n]["p95"])
    return {"callbacks": callbacks, "steps": steps, "baseline": baseline,
            "flask_route": {"route": "GET /_dash-layout", "p50": pct(layout, 50),
                            "p95": pct(layout, 95), "n": len(layout)},
            "worst_callback": {"callback": worst, **callbacks[worst]},
            "goal_met": sum(1 for c in callbacks.values() if c["p95"] < GOAL_P95_MS / 1000),
            "load_avg": os.getloadavg()}


def build_app(url: str, redis_url: str | None = None) -> dash.Dash:
    from app import create_app

    config = {"DATABASE_URL": url}
    if redis_url:
        config["REDIS_URL"] = redis_url
    app = create_app(config)
    # One JSON line per request on stderr would bury the results; warnings still show.
    logging.getLogger("court_kpi").setLevel(logging.WARNING)
    return app


def _props(items: list) -> list[str | None]:
    """Property of each recorded input or state (None for an empty ALL list)."""
    return [i["property"] if isinstance(i, dict) else (i[0]["property"] if i else None)
            for i in items]


def stale(app: dash.Dash, payloads: list[dict]) -> list[dict]:
    """Payloads whose callback no longer has the recorded inputs and states (code changed).

    Call after a signed-in page view: Dash registers its pages callbacks on the first
    request it sees.
    """
    bad = []
    for p in payloads:
        body = p["body"]
        entry = app.callback_map.get(body.get("output"))
        why = None
        if entry is None:
            why = "no callback with this output"
        else:
            for kind in ("inputs", "state"):
                now = [i["property"] for i in entry[kind]]
                then = _props(body.get(kind, []))
                if len(now) != len(then) or any(b is not None and a != b
                                                for a, b in zip(now, then)):
                    why = f"{kind} now {now}, recorded {then}"
                    break
        if why:
            bad.append({"seq": p["seq"], "step": p["step"], "output": body.get("output"),
                        "why": why})
    return bad


def run_replay(label: str, url: str, payloads: list[dict], repeats: int, apps: dict,
               redis_url: str | None = None) -> dict:
    t = time.perf_counter()
    if redis_url:
        flush_redis(redis_url)
    rp = Replayer(build_app(url, redis_url))
    apps[label] = rp
    bad = stale(rp.app, payloads)
    if bad:
        log(f"{DB_LABEL[label]}: {len(bad)} recorded requests do not fit the callbacks of "
            f"this checkout (the code changed since the recording; re-record): first "
            f"{bad[0]['output'][:60]}: {bad[0]['why']}; they are left out")
        skip = {b["seq"] for b in bad}
        payloads = [p for p in payloads if p["seq"] not in skip]
    log(f"{DB_LABEL[label]}: create_app{' with Redis' if redis_url else ''} and replay of "
        f"{len(payloads)} requests x{repeats} (+1 warm-up)")
    rep = replay(rp, payloads, repeats)
    rep["stale"] = bad
    rep["redis_url"] = redis_url
    rep["seconds"] = time.perf_counter() - t
    rep["summary"] = summarise(rep, repeats)
    if rep["errors"]:
        log(f"  {len(rep['errors'])} bad responses, first: {rep['errors'][0]}")
    log(f"  done in {rep['seconds']:.0f} s")
    return rep


# --- cold process ------------------------------------------------------------------

COLD_MODES = {  # key: (column title, what it is)
    "no_redis": ("no Redis", "fresh app, no shared cache: every look-up reads the database"),
    "redis_cold": ("Redis flushed", "Redis db flushed, then a fresh app: reads the database "
                                    "and fills Redis"),
    "redis_warm": ("Redis warm", "a second fresh app right after: Redis holds what the "
                                 "first computed, the process caches are empty"),
}


def flush_redis(url: str) -> None:
    """Empty the bench's own Redis db (only the db number in ``url``)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def clear_process_caches() -> None:
    """Empty the functools caches of the app's own modules, as in a new worker process."""
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in ("callbacks", "layouts", "data",
                                                         "kpi", "web"):
            continue
        for value in list(vars(module).values()):
            if getattr(value, "__module__", None) == name and callable(
                    getattr(value, "cache_clear", None)):
                value.cache_clear()


def cold_round(url: str, payloads: list[dict], redis_url: str | None) -> dict:
    """Every payload once, in recorded order, on a fresh app (a cold process)."""
    clear_process_caches()
    t = time.perf_counter()
    rp = Replayer(build_app(url, redis_url))
    setup = time.perf_counter() - t
    times, errors = [], []
    try:
        for p in payloads:
            t = time.perf_counter()
            resp = rp.post(p)
            times.append(time.perf_counter() - t)
            problem = _check(resp)
            if problem:
                errors.append({"seq": p["seq"], "step": p["step"], "problem": problem})
    finally:
        rp.dispose()
    return {"setup_seconds": setup, "seconds": times, "errors": errors}


def run_cold(label: str, url: str, payloads: list[dict], names: dict[int, str],
             rounds: int, redis_url: str | None) -> dict:
    """``rounds`` cold rounds per mode, the modes interleaved (noise hits them alike)."""
    modes = ["no_redis"] + (["redis_cold", "redis_warm"] if redis_url else [])
    log(f"{DB_LABEL[label]}: cold process, {rounds} rounds of {len(payloads)} requests on a "
        f"fresh app each ({', '.join(COLD_MODES[m][0] for m in modes)})")
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    t = time.perf_counter()
    for _ in range(rounds):
        runs["no_redis"].append(cold_round(url, payloads, None))
        if redis_url:
            flush_redis(redis_url)
            runs["redis_cold"].append(cold_round(url, payloads, redis_url))
            runs["redis_warm"].append(cold_round(url, payloads, redis_url))
    res: dict = {"rounds": rounds, "modes": {}, "seconds": time.perf_counter() - t}
    for mode, rs in runs.items():
        requests = [{"seq": p["seq"], "step": p["step"], "callback": names[p["seq"]],
                     "response_bytes": 0, "seconds": [r["seconds"][i] for r in rs]}
                    for i, p in enumerate(payloads)]
        rep = {"requests": requests, "dash_layout_seconds": [],
               "errors": [e for r in rs for e in r["errors"]],
               "setup_seconds": [r["setup_seconds"] for r in rs],
               "round_seconds": [sum(r["seconds"]) for r in rs]}
        rep["summary"] = summarise(rep, rounds)
        res["modes"][mode] = rep
        if rep["errors"]:
            log(f"  {mode}: {len(rep['errors'])} bad responses, first: {rep['errors'][0]}")
    log(f"  done in {res['seconds']:.0f} s")
    return res


# --- profile -------------------------------------------------------------------------


def profile_callbacks(results: dict, payloads: list[dict], apps: dict, out: Path,
                      n: int, top: int = 15) -> list[dict]:
    """One cProfile'd request for each of the ``n`` slowest callbacks (by p95)."""
    ranked = []
    for label, rep in results["replay"].items():
        for name, c in rep.get("summary", {}).get("callbacks", {}).items():
            ranked.append((c["p95"], name, label))
    ranked.sort(reverse=True)
    chosen, seen = [], set()
    for p95, name, label in ranked:
        if name not in seen and label in apps:
            seen.add(name)
            chosen.append((p95, name, label))
        if len(chosen) == n:
            break
    roots = tuple(str(ROOT / d) + os.sep for d in ("callbacks", "data", "kpi", "layouts"))
    profiles = []
    for p95, name, label in chosen:
        reqs = [r for r in results["replay"][label]["requests"] if r["callback"] == name]
        slow = max(reqs, key=lambda r: statistics.median(r["seconds"]))
        payload = next(p for p in payloads if p["seq"] == slow["seq"])
        rp = apps[label]
        rp.post(payload)  # warm
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.enable()
        resp = rp.post(payload)
        prof.disable()
        seconds = time.perf_counter() - t
        slug = re.sub(r"[^A-Za-z0-9_]+", "_", f"{label}_{name}").strip("_")
        prof_path = out / f"pages_{slug}.prof"
        prof.dump_stats(prof_path)
        stats = pstats.Stats(prof).stats
        mine = [(k, v) for k, v in stats.items() if k[0].startswith(roots)]
        mine.sort(key=lambda kv: kv[1][3], reverse=True)
        entries = [{"function": f"{Path(k[0]).relative_to(ROOT)}:{k[1]}({k[2]})",
                    "ncalls": v[1], "tottime": v[2], "cumtime": v[3]} for k, v in mine[:top]]
        total = pstats.Stats(prof)
        profiles.append({"callback": name, "database": label, "step": slow["step"],
                         "seq": slow["seq"], "p95": p95, "seconds": seconds,
                         "status": resp.status_code, "total_tt": total.total_tt,
                         "prof": str(prof_path), "top_cumulative": entries})
        log(f"profiled {name} on {DB_LABEL[label]} ({slow['step']}): {seconds * 1000:.0f} ms")
    return profiles


# --- output --------------------------------------------------------------------------


def _ms(x: float | None) -> str:
    return "-" if x is None or x != x else f"{x * 1000:.0f}"


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render(results: dict) -> str:
    rec = results.get("recording", {})
    dbs = [d for d in ("sqlite", "postgresql") if "summary" in results["replay"].get(d, {})]
    lines = [f"Pages benchmark: {len(rec.get('payloads', []))} recorded callback requests "
             f"over {len(STEPS)} steps, {results['repeats']} timed repeats each (+1 warm-up); "
             f"{results['machine']['cpus']} CPUs; {results['started']}; " + (
                 f"Redis shared cache ON ({results['redis_url']})" if results.get("redis_url")
                 else "no Redis (per-process cache only)")]
    code = results.get("code", {}).get("start", {})
    lines.append(f"code: {code.get('head', '?')}" + (
        f" with uncommitted changes in {', '.join(code['changed'])}" if code.get("changed")
        else "") + ("; CHANGED during the run" if results.get("code", {}).get("replay")
                    not in (None, code) else ""))
    for d in ("sqlite", "postgresql"):
        info = results["databases"].get(d, {})
        rep = results["replay"].get(d, {})
        if "summary" not in rep:
            lines.append(f"{DB_LABEL[d]}: not measured ({rep.get('skipped') or rep.get('error')})")
            continue
        s = info.get("summary", {})
        lines.append(f"{DB_LABEL[d]}: {info.get('url')} — {s.get('courts', '?')} courts, "
                     f"{s.get('cases', 0):,} cases, {s.get('kpi_values', 0):,} KPI cells; "
                     f"load avg during replay {rep['summary']['load_avg'][0]:.2f}")
    if not dbs:
        return "\n".join(lines)
    R = {d: results["replay"][d]["summary"] for d in dbs}
    w0, w = 52, 19
    head = f"{'':<{w0}}" + "".join(f"{DB_LABEL[d] + ' p50/p95':>{w}}" for d in dbs)
    rule = "-" * (len(head) + 4)
    out = [*lines, rule]

    def row(label: str, cells: list[str], tail: str = "") -> None:
        out.append(f"{label:<{w0}}" + "".join(f"{c:>{w}}" for c in cells)
                   + (f"   {tail}" if tail else ""))

    def pair(x: dict | None, a: str = "p50", b: str = "p95") -> str:
        return "-" if not x else f"{_ms(x[a])} / {_ms(x[b])}"

    out.append("per callback, all steps pooled (ms)")
    out.append(head)
    names = sorted({n for d in dbs for n in R[d]["callbacks"]},
                   key=lambda n: -max(R[d]["callbacks"].get(n, {"p95": 0})["p95"] for d in dbs))
    for n in names:
        row(f"  {n}", [pair(R[d]["callbacks"].get(n)) for d in dbs],
            "(baseline)" if n == "year_options" else "")
    out.append(rule)
    out.append("per page step (ms): each callback request, then 'page' = sum of the step's "
               "requests per round")
    out.append(head)
    for label, *_ in STEPS:
        present = [d for d in dbs if label in R[d]["steps"]]
        if not present:
            continue
        st = {d: R[d]["steps"].get(label) for d in dbs}
        n_req = st[present[0]]["requests"]
        settled = results["browser"].get("sqlite", {}).get("step_seconds", {}).get(label)
        row(f"{label[:w0 - 1]}", [""] * len(dbs),
            "" if settled is None else f"(browser, SQLite, recording: idle after {settled:.1f} s)")
        cbs = list(st[present[0]]["callbacks"])
        for n in cbs:
            c = st[present[0]]["callbacks"][n]
            kb = c["response_bytes"] / 1024
            tag = f"  {c['requests']}x {n}" + (f" ({kb:.0f} KB)" if kb >= 1 else "")
            row(tag[:w0 - 1], [pair((st[d] or {}).get("callbacks", {}).get(n)) for d in dbs])
        row(f"  page: {n_req} requests, sum", [pair(st[d], "sum_p50", "sum_p95") for d in dbs],
            "")
        row("  page p95 / baseline p95", [
            f"{st[d]['sum_p95'] / R[d]['baseline']['p95']:.0f}x" if st[d] else "-"
            for d in dbs])
        row("  slowest callback p95 vs goal", [
            f"{_ms(st[d]['worst_p95'])} {_met(st[d]['worst_p95'] < GOAL_P95_MS / 1000)}"
            if st[d] else "-" for d in dbs], f"< {GOAL_P95_MS:.0f} ms")
    out.append(rule)
    row("baseline: year_options callback", [pair(R[d]["baseline"]) for d in dbs])
    row("reference: GET /_dash-layout (Flask route)", [pair(R[d]["flask_route"]) for d in dbs])
    row("worst callback (p95 ms)", [f"{R[d]['worst_callback']['callback'][:w - 7]} "
                                    f"{_ms(R[d]['worst_callback']['p95'])}" for d in dbs])
    row(f"goal p95 < {GOAL_P95_MS:.0f} ms: callbacks meeting it",
        [f"{R[d]['goal_met']}/{len(R[d]['callbacks'])}" for d in dbs])
    for d in dbs:
        wc = R[d]["worst_callback"]
        out.append(f"goal p95 < {GOAL_P95_MS:.0f} ms on {DB_LABEL[d]}: "
                   f"{_met(wc['p95'] < GOAL_P95_MS / 1000)} — worst callback {wc['callback']} "
                   f"p95 {_ms(wc['p95'])} ms = {wc['p95'] * 1000 / GOAL_P95_MS:.1f}x the goal, "
                   f"{wc['p95'] / R[d]['baseline']['p95']:.0f}x the year_options baseline; "
                   f"{R[d]['goal_met']} of {len(R[d]['callbacks'])} callbacks meet it")
    out.append(rule)
    fr_dbs = [d for d in ("sqlite", "postgresql")
              if results["browser"].get(d, {}).get("first_render")]
    if fr_dbs:
        out.append(f"first render in Chromium (s, median of {FIRST_RENDER_RUNS}): page.goto "
                   "until no callback in flight and nothing loading; [last callback response "
                   "| longest main-thread task]")
        for path in FIRST_RENDER_PATHS:
            cells = []
            for d in fr_dbs:
                fr = results["browser"][d]["first_render"].get(path)
                cells.append("-" if not fr else
                             f"{fr['seconds']:.2f} {_met(fr['seconds'] < GOAL_FIRST_RENDER_S)} "
                             f"[{fr['last_response_seconds']:.2f} | "
                             f"{fr['longest_task_seconds']:.2f}]")
            out.append(f"  {path:<20}" + "".join(f"{DB_LABEL[d]}: {c:<30}"
                                                 for d, c in zip(fr_dbs, cells))
                       + f"goal < {GOAL_FIRST_RENDER_S:g} s")
    for d in ("sqlite", "postgresql"):
        for key in ("error",):
            if results["browser"].get(d, {}).get(key):
                out.append(f"browser on {DB_LABEL[d]}: {results['browser'][d][key]}")
    for d in dbs:
        if results["replay"][d].get("stale"):
            st = results["replay"][d]["stale"]
            out.append(f"{DB_LABEL[d]}: {len(st)} recorded requests left out, their callback "
                       f"changed since the recording (first: {st[0]['why']})")
    errs = {d: results["replay"][d].get("errors", []) for d in dbs}
    for d in dbs:
        if errs[d]:
            out.append(f"{DB_LABEL[d]}: {len(errs[d])} bad responses, first: {errs[d][0]}")
    if rec.get("problems"):
        out.append(f"browser problems while recording: {len(rec['problems'])}, first: "
                   f"{rec['problems'][0]}")
    return "\n".join(out)


W0, W = 40, 17  # widths of the cold-process table


def render_cold(results: dict) -> str:
    """Per database: p50/p95 per callback of the cold rounds, one column per mode."""
    out: list[str] = []
    for d in ("sqlite", "postgresql"):
        cold = results["cold"].get(d)
        if not cold:
            continue
        if "modes" not in cold:
            out.append(f"cold process on {DB_LABEL[d]}: not measured ({cold.get('error')})")
            continue
        modes = list(cold["modes"])
        R = {m: cold["modes"][m]["summary"] for m in modes}
        out.append(f"cold process on {DB_LABEL[d]}: {cold['rounds']} rounds, each every "
                   "recorded request once in order on a fresh app (p50 / p95 ms)")
        for m in modes:
            out.append(f"  {COLD_MODES[m][0]}: {COLD_MODES[m][1]}")
        head = f"{'':<{W0}}" + "".join(f"{COLD_MODES[m][0]:>{W}}" for m in modes)
        out.append(head)
        out.append("-" * (len(head) + 4))

        def row(label: str, cells: list[str], tail: str = "") -> None:
            out.append(f"{label[:W0 - 1]:<{W0}}" + "".join(f"{c:>{W}}" for c in cells)
                       + (f"   {tail}" if tail else ""))

        names = sorted(R[modes[0]]["callbacks"],
                       key=lambda n: -R[modes[0]]["callbacks"][n]["p95"])
        for n in names:
            row(f"  {n}", [f"{_ms(R[m]['callbacks'][n]['p50'])} / "
                           f"{_ms(R[m]['callbacks'][n]['p95'])}" for m in modes])
        row("  every request of a round, sum", [
            f"{statistics.mean(cold['modes'][m]['round_seconds']):.2f} s" for m in modes],
            "(mean of the rounds)")
        row("  create_app + sign-in (not summed)", [
            f"{statistics.median(cold['modes'][m]['setup_seconds']):.2f} s" for m in modes])
        row("  slowest callback p95 vs goal", [
            f"{_ms(R[m]['worst_callback']['p95'])} "
            f"{_met(R[m]['worst_callback']['p95'] < GOAL_P95_MS / 1000)}" for m in modes],
            f"< {GOAL_P95_MS:.0f} ms")
        row("  callbacks meeting the goal", [
            f"{R[m]['goal_met']}/{len(R[m]['callbacks'])}" for m in modes])
        if "redis_warm" in R:
            worst = R["no_redis"]["worst_callback"]["callback"]
            a = R["no_redis"]["callbacks"][worst]["p95"]
            b = R["redis_warm"]["callbacks"][worst]["p95"]
            out.append(f"  Redis warm vs no Redis, cold process: {worst} p95 "
                       f"{_ms(b)} vs {_ms(a)} ms ({b / a:.2f}x); slowest callback "
                       f"{R['redis_warm']['worst_callback']['callback']} "
                       f"{_ms(R['redis_warm']['worst_callback']['p95'])} ms")
        errs = [e for m in modes for e in cold["modes"][m]["errors"]]
        if errs:
            out.append(f"  {len(errs)} bad responses, first: {errs[0]}")
        out.append("")
    return "\n".join(out).rstrip()


def render_profiles(profiles: list[dict]) -> str:
    out = []
    for prof in profiles:
        if "top_cumulative" not in prof:
            continue
        out.append(f"cProfile of {prof['callback']} on {DB_LABEL[prof['database']]} "
                   f"({prof['step']}, request #{prof['seq']}; {prof['seconds'] * 1000:.0f} ms "
                   f"under the profiler; {prof['prof']}): top {len(prof['top_cumulative'])} "
                   "cumulative in callbacks/ data/ kpi/ layouts/")
        out.append(f"{'cumtime':>9} {'tottime':>9} {'ncalls':>9}  function")
        for e in prof["top_cumulative"]:
            out.append(f"{e['cumtime']:9.3f} {e['tottime']:9.3f} {e['ncalls']:9d}  "
                       f"{e['function']}")
        out.append("")
    return "\n".join(out)


# --- main ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sqlite-url", default=DEFAULT_SQLITE_URL,
                    help=f"national SQLite database (default {DEFAULT_SQLITE_URL})")
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL,
                    help="PostgreSQL server (default $TEST_POSTGRES_URL or the test server); "
                         f"the national data is kept in schema {PG_SCHEMA}")
    ap.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    ap.add_argument("--repeats", type=int, default=20,
                    help="timed replays of every request (default 20, plus one warm-up)")
    ap.add_argument("--out", type=Path, default=Path("bench/out"),
                    help="directory for payloads.json, pages.json, logs and profiles")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="also cProfile one request of each of the N slowest callbacks")
    ap.add_argument("--payloads", type=Path,
                    help="replay these recorded payloads instead of recording anew")
    ap.add_argument("--skip-browser", action="store_true",
                    help="no first-render timings in Chromium (needs --payloads)")
    ap.add_argument("--cold-rounds", type=int, default=COLD_ROUNDS, metavar="N",
                    help=f"rounds on a fresh app per mode (default {COLD_ROUNDS}; 0: none)")
    ap.add_argument("--redis", action="store_true",
                    help="replay with the Redis shared cache on, and compare cold processes "
                         "with and without it; writes pages_redis.json")
    ap.add_argument("--redis-url", default=DEFAULT_REDIS_URL,
                    help=f"Redis db for --redis, FLUSHED by the run (default "
                         f"{DEFAULT_REDIS_URL})")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.cold_rounds < 0:
        ap.error("--repeats must be at least 1 and --cold-rounds at least 0")
    if args.skip_browser and not args.payloads:
        ap.error("--skip-browser needs --payloads (nothing would be recorded)")
    redis_url = args.redis_url if args.redis else None
    if redis_url:
        try:
            flush_redis(redis_url)
        except Exception as exc:
            ap.error(f"Redis at {redis_url} does not answer: {exc}")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sqlite_url = database_url(args.sqlite_url)
    sqlite_file = make_url(sqlite_url).database
    if not sqlite_file or not Path(sqlite_file).is_file():
        ap.error(f"no SQLite database at {sqlite_url}; build it with: python -m data demo "
                 f"--scale national --as-of {DEMO_AS_OF} --db URL")

    results: dict = {
        "benchmark": "pages",
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "repeats": args.repeats,
        "redis_url": redis_url,
        "goals": {"callback_p95_max_ms": GOAL_P95_MS,
                  "first_render_max_seconds": GOAL_FIRST_RENDER_S},
        "steps": [{"label": s[0], "path": s[1], "actions": s[2]} for s in STEPS],
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_avg_start": os.getloadavg()},
        "versions": {"dash": dash.__version__, "plotly": plotly.__version__,
                     "pandas": pd.__version__, "sqlalchemy": sqlalchemy.__version__},
        "databases": {"sqlite": {"url": sqlite_url, "summary": db_summary(sqlite_url)}},
        "browser": {}, "replay": {}, "cold": {}, "code": {"start": git_state()},
    }
    failed = False

    urls = {"sqlite": sqlite_url}
    if args.skip_postgres:
        results["replay"]["postgresql"] = {"skipped": "--skip-postgres"}
    else:
        why = pg_reachable(database_url(args.pg_url))
        if why is not None:
            log(f"PostgreSQL not reachable: {why}; continuing without it")
            results["replay"]["postgresql"] = {"skipped": f"unreachable: {why}"}
        else:
            try:
                info = ensure_pg_national(args.pg_url, out)
                urls["postgresql"] = scoped_pg_url(args.pg_url, PG_SCHEMA)
                info["summary"] = db_summary(urls["postgresql"])
                results["databases"]["postgresql"] = info
            except Exception as exc:
                failed = True
                traceback.print_exc()
                results["replay"]["postgresql"] = {"error": f"{type(exc).__name__}: {exc}"}

    # 1 + 3: record on SQLite, first renders on every database (browser before replay,
    # so that the two do not compete for the CPU).
    payloads: list[dict] = []
    if args.payloads:
        payloads = json.loads(args.payloads.read_text())["payloads"]
        results["recording"] = {"from": str(args.payloads), "payloads": payloads}
    for label, url in list(urls.items()):
        try:
            results["databases"][label]["account"] = ensure_bench_user(url)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            results["replay"][label] = {"error": f"bench account: {type(exc).__name__}: {exc}"}
            del urls[label]
    for label, url in urls.items():
        if args.skip_browser:
            results["browser"][label] = {"skipped": "--skip-browser"}
            continue
        try:
            res = browser_phase(url, out, label, record_payloads=(label == "sqlite"
                                                                   and not args.payloads))
            if "payloads" in res:
                payloads = res.pop("payloads")
                results["recording"] = {"payloads": payloads, "problems": res.pop("problems"),
                                        "aborted": [p["seq"] for p in payloads
                                                    if p.get("failed")]}
                (out / "payloads.json").write_text(json.dumps(
                    {"recorded": results["started"], "database": sqlite_url,
                     "steps": results["steps"], "payloads": payloads}, indent=1) + "\n",
                    encoding="utf-8")
                log(f"{len(payloads)} callback requests saved to {out / 'payloads.json'}")
            results["browser"][label] = res
        except Exception as exc:
            failed = True
            traceback.print_exc()
            results["browser"][label] = {"error": f"{type(exc).__name__}: {exc}"}
    if not payloads:
        log("no payloads recorded; nothing to replay")
        return 1

    # 2: replay in-process on each database.
    results["code"]["replay"] = git_state()
    if results["code"]["replay"] != results["code"]["start"]:
        log(f"note: the code changed during the run: {results['code']}")
    prepared = prepare(payloads)
    apps: dict = {}
    for label, url in urls.items():
        try:
            results["replay"][label] = run_replay(label, url, prepared, args.repeats, apps,
                                                  redis_url)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            results["replay"][label] = {"error": f"{type(exc).__name__}: {exc}"}
        if results["replay"][label].get("errors") or results["replay"][label].get("stale"):
            failed = True
    # 4: cold processes, after every warm replay (so that those are not disturbed).
    for label, url in urls.items():
        rep = results["replay"][label]
        if not args.cold_rounds or "requests" not in rep:
            continue
        used = {r["seq"]: r["callback"] for r in rep["requests"]}
        try:
            results["cold"][label] = run_cold(label, url, [p for p in prepared
                                                           if p["seq"] in used],
                                              used, args.cold_rounds, redis_url)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            results["cold"][label] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        if any(m["errors"] for m in results["cold"][label]["modes"].values()):
            failed = True

    if args.profile:
        try:
            results["profiles"] = profile_callbacks(results, prepared, apps, out, args.profile)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            results["profiles"] = [{"error": f"{type(exc).__name__}: {exc}"}]
    for rp in apps.values():
        rp.dispose()

    results["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    results["machine"]["load_avg_end"] = os.getloadavg()
    json_path = out / ("pages_redis.json" if redis_url else "pages.json")
    json_path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    print()
    print(render(results))
    if results["cold"]:
        print()
        print(render_cold(results))
    if results.get("profiles"):
        print()
        print(render_profiles(results["profiles"]))
    print(f"results: {json_path}; payloads: {out / 'payloads.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
