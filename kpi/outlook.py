"""The outlook to the strategy's horizon: will a series reach its target at this pace?

Exactly as ``shared/spec/outlook.md`` fixes it, so that pages, reports, the API and
the CLI give one answer: an ordinary-least-squares line through the last up to five
yearly values, its 80 % prediction interval at the horizon (Student's t with n − 2
degrees of freedom), clipped to the KPI's range, against the target that applies in
the horizon year. Pure functions over numbers and DataFrames; no database.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from kpi.catalogue import KPIS

DEFAULT_HORIZON = 2029
HORIZONS = range(2026, 2036)  # what --horizon and the API accept
WINDOW = 5  # the last up-to-five years with a value
MIN_POINTS = 3
INTERVAL_QUANTILE = 0.90  # two-sided 80 % prediction interval

Outcome = Literal["on_track", "uncertain", "off_track", "no_target", "insufficient_data"]
OUTCOMES: tuple[str, ...] = ("on_track", "uncertain", "off_track", "no_target",
                             "insufficient_data")

_PERCENT = (0.0, 100.0)
_POSITIVE = (0.0, math.inf)
# The range each KPI's value can take; projections are clipped to it (spec, "clipped").
BOUNDS: dict[str, tuple[float, float]] = {
    **dict.fromkeys(("on_time_rate", "backlog_rate", "stability_rate", "appeal_reversal_rate",
                     "appeal_rate", "e_filing_rate", "video_hearing_rate", "publication_rate",
                     "satisfaction_rate", "trust_rate", "judge_vacancy_rate"), _PERCENT),
    **dict.fromkeys(("clearance_rate", "disposition_time", "case_turnover",
                     "median_disposition_days", "caseload_per_judge", "cost_per_case",
                     "judge_need_ratio"), _POSITIVE),
    "pending_change": (-100.0, math.inf),
}

COLUMNS = ["level", "code", "category", "kpi", "points", "first_year", "last_year",
           "last_value", "slope", "horizon", "projected", "lower", "upper", "target",
           "required_slope", "outlook"]


@dataclass(frozen=True)
class Outlook:
    """The outlook of one series; None where the spec says "empty"."""

    points: int
    first_year: int | None
    last_year: int | None
    last_value: float | None
    slope: float | None
    horizon: int
    projected: float | None
    lower: float | None
    upper: float | None
    target: float | None
    required_slope: float | None
    outlook: Outcome


def _clip(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def _window(years: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points of the last WINDOW years up to the latest year with a value."""
    keep = years >= years.max() - (WINDOW - 1)
    return years[keep], values[keep]


@dataclass(frozen=True)
class _Fit:
    """The OLS line through a window and what its prediction interval needs."""

    n: int
    mean_year: float
    sxx: float
    slope: float
    intercept: float
    s: float  # the residual standard error, sqrt(SSE / (n - 2))

    @classmethod
    def of(cls, y: np.ndarray, v: np.ndarray) -> _Fit:
        n, mean_year = len(y), float(y.mean())
        sxx = float(((y - mean_year) ** 2).sum())
        slope = float(((y - mean_year) * (v - v.mean())).sum() / sxx)
        intercept = float(v.mean() - slope * mean_year)
        sse = float(((v - (intercept + slope * y)) ** 2).sum())
        return cls(n, mean_year, sxx, slope, intercept, math.sqrt(sse / (n - 2)))

    def at(self, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(fitted value, half-width of the 80 % prediction interval) at ``years``."""
        half = _t_quantile(self.n - 2) * self.s * np.sqrt(
            1 + 1 / self.n + (years - self.mean_year) ** 2 / self.sxx)
        return self.intercept + self.slope * years, half


@functools.cache
def _t_quantile(dof: int) -> float:
    return float(stats.t.ppf(INTERVAL_QUANTILE, dof))


def classify(lower: float, upper: float, target: float | None,
             direction: str) -> Outcome:
    """on_track / off_track / uncertain from the clipped interval and the target."""
    if target is None or direction not in ("higher", "lower"):
        return "no_target"
    if direction == "higher":
        return "on_track" if lower >= target else "off_track" if upper < target \
            else "uncertain"
    return "on_track" if upper <= target else "off_track" if lower > target else "uncertain"


def series_outlook(years, values, horizon: int = DEFAULT_HORIZON,
                   target: float | None = None, direction: str = "higher",
                   bounds: tuple[float, float] = (-math.inf, math.inf)) -> Outlook:
    """The outlook of one series of yearly values (missing years as NaN or absent)."""
    y = np.asarray(years, dtype="float64")
    v = np.asarray(values, dtype="float64")
    keep = ~np.isnan(v) & ~np.isnan(y)
    y, v = y[keep], v[keep]
    target = None if target is None or (isinstance(target, float) and math.isnan(target)) \
        else float(target)
    if len(y) == 0:
        return Outlook(0, None, None, None, None, horizon, None, None, None, target, None,
                       "insufficient_data")
    order = np.argsort(y)
    y, v = y[order], v[order]
    last_year, last_value = int(y[-1]), float(v[-1])
    y, v = _window(y, v)
    n = len(y)
    required = (target - last_value) / (horizon - last_year) \
        if target is not None and horizon > last_year else None
    if n < MIN_POINTS:
        return Outlook(n, int(y[0]), last_year, last_value, None, horizon, None, None, None,
                       target, None, "insufficient_data")
    fit = _Fit.of(y, v)
    projected, half = fit.at(np.array([float(horizon)]))
    projected_c = _clip(float(projected[0]), bounds)
    lower = _clip(float(projected[0] - half[0]), bounds)
    upper = _clip(float(projected[0] + half[0]), bounds)
    slope = fit.slope
    return Outlook(n, int(y[0]), last_year, last_value, slope, horizon, projected_c, lower,
                   upper, target, required, classify(lower, upper, target, direction))


def outlook_frame(values: pd.DataFrame, targets_at_horizon: pd.DataFrame,
                  horizon: int = DEFAULT_HORIZON) -> pd.DataFrame:
    """One row per (level, code, category, kpi) of ``values`` that has a value (COLUMNS).

    ``values``: KPI cells (level, code, year, category, kpi, value). ``targets_at_horizon``:
    level, code, kpi, target — the target that applies to each unit in the horizon year
    (``kpi.targets.attach_targets`` on the horizon year gives exactly that).
    """
    keys = ["level", "code", "category", "kpi"]
    cells = values[values["value"].notna()]
    if cells.empty:
        return pd.DataFrame(columns=COLUMNS)
    target_of = {} if targets_at_horizon is None or targets_at_horizon.empty else {
        (r.level, r.code, r.kpi): r.target
        for r in targets_at_horizon[["level", "code", "kpi", "target"]].itertuples(index=False)
        if not pd.isna(r.target)}
    rows = []
    for (level, code, category, kpi), group in cells.groupby(keys, sort=True):
        kdef = KPIS.get(kpi)
        got = series_outlook(group["year"].to_numpy(), group["value"].to_numpy(), horizon,
                             target_of.get((level, code, kpi)),
                             kdef.direction if kdef else "none",
                             BOUNDS.get(kpi, (-math.inf, math.inf)))
        rows.append({"level": level, "code": code, "category": category, "kpi": kpi,
                     **asdict(got)})
    out = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("points", "horizon"):
        out[column] = out[column].astype("int64")
    for column in ("first_year", "last_year"):
        out[column] = out[column].astype("Int64")
    return out


LEVEL_ORDER = {"national": 0, "region": 1, "court": 2}


def outlook_table(values: pd.DataFrame, targets: pd.DataFrame,
                  horizon: int = DEFAULT_HORIZON) -> pd.DataFrame:
    """The outlook of every series in ``values`` (KPI cells of all years), with the
    target that applies in ``horizon`` from ``targets`` (the targets table), in the
    order of ``python -m kpi values``: nation, regions, courts; category all first;
    KPIs in catalogue order."""
    from kpi.targets import attach_targets

    if values.empty:
        return pd.DataFrame(columns=COLUMNS)
    units = values[["level", "code", "kpi"]].drop_duplicates().assign(
        year=horizon, value=float("nan"))
    at_horizon = attach_targets(units, targets) if not targets.empty else \
        units.assign(target=float("nan"))
    out = outlook_frame(values, at_horizon, horizon)
    kpi_order = {k: i for i, k in enumerate(KPIS)}
    out = out.assign(_l=out["level"].map(LEVEL_ORDER), _k=out["kpi"].map(kpi_order),
                     _c=(out["category"] != "all"))
    return out.sort_values(["_l", "code", "_c", "category", "_k"]).drop(
        columns=["_l", "_k", "_c"]).reset_index(drop=True)


def projection_path(years, values, horizon: int = DEFAULT_HORIZON,
                    bounds: tuple[float, float] = (-math.inf, math.inf)) -> pd.DataFrame:
    """The fitted line and its 80 % prediction band, year by year from the window's first
    year to the horizon (columns year, fitted, lower, upper; clipped like the outlook):
    what a chart draws. Empty with fewer than three points in the window."""
    y = np.asarray(years, dtype="float64")
    v = np.asarray(values, dtype="float64")
    keep = ~np.isnan(v) & ~np.isnan(y)
    y, v = y[keep], v[keep]
    if len(y) == 0:
        return pd.DataFrame(columns=["year", "fitted", "lower", "upper"])
    y, v = _window(y, v)
    if len(y) < MIN_POINTS:
        return pd.DataFrame(columns=["year", "fitted", "lower", "upper"])
    at = np.arange(int(y.min()), max(int(horizon), int(y.max())) + 1, dtype="float64")
    fitted, half = _Fit.of(y, v).at(at)
    low, high = bounds
    return pd.DataFrame({"year": at.astype(int), "fitted": np.clip(fitted, low, high),
                         "lower": np.clip(fitted - half, low, high),
                         "upper": np.clip(fitted + half, low, high)})
