"""Ingest benchmark: the real loader against DuckDB's read_csv and pandas' to_sql.

    python -m bench.ingest [--rows 1000000] [--skip-postgres] [--pg-url URL] [--out bench/out]
                           [--seed 0] [--repeats 3] [--profile]

Builds one cases CSV of ``--rows`` synthetic national cases (data.demo, written with
data.ingest.writers.write_csv), then for SQLite (a fresh file in ``--out``) and PostgreSQL
(a throw-away schema, dropped at the end) times:

* ``load_file(engine, path, kind="cases", max_bytes=None)`` end to end (read,
  validate, write with history, refresh of facts and KPIs, commit), with its stages;
* the bare write of the same file into a table keyed like ``cases`` (no validation, no
  history, no facts): SQLite csv.reader + executemany in one transaction, PostgreSQL
  ``COPY``; the floor of a row store, which ``load_file`` should stay within 1.5x of;
* DuckDB ``CREATE TABLE t AS SELECT * FROM read_csv(path)`` in memory;
* pandas ``read_csv`` + ``DataFrame.to_sql`` into a plain table of the same database;
* the re-load of one court-year of cases with a few resolved dates changed.

It prints a table and writes the numbers to ``<out>/ingest.json``. It never fails
on timing: the goals are printed next to the numbers.

    python -m bench.ingest --national [--month] [--national-sqlite URL] [--skip-postgres]
                           [--repeats 3]

measures instead the upload of one court-year into the full national database (405
courts, 7.5 M cases): the biggest court-year in it, exported to a contract CSV, with a
few resolved dates moved, loaded with ``load_file`` ``--repeats`` times (median kept).
SQLite: into a copy of the national file (the original is never written). PostgreSQL:
into the ``bench_national`` schema of ``bench.pages``, each upload undone afterwards
(the undo is timed too). Results in ``<out>/ingest_national.json``. With ``--month``
the upload is one court-month instead: the cases the same court filed in the last month
of that year.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import datetime as dt
import json
import os
import platform
import pstats
import statistics
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import sqlalchemy
from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.engine import make_url

from bench.appserver import pg_reachable
from data.demo import synthetic
from data.derive import refresh
from data.derive.refresh import ready
from data.ingest.load import LoadReport, load_file
from data.ingest.undo import undo
from data.ingest.writers import write_csv
from data.store import frames, models
from data.store.db import ROOT, database_url, make_engine
from data.store.schema import KINDS

DEFAULT_PG_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# python -m data demo --scale national --as-of 2026-01-01
DEFAULT_NATIONAL_SQLITE = "sqlite:////work/nat.sqlite"
# The day the input's demo cases are extracted: the same cases on every run.
DEMO_AS_OF = dt.date(2026, 1, 1)
DB_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
DUCKDB_GOAL = {"sqlite": 5.0, "postgresql": 3.0}  # load_file / DuckDB read_csv, at most
BARE_GOAL = 1.5  # load_file / the bare write of the same file (issue 18), at most
REFRESH_GOAL_S = 1.0  # one court-year re-load: the refresh part, under
CHANGED_DATES = 5  # resolved dates moved in the court-year file, so rows are replaced
TO_SQL = {  # pandas.DataFrame.to_sql arguments per database
    "sqlite": {"method": None, "chunksize": 50_000},
    # The default (psycopg 3 executemany) beat method="multi" by 13-18x on 50,000 rows.
    "postgresql": {"method": None, "chunksize": 50_000},
}
# load_file's progress messages; each stage ends at its message. A chunked load
# (data.ingest.load.CHUNK_ROWS) writes chunks while later ones are validated: its
# "validate" holds those writes too, and its "write" what is left of them after the last
# chunk is validated.
STAGES = (
    ("hash + duplicate check", "reading"),
    ("read", "validating"),
    ("validate (+ chunk writes)", "writing"),
    ("write (upsert / the rest)", "refreshing KPIs"),
    ("refresh (facts, KPIs, commit)", "done"),
)
REFRESH_STAGE = STAGES[-1][0]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the input ---------------------------------------------------------------


def build_input(out: Path, rows: int, seed: int) -> dict:
    """regions.csv, courts.csv and cases.csv (the first ``rows`` national cases)."""
    t0 = time.perf_counter()
    frames = synthetic.generate("national", seed, include_cases=False, as_of=DEMO_AS_OF)
    parts, n = [], 0
    for chunk in synthetic.iter_case_chunks("national", seed, as_of=DEMO_AS_OF):
        parts.append(chunk)
        n += len(chunk)
        if n >= rows:
            break
    cases = pd.concat(parts).iloc[:rows]
    del parts
    paths = {k: out / f"{k}.csv" for k in ("regions", "courts", "cases")}
    write_csv(frames["regions"], "regions", paths["regions"])
    write_csv(frames["courts"], "courts", paths["courts"])
    write_csv(cases, "cases", paths["cases"])
    info = {
        "rows": len(cases),
        "courts": int(cases["court_code"].nunique()),
        "filed_years": sorted(int(y) for y in cases["filed_date"].dt.year.unique()),
        "paths": {k: str(p) for k, p in paths.items()},
        "cases_bytes": paths["cases"].stat().st_size,
        "build_seconds": time.perf_counter() - t0,
    }
    if len(cases) < rows:
        log(f"the national demo has only {len(cases):,} cases; using all of them")
    return info


def court_year_files(cases_csv: Path, out: Path, repeats: int) -> tuple[dict, list[Path]]:
    """One court-year of cases from the file, ``repeats`` versions with moved resolved dates.

    The court-year is the biggest in the file (most cases filed by one court in one
    year). Version k moves the same ``CHANGED_DATES`` resolved dates k days earlier,
    so each re-load replaces those rows and leaves the others unchanged.
    """
    raw = pd.read_csv(cases_csv, dtype=str, keep_default_na=False)
    year = raw["filed_date"].str[:4]
    court, yr = raw.groupby([raw["court_code"], year]).size().idxmax()
    part = raw[(raw["court_code"] == court) & (year == yr)].reset_index(drop=True)
    court_rows = int((raw["court_code"] == court).sum())
    del raw
    filed = pd.to_datetime(part["filed_date"])
    resolved = pd.to_datetime(part["resolved_date"].replace("", None), errors="coerce")
    gap = (resolved - filed).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    movable = np.flatnonzero(gap >= repeats)[:CHANGED_DATES]
    paths = []
    for k in range(1, repeats + 1):
        version = part.copy()
        moved = resolved.iloc[movable] - pd.Timedelta(days=k)
        version.loc[movable, "resolved_date"] = moved.dt.strftime("%Y-%m-%d").to_numpy()
        path = out / f"cases_{court}_{yr}_v{k}.csv"
        version.to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    info = {"court": court, "year": int(yr), "rows": len(part), "court_rows": court_rows,
            "changed_dates": len(movable)}
    return info, paths


# --- timing ------------------------------------------------------------------


@contextlib.contextmanager
def timed_refresh(acc: dict[str, float]) -> Iterator[None]:
    """Time refresh.rebuild_facts and refresh.rebuild_kpis as load_file calls them.

    Wraps the module attributes for the duration only (benchmark process, no file edited).
    """
    names = {"facts": "rebuild_facts", "KPIs": "rebuild_kpis"}
    originals = {key: getattr(refresh, name) for key, name in names.items()}

    def wrap(key: str, fn: Callable) -> Callable:
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                acc[key] = acc.get(key, 0.0) + time.perf_counter() - t
        return timed

    for key, name in names.items():
        setattr(refresh, name, wrap(key, originals[key]))
    try:
        yield
    finally:
        for key, name in names.items():
            setattr(refresh, name, originals[key])


def _report_dict(report: LoadReport) -> dict:
    return {"status": report.status, "rows": report.rows, "inserted": report.inserted,
            "replaced": report.replaced, "unchanged": report.unchanged,
            "kpi_cells": report.kpi_cells, "courts": len(report.courts),
            "warning_count": report.warning_count, "error_count": report.error_count}


def timed_load(engine: Engine, path: Path, kind: str = "cases") -> dict:
    """load_file end to end, its stages (from the progress messages) and the refresh split."""
    marks: dict[str, float] = {}
    inner: dict[str, float] = {}

    def progress(message: str, _fraction: float) -> None:
        marks[message] = time.perf_counter()

    with timed_refresh(inner):
        t0 = time.perf_counter()
        report = load_file(engine, path, kind=kind, max_bytes=None, progress=progress)
        seconds = time.perf_counter() - t0
    if report.status != "loaded":
        first = report.errors[0].message if report.errors else ""
        raise RuntimeError(f"{path.name} was {report.status}: {report.error_count} errors "
                           f"(first: {first})")
    stages, prev = {}, t0
    for label, mark in STAGES:
        if mark in marks:
            stages[label] = marks[mark] - prev
            prev = marks[mark]
    refresh_s = stages.get(REFRESH_STAGE, 0.0)
    detail = {"facts": inner.get("facts", 0.0), "KPIs": inner.get("KPIs", 0.0)}
    detail["commit + rest"] = refresh_s - sum(detail.values())
    return {"seconds": seconds, "stages": stages, "refresh_detail": detail,
            "report": _report_dict(report)}


def duckdb_read_csv(path: Path, repeats: int) -> dict:
    """In-memory DuckDB: CREATE TABLE t AS SELECT * FROM read_csv(path); best of ``repeats``."""
    literal = str(path).replace("'", "''")
    runs, rows, threads = [], 0, None
    for _ in range(repeats):
        con = duckdb.connect()
        try:
            t = time.perf_counter()
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{literal}')")
            runs.append(time.perf_counter() - t)
            rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
            threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
        finally:
            con.close()
    return {"seconds": min(runs), "runs": runs, "rows": int(rows), "threads": threads}


def bare_write(engine: Engine, path: Path, dialect: str) -> dict:
    """The floor of a row store: the file's rows into a table keyed like ``cases``, with
    no validation, no history, no facts: SQLite csv.reader + executemany in one
    transaction; PostgreSQL COPY. Best of two runs into a fresh table."""
    table = models.UPLOAD_TABLES["cases"].to_metadata(MetaData(), name="bench_bare")
    table.c.upload_id.index = False  # a bare table: the key and nothing else
    table.indexes.clear()
    cols = list(KINDS["cases"].column_names)
    runs = []
    for _ in range(2):
        table.drop(engine, checkfirst=True)
        table.create(engine)
        raw = engine.raw_connection()
        try:
            t = time.perf_counter()
            cur = raw.cursor()
            if dialect == "postgresql":
                with path.open("rb") as f, cur.copy(
                        f"COPY bench_bare ({', '.join(cols)}) FROM STDIN "
                        "WITH (FORMAT csv, HEADER true)") as copy:
                    while block := f.read(1 << 20):
                        copy.write(block)
            else:
                marks = ", ".join("?" for _ in cols)
                with path.open(newline="", encoding="utf-8") as f:
                    reader = csv.reader(f)
                    next(reader)
                    cur.executemany(f"INSERT INTO bench_bare ({', '.join(cols)}) "
                                    f"VALUES ({marks})",
                                    ([v if v != "" else None for v in row] for row in reader))
            raw.commit()
            runs.append(time.perf_counter() - t)
            cur.close()
        finally:
            raw.close()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM bench_bare")).scalar()
    table.drop(engine)
    how = "COPY" if dialect == "postgresql" else "csv.reader + executemany"
    return {"seconds": min(runs), "runs": runs, "rows": int(rows), "how": how}


def pandas_to_sql(engine: Engine, path: Path, dialect: str) -> dict:
    """pandas.read_csv of the file, then DataFrame.to_sql into a plain table."""
    kwargs = TO_SQL[dialect]
    t0 = time.perf_counter()
    frame = pd.read_csv(path)
    t1 = time.perf_counter()
    frame.to_sql("bench_to_sql", engine, if_exists="replace", index=False, **kwargs)
    t2 = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM bench_to_sql")).scalar()
    return {"seconds": t2 - t0, "read_csv": t1 - t0, "to_sql": t2 - t1, "rows": int(rows),
            "method": kwargs["method"] or "default", "chunksize": kwargs["chunksize"]}


# --- one database ------------------------------------------------------------


def run_database(dialect: str, engine: Engine, inp: dict, reload_paths: list[Path],
                 repeats: int) -> dict:
    paths = {k: Path(p) for k, p in inp["paths"].items()}
    res: dict = {"load_avg_before": os.getloadavg()}
    log(f"{DB_LABEL[dialect]}: init_db, regions and courts")
    ready(engine)
    for kind in ("regions", "courts"):
        r = load_file(engine, paths[kind], kind=kind, max_bytes=None)
        if r.status != "loaded":
            raise RuntimeError(f"{kind}.csv was {r.status}: "
                               f"{r.errors[0].message if r.errors else ''}")

    log(f"{DB_LABEL[dialect]}: DuckDB read_csv x{repeats}")
    res["duckdb"] = duckdb_read_csv(paths["cases"], repeats)
    log(f"  best {res['duckdb']['seconds']:.2f} s")

    log(f"{DB_LABEL[dialect]}: bare write of the file into a keyed table")
    res["bare"] = bare_write(engine, paths["cases"], dialect)
    log(f"  best {res['bare']['seconds']:.2f} s ({res['bare']['how']})")

    log(f"{DB_LABEL[dialect]}: load_file of {inp['rows']:,} cases")
    res["load"] = timed_load(engine, paths["cases"])
    log(f"  {res['load']['seconds']:.1f} s")

    log(f"{DB_LABEL[dialect]}: pandas read_csv + to_sql")
    res["to_sql"] = pandas_to_sql(engine, paths["cases"], dialect)
    log(f"  {res['to_sql']['seconds']:.1f} s")

    log(f"{DB_LABEL[dialect]}: one court-year re-load x{len(reload_paths)}")
    runs = [timed_load(engine, p) for p in reload_paths]
    totals = [r["seconds"] for r in runs]
    refreshes = [r["stages"].get(REFRESH_STAGE, float("nan")) for r in runs]
    res["court_year"] = {
        "seconds": statistics.median(totals),
        "refresh_seconds": statistics.median(refreshes),
        "runs": runs,
    }
    log(f"  median {res['court_year']['seconds']:.2f} s "
        f"(refresh {res['court_year']['refresh_seconds']:.2f} s)")
    res["ratio_duckdb"] = res["load"]["seconds"] / res["duckdb"]["seconds"]
    res["ratio_bare"] = res["load"]["seconds"] / res["bare"]["seconds"]
    res["ratio_to_sql"] = res["load"]["seconds"] / res["to_sql"]["seconds"]
    res["load_avg_after"] = os.getloadavg()
    return res


def run_sqlite(out: Path, inp: dict, reload_paths: list[Path], repeats: int) -> dict:
    db = out / "bench_ingest.sqlite"
    _remove_sqlite(db)
    engine = make_engine(f"sqlite:///{db}")
    try:
        res = run_database("sqlite", engine, inp, reload_paths, repeats)
        res["database"] = str(db)
        return res
    finally:
        engine.dispose()


def _remove_sqlite(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def run_postgres(url: str, inp: dict, reload_paths: list[Path], repeats: int) -> dict:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    engine = None
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        # The schema travels in the URL (?options=-csearch_path%3D<schema>), as in the tests.
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(scoped.render_as_string(hide_password=False))
        with engine.connect() as conn:
            server = conn.execute(text("SHOW server_version")).scalar()
        res = run_database("postgresql", engine, inp, reload_paths, repeats)
        res["schema"], res["server_version"] = schema, server
        return res
    finally:
        if engine is not None:
            engine.dispose()
        try:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            log(f"PostgreSQL: dropped schema {schema}")
        except Exception as exc:
            log(f"PostgreSQL: could not drop schema {schema}: {exc}")
        admin.dispose()


# --- one court-year into the national database ---------------------------------


def national_court_year(engine: Engine, out: Path, repeats: int, month: bool = False
                        ) -> tuple[dict, list[Path]]:
    """The biggest court-year of the database (by cases filed) as ``repeats`` CSV versions
    with moved resolved dates (see court_year_files); with ``month``, only the cases that
    court filed in the last month of that year (a court-month, periods.md)."""
    with engine.connect() as conn:
        court, year, n = conn.execute(text(
            "SELECT court_code, year, SUM(incoming) AS n FROM facts WHERE source = 'cases' "
            "GROUP BY court_code, year ORDER BY n DESC, court_code LIMIT 1")).one()
        start, stop = dt.date(int(year), 1, 1), dt.date(int(year) + 1, 1, 1)
        if month:
            start = dt.date(int(year), 12, 1)
        frame = frames.read_sql(conn, "SELECT * FROM cases WHERE court_code = :c AND "
                                     "filed_date >= :a AND filed_date < :b",
                               {"c": court, "a": start, "b": stop})
        total = conn.execute(text("SELECT COUNT(*) FROM cases")).scalar()
    frame = frames.typed(frame.drop(columns=["upload_id"]), "cases")
    src = out / f"national_{court}_{year}.csv"
    write_csv(frame, "cases", src)
    info, paths = court_year_files(src, out, repeats)
    info.update(database_cases=int(total), facts_incoming=int(n),
                unit="court-month" if month else "court-year")
    return info, paths


def _sqlite_copy(url: str, out: Path) -> Path:
    """A consistent copy of the national SQLite file (sqlite3 backup API)."""
    import sqlite3

    src = make_url(url).database
    if not src or not Path(src).is_file():
        raise FileNotFoundError(f"no SQLite database at {url}; build it with python -m data "
                                "demo --scale national --db URL")
    dst = out / "national_upload.sqlite"
    _remove_sqlite(dst)
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


def run_national_db(dialect: str, engine: Engine, out: Path, repeats: int,
                    undo_after: bool, month: bool = False) -> dict:
    res: dict = {"load_avg_before": os.getloadavg()}
    log(f"{DB_LABEL[dialect]}: exporting the biggest court-year of the national data")
    info, paths = national_court_year(engine, out, repeats, month)
    res["court_year"] = info
    log(f"  {info['court']} {info['year']}: {info['rows']:,} rows "
        f"({info['database_cases']:,} cases in the database), "
        f"{info['changed_dates']} resolved dates moved; {len(paths)} loads")
    runs, loaded = [], []
    try:
        for path in paths:
            r = timed_load(engine, path)
            runs.append(r)
            with engine.connect() as conn:
                loaded.append(int(conn.execute(text("SELECT MAX(id) FROM uploads")).scalar()))
            log(f"  {path.name}: {r['seconds']:.2f} s, refresh "
                f"{r['stages'].get(REFRESH_STAGE, float('nan')):.2f} s, "
                f"{r['report']['replaced']} replaced")
    finally:
        if undo_after:
            res["undo_seconds"] = []
            for upload_id in reversed(loaded):  # newest first: each replaced the one before
                t = time.perf_counter()
                undo(engine, upload_id, user="bench")
                res["undo_seconds"].append(time.perf_counter() - t)
            if loaded:
                log(f"  undone uploads {loaded} (median "
                    f"{statistics.median(res['undo_seconds']):.2f} s each)")
    res.update(runs=runs, seconds=statistics.median(r["seconds"] for r in runs),
               refresh_seconds=statistics.median(r["stages"].get(REFRESH_STAGE, float("nan"))
                                                 for r in runs),
               load_avg_after=os.getloadavg())
    return res


def run_national(args, out: Path) -> tuple[dict, bool]:
    results: dict = {
        "benchmark": "ingest_national",
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "repeats": args.repeats, "goals": {"court_year_refresh_max_seconds": REFRESH_GOAL_S},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "databases": {},
    }
    failed = False
    dst = None
    try:
        log(f"SQLite: copying {args.national_sqlite} (the original is never written)")
        dst = _sqlite_copy(database_url(args.national_sqlite), out)
        engine = make_engine(f"sqlite:///{dst}")
        try:
            res = run_national_db("sqlite", engine, out, args.repeats, undo_after=False,
                                  month=args.month)
            res["database"] = f"copy of {args.national_sqlite}"
            results["databases"]["sqlite"] = res
        finally:
            engine.dispose()
    except Exception as exc:
        failed = True
        traceback.print_exc()
        results["databases"]["sqlite"] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        if dst is not None:
            _remove_sqlite(dst)
    if args.skip_postgres:
        results["databases"]["postgresql"] = {"skipped": "--skip-postgres"}
    else:
        from bench.pages import PG_SCHEMA, ensure_pg_national, scoped_pg_url

        why = pg_reachable(database_url(args.pg_url))
        if why is not None:
            log(f"PostgreSQL not reachable: {why}; continuing without it")
            results["databases"]["postgresql"] = {"skipped": f"unreachable: {why}"}
        else:
            engine = None
            try:
                ensure_pg_national(args.pg_url, out)
                engine = make_engine(scoped_pg_url(args.pg_url, PG_SCHEMA))
                res = run_national_db("postgresql", engine, out, args.repeats, month=args.month,
                                      undo_after=True)
                res["database"] = f"schema {PG_SCHEMA}, uploads undone afterwards"
                results["databases"]["postgresql"] = res
            except Exception as exc:
                failed = True
                traceback.print_exc()
                results["databases"]["postgresql"] = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                if engine is not None:
                    engine.dispose()
    results["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return results, failed


def render_national(results: dict) -> str:
    dbs = [d for d in ("sqlite", "postgresql") if "runs" in results["databases"].get(d, {})]
    unit = next((res["court_year"].get("unit", "court-year")
                 for res in results["databases"].values() if "court_year" in res), "court-year")
    out = [f"One {unit} upload into the national database; {results['machine']['cpus']} "
           f"CPUs; {results['started']}"]
    for d, res in results["databases"].items():
        if "runs" not in res:
            out.append(f"{DB_LABEL[d]}: not measured ({res.get('skipped') or res.get('error')})")
    if not dbs:
        return "\n".join(out)
    r = results["databases"]
    w0, w = 38, 14
    head = f"{'':<{w0}}" + "".join(f"{DB_LABEL[d]:>{w}}" for d in dbs) + "   goal"
    rule = "-" * len(head)
    for d in dbs:
        cy, first = r[d]["court_year"], r[d]["runs"][0]["report"]
        out.append(f"{DB_LABEL[d]}: {cy['court']} {cy['year']}, {cy['rows']:,} rows into "
                   f"{cy['database_cases']:,} cases ({r[d]['database']}); "
                   f"{first['replaced']} replaced, {first['unchanged']:,} unchanged, "
                   f"{first['kpi_cells']:,} KPI cells refreshed; median of {len(r[d]['runs'])}; "
                   f"load avg {r[d]['load_avg_before'][0]:.2f}")
    out += [rule, head, rule]

    def row(label: str, cells: list[str], goal: str = "") -> None:
        out.append(f"{label:<{w0}}" + "".join(f"{c:>{w}}" for c in cells)
                   + (f"   {goal}" if goal else ""))

    def med(d: str, get) -> float:
        return statistics.median(get(x) for x in r[d]["runs"])

    row("load_file total (s)", [_s(r[d]["seconds"]) for d in dbs])
    for label, _ in STAGES[:-1]:
        row(f"  {label}", [_s(med(d, lambda x, k=label: x["stages"].get(k, float("nan"))))
                           for d in dbs])
    row("  refresh part (s)", [f"{r[d]['refresh_seconds']:.2f} "
                               f"{_met(r[d]['refresh_seconds'] < REFRESH_GOAL_S)}"
                               for d in dbs], f"< {REFRESH_GOAL_S:g} s")
    for key in ("facts", "KPIs", "commit + rest"):
        row(f"    refresh: {key}", [_s(med(d, lambda x, k=key: x["refresh_detail"][k]))
                                    for d in dbs])
    out.append(rule)
    for d in dbs:
        out.append(f"{DB_LABEL[d]} runs, total / refresh (s): " + ", ".join(
            f"{x['seconds']:.2f} / {x['stages'].get(REFRESH_STAGE, float('nan')):.2f}"
            for x in r[d]["runs"]) + ("; undo afterwards (s): " + ", ".join(
                f"{x:.2f}" for x in r[d]["undo_seconds"]) if r[d].get("undo_seconds") else ""))
    return "\n".join(out)


# --- profile -----------------------------------------------------------------


def profile_sqlite(out: Path, inp: dict, top: int = 15) -> dict:
    """One cProfile'd load_file of the cases CSV into a fresh SQLite file."""
    paths = {k: Path(p) for k, p in inp["paths"].items()}
    db = out / "bench_profile.sqlite"
    _remove_sqlite(db)
    engine = make_engine(f"sqlite:///{db}")
    try:
        ready(engine)
        for kind in ("regions", "courts"):
            load_file(engine, paths[kind], kind=kind, max_bytes=None)
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.enable()
        report = load_file(engine, paths["cases"], kind="cases", max_bytes=None)
        prof.disable()
        seconds = time.perf_counter() - t
    finally:
        engine.dispose()
        _remove_sqlite(db)
    prof_path = out / "load_sqlite.prof"
    prof.dump_stats(prof_path)
    roots = tuple(str(ROOT / d) + os.sep for d in ("data", "kpi"))
    stats = pstats.Stats(prof).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    mine = [(k, v) for k, v in stats.items() if k[0].startswith(roots)]
    mine.sort(key=lambda kv: kv[1][3], reverse=True)
    entries = [{"function": f"{Path(k[0]).relative_to(ROOT)}:{k[1]}({k[2]})",
                "ncalls": v[1], "tottime": v[2], "cumtime": v[3]} for k, v in mine[:top]]
    return {"seconds": seconds, "status": report.status, "prof": str(prof_path),
            "top_cumulative": entries}


# --- output ------------------------------------------------------------------


def _s(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render(results: dict) -> str:
    inp = results["input"]
    dbs = [d for d in ("sqlite", "postgresql") if "load" in results["databases"].get(d, {})]
    lines = [
        f"Ingest benchmark: {inp['rows']:,} case rows of {inp['courts']} courts, cases.csv "
        f"{inp['cases_bytes'] / 1e6:.1f} MB ({inp['cases_bytes']:,} bytes), seed "
        f"{results['seed']}; {results['machine']['cpus']} CPUs; "
        f"{results['started']}",
    ]
    for d, res in results["databases"].items():
        if "load" not in res:
            lines.append(f"{DB_LABEL[d]}: not measured ({res.get('skipped') or res.get('error')})")
    if not dbs:
        return "\n".join(lines)
    w0, w = 38, 14
    head = f"{'':<{w0}}" + "".join(f"{DB_LABEL[d]:>{w}}" for d in dbs) + "   goal"
    rule = "-" * len(head)
    out = [*lines, rule, head, rule]

    def row(label: str, cells: list[str], goal: str = "") -> None:
        out.append(f"{label:<{w0}}" + "".join(f"{c:>{w}}" for c in cells)
                   + (f"   {goal}" if goal else ""))

    r = results["databases"]
    row("end-to-end load_file (s)", [_s(r[d]["load"]["seconds"], 1) for d in dbs])
    row(f"DuckDB read_csv (s, best of {results['repeats']})",
        [_s(r[d]["duckdb"]["seconds"]) for d in dbs])
    row("pandas read_csv + to_sql (s)", [_s(r[d]["to_sql"]["seconds"], 1) for d in dbs])
    row("  of which read_csv", [_s(r[d]["to_sql"]["read_csv"], 1) for d in dbs])
    row("  of which to_sql", [_s(r[d]["to_sql"]["to_sql"], 1) for d in dbs])
    row("load / DuckDB", [
        f"{r[d]['ratio_duckdb']:.1f}x {_met(r[d]['ratio_duckdb'] <= DUCKDB_GOAL[d])}"
        for d in dbs], "<= 5x SQLite, <= 3x PostgreSQL")
    row("load / to_sql", [f"{r[d]['ratio_to_sql']:.2f}x" for d in dbs], "(reference)")
    row("bare write (s, best of 2)", [_s(r[d]["bare"]["seconds"]) for d in dbs],
        "SQLite csv.reader + executemany; PostgreSQL COPY")
    row("load / bare write", [
        f"{r[d]['ratio_bare']:.2f}x {_met(r[d]['ratio_bare'] <= BARE_GOAL)}" for d in dbs],
        f"<= {BARE_GOAL}x")
    out.append(rule)
    out.append("stages of load_file (s, share of total)")
    for label, _ in STAGES:
        row(f"  {label}", [
            f"{r[d]['load']['stages'].get(label, float('nan')):.1f} "
            f"({r[d]['load']['stages'].get(label, float('nan')) / r[d]['load']['seconds']:4.0%})"
            for d in dbs])
    for key in ("facts", "KPIs", "commit + rest"):
        row(f"    {key}", [_s(r[d]["load"]["refresh_detail"][key], 1) for d in dbs])
    out.append(rule)
    cy = r[dbs[0]]["court_year"]
    first = cy["runs"][0]["report"]
    out.append(
        f"one court-year re-load: {results['court_year']['court']} "
        f"{results['court_year']['year']}, {results['court_year']['rows']:,} rows "
        f"(court has {results['court_year']['court_rows']:,} cases), "
        f"{first['replaced']} replaced, {first['unchanged']:,} unchanged; "
        f"median of {len(cy['runs'])}")
    if first["replaced"] != results["court_year"]["changed_dates"]:
        out.append(f"  note: {results['court_year']['changed_dates']} resolved dates were "
                   f"changed but load_file reported {first['replaced']} rows replaced")
    row("  total (s)", [_s(r[d]["court_year"]["seconds"]) for d in dbs])
    row("  refresh part (s)", [
        f"{r[d]['court_year']['refresh_seconds']:.2f} "
        f"{_met(r[d]['court_year']['refresh_seconds'] < REFRESH_GOAL_S)}" for d in dbs],
        f"< {REFRESH_GOAL_S:g} s")
    for label, _ in STAGES[:-1]:
        row(f"    before: {label}", [_s(statistics.median(
            x["stages"].get(label, float("nan")) for x in r[d]["court_year"]["runs"]))
            for d in dbs])
    for key in ("facts", "KPIs", "commit + rest"):
        row(f"    refresh: {key}", [_s(statistics.median(
            x["refresh_detail"][key] for x in r[d]["court_year"]["runs"])) for d in dbs])
    out.append(rule)
    return "\n".join(out)


def render_profile(prof: dict) -> str:
    out = [f"cProfile of one SQLite load_file ({prof['seconds']:.1f} s under the profiler; "
           f"{prof['prof']}): top {len(prof['top_cumulative'])} cumulative in data/ and kpi/",
           f"{'cumtime':>9} {'tottime':>9} {'ncalls':>9}  function"]
    for e in prof["top_cumulative"]:
        out.append(f"{e['cumtime']:9.2f} {e['tottime']:9.2f} {e['ncalls']:9d}  {e['function']}")
    return "\n".join(out)


# --- main --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="case rows (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=0, help="demo generator seed (default 0)")
    ap.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    ap.add_argument("--pg-url", default=DEFAULT_PG_URL,
                    help="PostgreSQL server (default $TEST_POSTGRES_URL or the test server); "
                         "a throw-away schema is created in it and dropped")
    ap.add_argument("--out", type=Path, default=Path("bench/out"),
                    help="directory for the CSVs, the SQLite file and ingest.json")
    ap.add_argument("--repeats", type=int, default=3,
                    help="DuckDB runs (best is kept) and court-year re-loads (median is "
                         "kept); default 3")
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile one extra SQLite load (not part of the timings)")
    ap.add_argument("--national", action="store_true",
                    help="instead: one court-year upload into the national database")
    ap.add_argument("--month", action="store_true",
                    help="with --national: one court-month (the last month of the biggest "
                         "court-year) instead of the whole court-year")
    ap.add_argument("--national-sqlite", default=DEFAULT_NATIONAL_SQLITE,
                    help=f"the national SQLite database for --national (copied, never "
                         f"written; default {DEFAULT_NATIONAL_SQLITE})")
    args = ap.parse_args(argv)
    if args.rows < 1 or args.repeats < 1:
        ap.error("--rows and --repeats must be at least 1")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.national:
        results, failed = run_national(args, out)
        json_path = out / "ingest_national.json"
        json_path.write_text(json.dumps(results, indent=2, default=str) + "\n",
                             encoding="utf-8")
        print()
        print(render_national(results))
        print(f"\nresults: {json_path}")
        return 1 if failed else 0

    results: dict = {
        "benchmark": "ingest",
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seed": args.seed, "repeats": args.repeats,
        "goals": {"load_over_duckdb_max": DUCKDB_GOAL, "load_over_bare_max": BARE_GOAL,
                  "court_year_refresh_max_seconds": REFRESH_GOAL_S},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "versions": {"pandas": pd.__version__, "sqlalchemy": sqlalchemy.__version__,
                     "duckdb": duckdb.__version__, "numpy": np.__version__},
        "databases": {},
    }
    log(f"building the input: {args.rows:,} national cases (seed {args.seed}) in {out}")
    inp = build_input(out, args.rows, args.seed)
    results["input"] = inp
    log(f"cases.csv: {inp['cases_bytes']:,} bytes ({inp['cases_bytes'] / 1e6:.1f} MB), "
        f"{inp['rows']:,} rows, {inp['courts']} courts, built in {inp['build_seconds']:.1f} s")
    cy_info, reload_paths = court_year_files(Path(inp["paths"]["cases"]), out, args.repeats)
    results["court_year"] = cy_info
    log(f"court-year file: {cy_info['court']} {cy_info['year']}, {cy_info['rows']:,} rows, "
        f"{cy_info['changed_dates']} resolved dates moved")

    failed = False
    try:
        results["databases"]["sqlite"] = run_sqlite(out, inp, reload_paths, args.repeats)
    except Exception as exc:
        failed = True
        traceback.print_exc()
        results["databases"]["sqlite"] = {"error": f"{type(exc).__name__}: {exc}"}

    if args.skip_postgres:
        results["databases"]["postgresql"] = {"skipped": "--skip-postgres"}
    else:
        pg_url = database_url(args.pg_url)
        why = pg_reachable(pg_url)
        if why is not None:
            log(f"PostgreSQL not reachable at {make_url(pg_url).render_as_string()}: {why}; "
                "continuing without it")
            results["databases"]["postgresql"] = {"skipped": f"unreachable: {why}"}
        else:
            try:
                results["databases"]["postgresql"] = run_postgres(
                    pg_url, inp, reload_paths, args.repeats)
            except Exception as exc:
                failed = True
                traceback.print_exc()
                results["databases"]["postgresql"] = {"error": f"{type(exc).__name__}: {exc}"}

    if args.profile:
        log("cProfile of one extra SQLite load")
        try:
            results["profile"] = profile_sqlite(out, inp)
        except Exception as exc:
            failed = True
            traceback.print_exc()
            results["profile"] = {"error": f"{type(exc).__name__}: {exc}"}

    results["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    json_path = out / "ingest.json"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print()
    print(render(results))
    if "top_cumulative" in results.get("profile", {}):
        print()
        print(render_profile(results["profile"]))
    print(f"\nresults: {json_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
