"""The backlog's age and the time to disposition (CourTools measure 4) from case rows.

Per court, year and category (and category ``all``), from the ``cases`` table:

* the **active pending cases at the end of the year**: filed on or before 31 Dec of
  the year and not resolved by then (no resolved date, or one after 31 Dec), the
  same cases as the ``pending_end`` fact. Their **age** is ``31 Dec - filed_date`` in
  days (a case filed on 31 Dec is 0 days old), counted in five buckets whose day
  boundaries are exactly (both ends included)::

      age_le_3m    0 -  91 days   (up to 3 months)
      age_3_6m    92 - 182 days   (3 to 6 months)
      age_6_12m  183 - 365 days   (6 to 12 months)
      age_1_2y   366 - 730 days   (1 to 2 years)
      age_gt_2y  731 days or more (over 2 years)

  and ``over_term``: how many of them are older than their statutory term (age >
  statutory days, the case's own ``statutory_days`` or else its category's default,
  :data:`data.store.schema.DEFAULT_STATUTORY_DAYS` as configured by
  ``data.ingest.load.statutory_days``), the same cases as the ``pending_over_limit`` fact.
  A case resolved exactly on 31 Dec is not pending at the end of that year.
* the **time to disposition** of the cases resolved in the year (``resolved_date``
  in the year): ``resolved_date - filed_date`` in days, its 50th, 75th and 90th
  percentiles by linear interpolation between the closest ranks, which is numpy's
  default (``numpy.percentile(days, q)``, method ``"linear"``: the value at rank
  ``(n - 1) * q / 100`` of the sorted days, ranks counted from 0).

Regions and the nation pool their courts' cases: bucket counts are sums of the
courts' counts, and the percentiles are computed over the pooled disposition days of
all the cases (their histogram of days), never from the courts' percentiles.

Missing is never 0. A court-year gets rows only when the court has case-level data
for that year: one of its cases was open at some point of the year (filed on or
before 31 Dec, not resolved before 1 Jan), and the year is between the court's first
filing and its last filing or resolution. Such a court-year has a row for ``all``
and for every category, with true zeros where nothing is pending; a court with only
aggregate ``caseload`` rows for a year has no row for it, and a (court, year,
category) whose facts come from an uploaded caseload row has no row of its own and
is left out of the court's ``all`` (one source per cell, as in data/facts.py).
Percentiles are NaN when no case was resolved in the year.

Stored in ``backlog_age`` (:class:`data.store.models.BacklogAge`) for courts, regions and
the nation and kept current by data/refresh.py; read with :func:`backlog_age`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from data.store import counts, frames
from data.store.schema import CATEGORIES, DEFAULT_STATUTORY_DAYS

NATIONAL_CODE = "KZ"  # as kpi.engine.NATIONAL_CODE
ALL = "all"
LEVELS: tuple[str, ...] = ("court", "region", "national")

# (column, first day, last day) of each age bucket; None = no upper end.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("age_le_3m", 0, 91),
    ("age_3_6m", 92, 182),
    ("age_6_12m", 183, 365),
    ("age_1_2y", 366, 730),
    ("age_gt_2y", 731, None),
)
BUCKET_COLUMNS = [name for name, _, _ in BUCKETS]
# A bucket's index is the number of upper ends below the age: searchsorted(..., "left").
_UPPER_ENDS = np.array([hi for _, _, hi in BUCKETS if hi is not None], dtype="int64")
QUANTILES: tuple[tuple[str, float], ...] = (("p50_days", 0.5), ("p75_days", 0.75),
                                            ("p90_days", 0.9))
PERCENTILE_COLUMNS = [name for name, _ in QUANTILES]
COUNT_COLUMNS = ["courts", "pending_total", *BUCKET_COLUMNS, "over_term", "resolved"]
KEY_COLUMNS = ["level", "code", "year", "category"]
COLUMNS = [*KEY_COLUMNS, *COUNT_COLUMNS, *PERCENTILE_COLUMNS]
"""Columns of every backlog frame (pure functions, the table, :func:`backlog_age`):

level, code   ``court`` + court code, ``region`` + region code, ``national`` + ``KZ``
year          the calendar year
category      ``all`` or one of data.store.schema.CATEGORIES
courts        courts whose cases are counted (1 for a court row)
pending_total active pending cases on 31 Dec of the year (= sum of the five buckets)
age_le_3m .. age_gt_2y   those cases by age on 31 Dec (see the module docstring)
over_term     those of them older than their statutory term
resolved      cases resolved in the year (the cases the percentiles are over)
p50_days, p75_days, p90_days   percentiles of their days from filing to resolution
                (float, NaN when ``resolved`` is 0)
"""
HISTOGRAM_COLUMNS = ["court_code", "year", "category", "days", "n"]
TABLE = "backlog_age"

_CAT_INDEX = {c: i for i, c in enumerate(CATEGORIES)}
_ORDER = {c: i for i, c in enumerate((ALL, *CATEGORIES))}


# --- pure functions -----------------------------------------------------------------


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]").astype("int64")


def _day(year: int, month: int, day: int) -> int:
    return int(np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D").astype("int64"))


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _empty_hist() -> pd.DataFrame:
    return _empty(HISTOGRAM_COLUMNS).astype({"year": "int64", "days": "int64", "n": "int64"})


def empty_rows() -> pd.DataFrame:
    """A backlog frame without rows, in the dtypes of a full one."""
    out = _empty(COLUMNS)
    return out.astype({"year": "int64", **{c: "int64" for c in COUNT_COLUMNS},
                       **{c: "float64" for c in PERCENTILE_COLUMNS}})


def _excluded_cells(exclude: pd.DataFrame | None, courts: pd.Index, years: list[int]
                    ) -> np.ndarray:
    """(year index, court index * categories + category) cells that have another source."""
    out = np.zeros((len(years), len(courts) * len(CATEGORIES)), dtype=bool)
    if exclude is None or exclude.empty:
        return out
    c = courts.get_indexer(exclude["court_code"].astype(str).to_numpy())
    k = exclude["category"].astype(str).map(_CAT_INDEX).to_numpy(dtype="float64",
                                                                  na_value=np.nan)
    y = pd.to_numeric(exclude["year"]).to_numpy(dtype="int64") - (years[0] if years else 0)
    ok = (c >= 0) & ~np.isnan(k) & (y >= 0) & (y < len(years))
    out[y[ok], c[ok] * len(CATEGORIES) + k[ok].astype("int64")] = True
    return out


def court_backlog(
    cases: pd.DataFrame,
    statutory_days: Mapping[str, int] | None = None,
    exclude: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Backlog rows (level ``court``) of ``cases`` and the histogram they come from.

    ``cases``: rows of the ``cases`` kind (court_code, category, filed_date,
    resolved_date as datetime64 with NaT while pending, statutory_days with NA for
    the default). ``statutory_days``: category defaults overriding
    DEFAULT_STATUTORY_DAYS. ``exclude``: (court_code, year, category) cells whose
    facts come from an uploaded caseload row; they get no row and stay out of
    ``all``.

    Returns (rows in :data:`COLUMNS`, disposition histogram in
    :data:`HISTOGRAM_COLUMNS`: how many cases resolved in (court, year, category)
    took ``days`` days, for the cells that have rows).
    """
    # Validation admits only the contract's categories; anything else is not counted.
    cases = cases[cases["category"].isin(CATEGORIES).to_numpy(dtype=bool)]
    if cases.empty:
        return empty_rows(), _empty_hist()
    defaults = {**DEFAULT_STATUTORY_DAYS, **(statutory_days or {})}
    n_cat = len(CATEGORIES)
    court_idx, courts = pd.factorize(cases["court_code"], sort=True)
    courts = pd.Index(np.asarray(courts, dtype=object))
    cat_idx = pd.Categorical(cases["category"], categories=CATEGORIES).codes.astype("int64")
    cell = court_idx.astype("int64") * n_cat + cat_idx
    n_cells = len(courts) * n_cat

    filed = _days(cases["filed_date"].to_numpy(dtype="datetime64[s]"))
    res_raw = cases["resolved_date"].to_numpy(dtype="datetime64[s]")
    has_res = ~np.isnat(res_raw)
    resolved = np.where(has_res, _days(np.where(has_res, res_raw, np.datetime64(0, "s"))), 0)
    own = (cases["statutory_days"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
           if "statutory_days" in cases.columns else np.full(len(cases), np.nan))
    default = np.array([defaults.get(c, np.nan) for c in CATEGORIES], dtype="float64")[cat_idx]
    limit = np.where(np.isnan(own), default, own)

    # Each court's years: from its first filing to its last filing or resolution.
    filed_year = cases["filed_date"].dt.year.to_numpy(dtype="int64")
    last_event = np.where(has_res, np.maximum(filed, resolved), filed)
    last_year = pd.to_datetime(last_event, unit="D").year.to_numpy(dtype="int64")
    first_of = np.full(len(courts), np.iinfo("int64").max)
    np.minimum.at(first_of, court_idx, filed_year)
    last_of = np.full(len(courts), np.iinfo("int64").min)
    np.maximum.at(last_of, court_idx, last_year)
    years = list(range(int(first_of.min()), int(last_of.max()) + 1))
    excluded = _excluded_cells(exclude, courts, years)

    def count(mask: np.ndarray, by: np.ndarray = cell, size: int = n_cells) -> np.ndarray:
        return np.bincount(by[mask], minlength=size)

    row_parts, hist_parts = [], []
    cat_names = np.asarray(CATEGORIES, dtype=object)
    for yi, year in enumerate(years):
        start, end = _day(year, 1, 1), _day(year, 12, 31)
        pending = (filed <= end) & (~has_res | (resolved > end))
        open_in_year = (filed <= end) & (~has_res | (resolved >= start))
        res_in = has_res & (resolved >= start) & (resolved <= end)
        age = end - filed
        bucket = np.searchsorted(_UPPER_ENDS, age, side="left")
        keep_cell = ~excluded[yi]
        in_range = (first_of <= year) & (year <= last_of)
        active = count(open_in_year).reshape(len(courts), n_cat) * keep_cell.reshape(
            len(courts), n_cat)
        court_on = in_range & (active.sum(axis=1) > 0)
        if not court_on.any():
            continue
        buckets = count(pending, cell * len(BUCKETS) + bucket, n_cells * len(BUCKETS))
        buckets = buckets.reshape(n_cells, len(BUCKETS))
        counts = {name: buckets[:, i] for i, name in enumerate(BUCKET_COLUMNS)}
        counts["pending_total"] = buckets.sum(axis=1)
        counts["over_term"] = count(pending & (age > limit))
        counts["resolved"] = count(res_in)
        cells = np.flatnonzero(np.repeat(court_on, n_cat) & keep_cell)
        part = pd.DataFrame({k: v[cells] for k, v in counts.items()})
        part.insert(0, "code", courts.to_numpy(dtype=object)[cells // n_cat])
        part.insert(1, "year", year)
        part.insert(2, "category", cat_names[cells % n_cat])
        row_parts.append(part)
        sel = np.flatnonzero(res_in & keep_cell[cell] & court_on[court_idx])
        if sel.size:
            days = resolved[sel] - filed[sel]  # >= 0: validation rejects the rest
            span = int(days.max()) + 1
            key, n = np.unique(cell[sel] * span + days, return_counts=True)
            c = key // span
            hist_parts.append(pd.DataFrame({
                "court_code": courts.to_numpy(dtype=object)[c // n_cat], "year": year,
                "category": cat_names[c % n_cat], "days": key % span,
                "n": n.astype("int64")}))
    if not row_parts:
        return empty_rows(), _empty_hist()
    rows = pd.concat(row_parts, ignore_index=True)
    rows.insert(0, "level", "court")
    rows["courts"] = 1
    hist = pd.concat(hist_parts, ignore_index=True) if hist_parts else _empty_hist()
    one = rows[["code", "year"]].drop_duplicates().assign(courts=1)
    return _finish(rows, hist.rename(columns={"court_code": "code"}), "code", one), hist


def _finish(rows: pd.DataFrame, hist: pd.DataFrame, unit: str, courts: pd.DataFrame
            ) -> pd.DataFrame:
    """Add the ``all`` rows (sums over the categories) and the percentiles.

    ``courts``: (unit, year, courts) — the courts counted in each unit-year's ``all``.
    """
    keys = [unit, "year"]
    total = rows.groupby(["level", *keys], as_index=False, sort=False)[COUNT_COLUMNS].sum()
    total = total.drop(columns="courts").merge(courts, on=keys, how="left")
    total["category"] = ALL
    rows = pd.concat([rows, total], ignore_index=True)
    h = hist[[unit, "year", "category", "days", "n"]]
    h = pd.concat([h, h.assign(category=ALL)], ignore_index=True)
    pct = grouped_percentiles(h, [unit, "year", "category"])
    if pct.empty:
        for c in PERCENTILE_COLUMNS:
            rows[c] = np.nan
    else:
        pct = pct.astype({"year": "int64"}).drop(columns=["n"])
        rows = rows.merge(pct, on=[unit, "year", "category"], how="left")
    return _typed(rows.rename(columns={unit: "code"}))


def _typed(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.astype({"year": "int64", **{c: "int64" for c in COUNT_COLUMNS}})
    for c in PERCENTILE_COLUMNS:
        rows[c] = pd.to_numeric(rows[c]).astype("float64")
    rows["_o"] = rows["category"].map(_ORDER)
    rows = rows.sort_values(["level", "code", "year", "_o"], kind="stable")
    return rows[COLUMNS].reset_index(drop=True)


def grouped_percentiles(hist: pd.DataFrame, keys: list[str],
                        quantiles: Sequence[tuple[str, float]] = QUANTILES) -> pd.DataFrame:
    """Percentiles of ``days`` weighted by ``n`` per group of ``keys``, and ``n``.

    Exactly ``numpy.percentile(numpy.repeat(days, n), 100 * q)`` of each group
    (linear interpolation, numpy's default), without expanding the histogram.
    """
    cols = [*keys, *(name for name, _ in quantiles), "n"]
    d = hist[pd.to_numeric(hist["n"]) > 0]
    if d.empty:
        return _empty(cols)
    d = d.groupby([*keys, "days"], sort=True)["n"].sum().reset_index()
    n = d["n"].to_numpy(dtype="int64")
    days = d["days"].to_numpy(dtype="float64")
    cum = np.cumsum(n)
    new_group = np.zeros(len(d), dtype=bool)
    new_group[0] = True
    for k in keys:
        v = d[k].to_numpy()
        new_group[1:] |= v[1:] != v[:-1]
    starts = np.flatnonzero(new_group)
    before = cum[starts] - n[starts]  # cases in the groups sorted before this one
    total = np.add.reduceat(n, starts)
    out = d.loc[starts, keys].reset_index(drop=True)
    for name, q in quantiles:
        index = (total - 1) * q  # numpy's "linear" virtual index
        lo = np.floor(index)
        gamma = index - lo
        hi = np.minimum(lo + 1, total - 1)
        a = days[np.searchsorted(cum, before + lo.astype("int64"), side="right")]
        b = days[np.searchsorted(cum, before + hi.astype("int64"), side="right")]
        # numpy's _lerp, for bit-identical results.
        diff = b - a
        out[name] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    out["n"] = total
    return out[cols]


def pooled_backlog(court_rows: pd.DataFrame, histogram: pd.DataFrame, level: str
                   ) -> pd.DataFrame:
    """Backlog rows of regions or the nation from their courts' rows and pooled cases.

    ``court_rows``: court-level rows (:data:`COLUMNS`, from :func:`court_backlog` or the
    table) with a column ``unit``: the code of the region (or ``KZ``) they add up to.
    ``histogram``: disposition days of those courts' resolved cases, columns ``unit``,
    year, category (not ``all``), days, n; several rows of the same days add up, so
    a histogram summed per unit already by the database will do.

    Counts are sums over the courts' category rows (``courts`` counts the courts
    with a row); ``all`` sums the unit's category rows; percentiles are over the
    pooled histogram. A unit-year whose courts have no rows has none.
    """
    if court_rows.empty:
        return empty_rows()
    cats = court_rows[court_rows["category"] != ALL]
    rows = cats.groupby(["unit", "year", "category"], as_index=False, sort=False)[
        COUNT_COLUMNS].sum()
    rows.insert(0, "level", level)
    courts = court_rows.groupby(["unit", "year"], as_index=False)["code"].nunique()
    h = histogram[["unit", "year", "category", "days", "n"]]
    h = h.astype({"year": "int64", "days": "int64", "n": "int64"})
    return _finish(rows, h, "unit", courts.rename(columns={"code": "courts"}))


# --- storage --------------------------------------------------------------------------


def _read(conn: Connection, where: str, params: dict) -> pd.DataFrame:
    df = frames.read_sql(conn, f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE {where}",
                        params)
    if df.empty:
        return empty_rows()
    for c in COUNT_COLUMNS:
        df[c] = pd.to_numeric(df[c]).astype("int64")
    for c in PERCENTILE_COLUMNS:
        df[c] = pd.to_numeric(df[c]).astype("float64")
    df["year"] = df["year"].astype("int64")
    return df


def _changed_pairs(old: pd.DataFrame, new: pd.DataFrame) -> set[tuple[str, int]]:
    """(court, year) whose rows differ between two versions (NaN equals NaN)."""
    if old.empty and new.empty:
        return set()
    key = ["code", "year", "category"]
    m = old.merge(new, on=key, how="outer", suffixes=("_o", "_n"), indicator=True)
    diff = (m["_merge"] != "both").to_numpy().copy()
    for c in COUNT_COLUMNS + PERCENTILE_COLUMNS:
        a = pd.to_numeric(m[f"{c}_o"]).to_numpy(dtype="float64", na_value=np.nan)
        b = pd.to_numeric(m[f"{c}_n"]).to_numpy(dtype="float64", na_value=np.nan)
        diff |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
    return {(str(c), int(y)) for c, y in zip(m.loc[diff, "code"], m.loc[diff, "year"])}


def refresh_courts(conn: Connection, courts: Iterable[str], cases: pd.DataFrame,
                   statutory_days: Mapping[str, int] | None = None,
                   caseload: pd.DataFrame | None = None) -> set[tuple[str, int]]:
    """Rewrite the court rows of ``courts`` from ``cases`` (all their cases, as stored).

    ``caseload``: the uploaded caseload rows of those courts (their cells have no
    rows). Only the (court, year) whose rows changed are rewritten; they are returned,
    for :func:`refresh_pooled`.
    """
    courts = sorted(set(courts))
    if not courts:
        return set()
    exclude = None if caseload is None or caseload.empty else caseload[
        ["court_code", "year", "category"]]
    new, _ = court_backlog(cases, statutory_days, exclude)
    cond, params = frames.in_list("code", courts)
    old = _read(conn, f"level = 'court' AND {cond}", params)
    changed = _changed_pairs(old, new)
    if not changed:
        return changed
    pairs = pd.DataFrame(sorted(changed), columns=["code", "year"]).assign(level="court")
    frames.delete_keys(conn, TABLE, ["level", "code", "year"], pairs)
    idx = pd.MultiIndex.from_frame(pairs[["code", "year"]])
    keep = pd.MultiIndex.from_arrays([new["code"].to_numpy(), new["year"].to_numpy()]).isin(idx)
    frames.insert_frame(conn, TABLE, new[keep])
    return changed


def refresh_pooled(conn: Connection, regions: Sequence[str], years: Sequence[int],
                   region_durations: pd.DataFrame | None = None,
                   national_durations: pd.DataFrame | None = None) -> int:
    """Rewrite the rows of ``regions`` and of the nation for ``years``; return rows written.

    Sums come from the stored court rows, percentiles from the ``durations`` table (the
    disposition days of every case-level cell, per court). ``region_durations``
    (region_code, year, category, days, n summed per region) and
    ``national_durations`` (year, category, days, n) may be given when the caller has
    just read them for the same regions and years (data/refresh.py rebuild_kpis
    does), which saves the two queries.
    """
    years = sorted({int(y) for y in years})
    regions = sorted(set(regions))
    if not years:
        return 0
    ycond, yparams = frames.in_list("year", years)
    rcond, rparams = frames.in_list("region_code", regions)
    court_rows = frames.read_sql(
        conn, f"SELECT c.region_code AS unit, {', '.join('b.' + c for c in COLUMNS)} "
              f"FROM {TABLE} b JOIN courts c ON c.court_code = b.code "
              f"WHERE b.level = 'court' AND b.{ycond}", yparams)
    if court_rows.empty:
        court_rows = _empty(["unit", *COLUMNS])
    for c in ("year", *COUNT_COLUMNS):
        court_rows[c] = pd.to_numeric(court_rows[c]).astype("int64")
    if region_durations is None:
        region_durations = counts.read(conn, "durations", ["region_code", "year", "category"],
                                       f"{rcond} AND {ycond}", {**rparams, **yparams})
    if national_durations is None:
        national_durations = counts.read(conn, "durations", ["year", "category"], ycond,
                                         yparams)
    in_regions = court_rows[court_rows["unit"].isin(regions)]
    region_hist = _hist(region_durations).rename(columns={"region_code": "unit"})
    region_rows = pooled_backlog(in_regions, region_hist[region_hist["year"].isin(years)],
                                 "region")
    national_rows = pooled_backlog(court_rows.assign(unit=NATIONAL_CODE),
                                   _hist(national_durations).assign(unit=NATIONAL_CODE),
                                   "national")
    ccond, cparams = frames.in_list("code", regions)
    conn.execute(text(f"DELETE FROM {TABLE} WHERE level = 'region' AND {ccond} AND {ycond}"),
                 {**cparams, **yparams})
    conn.execute(text(f"DELETE FROM {TABLE} WHERE level = 'national' AND {ycond}"), yparams)
    return (frames.insert_frame(conn, TABLE, region_rows)
            + frames.insert_frame(conn, TABLE, national_rows))


def _hist(d: pd.DataFrame) -> pd.DataFrame:
    if d.empty:
        return _empty([*d.columns]).astype({"year": "int64", "days": "int64", "n": "int64"})
    return d.astype({"year": "int64"}).assign(days=pd.to_numeric(d["days"]).astype("int64"),
                                              n=pd.to_numeric(d["n"]).astype("int64"))


# --- reading --------------------------------------------------------------------------


def _filter(col: str, value) -> tuple[str, dict]:
    def plain(v):  # numpy scalars as Python values, which every driver takes
        return v.item() if isinstance(v, np.generic) else v

    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        return frames.in_list(col, [plain(v) for v in value])
    return f"{col} = :{col}", {col: plain(value)}


def backlog_age(conn: Connection, level: str, code: str | Sequence[str] | None = None,
                year: int | Sequence[int] | None = None,
                category: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Stored backlog rows of one level (``court``, ``region`` or ``national``).

    ``code``, ``year`` and ``category`` filter (a value or a list; None = any; the
    nation's code is ``KZ``). Columns: :data:`COLUMNS`; counts are int64, percentiles
    float64 (NaN when no case was resolved). Sorted by code, year, then ``all``
    before the categories. No row = no case-level data (show "no data", not 0).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    parts, params = ["level = :level"], {"level": level}
    for col, value in (("code", code), ("year", year), ("category", category)):
        if value is not None:
            cond, p = _filter(col, value)
            parts.append(cond)
            params.update(p)
    return _typed(_read(conn, " AND ".join(parts), params))
