"""The Celery worker for the upload page's background work, when ``REDIS_URL`` is set.

    celery -A cli.worker worker --loglevel=info

It builds the same app as the web server, so Dash registers the same background
callbacks as Celery tasks, and runs them: reading, checking and loading uploaded files.
Start it with the web server's environment: ``DATABASE_URL``, ``REDIS_URL``,
``COURT_KPI_UPLOAD_DIR`` (a folder both can read; the worker reads the staged files)
and the same settings otherwise (``COURT_KPI_MAX_UPLOAD_MB``, statutory days).
One worker process per core is plenty: a load keeps one core busy.
"""

from __future__ import annotations

from app import create_app
from web import background

_url = background.redis_url()
if not _url:
    raise SystemExit("REDIS_URL is not set (or COURT_KPI_BACKGROUND=diskcache): the web "
                     "server then runs background work itself, and no worker is needed.")

dash_app = create_app({"CREATE_ADMIN": False})
celery = background.celery_app(_url)
