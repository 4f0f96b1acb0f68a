"""Periods on the command line (periods.md "Command line and API"): ``kpi values
--period`` with its ``period`` column, ``kpi yearend``, ``kpi gap --period`` and ``data
load --as-of``; the numbers are those of the API and the pages (one function computes
them); bad input exits 2 with a sentence and no traceback."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.test_cli import run
from tests.test_periods_db import COURTS, REGIONS, A, B, C


@pytest.fixture
def loaded(db_url, tmp_path):
    for name, body, as_of in (("regions.csv", REGIONS, None), ("courts.csv", COURTS, None),
                              ("a.csv", A, "2026-09-30"), ("b.csv", B, None),
                              ("c.csv", C, "2026-09-30")):
        (tmp_path / name).write_text(body, encoding="utf-8")
        r = run("data", "load", str(tmp_path / name), "--db", db_url,
                *(["--as-of", as_of] if as_of else []))
        assert r.returncode == 0, r.stdout + r.stderr
        if name == "b.csv":
            assert "Data as of 2026-06-30 (no --as-of given" in r.stdout
    return db_url


def rows(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_values_of_a_period(loaded):
    got = rows(run("kpi", "values", "--db", loaded, "--period", "2026-Q1", "--level",
                   "national", "--kpi", "clearance_rate", "--category", "all"))
    assert len(got) == 1
    assert (got[0]["year"], got[0]["period"]) == ("2026", "2026-Q1")
    assert float(got[0]["value"]) == pytest.approx(100 * 4 / 3)
    header = run("kpi", "values", "--db", loaded, "--year", "2025").stdout.splitlines()[0]
    assert header.startswith("level,code,year,period,category,kpi,value,coverage")
    year = rows(run("kpi", "values", "--db", loaded, "--year", "2025", "--level", "national",
                    "--kpi", "clearance_rate", "--category", "all"))
    assert year[0]["period"] == "2025"
    # B is not complete for the third quarter: not reported there.
    q3 = rows(run("kpi", "values", "--db", loaded, "--period", "2026-Q3", "--level", "court"))
    assert {r["code"] for r in q3} == {"A"}


def test_yearend(loaded):
    out = run("kpi", "yearend", "--db", loaded, "--level", "national", "--category", "all",
              "--kpi", "clearance_rate", "--format", "json")
    assert out.returncode == 0, out.stderr
    (row,) = json.loads(out.stdout)
    assert list(row) == ["level", "code", "category", "kpi", "year", "months", "ytd_value",
                         "same_period_last_year", "projected", "target", "status"]
    assert (row["year"], row["months"], row["status"]) == (2026, 9, "red")
    assert row["projected"] == pytest.approx(100 * 4 / 6)


@pytest.mark.parametrize("period", ["2026-Q5", "2026-13", "R12-2026-00", "2026-YTD13"])
def test_malformed_periods_exit_2_listing_the_forms(loaded, period):
    for args in (("values",), ("gap", "--level", "national", "--kpi", "clearance_rate",
                               "--format", "csv")):
        r = run("kpi", *args, "--db", loaded, "--period", period)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert "2026-H1" in r.stderr and "R12-2026-01" in r.stderr


def test_periods_the_data_do_not_reach_exit_2(loaded):
    for period, said in (("2026-10", "after the data's as-of date 2026-09-30"),
                         ("2026", "year in progress")):
        r = run("kpi", "values", "--db", loaded, "--period", period)
        assert r.returncode == 2 and said in r.stderr and "Traceback" not in r.stderr
    both = run("kpi", "values", "--db", loaded, "--period", "2026-Q1", "--year", "2026")
    assert both.returncode == 2 and "not both" in both.stderr


def test_gap_of_a_period(loaded):
    got = rows(run("kpi", "gap", "--db", loaded, "--level", "national", "--kpi",
                   "clearance_rate", "--period", "2026-H1", "--format", "csv"))
    assert got and {r["period"] for r in got} == {"2026-H1"}


def test_load_as_of_refusals(db_url, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS), ("a.csv", A)):
        (tmp_path / name).write_text(body, encoding="utf-8")
    for name in ("regions.csv", "courts.csv"):
        assert run("data", "load", str(tmp_path / name), "--db", db_url).returncode == 0
    early = run("data", "load", str(tmp_path / "a.csv"), "--db", db_url, "--as-of", "2026-08-01")
    assert early.returncode == 1 and "2026-08-15" in early.stdout
    for bad in ("2026-13-01", "30.09.2026", "２０２６-09-30", "yesterday"):
        r = run("data", "load", str(tmp_path / "a.csv"), "--db", db_url, "--as-of", bad)
        assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr and "Traceback" not in r.stderr
