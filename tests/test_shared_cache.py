"""Issue #7: the Redis cache shared by workers, invalidated exactly by the data version."""

from __future__ import annotations

import os
import uuid

import pandas as pd
import pytest

from callbacks.context import Services
from callbacks.shared_cache import SharedCache
from data.accounts.access import SYSTEM
from data.scoped import reads
from tests.conftest import DEMO_AS_OF, demo_database

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = pytest.mark.xdist_group("shared_cache")


@pytest.fixture(scope="module")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except Exception as exc:  # noqa: BLE001
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return REDIS_URL


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_templates):
    """The small demo (``load_demo``), a copy of the run's template."""
    with demo_database("sqlite", tmp_path_factory.mktemp("cache"), demo_templates,
                       DEMO_AS_OF) as engine:
        yield engine


def _worker(engine, redis_url, namespace):
    return Services(engine, shared=SharedCache(redis_url, prefix=f"test:{namespace}:"))


def test_a_second_worker_reads_what_the_first_computed(demo, redis_url, monkeypatch):
    ns = uuid.uuid4().hex
    first, second = _worker(demo, redis_url, ns), _worker(demo, redis_url, ns)
    expected = first.kpi_values(SYSTEM, level="national", year=2025)
    assert len(expected) > 0

    def no_database(*_a, **_k):
        raise AssertionError("the second worker should not query the database")

    monkeypatch.setattr(reads.repository, "kpi_values", no_database)
    got = second.kpi_values(SYSTEM, level="national", year=2025)
    pd.testing.assert_frame_equal(got, expected)


def test_an_upload_makes_old_entries_unreachable(demo, redis_url, tmp_path):
    from data.ingest.undo import undo

    ns = uuid.uuid4().hex
    worker = _worker(demo, redis_url, ns)
    before_version = worker.version()
    worker.kpi_values(SYSTEM, level="national", year=2025)
    # Undo the last upload and then show a fresh worker sees the new version at once.
    with demo.connect() as conn:
        from sqlalchemy import text

        last = conn.execute(text("SELECT MAX(id) FROM uploads WHERE status = 'loaded'")).scalar()
    undo(demo, last, user="test")
    fresh = _worker(demo, redis_url, ns)
    assert fresh.version() != before_version
    key = f"kpi_values:{before_version}"  # every stored cell, read once per version
    assert any(k.decode().startswith(f"test:{ns}:{key}")
               for k in fresh.shared.backend._write_client.keys(f"test:{ns}:*"))
    # The new version's key is different, so it is computed, not read from the old entry.
    from data.store import repository

    with demo.connect() as conn:
        direct = repository.kpi_values(conn, level="national", year=2025)
    pd.testing.assert_frame_equal(fresh.kpi_values(SYSTEM, level="national", year=2025),
                                  direct)


def test_pages_keep_working_when_redis_is_down(demo):
    worker = Services(demo, shared=SharedCache("redis://127.0.0.1:1/0"))
    assert len(worker.kpi_values(SYSTEM, level="national")) > 0
    assert worker.years()


@pytest.mark.parametrize("same_worker", [True, False])
def test_a_costly_read_asked_at_once_is_built_once(demo, redis_url, monkeypatch, same_worker):
    # Right after an upload every worker's threads ask the same reads at once: one
    # builds, the others wait for its result (in this process, and through Redis).
    import threading
    import time

    ns = uuid.uuid4().hex
    first = _worker(demo, redis_url, ns)
    second = first if same_worker else _worker(demo, redis_url, ns)
    real, calls = reads.repository.kpi_values, []

    def slow(conn, **filters):
        calls.append(filters)
        time.sleep(0.4)
        return real(conn, **filters)

    monkeypatch.setattr(reads.repository, "kpi_values", slow)
    got = []
    threads = [threading.Thread(target=lambda w=w: got.append(
        w.kpi_values(SYSTEM, level="national", year=2025))) for w in (first, second) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(calls) == 1, calls
    assert len(got) == 4
    for frame in got[1:]:
        pd.testing.assert_frame_equal(frame, got[0])


@pytest.fixture
def in_year_demo(tmp_path, demo_templates):
    """The small demo extracted on 2026-10-15: 2026 is a year in progress."""
    import datetime

    with demo_database("sqlite", tmp_path, demo_templates,
                       datetime.date(2026, 10, 15)) as engine:
        yield engine


def test_reading_ahead_leaves_nothing_costly_for_the_first_page(in_year_demo, monkeypatch):
    # gunicorn's master calls warm() before its workers fork: the first scorecard of
    # the year in progress then reads no calibration, track record, year-end projection
    # or period of every unit from the database.
    worker = Services(in_year_demo)
    worker.warm()

    def no_database(*_a, **_k):
        raise AssertionError("read ahead, it should not be built again")

    monkeypatch.setattr(reads.repository, "outlook_calibration", no_database)
    monkeypatch.setattr(reads.repository, "backtest", no_database)
    monkeypatch.setattr(reads.periods, "yearend", no_database)
    monkeypatch.setattr(reads.periods, "period_values", no_database)
    period, _ = worker.period_or_default(None, None)
    assert period is not None and not period.is_year  # the demo's year in progress
    assert len(worker.values_in(SYSTEM, period, level="national")) > 0
    assert len(worker.yearend(SYSTEM, level="national")) > 0
    assert worker.outlook_calibration(SYSTEM)
    assert len(worker.track_record(SYSTEM)) >= 0
