"""Keep the derived tables (facts, durations, kpi_values) true to the uploaded ones.

After an upload only the (court, year) cells it changed are recomputed, then the
region and national cells of those years above them. Everything runs inside the
caller's transaction, so an upload and its KPIs commit together or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from data.derive import backlog
from data.derive.facts import (
    DURATION_COLUMNS,
    FACT_FRAME_COLUMNS,
    caseload_facts,
    combine,
    derive_facts,
)
from data.store import events, frames
from data.store.schema import FACT_COLUMNS, KINDS, RESOURCE_COLUMNS, SURVEY_COLUMNS, Feeds
from kpi.engine import evaluate

CourtYears = set[tuple[str, int]]


@dataclass
class Rebuilt:
    """What rebuild_facts changed, and the facts and durations it now holds for its courts.

    rebuild_kpis takes these in memory instead of reading them back.
    """

    changed: CourtYears
    facts: pd.DataFrame | None = None
    durations: pd.DataFrame | None = None
    # (court, year) whose backlog_age rows changed (data/backlog.py).
    backlog: CourtYears = field(default_factory=set)


def read_cases(conn: Connection, courts: Iterable[str], with_upload: bool = False
               ) -> pd.DataFrame:
    cond, params = frames.in_list("court_code", courts)
    cols = ", ".join(KINDS["cases"].column_names + (("upload_id",) if with_upload else ()))
    frame = frames.read_sql(conn, f"SELECT {cols} FROM cases WHERE {cond}", params)
    if frame.empty:
        frame = pd.DataFrame(columns=list(KINDS["cases"].column_names)
                             + (["upload_id"] if with_upload else []))
    return frames.typed(frame, "cases")


def _court_regions(conn: Connection) -> pd.Series:
    df = frames.read_sql(conn, "SELECT court_code, region_code FROM courts")
    return pd.Series(df["region_code"].to_numpy(), index=df["court_code"].to_numpy())


def _changed(old: pd.DataFrame, new: pd.DataFrame, columns: list[str]) -> CourtYears:
    """(court, year) pairs whose rows differ between two versions of a derived table."""
    if old.empty and new.empty:
        return set()
    a = old[columns].astype({"year": "int64"}).astype(object).where(old[columns].notna(), None)
    b = new[columns].astype({"year": "int64"}).astype(object).where(new[columns].notna(), None)
    a = a.astype(str)
    b = b.astype(str)
    m = a.merge(b, how="outer", on=columns, indicator=True)
    diff = m[m["_merge"] != "both"]
    return {(c, int(y)) for c, y in zip(diff["court_code"], diff["year"].astype(int))}


def rebuild_facts(
    conn: Connection,
    courts: Iterable[str],
    cases: pd.DataFrame | None = None,
    statutory_days: dict[str, int] | None = None,
    derived: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> Rebuilt:
    """Recompute facts and durations of ``courts``; report the (court, year) that changed.

    ``cases``, when given, must be every case of those courts as now stored (the
    loader has them in memory already, which saves reading them back); ``derived``,
    when given, is ``derive_facts(cases, statutory_days)`` worked out already.
    """
    courts = sorted(set(courts))
    if not courts:
        return Rebuilt(set())
    if cases is None:
        cases = read_cases(conn, courts)
    case_facts, durations = derived or derive_facts(cases, statutory_days)
    cond, params = frames.in_list("court_code", courts)
    caseload = frames.typed(
        frames.read_sql(conn, f"SELECT * FROM caseload WHERE {cond}", params), "caseload"
    )
    load_facts = caseload_facts(caseload) if not caseload.empty else pd.DataFrame(
        columns=FACT_FRAME_COLUMNS)
    facts, durations = combine(case_facts, load_facts, durations)
    backlog_changed = backlog.refresh_courts(conn, courts, cases, statutory_days, caseload)
    regions = _court_regions(conn)
    facts = facts.assign(region_code=facts["court_code"].map(regions))
    durations = durations.assign(region_code=durations["court_code"].map(regions))

    old_facts = frames.read_sql(conn, f"SELECT * FROM facts WHERE {cond}", params)
    old_durations = frames.read_sql(
        conn, f"SELECT court_code, year, category, days, n FROM durations WHERE {cond}", params
    )
    fact_cols = [*FACT_FRAME_COLUMNS]
    changed = _changed(_floats(old_facts, fact_cols), _floats(facts, fact_cols), fact_cols)
    changed |= _changed(old_durations, durations[DURATION_COLUMNS], DURATION_COLUMNS)
    if not changed:
        return Rebuilt(changed, backlog=backlog_changed)
    pairs = pd.DataFrame(sorted(changed), columns=["court_code", "year"])
    frames.delete_keys(conn, "facts", ["court_code", "year"], pairs)
    frames.delete_keys(conn, "durations", ["court_code", "year"], pairs)
    key = pd.MultiIndex.from_frame(pairs)
    frames.insert_frame(conn, "facts", facts[_pair_mask(facts, key)])
    frames.insert_frame(conn, "durations", durations[_pair_mask(durations, key)])
    return Rebuilt(changed, facts, durations, backlog_changed)


def _floats(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=cols)
    out = frame[cols].copy()
    for c in FACT_COLUMNS:
        out[c] = pd.to_numeric(out[c]).astype("float64")
    return out


def _pair_mask(frame: pd.DataFrame, key: pd.MultiIndex) -> np.ndarray:
    if frame.empty:
        return np.zeros(0, dtype=bool)
    idx = pd.MultiIndex.from_arrays(
        [frame["court_code"].to_numpy(), frame["year"].astype("int64").to_numpy()]
    )
    return idx.isin(key)


def _facts_frame(conn: Connection, where: str, params: dict) -> pd.DataFrame:
    df = frames.read_sql(conn, f"SELECT * FROM facts WHERE {where}", params)
    if df.empty:
        return pd.DataFrame(columns=[*FACT_FRAME_COLUMNS, "region_code"])
    for c in FACT_COLUMNS:
        df[c] = pd.to_numeric(df[c]).astype("float64")
    df["year"] = df["year"].astype("int64")
    return df


def _court_inputs(conn: Connection, courts: pd.DataFrame, years: list[int],
                  facts: pd.DataFrame) -> pd.DataFrame:
    """One row per (court, year) in scope with resources, surveys and all-category sums."""
    grid = courts.merge(pd.DataFrame({"year": years}), how="cross")
    cond, params = frames.in_list("year", years)
    res = frames.read_sql(conn, f"SELECT court_code, year, {', '.join(RESOURCE_COLUMNS)} "
                               f"FROM resources WHERE {cond}", params)
    sur = frames.read_sql(conn, f"SELECT court_code, year, {', '.join(SURVEY_COLUMNS)} "
                               f"FROM surveys WHERE {cond}", params)
    for df in (res, sur):
        if not df.empty:
            df["year"] = df["year"].astype("int64")
    if facts.empty:
        sums = pd.DataFrame(columns=["court_code", "year", "incoming_all", "resolved_all"])
    else:
        sums = facts.groupby(["court_code", "year"], as_index=False)[["incoming", "resolved"]].sum()
        sums.columns = ["court_code", "year", "incoming_all", "resolved_all"]
    out = grid
    for df, cols in ((res, RESOURCE_COLUMNS), (sur, SURVEY_COLUMNS),
                     (sums, ("incoming_all", "resolved_all"))):
        if df.empty:
            for c in cols:
                out[c] = np.nan
        else:
            out = out.merge(df, on=["court_code", "year"], how="left")
    for c in (*RESOURCE_COLUMNS, *SURVEY_COLUMNS, "incoming_all", "resolved_all"):
        out[c] = pd.to_numeric(out[c]).astype("float64")
    return out


def _with_data(inputs: pd.DataFrame, scope: list[str]) -> pd.DataFrame:
    """Rows of scopes (a court-year, region-year, year) where any court reported anything.

    A scope with no data gets no KPI rows at all rather than rows of missing values;
    inside a scope with data, courts that sent nothing still count in coverage.
    """
    cols = [*RESOURCE_COLUMNS, *SURVEY_COLUMNS, "incoming_all"]
    any_row = inputs[cols].notna().any(axis=1)
    keep = any_row.groupby([inputs[c] for c in scope]).transform("any")
    return inputs[keep.to_numpy(dtype=bool)]


def _replace_values(conn: Connection, values: pd.DataFrame, level: str,
                    codes: Iterable[str] | None, years: list[int]) -> None:
    ycond, params = frames.in_list("year", years)
    where = f"level = :level AND {ycond}"
    params["level"] = level
    if codes is not None:
        ccond, cparams = frames.in_list("code", codes)
        where += f" AND {ccond}"
        params.update(cparams)
    conn.execute(text(f"DELETE FROM kpi_values WHERE {where}"), params)
    frames.insert_frame(conn, "kpi_values", values)


def rebuild_kpis(conn: Connection, court_years: CourtYears, known: Rebuilt | None = None
                 ) -> int:
    """Recompute KPI cells of the given (court, year), their regions and the nation.

    ``known``: the facts and durations rebuild_facts just wrote for these courts. When
    given (cases and caseload uploads), the backlog rows of those regions and the nation
    are recomputed for the same years too (data/backlog.py).
    """
    if known is not None:
        court_years = court_years | known.backlog
    if not court_years:
        return 0
    years = sorted({y for _, y in court_years})
    courts_df = frames.read_sql(conn, "SELECT court_code, region_code FROM courts")
    touched = sorted({c for c, _ in court_years})
    n = 0

    # Courts: only the changed (court, year) cells.
    ccond, cparams = frames.in_list("court_code", touched)
    ycond, yparams = frames.in_list("year", years)
    if known is not None and known.facts is not None and known.durations is not None and set(
            known.facts["court_code"]) >= set(touched):
        facts = known.facts[known.facts["year"].isin(years)].astype({"year": "int64"})
        durations = known.durations[known.durations["year"].isin(years)]
    else:
        facts = _facts_frame(conn, f"{ccond} AND {ycond}", {**cparams, **yparams})
        durations = frames.read_sql(
            conn, f"SELECT court_code, year, category, days, n FROM durations "
                  f"WHERE {ccond} AND {ycond}", {**cparams, **yparams})
    inputs = _court_inputs(conn, courts_df[courts_df["court_code"].isin(touched)], years, facts)
    inputs = _with_data(inputs, ["court_code", "year"])
    values = evaluate(facts, inputs, _typed_durations(durations), levels=["court"])
    pairs = pd.MultiIndex.from_tuples(sorted(court_years))
    values = values[pd.MultiIndex.from_arrays(
        [values["code"].to_numpy(), values["year"].to_numpy()]).isin(pairs)]
    _delete_court_cells(conn, court_years)
    frames.insert_frame(conn, "kpi_values", values)
    n += len(values)

    # Regions of those courts, for those years.
    regions = sorted(courts_df.loc[courts_df["court_code"].isin(touched), "region_code"].unique())
    regions = [r for r in regions if isinstance(r, str)]
    rcond, rparams = frames.in_list("region_code", regions)
    facts_r = _facts_frame(conn, f"{rcond} AND {ycond}", {**rparams, **yparams})
    dur_r = frames.read_sql(
        conn, f"SELECT region_code, year, category, days, SUM(n) AS n FROM durations "
              f"WHERE {rcond} AND {ycond} GROUP BY region_code, year, category, days",
        {**rparams, **yparams})
    inputs_r = _with_data(_court_inputs(
        conn, courts_df[courts_df["region_code"].isin(regions)], years, facts_r),
        ["region_code", "year"])
    values_r = evaluate(facts_r, inputs_r, _typed_durations(dur_r), levels=["region"])
    _replace_values(conn, values_r, "region", regions, years)
    n += len(values_r)

    # The nation, for those years.
    facts_n = _facts_frame(conn, ycond, yparams)
    dur_n = frames.read_sql(
        conn, f"SELECT year, category, days, SUM(n) AS n FROM durations WHERE {ycond} "
              f"GROUP BY year, category, days", yparams)
    inputs_n = _with_data(_court_inputs(conn, courts_df, years, facts_n), ["year"])
    values_n = evaluate(facts_n, inputs_n, _typed_durations(dur_n), levels=["national"])
    _replace_values(conn, values_n, "national", None, years)
    if known is not None:
        backlog.refresh_pooled(conn, regions, years, dur_r, dur_n)
    return n + len(values_n)


def _delete_court_cells(conn: Connection, court_years: CourtYears) -> None:
    pairs = pd.DataFrame(sorted(court_years), columns=["code", "year"])
    stmt = text("DELETE FROM kpi_values WHERE level = 'court' AND code = :code AND year = :year")
    conn.execute(stmt, pairs[["code", "year"]].astype(object).to_dict("records"))


def _typed_durations(d: pd.DataFrame) -> pd.DataFrame:
    if d.empty:
        return pd.DataFrame(columns=DURATION_COLUMNS + ["region_code"])
    d = d.copy()
    d["year"] = d["year"].astype("int64")
    d["days"] = pd.to_numeric(d["days"]).astype("int64")
    d["n"] = pd.to_numeric(d["n"]).astype("int64")
    return d


def all_court_years(conn: Connection) -> CourtYears:
    """Every (court, year) that has facts, resources or surveys."""
    df = frames.read_sql(
        conn,
        "SELECT court_code, year FROM facts UNION SELECT court_code, year FROM resources "
        "UNION SELECT court_code, year FROM surveys",
    )
    return {(c, int(y)) for c, y in zip(df["court_code"], df["year"])}


def refresh_all(conn: Connection, statutory_days: dict[str, int] | None = None) -> int:
    """Recompute every derived table from the uploaded ones (repair, or after a courts change)."""
    started = time.perf_counter()
    n = _refresh_all(conn, statutory_days)
    events.emit("refresh", feeds="all", seconds=time.perf_counter() - started)
    return n


def _refresh_all(conn: Connection, statutory_days: dict[str, int] | None) -> int:
    courts = frames.read_sql(conn, "SELECT court_code FROM courts")["court_code"].tolist()
    conn.execute(text("DELETE FROM facts"))
    conn.execute(text("DELETE FROM durations"))
    conn.execute(text("DELETE FROM backlog_age"))
    for start in range(0, len(courts), 50):
        rebuild_facts(conn, courts[start:start + 50], statutory_days=statutory_days)
    return rebuild_all_kpis(conn)


def rebuild_all_kpis(conn: Connection) -> int:
    """Every KPI cell from the facts (cheap: no case is read)."""
    conn.execute(text("DELETE FROM kpi_values"))
    conn.execute(text("DELETE FROM backlog_age WHERE level <> 'court'"))
    # An empty Rebuilt: no facts in memory, but the backlog's regions and nation too.
    return rebuild_kpis(conn, all_court_years(conn), Rebuilt(set()))


def relabel_regions(conn: Connection) -> None:
    """After a courts upload: facts and durations carry each court's current region."""
    for table in ("facts", "durations"):
        conn.execute(text(
            f"UPDATE {table} SET region_code = (SELECT c.region_code FROM courts c "
            f"WHERE c.court_code = {table}.court_code)"
        ))


def after_change(conn: Connection, feeds: Feeds, rows: pd.DataFrame,
                 cases: pd.DataFrame | None, statutory_days: dict[str, int],
                 derived: tuple[pd.DataFrame, pd.DataFrame] | None = None
                 ) -> tuple[list[str], int]:
    """Recompute what changed rows of a kind feed (``Kind.feeds``): ``rows`` are the rows
    written and the rows they replaced; ``cases`` every case of the touched courts as
    now stored, when the caller has them, and ``derived`` their facts (rebuild_facts).
    Returns (courts touched, KPI cells written); a ``refresh`` event (data.store.events)
    says how long it took."""
    started = time.perf_counter()
    out = _after_change(conn, feeds, rows, cases, statutory_days, derived)
    events.emit("refresh", feeds=feeds, seconds=time.perf_counter() - started)
    return out


def _after_change(conn: Connection, feeds: Feeds, rows: pd.DataFrame,
                  cases: pd.DataFrame | None, statutory_days: dict[str, int],
                  derived: tuple[pd.DataFrame, pd.DataFrame] | None
                  ) -> tuple[list[str], int]:
    if rows.empty:
        return [], 0
    courts: list[str] = sorted(rows["court_code"].replace("", np.nan).dropna().unique()) \
        if "court_code" in rows.columns else []
    if feeds == "nothing":
        return courts, 0
    if feeds == "every_kpi":
        relabel_regions(conn)
        return courts, rebuild_all_kpis(conn)
    if feeds in ("case_facts", "facts"):
        case_rows = feeds == "case_facts"
        # Only case rows come with their cases (and maybe their facts) in memory.
        rebuilt = rebuild_facts(conn, courts, cases=cases if case_rows else None,
                                statutory_days=statutory_days, derived=derived)
        return courts, rebuild_kpis(conn, rebuilt.changed, rebuilt)
    pairs = {(c, int(y)) for c, y in zip(rows["court_code"], rows["year"])}
    return courts, rebuild_kpis(conn, pairs)
