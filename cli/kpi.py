"""``python -m kpi``: the catalogue, the computed values, the outlook, the simulator and
the PDF reports."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import pandas as pd

from data.store.schema import CATEGORIES
from kpi.catalogue import CATALOGUE, KPIS
from kpi.outlook import DEFAULT_HORIZON, HORIZONS, MAX_STEPS
from layouts.export import csv_text, json_records


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m kpi", description="Court KPI catalogue and values.")
    sub = p.add_subparsers(dest="command", required=True)
    lst = sub.add_parser("list", help="the KPI catalogue")
    lst.add_argument("--format", choices=["csv", "json"], default="csv")
    val = sub.add_parser("values", help="computed KPI values with targets and status")
    val.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    val.add_argument("--level", choices=["national", "region", "court"])
    val.add_argument("--code", help="court or region code; KZ for national")
    val.add_argument("--year", type=int)
    val.add_argument("--period", type=_period,
                     help="a month, quarter, half-year, year to date or rolling year, e.g. "
                          "2026-Q3, 2026-YTD09, R12-2026-09 (default: complete years)")
    val.add_argument("--category", choices=["all", *CATEGORIES])
    val.add_argument("--kpi", choices=list(KPIS))
    val.add_argument("--format", choices=["csv", "json"], default="csv")
    ye = sub.add_parser("yearend", help="the year in progress: year to date, the same months "
                                        "a year before, and projected to the year's end")
    ye.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    ye.add_argument("--level", choices=["national", "region", "court"])
    ye.add_argument("--code", help="court or region code; KZ for national")
    ye.add_argument("--category", choices=["all", *CATEGORIES])
    ye.add_argument("--kpi", choices=list(KPIS))
    ye.add_argument("--year", type=int, help="default: the year in progress")
    ye.add_argument("--format", choices=["csv", "json"], required=True)
    out = sub.add_parser("outlook", help="will each series reach its target by the horizon")
    out.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    out.add_argument("--level", choices=["national", "region", "court"])
    out.add_argument("--code", help="court or region code; KZ for national")
    out.add_argument("--category", choices=["all", *CATEGORIES])
    out.add_argument("--kpi", choices=list(KPIS))
    out.add_argument("--until", type=int, metavar="YEAR",
                     help="the outlook as made at the end of YEAR (only values up to it)")
    out.add_argument("--horizon", type=_year, default=None,
                     help=f"the target year, {HORIZONS[0]}-{HORIZONS[-1]}, or with --until T "
                          f"T+1 ... T+10 (default {DEFAULT_HORIZON})")
    out.add_argument("--format", choices=["csv", "json"], required=True)
    bt = sub.add_parser("backtest", help="how right the outlook has been: made at the end of "
                                         "each past year, scored against what happened")
    bt.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    bt.add_argument("--kpi", choices=list(KPIS))
    bt.add_argument("--level", choices=["national", "region", "court"])
    bt.add_argument("--category", choices=["all", *CATEGORIES], default="all")
    bt.add_argument("--horizons", type=_steps, default=range(1, 5), metavar="A-B",
                    help="years ahead, e.g. 1-4 (default) or 2")
    bt.add_argument("--format", choices=["csv", "json", "table"], default="table")
    sim = sub.add_parser("simulate", help="project the case flow of one unit to the horizon")
    sim.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    sim.add_argument("--level", choices=["national", "region", "court"], required=True)
    sim.add_argument("--code", help="court or region code (not for national)")
    sim.add_argument("--category", choices=["all", *CATEGORIES], default="all")
    sim.add_argument("--horizon", type=_horizon, default=DEFAULT_HORIZON)
    sim.add_argument("--incoming-change", type=float, default=0.0, metavar="PCT",
                     help="yearly change of incoming cases, %% (default 0)")
    sim.add_argument("--clearance", type=float, metavar="PCT",
                     help="clearance rate, %% (default: the last year's)")
    sim.add_argument("--judges", type=float, metavar="N",
                     help="judges in post (court level, category all), instead of --clearance")
    sim.add_argument("--format", choices=["csv", "json"], required=True)
    gap = sub.add_parser("gap", help="which courts make the gap of the nation or a region "
                                     "to a KPI's target, in the KPI's own unit")
    gap.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    gap.add_argument("--level", choices=["national", "region"], required=True)
    gap.add_argument("--code", help="the region's code (not for national)")
    gap.add_argument("--year", type=int, help="default: the latest year with data")
    gap.add_argument("--period", type=_period, help="instead of --year: a month, quarter, "
                                                   "half-year, year to date or rolling year")
    gap.add_argument("--kpi", choices=list(KPIS), required=True)
    gap.add_argument("--category", choices=["all", *CATEGORIES], default="all")
    gap.add_argument("--format", choices=["csv", "json"], required=True)
    wl = sub.add_parser("workload", help="judges needed by weighted caseload: courts, "
                                         "regions and the nation")
    wl.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    wl.add_argument("--level", choices=["national", "region", "court"])
    wl.add_argument("--code", help="court or region code; KZ for national")
    wl.add_argument("--year", type=int, help="default: the latest complete year with data")
    wl.add_argument("--format", choices=["csv", "json"], required=True)
    ra = sub.add_parser("reallocate", help="a proposal to discuss: judge posts shared in "
                                           "proportion to judges needed")
    ra.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    ra.add_argument("--year", type=int, required=True)
    ra.add_argument("--within", choices=["nation", "region"], default="nation")
    ra.add_argument("--format", choices=["csv", "json"], required=True)
    from layouts.i18n import LANGUAGES

    rep = sub.add_parser("report", help="an A4 PDF report of the nation, a region or a court")
    rep.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    rep.add_argument("--level", choices=["national", "region", "court"])
    rep.add_argument("--code", help="region or court code (not for national)")
    rep.add_argument("--year", type=int)
    rep.add_argument("--period", help="instead of --year: the monitoring report of a half-year "
                                      "or quarter (2026-H1, 2026-Q3; any period of "
                                      "`values --period`)")
    rep.add_argument("--lang", choices=list(LANGUAGES), required=True)
    rep.add_argument("--out", required=True,
                     help="the PDF file; with --all-courts a folder (made if missing)")
    rep.add_argument("--all-courts", action="store_true",
                     help="one PDF per court (of --region, if given) into the --out folder")
    rep.add_argument("--region", help="with --all-courts: only this region's courts")
    rep.add_argument("--jobs", type=int, default=1, metavar="N",
                     help="with --all-courts: N processes at once (default 1)")
    return p


def _horizon(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year") from None
    if year not in HORIZONS:
        raise argparse.ArgumentTypeError(
            f"the horizon must be between {HORIZONS[0]} and {HORIZONS[-1]}, not {year}")
    return year


def _year(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year") from None


def _steps(text: str) -> range:
    first, _, last = text.partition("-")
    try:
        steps = range(int(first), int(last or first) + 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range of years ahead, "
                                         "e.g. 1-4") from None
    if not steps or steps[0] < 1 or steps[-1] > MAX_STEPS:
        raise argparse.ArgumentTypeError(f"years ahead must be within 1-{MAX_STEPS}, "
                                         f"not {text}")
    return steps


def _check_outlook(parser: argparse.ArgumentParser, args) -> None:
    """--horizon: 2026-2035, or with --until T: T+1 ... T+10 (spec outlook.md)."""
    if args.until is None:
        args.horizon = DEFAULT_HORIZON if args.horizon is None else args.horizon
        if args.horizon not in HORIZONS:
            parser.error(f"argument --horizon: the horizon must be between {HORIZONS[0]} "
                         f"and {HORIZONS[-1]}, not {args.horizon}")
        return
    if not 1990 <= args.until <= 2100:
        parser.error(f"argument --until: {args.until} is not a plausible year")
    horizon = DEFAULT_HORIZON if args.horizon is None else args.horizon
    if not args.until < horizon <= args.until + MAX_STEPS:
        parser.error(f"argument --horizon: with --until {args.until} the horizon must be "
                     f"between {args.until + 1} and {args.until + MAX_STEPS}, not {horizon}")
    args.horizon = horizon


def _backtest(args, conn) -> pd.DataFrame:
    from data.store import repository
    from kpi.backtest import backtest_cases, summarise

    cases = backtest_cases(repository.outlook_values(conn, args.kpi), args.horizons)
    keep = cases["category"] == args.category
    if args.level is not None:
        keep &= cases["level"] == args.level
    return summarise(cases[keep])


def _backtest_table(df: pd.DataFrame) -> str:
    """The backtest as a Markdown table (what docs/outlook-method.md shows)."""
    lines = ["| KPI | level | years ahead | cases | 80 % interval held | MAE | "
             "MAE of no change | ratio |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in df.itertuples(index=False):
        lines.append(f"| {r.kpi} | {r.level} | {r.horizon} | {r.cases} | "
                     f"{100 * r.coverage:.1f} % | {r.mae:.3f} | {r.mae_no_change:.3f} | "
                     f"{r.mae_ratio:.2f} |")
    return "\n".join(lines) + "\n"


def _period(text: str) -> str:
    from kpi.periods import PeriodError, parse

    try:
        return parse(text).code
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def catalogue_frame() -> pd.DataFrame:
    rows = []
    for k in CATALOGUE:
        targets = k.default_targets()
        rows.append({
            "code": k.code, "pillar": k.pillar, "unit": k.unit, "direction": k.direction,
            "formula": k.formula, "tolerance": k.tolerance, "grain": k.grain,
            **{f"target_{y}": targets.get(y) for y in range(2025, 2030)},
            "name_en": k.names["en"], "name_ru": k.names["ru"], "name_kk": k.names["kk"],
            "source": k.source,
        })
    return pd.DataFrame(rows)


def _write(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        json.dump(json_records(df), sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(csv_text(df, lineterminator="\n"))  # formula cells neutralised


def _check_simulate(parser: argparse.ArgumentParser, args) -> None:
    if args.level != "national" and not args.code:
        parser.error(f"--code is needed at level {args.level}")
    if args.judges is not None:
        if args.level != "court" or args.category != "all":
            parser.error("--judges is for one court, category all")
        if args.clearance is not None:
            parser.error("give --clearance or --judges, not both")


def _check_report(parser: argparse.ArgumentParser, args) -> None:
    if (args.year is None) == (args.period is None):
        parser.error("give --year (the annual report) or --period (the monitoring report)")
    if args.period is not None:
        from data.publish.monitoring import checked_period
        from kpi.periods import PeriodError

        try:
            args.period = checked_period(args.period).code
        except PeriodError as exc:
            parser.error(str(exc))
        if args.all_courts:
            parser.error("--period makes one unit's monitoring report: no --all-courts")
    if args.all_courts:
        if args.level or args.code:
            parser.error("--all-courts makes every court's report: no --level or --code")
        if not 1 <= args.jobs <= 64:
            parser.error("--jobs is between 1 and 64")
        return
    if args.region or args.jobs != 1:
        parser.error("--region and --jobs are for --all-courts")
    if not args.level:
        parser.error("--level is needed (or --all-courts)")
    if args.level != "national" and not args.code:
        parser.error(f"--code is needed at level {args.level}")
    if args.level == "national" and args.code not in (None, "KZ"):
        parser.error("the national report takes no --code")


def _report(args, conn) -> int:
    """Write one report, or one per court with a progress bar; 1 when none was made."""
    from pathlib import Path

    from data.publish.report_data import Directory, ReportError, court_codes, gather
    from layouts.report import build_content, render_content

    if args.period is not None:
        return _monitoring(args, conn)
    directory = Directory.read(conn)
    if not args.all_courts:
        try:
            content = build_content(gather(conn, args.level, args.code, args.year,
                                           directory=directory), args.lang)
        except ReportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(render_content(content))
        print(f"{out} ({content.title}, {args.year}, {args.lang})", file=sys.stderr)
        return 0
    try:
        codes = court_codes(directory, args.region)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.year not in directory.years:
        print(f"error: no data for {args.year}", file=sys.stderr)
        return 1
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    skipped = _court_reports(conn.engine.url.render_as_string(hide_password=False), codes,
                             args.year, args.lang, str(folder), args.jobs, directory)
    for line in skipped:
        print(f"skipped {line}", file=sys.stderr)
    made = len(codes) - len(skipped)
    print(f"{made} reports in {folder}" + (f", {len(skipped)} courts skipped" if skipped
                                            else ""), file=sys.stderr)
    return 0 if made else 1


def _monitoring(args, conn) -> int:
    """Write the monitoring report of one unit and period (issue 26); 2 for a period the
    data do not reach, 1 for a unit without data or unknown."""
    from pathlib import Path

    from data.accounts.access import SYSTEM
    from data.publish.report_data import ReportError
    from data.scoped.reads import ScopedReads
    from kpi.periods import PeriodError
    from web.report_api import build_monitoring_report

    try:
        filename, pdf = build_monitoring_report(ScopedReads(conn.engine), args.level,
                                                args.code, args.period, args.lang, SYSTEM)
    except PeriodError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(f"{out} ({filename}, {args.period}, {args.lang})", file=sys.stderr)
    return 0


# One process's state in a batch of court reports (``--all-courts``).
_BATCH: dict = {}


def _batch_start(url: str, year: int, lang: str, folder: str, directory=None) -> None:
    from data.publish.report_data import Directory
    from data.store.db import make_engine

    engine = make_engine(url)
    if directory is None:
        with engine.connect() as conn:
            directory = Directory.read(conn)
    _BATCH.update(engine=engine, directory=directory, year=year, lang=lang, folder=folder)


def _court_report(code: str) -> str | None:
    """Write one court's report into the batch's folder; None, or why it was skipped."""
    from pathlib import Path

    from data.publish.report_data import ReportError, gather
    from layouts.report import build_content, render_content

    try:
        with _BATCH["engine"].connect() as conn:
            content = build_content(gather(conn, "court", code, _BATCH["year"],
                                           directory=_BATCH["directory"]), _BATCH["lang"])
    except ReportError as exc:
        return f"{code}: {exc}"
    (Path(_BATCH["folder"]) / content.filename).write_bytes(render_content(content))
    return None


def _court_reports(url: str, codes: list[str], year: int, lang: str, folder: str,
                   jobs: int, directory) -> list[str]:
    """Every court's report, in this process or in ``jobs`` new ones (spawned: a forked
    child would share the parent's database connections); why any was skipped."""
    from tqdm import tqdm

    bar = tqdm(total=len(codes), desc="reports", unit="court", file=sys.stderr)
    skipped = []
    if jobs == 1:
        _batch_start(url, year, lang, folder, directory)
        try:
            for code in codes:
                skipped.append(_court_report(code))
                bar.update()
        finally:
            _BATCH.pop("engine").dispose()
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_batch_start,
                                 initargs=(url, year, lang, folder)) as pool:
            for why in pool.map(_court_report, codes):
                skipped.append(why)
                bar.update()
    bar.close()
    return [why for why in skipped if why]


def _gap(args, engine) -> int:
    """Print the gap table; 2 for a KPI without a decomposition or an unknown region, 1
    for a scope or year without one (no target, no court reporting both inputs)."""
    from data.accounts.access import SYSTEM
    from data.scoped.reads import ScopedReads
    from kpi.gap import GapError, table

    reads = ScopedReads(engine)
    code = "KZ" if args.level == "national" else args.code
    if args.level == "region" and code not in set(reads.regions()["region_code"]):
        print(f"error: no region with the code {str(code)[:64]!r} "
              "(--code is needed at level region)", file=sys.stderr)
        return 2
    from kpi.periods import PeriodError

    years = reads.years()
    year = args.year if args.year is not None else (years[-1] if years else None)
    if args.period is None and year not in years:
        print(f"error: no data for the year {year}", file=sys.stderr)
        return 1
    label = args.period or str(year)
    try:
        # With --period the period decides (its year is in its code).
        found = reads.gap(SYSTEM, args.level, code, int(year or 0), args.kpi, args.category,
                          period=args.period)
    except GapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if exc.code in ("median", "not_decomposed") else 1
    except PeriodError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if found.on_target:
        print(f"note: {code} is on target for {args.kpi} in {label} (gap "
              f"{found.scope_gap:.6g} ≤ 0): the courts below narrow or widen it",
              file=sys.stderr)
    category = "all" if KPIS[args.kpi].grain == "court" else args.category
    _write(table(found, args.level, code, label, category), args.format)
    return 0


def _workload(args, engine) -> int:
    """Print the workload table or the reallocation proposal; 2 for an unknown court or
    region, 1 for a year or scope with nothing to measure (a sentence, kpi.workload)."""
    from data.accounts.access import SYSTEM
    from data.scoped.reads import ScopedReads
    from kpi.workload import WorkloadError

    reads = ScopedReads(engine)
    years = reads.years()
    year = args.year if args.year is not None else (years[-1] if years else None)
    if year is None:
        print("error: no data loaded", file=sys.stderr)
        return 1
    try:
        if args.command == "reallocate":
            _write(reads.reallocation(SYSTEM, year, args.within), args.format)
            return 0
        level, code = args.level, args.code
        if level == "national":
            code = code or "KZ"
        if level in ("court", "region"):
            column = "court_code" if level == "court" else "region_code"
            known = set(reads.directory(SYSTEM)[column]) if level == "court" \
                else set(reads.regions()["region_code"])
            if code not in known:
                print(f"error: no {level} with the code {str(code)[:64]!r} "
                      f"(--code is needed at level {level})", file=sys.stderr)
                return 2
        table = reads.workload(SYSTEM, year, level, code)
    except WorkloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _write(table, args.format)
    return 0


def _run(args, conn) -> pd.DataFrame:
    from data.store import repository

    if args.command == "backtest":
        return _backtest(args, conn)
    filters = {"level": args.level, "code": args.code, "category": args.category,
               "kpi": getattr(args, "kpi", None)}
    if args.command == "values":
        if args.period is not None:
            from data.derive.periods import period_values

            return _only(period_values(conn, args.period), filters)
        values = repository.kpi_values(conn, year=args.year, **filters)
        values.insert(3, "period", values["year"].astype(str))
        return values
    if args.command == "yearend":
        from data.derive.periods import YEAREND_COLUMNS, yearend

        return _only(yearend(conn, args.year), filters)[YEAREND_COLUMNS]
    if args.command == "outlook":
        return repository.outlook(conn, level=args.level, code=args.code,
                                  category=args.category, kpi=args.kpi, horizon=args.horizon,
                                  until=args.until)
    from kpi.simulate import simulate, start_from_flow

    code = "KZ" if args.level == "national" else args.code
    flow = repository.case_flow(conn, args.level, code, args.category)
    judges = repository.judges_in_post(conn, code) if args.level == "court" else {}
    return simulate(start_from_flow(flow, judges), args.horizon, args.incoming_change,
                    args.clearance, args.judges)


def _only(rows: pd.DataFrame, filters: dict) -> pd.DataFrame:
    keep = pd.Series(True, index=rows.index)
    for column, wanted in filters.items():
        if wanted is not None:
            keep &= rows[column] == wanted
    return rows[keep].reset_index(drop=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        _write(catalogue_frame(), args.format)
        return 0
    if args.command == "simulate":
        _check_simulate(parser, args)
    if args.command == "report":
        _check_report(parser, args)
    if args.command == "outlook":
        _check_outlook(parser, args)
    if args.command in ("values", "gap") and args.year is not None and args.period:
        parser.error("give --year or --period, not both")
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from data.store.db import database_url, make_engine, schema_ready
    from kpi.periods import PeriodError
    from kpi.simulate import SimulationError

    engine = make_engine(database_url(args.db))
    try:
        if not schema_ready(engine):
            print("error: the database has no Court KPI tables; run `python -m data init` "
                  "and load data (or `python -m data demo`).", file=sys.stderr)
            return 1
        if args.command == "gap":
            return _gap(args, engine)
        if args.command in ("workload", "reallocate"):
            return _workload(args, engine)
        with engine.connect() as conn:
            if args.command == "report":
                return _report(args, conn)
            df = _run(args, conn)
    except (OperationalError, ProgrammingError) as exc:
        print(f"error: cannot read the database: {exc.orig}", file=sys.stderr)
        return 1
    except SimulationError as exc:
        print(f"error: cannot simulate {args.level} {args.code or 'KZ'}: {exc}", file=sys.stderr)
        return 1
    except PeriodError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "outlook" and df.empty and (args.code or args.kpi):
        print("error: no KPI values for these filters", file=sys.stderr)
        return 1
    if args.command == "backtest":
        if df.empty:
            print("error: too few years loaded to backtest these filters (a series needs "
                  "three years up to a year T and a value after it)", file=sys.stderr)
            return 1
        if args.format == "table":
            sys.stdout.write(_backtest_table(df))
            return 0
    _write(df, args.format)
    return 0
