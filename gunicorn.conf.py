"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py "app:wsgi()"``.

Each value can be overridden from the environment (COURT_KPI_WORKERS, ...) or the
command line. See README "Running in production".
"""

import multiprocessing
import os
import time
from pathlib import Path

bind = os.environ.get("COURT_KPI_BIND", "127.0.0.1:8000")
# Callbacks are mostly waiting on the database: two workers per core, plus one.
workers = int(os.environ.get("COURT_KPI_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("COURT_KPI_THREADS", "2"))
worker_class = "gthread"
# Long work (loading a large file) runs in background jobs, never in a request; a
# request still running after this many seconds is a bug, and the worker is replaced.
timeout = int(os.environ.get("COURT_KPI_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Import the app once in the master: workers fork with the code already loaded
# (faster start, shared memory pages); no database connection is opened before fork.
preload_app = True
# Recycle workers now and then so slow leaks in any library cannot pile up.
max_requests = int(os.environ.get("COURT_KPI_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Uploads are streamed to disk by the app; the request line and headers stay small.
limit_request_line = 8190
accesslog = None  # the app logs every request itself, as JSON (web/request_log.py)
errorlog = "-"
loglevel = os.environ.get("COURT_KPI_LOG_LEVEL", "info").lower()

# /metrics adds up every worker's numbers (web/metrics.py): each process writes its own
# to files in this folder (prometheus_client's multiprocess mode). Set here, before the
# app is imported, since the library reads it on import; emptied when gunicorn starts.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                      str(Path(__file__).resolve().parent / "instance" / "prometheus"))
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def on_starting(server):
    # The numbers of an earlier run would be added to this one's: start from nothing.
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # only the library's files, whatever else is there
        stale.unlink(missing_ok=True)


def when_ready(server):
    # The data version's costly first reads (the outlook's calibration, every unit's
    # year to date ...) built once in the master, before the workers fork: each worker
    # starts with them (and Redis holds them), so the first people after a start do not
    # wait for them, and four workers do not build them side by side.
    try:
        services = server.app.wsgi().extensions.get("court_kpi_services")
        if services is not None:
            started = time.monotonic()
            services.warm()
            server.log.info("data read ahead in %.1f s", time.monotonic() - started)
    except Exception:  # noqa: BLE001 - a start must not fail over a cache
        server.log.exception("reading the data ahead failed; pages will build it")


def child_exit(server, worker):
    # A worker's counters stay (they are totals); its live gauges go with it.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    # Connections opened in the master must not be shared by forked workers.
    try:
        app = worker.app.wsgi()
        engine = app.extensions.get("court_kpi_engine")
        if engine is not None:
            engine.dispose(close=False)
    except Exception:  # noqa: BLE001 - never stop a worker from starting over this
        pass
