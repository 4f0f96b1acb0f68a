"""Court-level queries, returned as DataFrames: KPI cells, outlooks, case flow,
coverage, targets, the court directory. No writes here.

Closed to the layers above data/ (pyproject.toml): pages, routes and reports read these
through data.scoped, which answers for one viewer. The upload records are in
data.store.upload_records."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Connection, text

from data.store import frames
from kpi.catalogue import KPIS
from kpi.outlook import COLUMNS as OUTLOOK_COLUMNS
from kpi.outlook import DEFAULT_HORIZON, MAX_STEPS, Calibration, calibrate, outlook_table
from kpi.targets import attach_targets

VALUE_COLUMNS = ["level", "code", "year", "category", "kpi", "value", "coverage", "target",
                 "tolerance", "illustrative", "status", "numerator", "denominator"]
LEVEL_ORDER = {"national": 0, "region": 1, "court": 2}


Filter = str | int | Sequence[str | int] | None


def _where(filters: dict[str, Filter]) -> tuple[str, dict]:
    """SQL conditions for scalar (=) or list (IN) filters; None means any."""
    parts, params = [], {}
    for col, val in filters.items():
        if val is None:
            continue
        if isinstance(val, (list, tuple, set)):
            cond, p = frames.in_list(col, list(val))
            parts.append(cond)
            params.update(p)
        else:
            parts.append(f"{col} = :{col}")
            params[col] = val
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def kpi_values(
    conn: Connection,
    level: Filter = None,
    code: Filter = None,
    year: Filter = None,
    category: Filter = None,
    kpi: Filter = None,
) -> pd.DataFrame:
    """Stored KPI cells matching the filters (a value or a list each), with targets and status."""
    where, params = _where({"level": level, "code": code, "year": year,
                            "category": category, "kpi": kpi})
    sql = ("SELECT level, code, year, category, kpi, value, coverage, numerator, denominator "
           "FROM kpi_values" + where)
    values = frames.read_sql(conn, sql, params)
    if values.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    values["year"] = values["year"].astype("int64")
    for c in ("value", "coverage", "numerator", "denominator"):
        values[c] = pd.to_numeric(values[c]).astype("float64")
    out = attach_targets(values, targets(conn))
    kpi_order = {k: i for i, k in enumerate(KPIS)}
    out = out.assign(_l=out["level"].map(LEVEL_ORDER), _k=out["kpi"].map(kpi_order),
                     _c=(out["category"] != "all"))
    out = out.sort_values(["_l", "code", "year", "_c", "category", "_k"]).drop(
        columns=["_l", "_k", "_c"])
    return out[VALUE_COLUMNS].reset_index(drop=True)


def outlook(conn: Connection, level: Filter = None, code: Filter = None,
            category: Filter = None, kpi: Filter = None,
            horizon: int = DEFAULT_HORIZON, until: int | None = None,
            calibration: Calibration | None = None) -> pd.DataFrame:
    """The outlook of every series matching the filters (kpi.outlook, spec outlook.md),
    made as at the end of ``until`` (only values up to it) when given. The interval's
    calibration pools every unit of the KPI, so it is learnt from all the KPI's values
    (up to ``until``), whatever the filters: one series gets one answer everywhere.
    ``calibration``: that learnt already (``outlook_calibration``, kept per data version
    by the pages), so that one KPI of one unit reads only its own cells."""
    if calibration is not None and until is None:
        where, params = _where({"level": level, "code": code, "category": category,
                                "kpi": kpi})
        values = _typed(frames.read_sql(conn, "SELECT level, code, year, category, kpi, "
                                              "value FROM kpi_values" + where, params))
        if values.empty:
            return pd.DataFrame(columns=OUTLOOK_COLUMNS)
        return outlook_table(values, targets(conn), horizon, calibration)
    values = outlook_values(conn, kpi, until)
    if values.empty:
        return pd.DataFrame(columns=OUTLOOK_COLUMNS)
    learnt = calibrate(values)
    keep = pd.Series(True, index=values.index)
    for column, wanted in (("level", level), ("code", code), ("category", category)):
        if isinstance(wanted, (list, tuple, set)):
            keep &= values[column].isin(list(wanted))
        elif wanted is not None:
            keep &= values[column] == wanted
    return outlook_table(values[keep].reset_index(drop=True), targets(conn), horizon, learnt)


def outlook_values(conn: Connection, kpi: Filter = None,
                   until: int | None = None) -> pd.DataFrame:
    """Yearly KPI cells (level, code, year, category, kpi, value) of one KPI or all, up
    to ``until``: what the outlook and its backtest read."""
    where, params = _where({"kpi": kpi})
    if until is not None:
        where += (" AND " if where else " WHERE ") + "year <= :until"
        params["until"] = until
    return _typed(frames.read_sql(conn, "SELECT level, code, year, category, kpi, value "
                                        "FROM kpi_values" + where, params))


def _typed(values: pd.DataFrame) -> pd.DataFrame:
    values["year"] = values["year"].astype("int64")
    values["value"] = pd.to_numeric(values["value"]).astype("float64")
    return values


def outlook_calibration(conn: Connection) -> dict[str, dict[int, float]]:
    """The outlook's learnt multipliers (kpi.outlook.calibrate) on all loaded values: what
    a chart's band needs to end where the outlook row does."""
    return calibrate(outlook_values(conn))


def backtest(conn: Connection, kpi: Filter = None) -> pd.DataFrame:
    """The outlook's track record on the loaded values (kpi.backtest.summarise of every
    series, all categories, 1-10 years ahead): aggregates, no unit named."""
    from kpi.backtest import backtest_cases, summarise

    return summarise(backtest_cases(outlook_values(conn, kpi), range(1, MAX_STEPS + 1)))


def judges_in_post(conn: Connection, court_code: str) -> dict[int, float]:
    """Year -> judges in post of one court (the resources table)."""
    df = frames.read_sql(conn, "SELECT year, judges_in_post FROM resources "
                              "WHERE court_code = :c AND judges_in_post IS NOT NULL",
                        {"c": court_code})
    return {int(y): float(j) for y, j in zip(df["year"], df["judges_in_post"])}


def targets(conn: Connection) -> pd.DataFrame:
    df = frames.read_sql(conn, "SELECT kpi, year, court_code, target, tolerance, illustrative "
                              "FROM targets")
    if not df.empty:
        df["year"] = df["year"].astype("int64")
        df["illustrative"] = df["illustrative"].astype(bool)
    return df


def courts(conn: Connection) -> pd.DataFrame:
    """Every court with its names, region, level and specialization."""
    return frames.read_sql(
        conn, "SELECT court_code, name_en, name_ru, name_kk, region_code, level, specialization "
              "FROM courts ORDER BY court_code")


def regions(conn: Connection) -> pd.DataFrame:
    return frames.read_sql(conn, "SELECT region_code, name_en, name_ru, name_kk FROM regions "
                                "ORDER BY region_code")


def case_flow(conn: Connection, level: str, code: str | None = None,
              category: str | None = None) -> pd.DataFrame:
    """Incoming, resolved and pending cases per year for a court, a region or the nation."""
    filters: dict[str, Filter] = {"category": None if category in (None, "all") else category}
    if level == "court":
        filters["court_code"] = code
    elif level == "region":
        filters["region_code"] = code
    where, params = _where(filters)
    df = frames.read_sql(
        conn, "SELECT year, SUM(pending_start) AS pending_start, SUM(incoming) AS incoming, "
              "SUM(resolved) AS resolved, SUM(pending_end) AS pending_end FROM facts"
              f"{where} GROUP BY year ORDER BY year", params)
    for c in df.columns:
        df[c] = pd.to_numeric(df[c])
    return df


def coverage_matrix(conn: Connection) -> pd.DataFrame:
    """Per court and year: 'cases' when any cell has case-level data, else 'caseload'.

    MAX works because 'cases' sorts after 'caseload'.
    """
    df = frames.read_sql(
        conn, "SELECT court_code, year, MAX(source) AS source FROM facts "
              "GROUP BY court_code, year")
    if not df.empty:
        df["year"] = df["year"].astype("int64")
    return df


def synthetic(conn: Connection) -> bool:
    """True when the data set is the generated demo data."""
    row = frames.read_sql(conn, "SELECT value FROM meta WHERE key = 'synthetic'")
    return not row.empty and row["value"].iloc[0] == "true"




def years(conn: Connection) -> list[int]:
    """Years with national KPI cells, ascending."""
    df = frames.read_sql(conn, "SELECT DISTINCT year FROM kpi_values WHERE level = 'national' "
                              "ORDER BY year")
    return [int(y) for y in df["year"]]






def data_version(conn: Connection) -> tuple:
    """What changes whenever the figures do: uploads (count, newest, undone) and the
    newest target change and judge year change (edits write no upload). Caches key on
    it."""
    row = conn.execute(text(
        "SELECT COUNT(*), MAX(id), SUM(CASE WHEN status = 'undone' THEN 1 ELSE 0 END), "
        "(SELECT MAX(id) FROM target_changes), (SELECT MAX(id) FROM judge_year_changes) "
        "FROM uploads")).one()
    return tuple(row)


def content_version(conn: Connection) -> tuple:
    """What a drawn page shows beyond the figures (``data_version``): the notes (how
    many, which, the last edit; a judge reads fewer of them, which the viewer's
    court keys apart), the releases and the data set's own facts (``meta``: demo data,
    the year in progress). A page kept under it and the data version is what a new
    drawing would show."""
    notes = conn.execute(text(
        "SELECT COUNT(*), MAX(id), SUM(id), MAX(updated_at), (SELECT COUNT(*) FROM releases), "
        "(SELECT MAX(id) FROM releases) FROM annotations")).one()
    meta = conn.execute(text("SELECT key, value FROM meta ORDER BY key")).all()
    return (*(str(v) if v is not None else None for v in notes),
            tuple((str(k), str(v)) for k, v in meta))
