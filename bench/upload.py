"""Upload benchmark: a 1 M-row file through the browser upload page vs ``python -m data load``.

    python -m bench.upload [--rows 1000000] [--repeats 3] [--seed 0] [--out bench/out]
                           [--pg-url URL]

Builds the cases CSV of ``bench.ingest`` (the first N national demo cases, with the
regions and courts files they need), then, on two fresh databases holding only those
regions and courts (SQLite files in ``--out``; with ``--pg-url``, two throw-away schemas
of that PostgreSQL server):

* CLI: ``python -m data load cases.csv --db URL`` in a subprocess, wall clock (the
  baseline, Python start included, as an analyst runs it);
* browser: the real app (``python app.py``, background work in forked processes as in a
  default deployment) and headless Chromium signed in as an analyst: pick the file in
  the upload page, wait for the review, click Load, confirm, wait for "done". The clock
  runs from the file pick to the result on the page; the steps in between (transfer,
  review, load) are timed too, and the load's progress bar is sampled every 100 ms to
  show that it moved. (The review reads and checks the file once; the load then writes
  the rows it validated, since nothing changed in the database in between.)

Each run uses fresh databases and the two loads alternate in order; it prints the
medians and their ratio (the goal: at most 1.5x) and writes everything to
``<out>/upload.json`` (``upload_pg.json`` on PostgreSQL). It never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.appserver import CHROMIUM, chromium, login, running_app
from bench.ingest import build_input, log

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.5
USER, PASSWORD = "bench-analyst", "bench-upload-password"


def fresh_database(url: str, inp: dict) -> None:
    """Schema, the regions and courts, and the account that uploads."""
    from data.accounts import users
    from data.derive.refresh import ready
    from data.ingest.load import load_file
    from data.store.db import make_engine

    engine = make_engine(url)
    ready(engine)
    for kind in ("regions", "courts"):
        report = load_file(engine, inp["paths"][kind], kind=kind)
        assert report.status == "loaded", report.errors[:3]
    with engine.begin() as conn:
        users.add_user(conn, USER, "analyst", PASSWORD)
    engine.dispose()


def cli_load(url: str, path: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "data", "load", path, "--db", url,
                           "--user", "bench"], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"CLI load failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return {"seconds": seconds, "output": done.stdout.strip().splitlines()[-1]}


def browser_load(url: str, path: str, folder: Path) -> dict:
    """The upload page from file pick to result; steps and progress samples."""
    shutil.rmtree(folder, ignore_errors=True)  # no job record of an earlier run
    folder.mkdir(parents=True)
    env = {"COURT_KPI_UPLOAD_DIR": str(folder / "uploads"),
           "COURT_KPI_CACHE_DIR": str(folder / "cache")}
    saved = {k: os.environ.get(k) for k in (*env, "REDIS_URL")}
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)  # the default deployment: no Celery
    try:
        with running_app(url, folder / "app.log") as base, chromium() as browser:
            context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                          locale="en-US")
            login(context, base, USER, PASSWORD)
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/upload")
            page.wait_for_selector("#upload-pick")
            page.wait_for_load_state("networkidle")
            marks: dict[str, float] = {}
            with page.expect_file_chooser() as chooser:
                page.click("#upload-pick")
            marks["pick"] = time.perf_counter()
            chooser.value.set_files(path)
            page.wait_for_selector("#upload-transfer-msg:has-text('received')", timeout=600_000)
            marks["sent"] = time.perf_counter()
            page.wait_for_selector("#upload-verdict", timeout=600_000)
            marks["reviewed"] = time.perf_counter()
            verdict = page.inner_text("#upload-verdict").splitlines()[0]
            page.click("#upload-load:not([disabled])")
            page.click("#upload-confirm-ok")
            marks["confirmed"] = time.perf_counter()
            samples = []
            while not page.query_selector("#upload-job-card[data-state='done']"):
                # (a fresh app: no earlier job card to confuse with this one)
                bar = page.query_selector("#upload-load-bar .progress-bar")
                if bar is not None:
                    samples.append((round(time.perf_counter() - marks["confirmed"], 2),
                                    bar.get_attribute("aria-valuenow"), bar.inner_text()))
                if time.perf_counter() - marks["confirmed"] > 1800:
                    raise TimeoutError("the load did not finish in 30 minutes")
                page.wait_for_timeout(100)
            marks["done"] = time.perf_counter()
            result = page.inner_text("#upload-job-card")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    steps = {"transfer": marks["sent"] - marks["pick"],
             "review": marks["reviewed"] - marks["sent"],
             "click Load + confirm": marks["confirmed"] - marks["reviewed"],
             "load": marks["done"] - marks["confirmed"]}
    shown = []
    for _, value, label in samples:
        if label and (not shown or shown[-1][1] != label):
            shown.append((value, label))
    return {"seconds": marks["done"] - marks["pick"], "steps": steps, "verdict": verdict,
            "progress_shown": shown, "progress_samples": len(samples),
            "result": result.splitlines()[:6], "console_errors": errors}


def rows_loaded(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM cases")).scalar()
    engine.dispose()
    return int(n)


def databases(args, out: Path):
    if not args.pg_url:
        urls = {}
        for name in ("cli", "browser"):
            db = out / f"upload_{name}.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            urls[name] = f"sqlite:///{db}"
        return urls, lambda: None
    admin = create_engine(args.pg_url)
    schemas = {name: f"bench_upload_{name}_{uuid.uuid4().hex[:8]}" for name in ("cli",
                                                                              "browser")}
    with admin.begin() as conn:
        for schema in schemas.values():
            conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop():
        with admin.begin() as conn:
            for schema in schemas.values():
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    return {n: f"{args.pg_url}?options=-csearch_path%3D{s}" for n, s in schemas.items()}, drop


def run_once(args, out: Path, inp: dict, browser_first: bool) -> dict:
    """Both loads on fresh databases; the order alternates between runs (a busy machine
    should not always slow down the same one)."""
    urls, cleanup = databases(args, out)
    path = inp["paths"]["cases"]
    try:
        for url in urls.values():
            fresh_database(url, inp)
        run: dict = {}
        for name in (("browser", "cli") if browser_first else ("cli", "browser")):
            log(f"  {name}")
            run[name] = (browser_load(urls[name], path, out / "upload_app") if name == "browser"
                         else cli_load(urls[name], path))
            log(f"    {run[name]['seconds']:.1f} s")
        run["counts"] = {name: rows_loaded(url) for name, url in urls.items()}
    finally:
        cleanup()
    run["ratio"] = run["browser"]["seconds"] / run["cli"]["seconds"]
    run["load_average"] = os.getloadavg()
    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.upload",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of both loads, in alternating order (default 3; medians)")
    ap.add_argument("--out", type=Path, default=Path("bench/out"))
    ap.add_argument("--pg-url", default=None,
                    help="run on two throw-away schemas of this PostgreSQL (default: SQLite)")
    args = ap.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    (out / "upload_input").mkdir(parents=True, exist_ok=True)
    log(f"building {args.rows:,} cases")
    # Its own folder: bench.ingest writes files of the same names into --out.
    inp = build_input(out / "upload_input", args.rows, args.seed)
    log(f"cases.csv: {inp['cases_bytes'] / 1e6:.1f} MB, {inp['rows']:,} rows, "
        f"{inp['courts']} courts")
    runs = []
    for i in range(args.repeats):
        log(f"run {i + 1} of {args.repeats}")
        runs.append(run_once(args, out, inp, browser_first=bool(i % 2)))
    cli = statistics.median(r["cli"]["seconds"] for r in runs)
    browser = statistics.median(r["browser"]["seconds"] for r in runs)
    ratio = browser / cli
    last = runs[-1]["browser"]
    database = "PostgreSQL" if args.pg_url else "SQLite"
    print()
    print(f"{inp['rows']:,} case rows ({inp['cases_bytes'] / 1e6:.1f} MB CSV), {database}, "
          f"{os.cpu_count()} cores, {len(runs)} runs (medians)")
    print(f"  python -m data load (baseline)   {cli:7.1f} s   "
          + "  ".join(f"{r['cli']['seconds']:.1f}" for r in runs))
    print(f"  browser, pick to result          {browser:7.1f} s   "
          + "  ".join(f"{r['browser']['seconds']:.1f}" for r in runs))
    for step in last["steps"]:
        values = [r["browser"]["steps"][step] for r in runs]
        print(f"    {step:<30} {statistics.median(values):7.1f} s")
    print(f"  ratio of medians browser / CLI   {ratio:7.2f}x   goal <= {GOAL}x: "
          f"{'met' if ratio <= GOAL else 'missed'}   (per run: "
          + ", ".join(f"{r['ratio']:.2f}" for r in runs) + ")")
    print("  load averages: " + ", ".join(f"{r['load_average'][0]:.2f}" for r in runs))
    print(f"  review verdict: {last['verdict']}")
    print(f"  load progress shown ({last['progress_samples']} samples): "
          + " -> ".join(label for _, label in last["progress_shown"]))
    print("  rows in cases: " + "; ".join(
        f"CLI {r['counts']['cli']:,}, browser {r['counts']['browser']:,}" for r in runs))
    errors = [e for r in runs for e in r["browser"]["console_errors"]]
    if errors:
        print(f"  browser console errors: {errors[:3]}")
    result = {"rows": inp["rows"], "bytes": inp["cases_bytes"], "database": database,
              "runs": runs, "cli_median": cli, "browser_median": browser, "ratio": ratio,
              "goal": GOAL,
              "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
              "at": time.strftime("%Y-%m-%d %H:%M:%S")}
    name = "upload_pg.json" if args.pg_url else "upload.json"
    (out / name).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
