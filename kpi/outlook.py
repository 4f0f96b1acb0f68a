"""The outlook to the strategy's horizon: will a series reach its target at this pace?

As ``shared/spec/outlook.md`` fixes it, so that pages, reports, the API and the CLI give
one answer, by the method of ``docs/outlook-method.md`` (chosen on a backtest of real court
statistics): the projection is "no change" (the last value); its 80 % interval comes from
the series' own year-to-year changes in the window (on the log scale) times a multiplier
for the horizon, calibrated on the loaded data's own past (how far h-year outcomes actually
moved, in units of each series' yearly volatility, pooled over all units of the KPI) and,
when the data are too short for that, a conservative default. The interval is clipped to
the KPI's range and read against the target that applies in the horizon year. The slope
column stays the pace so far (OLS over the window). Pure functions; no database.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
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
COVERAGE = 0.80  # the share of outcomes the interval is meant to hold
MAX_STEPS = 10  # horizons are at most ten years ahead (--until T: T + 1 ... T + 10)
# A horizon's multiplier is learnt from the data only with at least this many past
# (series, year) outcomes at that distance; fewer give a quantile that is mostly noise.
MIN_PAIRS = 20
# Without enough past outcomes the interval grows as h ** 0.75, faster than a random
# walk's sqrt(h): on Spain's 25 years, disposition times drift for years in one direction
# (a backlog builds or melts), and sqrt(h) held the four-year outcome only 58 % of the time.
DEFAULT_GROWTH = 0.75

Outcome = Literal["on_track", "uncertain", "off_track", "no_target", "insufficient_data"]
OUTCOMES: tuple[str, ...] = ("on_track", "uncertain", "off_track", "no_target",
                             "insufficient_data")
# KPI -> years ahead -> the multiplier of a series' yearly volatility that held 80 % of
# the past outcomes that far ahead (kpi.outlook.calibrate).
Calibration = Mapping[str, Mapping[int, float]]

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


def window_of(years: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points of the last WINDOW years up to the latest year with a value."""
    keep = years >= years.max() - (WINDOW - 1)
    return years[keep], values[keep]


def _ols_slope(y: np.ndarray, v: np.ndarray) -> float:
    """The pace so far: the OLS slope of value on year (spec, ``slope``)."""
    dy = y - y.mean()
    return float((dy * (v - v.mean())).sum() / (dy ** 2).sum())


def _to_scale(v: np.ndarray, floor: float) -> np.ndarray | None:
    """Values on the scale the method works on: log(value − floor) when every value is
    above the KPI's floor (changes of a rate or a time are proportional: a court at 400
    days moves by more days than one at 40), the values themselves otherwise (a rate
    that touched 0 %); None says "linear"."""
    if math.isfinite(floor) and bool((v > floor).all()):
        return np.log(v - floor)
    return None


@dataclass(frozen=True)
class _Spread:
    """What the interval of a series needs: where it starts and how much it moves."""

    last: float  # the last value
    volatility: float  # root mean square of the year-to-year changes in the window
    changes: int  # how many changes that is (n − 1)
    floor: float
    log: bool

    @classmethod
    def of(cls, v: np.ndarray, floor: float) -> _Spread:
        scaled = _to_scale(v, floor)
        d = np.diff(v if scaled is None else scaled)
        return cls(float(v[-1]), float(np.sqrt((d ** 2).mean())), len(d), floor,
                   scaled is not None)

    def band(self, steps: np.ndarray, calibration: Mapping[int, float] | None
             ) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) of the 80 % interval ``steps`` years after the last value."""
        half = np.array([_multiplier(int(h), self.changes, calibration) for h in steps])
        width = half * self.volatility
        if not self.log:
            return self.last - width, self.last + width
        above = self.last - self.floor  # a ratio on the log scale: exact at width 0
        return self.floor + above * np.exp(-width), self.floor + above * np.exp(width)


def band(window: np.ndarray, floor: float, steps: np.ndarray,
         calibration: Mapping[int, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) of the 80 % interval ``steps`` years after the last of ``window``
    (the values of the outlook's window, oldest first), before clipping: the one
    computation behind the outlook, the charts' bands and the backtest."""
    return _Spread.of(window, floor).band(steps, calibration)


def _multiplier(steps: int, changes: int,
                calibration: Mapping[int, float] | None) -> float:
    """How many yearly volatilities the interval reaches ``steps`` years ahead: learnt
    from the data when they are long enough, else Student's t (few changes seen: wider)
    growing as steps ** DEFAULT_GROWTH."""
    if steps <= 0:
        return 0.0
    learnt = None if calibration is None else calibration.get(steps)
    if learnt is not None:
        return float(learnt)
    return _t_quantile(changes) * steps ** DEFAULT_GROWTH


@functools.cache
def _t_quantile(dof: int) -> float:
    return float(stats.t.ppf(INTERVAL_QUANTILE, dof))


OUTCOME_COLUMNS = ["level", "code", "category", "kpi", "year", "steps", "z"]
SERIES_KEYS = ["level", "code", "category", "kpi"]


def series_of(values: pd.DataFrame):
    """(key, years, values) of every series with a value, years ascending: one sort of
    the whole frame instead of a sort per group (the pages' track record reads every
    series of every KPI)."""
    cells = values.loc[values["value"].notna(), [*SERIES_KEYS, "year", "value"]]
    if cells.empty:
        return
    cells = cells.sort_values([*SERIES_KEYS, "year"], kind="stable")
    keys = cells[SERIES_KEYS].to_numpy(dtype=object)
    years = cells["year"].to_numpy(dtype="int64")
    vals = cells["value"].to_numpy(dtype="float64")
    change = np.ones(len(cells), dtype=bool)
    change[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    starts = np.flatnonzero(change).tolist() + [len(cells)]
    for a, b in zip(starts[:-1], starts[1:]):
        yield tuple(keys[a]), years[a:b], vals[a:b]


def outcomes(values: pd.DataFrame) -> pd.DataFrame:
    """Every past outcome in units of its series' volatility (OUTCOME_COLUMNS).

    For every series of ``values`` (level, code, category, kpi, year, value) and every
    year t with an outlook (three points in its window): how far the value moved
    ``steps`` = h years later, |x(t + h) − x(t)| / volatility(t), on the scale the outlook
    of t works on (its window's). What ``calibrate`` pools and the backtest scores.
    """
    rows: list[tuple] = []
    for (level, code, category, kpi), years, v in series_of(values):
        if len(v) < MIN_POINTS + 1:
            continue
        floor = BOUNDS.get(str(kpi), (-math.inf, math.inf))[0]
        for i in range(MIN_POINTS - 1, len(v) - 1):
            keep = years[: i + 1] >= years[i] - (WINDOW - 1)
            if keep.sum() < MIN_POINTS:
                continue
            spread = _Spread.of(v[: i + 1][keep], floor)
            if spread.volatility <= 0:
                continue
            later = v[i + 1:]
            steps = years[i + 1:] - years[i]
            near = steps <= MAX_STEPS
            if spread.log:
                with np.errstate(divide="ignore", invalid="ignore"):
                    moved = np.abs(np.log((later - floor) / (spread.last - floor)))
            else:
                moved = np.abs(later - spread.last)
            for h, z in zip(steps[near].tolist(), moved[near].tolist()):
                if math.isfinite(z):
                    rows.append((level, code, category, kpi, int(years[i]), h,
                                 z / spread.volatility))
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


def calibrate(values: pd.DataFrame | None = None, until: int | None = None,
              seen: pd.DataFrame | None = None) -> dict[str, dict[int, float]]:
    """KPI -> years ahead h -> the multiplier that held COVERAGE of past outcomes.

    The outcomes (``outcomes`` of ``values``, or ``seen`` when already computed) are
    pooled over all units and categories of a KPI (a court's own five years say little
    about its tails; its peers' do) and the 80 % quantile is the multiplier: an empirical
    prediction interval. Only outcomes known by the end of ``until`` (t + h ≤ until) are
    used, so a backtest never learns from the years it is judged on. A horizon with fewer
    than MIN_PAIRS outcomes is left out (the default applies).
    """
    if seen is None:
        seen = outcomes(values if values is not None else pd.DataFrame(
            columns=["level", "code", "category", "kpi", "year", "value"]))
    if until is not None:
        seen = seen[seen["year"] + seen["steps"] <= until]
    if seen.empty:
        return {}
    stats_ = seen.groupby(["kpi", "steps"])["z"].agg(["size", lambda z: float(
        np.quantile(z, COVERAGE))])
    stats_.columns = ["n", "q"]
    out: dict[str, dict[int, float]] = {}
    for (kpi, h), row in stats_.iterrows():
        if row["n"] >= MIN_PAIRS:
            out.setdefault(str(kpi), {})[int(h)] = float(row["q"])
    return out


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
                   bounds: tuple[float, float] = (-math.inf, math.inf),
                   calibration: Mapping[int, float] | None = None) -> Outlook:
    """The outlook of one series of yearly values (missing years as NaN or absent).

    ``calibration``: years ahead -> multiplier for this series' KPI (``calibrate``);
    None uses the default growth."""
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
    y, v = window_of(y, v)
    n = len(y)
    required = (target - last_value) / (horizon - last_year) \
        if target is not None and horizon > last_year else None
    if n < MIN_POINTS:
        return Outlook(n, int(y[0]), last_year, last_value, None, horizon, None, None, None,
                       target, None, "insufficient_data")
    low, high = band(v, bounds[0], np.array([horizon - last_year]), calibration)
    projected = _clip(last_value, bounds)
    lower = _clip(float(low[0]), bounds)
    upper = _clip(float(high[0]), bounds)
    return Outlook(n, int(y[0]), last_year, last_value, _ols_slope(y, v), horizon, projected,
                   lower, upper, target, required, classify(lower, upper, target, direction))


def outlook_frame(values: pd.DataFrame, targets_at_horizon: pd.DataFrame,
                  horizon: int = DEFAULT_HORIZON,
                  calibration: Calibration | None = None) -> pd.DataFrame:
    """One row per (level, code, category, kpi) of ``values`` that has a value (COLUMNS).

    ``values``: KPI cells (level, code, year, category, kpi, value). ``targets_at_horizon``:
    level, code, kpi, target — the target that applies to each unit in the horizon year
    (``kpi.targets.attach_targets`` on the horizon year gives exactly that).
    ``calibration``: ``calibrate`` of all the loaded values (None: learnt from ``values``).
    """
    keys = ["level", "code", "category", "kpi"]
    cells = values[values["value"].notna()]
    if cells.empty:
        return pd.DataFrame(columns=COLUMNS)
    target_of = {} if targets_at_horizon is None or targets_at_horizon.empty else {
        (r.level, r.code, r.kpi): r.target
        for r in targets_at_horizon[["level", "code", "kpi", "target"]].itertuples(index=False)
        if not pd.isna(r.target)}
    learnt = calibrate(values) if calibration is None else calibration
    rows = []
    for (level, code, category, kpi), group in cells.groupby(keys, sort=True):
        kdef = KPIS.get(kpi)
        got = series_outlook(group["year"].to_numpy(), group["value"].to_numpy(), horizon,
                             target_of.get((level, code, kpi)),
                             kdef.direction if kdef else "none",
                             BOUNDS.get(kpi, (-math.inf, math.inf)), learnt.get(kpi))
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
                  horizon: int = DEFAULT_HORIZON,
                  calibration: Calibration | None = None) -> pd.DataFrame:
    """The outlook of every series in ``values`` (KPI cells of all years), with the
    target that applies in ``horizon`` from ``targets`` (the targets table), in the
    order of ``python -m kpi values``: nation, regions, courts; category all first;
    KPIs in catalogue order. ``calibration`` as in ``outlook_frame``."""
    from kpi.targets import attach_targets

    if values.empty:
        return pd.DataFrame(columns=COLUMNS)
    units = values[["level", "code", "kpi"]].drop_duplicates().assign(
        year=horizon, value=float("nan"))
    at_horizon = attach_targets(units, targets) if not targets.empty else \
        units.assign(target=float("nan"))
    out = outlook_frame(values, at_horizon, horizon, calibration)
    kpi_order = {k: i for i, k in enumerate(KPIS)}
    out = out.assign(_l=out["level"].map(LEVEL_ORDER), _k=out["kpi"].map(kpi_order),
                     _c=(out["category"] != "all"))
    return out.sort_values(["_l", "code", "_c", "category", "_k"]).drop(
        columns=["_l", "_k", "_c"]).reset_index(drop=True)


def projection_path(years, values, horizon: int = DEFAULT_HORIZON,
                    bounds: tuple[float, float] = (-math.inf, math.inf),
                    calibration: Mapping[int, float] | None = None) -> pd.DataFrame:
    """The projection and its 80 % band, year by year from the last year with a value
    (where the band is that value) to the horizon (columns year, fitted, lower, upper;
    clipped like the outlook, ending at its projected, lower and upper): what a chart
    draws. Empty with fewer than three points in the window."""
    y = np.asarray(years, dtype="float64")
    v = np.asarray(values, dtype="float64")
    keep = ~np.isnan(v) & ~np.isnan(y)
    y, v = y[keep], v[keep]
    if len(y) == 0:
        return pd.DataFrame(columns=["year", "fitted", "lower", "upper"])
    order = np.argsort(y)
    y, v = window_of(y[order], v[order])
    if len(y) < MIN_POINTS:
        return pd.DataFrame(columns=["year", "fitted", "lower", "upper"])
    last = int(y[-1])
    at = np.arange(last, max(int(horizon), last) + 1)
    lower, upper = band(v, bounds[0], at - last, calibration)
    low, high = bounds
    return pd.DataFrame({"year": at.astype(int),
                         "fitted": np.clip(np.full(len(at), v[-1]), low, high),
                         "lower": np.clip(lower, low, high), "upper": np.clip(upper, low, high)})
