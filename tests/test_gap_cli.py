"""``python -m kpi gap`` on SQLite and PostgreSQL: the spec's columns, parts that add up
to the scope's gap, and a sentence with exit 2/1 where there is no decomposition."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from data.store.repository import kpi_values

COLUMNS = ("level,code,period,category,kpi,target,scope_gap,court_code,value,numerator,"
           "denominator,contribution,share,cumulative_share")


def _gap(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi", "gap", "--db", db_url, *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def engine(demo_engine):
    """In this module, each kind of database holds the small demo (tests/conftest.py)."""
    return demo_engine


def test_gap_by_court_adds_up_and_refuses_with_a_sentence(engine, db_url):
    out = _gap(db_url, "--level", "national", "--kpi", "clearance_rate", "--year", "2025",
               "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == COLUMNS
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    with engine.connect() as conn:
        cell = kpi_values(conn, level="national", code="KZ", year=2025, category="all",
                          kpi="clearance_rate").iloc[0]
    whole = cell["target"] * cell["denominator"] / 100 - cell["numerator"]
    assert sum(float(r["contribution"]) for r in rows) == pytest.approx(whole, abs=1e-6)
    assert float(rows[0]["scope_gap"]) == pytest.approx(whole, abs=1e-6)
    assert {r["period"] for r in rows} == {"2025"}
    median = _gap(db_url, "--level", "national", "--kpi", "median_disposition_days",
                  "--format", "json")
    assert median.returncode == 2 and "median" in median.stderr and not median.stdout
    early = _gap(db_url, "--level", "national", "--kpi", "clearance_rate", "--year", "2021",
                 "--format", "csv")
    assert early.returncode == 1 and "no target" in early.stderr
    region = _gap(db_url, "--level", "region", "--kpi", "clearance_rate", "--format", "csv")
    assert region.returncode == 2 and "no region" in region.stderr
    assert "Traceback" not in median.stderr + early.stderr + region.stderr
