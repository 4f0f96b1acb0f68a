"""load_file's chunked path (data.ingest.load.CHUNK_ROWS), on SQLite and PostgreSQL.

A case file of at least two chunks is validated chunk by chunk and each chunk written
while the next is validated, in one transaction. These tests shrink the chunks to a few
rows, and take the path on SQLite too (which loads whole files by default,
CHUNKED_DIALECTS): the load must leave exactly what the whole-file path leaves, and a
file with an error anywhere (a row of the last chunk, a key repeated across chunks, a
conflict with loaded data, a late as-of date, a failing write) must write nothing and be
reported as the review step (check_file) reports it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from data.ingest import load as load_module
from data.ingest.load import check_file, load_file
from data.store import frames
from tests.test_loader import COURTS, REGIONS, count, put

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2024, 12, 31)
HEADER = ("case_id,court_code,category,filed_date,resolved_date,hearings_total,"
          "hearings_video,appealed,appeal_result\n")
# The tables a case upload writes or refreshes.
TABLES = ("cases", "facts", "durations", "part_facts", "month_durations", "court_as_of",
          "kpi_values", "backlog_age", "row_history")


def case_rows(n: int = 40, warn_at: tuple[int, ...] = ()) -> list[str]:
    """``n`` valid cases of courts A, B and C (not in key order); a row in ``warn_at``
    has an appeal result without an appeal (a warning, not an error)."""
    out = []
    for i in range(n):
        court = "ABC"[i % 3]
        category = ("civil", "criminal")[i % 2]
        filed = dt.date(2024, 1, 1) + dt.timedelta(days=(i * 7) % 200)
        resolved = "" if i % 5 == 0 else str(filed + dt.timedelta(days=i % 40))
        result = "upheld" if i in warn_at else ""
        out.append(f"{court}{n - i},{court},{category},{filed},{resolved},{i % 4},{i % 2},"
                   f"0,{result}\n")
    return out


@pytest.fixture(autouse=True)
def every_dialect(monkeypatch):
    monkeypatch.setattr(load_module, "CHUNKED_DIALECTS", frozenset({"sqlite", "postgresql"}))


@pytest.fixture
def chunks(monkeypatch):
    """Chunks of 8 rows: a 40-row file is read in 5."""
    monkeypatch.setattr(load_module, "CHUNK_ROWS", 8)


@pytest.fixture
def base(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        assert load_file(engine, put(tmp_path, name, body)).status == "loaded"
    return engine


def snapshot(engine) -> dict[str, pd.DataFrame]:
    out = {}
    with engine.connect() as conn:
        for t in TABLES:
            df = frames.read_sql(conn, f"SELECT * FROM {t}")
            df = df.drop(columns=[c for c in ("upload_id", "id", "computed_at")
                                  if c in df.columns])
            out[t] = df.sort_values(list(df.columns)).reset_index(drop=True) \
                if len(df) else df
    return out


def upload_record(engine) -> dict:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT kind, rows, warning_count, warnings, detected, as_of, inserted, replaced, "
            "unchanged, status FROM uploads WHERE kind = 'cases' ORDER BY id DESC")).first()
    assert row is not None
    d = dict(row._mapping)
    d["warnings"], d["detected"] = json.loads(d["warnings"]), json.loads(d["detected"])
    return d


def spy_chunks(monkeypatch) -> list[int]:
    """Record the rows of each chunk the chunked path writes."""
    seen: list[int] = []
    real = load_module._write_chunk

    def spy(conn, kind, part, rows, stop):
        seen.append(rows.rows)
        return real(conn, kind, part, rows, stop)

    monkeypatch.setattr(load_module, "_write_chunk", spy)
    return seen


@pytest.mark.parametrize(("warn_at", "as_of"), [((), None), ((13,), AS_OF), ((3, 29), AS_OF)],
                         ids=["no-warning-default-as-of", "warning-in-one-chunk",
                              "warnings-in-two"])
def test_chunked_load_leaves_what_the_whole_file_load_leaves(
        engine, tmp_path, monkeypatch, warn_at, as_of):
    """Same tables, same upload record (warnings in the file's order, what was detected,
    the as-of date given or taken from the file), same report: with the chunks and
    without."""
    body = HEADER + "".join(case_rows(warn_at=warn_at))
    results = {}
    for mode in ("whole", "chunked"):
        eng = engine
        with eng.begin() as conn:
            for t in (*TABLES, "uploads", "courts", "regions"):
                conn.execute(text(f"DELETE FROM {t}"))
        for name, b in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
            assert load_file(eng, put(tmp_path, f"{mode}-{name}", b)).status == "loaded"
        monkeypatch.setattr(load_module, "CHUNK_ROWS", 8 if mode == "chunked" else 10**9)
        seen = spy_chunks(monkeypatch)
        # The same bytes would be refused as already loaded; a comment line is not
        # allowed in a CSV, so the two files differ by their line endings.
        data = body if mode == "whole" else body.replace("\n", "\r\n")
        report = load_file(eng, put(tmp_path, f"{mode}.csv", data), as_of=as_of)
        assert report.status == "loaded", report.errors[:3]
        assert seen == ([8] * 5 if mode == "chunked" else [])
        rep = {k: v for k, v in report.as_dict().items()
               if k not in ("sha256", "size_bytes", "upload_id", "filename")}
        results[mode] = (snapshot(eng), upload_record(eng), rep)
    (whole_tables, whole_upload, whole_report), (tables, upload, rep) = \
        results["whole"], results["chunked"]
    for t in TABLES:
        pd.testing.assert_frame_equal(tables[t], whole_tables[t], check_dtype=False, obj=t)
    assert upload == whole_upload
    assert rep == whole_report
    assert upload["warning_count"] == len(warn_at)
    assert [w["line"] for w in upload["warnings"]] == [i + 2 for i in warn_at]


def test_chunked_load_equals_a_full_rebuild(base, tmp_path, chunks):
    from data.derive.refresh import refresh_all

    body = HEADER + "".join(case_rows())
    assert load_file(base, put(tmp_path, "cases.csv", body), as_of=AS_OF).status == "loaded"
    loaded = snapshot(base)
    with base.begin() as conn:
        refresh_all(conn)
    rebuilt = snapshot(base)
    for t in ("facts", "durations", "part_facts", "month_durations", "kpi_values"):
        pd.testing.assert_frame_equal(loaded[t], rebuilt[t], check_dtype=False, obj=t)


def check_report(engine, path, **kw) -> dict:
    checked = check_file(engine, path, **kw)
    return {"status": checked.report.status, "error_count": checked.report.error_count,
            "errors": [e.as_dict() for e in checked.report.errors],
            "warnings": [w.as_dict() for w in checked.report.warnings]}


@pytest.mark.parametrize("bad", ["last-row", "first-and-last", "key-across-chunks",
                                 "late-as-of"])
def test_an_error_in_any_chunk_writes_nothing_and_reports_every_error(
        base, tmp_path, chunks, monkeypatch, bad):
    rows = case_rows()
    as_of = AS_OF
    if bad == "last-row":
        rows[-1] = "zz1,A,civil,2024-05-01,2024-04-01,0,0,0,\n"  # resolved before filed
    elif bad == "first-and-last":
        rows[0] = "zz0,A,civil,2024-05-01,2024-04-01,0,0,0,\n"
        rows[-1] = "zz1,Q,civil,2024-05-01,,0,0,0,\n"  # an unknown court
    elif bad == "key-across-chunks":
        rows[-1] = rows[2]  # the same case twice, chunks apart
    else:
        as_of = dt.date(2024, 3, 1)  # before dates of the file
    path = put(tmp_path, "bad.csv", HEADER + "".join(rows))
    seen = spy_chunks(monkeypatch)
    before = snapshot(base)
    uploads = count(base, "uploads")
    expected = check_report(base, path, as_of=as_of)
    report = load_file(base, path, as_of=as_of)
    assert report.status == "rejected"
    got = {"status": report.status, "error_count": report.error_count,
           "errors": [e.as_dict() for e in report.errors],
           "warnings": [w.as_dict() for w in report.warnings]}
    assert got == expected
    assert report.error_count == (2 if bad == "first-and-last" else 1)
    if bad != "first-and-last":
        assert len(seen) >= 4  # the error was found after chunks had been written
    for t, df in snapshot(base).items():
        pd.testing.assert_frame_equal(df, before[t], obj=t)
    assert count(base, "uploads") == uploads


def test_a_conflict_with_loaded_data_in_a_late_chunk_writes_nothing(base, tmp_path,
                                                                    chunks):
    caseload = ("court_code,year,category,pending_start,incoming,resolved,pending_end\n"
                "C,2023,civil,10,100,95,15\n")
    assert load_file(base, put(tmp_path, "caseload.csv", caseload)).status == "loaded"
    rows = case_rows()
    rows[-1] = "zz1,C,civil,2023-05-01,2023-06-01,0,0,0,\n"  # C 2023 civil is a caseload
    path = put(tmp_path, "bad.csv", HEADER + "".join(rows))
    before = snapshot(base)
    report = load_file(base, path, as_of=AS_OF)
    assert report.status == "rejected"
    assert [e.code for e in report.errors] == ["caseload_conflict"] * 2  # filed, resolved
    assert report.errors[0].line == 41
    assert snapshot(base)["cases"].equals(before["cases"])
    assert count(base, "cases") == 0


def test_a_failing_chunk_write_rolls_everything_back(base, tmp_path, chunks, monkeypatch):
    real = frames.write_encoded
    calls = []

    def failing(conn, rows):
        if rows.table == "cases":
            calls.append(rows.rows)
            if len(calls) == 3:
                raise RuntimeError("disk full")
        return real(conn, rows)

    monkeypatch.setattr(frames, "write_encoded", failing)
    path = put(tmp_path, "cases.csv", HEADER + "".join(case_rows()))
    with pytest.raises(RuntimeError, match="disk full"):
        load_file(base, path, as_of=AS_OF)
    # The third chunk's write failed; a chunk the writer had already started may be
    # tried too (the stop is set as the failure reaches the reading thread).
    assert calls[:3] == [8, 8, 8]
    assert count(base, "cases") == 0 and count(base, "uploads") == 2  # regions, courts


def test_rows_replacing_stored_ones_go_through_the_whole_file_path(base, tmp_path, chunks,
                                                                   monkeypatch):
    rows = case_rows()
    assert load_file(base, put(tmp_path, "a.csv", HEADER + "".join(rows[:6])),
                     as_of=AS_OF).status == "loaded"  # too small to be chunked
    seen = spy_chunks(monkeypatch)
    rows[0] = rows[0].replace(",0,0,0,", ",3,0,0,")  # hearings_total changed
    report = load_file(base, put(tmp_path, "b.csv", HEADER + "".join(rows)), as_of=AS_OF)
    assert report.status == "loaded"
    assert seen == []  # courts A, B and C have stored cases
    assert (report.inserted, report.replaced, report.unchanged) == (34, 1, 5)
    assert count(base, "row_history") == 1


@pytest.mark.parametrize("fault", ["after-write", "before-commit"])
def test_a_chunked_load_killed_before_commit_leaves_the_database_as_before(
        base, tmp_path, fault):
    """The process dies at a fault point (COURT_KPI_FAULT) after every chunk is written."""
    path = put(tmp_path, "cases.csv", HEADER + "".join(case_rows()))
    url = base.url.render_as_string(hide_password=False)
    code = (
        "import datetime\n"
        "from data.ingest import load\n"
        "from data.store.db import make_engine\n"
        "load.CHUNK_ROWS = 8\n"
        "load.CHUNKED_DIALECTS = frozenset({'sqlite', 'postgresql'})\n"
        "real = load._write_chunk\n"
        "load._write_chunk = lambda *a: print('chunk', flush=True) or real(*a)\n"
        f"load.load_file(make_engine({url!r}), {str(path)!r}, "
        "as_of=datetime.date(2024, 12, 31))\n"
    )
    env = {**os.environ, "COURT_KPI_FAULT": fault}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, timeout=120,
                          capture_output=True, text=True)
    assert done.returncode == -9, done.stderr[-2000:]
    assert done.stdout.split() == ["chunk"] * 5
    assert count(base, "cases") == 0 and count(base, "uploads") == 2
    assert count(base, "facts") == 0 and count(base, "kpi_values") == 0


def test_sqlite_loads_whole_files_by_default(tmp_path, monkeypatch):
    from data.store.db import make_engine

    monkeypatch.undo()  # CHUNKED_DIALECTS as shipped
    assert not load_module._shareable(make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}"))
    assert not load_module._shareable(make_engine("sqlite://"))
    monkeypatch.setattr(load_module, "CHUNKED_DIALECTS", frozenset({"sqlite"}))
    assert load_module._shareable(make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}"))
    assert not load_module._shareable(make_engine("sqlite://"))  # in memory
