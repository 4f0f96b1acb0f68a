"""``python -m kpi``: the catalogue, the computed values, the outlook and the simulator."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import pandas as pd

from data.schema import CATEGORIES
from kpi.catalogue import CATALOGUE, KPIS
from kpi.outlook import DEFAULT_HORIZON, HORIZONS


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
    val.add_argument("--category", choices=["all", *CATEGORIES])
    val.add_argument("--kpi", choices=list(KPIS))
    val.add_argument("--format", choices=["csv", "json"], default="csv")
    out = sub.add_parser("outlook", help="will each series reach its target by the horizon")
    out.add_argument("--db", help="database URL (default: $DATABASE_URL, else SQLite file)")
    out.add_argument("--level", choices=["national", "region", "court"])
    out.add_argument("--code", help="court or region code; KZ for national")
    out.add_argument("--category", choices=["all", *CATEGORIES])
    out.add_argument("--kpi", choices=list(KPIS))
    out.add_argument("--horizon", type=_horizon, default=DEFAULT_HORIZON,
                     help=f"the target year, {HORIZONS[0]}-{HORIZONS[-1]} "
                          f"(default {DEFAULT_HORIZON})")
    out.add_argument("--format", choices=["csv", "json"], required=True)
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


def json_records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with missing values as None (JSON null), floats at full precision."""
    # Python's float repr keeps full precision (to_json would round to 15 digits).
    return df.astype(object).where(df.notna(), None).to_dict("records")


def _write(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        json.dump(json_records(df), sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")


def _check_simulate(parser: argparse.ArgumentParser, args) -> None:
    if args.level != "national" and not args.code:
        parser.error(f"--code is needed at level {args.level}")
    if args.judges is not None:
        if args.level != "court" or args.category != "all":
            parser.error("--judges is for one court, category all")
        if args.clearance is not None:
            parser.error("give --clearance or --judges, not both")


def _run(args, conn) -> pd.DataFrame:
    from data import repository

    if args.command == "values":
        return repository.kpi_values(conn, level=args.level, code=args.code, year=args.year,
                                     category=args.category, kpi=args.kpi)
    if args.command == "outlook":
        return repository.outlook(conn, level=args.level, code=args.code,
                                  category=args.category, kpi=args.kpi, horizon=args.horizon)
    from kpi.simulate import simulate, start_from_flow

    code = "KZ" if args.level == "national" else args.code
    flow = repository.case_flow(conn, args.level, code, args.category)
    judges = repository.judges_in_post(conn, code) if args.level == "court" else {}
    return simulate(start_from_flow(flow, judges), args.horizon, args.incoming_change,
                    args.clearance, args.judges)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        _write(catalogue_frame(), args.format)
        return 0
    if args.command == "simulate":
        _check_simulate(parser, args)
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from data.db import database_url, make_engine, schema_ready
    from kpi.simulate import SimulationError

    engine = make_engine(database_url(args.db))
    try:
        if not schema_ready(engine):
            print("error: the database has no Court KPI tables; run `python -m data init` "
                  "and load data (or `python -m data demo`).", file=sys.stderr)
            return 1
        with engine.connect() as conn:
            df = _run(args, conn)
    except (OperationalError, ProgrammingError) as exc:
        print(f"error: cannot read the database: {exc.orig}", file=sys.stderr)
        return 1
    except SimulationError as exc:
        print(f"error: cannot simulate {args.level} {args.code or 'KZ'}: {exc}", file=sys.stderr)
        return 1
    if args.command == "outlook" and df.empty and (args.code or args.kpi):
        print("error: no KPI values for these filters", file=sys.stderr)
        return 1
    _write(df, args.format)
    return 0
