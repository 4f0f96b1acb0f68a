"""The CLI as users and acceptance checks call it, in subprocesses, on both databases."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.test_loader import CASES, COURTS, REGIONS

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict | None = None, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, input=stdin,
                          timeout=300)


@pytest.fixture
def loaded(db_url, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS), ("cases.csv", CASES)):
        (tmp_path / name).write_text(body, encoding="utf-8")
        # The cases stand for a year-end extract of 2024.
        as_of = ["--as-of", "2024-12-31"] if name == "cases.csv" else []
        r = run("data", "load", str(tmp_path / name), "--db", db_url, *as_of)
        assert r.returncode == 0, r.stdout + r.stderr
    return db_url


def test_load_exit_codes_and_messages(loaded, tmp_path):
    again = run("data", "load", str(tmp_path / "cases.csv"), "--db", loaded)
    assert again.returncode == 0 and "Already loaded" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("case_id,court_code,category,filed_date\nz,A,civil,32.01.2024\n"
                   "y,NOPE,civil,2024-01-01\n", encoding="utf-8")
    r = run("data", "load", str(bad), "--db", loaded)
    assert r.returncode == 1
    assert "line 2" in r.stdout and "line 3" in r.stdout and "Traceback" not in r.stderr
    assert "nothing was written" in r.stdout
    assert run("data", "load", str(tmp_path / "missing.csv"), "--db", loaded).returncode == 2
    assert run("data", "load", str(bad), "--kind", "nonsense", "--db", loaded).returncode == 2


def test_uploads_and_undo(loaded):
    r = run("data", "uploads", "--db", loaded)
    assert r.returncode == 0 and "cases.csv" in r.stdout
    u = run("data", "undo", "3", "--db", loaded)
    assert u.returncode == 0, u.stdout + u.stderr
    again = run("data", "undo", "3", "--db", loaded)
    assert again.returncode == 1 and "already undone" in again.stdout


def test_kpi_values_csv_columns_and_missing_is_empty(loaded):
    r = run("kpi", "values", "--db", loaded, "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    need = {"level", "code", "year", "category", "kpi", "value", "coverage", "target", "status"}
    assert need <= set(rows[0])
    assert {row["level"] for row in rows} == {"national", "region", "court"}
    nat = [row for row in rows if row["level"] == "national"]
    assert {row["code"] for row in nat} == {"KZ"}
    pub = [row for row in nat if row["kpi"] == "publication_rate"]
    assert pub and all(row["value"] == "" for row in pub)  # nobody reports it: never 0
    eff = next(row for row in nat if row["kpi"] == "e_filing_rate" and row["year"] == "2024"
               and row["category"] == "all")
    assert float(eff["value"]) == 60.0


def test_kpi_values_filters_and_json(loaded):
    r = run("kpi", "values", "--db", loaded, "--level", "court", "--code", "A", "--year",
            "2024", "--category", "civil", "--kpi", "clearance_rate", "--format", "json")
    data = json.loads(r.stdout)
    assert len(data) == 1 and data[0]["value"] == 100.0 and data[0]["code"] == "A"


def test_kpi_list():
    r = run("kpi", "list", "--format", "json")
    data = json.loads(r.stdout)
    assert len(data) == 19 and data[0]["code"] == "clearance_rate"
    assert run("kpi", "list").stdout.startswith("code,")


@pytest.mark.parametrize("point", ["after-write", "before-commit"])
def test_a_killed_load_leaves_the_database_as_before(loaded, engine, tmp_path, point):
    def snapshot():
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                    for t in ("uploads", "cases", "facts", "kpi_values", "row_history")}

    before = snapshot()
    body = "case_id,court_code,category,filed_date,resolved_date\n" + "".join(
        f"k{i},B,civil,2024-01-{i % 28 + 1:02d},\n" for i in range(2000))
    (tmp_path / "big.csv").write_text(body, encoding="utf-8")
    r = run("data", "load", str(tmp_path / "big.csv"), "--db", loaded,
            env={"COURT_KPI_FAULT": point})
    assert r.returncode == -9  # killed by SIGKILL mid-load
    assert snapshot() == before
    ok = run("data", "load", str(tmp_path / "big.csv"), "--db", loaded)
    assert ok.returncode == 0 and "2000 inserted" in ok.stdout
