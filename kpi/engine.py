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


def _ratio(kpi: KpiDef, frame: pd.DataFrame, keys: list[str], weight: str | None):
    """Σnumerator, Σdenominator, value and coverage of one ratio KPI per group."""
    inputs = frame[list(kpi.inputs)]
    ok = inputs.notna().all(axis=1).to_numpy()
    num = np.zeros(len(frame))
    for name, coef in kpi.numerator:
        num += coef * frame[name].to_numpy(dtype="float64", na_value=np.nan)
    work = pd.DataFrame({
        "num": np.where(ok, num, 0.0),
        "den": np.where(ok, frame[kpi.denominator].to_numpy("float64", na_value=np.nan), 0.0),
        "contrib": ok.astype("int64"),
        "rows": 1,
    })
    if weight is not None:
        w = frame[weight].to_numpy("float64", na_value=0.0)
        work["w_ok"] = np.where(ok, w, 0.0)
        work["w_all"] = w
    for k in keys:
        work[k] = frame[k].to_numpy()
    g = work.groupby(keys, sort=False, dropna=False).sum() if keys else work.sum().to_frame().T
    den = g["den"].to_numpy(dtype="float64")
    has = (g["contrib"].to_numpy() > 0) & (den != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(has, kpi.scale * g["num"].to_numpy(dtype="float64") / den, np.nan)
        if weight is not None:
            w_all = g["w_all"].to_numpy(dtype="float64")
            coverage = np.where(
                w_all > 0,
                100.0 * g["w_ok"].to_numpy(dtype="float64") / w_all,
                100.0 * g["contrib"].to_numpy(dtype="float64") / g["rows"].to_numpy(),
            )
        else:
            coverage = 100.0 * g["contrib"].to_numpy(dtype="float64") / g["rows"].to_numpy()
    out = pd.DataFrame({
        "value": value,
        "coverage": coverage,
        "numerator": np.where(g["contrib"].to_numpy() > 0, g["num"].to_numpy(), np.nan),
        "denominator": np.where(g["contrib"].to_numpy() > 0, den, np.nan),
    })
    if keys:
        out = pd.concat([g.reset_index()[keys], out], axis=1)
    return out


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


def _median(kpi: KpiDef, facts: pd.DataFrame, durations: pd.DataFrame, keys: list[str]):
    """Median KPI per group; coverage = share of incoming in cells with case-level data."""
    cases_cell = (facts["source"] == "cases").to_numpy()
    inc = facts["incoming"].to_numpy("float64", na_value=0.0)
    work = pd.DataFrame({"w_ok": np.where(cases_cell, inc, 0.0), "w_all": inc,
                         "contrib": cases_cell.astype("int64"), "rows": 1})
    for k in keys:
        work[k] = facts[k].to_numpy()
    g = work.groupby(keys, sort=False, dropna=False).sum() if keys else work.sum().to_frame().T
    w_all = g["w_all"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(
            w_all > 0, 100.0 * g["w_ok"].to_numpy(dtype="float64") / w_all,
            100.0 * g["contrib"].to_numpy(dtype="float64") / g["rows"].to_numpy(),
        )
    cov = (g.reset_index()[keys] if keys else pd.DataFrame(index=[0])).assign(coverage=coverage)
    med = grouped_median(durations, keys)
    if keys:
        out = cov.merge(med, on=keys, how="left")
    else:
        out = cov.assign(median=med["median"].iloc[0] if len(med) else np.nan,
                         count=med["count"].iloc[0] if len(med) else np.nan)
    return pd.DataFrame({
        **{k: out[k] for k in keys},
        "value": out["median"].astype("float64"),
        "coverage": out["coverage"],
        "numerator": np.nan,
        "denominator": out["count"].astype("float64"),
    })


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
        for kpi in kpis:
            if kpi.grain == "court":
                frames = [(ALL, unit_keys + ["year"], court_inputs)]
            else:
                frames = [
                    (None, unit_keys + ["year", "category"], facts),
                    (ALL, unit_keys + ["year"], facts),
                ]
            for category, keys, frame in frames:
                if frame.empty:
                    continue
                if kpi.kind == "median":
                    dur = durations
                    res = _median(kpi, frame, dur, keys)
                else:
                    weight = "incoming" if kpi.grain == "cell" else None
                    res = _ratio(kpi, frame, keys, weight)
                res = res.assign(
                    level=level,
                    code=res[unit_keys[0]] if unit_keys else NATIONAL_CODE,
                    category=res["category"] if category is None else category,
                    kpi=kpi.code,
                )
                parts.append(res[RESULT_COLUMNS])
    if not parts:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype("int64")
    return out


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
