"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py "app:wsgi()"``.

Each value can be overridden from the environment (COURT_KPI_WORKERS, ...) or the
command line. See README "Running in production".
"""

import multiprocessing
import os

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


def post_fork(server, worker):
    # Connections opened in the master must not be shared by forked workers.
    try:
        app = worker.app.wsgi()
        engine = app.extensions.get("court_kpi_engine")
        if engine is not None:
            engine.dispose(close=False)
    except Exception:  # noqa: BLE001 - never stop a worker from starting over this
        pass
