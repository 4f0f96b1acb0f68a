"""Keep the derived tables (facts, durations, kpi_values) true to the uploaded ones.

After an upload only the (court, year) cells it changed are recomputed, then the
region and national cells of those years above them. Everything runs inside the
caller's transaction, so an upload and its KPIs commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from data.derive import backlog
from data.derive.facts import (
    DURATION_COLUMNS,
    FACT_FRAME_COLUMNS,
    PART_COLUMNS,
    Derived,
    caseload_parts,
    combine,
    compose_years,
    derive_all,
)
from data.store import counts, events, frames, workload_inputs
from data.store.db import init_db
from data.store.schema import FACT_COLUMNS, KINDS, RESOURCE_COLUMNS, SURVEY_COLUMNS, Feeds
from kpi.engine import evaluate
from kpi.periods import complete_months, last_day
from kpi.workload import YEARS_AVERAGED, judges_needed_by_year

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


_TEXT = frozenset({"court_code", "region_code", "category", "source"})


def _changed(old: pd.DataFrame, new: pd.DataFrame, columns: list[str]) -> CourtYears:
    """(court, year) pairs whose rows differ between two versions of a derived table.

    Rows are compared by a hash of their normalised values (text as str, numbers as
    float64, missing as NaN): a row found on one side only marks its (court, year).
    """
    if old.empty and new.empty:
        return set()

    def hashed(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        norm = pd.DataFrame({
            c: (frame[c].astype(str).to_numpy(dtype=object) if c in _TEXT
                else np.array([bytes(v).hex() for v in frame[c]], dtype=object)
                if c == "counts"  # packed duration counts (data.store.counts)
                else pd.to_numeric(frame[c]).to_numpy(dtype="float64", na_value=np.nan))
            for c in columns})
        return norm, pd.util.hash_pandas_object(norm, index=False).to_numpy()

    a, ha = hashed(old)
    b, hb = hashed(new)
    gone = a[~np.isin(ha, hb)]
    came = b[~np.isin(hb, ha)]
    both = pd.concat([gone[["court_code", "year"]], came[["court_code", "year"]]])
    return {(c, int(y)) for c, y in both.drop_duplicates().itertuples(index=False)}


def court_as_of(conn: Connection, courts: list[str], cases: pd.DataFrame,
                caseload: pd.DataFrame) -> dict[str, dt.date]:
    """The day each court's data are as of (periods.md "Data freshness"): the latest as-of
    date of the case uploads its rows come from, or the end of the latest period of its
    aggregate rows. An upload without one (none should be left after migration 0008)
    counts as the end of the month of the court's latest case date."""
    out: dict[str, dt.date] = {}
    if not cases.empty:
        cond, params = frames.in_list("court_code", courts)
        rows = frames.read_sql(
            conn, "SELECT c.court_code, MAX(u.as_of) AS as_of FROM "
                  "(SELECT DISTINCT court_code, upload_id FROM cases WHERE " + cond + ") c "
                  "LEFT JOIN uploads u ON u.id = c.upload_id GROUP BY c.court_code", params)
        for court, value in zip(rows["court_code"], rows["as_of"]):
            if value is not None and not pd.isna(value):
                out[court] = pd.Timestamp(value).date()
        latest = cases[["filed_date", "resolved_date"]].max(axis=1).groupby(
            cases["court_code"]).max()
        for court, day in latest.items():
            if court not in out and not pd.isna(day):
                out[str(court)] = last_day(pd.Timestamp(day).date())
    if not caseload.empty:
        parts = caseload_parts(caseload)
        ends = (parts["year"] * 12 + parts["m2"] - 1).groupby(parts["court_code"]).max()
        for court, idx in ends.items():
            end = last_day(dt.date(int(idx) // 12, int(idx) % 12 + 1, 1))
            out[str(court)] = max(out.get(str(court), end), end)
    return out


def _write_as_of(conn: Connection, courts: list[str], as_of: dict[str, dt.date]) -> None:
    cond, params = frames.in_list("court_code", courts)
    conn.execute(text(f"DELETE FROM court_as_of WHERE {cond}"), params)
    if as_of:
        frames.insert_frame(conn, "court_as_of", pd.DataFrame(
            {"court_code": list(as_of), "as_of": list(as_of.values())}))


def _complete(frame: pd.DataFrame, last_month: pd.Series, month_col: str | None) -> pd.DataFrame:
    """Rows of ``frame`` whose month (``month_col``; None: the year's December) is
    complete for its court: at most the court's last complete month."""
    if frame.empty:
        return frame
    limit = frame["court_code"].map(last_month).to_numpy(dtype="float64", na_value=-1)
    year = frame["year"].to_numpy(dtype="int64")
    month = frame[month_col].to_numpy(dtype="int64") if month_col else 12
    return frame[year * 12 + month - 1 <= limit]


def rebuild_facts(
    conn: Connection,
    courts: Iterable[str],
    cases: pd.DataFrame | None = None,
    statutory_days: dict[str, int] | None = None,
    derived: Derived | None = None,
) -> Rebuilt:
    """Recompute the facts and durations of ``courts``, of months and of complete years;
    report the (court, year) whose yearly rows changed.

    ``cases``, when given, must be every case of those courts as now stored (the
    loader has them in memory already, which saves reading them back); ``derived``,
    when given, is ``derive_all(cases, statutory_days, through=...)`` worked out
    already, and is used when it reaches the courts' as-of month.
    """
    courts = sorted(set(courts))
    if not courts:
        return Rebuilt(set())
    if cases is None:
        cases = read_cases(conn, courts)
    cond, params = frames.in_list("court_code", courts)
    caseload = frames.typed(
        frames.read_sql(conn, f"SELECT * FROM caseload WHERE {cond}", params), "caseload"
    )
    as_of = {c: d for c, d in court_as_of(conn, courts, cases, caseload).items()
             if c in set(courts)}
    last_month = pd.Series({c: complete_months(d) for c, d in as_of.items()}, dtype="int64")
    through = int(last_month.max()) if len(last_month) else None
    if derived is None or derived.through != through:
        derived = Derived(*derive_all(cases, statutory_days, through=through), through=through)
    case_facts = _complete(derived.facts, last_month, None)
    durations = _complete(derived.durations, last_month, None)
    load_parts = caseload_parts(caseload) if not caseload.empty else pd.DataFrame(
        columns=PART_COLUMNS)
    facts, durations = combine(case_facts, compose_years(load_parts), durations)
    parts = _complete(derived.month_facts, last_month, "m1")
    month_durations = _complete(derived.month_durations, last_month, "month")
    if len(load_parts):
        taken = pd.MultiIndex.from_frame(load_parts[["court_code", "year", "category"]])
        mine = pd.MultiIndex.from_frame(parts[["court_code", "year", "category"]].astype(
            {"year": "int64"}))
        parts = pd.concat([parts[~mine.isin(taken)], load_parts], ignore_index=True)
    backlog_changed = backlog.refresh_courts(conn, courts, cases, statutory_days, caseload)
    regions = _court_regions(conn)
    facts = facts.assign(region_code=facts["court_code"].map(regions))
    durations = durations.assign(region_code=durations["court_code"].map(regions))
    parts = parts.assign(region_code=parts["court_code"].map(regions))
    month_durations = month_durations.assign(
        region_code=month_durations["court_code"].map(regions))
    _write_as_of(conn, courts, as_of)
    _replace_changed(conn, "part_facts", parts, PART_COLUMNS, cond, params)
    _replace_changed(conn, *_packed("month_durations", month_durations), cond, params)
    changed = _replace_changed(conn, "facts", facts, FACT_FRAME_COLUMNS, cond, params,
                               also=_packed("durations", durations))
    if not changed:
        return Rebuilt(changed, backlog=backlog_changed)
    return Rebuilt(changed, facts, durations, backlog_changed)


def _replace_changed(conn: Connection, table: str, new: pd.DataFrame, columns: list[str],
                     cond: str, params: dict,
                     also: tuple[str, pd.DataFrame, list[str]] | None = None) -> CourtYears:
    """Rewrite the (court, year) rows of ``table`` (and of a companion table, compared
    together) that differ from ``new``; return those (court, year)."""
    tables = [(table, new, columns)] + ([also] if also else [])
    olds = [frames.read_sql(conn, f"SELECT {', '.join(cols)} FROM {name} WHERE {cond}", params)
            for name, _, cols in tables]
    changed: CourtYears = set()
    for (_, frame, cols), old in zip(tables, olds):
        changed |= _changed(_floats(old, cols), _floats(frame, cols), cols)
    if not changed:
        return changed
    pairs = pd.DataFrame(sorted(changed), columns=["court_code", "year"])
    key = pd.MultiIndex.from_frame(pairs)
    for name, frame, _ in tables:
        frames.delete_keys(conn, name, ["court_code", "year"], pairs)
        frames.insert_frame(conn, name, frame[_pair_mask(frame, key)])
    return changed


def _packed(table: str, long: pd.DataFrame) -> tuple[str, pd.DataFrame, list[str]]:
    """A duration table's rows as stored (data.store.counts) and the columns compared:
    the cell without its region (derived from the court), and the counts."""
    cell = counts.CELLS[table]
    return table, counts.pack(long, cell), [*cell[:-1], "counts"]


def _floats(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=cols)
    out = frame[cols].copy()
    for c in FACT_COLUMNS:
        if c in out.columns:
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


@dataclass(frozen=True)
class _YearInputs:
    """What every court's KPI inputs of some years take besides its facts: resources,
    surveys and judges needed (court_code, year, ...), read once for all courts and
    shared by the court, region and national passes of rebuild_kpis."""

    resources: pd.DataFrame
    surveys: pd.DataFrame
    needed: pd.DataFrame

    def of(self, codes) -> _YearInputs:
        keep = set(codes)
        return _YearInputs(*(df[df["court_code"].isin(keep)] if len(df) else df
                             for df in (self.resources, self.surveys, self.needed)))


def _year_inputs(conn: Connection, courts: pd.DataFrame, years: list[int]) -> _YearInputs:
    cond, params = frames.in_list("year", years)
    res = frames.read_sql(conn, f"SELECT court_code, year, {', '.join(RESOURCE_COLUMNS)} "
                               f"FROM resources WHERE {cond}", params)
    sur = frames.read_sql(conn, f"SELECT court_code, year, {', '.join(SURVEY_COLUMNS)} "
                               f"FROM surveys WHERE {cond}", params)
    for df in (res, sur):
        if not df.empty:
            df["year"] = df["year"].astype("int64")
    return _YearInputs(res, sur, _judges_needed(conn, courts, years, res))


def _court_inputs(conn: Connection, courts: pd.DataFrame, years: list[int],
                  facts: pd.DataFrame, shared: _YearInputs | None = None) -> pd.DataFrame:
    """One row per (court, year) in scope with resources, surveys and all-category sums
    (``shared``: those read already for these courts or more)."""
    grid = courts.merge(pd.DataFrame({"year": years}), how="cross")
    read = (shared or _year_inputs(conn, courts, years)).of(courts["court_code"])
    res, sur, needed = read.resources, read.surveys, read.needed
    if facts.empty:
        sums = pd.DataFrame(columns=["court_code", "year", "incoming_all", "resolved_all"])
    else:
        sums = facts.groupby(["court_code", "year"], as_index=False)[["incoming", "resolved"]].sum()
        sums.columns = ["court_code", "year", "incoming_all", "resolved_all"]
    out = grid
    for df, cols in ((res, RESOURCE_COLUMNS), (sur, SURVEY_COLUMNS),
                     (sums, ("incoming_all", "resolved_all")), (needed, ("judges_needed",))):
        if df.empty:
            for c in cols:
                out[c] = np.nan
        else:
            out = out.merge(df, on=["court_code", "year"], how="left")
    for c in (*RESOURCE_COLUMNS, *SURVEY_COLUMNS, "incoming_all", "resolved_all",
              "judges_needed"):
        out[c] = pd.to_numeric(out[c]).astype("float64")
    return out


def _judges_needed(conn: Connection, courts: pd.DataFrame, years: list[int],
                   res: pd.DataFrame) -> pd.DataFrame:
    """court_code, year, judges_needed of the given courts (kpi.workload): the mean
    incoming of up to 3 earlier reported years is read too, so every year before the
    latest is read for these courts (a few rows per court and category)."""
    codes = courts["court_code"].tolist()
    if not codes or not years:
        return pd.DataFrame(columns=["court_code", "year", "judges_needed"])
    weights = workload_inputs.case_weights(conn)
    if weights.empty:
        return pd.DataFrame(columns=["court_code", "year", "judges_needed"])
    cond, params = frames.in_list("court_code", codes)
    incoming = frames.read_sql(
        conn, f"SELECT court_code, year, category, incoming FROM facts WHERE {cond} "
              "AND year <= :last", {**params, "last": max(years)})
    incoming["year"] = pd.to_numeric(incoming["year"]).astype("int64")
    incoming["incoming"] = pd.to_numeric(incoming["incoming"]).astype("float64")
    levels = frames.read_sql(conn, f"SELECT court_code, region_code, level FROM courts "
                                   f"WHERE {cond}", params)
    resources = res.reindex(columns=["court_code", "year", "judge_posts", "judges_in_post"])
    for c in ("judge_posts", "judges_in_post"):
        resources[c] = pd.to_numeric(resources[c]).astype("float64")
    return judges_needed_by_year(incoming, levels, resources, weights,
                                 workload_inputs.judge_year(conn).judge_year, years)


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
        court_years = court_years | known.backlog | _later_years(conn, court_years)
    court_years = _outside_year_in_progress(conn, court_years)
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
        durations = counts.read(conn, "durations", ["court_code", "year", "category"],
                                f"{ccond} AND {ycond}", {**cparams, **yparams})
    shared = _year_inputs(conn, courts_df, years)  # every court: the nation needs them all
    inputs = _court_inputs(conn, courts_df[courts_df["court_code"].isin(touched)], years, facts,
                           shared)
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
    dur_r = counts.read(conn, "durations", ["region_code", "year", "category"],
                        f"{rcond} AND {ycond}", {**rparams, **yparams})
    inputs_r = _with_data(_court_inputs(
        conn, courts_df[courts_df["region_code"].isin(regions)], years, facts_r, shared),
        ["region_code", "year"])
    values_r = evaluate(facts_r, inputs_r, _typed_durations(dur_r), levels=["region"])
    _replace_values(conn, values_r, "region", regions, years)
    n += len(values_r)

    # The nation, for those years.
    facts_n = _facts_frame(conn, ycond, yparams)
    dur_n = counts.read(conn, "durations", ["year", "category"], ycond, yparams)
    inputs_n = _with_data(_court_inputs(conn, courts_df, years, facts_n, shared), ["year"])
    values_n = evaluate(facts_n, inputs_n, _typed_durations(dur_n), levels=["national"])
    _replace_values(conn, values_n, "national", None, years)
    if known is not None:
        backlog.refresh_pooled(conn, regions, years, dur_r, dur_n)
    return n + len(values_n)


def _later_years(conn: Connection, court_years: CourtYears) -> CourtYears:
    """The later years of the same courts whose judges needed (judge_need_ratio) count a
    changed year's incoming: kpi.workload averages the up to YEARS_AVERAGED latest years
    with facts, so year Y counts in a later year Z (with facts or resources) while at
    most YEARS_AVERAGED - 1 years with facts lie in (Y, Z]."""
    if not court_years:
        return set()
    cond, params = frames.in_list("court_code", sorted({c for c, _ in court_years}))
    df = frames.read_sql(conn, f"SELECT DISTINCT court_code, year, 1 AS has_facts FROM facts "
                               f"WHERE {cond} UNION SELECT DISTINCT court_code, year, 0 "
                               f"FROM resources WHERE {cond}", params)
    facts_years: dict[str, list[int]] = {}
    any_years: dict[str, set[int]] = {}
    for c, y, f in zip(df["court_code"], df["year"], df["has_facts"]):
        any_years.setdefault(c, set()).add(int(y))
        if int(f):
            facts_years.setdefault(c, []).append(int(y))
    out: CourtYears = set()
    for court, year in court_years:
        with_facts = sorted(facts_years.get(court, []))
        for z in any_years.get(court, ()):
            if z > year and sum(year < f <= z for f in with_facts) < YEARS_AVERAGED:
                out.add((court, z))
    return out


def year_in_progress(conn: Connection) -> int | None:
    """The latest year with data, when some court with data in it is not complete for it
    (periods.md): it is never computed, shown or exported as a whole year."""
    row = conn.execute(text("SELECT MAX(year) FROM part_facts")).first()
    if row is None or row[0] is None:
        return None
    year = int(row[0])
    behind = conn.execute(text(
        "SELECT 1 FROM court_as_of a WHERE a.as_of < :end AND a.court_code IN "
        "(SELECT court_code FROM part_facts WHERE year = :y)"),
        {"end": dt.date(year, 12, 31), "y": year}).first()
    return year if behind is not None else None


def _outside_year_in_progress(conn: Connection, court_years: CourtYears) -> CourtYears:
    """``court_years`` without the year in progress. When that year changes (the last
    court completes it, or a new year begins), the year that was in progress is computed
    in full and the new one's yearly cells go."""
    now = year_in_progress(conn)
    row = conn.execute(text("SELECT value FROM meta WHERE key = 'year_in_progress'")).first()
    before = int(row[0]) if row is not None and row[0] not in (None, "") else None
    if before != now:
        if before is not None:
            court_years = court_years | {cy for cy in all_court_years(conn) if cy[1] == before}
        if now is not None:
            conn.execute(text("DELETE FROM kpi_values WHERE year = :y"), {"y": now})
        conn.execute(text("DELETE FROM meta WHERE key = 'year_in_progress'"))
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('year_in_progress', :v)"),
                     {"v": "" if now is None else str(now)})
    return {cy for cy in court_years if cy[1] != now}


def ready(engine: Engine) -> None:
    """The schema at the newest migration (data.store.db.init_db) and the derived tables
    a migration added filled from the uploaded ones (migration 0008 leaves a note)."""
    init_db(engine)
    with engine.begin() as conn:
        asked = conn.execute(text("SELECT value FROM meta WHERE key = 'refresh_needed'")
                             ).first()
        if asked is not None:
            # "kpis": a migration added a KPI (0009); anything else: derived tables too.
            if asked[0] == "kpis":
                rebuild_all_kpis(conn)
            else:
                refresh_all(conn)
            conn.execute(text("DELETE FROM meta WHERE key = 'refresh_needed'"))


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
    for table in ("facts", "durations", "part_facts", "month_durations", "court_as_of"):
        conn.execute(text(f"DELETE FROM {table}"))
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
    for table in ("facts", "durations", "part_facts", "month_durations"):
        conn.execute(text(
            f"UPDATE {table} SET region_code = (SELECT c.region_code FROM courts c "
            f"WHERE c.court_code = {table}.court_code)"
        ))


def after_change(conn: Connection, feeds: Feeds, rows: pd.DataFrame,
                 cases: pd.DataFrame | None, statutory_days: dict[str, int],
                 derived: Derived | None = None
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
                  derived: Derived | None
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
