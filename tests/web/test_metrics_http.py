"""``GET /metrics`` over raw HTTP: who reads it (a token with read_metrics, an allowed
address) and who gets 404; the text parses; requests, errors, uploads, sessions, jobs
and the data's age per region are in it; two processes' numbers add up."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from data.accounts import users
from data.ingest.load import load_file
from data.store.db import init_db, make_engine
from tests.web.conftest import PASSWORD, sign_in

ROOT = Path(__file__).resolve().parents[2]
SCRAPER = {"REMOTE_ADDR": "192.0.2.10"}  # in METRICS_ALLOW (tests/web/conftest.py)
NEIGHBOUR = {"REMOTE_ADDR": "192.0.2.11"}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(body: str) -> Samples:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def scrape(client) -> Samples:
    response = client.get("/metrics", environ_base=SCRAPER)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return parse(response.get_data(as_text=True))


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(v for (n, ls), v in samples.items()
               if n == name and set(labels.items()) <= set(ls))


@pytest.fixture(scope="module")
def tokens(app):
    """Tokens of an admin, a metrics account (the scraper's role) and an analyst."""
    engine = app.server.extensions["court_kpi_engine"]
    with engine.begin() as conn:
        for name, role in (("mx-scraper", "metrics"), ("mx-analyst", "analyst")):
            if users.get(conn, name) is None:
                users.add_user(conn, name, role, PASSWORD)
        return {"admin": users.issue_token(conn, "u-admin"),
                "metrics": users.issue_token(conn, "mx-scraper"),
                "analyst": users.issue_token(conn, "mx-analyst")}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- who may read it -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "metrics"])
def test_a_token_with_read_metrics_reads_it(client, tokens, role):
    response = client.get("/metrics", headers=bearer(tokens[role]))
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "version=" in response.headers["Content-Type"]  # the library's text format
    assert response.headers["Cache-Control"] == "no-store"
    assert "court_kpi_http_requests_total" in response.get_data(as_text=True)
    assert not response.headers.getlist("Set-Cookie")


def test_an_allowed_address_reads_it_without_signing_in(client):
    assert client.get("/metrics", environ_base=SCRAPER).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "2001:db8::7"}).status_code \
        == 200


@pytest.mark.parametrize("role", ["admin", "analyst", "judge"])
def test_a_browser_session_gets_404_whatever_its_role(as_role, role):
    # Sessions are for people; the scraper uses a token or its address.
    response = as_role(role).get("/metrics")
    assert response.status_code == 404
    assert "court_kpi" not in response.get_data(as_text=True)


@pytest.mark.parametrize("headers, environ", [
    ({}, {}),  # signed out, from 127.0.0.1 (not in the list)
    ({}, NEIGHBOUR),
    ({"Authorization": "Bearer ck_not-a-token"}, {}),
    # Not behind a configured proxy: the header is the client's word, not its address.
    ({"X-Forwarded-For": "192.0.2.10"}, NEIGHBOUR),
])
def test_everyone_else_gets_404(client, headers, environ):
    response = client.get("/metrics", headers=headers, environ_base=environ)
    assert response.status_code == 404
    assert "court_kpi" not in response.get_data(as_text=True)


def test_a_token_without_read_metrics_gets_404(client, tokens):
    assert client.get("/metrics", headers=bearer(tokens["analyst"])).status_code == 404


def test_other_methods_and_paths_below_it_are_404_not_advertised(client, as_role):
    assert client.post("/metrics").status_code == 404
    assert client.get("/metrics/").status_code == 404
    assert as_role("analyst").get("/metrics/x", headers={"Accept": "text/html"}).status_code \
        == 404


def test_the_metrics_account_reads_nothing_else(client, app, tokens):
    # Its token opens no API route, and a browser session of it no page or callback.
    response = client.get("/api/v1/kpi?level=national", headers=bearer(tokens["metrics"]))
    assert response.status_code == 403
    assert client.get("/", headers=bearer(tokens["metrics"])).status_code == 401
    browser = app.server.test_client()
    assert sign_in(browser, "mx-scraper").status_code == 302
    for path in ("/", "/kpi/clearance_rate", "/api/v1/kpi?level=national"):
        assert browser.get(path, headers={"Accept": "text/html"}).status_code == 403, path
    assert browser.get("/metrics").status_code == 404  # a token only, not a session


# --- what it says -------------------------------------------------------------------------


def test_the_text_format_parses_and_names_the_metrics(client, as_role):
    as_role("analyst")  # a session open
    samples = scrape(client)
    names = {name for name, _ in samples}
    for name in ("court_kpi_http_requests_total", "court_kpi_http_request_duration_seconds_bucket",
                 "court_kpi_sessions_open", "court_kpi_background_jobs_waiting",
                 "court_kpi_background_jobs", "court_kpi_data_age_days"):
        assert name in names, name
    assert total(samples, "court_kpi_sessions_open") >= 1
    assert total(samples, "court_kpi_background_jobs_waiting") == 0  # the disk cache
    assert {dict(ls)["state"] for n, ls in samples if n == "court_kpi_background_jobs"} >= {
        "running", "interrupted", "done", "failed"}


def test_a_page_request_counts_under_its_route_not_its_path(client, as_role):
    analyst = as_role("analyst")
    before = scrape(client)
    assert analyst.get("/court/KZ10-D01", headers={"Accept": "text/html"}).status_code == 200
    assert analyst.get("/court/KZ11-D01", headers={"Accept": "text/html"}).status_code == 200
    after = scrape(client)
    key = {"route": "/court/<code>", "method": "GET", "status": "200"}
    assert total(after, "court_kpi_http_requests_total", **key) \
        - total(before, "court_kpi_http_requests_total", **key) == 2
    assert not any("KZ10-D01" in dict(ls).get("route", "") for _, ls in after)
    assert total(after, "court_kpi_http_request_duration_seconds_count",
                 route="/court/<code>") >= 2


def test_a_dash_callback_counts_under_one_route(client, as_role):
    before = scrape(client)
    as_role("analyst").post("/_dash-update-component", json={})
    after = scrape(client)
    route = {"route": "/_dash-update-component"}
    assert total(after, "court_kpi_http_requests_total", **route) \
        - total(before, "court_kpi_http_requests_total", **route) == 1


def test_a_404_counts_as_4xx(client, as_role):
    before = scrape(client)
    assert as_role("analyst").get("/api/v1/no-such-thing").status_code == 404
    after = scrape(client)
    assert total(after, "court_kpi_http_errors_total", status_class="4xx") \
        - total(before, "court_kpi_http_errors_total", status_class="4xx") == 1
    assert total(after, "court_kpi_http_requests_total", status="404") \
        - total(before, "court_kpi_http_requests_total", status="404") == 1


def test_an_upload_through_the_loader_counts_its_rows_and_time(client, tmp_path):
    # Any database: the loader reports to whoever listens in this process.
    engine = make_engine(f"sqlite:///{tmp_path / 'loads.sqlite'}")
    init_db(engine)
    regions = tmp_path / "regions.csv"
    regions.write_text("region_code,name_en,name_ru,name_kk\nKZ-75,Almaty,Алматы,Алматы\n"
                       "KZ-71,Astana,Астана,Астана\n", encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text("region_code,name_en\n,\n", encoding="utf-8")
    before = scrape(client)
    assert load_file(engine, regions).status == "loaded"
    assert load_file(engine, regions).status == "already_loaded"
    assert load_file(engine, broken, kind="regions").status == "rejected"
    after = scrape(client)
    engine.dispose()

    def delta(name, **labels):
        return total(after, name, **labels) - total(before, name, **labels)

    assert delta("court_kpi_upload_rows_total", kind="regions") == 2
    assert delta("court_kpi_uploads_total", kind="regions", status="loaded") == 1
    assert delta("court_kpi_uploads_total", status="already_loaded") == 1
    assert delta("court_kpi_uploads_total", kind="regions", status="rejected") == 1
    assert delta("court_kpi_upload_duration_seconds_count", kind="regions") == 1
    assert delta("court_kpi_refresh_duration_seconds_count") >= 1


def test_cache_hits_and_misses_are_counted(client, as_role):
    analyst = as_role("analyst")
    analyst.get("/api/v1/kpi?level=national")
    before = scrape(client)
    analyst.get("/api/v1/kpi?level=national")
    after = scrape(client)
    assert total(after, "court_kpi_cache_requests_total", cache="memory", result="hit") \
        > total(before, "court_kpi_cache_requests_total", cache="memory", result="hit")


def test_the_data_age_is_there_for_every_region(client, app):
    with app.server.extensions["court_kpi_engine"].connect() as conn:
        regions = [r[0] for r in conn.execute(text("SELECT region_code FROM regions"))]
        newest = dict(conn.execute(text(
            "SELECT c.region_code, MAX(a.as_of) FROM court_as_of a JOIN courts c "
            "ON c.court_code = a.court_code GROUP BY c.region_code")).all())
    samples = scrape(client)
    ages = {dict(ls)["region"]: v for n, ls in samples if n == "court_kpi_data_age_days"
            for v in [samples[(n, ls)]]}
    assert regions and set(ages) == set(regions)
    today = dt.date.today()
    for region in regions:
        # The web demo is as of 2026-01-01: every region's data end on 31 December 2025.
        assert str(newest[region])[:10] == "2025-12-31", region
        expected = max(0, (today - dt.date(2025, 12, 31)).days)
        assert ages[region] == expected, region


# --- several processes ------------------------------------------------------------------

WORKER = """
import sys
from app import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "CREATE_ADMIN": False, "INSTANCE": sys.argv[2]})
client = app.server.test_client()
for _ in range(int(sys.argv[3])):
    assert client.get("/health").status_code == 200
"""


def test_two_processes_add_up_in_multiprocess_mode(client, demo_db, tmp_path, monkeypatch):
    """Two app instances in two processes (as two gunicorn workers) count into one folder;
    a scrape from a third adds them up."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, demo_db,
                                 str(tmp_path / f"instance-{n}"), str(n)], cwd=ROOT, env=env,
                                stderr=subprocess.PIPE, text=True) for n in (3, 4)]
    for proc in workers:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
    assert len(list(folder.glob("counter_*.db"))) == 2  # one file per process
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    samples = scrape(client)
    assert total(samples, "court_kpi_http_requests_total", route="/health") == 3 + 4
    assert total(samples, "court_kpi_http_request_duration_seconds_count", route="/health") \
        == 3 + 4
    # The gauges worked out at scrape time are there once, not once per process.
    assert sum(1 for n, _ in samples if n == "court_kpi_sessions_open") == 1


# --- the job store's counts, on both of its backends ----------------------------------


def _records(store, now: float) -> None:
    store.put("ann", {"state": "running", "beat": now, "host": "elsewhere", "pid": 1})
    store.put("bob", {"state": "running", "beat": now - 3600, "host": "elsewhere", "pid": 1})
    store.put("cem", {"state": "done"})
    store.put("dan", {"state": "failed"})


def test_job_counts_on_the_disk_cache(tmp_path):
    import time

    import diskcache

    from web import background

    store = background.JobStore(background.DiskBackend(diskcache.Cache(str(tmp_path))))
    store.set_owner("some-callback", "ann")  # another kind of key: not a job
    _records(store, time.time())
    assert store.counts() == {"waiting": 0, "running": 1, "interrupted": 1, "done": 1,
                              "failed": 1}


def test_job_counts_on_redis_with_the_celery_queue():
    import time

    import redis

    from web import background

    url = "redis://127.0.0.1:6379/10"  # a db no other test uses: flushed
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis not reachable: {exc}")
    client.flushdb()
    try:
        store = background.JobStore(background.RedisBackend(url))
        _records(store, time.time())
        client.rpush(background.CELERY_QUEUE, "task-1", "task-2")
        assert store.counts() == {"waiting": 2, "running": 1, "interrupted": 1, "done": 1,
                                  "failed": 1}
    finally:
        client.flushdb()
