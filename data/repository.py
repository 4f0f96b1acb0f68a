"""Queries the pages and the CLI read, returned as DataFrames. No writes here."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection

from data import store
from kpi.catalogue import KPIS
from kpi.targets import attach_targets

VALUE_COLUMNS = ["level", "code", "year", "category", "kpi", "value", "coverage", "target",
                 "tolerance", "illustrative", "status", "numerator", "denominator"]
LEVEL_ORDER = {"national": 0, "region": 1, "court": 2}


def kpi_values(
    conn: Connection,
    level: str | None = None,
    code: str | None = None,
    year: int | None = None,
    category: str | None = None,
    kpi: str | None = None,
) -> pd.DataFrame:
    """Stored KPI cells matching the filters, with target and status attached."""
    where, params = [], {}
    for col, val in (("level", level), ("code", code), ("year", year),
                     ("category", category), ("kpi", kpi)):
        if val is not None:
            where.append(f"{col} = :{col}")
            params[col] = val
    sql = "SELECT level, code, year, category, kpi, value, coverage, numerator, denominator " \
          "FROM kpi_values" + (" WHERE " + " AND ".join(where) if where else "")
    values = store.read_sql(conn, sql, params)
    if values.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    values["year"] = values["year"].astype("int64")
    for c in ("value", "coverage", "numerator", "denominator"):
        values[c] = pd.to_numeric(values[c]).astype("float64")
    tsql = "SELECT kpi, year, court_code, target, tolerance, illustrative FROM targets"
    targets = store.read_sql(conn, tsql)
    out = attach_targets(values, targets)
    kpi_order = {k: i for i, k in enumerate(KPIS)}
    out = out.assign(_l=out["level"].map(LEVEL_ORDER), _k=out["kpi"].map(kpi_order),
                     _c=(out["category"] != "all"))
    out = out.sort_values(["_l", "code", "year", "_c", "category", "_k"]).drop(
        columns=["_l", "_k", "_c"])
    return out[VALUE_COLUMNS].reset_index(drop=True)


def uploads(conn: Connection) -> pd.DataFrame:
    return store.read_sql(
        conn,
        'SELECT id, created_at, "user", source, kind, filename, size_bytes, sha256, rows, '
        "inserted, replaced, unchanged, warning_count, status, undone_at, undone_by "
        "FROM uploads ORDER BY id",
    )


def kpi_values_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=VALUE_COLUMNS)


def years(conn: Connection) -> list[int]:
    """Years with national KPI cells, ascending."""
    df = store.read_sql(conn, "SELECT DISTINCT year FROM kpi_values WHERE level = 'national' "
                              "ORDER BY year")
    return [int(y) for y in df["year"]]
