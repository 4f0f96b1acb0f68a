"""Derived views of KPI values the pages show (pure functions on frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.catalogue import KPIS
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
