"""With REDIS_URL set, the upload page's review and load run as Celery tasks.

The real app and a real worker (``celery -A cli.worker worker``) over Redis database
11 (emptied before and after): a file sent over HTTP is reviewed and loaded by the
worker, and the job record lives in Redis, where any web process finds it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from tests.conftest import IN_CI
from tests.test_upload_kill import (
    ROOT,
    Client,
    Server,
    cases_file,
    demo_database,
    load_body,
    review,
)

REDIS = "redis://127.0.0.1:6379/11"
pytestmark = pytest.mark.slow


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=0.5)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach it
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    client.flushdb()
    yield client
    client.flushdb()


@contextlib.contextmanager
def worker(url: str, folder):
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS,
           "COURT_KPI_UPLOAD_DIR": str(folder / "uploads"), "PYTHONUNBUFFERED": "1"}
    with open(folder / "worker.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cli.worker", "worker", "--concurrency", "1",
             "--loglevel", "info"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while "ready." not in (folder / "worker.log").read_text():
            assert proc.poll() is None, (folder / "worker.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.3)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_review_and_load_run_in_the_celery_worker(tmp_path, redis_db):
    from data.store.db import make_engine

    url = demo_database(make_engine(f"sqlite:///{tmp_path / 'app.sqlite'}"))
    with worker(url, tmp_path):
        server = Server(url, tmp_path, REDIS_URL=REDIS).start()
        try:
            client = Client(server.base)
            client.sign_in("k-analyst")
            state = review(client, client.upload(cases_file(2_000), "cases.csv"))
            assert state["rows"] == 2_000
            record = client.run(load_body(client, state))["upload-result-data"]["data"]
        finally:
            server.stop()
    assert record["state"] == "done", record
    assert record["report"]["status"] == "loaded" and record["report"]["inserted"] == 2_000
    log = (tmp_path / "worker.log").read_text()
    assert log.count("succeeded") >= 2, log[-2000:]  # the review and the load ran there
    stored = json.loads(redis_db.get("court_kpi:upload_job:k-analyst"))
    assert stored["state"] == "done" and stored["report"]["upload_id"]
    with make_engine(url).connect() as conn:
        row = conn.execute(text('SELECT "user", source, rows FROM uploads WHERE id = :i'),
                           {"i": stored["report"]["upload_id"]}).one()
    assert tuple(row) == ("k-analyst", "web", 2_000)
