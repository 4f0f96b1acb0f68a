"""Killing the server during a browser upload's load leaves the database as it was.

The real app runs in its own process group (``python app.py``; the load runs in a
process forked from it, as without Redis in production), driven over HTTP exactly as
dash-renderer drives it: the file goes to ``POST /upload/file``, the review and the
load are background callbacks started and polled through ``/_dash-update-component``.

* PostgreSQL: the test holds a lock on the audit log, which the load writes last, so
  the load stops inside its transaction with everything else written; then the whole
  server (web process and load process) is killed with SIGKILL.
* SQLite: the load kills itself right before its commit (``COURT_KPI_FAULT``), then the
  server is killed. After a restart the page says the load was interrupted, and the same
  staged file loads.

In both, every table is compared with its state before the load.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pandas as pd
import pytest
from sqlalchemy import text

from bench.appserver import HttpSession, free_port
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "kill-test-password"
COURT = "KZ19-D01"
TABLES = ("uploads", "cases", "caseload", "surveys", "facts", "durations", "kpi_values",
          "row_history", "audit_log")
PAGE_STATE = json.dumps({"page": "upload", "type": "page-state"}, sort_keys=True,
                        separators=(",", ":"))
pytestmark = pytest.mark.slow


# --- the app in a process group, and a client speaking Dash's protocol ----------------------


class Server:
    """``python app.py`` in a new session: one SIGKILL to the group ends it and its jobs."""

    def __init__(self, url: str, folder: Path, **env: str):
        self.url, self.folder, self.env = url, folder, env
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(PYTHONUNBUFFERED="1", COURT_KPI_UPLOAD_DIR=str(self.folder / "uploads"),
                   COURT_KPI_CACHE_DIR=str(self.folder / "cache"), **self.env)
        with open(self.folder / f"app-{self.port}.log", "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "app.py", "--db", self.url, "--port", str(self.port),
                 "--no-demo"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 90
        while True:
            assert self.proc.poll() is None, (self.folder / f"app-{self.port}.log").read_text()
            try:
                if Client(self.base).request("GET", "/health")[0] == 200:
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.3)

    def kill(self) -> None:
        """SIGKILL to the web process and every process it forked (the load)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Client(HttpSession):
    """Cookies, CSRF header, and background callbacks started and polled like the browser."""

    def __init__(self, base: str):
        super().__init__(base)
        self.end_id = ""
        self.callbacks: list[dict] = []

    def sign_in(self, username: str) -> None:
        assert super().sign_in(username, PASSWORD) == 302
        self.open_upload_page()

    def open_upload_page(self) -> None:
        status, _, page = self.request("GET", "/upload?lang=en", headers={"Accept": "text/html"})
        assert status == 200
        config = re.search(rb'<script id="_dash-config" type="application/json">(.*?)</script>',
                           page).group(1)
        self.end_id = json.loads(config)["end_id"]
        status, _, deps = self.request("GET", "/_dash-dependencies")
        self.callbacks = json.loads(deps)

    def upload(self, content: bytes, name: str) -> dict:
        status, _, body = self.request("POST", "/upload/file", content, {
            "Content-Type": "application/octet-stream", "X-Filename": quote(name),
            "X-CSRFToken": self.cookies["_csrf_token"], "Accept": "application/json"})
        assert status == 200, body[:300]
        return json.loads(body)

    def body(self, output: str, values: dict, changed: str) -> dict:
        for cb in self.callbacks:
            parts = cb["output"][2:-2].split("...") if cb["output"].startswith("..") \
                else [cb["output"]]
            outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
                       for p in parts]
            if f"{outputs[0]['id']}.{outputs[0]['property']}" != output:
                continue

            def deps(items):
                return [{"id": json.loads(d["id"]) if d["id"].startswith("{") else d["id"],
                         "property": d["property"],
                         "value": values.get(f"{d['id']}.{d['property']}")} for d in items]

            return {"output": cb["output"],
                    "outputs": outputs if len(outputs) > 1 else outputs[0],
                    "inputs": deps(cb["inputs"]), "state": deps(cb["state"]),
                    "changedPropIds": [changed]}
        raise LookupError(output)

    def post(self, body: dict, **args: str) -> tuple[int, dict | None]:
        query = urlencode({"endId": self.end_id, **args})
        status, _, data = self.request(
            "POST", f"/_dash-update-component?{query}", json.dumps(body).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": self.cookies["_csrf_token"]})
        return status, (json.loads(data) if data and status == 200 else None)

    def start(self, body: dict) -> dict:
        status, handles = self.post(body)
        assert status == 200 and "cacheKey" in handles, handles
        return handles

    def poll(self, body: dict, handles: dict) -> dict | None:
        status, data = self.post(body, cacheKey=handles["cacheKey"], job=handles["job"])
        assert status in (200, 204), status
        return data

    def run(self, body: dict, timeout: float = 120) -> dict:
        handles = self.start(body)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = self.poll(body, handles)
            if data and "response" in data:
                return data["response"]
            time.sleep(0.2)
        raise TimeoutError("background callback did not finish")


def page_state() -> dict:
    return {"lang": "en", "page": "upload"}


def review(client: Client, token: dict) -> dict:
    body = client.body("upload-review.children",
                       {"upload-token.data": token, "upload-kind.value": "auto",
                        f"{PAGE_STATE}.data": page_state()}, "upload-token.data")
    state = client.run(body)["upload-review-state"]["data"]
    assert state and state["ok"], state
    return state


def load_body(client: Client, state: dict) -> dict:
    return client.body("upload-result-data.data",
                       {"upload-confirm-ok.n_clicks": 1, "upload-review-state.data": state,
                        f"{PAGE_STATE}.data": page_state()}, "upload-confirm-ok.n_clicks")


def job_card(client: Client) -> str:
    body = client.body("upload-job.children", {f"{PAGE_STATE}.data": page_state()},
                       f"{PAGE_STATE}.data")
    status, data = client.post(body)
    assert status == 200
    return json.dumps(data["response"]["upload-job"]["children"], ensure_ascii=False)


# --- data ---------------------------------------------------------------------------------


def cases_file(n: int = 20_000) -> bytes:
    lines = ["case_id,court_code,category,filed_date,resolved_date"]
    for i in range(n):
        lines.append(f"K-{i},{COURT},criminal,2024-{1 + i % 12:02d}-{1 + i % 28:02d},"
                     f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}")
    return ("\n".join(lines) + "\n").encode()


def snapshot(url: str) -> dict[str, tuple[int, str]]:
    """Rows and a content hash of every table a load writes."""
    from data.store.db import make_engine

    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in TABLES:
            frame = pd.read_sql(text(f"SELECT * FROM {table}"), conn)
            # Packed duration counts (data.store.counts) are bytes: compared as hex.
            frame = frame.map(lambda v: bytes(v).hex() if isinstance(v, (bytes, memoryview))
                              else v)
            frame = frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)
            digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
            out[table] = (len(frame), digest)
    engine.dispose()
    return out


def demo_database(engine) -> str:
    from data.accounts import users
    from data.demo.loading import load_demo
    from data.store.db import init_db

    init_db(engine)
    load_demo(engine, "small", seed=0, as_of=DEMO_AS_OF)
    with engine.begin() as conn:
        users.add_user(conn, "k-analyst", "analyst", PASSWORD)
    return engine.url.render_as_string(hide_password=False)


# --- the tests ----------------------------------------------------------------------------


def test_sqlite_load_killed_before_commit_leaves_the_database_as_before(tmp_path):
    from data.store.db import make_engine

    url = demo_database(make_engine(f"sqlite:///{tmp_path / 'app.sqlite'}"))
    server = Server(url, tmp_path, COURT_KPI_FAULT="before-commit").start()
    try:
        client = Client(server.base)
        client.sign_in("k-analyst")
        token = client.upload(cases_file(), "cases.csv")
        state = review(client, token)
        before = snapshot(url)
        body = load_body(client, state)
        handles = client.start(body)
        # The load process writes every row, then dies at its commit (SIGKILL).
        deadline = time.monotonic() + 120
        while "interrupted" not in job_card(client):
            assert time.monotonic() < deadline, "the load did not reach its commit"
            client.poll(body, handles)
            time.sleep(0.3)
        server.kill()
    finally:
        server.stop()
    assert snapshot(url) == before
    from data.store.db import make_engine as engine_for

    with engine_for(url).connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"

    # Started again (without the fault): the page says so, and the same file loads.
    server = Server(url, tmp_path).start()
    try:
        client = Client(server.base)
        client.sign_in("k-analyst")
        card = job_card(client)
        assert '"data-state": "interrupted"' in card and "Nothing was written" in card
        state = review(client, token)
        record = client.run(load_body(client, state))["upload-result-data"]["data"]
        assert record["state"] == "done" and record["report"]["inserted"] == 20_000
    finally:
        server.stop()
    assert snapshot(url)["cases"][0] == before["cases"][0] + 20_000


@pytest.mark.postgres
def test_postgres_server_killed_in_the_middle_of_a_load_leaves_the_database_as_before(
        tmp_path, pg_reason):
    from tests.conftest import _pg_engine

    engine, admin, schema = _pg_engine(pg_reason)
    try:
        url = demo_database(engine)
        server = Server(url, tmp_path).start()
        try:
            client = Client(server.base)
            client.sign_in("k-analyst")
            state = review(client, client.upload(cases_file(), "cases.csv"))
            before = snapshot(url)
            with admin.connect() as blocker:
                # The load writes the audit log last: holding it stops the load inside
                # its transaction, after every other row is written.
                blocker.execute(text(f"LOCK TABLE {schema}.audit_log IN EXCLUSIVE MODE"))
                blocker_pid = blocker.execute(text("SELECT pg_backend_pid()")).scalar()
                client.start(load_body(client, state))
                waiting = wait_for_blocked_load(admin, blocker_pid, schema)
                server.kill()
                blocker.rollback()
            wait_until_gone(admin, waiting)
        finally:
            server.stop()
        assert snapshot(url) == before
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def wait_for_blocked_load(admin, blocker_pid: int, schema: str, timeout: float = 120) -> int:
    """The backend of the load, once it waits for the blocker's lock on the audit log,
    checked to hold the case rows it wrote (a row lock on the cases table)."""
    deadline = time.monotonic() + timeout
    with admin.connect() as conn:
        while True:
            pid = conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE :b = ANY(pg_blocking_pids(pid))"),
                {"b": blocker_pid}).scalar()
            if pid:
                wrote = conn.execute(text(
                    "SELECT COUNT(*) FROM pg_locks WHERE pid = :p AND granted "
                    "AND mode = 'RowExclusiveLock' AND relation = CAST(:t AS regclass)"),
                    {"p": pid, "t": f"{schema}.cases"}).scalar()
                assert wrote == 1, "the blocked backend has not written cases"
                return int(pid)
            if time.monotonic() > deadline:
                seen = conn.execute(text(
                    "SELECT pid, state, wait_event_type, wait_event, left(query, 80) "
                    "FROM pg_stat_activity WHERE datname = current_database()")).all()
                raise AssertionError(f"the load never reached the audit log: {seen}")
            conn.rollback()  # pg_stat_activity is a snapshot per transaction
            time.sleep(0.2)


def wait_until_gone(admin, pid: int, timeout: float = 60) -> None:
    """PostgreSQL ends the killed client's backend (rolling back) once it can run again."""
    deadline = time.monotonic() + timeout
    with admin.connect() as conn:
        while conn.execute(text("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = :p"),
                           {"p": pid}).scalar():
            assert time.monotonic() < deadline, "the killed load's backend is still there"
            conn.rollback()
            time.sleep(0.2)
