"""``python -m kpi``: the catalogue and the computed values."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import pandas as pd

from data.schema import CATEGORIES
from kpi.catalogue import CATALOGUE, KPIS


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
    return p


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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        _write(catalogue_frame(), args.format)
        return 0
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from data.db import database_url, make_engine, schema_ready
    from data.repository import kpi_values

    engine = make_engine(database_url(args.db))
    try:
        if not schema_ready(engine):
            print("error: the database has no Court KPI tables; run `python -m data init` "
                  "and load data (or `python -m data demo`).", file=sys.stderr)
            return 1
        with engine.connect() as conn:
            df = kpi_values(conn, level=args.level, code=args.code, year=args.year,
                            category=args.category, kpi=args.kpi)
    except (OperationalError, ProgrammingError) as exc:
        print(f"error: cannot read the database: {exc.orig}", file=sys.stderr)
        return 1
    _write(df, args.format)
    return 0
