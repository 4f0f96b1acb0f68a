"""Evaluate catalogue KPIs on frames of inputs, at any grouping. Pure: no SQL, no Dash.

Three input frames, all produced by ``data`` and handed in:

* ``facts``: one row per (court_code, region_code, year, category) with the yearly
  fact columns; NaN means *not reported* (never 0). A ``source`` column
  ("cases" | "caseload") tells whether the cell has case-level data.
* ``court_inputs``: one row per (court_code, region_code, year) for every court in
  scope, with resources, surveys, ``incoming_all`` and ``resolved_all``; NaN = not
  reported. Rows of courts that sent nothing still count in coverage.
* ``durations``: (court_code, region_code, year, category, days, n): how many cases
  resolved in the year took ``days`` days: merging these gives exact medians of
  any scope without a median of medians.

The roll-up rule: a KPI of a scope is ``scale * Σnumerator / Σdenominator`` over the
cells where every input is reported; coverage is the share of the scope's incoming
(per-court KPIs: of its courts) that contributed, in percent; a zero denominator or
no contributing cell gives NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from kpi.catalogue import CATALOGUE, KpiDef

LEVEL_KEYS: dict[str, tuple[str, ...]] = {
    "court": ("court_code",),
    "region": ("region_code",),
    "national": (),
}
NATIONAL_CODE = "KZ"
ALL = "all"
RESULT_COLUMNS = [
    "level", "code", "year", "category", "kpi", "value", "coverage", "numerator",
    "denominator",
]


class _Groups:
    """Group ids of a frame's rows for one grouping, computed once for every KPI."""

    def __init__(self, frame: pd.DataFrame, keys: list[str]):
        self.keys = keys
        if keys:
            gid = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
            _, first = np.unique(gid, return_index=True)
            self.labels = frame[keys].iloc[first].reset_index(drop=True)
        else:
            gid = np.zeros(len(frame), dtype="int64")
            self.labels = pd.DataFrame(index=range(1 if len(frame) else 0))
        self.gid = gid
        self.n = len(self.labels)

    def sum(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.gid, weights=weights, minlength=self.n)


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64 with NaN for missing (nullable dtypes included)."""
    return frame[name].to_numpy(dtype="float64", na_value=np.nan)


def _ratio(kpi: KpiDef, frame: pd.DataFrame, groups: _Groups, weight: str | None
           ) -> dict[str, np.ndarray]:
    """Σnumerator, Σdenominator, value and coverage of one ratio KPI, aligned to the groups."""
    ok = np.ones(len(frame), dtype=bool)
    for name in kpi.inputs:
        ok &= ~np.isnan(_col(frame, name))
    num = np.zeros(len(frame))
    for name, coef in kpi.numerator:
        num += coef * np.nan_to_num(_col(frame, name))
    den_in = np.nan_to_num(_col(frame, kpi.denominator))
    g_num = groups.sum(np.where(ok, num, 0.0))
    g_den = groups.sum(np.where(ok, den_in, 0.0))
    contrib = groups.sum(ok.astype("float64"))
    rows = groups.sum(np.ones(len(frame)))
    has = (contrib > 0) & (g_den != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(has, kpi.scale * g_num / g_den, np.nan)
        share = 100.0 * contrib / rows
        if weight is not None:
            w = np.nan_to_num(_col(frame, weight))
            w_all = groups.sum(w)
            w_ok = groups.sum(np.where(ok, w, 0.0))
            coverage = np.where(w_all > 0, 100.0 * w_ok / w_all, share)
        else:
            coverage = share
    return {
        "value": value,
        "coverage": coverage,
        "numerator": np.where(contrib > 0, g_num, np.nan),
        "denominator": np.where(contrib > 0, g_den, np.nan),
    }


def grouped_median(durations: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Exact median of ``days`` weighted by ``n`` per group (mean of the two middle values)."""
    d = durations[durations["n"] > 0]
    if d.empty:
        return pd.DataFrame(columns=keys + ["median", "count"])
    d = d.groupby(keys + ["days"], sort=True, dropna=False)["n"].sum().reset_index()
    if keys:
        grp = d.groupby(keys, sort=False, dropna=False)["n"]
        cum = grp.cumsum().to_numpy()
        total = grp.transform("sum").to_numpy()
    else:
        cum = d["n"].cumsum().to_numpy()
        total = np.full(len(d), cum[-1])
    lo_rank = (total - 1) // 2
    hi_rank = total // 2
    days = d["days"].to_numpy(dtype="float64")
    base = d[keys].copy() if keys else pd.DataFrame(index=d.index)
    lo = base.assign(v=days)[cum > lo_rank]
    hi = base.assign(v=days)[cum > hi_rank]
    if keys:
        lo_v = lo.groupby(keys, sort=False, dropna=False)["v"].first()
        hi_v = hi.groupby(keys, sort=False, dropna=False)["v"].first()
        n = d.groupby(keys, sort=False, dropna=False)["n"].sum()
        out = pd.DataFrame({"median": (lo_v + hi_v) / 2.0, "count": n}).reset_index()
    else:
        out = pd.DataFrame({
            "median": [(lo["v"].iloc[0] + hi["v"].iloc[0]) / 2.0],
            "count": [int(total[0])],
        })
    return out


def _median(facts: pd.DataFrame, durations: pd.DataFrame, groups: _Groups
            ) -> dict[str, np.ndarray]:
    """Median KPI per group; coverage = share of incoming in cells with case-level data."""
    keys = groups.keys
    cases_cell = (facts["source"] == "cases").to_numpy()
    inc = np.nan_to_num(_col(facts, "incoming"))
    w_all = groups.sum(inc)
    w_ok = groups.sum(np.where(cases_cell, inc, 0.0))
    contrib = groups.sum(cases_cell.astype("float64"))
    rows = groups.sum(np.ones(len(facts)))
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(w_all > 0, 100.0 * w_ok / w_all, 100.0 * contrib / rows)
    out = groups.labels.assign(coverage=coverage)
    med = grouped_median(durations, keys)
    if keys:
        med = med.astype({k: out[k].dtype for k in keys}) if len(med) else med
        out = out.merge(med, on=keys, how="left")
    else:
        out = out.assign(median=med["median"].iloc[0] if len(med) else np.nan,
                         count=med["count"].iloc[0] if len(med) else np.nan)
    return {
        "value": pd.to_numeric(out["median"]).to_numpy(dtype="float64", na_value=np.nan),
        "coverage": out["coverage"].to_numpy(dtype="float64"),
        "numerator": np.full(len(out), np.nan),
        "denominator": pd.to_numeric(out["count"]).to_numpy(dtype="float64",
                                                            na_value=np.nan),
    }


def evaluate(
    facts: pd.DataFrame,
    court_inputs: pd.DataFrame,
    durations: pd.DataFrame,
    levels: Iterable[str] = ("court", "region", "national"),
    kpis: Sequence[KpiDef] = CATALOGUE,
) -> pd.DataFrame:
    """Every KPI at every requested level, per category and for ``all`` categories.

    Returns RESULT_COLUMNS; ``code`` is the court or region code, ``KZ`` for national.
    """
    parts: list[pd.DataFrame] = []
    for level in levels:
        unit_keys = list(LEVEL_KEYS[level])
        groupings = {
            ("cell", False): (facts, unit_keys + ["year", "category"]),
            ("cell", True): (facts, unit_keys + ["year"]),
            ("court", True): (court_inputs, unit_keys + ["year"]),
        }
        # Per grouping: its groups and the KPIs' result arrays, made into one frame at
        # the end (a frame per KPI cost more than the arithmetic).
        results: dict[tuple, tuple[_Groups, list[tuple[str, dict]]]] = {}
        for kpi in kpis:
            variants = [True] if kpi.grain == "court" else [False, True]
            for all_categories in variants:
                frame, keys = groupings[(kpi.grain, all_categories)]
                if frame.empty:
                    continue
                ck = (kpi.grain, all_categories)
                if ck not in results:
                    results[ck] = (_Groups(frame, keys), [])
                groups, done = results[ck]
                if kpi.kind == "median":
                    res = _median(frame, durations, groups)
                else:
                    res = _ratio(kpi, frame, groups, "incoming" if kpi.grain == "cell" else None)
                done.append((kpi.code, res))
        for (_, all_categories), (groups, done) in results.items():
            parts.append(_frame(level, unit_keys, all_categories, groups, done))
    if not parts:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype("int64")
    return out


def _frame(level: str, unit_keys: list[str], all_categories: bool, groups: _Groups,
           done: list[tuple[str, dict]]) -> pd.DataFrame:
    """RESULT_COLUMNS rows of every KPI computed on one grouping, KPI after KPI."""
    n, m = groups.n, len(done)
    labels = groups.labels
    code = (np.tile(labels[unit_keys[0]].to_numpy(dtype=object), m) if unit_keys
            else np.full(n * m, NATIONAL_CODE, dtype=object))
    category = (np.full(n * m, ALL, dtype=object) if all_categories
                else np.tile(labels["category"].to_numpy(dtype=object), m))
    return pd.DataFrame({
        "level": np.full(n * m, level, dtype=object),
        "code": code,
        "year": np.tile(labels["year"].to_numpy(), m),
        "category": category,
        "kpi": np.repeat(np.array([k for k, _ in done], dtype=object), n),
        **{c: np.concatenate([r[c] for _, r in done])
           for c in ("value", "coverage", "numerator", "denominator")},
    }, columns=RESULT_COLUMNS)


def status(
    value: pd.Series | np.ndarray,
    target: pd.Series | np.ndarray,
    tolerance: pd.Series | np.ndarray,
    direction: pd.Series | np.ndarray,
) -> np.ndarray:
    """green / amber / red / none for each value against its target.

    green meets the target in the KPI's direction; amber misses by at most the
    tolerance; red beyond; none without a target, a value or a direction.
    """
    v = np.asarray(value, dtype="float64")
    t = np.asarray(target, dtype="float64")
    tol = np.nan_to_num(np.asarray(tolerance, dtype="float64"), nan=0.0)
    d = np.asarray(direction, dtype=object)
    # Signed shortfall: > 0 when the value misses the target.
    with np.errstate(invalid="ignore"):
        miss = np.where(d == "higher", t - v, np.where(d == "lower", v - t, np.nan))
        # A tiny epsilon so that 98.5 computed as 197/2*... is not judged a miss by 1e-14.
        eps = 1e-9 * np.maximum(1.0, np.abs(t))
        out = np.where(miss <= eps, "green", np.where(miss <= tol + eps, "amber", "red"))
    return np.where(np.isnan(miss), "none", out).astype(object)


def distance_from_target(value, target, direction) -> np.ndarray:
    """How far a value misses its target in the KPI's direction (negative = beats it)."""
    v = np.asarray(value, dtype="float64")
    t = np.asarray(target, dtype="float64")
    d = np.asarray(direction, dtype=object)
    return np.where(d == "higher", t - v, np.where(d == "lower", v - t, np.nan))
