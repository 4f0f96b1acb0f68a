"""Report benchmark: the PDF reports (issue 14) on the national data.

    python -m bench.report [--sqlite-url URL] [--pg-url URL] [--skip-postgres]
                           [--repeats 5] [--court KZ75-D01] [--region KZ-75] [--lang ru]
                           [--all] [--jobs N] [--out bench/out]

Per database (the national SQLite file of ``bench.pages``; the PostgreSQL schema
``bench_national``, built by ``bench.pages.ensure_pg_national`` when missing):

* **one national and one court report**, in this process: read (``gather``, with the
  courts, regions and targets read again each time, as one API request does), content
  (``build_content``), PDF (``render_content``: the charts and the layout), ``--repeats``
  times after one untimed warm-up, median and worst; and the very first report of the
  process (fonts and matplotlib set up), imports not counted;
* **the CLI**, ``python -m kpi report --level court``: a new process, start to file;
* **a batch**: every court of ``--region`` as ``--all-courts --region`` makes them
  (``cli.kpi``'s own loop, the directory read once), in one process and with ``--jobs``
  processes (default: the cores), total and per court; with ``--all`` every court of
  the nation.

Goal (printed, never asserted): each report under 2 s. Everything goes to
``<out>/report.json``. A non-zero exit means something errored.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.appserver import pg_reachable
from bench.pages import DEFAULT_SQLITE_URL, ensure_pg_national, log, scoped_pg_url
from data.store.db import ROOT, make_engine

DEFAULT_PG_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GOAL_S = 2.0


def _one(engine, level: str, code: str | None, year: int | None, lang: str,
         directory=None) -> dict:
    from data.publish.report_data import gather
    from layouts.report import build_content, render_content

    t0 = time.perf_counter()
    with engine.connect() as conn:
        data = gather(conn, level, code, year, directory=directory)
    t1 = time.perf_counter()
    content = build_content(data, lang)
    t2 = time.perf_counter()
    pdf = render_content(content)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "content": t2 - t1, "pdf": t3 - t2, "total": t3 - t0,
            "bytes": len(pdf), "filename": content.filename, "pdf_data": pdf}


def _summary(runs: list[dict]) -> dict:
    out = {}
    for key in ("read", "content", "pdf", "total"):
        values = [r[key] for r in runs]
        out[key] = {"median": statistics.median(values), "max": max(values)}
    out["bytes"] = runs[-1]["bytes"]
    return out


def _cli(url: str, court: str, lang: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kpi", "report", "--level", "court", "--code",
                        court, "--year", "2025", "--lang", lang, "--out",
                        str(Path(tmp) / "r.pdf"), "--db", url], cwd=ROOT, check=True,
                       capture_output=True, timeout=300)
        return time.perf_counter() - t0


def _batch(url: str, codes: list[str], year: int, lang: str, jobs: int) -> dict:
    """The courts' reports as ``--all-courts --jobs`` makes them (cli.kpi's own loop)."""
    from cli.kpi import _court_reports
    from data.publish.report_data import Directory

    t0 = time.perf_counter()
    engine = make_engine(url)
    with engine.connect() as conn:
        directory = Directory.read(conn)
    engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        skipped = _court_reports(url, codes, year, lang, tmp, jobs, directory)
    total = time.perf_counter() - t0
    made = len(codes) - len(skipped)
    return {"courts": len(codes), "made": made, "skipped": len(skipped), "jobs": jobs,
            "total": total, "per_court": total / made if made else None}


def run(label: str, url: str, args) -> dict:
    from data.store import repository

    log(f"{label}: {url}")
    engine = make_engine(url)
    with engine.connect() as conn:
        courts = repository.courts(conn)
        year = repository.years(conn)[-1]
    result: dict = {"url": url, "year": year, "courts": len(courts)}
    first = _one(engine, "national", None, year, args.lang)
    result["first_report_in_process"] = first["total"]
    for level, code in (("national", None), ("court", args.court)):
        _one(engine, level, code, year, args.lang)  # warm-up
        runs = [_one(engine, level, code, year, args.lang) for _ in range(args.repeats)]
        result[level] = _summary(runs)
        log(f"  {level}: median {result[level]['total']['median']:.2f} s")
    result["cli_court"] = _cli(url, args.court, args.lang)
    codes = list(courts["court_code"]) if args.all else \
        list(courts.loc[courts["region_code"] == args.region, "court_code"])
    scope = "nation" if args.all else args.region
    result["batch"] = [_batch(url, codes, year, args.lang, jobs) | {"scope": scope}
                       for jobs in sorted({1, args.jobs})]
    for b in result["batch"]:
        log(f"  batch, {b['jobs']} process(es): {b['made']} reports in {b['total']:.1f} s")
    engine.dispose()
    return result


def render(results: dict) -> str:
    lines = ["", f"PDF reports on the national data (goal: under {GOAL_S:.0f} s each)", ""]
    for label, r in results.items():
        lines.append(f"{label} ({r['courts']} courts, {r['year']})")
        for level in ("national", "court"):
            s = r[level]
            ok = "met" if s["total"]["max"] < GOAL_S else "MISSED"
            lines.append(
                f"  {level:9} median {s['total']['median']:.2f} s, worst {s['total']['max']:.2f}"
                f" s (read {s['read']['median']:.2f}, content {s['content']['median']:.2f},"
                f" PDF {s['pdf']['median']:.2f}), {s['bytes'] / 1024:.0f} KB: goal {ok}")
        lines.append(f"  first report of a process (imports done): "
                     f"{r['first_report_in_process']:.2f} s")
        lines.append(f"  CLI, one court report, process start to file: {r['cli_court']:.2f} s")
        for b in r["batch"]:
            lines.append(f"  batch of {b['scope']}, --jobs {b['jobs']}: {b['made']} reports "
                         f"({b['skipped']} courts without data skipped) in {b['total']:.1f} s,"
                         f" {b['per_court']:.2f} s a court")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.report")
    p.add_argument("--sqlite-url", default=DEFAULT_SQLITE_URL)
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--skip-postgres", action="store_true")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--court", default="KZ75-D01")
    p.add_argument("--region", default="KZ-75")
    p.add_argument("--lang", default="ru", choices=["kk", "ru", "en"])
    p.add_argument("--all", action="store_true", help="batch: every court of the nation")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="the batch also with this many processes (default: the cores)")
    p.add_argument("--out", default="bench/out")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    import layouts.report  # noqa: F401  (imports are not part of a report's time)

    imports = time.perf_counter() - t0
    results = {"SQLite": run("SQLite", args.sqlite_url, args)}
    if not args.skip_postgres:
        reason = pg_reachable(args.pg_url)
        if reason:
            log(f"PostgreSQL skipped: {reason}")
        else:
            ensure_pg_national(args.pg_url, out)
            results["PostgreSQL"] = run("PostgreSQL", scoped_pg_url(args.pg_url,
                                                                    "bench_national"), args)
    print(render(results))
    print(f"\n(imports of the report modules: {imports:.2f} s, once per process)")
    (out / "report.json").write_text(json.dumps(
        {"imports": imports, "results": results, "load": os.getloadavg()}, indent=1,
        default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
