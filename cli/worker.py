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


# The periodic check of open sessions of directory accounts (issue 33): with a
# directory set, ``celery -A cli.worker beat`` (or ``worker -B``) runs the same command an
# operator would, every COURT_KPI_LDAP_CHECK_MINUTES (default 10): someone the directory
# disabled or removed loses their sessions and API token within that time.
DIRECTORY_CHECK = "court_kpi.directory_check"


@celery.task(name=DIRECTORY_CHECK)
def directory_check() -> int:
    from cli.data import main

    return main(["user", "directory-check"])


def _check_minutes() -> float:
    import os

    value = os.environ.get("COURT_KPI_LDAP_CHECK_MINUTES") or "10"
    try:
        minutes = float(value)
    except ValueError:
        raise SystemExit(f"COURT_KPI_LDAP_CHECK_MINUTES is a number of minutes, not "
                         f"{value!r}.") from None
    if not minutes > 0:
        raise SystemExit("COURT_KPI_LDAP_CHECK_MINUTES must be more than 0.")
    return minutes


if dash_app.server.extensions.get("court_kpi_directory") is not None:
    celery.conf.beat_schedule = {
        "directory-check": {"task": DIRECTORY_CHECK, "schedule": _check_minutes() * 60}}
