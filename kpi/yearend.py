"""The year-end projection of the year in progress (periods.md "Year-end projection").

For a year Y with complete months 1..m, every flow fact of a unit (court, region,
nation) and category is projected to the whole year by its seasonal share: the mean,
over up to 3 earlier complete years, of the share of the year's count that months
1..m held, summed over the cells (court x category) reporting the fact in both; m/12
when no earlier year can say. The projected KPI is the catalogue's formula over the
projected facts. Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpi.catalogue import CATALOGUE, KpiDef
from kpi.engine import ALL, NATIONAL_CODE

FLOW_FACTS: tuple[str, ...] = (
    "incoming", "resolved", "resolved_on_time", "appealed", "reversed_or_modified",
    "e_filed", "hearings_total", "hearings_video", "published",
)
# Projected by formula; the others keep their year-to-date value.
PROJECTED_KPIS: tuple[str, ...] = (
    "clearance_rate", "disposition_time", "case_turnover", "pending_change", "on_time_rate",
    "stability_rate", "appeal_reversal_rate", "appeal_rate", "e_filing_rate",
    "video_hearing_rate", "publication_rate",
)
YTD_KPIS: tuple[str, ...] = ("backlog_rate", "median_disposition_days")
UNIT = ["level", "code", "category"]
MAX_YEARS = 3


def units(cells: pd.DataFrame) -> pd.DataFrame:
    """Each cell (court_code, region_code, category) once per unit it belongs to: its
    court, its region and the nation, in its category and in ``all``."""
    parts = []
    for level, key in (("court", "court_code"), ("region", "region_code"), ("national", None)):
        code = cells[key].to_numpy(dtype=object) if key else np.full(len(cells),
                                                                      NATIONAL_CODE,
                                                                      dtype=object)
        base = cells.assign(level=level, code=code)
        parts += [base, base.assign(category=ALL)]
    return pd.concat(parts, ignore_index=True)


def _sums(cells: pd.DataFrame, facts: Sequence[str]) -> pd.DataFrame:
    """Per unit: each fact summed over the cells reporting it (NaN when none does)."""
    return units(cells).groupby(UNIT, sort=False)[list(facts)].sum(min_count=1)


def seasonal_shares(earlier: Sequence[tuple[pd.DataFrame, pd.DataFrame]]) -> pd.DataFrame:
    """Per unit and flow fact, the mean share of the year that months 1..m held.

    ``earlier``: for each of the (up to 3 latest) complete years before Y, the facts
    of its months 1..m and of the whole year, per cell. A year whose sum is 0 or that
    no cell reports in both is skipped; NaN where no year is left (the caller falls
    back to m/12).
    """
    shares = []
    for part, whole in list(earlier)[:MAX_YEARS]:
        both = part.merge(whole, on=["court_code", "category"], suffixes=("_p", "_y"))
        cells = both[["court_code", "category"]].assign(
            region_code=both["region_code_p"].fillna(both["region_code_y"]))
        for f in FLOW_FACTS:
            ok = both[f"{f}_p"].notna() & both[f"{f}_y"].notna()
            cells[f"{f}_p"] = both[f"{f}_p"].where(ok)
            cells[f"{f}_y"] = both[f"{f}_y"].where(ok)
        sums = _sums(cells, [f"{f}_{s}" for f in FLOW_FACTS for s in "py"])
        with np.errstate(divide="ignore", invalid="ignore"):
            share = pd.DataFrame({
                f: np.where(sums[f"{f}_y"].to_numpy(dtype="float64") > 0,
                            sums[f"{f}_p"].to_numpy(dtype="float64")
                            / sums[f"{f}_y"].to_numpy(dtype="float64"), np.nan)
                for f in FLOW_FACTS}, index=sums.index)
        shares.append(share)
    if not shares:
        return pd.DataFrame(columns=list(FLOW_FACTS))
    stacked = pd.concat(shares)
    return stacked.groupby(level=list(range(len(UNIT))), sort=False).mean()


def projected_facts(current: pd.DataFrame, months: int,
                    earlier: Sequence[tuple[pd.DataFrame, pd.DataFrame]]) -> pd.DataFrame:
    """Per unit: pending_start, the projected flow facts and the projected pending_end
    of year Y, from ``current`` (the facts of months 1..m of Y per cell)."""
    ytd = _sums(current, ["pending_start", *FLOW_FACTS])
    share = seasonal_shares(earlier).reindex(ytd.index)
    share = share.fillna(months / 12)
    out = pd.DataFrame(index=ytd.index)
    out["pending_start"] = ytd["pending_start"]
    for f in FLOW_FACTS:
        out[f] = ytd[f] / share[f]
    out["pending_end"] = np.maximum(
        0.0, out["pending_start"] + out["incoming"] - out["resolved"])
    return out


def projected_kpis(facts: pd.DataFrame, kpis: Sequence[KpiDef] = CATALOGUE) -> pd.DataFrame:
    """level, code, category, kpi, projected: the catalogue's formulas (a year's scale)
    over projected facts, for the KPIs that are projected."""
    rows = []
    for k in kpis:
        if k.code not in PROJECTED_KPIS:
            continue
        num = sum(coef * facts[name] for name, coef in k.numerator)
        den = facts[k.denominator]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den.to_numpy(dtype="float64") != 0,
                             k.scale * num.to_numpy(dtype="float64")
                             / den.to_numpy(dtype="float64"), np.nan)
        rows.append(pd.DataFrame({"kpi": k.code, "projected": value}, index=facts.index))
    if not rows:
        return pd.DataFrame(columns=[*UNIT, "kpi", "projected"])
    return pd.concat(rows).reset_index()[[*UNIT, "kpi", "projected"]]
