"""Where long work runs: Dash background callbacks, and each user's load job record.

* Without ``REDIS_URL``, background callbacks run in processes forked from the web
  server and leave their results in a disk cache (diskcache) in ``instance/cache``
  (``COURT_KPI_CACHE_DIR`` to move it). Nothing else to start.
* With ``REDIS_URL``, they are Celery tasks on that Redis, run by a worker started
  next to the web server: ``celery -A cli.worker worker`` (same environment:
  ``DATABASE_URL``, ``COURT_KPI_UPLOAD_DIR`` on a disk both can read).
  ``COURT_KPI_BACKGROUND=diskcache`` keeps the disk cache even with ``REDIS_URL``.

The job record says what a user's last load is doing (step, progress, result). It
lives in the same store as the callbacks' results, so a person who leaves the upload
page and comes back sees their load, whichever process or worker answers them. The
process doing the load refreshes a heartbeat in it; a record whose heartbeat stopped
belongs to a load that was killed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask

from web import instance_folder

JOB_KEY = "court_kpi:upload_job:{user}"
OWNER_KEY = "court_kpi:callback_owner:{digest}"
JOB_TTL = 7 * 24 * 3600  # a finished load is shown for a week
HEARTBEAT_SECONDS = 2.0
# Several missed heartbeats in a row: the process doing the load is gone.
STALE_SECONDS = 20.0
RESULT_TTL = 24 * 3600  # callback results nobody came back for
CELERY_QUEUE = "celery"  # Celery's default queue: a Redis list of tasks not yet taken


def redis_url(config: dict | None = None) -> str | None:
    """The Redis that carries background work, or None for the disk cache."""
    config = config or {}
    if (config.get("BACKGROUND") or os.environ.get("COURT_KPI_BACKGROUND")) == "diskcache":
        return None
    return config.get("REDIS_URL") or os.environ.get("REDIS_URL") or None


def cache_dir(config: dict | None = None) -> Path:
    return instance_folder(config, "CACHE_DIR", "COURT_KPI_CACHE_DIR", "cache")


@functools.cache
def celery_app(url: str):
    """One Celery app per Redis URL and process: Dash registers its tasks on it."""
    from celery import Celery

    app = Celery("court_kpi", broker=url, backend=url)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        result_expires=RESULT_TTL, broker_connection_retry_on_startup=True,
        # A load is long: a worker takes one at a time, and a task that was running
        # when its worker died is not started again behind the user's back.
        worker_prefetch_multiplier=1, task_acks_late=False,
        worker_hijack_root_logger=False,
    )
    return app


def manager(server: Flask):
    """The background callback manager for ``dash.Dash(...)``; also sets up the job store
    (``server.extensions["court_kpi_jobs"]``)."""
    url = redis_url(server.config)
    if url:
        from dash import CeleryManager

        server.extensions["court_kpi_jobs"] = JobStore(RedisBackend(url))
        return CeleryManager(celery_app(url), expire=RESULT_TTL)
    import diskcache
    from dash import DiskcacheManager

    folder = cache_dir(server.config)
    folder.mkdir(parents=True, exist_ok=True)
    cache = diskcache.Cache(str(folder))
    server.extensions["court_kpi_jobs"] = JobStore(DiskBackend(cache))
    return DiskcacheManager(cache, expire=RESULT_TTL)


def job_store(server: Flask) -> JobStore:
    return server.extensions["court_kpi_jobs"]


# --- the job record store ------------------------------------------------------------


class DiskBackend:
    def __init__(self, cache):
        self.cache = cache  # diskcache reopens its connection after a fork by itself

    def get(self, key: str) -> str | None:
        return self.cache.get(key)

    def set(self, key: str, value: str, ttl: int) -> None:
        self.cache.set(key, value, expire=ttl)

    def values(self, prefix: str) -> list[str]:
        """The values of every key starting with ``prefix`` (for /metrics)."""
        out = []
        for key in self.cache.iterkeys():
            if isinstance(key, str) and key.startswith(prefix):
                value = self.cache.get(key)
                if value is not None:
                    out.append(value)
        return out

    def waiting(self) -> int:
        # Background callbacks start a process of their own at once: nothing queues.
        return 0


class RedisBackend:
    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)

    def get(self, key: str) -> str | None:
        value = self.client.get(key)
        # bytes, unless the URL asks for decode_responses
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def set(self, key: str, value: str, ttl: int) -> None:
        self.client.set(key, value, ex=ttl)

    def values(self, prefix: str) -> list[str]:
        """The values of every key starting with ``prefix`` (for /metrics)."""
        keys = list(self.client.scan_iter(match=prefix + "*", count=500))
        raw = self.client.mget(keys) if keys else []
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in raw if v is not None]

    def waiting(self) -> int:
        """Tasks in Celery's queue that no worker has taken yet."""
        return int(self.client.llen(CELERY_QUEUE))


class JobStore:
    """The last load of each user, as a JSON record (see ``job_state``), and who started
    each background callback (its handles belong to that user alone)."""

    def __init__(self, backend):
        self.backend = backend

    @staticmethod
    def _owner_key(handle: str) -> str:
        return OWNER_KEY.format(digest=hashlib.sha256(handle.encode()).hexdigest())

    def set_owner(self, handle: str, user: str) -> None:
        self.backend.set(self._owner_key(handle), user, RESULT_TTL)

    def owner(self, handle: str) -> str | None:
        return self.backend.get(self._owner_key(handle))

    def get(self, user: str) -> dict | None:
        raw = self.backend.get(JOB_KEY.format(user=user))
        return None if raw is None else json.loads(raw)

    def put(self, user: str, record: dict) -> None:
        self.backend.set(JOB_KEY.format(user=user), json.dumps(record, default=str), JOB_TTL)

    def counts(self) -> dict[str, int]:
        """How many users' last loads are in each state (``job_state``), and "waiting":
        background tasks queued that no worker has started yet (for /metrics)."""
        out = dict.fromkeys(("waiting", "running", "interrupted", "done", "failed"), 0)
        now = time.time()
        for raw in self.backend.values(JOB_KEY.format(user="")):
            try:
                state = job_state(json.loads(raw), now)
            except (ValueError, TypeError):
                continue
            if state in out:
                out[state] += 1
        out["waiting"] = self.backend.waiting()
        return out


def job_state(record: dict | None, now: float | None = None) -> str | None:
    """"running", "done", "failed" or "interrupted": running, but the process doing it
    is gone (on this machine that is seen at once; elsewhere its heartbeat stopped)."""
    if not record:
        return None
    state = record.get("state")
    if state == "running":
        now = time.time() if now is None else now
        if now - float(record.get("beat") or 0) > STALE_SECONDS or _process_gone(record):
            return "interrupted"
    return state


def _this_process() -> dict:
    import psutil

    return {"host": socket.gethostname(), "pid": os.getpid(),
            "pid_started": psutil.Process().create_time()}


def _process_gone(record: dict) -> bool:
    """True when the record's process ran on this machine and is no longer there."""
    import psutil

    if record.get("host") != socket.gethostname() or not record.get("pid"):
        return False
    try:
        proc = psutil.Process(int(record["pid"]))
        # The same number may have been given to a new process since.
        return abs(proc.create_time() - float(record.get("pid_started") or 0)) > 1 or \
            proc.status() == psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, ValueError):
        return True


class JobLog:
    """The record of one load, kept current by the process doing it.

    ``with JobLog(store, user, record) as log:`` writes it as running and refreshes its
    heartbeat every few seconds from a thread until the block ends.
    """

    def __init__(self, store: JobStore, user: str, record: dict):
        self.store, self.user = store, user
        self.record = {**record, **_this_process(), "id": secrets.token_hex(8),
                       "state": "running", "started": time.time(), "step": "",
                       "fraction": 0.0}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _write(self, **fields: Any) -> None:
        with self._lock:
            self.record.update(fields, beat=time.time())
            self.store.put(self.user, self.record)

    def step(self, step: str, fraction: float) -> None:
        self._write(step=step, fraction=round(float(fraction), 3))

    def finish(self, state: str, **fields: Any) -> None:
        self._write(state=state, finished=time.time(), **fields)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self._write()
            except Exception:  # noqa: BLE001 - a missed beat must not stop the load
                pass

    def __enter__(self) -> JobLog:
        self._write()
        self._thread = threading.Thread(target=self._beat, name="upload-heartbeat",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
