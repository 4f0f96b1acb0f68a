"""From case rows to yearly facts (the table in data-contract.md "From cases to yearly facts").

Pure and vectorised: one pass of numpy per year over all cases, counting with
``bincount`` per (court, category) cell. A fact is *reported* for a cell when at
least one of the cases it counts carries the column (NaN otherwise, never 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.store.schema import CATEGORIES, DEFAULT_STATUTORY_DAYS, FACT_COLUMNS

FACT_FRAME_COLUMNS = ["court_code", "year", "category", "source", *FACT_COLUMNS]
DURATION_COLUMNS = ["court_code", "year", "category", "days", "n"]


def _days(a: np.ndarray) -> np.ndarray:
    return a.astype("datetime64[D]").astype("int64")


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
    if cases.empty:
        return (pd.DataFrame(columns=FACT_FRAME_COLUMNS),
                pd.DataFrame(columns=DURATION_COLUMNS))
    defaults = {**DEFAULT_STATUTORY_DAYS, **(statutory_days or {})}
    court_idx, courts = pd.factorize(cases["court_code"], sort=True)
    cat_idx = pd.Categorical(cases["category"], categories=CATEGORIES).codes.astype("int64")
    n_cells = len(courts) * len(CATEGORIES)
    cell = court_idx.astype("int64") * len(CATEGORIES) + cat_idx

    filed = _days(cases["filed_date"].to_numpy(dtype="datetime64[s]"))
    res_raw = cases["resolved_date"].to_numpy(dtype="datetime64[s]")
    has_res = ~np.isnat(res_raw)
    resolved = np.where(has_res, _days(np.where(has_res, res_raw, np.datetime64(0, "s"))), 0)
    limit = cases["statutory_days"].astype("Float64").fillna(
        cases["category"].map(defaults).astype("Float64")
    ).to_numpy(dtype="float64", na_value=np.nan)

    def flag(col: str):
        """(value as float with NaN, carried mask)"""
        s = cases[col]
        carried = s.notna().to_numpy()
        if s.dtype == "boolean" or s.dtype == bool:
            v = s.astype("boolean").fillna(False).to_numpy(dtype=bool).astype("float64")
        else:
            v = s.astype("Float64").fillna(0).to_numpy(dtype="float64")
        return v, carried

    e_filed, e_filed_c = flag("e_filed")
    appealed, appealed_c = flag("appealed")
    published, published_c = flag("published")
    h_total, h_total_c = flag("hearings_total")
    h_video, h_video_c = flag("hearings_video")
    ar = cases["appeal_result"]
    rom = ar.isin(["modified", "reversed"]).fillna(False).to_numpy(dtype=bool).astype("float64")
    rom_c = ar.notna().to_numpy()

    if years is None:
        first = int(pd.Timestamp(filed.min(), unit="D").year)
        last_day = max(filed.max(), resolved[has_res].max() if has_res.any() else filed.max())
        last = int(pd.Timestamp(last_day, unit="D").year)
        years = list(range(first, last + 1))

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = mask.astype("float64") if weights is None else np.where(mask, weights, 0.0)
        return np.bincount(cell, weights=w, minlength=n_cells)

    fact_parts, dur_parts = [], []
    for year in years:
        start = _days(np.array([f"{year}-01-01"], dtype="datetime64[D]"))[0]
        end = _days(np.array([f"{year}-12-31"], dtype="datetime64[D]"))[0]
        open_after_start = ~has_res | (resolved >= start)
        open_after_end = ~has_res | (resolved > end)
        is_in = (filed >= start) & (filed <= end)
        res_in = has_res & (resolved >= start) & (resolved <= end)
        pend_end = (filed <= end) & open_after_end
        duration = resolved - filed
        cols = {
            "pending_start": count((filed < start) & open_after_start),
            "incoming": count(is_in),
            "resolved": count(res_in),
            "pending_end": count(pend_end),
            "resolved_on_time": count(res_in & (duration <= limit)),
            "pending_over_limit": count(pend_end & ((end - filed) > limit)),
        }
        # (fact, value, carried, cases it counts)
        optional = (
            ("appealed", appealed, appealed_c, res_in),
            ("reversed_or_modified", rom, rom_c, res_in),
            ("e_filed", e_filed, e_filed_c, is_in),
            ("hearings_total", h_total, h_total_c, res_in),
            ("hearings_video", h_video, h_video_c, res_in),
            ("published", published, published_c, res_in),
        )
        for name, value, carried, scope in optional:
            total = count(scope & carried, value)
            reported = count(scope & carried) > 0
            cols[name] = np.where(reported, total, np.nan)
        active = (cols["pending_start"] + cols["incoming"] + cols["resolved"]
                  + cols["pending_end"]) > 0
        idx = np.flatnonzero(active)
        if idx.size:
            part = pd.DataFrame({k: v[idx] for k, v in cols.items()})
            part.insert(0, "court_code", courts[idx // len(CATEGORIES)])
            part.insert(1, "year", year)
            part.insert(2, "category", np.asarray(CATEGORIES, dtype=object)[idx % len(CATEGORIES)])
            fact_parts.append(part)
        if res_in.any():
            sel = np.flatnonzero(res_in)
            d = pd.DataFrame({"cell": cell[sel], "days": duration[sel]})
            d = d.groupby(["cell", "days"], sort=False).size().reset_index(name="n")
            dur_parts.append(pd.DataFrame({
                "court_code": courts[d["cell"].to_numpy() // len(CATEGORIES)],
                "year": year,
                "category": np.asarray(CATEGORIES, dtype=object)[
                    d["cell"].to_numpy() % len(CATEGORIES)],
                "days": d["days"].to_numpy(dtype="int64"),
                "n": d["n"].to_numpy(dtype="int64"),
            }))
    facts = (pd.concat(fact_parts, ignore_index=True) if fact_parts
             else pd.DataFrame(columns=FACT_FRAME_COLUMNS[:3] + list(FACT_COLUMNS)))
    facts.insert(3, "source", "cases")
    durations = (pd.concat(dur_parts, ignore_index=True) if dur_parts
                 else pd.DataFrame(columns=DURATION_COLUMNS))
    return facts[FACT_FRAME_COLUMNS], durations[DURATION_COLUMNS]


def caseload_facts(caseload: pd.DataFrame) -> pd.DataFrame:
    """Uploaded caseload rows are facts as given (empty optional = not reported)."""
    out = caseload[["court_code", "year", "category", *FACT_COLUMNS]].copy()
    out.insert(3, "source", "caseload")
    for col in FACT_COLUMNS:
        out[col] = out[col].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    return out[FACT_FRAME_COLUMNS]


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
