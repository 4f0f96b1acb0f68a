"""KPI cells of any period (../shared/spec/periods.md), computed when asked.

Complete years are the stored KPI cells (data.store.repository.kpi_values): exactly
the catalogue's values. Any other period is composed from the stored month facts of
the courts complete for it (data.derive.facts.compose) and evaluated with the
catalogue as it applies to a period (kpi.periods.catalogue_for); the KPI layer is the
same engine, so a period and a year can never disagree on a formula. The year in
progress is refused as a year: it exists as its months, quarters and year to date.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, text

from data.derive.facts import compose
from data.derive.refresh import year_in_progress
from data.store import counts, frames, repository
from data.store.schema import FACT_COLUMNS, RESOURCE_COLUMNS, SURVEY_COLUMNS
from kpi.catalogue import KPIS
from kpi.engine import RESULT_COLUMNS, evaluate
from kpi.periods import (
    Period,
    PeriodError,
    catalogue_for,
    complete_months,
    month_index,
    parse,
    year_period,
    ytd,
)
from kpi.targets import attach_targets
from kpi.yearend import MAX_YEARS, YTD_KPIS, projected_facts, projected_kpis

PERIOD_VALUE_COLUMNS = [*repository.VALUE_COLUMNS[:3], "period",
                        *repository.VALUE_COLUMNS[3:]]


def as_of_by_court(conn: Connection) -> pd.DataFrame:
    """court_code, as_of (a date) of every court with data."""
    df = frames.read_sql(conn, "SELECT court_code, as_of FROM court_as_of ORDER BY court_code")
    if df.empty:
        return pd.DataFrame(columns=["court_code", "as_of"])
    df["as_of"] = [pd.Timestamp(v).date() for v in df["as_of"]]
    return df


def data_as_of(conn: Connection) -> dt.date | None:
    """The day the newest data are as of: the latest as-of date of any court."""
    row = conn.execute(text("SELECT MAX(as_of) FROM court_as_of")).first()
    return None if row is None or row[0] is None else pd.Timestamp(row[0]).date()


def checked(conn: Connection, code: str) -> Period:
    """The period ``code`` names, if the data reach it; PeriodError (with a sentence for
    the person who asked) otherwise."""
    period = parse(code)
    as_of = data_as_of(conn)
    if as_of is None:
        raise PeriodError("There are no case data yet: no period can be computed.")
    if period.is_year and period.year == year_in_progress(conn):
        months = complete_months(as_of) - period.first + 1
        ask = f"; ask for {ytd(period.year, min(months, 11)).code}" if months >= 1 else ""
        raise PeriodError(f"{period.code} is the year in progress (data as of "
                          f"{as_of.isoformat()}): it is never shown as a whole year{ask}.")
    if period.end > as_of:
        raise PeriodError(f"{period.code} ends on {period.end.isoformat()}, after the data's "
                          f"as-of date {as_of.isoformat()}: it is not complete for any court.")
    return period


def _parts(conn: Connection, years: list[int] | None, where: str = "",
           params: dict | None = None) -> pd.DataFrame:
    """part_facts rows of ``years`` (None: every year) and the further SQL condition
    ``where`` (`` AND ...``)."""
    ycond, yparams = frames.in_list("year", years) if years is not None else ("1 = 1", {})
    parts = frames.read_sql(conn, f"SELECT * FROM part_facts WHERE {ycond}{where}",
                            {**yparams, **(params or {})})
    for c in FACT_COLUMNS:
        parts[c] = pd.to_numeric(parts[c]).astype("float64")
    for c in ("year", "m1", "m2"):
        parts[c] = parts[c].astype("int64")
    return parts


def _complete_courts(conn: Connection, period: Period) -> set[str]:
    as_of = as_of_by_court(conn)
    return {c for c, d in zip(as_of["court_code"], as_of["as_of"])
            if complete_months(d) >= period.last}


def composed(conn: Connection, period: Period, parts: pd.DataFrame | None = None
             ) -> pd.DataFrame:
    """Facts per (court, region, category) of the courts complete for ``period``."""
    if parts is None:
        parts = _parts(conn, list(range(period.first // 12, period.last // 12 + 1)))
    if parts.empty:
        return compose(parts, period.first, period.last)
    parts = parts[parts["court_code"].isin(_complete_courts(conn, period))]
    return compose(parts, period.first, period.last)


def period_cells(conn: Connection, period: Period) -> pd.DataFrame:
    """RESULT_COLUMNS of every level for a period: the facts of the courts complete for
    it, composed from their months, through the KPI engine."""
    facts = composed(conn, period).assign(year=period.year)
    if facts.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    years = list(range(period.first // 12, period.last // 12 + 1))
    ycond, yparams = frames.in_list("year", years)
    durations = counts.read(
        conn, "month_durations", ["court_code", "region_code", "category"],
        f"{ycond} AND year * 12 + month - 1 BETWEEN :first AND :last",
        {**yparams, "first": period.first, "last": period.last})
    cells = pd.MultiIndex.from_frame(facts.loc[facts["source"] == "cases",
                                               ["court_code", "category"]])
    keep = pd.MultiIndex.from_frame(durations[["court_code", "category"]]).isin(cells)
    durations = durations[keep].assign(year=period.year)
    durations["days"] = pd.to_numeric(durations["days"]).astype("int64")
    durations["n"] = pd.to_numeric(durations["n"]).astype("int64")
    return evaluate(facts, _no_inputs(), durations, kpis=catalogue_for(period))


def period_values(conn: Connection, code: str) -> pd.DataFrame:
    """PERIOD_VALUE_COLUMNS of every level and KPI for the period ``code``, with the
    targets and status of its year. PeriodError for a code that is not a period or
    that the data do not reach."""
    period = checked(conn, code)
    if period.is_year:
        values = repository.kpi_values(conn, year=period.year)
        return values.assign(period=period.code)[PERIOD_VALUE_COLUMNS]
    cells = period_cells(conn, period)
    if cells.empty:
        return pd.DataFrame(columns=PERIOD_VALUE_COLUMNS)
    out = attach_targets(cells, repository.targets(conn))
    out = out.assign(period=period.code)
    order = {k: i for i, k in enumerate(KPIS)}
    out = out.assign(_l=out["level"].map(repository.LEVEL_ORDER), _k=out["kpi"].map(order),
                     _c=(out["category"] != "all"))
    out = out.sort_values(["_l", "code", "_c", "category", "_k"]).drop(
        columns=["_l", "_k", "_c"])
    return out[PERIOD_VALUE_COLUMNS].reset_index(drop=True)


YEAREND_COLUMNS = ["level", "code", "category", "kpi", "year", "months", "ytd_value",
                   "same_period_last_year", "projected", "target", "status"]


def yearend(conn: Connection, year: int | None = None) -> pd.DataFrame:
    """YEAREND_COLUMNS (and the tolerance) for every unit, category and KPI of the year in
    progress (or ``year``, when the data stop inside it): its year to date, the same
    months a year before, and the projection to the year's end with its status against
    the year's target. PeriodError when there is no such year."""
    as_of = data_as_of(conn)
    if as_of is None:
        raise PeriodError("There are no case data yet: nothing to project.")
    if year is None:
        year = year_in_progress(conn)
        if year is None:
            raise PeriodError(f"No year is in progress: the data (as of {as_of.isoformat()}) "
                              "end with a complete year.")
    months = complete_months(as_of) - month_index(year, 1) + 1
    if months >= 12:
        raise PeriodError(f"{year} is complete (data as of {as_of.isoformat()}): its "
                          "values are the year's own, not a projection.")
    if months < 1:
        raise PeriodError(f"No month of {year} is complete yet (data as of "
                          f"{as_of.isoformat()}).")
    now = ytd(year, months)
    parts = _parts(conn, [year - k for k in range(MAX_YEARS + 1)])
    current = composed(conn, now, parts[parts["year"] == year])
    earlier = []
    for y in range(year - 1, year - 1 - MAX_YEARS, -1):
        mine = parts[parts["year"] == y]
        whole = composed(conn, year_period(y), mine)
        if not whole.empty:
            earlier.append((composed(conn, ytd(y, months), mine), whole))
    projected = projected_kpis(projected_facts(current, months, earlier))
    keys = ["level", "code", "category", "kpi"]
    ytd_now = period_cells(conn, now)[[*keys, "value"]].rename(columns={"value": "ytd_value"})
    before = period_cells(conn, ytd(year - 1, months))[[*keys, "value"]].rename(
        columns={"value": "same_period_last_year"})
    out = ytd_now.merge(before, on=keys, how="left").merge(projected, on=keys, how="left")
    held = out["kpi"].isin(YTD_KPIS)
    out.loc[held, "projected"] = out.loc[held, "ytd_value"]
    out = out.assign(year=year, months=months)
    judged = attach_targets(out.assign(value=out["projected"]), repository.targets(conn))
    out["target"] = judged["target"].to_numpy()
    out["status"] = judged["status"].to_numpy()
    out["tolerance"] = judged["tolerance"].to_numpy()
    order = {k: i for i, k in enumerate(KPIS)}
    out = out.assign(_l=out["level"].map(repository.LEVEL_ORDER), _k=out["kpi"].map(order),
                     _c=(out["category"] != "all"))
    out = out.sort_values(["_l", "code", "_c", "category", "_k"])
    # The tolerance the status was judged with, for early warning (not printed).
    return out[[*YEAREND_COLUMNS, "tolerance"]].reset_index(drop=True)


SEASONAL_COLUMNS = ["year", "month", "value"]
MONTHLY_COLUMNS = ["level", "code", "category", "kpi", "year", "month", "value"]


def monthly_cells(conn: Connection) -> pd.DataFrame:
    """MONTHLY_COLUMNS: every month's value of every KPI but the medians, for the nation
    and every region, in every category: what ``monthly_values`` gives one at a time, in
    one pass of the engine (1.4 s and 10 MB on the national data, against 0.2-0.5 s for
    each unit, KPI and category). The medians need the month durations of a whole
    region (millions of rows), so they stay one unit at a time."""
    kpis = [k for k in catalogue_for(parse("2000-01")) if k.kind != "median"]
    parts = _parts(conn, None, " AND m1 = m2")
    if parts.empty:
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    cells = evaluate(_month_facts(parts), _no_inputs(), _no_durations(),
                     levels=["region", "national"], kpis=kpis)
    return pd.DataFrame({"level": cells["level"], "code": cells["code"],
                         "category": cells["category"], "kpi": cells["kpi"],
                         "year": cells["year"] // 12, "month": cells["year"] % 12 + 1,
                         "value": cells["value"]})[MONTHLY_COLUMNS]


def _month_facts(parts: pd.DataFrame) -> pd.DataFrame:
    """Single-month parts as facts whose ``year`` is the month's index (year * 12 +
    month - 1), so the engine evaluates each month as its own group."""
    return parts.assign(year=parts["year"] * 12 + parts["m1"] - 1).drop(columns=["m1", "m2"])


def _no_inputs() -> pd.DataFrame:
    return pd.DataFrame(columns=["court_code", "region_code", "year", *RESOURCE_COLUMNS,
                                 *SURVEY_COLUMNS, "incoming_all", "resolved_all"])


def _no_durations() -> pd.DataFrame:
    return pd.DataFrame(columns=["court_code", "region_code", "category", "days", "n",
                                 "year"])


def monthly_values(conn: Connection, level: str, code: str, kpi: str, category: str,
                   years: list[int]) -> pd.DataFrame:
    """One KPI of one unit month by month in ``years`` (year, month, value): each
    month's KPI from the months the courts have complete (aggregate rows by quarter or
    year have no month, so they are not in it). Every month is evaluated in one pass
    of the engine, each month its own group."""
    kdef = {k.code: k for k in catalogue_for(parse("2000-01"))}.get(kpi)
    if kdef is None or not years:
        return pd.DataFrame(columns=SEASONAL_COLUMNS)
    # The unit's single months only, chosen in SQL (by the key or the region's index):
    # the nation's parts of four years are a million rows.
    where = {"court": " AND court_code = :code", "region": " AND region_code = :code"
             }.get(level, "")
    if category != "all":
        where += " AND category = :category"
    parts = _parts(conn, years, where + " AND m1 = m2", {"code": code, "category": category})
    if parts.empty:
        return pd.DataFrame(columns=SEASONAL_COLUMNS)
    facts = _month_facts(parts)
    durations = _no_durations()
    if kdef.kind == "median":
        # Merged to the unit's (month, category, days) as they are read.
        ycond, yparams = frames.in_list("year", years)
        where = {"court": " AND court_code = :code", "region": " AND region_code = :code"
                 }.get(level, "")
        merged = counts.read(conn, "month_durations", ["category", "year", "month"],
                             f"{ycond}{where}", {**yparams, "code": code})
        durations = pd.DataFrame({
            "court_code": code, "region_code": code, "category": merged["category"],
            "year": pd.to_numeric(merged["year"]) * 12 + pd.to_numeric(merged["month"]) - 1,
            "days": merged["days"], "n": merged["n"]})
        if category != "all":
            durations = durations[durations["category"] == category]
        for c in ("year", "days", "n"):
            durations[c] = pd.to_numeric(durations[c]).astype("int64")
    cells = evaluate(facts, _no_inputs(), durations, levels=[level], kpis=[kdef])
    cells = cells[cells["category"] == category]
    return pd.DataFrame({"year": cells["year"] // 12, "month": cells["year"] % 12 + 1,
                         "value": cells["value"].to_numpy()}).sort_values(
        ["year", "month"]).reset_index(drop=True)
