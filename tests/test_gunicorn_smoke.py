"""Issue #7 smoke test: gunicorn with 2 workers over PostgreSQL and Redis.

A page, a Dash callback and an upload, across workers: a session made by one worker
works on the other, and data loaded while both run is seen by both at once (the
per-process and Redis caches are keyed by the data version).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.appserver import HttpSession, free_port
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.xdist_group("gunicorn_smoke")]
PASSWORD = "smoke-test-password"
NEW_YEAR_FILE = ("court_code,year,category,pending_start,incoming,resolved,pending_end\n"
                 "{court},2025,civil,10,100,80,30\n")
# The demo ends with 2024 here, so that the uploaded year is a complete past year.
AS_OF = dt.date(2025, 1, 1)


class Browser(HttpSession):
    """Signed in over plain HTTP, asking for HTML unless told otherwise."""

    def __init__(self, port: int):
        super().__init__(f"http://127.0.0.1:{port}", timeout=30)

    def request(self, method, path, body=None, headers=None):
        return super().request(method, path, body, {"Accept": "text/html", **(headers or {})})

    def sign_in(self, username: str) -> None:
        assert super().sign_in(username, PASSWORD) == 302

    def api(self, query: str) -> list[dict]:
        status, _, data = self.request("GET", f"/api/v1/kpi?{query}",
                                       headers={"Accept": "application/json"})
        assert status == 200, data[:200]
        return json.loads(data)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, pg_reason):
    import redis

    from tests.conftest import _pg_engine

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/13", socket_connect_timeout=0.5).ping()
    except Exception as exc:  # noqa: BLE001
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    if not shutil.which("gunicorn", path=str(Path(sys.executable).parent)):
        pytest.fail("gunicorn is not installed (requirements.txt)")
    from data.accounts import users
    from data.demo.loading import load_demo
    from data.store.db import init_db

    engine, admin, schema = _pg_engine(pg_reason)
    init_db(engine)
    load_demo(engine, "small", seed=0, as_of=AS_OF)
    with engine.begin() as conn:
        users.add_user(conn, "smoke", "analyst", PASSWORD)
    url = engine.url.render_as_string(hide_password=False)
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/13",
           "COURT_KPI_WORKERS": "2", "COURT_KPI_BIND": f"127.0.0.1:{port}",
           "COURT_KPI_SECRET_KEY": "smoke-test-secret",
           # /metrics from this machine, every worker's numbers in a folder of the test's.
           "COURT_KPI_METRICS_ALLOW": "127.0.0.1/32",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("prometheus"))}
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                                 "gunicorn.conf.py", "app:wsgi()"], cwd=ROOT, env=env,
                                stdout=fh, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(port).request("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        yield port, url, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        engine.dispose()
        from sqlalchemy import text

        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _pids(log: Path) -> set[int]:
    pids = set()
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("message") == "request" and entry.get("user") == "smoke":
                pids.add(entry["pid"])
    return pids


def _scorecard_body() -> bytes:
    """The request dash-renderer sends to render the scorecard of 2025, which computes
    its tiles, map and lists as the page is rendered (callbacks.first_view)."""
    from tests.web.conftest import page_body

    return json.dumps(page_body("/", "?year=2025")).encode()


def test_page_callback_and_upload_across_two_workers(stack, tmp_path):
    port, url, log = stack
    browser = Browser(port)
    browser.sign_in("smoke")
    for _ in range(6):
        status, headers, html = browser.request("GET", "/")
        assert status == 200 and b"_dash-renderer" in html
        # #17: the server names no version of itself (gunicorn says just "gunicorn").
        server = {k.lower(): v for k, v in headers.items()}.get("server", "")
        assert not any(c.isdigit() for c in server), server
    body = _scorecard_body()

    def scorecard() -> bytes:
        status, _, data = browser.request(
            "POST", "/_dash-update-component", body,
            {"Content-Type": "application/json", "Accept": "application/json",
             "X-CSRFToken": browser.cookies["_csrf_token"]})
        assert status == 200, data[:300]
        return data

    before = {scorecard() for _ in range(6)}
    assert len(before) == 1  # both workers answer the same
    assert all(b == [] for b in (browser.api("level=national&year=2025") for _ in range(4)))
    # An upload while both workers run (through the loader, as an analyst's script would).
    path = tmp_path / "new-year.csv"
    path.write_text(NEW_YEAR_FILE.format(court="KZ10-D01"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "data", "load", str(path), "--db", url,
                           "--user", "smoke"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # Every following request, whichever worker serves it, sees the new year at once.
    after = set()
    for _ in range(6):
        rows = browser.api("level=national&year=2025&kpi=clearance_rate&category=civil")
        assert len(rows) == 1 and rows[0]["value"] == pytest.approx(80.0)
        after.add(scorecard())
    # The scorecard asked for 2025 now shows 2025 (it showed 2024, the latest, before).
    assert len(after) == 1 and after != before
    assert len(_pids(log)) == 2, "requests were not served by both workers"


def _health_count(port: int) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    status, _, body = Browser(port).request("GET", "/metrics")
    assert status == 200, body[:200]
    return sum(s.value for f in text_string_to_metric_families(body.decode())
               for s in f.samples
               if s.name == "court_kpi_http_requests_total" and s.labels["route"] == "/health")


def test_metrics_add_up_across_the_workers(stack):
    port, _, _ = stack
    before = _health_count(port)
    for _ in range(20):  # spread over both workers by the kernel
        assert Browser(port).request("GET", "/health")[0] == 200
    assert _health_count(port) - before == 20
