"""From case rows to facts of every month, and of years composed from the months.

The stored grain is the month (periods.md, docs/periods.md): ``derive_months`` counts,
for every (court, category) cell and calendar month, the facts of data-contract.md
with that month's first and last day in place of 1 January and 31 December, and the
durations of the cases resolved in it. Any longer period is composed from its months:
flows add up, ``pending_start`` is the first month's, ``pending_end`` and
``pending_over_limit`` the last month's, medians come from the merged duration counts.

Pure and vectorised: one ``bincount`` per fact over (cell, month) for all cases, then
cumulative sums over the months for the stocks. A fact is *reported* for a cell when
at least one of the cases it counts carries the column (NaN otherwise, never 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.store.schema import CATEGORIES, DEFAULT_STATUTORY_DAYS, FACT_COLUMNS

FACT_FRAME_COLUMNS = ["court_code", "year", "category", "source", *FACT_COLUMNS]
DURATION_COLUMNS = ["court_code", "year", "category", "days", "n"]
# A part of a year: months m1..m2 of ``year`` (case rows give months; an aggregate
# report may give a quarter or a whole year).
PART_COLUMNS = ["court_code", "year", "m1", "m2", "category", "source", *FACT_COLUMNS]
MONTH_DURATION_COLUMNS = ["court_code", "year", "month", "category", "days", "n"]
FLOWS: tuple[str, ...] = tuple(c for c in FACT_COLUMNS
                               if c not in ("pending_start", "pending_end",
                                            "pending_over_limit"))
# The optional facts: (name, the date that places a case in a month).
_OPTIONAL = (("appealed", "res"), ("reversed_or_modified", "res"), ("e_filed", "filed"),
             ("hearings_total", "res"), ("hearings_video", "res"), ("published", "res"))


def _days(a: np.ndarray) -> np.ndarray:
    return a.astype("datetime64[D]").astype("int64")


def _month_of_days(days: np.ndarray) -> np.ndarray:
    """Absolute month index (year * 12 + month - 1) of day numbers since 1970-01-01."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype("int64") + 1970 * 12


class _Months:
    """Dense (cell, month) counts of one set of cases, months first..last."""

    def __init__(self, cases: pd.DataFrame, statutory_days: dict[str, int] | None,
                 through: int | None):
        defaults = {**DEFAULT_STATUTORY_DAYS, **(statutory_days or {})}
        court_idx, self.courts = pd.factorize(cases["court_code"], sort=True)
        cat = pd.Categorical(cases["category"], categories=CATEGORIES).codes.astype("int64")
        self.n_cells = len(self.courts) * len(CATEGORIES)
        cell = court_idx.astype("int64") * len(CATEGORIES) + cat

        filed = _days(cases["filed_date"].to_numpy(dtype="datetime64[s]"))
        res_raw = cases["resolved_date"].to_numpy(dtype="datetime64[s]")
        has_res = ~np.isnat(res_raw)
        resolved = np.where(has_res, _days(np.where(has_res, res_raw, np.datetime64(0, "s"))),
                            0)
        limit = cases["statutory_days"].astype("Float64").fillna(
            cases["category"].map(defaults).astype("Float64")
        ).to_numpy(dtype="float64", na_value=np.nan)
        fm = _month_of_days(filed)
        rm = np.where(has_res, _month_of_days(resolved), 0)
        last = int(max(fm.max(), rm[has_res].max() if has_res.any() else fm.max()))
        # The years of the data: from the first filing to the latest date.
        self.data_years = list(range(int(fm.min()) // 12, last // 12 + 1))
        if through is not None:
            last = max(last, through)
        # Whole calendar years, so that every year composes from twelve months.
        self.first = int(fm.min()) // 12 * 12
        self.last = last // 12 * 12 + 11
        self.T = self.last - self.first + 1
        self.cell = cell

        def count(month: np.ndarray, mask: np.ndarray, weights: np.ndarray | None = None
                  ) -> np.ndarray:
            idx = cell[mask] * self.T + (month[mask] - self.first)
            w = None if weights is None else weights[mask]
            return np.bincount(idx, weights=w, minlength=self.n_cells * self.T
                               ).reshape(self.n_cells, self.T).astype("float64")

        everything = np.ones(len(cases), dtype=bool)
        incoming = count(fm, everything)
        res = count(rm, has_res)
        duration = resolved - filed
        cols: dict[str, np.ndarray] = {
            "incoming": incoming,
            "resolved": res,
            "resolved_on_time": count(rm, has_res & (duration <= limit)),
        }
        # Stocks: pending at the end of a month = filed so far - resolved so far.
        pending_end = np.cumsum(incoming, axis=1) - np.cumsum(res, axis=1)
        cols["pending_end"] = pending_end
        cols["pending_start"] = np.concatenate(
            [np.zeros((self.n_cells, 1)), pending_end[:, :-1]], axis=1)
        # Over its limit at a month's end: from the month holding day filed + limit + 1
        # to the month before its resolution (+1 then -1, summed over the months).
        over_from = _month_of_days(filed + np.floor(np.nan_to_num(limit, nan=1e9)
                                                    ).astype("int64").clip(max=10**6) + 1)
        stop = np.where(has_res, rm, np.iinfo(np.int64).max)
        starts = (over_from < stop) & (over_from <= self.last)
        delta = count(np.minimum(over_from, self.last), starts)
        ends = starts & has_res & (stop <= self.last)
        delta -= count(np.where(ends, stop, self.first), ends)
        cols["pending_over_limit"] = np.cumsum(delta, axis=1)

        appeal_result = cases["appeal_result"]
        for name, when in _OPTIONAL:
            if name == "reversed_or_modified":
                value = appeal_result.isin(["modified", "reversed"]).fillna(False).to_numpy(
                    dtype=bool).astype("float64")
                carried = appeal_result.notna().to_numpy()
            else:
                s = cases[name]
                carried = s.notna().to_numpy()
                if s.dtype == "boolean" or s.dtype == bool:
                    value = s.astype("boolean").fillna(False).to_numpy(dtype=bool).astype(
                        "float64")
                else:
                    value = s.astype("Float64").fillna(0).to_numpy(dtype="float64")
            month, scope = (fm, everything) if when == "filed" else (rm, has_res)
            total = count(month, scope & carried, value)
            reported = count(month, scope & carried) > 0
            cols[name] = np.where(reported, total, np.nan)
        self.cols = cols
        self.res_mask, self.rm, self.duration = has_res, rm, duration

    def labels(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        courts = np.asarray(self.courts, dtype=object)[idx // len(CATEGORIES)]
        cats = np.asarray(CATEGORIES, dtype=object)[idx % len(CATEGORIES)]
        return courts, cats

    def month_facts(self, through: int | None) -> pd.DataFrame:
        c = self.cols
        active = (c["pending_start"] + c["incoming"] + c["resolved"] + c["pending_end"]) > 0
        if through is not None:
            active[:, max(0, through - self.first + 1):] = False
        cells, months = np.nonzero(active)
        absolute = months + self.first
        courts, cats = self.labels(cells)
        out = pd.DataFrame({
            "court_code": courts, "year": absolute // 12,
            "m1": absolute % 12 + 1, "m2": absolute % 12 + 1, "category": cats,
            "source": "cases",
            **{k: c[k][cells, months] for k in FACT_COLUMNS},
        })
        return out[PART_COLUMNS]

    def month_durations(self, through: int | None) -> pd.DataFrame:
        sel = self.res_mask if through is None else self.res_mask & (self.rm <= through)
        idx = np.flatnonzero(sel)
        if not idx.size:
            return pd.DataFrame(columns=MONTH_DURATION_COLUMNS)
        d = pd.DataFrame({"cell": self.cell[idx], "month": self.rm[idx],
                          "days": self.duration[idx]})
        d = d.groupby(["cell", "month", "days"], sort=False).size().reset_index(name="n")
        courts, cats = self.labels(d["cell"].to_numpy())
        month = d["month"].to_numpy()
        return pd.DataFrame({
            "court_code": courts, "year": month // 12, "month": month % 12 + 1,
            "category": cats, "days": d["days"].to_numpy(dtype="int64"),
            "n": d["n"].to_numpy(dtype="int64"),
        })

    def year_facts(self, years: list[int]) -> pd.DataFrame:
        """Facts of whole calendar years, composed from the dense months."""
        parts = []
        for year in years:
            a, b = year * 12 - self.first, year * 12 + 11 - self.first
            if a < 0 or b >= self.T:
                continue
            cols = {}
            for k, v in self.cols.items():
                if k == "pending_start":
                    cols[k] = v[:, a]
                elif k in ("pending_end", "pending_over_limit"):
                    cols[k] = v[:, b]
                elif k in ("incoming", "resolved", "resolved_on_time"):
                    cols[k] = v[:, a:b + 1].sum(axis=1)
                else:  # reported when some month reports it
                    block = v[:, a:b + 1]
                    cols[k] = np.where(np.isnan(block).all(axis=1), np.nan,
                                       np.nansum(block, axis=1))
            active = (cols["pending_start"] + cols["incoming"] + cols["resolved"]
                      + cols["pending_end"]) > 0
            idx = np.flatnonzero(active)
            if idx.size:
                courts, cats = self.labels(idx)
                part = pd.DataFrame({"court_code": courts, "year": year, "category": cats,
                                     "source": "cases",
                                     **{k: cols[k][idx] for k in FACT_COLUMNS}})
                parts.append(part)
        if not parts:
            return pd.DataFrame(columns=FACT_FRAME_COLUMNS)
        return pd.concat(parts, ignore_index=True)[FACT_FRAME_COLUMNS]


def derive_months(cases: pd.DataFrame, statutory_days: dict[str, int] | None = None,
                  through: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Facts (PART_COLUMNS, one month per row) and durations (MONTH_DURATION_COLUMNS)
    of every month of ``cases`` up to the absolute month ``through`` (default: the
    month of the latest date). Months with no case pending, filed or resolved are
    omitted (all their facts are 0)."""
    if cases.empty:
        return (pd.DataFrame(columns=PART_COLUMNS),
                pd.DataFrame(columns=MONTH_DURATION_COLUMNS))
    m = _Months(cases, statutory_days, through)
    return m.month_facts(through), m.month_durations(through)


def derive_facts(
    cases: pd.DataFrame,
    statutory_days: dict[str, int] | None = None,
    years: list[int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Yearly facts and duration histograms of ``cases`` per (court, year, category).

    ``cases`` has the columns of the ``cases`` kind (dates as datetime64, NA where
    not reported). Years default to every year from the first filing to the last
    filing or resolution. Cells with no case pending, filed or resolved are omitted.
    """
    return derive_all(cases, statutory_days, years)[:2]


@dataclass
class Derived:
    """Everything the cases of some courts give: yearly facts and durations (all years
    of the data, complete or not) and those of every month up to ``through``."""

    facts: pd.DataFrame
    durations: pd.DataFrame
    month_facts: pd.DataFrame
    month_durations: pd.DataFrame
    through: int | None = None


def derive(cases: pd.DataFrame, statutory_days: dict[str, int] | None = None,
           through: int | None = None) -> Derived:
    return Derived(*derive_all(cases, statutory_days, through=through), through=through)


def derive_all(
    cases: pd.DataFrame,
    statutory_days: dict[str, int] | None = None,
    years: list[int] | None = None,
    through: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(yearly facts, yearly durations, month facts, month durations) of ``cases`` in one
    pass: the years are composed from the months, so the two always agree."""
    if cases.empty:
        return (pd.DataFrame(columns=FACT_FRAME_COLUMNS),
                pd.DataFrame(columns=DURATION_COLUMNS),
                pd.DataFrame(columns=PART_COLUMNS),
                pd.DataFrame(columns=MONTH_DURATION_COLUMNS))
    m = _Months(cases, statutory_days, through)
    if years is None:
        years = m.data_years
    facts = m.year_facts(years)
    month_durations = m.month_durations(through)
    durations = yearly_durations(month_durations, years)
    return facts, durations, m.month_facts(through), month_durations


def yearly_durations(month_durations: pd.DataFrame, years: list[int] | None = None
                     ) -> pd.DataFrame:
    """Duration counts per (court, year, category, days), merged over the months."""
    d = month_durations
    if years is not None:
        d = d[d["year"].isin(years)]
    if d.empty:
        return pd.DataFrame(columns=DURATION_COLUMNS)
    out = d.groupby(["court_code", "year", "category", "days"], as_index=False,
                    sort=False)["n"].sum()
    return out[DURATION_COLUMNS]
def caseload_parts(caseload: pd.DataFrame) -> pd.DataFrame:
    """Uploaded caseload rows as facts of the months their period covers (PART_COLUMNS);
    empty optional = not reported."""
    if caseload.empty:
        return pd.DataFrame(columns=PART_COLUMNS)
    period = caseload["period"].astype(str).to_numpy() if "period" in caseload else \
        caseload["year"].astype(str).to_numpy()
    m1 = np.ones(len(caseload), dtype="int64")
    m2 = np.full(len(caseload), 12, dtype="int64")
    for i, code in enumerate(period):
        if "-Q" in code:
            q = int(code[-1])
            m1[i], m2[i] = 3 * q - 2, 3 * q
        elif len(code) == 7:
            m1[i] = m2[i] = int(code[5:7])
    out = caseload[["court_code", "year", "category"]].copy()
    out["year"] = out["year"].astype("int64")
    out.insert(2, "m1", m1)
    out.insert(3, "m2", m2)
    out["source"] = "caseload"
    for col in FACT_COLUMNS:
        out[col] = caseload[col].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    return out[PART_COLUMNS]


STOCK_AT_START = ("pending_start",)
STOCKS_AT_END = ("pending_end", "pending_over_limit")


def compose(parts: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Facts of each (court, category) over the months ``first``..``last`` (absolute month
    indices) from the parts inside that run: flows add up (an optional fact is reported
    when some part reports it), ``pending_start`` is the first month's, ``pending_end``
    and ``pending_over_limit`` the last month's (periods.md).

    A cell of aggregate reports counts only when its parts cover every month; months
    of case-derived cells without a row had nothing pending, filed or resolved (0).
    Returns the part columns without year/m1/m2 (plus ``region_code`` when given), one
    row per cell with something pending, filed or resolved.
    """
    extra = ["region_code"] if "region_code" in parts.columns else []
    cols = ["court_code", *extra, "category", "source", *FACT_COLUMNS]
    if parts.empty:
        return pd.DataFrame(columns=cols)
    year = parts["year"].to_numpy(dtype="int64")
    a = year * 12 + parts["m1"].to_numpy(dtype="int64") - 1
    b = year * 12 + parts["m2"].to_numpy(dtype="int64") - 1
    inside = (a >= first) & (b <= last)
    if not inside.any():
        return pd.DataFrame(columns=cols)
    p = parts[inside].copy()
    a, b = a[inside], b[inside]
    p["_a"], p["_b"] = a, b
    key = ["court_code", "category"]
    is_load = (p["source"] != "cases").to_numpy()
    p["_cover"] = np.where(is_load, b - a + 1, 0)
    g = p.groupby(key, sort=False)
    flows = [c for c in FLOWS if c in ("incoming", "resolved")]
    optional = [c for c in FLOWS if c not in flows]
    out = g[flows].sum()
    out = out.join(g[optional].sum(min_count=1))
    # A cell is case-derived when all its parts are (a grouped all(), not a Python
    # function per cell: ten thousand cells in a nation's period).
    derived = (p["source"] == "cases").groupby([p[k] for k in key], sort=False).all()
    out["source"] = np.where(derived.reindex(out.index).to_numpy(dtype=bool), "cases",
                             "caseload")
    if extra:
        out["region_code"] = g["region_code"].first()
    starts = p[p["_a"] == first].set_index(key)[list(STOCK_AT_START)]
    ends = p[p["_b"] == last].set_index(key)[list(STOCKS_AT_END)]
    out = out.join(starts).join(ends)
    # A year in which the cell has aggregate rows must be covered by them, part by part;
    # any other year is case-derived, where a month without a row had nothing (0).
    reported = parts.loc[parts["source"] != "cases", ["court_code", "category", "year"]]
    by_report = pd.MultiIndex.from_frame(reported.astype({"year": "int64"}))
    courts = out.index.get_level_values(0).to_numpy()
    cats = out.index.get_level_values(1).to_numpy()

    def reported_in(year: int) -> np.ndarray:
        return pd.MultiIndex.from_arrays([courts, cats, np.full(len(out), year)]).isin(
            by_report)

    covered = g["_cover"].sum().reindex(out.index).to_numpy(dtype="int64")
    for y in range(first // 12, last // 12 + 1):
        covered = covered + np.where(reported_in(y), 0,
                                     min(y * 12 + 11, last) - max(y * 12, first) + 1)
    for c, at in ((STOCK_AT_START[0], first), *((c, last) for c in STOCKS_AT_END)):
        v = out[c].to_numpy(dtype="float64")
        out[c] = np.where(~reported_in(at // 12) & np.isnan(v), 0.0, v)
    out = out[covered == last - first + 1]
    active = (out["pending_start"] + out["incoming"] + out["resolved"]
              + out["pending_end"]).to_numpy() > 0
    out = out[active].reset_index()
    return out[cols]


def compose_years(parts: pd.DataFrame) -> pd.DataFrame:
    """Yearly facts (FACT_FRAME_COLUMNS) of every year whose parts are complete."""
    if parts.empty:
        return pd.DataFrame(columns=FACT_FRAME_COLUMNS)
    out = []
    for year in sorted(parts["year"].astype("int64").unique()):
        f = compose(parts[parts["year"] == year], year * 12, year * 12 + 11)
        if len(f):
            out.append(f.assign(year=int(year)))
    if not out:
        return pd.DataFrame(columns=FACT_FRAME_COLUMNS)
    return pd.concat(out, ignore_index=True)[FACT_FRAME_COLUMNS]


def caseload_facts(caseload: pd.DataFrame) -> pd.DataFrame:
    """Uploaded caseload rows as yearly facts: year rows as given, quarters and months
    added up into their year when every part is there (empty optional = not reported)."""
    return compose_years(caseload_parts(caseload))


def combine(case_facts: pd.DataFrame, load_facts: pd.DataFrame,
            durations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where a cell has an uploaded caseload row, that row is the cell's source."""
    if load_facts.empty:
        return case_facts, durations
    keys = ["court_code", "year", "category"]
    taken = pd.MultiIndex.from_frame(load_facts[keys].astype({"year": "int64"}))
    keep = ~pd.MultiIndex.from_frame(case_facts[keys].astype({"year": "int64"})).isin(taken)
    dkeep = ~pd.MultiIndex.from_frame(durations[keys].astype({"year": "int64"})).isin(taken)
    facts = pd.concat([case_facts[keep], load_facts], ignore_index=True)
    return facts, durations[dkeep]
