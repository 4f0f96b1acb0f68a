"""The outlook's track record: projections made as at the end of each past year, scored
against what happened (spec outlook.md, docs/outlook-method.md).

For every series, every year T that it has an outlook at (three points in the window up
to T) and every horizon h whose year T + h has a value: the outlook ``--until T
--horizon T+h`` (calibrated only on values up to T), whether its 80 % interval held the
value of T + h, and how far its projection and "no change" (the value of T) were from it.
Pure; the CLI (``python -m kpi backtest``) and the pages read the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kpi.outlook import BOUNDS, MIN_POINTS, band, calibrate, outcomes, series_of, window_of

COLUMNS = ["kpi", "level", "horizon", "cases", "coverage", "mae", "mae_no_change",
           "mae_ratio"]
CASE_COLUMNS = ["level", "code", "category", "kpi", "until", "horizon", "actual",
                "projected", "lower", "upper", "last_value", "held"]
# Fewer backtest cases than this say too little to quote a track record on a page.
MIN_CASES = 20


def backtest_cases(values: pd.DataFrame, steps: range = range(1, 5)) -> pd.DataFrame:
    """One row per (series, T, h) that can be scored (CASE_COLUMNS). ``values``: KPI
    cells (level, code, year, category, kpi, value) of all years."""
    cells = values[values["value"].notna()][["level", "code", "year", "category", "kpi",
                                            "value"]]
    if cells.empty:
        return pd.DataFrame(columns=CASE_COLUMNS)
    years = sorted(int(y) for y in cells["year"].unique())
    rows: list[dict] = []
    groups = {key: (y, v) for key, y, v in series_of(cells)}
    seen = outcomes(cells)
    for until in years[:-1]:
        learnt = calibrate(until=until, seen=seen)
        for (level, code, category, kpi), (y, v) in groups.items():
            past = y <= until
            # Scored once, at the series' own last year: a series without a value in T
            # has no outlook "made at the end of T" of its own.
            if past.sum() < MIN_POINTS or y[past][-1] != until:
                continue
            outcome = dict(zip(y[~past].tolist(), v[~past].tolist()))
            ahead = [h for h in steps if until + h in outcome]
            if not ahead:
                continue
            _, wv = window_of(y[past], v[past])
            if len(wv) < MIN_POINTS:
                continue
            # The band of series_outlook at every horizon at once.
            low, high = BOUNDS.get(kpi, (-math.inf, math.inf))
            lower, upper = band(wv, low, np.array(ahead), learnt.get(kpi))
            last = float(wv[-1])
            projected = min(max(last, low), high)
            for h, lo, hi in zip(ahead, lower.tolist(), upper.tolist()):
                actual = outcome[until + h]
                lo, hi = min(max(lo, low), high), min(max(hi, low), high)
                rows.append({"level": level, "code": code, "category": category, "kpi": kpi,
                             "until": until, "horizon": h, "actual": actual,
                             "projected": projected, "lower": lo, "upper": hi,
                             "last_value": last, "held": bool(lo <= actual <= hi)})
    return pd.DataFrame(rows, columns=CASE_COLUMNS)


def summarise(cases: pd.DataFrame) -> pd.DataFrame:
    """Per KPI, level and horizon: cases, the interval's coverage (0-1), the projection's
    mean absolute error, the same of "no change" and their ratio (COLUMNS)."""
    if cases.empty:
        return pd.DataFrame(columns=COLUMNS)
    scored = cases.assign(err=(cases["projected"] - cases["actual"]).abs(),
                          err0=(cases["last_value"] - cases["actual"]).abs())
    out = scored.groupby(["kpi", "level", "horizon"], sort=True).agg(
        cases=("held", "size"), coverage=("held", "mean"), mae=("err", "mean"),
        mae_no_change=("err0", "mean")).reset_index()
    out["mae_ratio"] = np.where(out["mae_no_change"] > 0,
                                out["mae"] / out["mae_no_change"].where(
                                    out["mae_no_change"] > 0), np.nan)
    out["coverage"] = out["coverage"].astype("float64")
    return out[COLUMNS]
