"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL tests use a throw-away schema in the server at $TEST_POSTGRES_URL
(default 127.0.0.1:5432, database test, user postgres). Without a server they are
skipped locally; with CI=true a missing server is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import uuid

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
def demo_database(kind: str, folder, pg_reason, as_of: datetime.date):
    """An engine on the small demo extracted on ``as_of`` (a new database of ``kind``)."""
    from data.demo.loading import load_demo

    with scratch_database(kind, folder, pg_reason) as url:
        engine = make_engine(url)
        init_db(engine)
        load_demo(engine, "small", seed=0, as_of=as_of)
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


@pytest.fixture
def db_url(engine) -> str:
    """The URL of ``engine``, for CLI subprocesses."""
    return engine.url.render_as_string(hide_password=False)
