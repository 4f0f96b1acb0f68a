"""Targets: the illustrative defaults, which target applies to a value, and its status."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.catalogue import CATALOGUE, KPIS
from kpi.engine import status

TARGET_COLUMNS = ["kpi", "year", "court_code", "target", "tolerance", "illustrative"]


def default_targets() -> pd.DataFrame:
    """The catalogue's illustrative national targets for 2025-2029 (court_code "")."""
    rows = [
        (k.code, year, "", value, k.tolerance, True)
        for k in CATALOGUE
        for year, value in k.default_targets().items()
    ]
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def attach_targets(values: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Add target, tolerance, illustrative and status columns to KPI values.

    A court's own target overrides the national one (court_code ""), which applies
    to every court, region and the nation. A target without a tolerance takes the
    catalogue's amber band.
    """
    out = values.copy()
    t = targets[TARGET_COLUMNS].copy()
    t["year"] = t["year"].astype("int64")
    national = t[t["court_code"].fillna("") == ""].drop(columns="court_code")
    own = t[t["court_code"].fillna("") != ""].rename(columns={"court_code": "code"})
    out = out.merge(national, on=["kpi", "year"], how="left")
    court_rows = out["level"] == "court"
    if court_rows.any() and not own.empty:
        own = own.assign(level="court")
        o = out[["level", "code", "kpi", "year"]].merge(
            own, on=["level", "code", "kpi", "year"], how="left"
        )
        has_own = o["target"].notna().to_numpy()
        for col in ("target", "tolerance", "illustrative"):
            out[col] = np.where(has_own, o[col].to_numpy(dtype=object), out[col].to_numpy(
                dtype=object))
    out["target"] = pd.to_numeric(out["target"], errors="coerce").astype("float64")
    # Dict maps run vectorised; a lambda per row cost ~10 ms on a year of all courts.
    default_tol = out["kpi"].map({c: k.tolerance for c, k in KPIS.items()})
    out["tolerance"] = (
        pd.to_numeric(out["tolerance"], errors="coerce")
        .fillna(pd.to_numeric(default_tol, errors="coerce"))
        .astype("float64")
    )
    direction = out["kpi"].map({c: k.direction for c, k in KPIS.items()}).fillna("none")
    out["illustrative"] = out["illustrative"].astype("boolean")
    out["status"] = status(out["value"], out["target"], out["tolerance"], direction)
    return out
