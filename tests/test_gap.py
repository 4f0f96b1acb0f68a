"""The gap to a target, court by court (kpi.gap; where-to-act.md section 1): hand-computed
cases and the property that the parts add up to the scope's own gap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.catalogue import KPIS
from kpi.gap import GapError, contributions


def cells(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["court_code", "numerator", "denominator"]).assign(
        value=lambda f: f["numerator"] / f["denominator"])


def test_clearance_rate_resolved_cases_short_by_hand():
    # Target 100 %: each court needed as many resolved as incoming (N resolved, D incoming).
    gap = contributions(cells([("A", 900, 1000), ("B", 480, 500), ("C", 220, 200),
                               ("D", None, 300)]), KPIS["clearance_rate"], 100.0)
    by = dict(zip(gap.courts["court_code"], gap.courts["contribution"]))
    assert by == {"A": 100.0, "B": 20.0, "C": -20.0}  # D reported no resolved: no part
    assert gap.scope_gap == 100.0 == 1000 + 500 + 200 - (900 + 480 + 220)
    assert gap.courts["court_code"].tolist() == ["A", "B", "C"]
    assert gap.courts["share"].tolist()[:2] == pytest.approx([100 / 120, 20 / 120])
    assert math.isnan(gap.courts["share"].iloc[2])  # C narrows the gap: no share
    assert gap.courts["cumulative_share"].tolist()[:2] == pytest.approx([100 / 120, 1.0])
    assert gap.top(0.5) == (1, pytest.approx(100 / 120))


def test_disposition_time_pending_cases_in_excess_by_hand():
    # Lower is better: c = N − T × D / 365 with N pending_end, D resolved; target 90 days.
    kpi = KPIS["disposition_time"]
    gap = contributions(cells([("A", 500, 730), ("B", 100, 730)]), kpi, 90.0)
    allowed = 90 * 730 / 365  # 180 pending cases allowed on 730 resolved
    by = dict(zip(gap.courts["court_code"], gap.courts["contribution"]))
    assert by == pytest.approx({"A": 500 - allowed, "B": 100 - allowed})
    assert gap.scope_gap == pytest.approx(600 - 2 * allowed)
    # The scope's own value, as the roll-up computes it, misses the target by that much.
    scope_value = 365 * 600 / 1460
    assert (scope_value - 90) * 1460 / 365 == pytest.approx(gap.scope_gap)


def test_judge_vacancy_rate_vacant_posts_in_excess_by_hand():
    # A per-court KPI: N = posts − judges in post, D = posts; target 5 %.
    gap = contributions(cells([("A", 3, 20), ("B", 0, 40)]), KPIS["judge_vacancy_rate"], 5.0)
    by = dict(zip(gap.courts["court_code"], gap.courts["contribution"]))
    assert by == pytest.approx({"A": 3 - 1.0, "B": 0 - 2.0})
    assert gap.scope_gap == pytest.approx(0.0) and gap.on_target  # 2 in excess, 2 short


@pytest.mark.parametrize("code, why", [("median_disposition_days", "median"),
                                       ("pending_change", "not_decomposed")])
def test_kpis_without_a_decomposition_say_why(code, why):
    if code not in KPIS:
        pytest.skip(f"{code} is not in the catalogue")
    with pytest.raises(GapError) as err:
        contributions(cells([("A", 1, 2)]), KPIS[code], 1.0)
    assert err.value.code == why and code in str(err.value)


def test_no_target_and_no_courts_say_why():
    kpi = KPIS["clearance_rate"]
    with pytest.raises(GapError, match="no target"):
        contributions(cells([("A", 1, 2)]), kpi, None)
    with pytest.raises(GapError, match="no court"):
        contributions(cells([("A", None, 2), ("B", 3, None)]), kpi, 100.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50_000), st.integers(1, 50_000)), min_size=1,
                max_size=40),
       st.sampled_from(["clearance_rate", "disposition_time", "judge_vacancy_rate"]),
       st.floats(1, 200))
def test_the_parts_add_up_to_the_scopes_gap(rows, code, target):
    kpi = KPIS[code]
    frame = cells([(f"C{i:02d}", n, d) for i, (n, d) in enumerate(rows)])
    gap = contributions(frame, kpi, target)
    n, d = frame["numerator"].sum(), frame["denominator"].sum()
    whole = target * d / kpi.scale - n if kpi.direction == "higher" else n - target * d / \
        kpi.scale
    assert gap.courts["contribution"].sum() == pytest.approx(whole, rel=1e-9, abs=1e-6)
    assert gap.scope_gap == pytest.approx(whole, rel=1e-9, abs=1e-6)
    # The scope misses its target exactly when its gap is positive.
    value = kpi.scale * n / d
    misses = value < target if kpi.direction == "higher" else value > target
    if abs(value - target) > 1e-9:
        assert misses == (gap.scope_gap > 0)
    widening = gap.widening()
    if len(widening):
        assert widening["share"].sum() == pytest.approx(1.0)
        assert widening["cumulative_share"].iloc[-1] == pytest.approx(1.0)
        assert np.all(np.diff(widening["contribution"].to_numpy()) <= 0)
