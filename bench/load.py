"""Load test: simulated users browsing the app under gunicorn (4 workers) on 127.0.0.1.

    python -m bench.load [--db URL | --pg [--pg-url URL]] [--no-redis] [--users 20]
                         [--duration 60] [--think 0.5 1.5] [--workers 4] [--threads N]
                         [--payloads bench/out/payloads.json] [--out bench/out] [--seed 0]

1. The database: the national SQLite file (default) or, with ``--pg``, the national
   PostgreSQL schema of ``bench.pages`` (built when missing); the ``bench`` account is
   created in it when missing (``bench.pages.ensure_bench_user``).
2. gunicorn ``-c gunicorn.conf.py "app:wsgi()" --workers 4`` (gthread) on a free port of
   127.0.0.1, with DATABASE_URL, REDIS_URL (a Redis db of its own, flushed first; none
   with ``--no-redis``) and one COURT_KPI_SECRET_KEY for all workers.
3. ``--users`` threads, each a browser of its own (one keep-alive connection, its own
   cookies), sign in through /login, then loop for ``--duration`` seconds: open a
   random page (GET the HTML, /_dash-layout, /_dash-dependencies, then POST that page's
   callback requests as recorded by ``bench.pages`` in Chromium, in order) with random
   filters (year, category, KPI of the explorer, court of the profile, all from valid
   values), and on pages that have them change a filter like a user would (the
   recorded filter-change requests, with a new random value), with a think time
   between actions.
4. Every request is timed; any non-2xx status, bad callback JSON or exception is an
   error. The RSS of every gunicorn worker is sampled twice a second.

Prints requests/s, p50/p95/p99 per request type, errors, the largest worker RSS with
the goals next to them; writes ``<out>/load.json`` (and a copy named after the database
and cache). It never fails on timing; a non-zero exit means something errored. Local
only: the server binds 127.0.0.1 and the clients talk to nothing else.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy import text

from bench.appserver import free_port, pg_reachable
from bench.pages import (
    BENCH_PASSWORD,
    BENCH_USER,
    CSRF_COOKIE,
    DEFAULT_PG_URL,
    DEFAULT_REDIS_URL,
    DEFAULT_SQLITE_URL,
    PG_SCHEMA,
    Replayer,
    build_app,
    callback_name,
    ensure_bench_user,
    ensure_pg_national,
    flush_redis,
    git_state,
    log,
    pct,
    prepare,
    scoped_pg_url,
    stale,
)
from callbacks.page_cache import HEADER as PAGE_HEADER
from data.store.db import ROOT, database_url, make_engine

GOAL_ERRORS = 0
GOAL_P95_S = 1.0  # every request under load
GOAL_RSS_MB = 500.0  # one worker on the national database
FILTER_CHANGE_CHANCE = 0.5  # per recorded filter control of the page, after opening it
RSS_EVERY_S = 0.5
REQUEST_TIMEOUT_S = 60.0
WINDOW_S = 10  # the time series of p95
LOCAL = "127.0.0.1"


# --- what a user does ----------------------------------------------------------------


def page_plan(payloads: list[dict], steps: list[dict]) -> list[dict]:
    """Pages to open: each recorded page step with its requests, and its filter changes
    (the recorded steps without a path that follow it, with the control they change)."""
    by_step: dict[str, list[dict]] = defaultdict(list)
    for p in payloads:
        by_step[p["step"]].append(p)
    pages: list[dict] = []
    for step in steps:
        requests = by_step.get(step["label"], [])
        if step["path"] is not None:
            pages.append({"label": step["label"], "path": step["path"], "requests": requests,
                          "changes": []})
        elif pages and requests:
            for control, _option in step["actions"]:
                pages[-1]["changes"].append({"label": step["label"], "control": control,
                                             "requests": requests})
    return [p for p in pages if p["requests"]]


class Choices:
    """Valid filter values, read from the database once."""

    def __init__(self, url: str) -> None:
        from data.store import repository
        from data.store.schema import CATEGORIES
        from kpi.catalogue import KPIS

        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                self.years: list[int | None] = [None, *repository.years(conn)]
                self.courts = [r[0] for r in conn.execute(text(
                    "SELECT court_code FROM courts ORDER BY court_code"))]
        finally:
            engine.dispose()
        self.categories = ["all", *CATEGORIES]
        self.kpis = list(KPIS)

    def draw(self, rng: random.Random, control: str):
        if control == "year":
            return rng.choice(self.years)
        if control == "category":
            return rng.choice(self.categories)
        if control == "kpi":
            return rng.choice(self.kpis)
        if control == "court":
            return rng.choice(self.courts)
        raise KeyError(control)

    def filters(self, rng: random.Random, path: str) -> dict:
        f = {"year": self.draw(rng, "year"), "category": self.draw(rng, "category")}
        route = urlsplit(path).path
        if route.startswith("/kpi/"):
            f["kpi"] = self.draw(rng, "kpi")
        if route.startswith("/court/"):
            f["court"] = self.draw(rng, "court")
        return f


def with_filters(path: str, f: dict) -> str:
    """A page path (``/kpi/x?view=courts``) showing the filters ``f``."""
    parts = urlsplit(path)
    return _route(parts.path, f) + _search("?" + parts.query if parts.query else "", f)


def _route(route: str, f: dict) -> str:
    if route.startswith("/kpi/") and f.get("kpi"):
        return "/kpi/" + f["kpi"]
    if route.startswith("/court/") and f.get("court"):
        return "/court/" + f["court"]
    return route


def _search(search: str, f: dict) -> str:
    params = dict(parse_qsl(search.lstrip("?"), keep_blank_values=False))
    if "kpi" in f:  # the explorer's KPI is in its path
        params.pop("kpi", None)
    for key in ("year", "category"):
        if key in f:
            if f[key] in (None, ""):
                params.pop(key, None)
            else:
                params[key] = str(f[key])
    return ("?" + urlencode(sorted(params.items()))) if params else ""


def rewrite(obj, f: dict):
    """A recorded callback body with the filters ``f`` everywhere the browser would have
    them: the page-state stores, the control values, the URL's pathname and search."""
    if isinstance(obj, list):
        return [rewrite(x, f) for x in obj]
    if not isinstance(obj, dict):
        return obj
    ident, prop = obj.get("id"), obj.get("property")
    if "value" in obj and prop is not None:
        value = obj["value"]
        if isinstance(ident, dict) and ident.get("type") == "control" and prop == "value" \
                and ident.get("name") in f:
            return {**obj, "value": f[ident["name"]]}
        if ident in ("url", "_pages_location") and isinstance(value, str):
            if prop == "pathname":
                return {**obj, "value": _route(value, f)}
            if prop == "search":
                return {**obj, "value": _search(value, f)}
        return {**obj, "value": rewrite(value, f)}
    if "page" in obj and "lang" in obj and "category" in obj:  # a page-state store
        state = dict(obj)
        for key in ("year", "category", "kpi", "court"):
            if key in f and key in state:
                state[key] = f[key]
        return state
    return {k: rewrite(v, f) for k, v in obj.items()}


# --- one simulated browser -------------------------------------------------------------


class Browser:
    """One user's browser: a keep-alive connection and a cookie jar, timing each request."""

    def __init__(self, port: int, record) -> None:
        self.port = port
        self.record = record
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.reused = False

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(LOCAL, self.port, timeout=REQUEST_TIMEOUT_S)
            self.reused = False
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _send(self, method: str, path: str, body: bytes | None, headers: dict):
        hdrs = dict(headers)
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (0, 1):
            conn = self._connection()
            was_reused = self.reused
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: a browser opens a new
                # one and sends again, and so do we (once, only on a reused connection).
                self.close()
                if attempt == 0 and was_reused:
                    continue
                raise
            self.reused = True
            for cookie in resp.msg.get_all("Set-Cookie") or []:
                parsed = SimpleCookie()
                parsed.load(cookie)
                for name, morsel in parsed.items():
                    if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in
                                                    morsel["expires"]):
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            if resp.will_close:
                self.close()
            return resp.status, resp.msg, data
        raise AssertionError("unreachable")

    def request(self, kind: str, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, check=None, redirect_ok: bool = False):
        """Send, time and record one request; returns (status, headers, body) or None.

        Anything but 2xx is an error (3xx too, unless ``redirect_ok``: a page that
        redirects a signed-in user to /login has lost its session)."""
        t0 = time.monotonic()
        start = time.perf_counter()
        try:
            status, msg, data = self._send(method, path, body, headers or {})
        except Exception as exc:  # noqa: BLE001 - every failure is an error of the run
            self.close()
            self.record(kind, t0, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - start
        problem = None
        if not (200 <= status < 300 or (redirect_ok and 300 <= status < 400)):
            problem = f"HTTP {status}: {data[:160]!r}"
        elif check is not None:
            problem = check(status, data)
        self.record(kind, t0, elapsed, problem)
        return status, msg, data


def check_callback(status: int, data: bytes) -> str | None:
    if status == 204:
        return None
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        return f"not JSON: {exc}"
    if not isinstance(parsed, dict) or "response" not in parsed:
        return f"unexpected JSON: {data[:160]!r}"
    return None


def check_html(_status: int, data: bytes) -> str | None:
    return None if b"_dash-config" in data else f"not the Dash page: {data[:160]!r}"


def sign_in(b: Browser) -> None:
    got = b.request("sign-in", "GET", "/login", headers={"Accept": "text/html"})
    if got is None or got[0] != 200:
        raise RuntimeError(f"GET /login failed: {got and got[0]}")
    match = re.search(rb'name="csrf_token" value="([^"]+)"', got[2])
    if match is None:
        raise RuntimeError("no csrf_token in the /login form")
    form = urlencode({"username": BENCH_USER, "password": BENCH_PASSWORD,
                      "csrf_token": match.group(1).decode(), "next": "/health"}).encode()
    got = b.request("sign-in", "POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
        redirect_ok=True)
    if got is None:
        raise RuntimeError("POST /login failed")
    if got[0] != 302 or (got[1].get("Location") or "").startswith("/login"):
        raise RuntimeError(f"could not sign in as {BENCH_USER}: HTTP {got[0]}")


class User(threading.Thread):
    def __init__(self, n: int, port: int, plan: list[dict], choices: Choices, names: dict,
                 seed: int, think: tuple[float, float], start_at: threading.Event,
                 stop_at: list[float], sink) -> None:
        super().__init__(name=f"user-{n}", daemon=True)
        self.n, self.port, self.plan, self.choices = n, port, plan, choices
        self.names = names
        self.rng = random.Random(seed * 1000 + n)
        self.think = think
        self.start_at, self.stop_at = start_at, stop_at
        self.sink = sink
        self.page_views: list[dict] = []
        # What served each page router answer (callbacks.page_cache): kept or drawn.
        self.answers: Counter[str] = Counter()
        self.failure: str | None = None
        self.ready = threading.Event()

    def _record(self, kind, t0, elapsed, problem) -> None:
        self.sink(kind, t0, elapsed, problem)

    def _pause(self) -> None:
        time.sleep(self.rng.uniform(*self.think))

    def _post_chain(self, b: Browser, requests: list[dict], f: dict) -> bool:
        token = b.cookies.get(CSRF_COOKIE)
        headers_extra = {"X-CSRFToken": token} if token else {}
        ok = True
        for p in requests:
            body = json.dumps(rewrite(p["body"], f)).encode()
            got = b.request(f"POST {self.names[p['seq']]}", "POST", p["url"], body=body,
                            headers={**p["headers"], **headers_extra}, check=check_callback)
            ok = ok and got is not None and 200 <= got[0] < 300
            if got is not None and got[1].get(PAGE_HEADER):
                self.answers[got[1].get(PAGE_HEADER)] += 1
        return ok

    def run(self) -> None:
        b = Browser(self.port, self._record)
        try:
            sign_in(b)
            # The first page view sets the cookie dash-renderer echoes as X-CSRFToken.
            b.request("sign-in", "GET", "/", headers={"Accept": "text/html"}, check=check_html)
            if CSRF_COOKIE not in b.cookies:
                raise RuntimeError(f"signed in but no {CSRF_COOKIE} cookie")
        except Exception as exc:  # noqa: BLE001
            self.failure = f"{type(exc).__name__}: {exc}"
            self.ready.set()
            b.close()
            return
        self.ready.set()
        self.start_at.wait()
        try:
            while time.monotonic() < self.stop_at[0]:
                page = self.rng.choice(self.plan)
                f = self.choices.filters(self.rng, page["path"])
                t = time.perf_counter()
                html = {"Accept": "text/html"}
                b.request("GET page (HTML)", "GET", with_filters(page["path"], f),
                          headers=html, check=check_html)
                b.request("GET /_dash-layout", "GET", "/_dash-layout",
                          headers={"Accept": "application/json"})
                b.request("GET /_dash-dependencies", "GET", "/_dash-dependencies",
                          headers={"Accept": "application/json"})
                self._post_chain(b, page["requests"], f)
                self.page_views.append({"page": page["label"], "kind": "open",
                                        "seconds": time.perf_counter() - t})
                for change in page["changes"]:
                    if time.monotonic() >= self.stop_at[0]:
                        break
                    if self.rng.random() >= FILTER_CHANGE_CHANCE:
                        continue
                    self._pause()
                    f = {**f, change["control"]: self.choices.draw(self.rng, change["control"])}
                    t = time.perf_counter()
                    self._post_chain(b, change["requests"], f)
                    self.page_views.append({"page": page["label"], "kind": "filter",
                                            "seconds": time.perf_counter() - t})
                self._pause()
        finally:
            b.close()


# --- gunicorn and its memory ------------------------------------------------------------


def gunicorn_command(workers: int, port: int, threads: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers",
           str(workers), "--bind", f"{LOCAL}:{port}"]
    if threads:
        cmd += ["--threads", str(threads)]
    return [*cmd, "app:wsgi()"]


def children(pid: int) -> list[int]:
    try:
        import psutil

        return [c.pid for c in psutil.Process(pid).children()]
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - the master is gone
        return []
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (from /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class MemorySampler(threading.Thread):
    """RSS of the master and of every worker (by pid; a restarted worker is a new pid)."""

    def __init__(self, master: int) -> None:
        super().__init__(name="rss", daemon=True)
        self.master = master
        self.stop = threading.Event()
        self.phase = "start"
        self.samples: list[dict] = []
        self.peak: dict[int, float] = {}
        self.peak_by_phase: dict[str, float] = defaultdict(float)
        self.cpu: dict[int, float] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(RSS_EVERY_S)
        self.sample()

    def sample(self) -> None:
        workers = {}
        for pid in children(self.master):
            mb = rss_mb(pid)
            if mb is None:
                continue
            workers[pid] = mb
            self.peak[pid] = max(self.peak.get(pid, 0.0), mb)
            self.peak_by_phase[self.phase] = max(self.peak_by_phase[self.phase], mb)
            cpu = cpu_seconds(pid)
            if cpu is not None:
                self.cpu[pid] = cpu
        self.samples.append({"t": time.time(), "phase": self.phase,
                             "master": rss_mb(self.master), "workers": workers})


def wait_healthy(proc: subprocess.Popen, base_port: int, workers: int, log_path: Path,
                 timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            conn = http.client.HTTPConnection(LOCAL, base_port, timeout=5)
            conn.request("GET", "/health")
            status = conn.getresponse().status
            conn.close()
            if status == 200 and len(children(proc.pid)) >= workers:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer on {LOCAL}:{base_port}; see {log_path}")
        time.sleep(0.5)


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the run ---------------------------------------------------------------------------


def load_payloads(path: Path, url: str, out: Path) -> dict:
    """The recording of bench.pages; recorded here the same way when the file is missing."""
    if path.is_file():
        return json.loads(path.read_text())
    from bench.appserver import chromium, running_app
    from bench.pages import STEPS, record

    log(f"{path} missing: recording the callback requests in Chromium (as bench.pages)")
    with running_app(url, out / "app_load_record.log") as base, chromium() as browser:
        payloads, problems, _ = record(base, browser)
    for problem in problems:
        log(f"  browser problem: {problem}")
    data = {"recorded": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "database": url, "payloads": payloads,
            "steps": [{"label": s[0], "path": s[1], "actions": s[2]} for s in STEPS]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return data


def name_callbacks(url: str, payloads: list[dict]) -> tuple[dict[int, str], list[dict]]:
    """Function name per recorded request, and the requests whose callback changed since
    the recording (left out), from the app built in this process."""
    rp = Replayer(build_app(url))
    try:
        bad = stale(rp.app, payloads)
        return {p["seq"]: callback_name(rp.app, p["body"]) for p in payloads}, bad
    finally:
        rp.dispose()


def summarise(records: list[tuple], start: float, elapsed: float) -> dict:
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    first_errors: list[dict] = []
    all_times: list[float] = []
    windows: dict[int, list[float]] = defaultdict(list)
    for kind, t0, seconds, problem in records:
        by_kind[kind].append(seconds)
        all_times.append(seconds)
        windows[int((t0 - start) // WINDOW_S)].append(seconds)
        if problem:
            errors[kind] += 1
            if len(first_errors) < 20:
                first_errors.append({"kind": kind, "at": t0 - start, "problem": problem})

    def stats(ts: list[float]) -> dict:
        return {"n": len(ts), "per_s": len(ts) / elapsed, "p50": pct(ts, 50),
                "p95": pct(ts, 95), "p99": pct(ts, 99), "max": max(ts) if ts else None}

    return {
        "all": {**stats(all_times), "errors": sum(errors.values())},
        "by_kind": {k: {**stats(v), "errors": errors.get(k, 0)} for k, v in by_kind.items()},
        "windows": [{"from_s": w * WINDOW_S, **stats(windows[w])} for w in sorted(windows)],
        "first_errors": first_errors,
    }


def run(args, url: str, label: str, redis_url: str | None, out: Path) -> dict:
    res: dict = {"database": label, "url": url, "redis_url": redis_url}
    res["account"] = ensure_bench_user(url)
    recording = load_payloads(args.payloads, url, out)
    prepared = prepare(recording["payloads"])
    names, bad = name_callbacks(url, prepared)
    if bad:
        log(f"{len(bad)} recorded requests do not fit this checkout's callbacks (re-record "
            f"with bench.pages); left out; first: {bad[0]['why']}")
    skip = {b["seq"] for b in bad}
    prepared = [p for p in prepared if p["seq"] not in skip]
    plan = page_plan(prepared, recording["steps"])
    res["plan"] = [{"page": p["label"], "requests": len(p["requests"]),
                    "changes": [c["control"] for c in p["changes"]]} for p in plan]
    res["stale"] = bad
    choices = Choices(url)
    res["choices"] = {"years": choices.years, "categories": choices.categories,
                      "kpis": len(choices.kpis), "courts": len(choices.courts)}
    if redis_url:
        flush_redis(redis_url)

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "COURT_KPI_WORKERS": str(args.workers),
           "COURT_KPI_BIND": f"{LOCAL}:{port}", "COURT_KPI_SECRET_KEY": secrets.token_hex(32),
           "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    cmd = gunicorn_command(args.workers, port, args.threads)
    res["command"] = " ".join(cmd[1:])
    log_path = out / f"gunicorn_{label}{'' if redis_url else '_noredis'}.log"
    log(f"starting gunicorn ({args.workers} workers) on {LOCAL}:{port} over {label}"
        f"{' with Redis ' + redis_url if redis_url else ' without Redis'}; log {log_path}")
    records: list[tuple] = []
    lock = threading.Lock()

    def sink(kind, t0, seconds, problem) -> None:
        with lock:
            records.append((kind, t0, seconds, problem))

    with open(log_path, "w") as fh:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
        sampler = MemorySampler(proc.pid)
        try:
            wait_healthy(proc, port, args.workers, log_path)
            res["startup_seconds"] = time.perf_counter() - t
            res["workers_at_start"] = children(proc.pid)
            sampler.start()
            log(f"  up in {res['startup_seconds']:.1f} s, workers {res['workers_at_start']}; "
                f"signing {args.users} users in")
            sampler.phase = "sign-in"
            start_at, stop_at = threading.Event(), [0.0]
            users = [User(n, port, plan, choices, names, args.seed, tuple(args.think),
                          start_at, stop_at, sink) for n in range(args.users)]
            for u in users:
                u.start()
            for u in users:
                u.ready.wait(timeout=300)
            failed = [u.failure for u in users if u.failure]
            res["sign_in_failures"] = failed
            if failed:
                log(f"  {len(failed)} users could not sign in; first: {failed[0]}")
            with lock:
                sign_in_records = [r for r in records]
                records.clear()
            log(f"  browsing for {args.duration:g} s (think {args.think[0]:g}-"
                f"{args.think[1]:g} s)")
            rusage0 = resource.getrusage(resource.RUSAGE_SELF)
            cpu0 = {pid: cpu_seconds(pid) or 0.0 for pid in children(proc.pid)}
            load0 = os.getloadavg()
            sampler.phase = "browse"
            start = time.monotonic()
            stop_at[0] = start + args.duration
            start_at.set()
            for u in users:
                u.join(timeout=args.duration + REQUEST_TIMEOUT_S * 3)
            elapsed = time.monotonic() - start
            sampler.sample()
            sampler.phase = "end"
            rusage1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu1 = {pid: cpu_seconds(pid) or 0.0 for pid in children(proc.pid)}
            res["stuck_users"] = sum(1 for u in users if u.is_alive())
        finally:
            sampler.stop.set()
            stop_gunicorn(proc)
            if sampler.is_alive():
                sampler.join(timeout=5)
    with lock:
        timed = list(records)
    res["elapsed_seconds"] = elapsed
    res["summary"] = summarise(timed, start, elapsed)
    res["sign_in"] = summarise(sign_in_records, min((r[1] for r in sign_in_records),
                                                    default=start), 1.0)["all"]
    views = [v for u in users for v in u.page_views]
    res["page_answers"] = dict(sum((u.answers for u in users), Counter()))
    res["page_views"] = {kind: {"n": len(ts), "p50": pct(ts, 50), "p95": pct(ts, 95),
                                "p99": pct(ts, 99)}
                         for kind in ("open", "filter")
                         for ts in [[v["seconds"] for v in views if v["kind"] == kind]]}
    res["page_views_by_page"] = {
        page: {"n": len(ts), "p50": pct(ts, 50), "p95": pct(ts, 95)}
        for page in sorted({v["page"] for v in views})
        for ts in [[v["seconds"] for v in views if v["page"] == page and v["kind"] == "open"]]}
    res["memory"] = {
        "peak_worker_mb": max(sampler.peak.values(), default=None),
        "peak_by_worker_mb": {str(k): v for k, v in sampler.peak.items()},
        "peak_by_phase_mb": dict(sampler.peak_by_phase),
        "workers_seen": len(sampler.peak),
        "master_mb_max": max((s["master"] or 0 for s in sampler.samples), default=None),
        "samples": sampler.samples,
        "method": "psutil children + /proc VmRSS" if _has_psutil() else "/proc VmRSS",
    }
    busy = sum(cpu1.get(pid, 0.0) - cpu0.get(pid, 0.0) for pid in cpu1)
    res["cpu"] = {
        "workers_cpu_seconds": busy, "workers_cores_busy": busy / elapsed,
        "load_generator_cpu_seconds": (rusage1.ru_utime - rusage0.ru_utime
                                       + rusage1.ru_stime - rusage0.ru_stime),
        "load_avg_before": load0, "load_avg_after": os.getloadavg(),
    }
    res["cpu"]["load_generator_cores_busy"] = res["cpu"]["load_generator_cpu_seconds"] / elapsed
    return res


def _has_psutil() -> bool:
    try:
        import psutil  # noqa: F401
    except ImportError:
        return False
    return True


# --- output --------------------------------------------------------------------------


def _ms(x: float | None) -> str:
    return "-" if x is None or x != x else f"{x * 1000:.0f}"


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render(results: dict) -> str:
    r = results["run"]
    s = r["summary"]
    a = s["all"]
    mem = r["memory"]
    out = [
        f"Load test: {results['users']} users for {results['duration']:g} s (think "
        f"{results['think'][0]:g}-{results['think'][1]:g} s), gunicorn {results['workers']} "
        f"workers (gthread) on {LOCAL}, {r['database']} "
        f"({'Redis ' + r['redis_url'] if r['redis_url'] else 'no Redis'}); "
        f"{results['machine']['cpus']} CPUs; {results['started']}",
        f"code: {results['code']['head']}" + (f" with uncommitted changes in "
                                               f"{', '.join(results['code']['changed'])}"
                                               if results["code"]["changed"] else ""),
        f"{r['elapsed_seconds']:.1f} s of browsing; load avg before "
        f"{r['cpu']['load_avg_before'][0]:.2f}, after {r['cpu']['load_avg_after'][0]:.2f}; "
        "gunicorn workers busy "
        f"{r['cpu']['workers_cores_busy']:.2f} cores, this load generator "
        f"{r['cpu']['load_generator_cores_busy']:.2f} cores",
    ]
    w0 = 38
    head = (f"{'request type':<{w0}}{'n':>7}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}"
            f"{'max':>8}{'errors':>8}   (ms)")
    rule = "-" * len(head)
    out += [rule, head, rule]

    def row(label: str, x: dict, tail: str = "") -> None:
        out.append(f"{label[:w0 - 1]:<{w0}}{x['n']:>7}{x['per_s']:>8.1f}{_ms(x['p50']):>8}"
                   f"{_ms(x['p95']):>8}{_ms(x['p99']):>8}{_ms(x['max']):>8}"
                   f"{x['errors']:>8}" + (f"   {tail}" if tail else ""))

    for kind, x in sorted(s["by_kind"].items(), key=lambda kv: -kv[1]["p95"]):
        row(kind, x)
    out.append(rule)
    row("all requests", a)
    out.append(f"goal 0 errors: {_met(a['errors'] <= GOAL_ERRORS)} ({a['errors']} errors in "
               f"{a['n']} requests" + (f"; sign-in failures {len(r['sign_in_failures'])}"
                                       if r["sign_in_failures"] else "") + ")")
    out.append(f"goal p95 < {GOAL_P95_S:g} s: {_met(a['p95'] < GOAL_P95_S)} (p95 "
               f"{_ms(a['p95'])} ms, p99 {_ms(a['p99'])} ms, {a['per_s']:.1f} requests/s)")
    peak = mem["peak_worker_mb"]
    out.append(f"goal worker RSS < {GOAL_RSS_MB:.0f} MB: "
               f"{_met(peak is not None and peak < GOAL_RSS_MB)} (largest worker "
               f"{peak:.0f} MB; per worker " + ", ".join(
                   f"{v:.0f}" for v in mem["peak_by_worker_mb"].values()) +
               " MB; by phase " + ", ".join(f"{k} {v:.0f}" for k, v in
                                           mem["peak_by_phase_mb"].items()) +
               f" MB; master {mem['master_mb_max']:.0f} MB; {mem['workers_seen']} worker "
               "pids seen)")
    out.append(rule)
    pv = r["page_views"]
    out.append("user actions, server time of the whole chain (sequential requests): "
               f"open a page n={pv['open']['n']} p50/p95/p99 {_ms(pv['open']['p50'])}/"
               f"{_ms(pv['open']['p95'])}/{_ms(pv['open']['p99'])} ms; change a filter "
               f"n={pv['filter']['n']} {_ms(pv['filter']['p50'])}/{_ms(pv['filter']['p95'])}/"
               f"{_ms(pv['filter']['p99'])} ms")
    answers = r.get("page_answers") or {}
    if answers:
        total = sum(answers.values())
        out.append(f"pages' answers: {answers.get('kept', 0)} kept, {answers.get('drawn', 0)}"
                   f" drawn ({100 * answers.get('kept', 0) / total:.0f} % kept)")
    out.append(f"per {WINDOW_S} s of the run (requests, p95 ms): " + "; ".join(
        f"{w['from_s']}-{w['from_s'] + WINDOW_S}s {w['n']} {_ms(w['p95'])}"
        for w in s["windows"]))
    si = r["sign_in"]
    out.append(f"sign-in before the run (not counted above): {si['n']} requests, p95 "
               f"{_ms(si['p95'])} ms, {si['errors']} errors")
    for e in s["first_errors"][:5]:
        out.append(f"error at {e['at']:.1f} s, {e['kind']}: {e['problem']}")
    if r.get("stuck_users"):
        out.append(f"{r['stuck_users']} users still running at the end (requests hung)")
    return "\n".join(out)


# --- main ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=DEFAULT_SQLITE_URL,
                    help=f"database URL (default the national SQLite, {DEFAULT_SQLITE_URL})")
    ap.add_argument("--pg", action="store_true",
                    help=f"the national PostgreSQL data instead (schema {PG_SCHEMA})")
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server for --pg")
    ap.add_argument("--no-redis", action="store_true", help="no shared Redis cache")
    ap.add_argument("--redis-url", default=DEFAULT_REDIS_URL,
                    help=f"Redis db for the shared cache, FLUSHED first (default "
                         f"{DEFAULT_REDIS_URL})")
    ap.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    ap.add_argument("--duration", type=float, default=60.0,
                    help="seconds of browsing (default 60)")
    ap.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"),
                    help="think time between actions, uniform in seconds (default 0.5 1.5)")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads per worker (default: gunicorn.conf.py's, i.e. "
                         "$COURT_KPI_THREADS or 2)")
    ap.add_argument("--payloads", type=Path, default=Path("bench/out/payloads.json"),
                    help="callback requests recorded by bench.pages (recorded when missing)")
    ap.add_argument("--out", type=Path, default=Path("bench/out"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not (1 <= args.users <= 200) or not (1 <= args.duration <= 3600) \
            or not (1 <= args.workers <= 16) or not 0 <= args.think[0] <= args.think[1]:
        ap.error("bounded: 1-200 users, 1-3600 s, 1-16 workers, 0 <= think MIN <= MAX")
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        ap.error("gunicorn is not installed in this Python environment")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    redis_url = None if args.no_redis else args.redis_url
    if redis_url:
        try:
            flush_redis(redis_url)
        except Exception as exc:
            ap.error(f"Redis at {redis_url} does not answer: {exc} (or use --no-redis)")

    if args.pg:
        why = pg_reachable(database_url(args.pg_url))
        if why is not None:
            ap.error(f"PostgreSQL not reachable: {why}")
        ensure_pg_national(args.pg_url, out)
        url, label = scoped_pg_url(args.pg_url, PG_SCHEMA), "postgresql"
    else:
        url = database_url(args.db)
        label = url.split(":", 1)[0].split("+")[0]

    results: dict = {
        "benchmark": "load",
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "users": args.users, "duration": args.duration, "think": list(args.think),
        "workers": args.workers, "threads": args.threads, "seed": args.seed,
        "filter_change_chance": FILTER_CHANGE_CHANCE,
        "goals": {"errors": GOAL_ERRORS, "p95_max_seconds": GOAL_P95_S,
                  "worker_rss_max_mb": GOAL_RSS_MB},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_avg_start": os.getloadavg()},
        "code": git_state(),
    }
    failed = False
    try:
        results["run"] = run(args, url, label, redis_url, out)
    except Exception as exc:
        traceback.print_exc()
        results["error"] = f"{type(exc).__name__}: {exc}"
        failed = True
    results["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    text_ = json.dumps(results, indent=1, default=str) + "\n"
    json_path = out / "load.json"
    json_path.write_text(text_, encoding="utf-8")
    named = out / f"load_{label}{'' if redis_url else '_noredis'}.json"
    named.write_text(text_, encoding="utf-8")
    if "run" in results:
        r = results["run"]
        print()
        print(render(results))
        failed = failed or bool(r["summary"]["all"]["errors"] or r["sign_in_failures"]
                                or r.get("stuck_users"))
    print(f"results: {json_path} (and {named.name})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
