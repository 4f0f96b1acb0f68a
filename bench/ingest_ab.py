"""Ingest before and after: the same 1 M-case file loaded by this checkout and by another
revision, alternately, each against the bare write of the same round.

    python -m bench.ingest_ab --base REV [--rounds 3] [--rows 1000000] [--skip-postgres]
                              [--out bench/out]

One load per process (a fresh SQLite file or PostgreSQL schema each), ``sync`` and a
pause between processes so that one run's writes to disk do not slow the next, and the
order of the two revisions alternating from round to round: on a 2-core machine shared
with others, one run of each side after the other differed by more than the change
measured (docs/performance.md, session 15). The base revision runs from a temporary git
worktree, its own ``data`` and ``bench.ingest.timed_load``. Prints the median seconds,
the median ratio to the bare write and the median stages per revision and database, and
writes ``<out>/ingest_ab.json``. Never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PAUSE_S = 3.0


def _one(mode: str, db: str, folder: Path, pg_url: str) -> dict:
    """In a process of its own, with the revision's code first on sys.path."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bench.ingest import bare_write, timed_load
    from data.derive.refresh import ready
    from data.ingest.load import load_file
    from data.store.db import make_engine

    admin = schema = None
    if db == "sqlite":
        path = folder / f"ab_{os.getpid()}.sqlite"
        engine = make_engine(f"sqlite:///{path}")
    else:
        schema = f"ab_{uuid.uuid4().hex[:12]}"
        admin = create_engine(pg_url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(url.render_as_string(hide_password=False))
    try:
        ready(engine)
        for kind in ("regions", "courts"):
            load_file(engine, folder / f"{kind}.csv", kind=kind, max_bytes=None)
        if mode == "bare":
            dialect = "sqlite" if db == "sqlite" else "postgresql"
            return {"seconds": bare_write(engine, folder / "cases.csv", dialect)["seconds"]}
        run = timed_load(engine, folder / "cases.csv")
        return {"seconds": run["seconds"], "stages": run["stages"]}
    finally:
        engine.dispose()
        if db == "sqlite":
            for p in folder.glob(f"ab_{os.getpid()}.sqlite*"):
                p.unlink()
        else:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


def _spawn(tree: Path, mode: str, db: str, folder: Path, pg_url: str) -> dict:
    subprocess.run(["sync"], check=False)
    time.sleep(PAUSE_S)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--one", mode, "--db", db,
         "--out", str(folder), "--pg-url", pg_url],
        cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} on {db} in {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict]) -> list[str]:
    out = []
    bare = {(r["round"], r["db"]): r["seconds"] for r in runs if r["side"] == "bare"}
    for db in sorted({r["db"] for r in runs}):
        walls = [v for (_, d), v in bare.items() if d == db]
        out.append(f"{db}: bare write median {statistics.median(walls):.2f} s")
        for side in ("base", "head"):
            mine = [r for r in runs if r["db"] == db and r["side"] == side]
            if not mine:
                continue
            secs = [r["seconds"] for r in mine]
            ratios = [r["seconds"] / bare[(r["round"], db)] for r in mine]
            stages = {k: statistics.median(r["stages"].get(k, 0.0) for r in mine)
                      for k in mine[0]["stages"]}
            out.append(f"  {side:4s} load median {statistics.median(secs):5.1f} s "
                       f"(runs {', '.join(f'{s:.1f}' for s in secs)}); / bare: median "
                       f"{statistics.median(ratios):.2f}x (runs "
                       f"{', '.join(f'{x:.2f}' for x in ratios)}; goal <= 1.5x)")
            out.append("       stages: " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ingest_ab",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", help="the revision to compare against")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--pg-url", default=PG_URL)
    ap.add_argument("--out", type=Path, default=Path("bench/out"))
    ap.add_argument("--one", choices=["bare", "load"], help=argparse.SUPPRESS)
    ap.add_argument("--db", choices=["sqlite", "pg"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(_one(args.one, args.db, args.out.resolve(), args.pg_url)))
        return 0
    if not args.base or args.rounds < 1:
        ap.error("--base REV is needed, and --rounds at least 1")

    from bench.ab_render import _worktree
    from bench.appserver import pg_reachable
    from bench.ingest import build_input

    folder = (args.out / "ingest_ab").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    print(f"building {args.rows:,} cases in {folder}", flush=True)
    build_input(folder, args.rows, 0)
    dbs = ["sqlite"]
    if not args.skip_postgres:
        why = pg_reachable(args.pg_url)
        if why is None:
            dbs.append("pg")
        else:
            print(f"PostgreSQL not reachable ({why}): SQLite only", flush=True)
    runs: list[dict] = []
    with _worktree(args.base) as base:
        trees = [("base", base), ("head", ROOT)]
        for r in range(1, args.rounds + 1):
            for db in dbs:
                runs.append({"round": r, "db": db, "side": "bare",
                             **_spawn(ROOT, "bare", db, folder, args.pg_url)})
                for side, tree in (trees if r % 2 else trees[::-1]):
                    runs.append({"round": r, "db": db, "side": side,
                                 **_spawn(tree, "load", db, folder, args.pg_url)})
                    print(f"round {r} {db} {side}: {runs[-1]['seconds']:.1f} s", flush=True)
    lines = [f"{args.rows:,}-case load, {args.base} (base) against this checkout (head), "
             f"{args.rounds} rounds, {os.cpu_count()} CPUs", *_summary(runs)]
    print("\n".join(lines))
    (args.out / "ingest_ab.json").write_text(json.dumps(
        {"base": args.base, "rounds": args.rounds, "rows": args.rows, "runs": runs},
        indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
