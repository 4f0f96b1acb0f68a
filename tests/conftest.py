"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL tests use a throw-away schema in the server at $TEST_POSTGRES_URL
(default 127.0.0.1:5432, database test, user postgres). Without a server they are
skipped locally; with CI=true a missing server is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from data.store.db import init_db, make_engine


def year_end_as_of(body: str) -> datetime.date | None:
    """For a case file written by a test: as of the end of the year of its latest date.

    The tests' small case files stand for year-end extracts; without an as-of date
    (periods.md) a file whose latest date is in September would leave its year
    incomplete, which the tests of periods check on purpose, not these.
    """
    import re

    if "filed_date" not in body.split("\n", 1)[0]:
        return None
    days = re.findall(r"\b(\d{4})-\d{2}-\d{2}\b", body)
    return datetime.date(max(int(y) for y in days), 12, 31) if days else None


PG_URL = os.environ.get("TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT = Path(__file__).resolve().parents[1]
# The day every test's demo data are extracted: data through 2025-12-31, whatever
# today is (the demo's default is today).
DEMO_AS_OF = datetime.date(2026, 1, 1)


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure to reach the server
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_reason() -> str | None:
    return _pg_available()


def _pg_engine(pg_reason):
    if pg_reason is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {pg_reason}")
        pytest.skip(f"PostgreSQL not reachable: {pg_reason}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    # The schema travels in the URL so CLI subprocesses given the URL see it too.
    engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    return engine, admin, schema


@contextlib.contextmanager
def scratch_database(kind: str, folder, pg_reason):
    """The URL of a new, empty database of ``kind`` (a SQLite file in ``folder``, or a
    throw-away PostgreSQL schema, dropped afterwards): for module- and session-wide
    fixtures that load a data set once."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'scratch.sqlite'}"
        return
    engine, admin, schema = _pg_engine(pg_reason)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextlib.contextmanager
def demo_database(kind: str, folder, templates: DemoTemplates, as_of: datetime.date):
    """An engine on the small demo extracted on ``as_of`` (a new database of ``kind``,
    copied from the run's template)."""
    with templates.copy(kind, folder, as_of) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path, pg_reason):
    """An initialised, empty database of each supported kind."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.sqlite'}")
        init_db(eng)
        yield eng
        eng.dispose()
        return
    eng, admin, schema = _pg_engine(pg_reason)
    init_db(eng)
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_engine(request, tmp_path, demo_templates):
    """A new database of each kind holding the small demo as ``init_db`` then
    ``load_demo(engine, "small", seed=0, as_of=DEMO_AS_OF)`` leave it (a copy of the
    run's template: generated once per run, not once per test)."""
    with demo_database(request.param, tmp_path, demo_templates, DEMO_AS_OF) as eng:
        yield eng


@pytest.fixture
def db_url(engine) -> str:
    """The URL of ``engine``, for CLI subprocesses."""
    return engine.url.render_as_string(hide_password=False)


# --- demo templates ---------------------------------------------------------------------
# Generating the small demo takes most of a minute on a busy machine, and many modules
# need the same one (same scale, seed and as-of date). Each is generated once per run:
# a SQLite file, or a PostgreSQL template database, that every consumer copies (sqlite3's
# backup API; CREATE DATABASE ... TEMPLATE). A consumer gets its own copy, so tests that
# write keep their isolation. With xdist the templates are shared by the workers: they
# live in the run's base temporary folder, built under a file lock by whichever worker
# asks first.

PG_TEMPLATE_PREFIX = "kpi_tmpl_"
PG_COPY_PREFIX = "kpi_copy_"


def _pg_url_of(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


class DemoTemplates:
    """The small demo (seed 0) per (database kind, as-of date, flavour), built once per run.

    Flavour ``cli``: made by ``python -m data demo --as-of`` (its demo accounts
    included), as the browser tests' apps always were; ``lib``: ``load_demo`` into an
    initialised database, as the data-layer tests always did.
    """

    def __init__(self, folder: Path, pg_reason: str | None):
        self.folder, self.pg_reason = folder, pg_reason
        folder.mkdir(exist_ok=True)

    @contextlib.contextmanager
    def _lock(self, key: str):
        import fcntl

        with open(self.folder / f"{key}.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @staticmethod
    def _fill(url: str, as_of: str, flavour: str) -> None:
        if flavour == "cli":
            import subprocess
            import sys

            subprocess.run([sys.executable, "-m", "data", "demo", "--as-of", as_of,
                            "--db", url], cwd=ROOT, check=True, capture_output=True,
                           env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=600)
            return
        from data.demo.loading import load_demo

        engine = make_engine(url)
        try:
            init_db(engine)
            load_demo(engine, "small", seed=0, as_of=datetime.date.fromisoformat(as_of))
        finally:
            engine.dispose()

    def sqlite(self, as_of, flavour: str) -> Path:
        """The template file (never to be opened for writing: copy it)."""
        key = f"sqlite-{as_of}-{flavour}"
        path = self.folder / f"{key}.sqlite"
        with self._lock(key):
            if not (self.folder / f"{key}.done").exists():
                path.unlink(missing_ok=True)
                self._fill(f"sqlite:///{path}", str(as_of), flavour)
                # One self-contained file: no -wal beside it while it is copied.
                con = sqlite3.connect(path)
                con.execute("PRAGMA journal_mode=DELETE")
                con.close()
                (self.folder / f"{key}.done").touch()
        return path

    def postgresql(self, as_of, flavour: str) -> str:
        """The name of the template database."""
        if self.pg_reason is not None:
            if IN_CI:
                pytest.fail(f"PostgreSQL is required in CI but unreachable: {self.pg_reason}")
            pytest.skip(f"PostgreSQL not reachable: {self.pg_reason}")
        key = f"postgresql-{as_of}-{flavour}"
        done = self.folder / f"{key}.done"
        with self._lock(key):
            if done.exists():
                return done.read_text().strip()
            name = f"{PG_TEMPLATE_PREFIX}{int(time.time())}_{uuid.uuid4().hex[:8]}"
            admin = _pg_admin()
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                # Listed before it is filled, so the end of the run drops it whatever happens.
                with open(self.folder / "pg-templates.txt", "a") as fh:
                    fh.write(name + "\n")
                self._fill(_pg_url_of(name), str(as_of), flavour)
            finally:
                admin.dispose()
            done.write_text(name)
            return name

    @contextlib.contextmanager
    def copy(self, kind: str, folder: Path, as_of, flavour: str = "lib"):
        """The URL of a new database of ``kind`` holding the demo: a SQLite file in
        ``folder``, or a PostgreSQL database, dropped afterwards."""
        if kind == "sqlite":
            target = folder / "demo.sqlite"
            source = sqlite3.connect(self.sqlite(as_of, flavour))
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
            yield f"sqlite:///{target}"
            return
        template = self.postgresql(as_of, flavour)
        name = f"{PG_COPY_PREFIX}{int(time.time())}_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            yield _pg_url_of(name)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _run_folder(config) -> Path:
    """The base temporary folder of the whole run (with xdist, the controller's)."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def demo_templates(request, pg_reason) -> DemoTemplates:
    return DemoTemplates(_run_folder(request.config) / "demo-templates", pg_reason)


def pytest_sessionfinish(session):
    """The controller (or the only process) drops the run's PostgreSQL templates, and
    any template or copy a killed run left behind more than a day ago."""
    config = session.config
    if hasattr(config, "workerinput") or config._tmp_path_factory._basetemp is None:
        return
    listed = _run_folder(config) / "demo-templates" / "pg-templates.txt"
    names = set(listed.read_text().split()) if listed.exists() else set()
    if not names or _pg_available() is not None:
        return
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            for (name,) in conn.execute(text(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'kpi\\_%'")):
                stamp = name.removeprefix(PG_TEMPLATE_PREFIX).removeprefix(PG_COPY_PREFIX)
                stamp = stamp.split("_", 1)[0]
                if stamp.isdigit() and int(stamp) < time.time() - 86400:
                    names.add(name)
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- xdist: whole modules marked xdist_group on one worker --------------------------------
# `--dist loadgroup` (./dev) is meant to send the tests of one xdist_group to one worker,
# but pytest-xdist 3.8 marks them by rewriting Item._nodeid, which pytest 9 no longer
# reads: every test went alone, and a module's costly module-wide fixture (its own app
# and database) was built on both workers. Until it does, the scheduler below groups
# a test by the xdist_group of its module's ``pytestmark`` (read from the file).

_GROUP_MARK = re.compile(r"^pytestmark = .*xdist_group\(\"([\w-]+)\"\)", re.M | re.S)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    groups: dict[str, str | None] = {}

    def module_group(module: str) -> str | None:
        if module not in groups:
            path = config.rootpath / module
            found = _GROUP_MARK.search(path.read_text()) if path.is_file() else None
            groups[module] = found.group(1) if found else None
        return groups[module]

    class ModuleGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if "@" in nodeid.rsplit("]", 1)[-1]:  # a pytest-xdist that marks by nodeid
                return super()._split_scope(nodeid)
            group = module_group(nodeid.split("::", 1)[0])
            return f"@{group}" if group else nodeid

    return ModuleGroupScheduling(config, log)
