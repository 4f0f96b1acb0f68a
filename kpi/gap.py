"""Where the gap to a target is: each court's contribution to its scope's gap, in the
KPI's own unit (../shared/spec/where-to-act.md, section 1). Pure.

For a ratio KPI K = scale × N / D with the scope's target T, a court i with both inputs
reported contributes

* better = higher: c_i = T × D_i / scale − N_i (cases it would have needed to add);
* better = lower:  c_i = N_i − T × D_i / scale (cases beyond what the target allows);

and Σ c_i is exactly the scope's own gap (T × ΣD / scale − ΣN, or its mirror), because
the scope's value is the ratio of the same sums (kpi.engine's roll-up). c_i > 0 widens
the gap, c_i < 0 narrows it. A widening court's share is c_i / Σ(c_j > 0); courts are
ranked by c_i, largest first, with the cumulative share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.catalogue import KpiDef

# No decomposition: the change in pending cases compares a stock with itself a year
# earlier, so it has no volume whose parts add up (the spec's exception).
NOT_DECOMPOSED = frozenset({"pending_change"})
COLUMNS = ["court_code", "value", "numerator", "denominator", "contribution", "share",
           "cumulative_share"]


class GapError(ValueError):
    """No decomposition for this KPI or scope; ``code`` names why (a page says it in its
    language: ``gap.error.<code>``), the message says it in English."""

    MESSAGES = {
        "median": "{kpi} is a median: a median has no parts that add up to it",
        "not_decomposed": "{kpi} has no decomposition into courts",
        "no_target": "{kpi} has no target for this scope and year",
        "no_courts": "no court of this scope reported both inputs of {kpi}",
    }

    def __init__(self, code: str, kpi: str):
        self.code = code
        super().__init__(self.MESSAGES[code].format(kpi=kpi))


@dataclass(frozen=True)
class Gap:
    """A scope's gap and the courts that make it (``courts``: COLUMNS, ranked)."""

    kpi: str
    target: float
    scope_gap: float  # > 0: the scope misses its target by this much; ≤ 0: on target
    courts: pd.DataFrame

    @property
    def on_target(self) -> bool:
        return self.scope_gap <= 0

    def widening(self) -> pd.DataFrame:
        return self.courts[self.courts["contribution"] > 0]

    def narrowing(self) -> pd.DataFrame:
        return self.courts[self.courts["contribution"] <= 0]

    def top(self, share: float = 0.5) -> tuple[int, float]:
        """(n, their share): the fewest widening courts that make at least ``share`` of
        the widening total, and the share they make."""
        widening = self.widening()
        if widening.empty:
            return 0, 0.0
        cumulative = widening["cumulative_share"].to_numpy()
        n = int(np.searchsorted(cumulative, share - 1e-12) + 1)
        n = min(n, len(cumulative))
        return n, float(cumulative[n - 1])


TABLE_COLUMNS = ["level", "code", "period", "category", "kpi", "target", "scope_gap",
                 "court_code", "value", "numerator", "denominator", "contribution", "share",
                 "cumulative_share"]


def table(gap: Gap, level: str, code: str, period: str, category: str) -> pd.DataFrame:
    """One row per contributing court with the scope's columns (the spec's CSV: what
    ``python -m kpi gap`` and ``GET /api/v1/gap`` answer)."""
    return gap.courts.assign(level=level, code=code, period=period, category=category,
                             kpi=gap.kpi, target=gap.target,
                             scope_gap=gap.scope_gap)[TABLE_COLUMNS]


def decomposable(kpi: KpiDef) -> str | None:
    """Why ``kpi`` has no decomposition (a GapError code), or None when it has one."""
    if kpi.kind == "median":
        return "median"
    if kpi.code in NOT_DECOMPOSED or kpi.direction == "none":
        return "not_decomposed"
    return None


def contributions(cells: pd.DataFrame, kpi: KpiDef, target: float | None) -> Gap:
    """The gap of a scope to ``target`` and each court's part of it.

    ``cells``: one row per court of the scope (court_code, value, numerator,
    denominator: the KPI's stored Σnumerator and Σdenominator of the court). Courts
    without both inputs do not contribute, as they do not count in the scope's value.
    """
    why = decomposable(kpi)
    if why:
        raise GapError(why, kpi.code)
    if target is None or pd.isna(target):
        raise GapError("no_target", kpi.code)
    rows = cells[cells["numerator"].notna() & cells["denominator"].notna()
                 & (cells["denominator"] > 0)]
    if rows.empty:
        raise GapError("no_courts", kpi.code)
    num = rows["numerator"].to_numpy(dtype="float64")
    allowed = float(target) * rows["denominator"].to_numpy(dtype="float64") / kpi.scale
    part = allowed - num if kpi.direction == "higher" else num - allowed
    out = rows[["court_code", "value", "numerator", "denominator"]].assign(contribution=part)
    # Largest first; ties by code, so the order never depends on how rows arrived.
    out = out.sort_values(["contribution", "court_code"], ascending=[False, True],
                          kind="stable").reset_index(drop=True)
    widening = out["contribution"].clip(lower=0)
    total = float(widening.sum())
    share = widening / total if total > 0 else widening * np.nan
    out["share"] = share.where(out["contribution"] > 0)
    out["cumulative_share"] = share.cumsum().where(out["contribution"] > 0)
    return Gap(kpi.code, float(target), float(part.sum()), out[COLUMNS])
