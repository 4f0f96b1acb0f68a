"""Derived views of KPI values the pages show (pure functions on frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.catalogue import CATALOGUE, KPIS
from kpi.engine import distance_from_target


def attention(values: pd.DataFrame, limit: int = 15, min_volume: float = 30) -> pd.DataFrame:
    """Red and amber cells, worst first.

    KPIs differ in units, so the gap to target is compared in multiples of each
    KPI's tolerance (the amber band): 2.0 means twice the band away from target.
    Cells measured on fewer than ``min_volume`` cases (the denominator) are left
    out: one late case in a court with three pending is no signal.
    """
    small = values["denominator"].fillna(0) < min_volume if "denominator" in values \
        else pd.Series(False, index=values.index)
    v = values[values["status"].isin(["red", "amber"]) & ~small].copy()
    if v.empty:
        return v.assign(gap=pd.Series(dtype="float64"), severity=pd.Series(dtype="float64"))
    direction = v["kpi"].map(lambda k: KPIS[k].direction)
    v["gap"] = distance_from_target(v["value"], v["target"], direction)
    tol = v["tolerance"].where(v["tolerance"] > 0, 1.0)
    v["severity"] = v["gap"] / tol
    v = v.sort_values(["severity", "code"], ascending=[False, True])
    return v.head(limit).reset_index(drop=True)


def change_from_previous(values: pd.DataFrame, year: int) -> dict[str, float]:
    """KPI -> value(year) − value(year − 1), for KPIs with both values."""
    cur = values[values["year"] == year].set_index("kpi")["value"]
    prev = values[values["year"] == year - 1].set_index("kpi")["value"]
    diff = (cur - prev).dropna()
    return {k: float(v) for k, v in diff.items()}


def peer_percentile(peer_values: pd.Series, own_value: float, direction: str) -> float | None:
    """Share of peers (0-100) the court does at least as well as; None without a value.

    ``peer_values`` includes the court itself. 100 means best of the group.
    """
    peers = peer_values.dropna().to_numpy(dtype="float64")
    if np.isnan(own_value) or len(peers) == 0 or direction == "none":
        return None
    if direction == "higher":
        as_good = np.sum(peers <= own_value)
    else:
        as_good = np.sum(peers >= own_value)
    return float(100.0 * as_good / len(peers))


def scorecard_rows(values: pd.DataFrame, peers: pd.DataFrame, unit: str,
                   parent: str | None, year: int, category: str = "all",
                   outlooks: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """One row per KPI of a unit (a court, a region or the nation): its value, target,
    status, whether the target is illustrative, coverage and change on the previous
    year; its parent's value (a court's region, a region's nation) and the national
    value; the percentile among ``peers`` (kpi, category, value of the year; the unit
    included); and its outlook to the horizon (``outlooks``: (kpi, category) ->
    outcome). KPIs measured per court (resources, surveys) use category "all".

    The court profile's table is this with ``value`` as ``court`` and ``parent`` as
    ``region``; the PDF report shows every column.
    """
    rows = []
    # Grouped and indexed once: filtering thousands of rows per KPI was most of the time.
    peer_groups = {key: grp["value"] for key, grp in peers.groupby(["kpi", "category"])} \
        if len(peers) else {}
    near = values[values["year"].isin([year, year - 1])]
    missing = pd.Series(np.nan, index=near.index)  # a frame without these columns
    cells = {(k, c, code, y): (v, tg, st, il, cov) for k, c, code, y, v, tg, st, il, cov in zip(
        near["kpi"], near["category"], near["code"], near["year"], near["value"],
        near["target"], near["status"], near.get("illustrative", missing),
        near.get("coverage", missing))}
    nan = float("nan")
    for kpi in CATALOGUE:
        cat = "all" if kpi.grain == "court" else category
        own = cells.get((kpi.code, cat, unit, year))
        before = cells.get((kpi.code, cat, unit, year - 1), (nan,))[0]
        peer = peer_groups.get((kpi.code, cat), pd.Series(dtype="float64"))
        own_value = nan if own is None else own[0]
        rows.append({
            "kpi": kpi.code,
            "value": own_value,
            "parent": nan if parent is None else cells.get((kpi.code, cat, parent, year),
                                                           (nan,))[0],
            "national": cells.get((kpi.code, cat, "KZ", year), (nan,))[0],
            "target": nan if own is None else own[1],
            "status": "none" if own is None else own[2],
            "illustrative": False if own is None or pd.isna(own[3]) else bool(own[3]),
            "coverage": nan if own is None else own[4],
            "change": own_value - before,
            "percentile": peer_percentile(peer, own_value, kpi.direction),
            "outlook": (outlooks or {}).get((kpi.code, cat), "insufficient_data"),
        })
    return pd.DataFrame(rows)


STATUS_RANK = {"green": 0, "amber": 1, "red": 2}
WARNING_COLUMNS = ["code", "kpi", "projected", "target", "tolerance", "status", "last_value",
                   "last_status", "severity"]


def early_warning(projected: pd.DataFrame, last_year: pd.DataFrame,
                  volume: pd.DataFrame | None = None, limit: int = 15,
                  min_volume: float = 30) -> pd.DataFrame:
    """Courts whose projected year-end status is worse than last year's final status,
    worst first (issue 26): the projected distance from target in multiples of the
    KPI's tolerance, as ``attention`` ranks. ``projected``: rows of kpi.yearend
    (code, kpi, projected, target, status) with each KPI's tolerance; ``last_year``:
    the same courts' stored cells of the year before (code, kpi, value, status);
    ``volume``: the cells of the year to date (code, kpi, denominator): as in
    ``attention``, a projection from fewer than ``min_volume`` cases is no signal."""
    if projected.empty:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    if volume is not None:
        enough = volume.loc[volume["denominator"].fillna(0) >= min_volume, ["code", "kpi"]]
        projected = projected.merge(enough, on=["code", "kpi"], how="inner")
    last = last_year[["code", "kpi", "value", "status"]].rename(
        columns={"value": "last_value", "status": "last_status"})
    rows = projected.merge(last, on=["code", "kpi"], how="inner")
    worse = rows["status"].map(STATUS_RANK).fillna(-1) > rows["last_status"].map(
        STATUS_RANK).fillna(99)
    rows = rows[worse].copy()
    if rows.empty:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    direction = rows["kpi"].map(lambda k: KPIS[k].direction)
    gap = distance_from_target(rows["projected"], rows["target"], direction)
    tol = rows["tolerance"].where(rows["tolerance"] > 0, 1.0)
    rows["severity"] = gap / tol
    rows = rows.sort_values(["severity", "code", "kpi"], ascending=[False, True, True])
    return rows.head(limit)[WARNING_COLUMNS].reset_index(drop=True)
