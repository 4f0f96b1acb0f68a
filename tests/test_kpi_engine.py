"""KPI math on hand-computed cases, and roll-up properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.store.schema import FACT_COLUMNS
from kpi.catalogue import CATALOGUE, KPIS
from kpi.engine import evaluate, grouped_median, status
from kpi.targets import attach_targets, default_targets

NAN = np.nan


def facts_frame(rows: list[dict]) -> pd.DataFrame:
    base = {c: NAN for c in FACT_COLUMNS}
    out = pd.DataFrame([{**base, "source": "cases", **r} for r in rows])
    for c in FACT_COLUMNS:
        out[c] = out[c].astype("float64")
    return out


def empty_inputs() -> pd.DataFrame:
    return pd.DataFrame(columns=["court_code", "region_code", "year", "judge_posts",
                                 "judges_in_post", "respondents", "satisfied", "trusting",
                                 "budget_kzt", "incoming_all", "resolved_all"])


def empty_durations() -> pd.DataFrame:
    return pd.DataFrame(columns=["court_code", "region_code", "year", "category", "days", "n"])


FACTS = facts_frame([
    # court A, region R1
    dict(court_code="A", region_code="R1", year=2024, category="civil", pending_start=50,
         incoming=100, resolved=90, pending_end=60, e_filed=80, resolved_on_time=85,
         pending_over_limit=6),
    # court B, region R1: no e_filed reported
    dict(court_code="B", region_code="R1", year=2024, category="civil", pending_start=100,
         incoming=300, resolved=330, pending_end=70, resolved_on_time=300,
         pending_over_limit=7),
    # court C, region R2, criminal
    dict(court_code="C", region_code="R2", year=2024, category="criminal", pending_start=10,
         incoming=50, resolved=40, pending_end=20, e_filed=40),
])


def value(df: pd.DataFrame, level: str, code: str, kpi: str, category: str = "all",
          year: int = 2024) -> pd.Series:
    row = df[(df.level == level) & (df.code == code) & (df.kpi == kpi)
             & (df.category == category) & (df.year == year)]
    assert len(row) == 1, row
    return row.iloc[0]


@pytest.fixture(scope="module")
def result() -> pd.DataFrame:
    return evaluate(FACTS, empty_inputs(), empty_durations())


def test_national_clearance_rate_is_ratio_of_sums(result):
    v = value(result, "national", "KZ", "clearance_rate")
    assert v.value == pytest.approx(100 * (90 + 330 + 40) / (100 + 300 + 50))
    mean_of_rates = np.mean([90, 110, 80])
    assert v.value != pytest.approx(mean_of_rates)
    assert v.coverage == pytest.approx(100)
    assert v.numerator == 460 and v.denominator == 450


def test_court_and_category_cells(result):
    assert value(result, "court", "A", "clearance_rate", "civil").value == pytest.approx(90)
    assert value(result, "court", "B", "disposition_time").value == pytest.approx(
        365 * 70 / 330)
    assert value(result, "region", "R1", "case_turnover").value == pytest.approx(420 / 130)
    assert value(result, "national", "KZ", "pending_change", "civil").value == pytest.approx(
        100 * (130 - 150) / 150)


def test_missing_input_is_missing_not_zero_and_coverage_counts_incoming(result):
    # e_filed reported by A (civil) and C (criminal), not by B.
    v = value(result, "national", "KZ", "e_filing_rate")
    assert v.value == pytest.approx(100 * (80 + 40) / (100 + 50))
    assert v.coverage == pytest.approx(100 * 150 / 450)
    b = value(result, "court", "B", "e_filing_rate")
    assert math.isnan(b.value) and b.coverage == 0
    # No court reports appeals: missing everywhere, never 0.
    assert math.isnan(value(result, "national", "KZ", "appeal_rate").value)
    # C reports no on-time data: region R2 has no value for on_time_rate.
    assert math.isnan(value(result, "region", "R2", "on_time_rate").value)


def test_zero_denominator_is_missing():
    f = facts_frame([dict(court_code="A", region_code="R1", year=2024, category="civil",
                          pending_start=0, incoming=0, resolved=0, pending_end=0)])
    res = evaluate(f, empty_inputs(), empty_durations())
    for kpi in ("clearance_rate", "disposition_time", "pending_change", "backlog_rate"):
        assert math.isnan(value(res, "court", "A", kpi).value), kpi


def test_median_from_merged_durations_not_median_of_medians():
    d = pd.DataFrame({
        "court_code": ["A", "A", "B"], "region_code": ["R1", "R1", "R1"],
        "year": [2024] * 3, "category": ["civil"] * 3, "days": [10, 20, 30], "n": [3, 1, 2],
    })
    assert grouped_median(d[d.court_code == "A"], []).iloc[0]["median"] == 10
    res = evaluate(FACTS[FACTS.court_code != "C"], empty_inputs(), d)
    # merged: 10 10 10 20 30 30 -> (10 + 20) / 2
    assert value(res, "region", "R1", "median_disposition_days").value == 15
    assert value(res, "court", "B", "median_disposition_days").value == 30
    assert value(res, "region", "R1", "median_disposition_days").denominator == 6


def test_median_missing_without_case_level_data():
    f = FACTS.assign(source="caseload")
    res = evaluate(f, empty_inputs(), empty_durations())
    v = value(res, "national", "KZ", "median_disposition_days")
    assert math.isnan(v.value) and v.coverage == 0


def test_per_court_kpis_cover_courts_and_use_all_categories():
    inputs = pd.DataFrame({
        "court_code": ["A", "B", "C"], "region_code": ["R1", "R1", "R2"], "year": 2024,
        "judge_posts": [10, 5, NAN], "judges_in_post": [9, 5, 4],
        "respondents": [100, NAN, 50], "satisfied": [70, NAN, 45], "trusting": [NAN] * 3,
        "budget_kzt": [1e6, NAN, NAN], "staff_posts": NAN, "staff_in_post": NAN,
        "incoming_all": [100, 300, 50], "resolved_all": [90, 330, 40],
        "judges_needed": [NAN, 4, 2],
    })
    res = evaluate(FACTS, inputs, empty_durations())
    v = value(res, "national", "KZ", "judge_vacancy_rate")
    assert v.value == pytest.approx(100 * (15 - 14) / 15)
    assert v.coverage == pytest.approx(100 * 2 / 3)
    assert value(res, "national", "KZ", "caseload_per_judge").value == pytest.approx(450 / 18)
    assert value(res, "court", "A", "cost_per_case").value == pytest.approx(1e6 / 90)
    assert value(res, "region", "R1", "satisfaction_rate").coverage == pytest.approx(50)
    assert math.isnan(value(res, "national", "KZ", "trust_rate").value)
    # Judges in post against judges needed: a ratio of sums over courts with both.
    assert value(res, "national", "KZ", "judge_need_ratio").value == pytest.approx(
        100 * (5 + 4) / (4 + 2))
    # Per-court KPIs exist for "all" only.
    assert set(res.loc[res.kpi == "satisfaction_rate", "category"]) == {"all"}


@pytest.mark.parametrize("v,t,tol,d,expected", [
    (100, 100, 5, "higher", "green"), (96, 100, 5, "higher", "amber"),
    (95, 100, 5, "higher", "amber"), (94.9, 100, 5, "higher", "red"),
    (60, 60, 15, "lower", "green"), (75, 60, 15, "lower", "amber"),
    (75.1, 60, 15, "lower", "red"), (NAN, 60, 15, "lower", "none"),
    (50, NAN, 15, "lower", "none"), (50, 40, NAN, "lower", "red"),
    (50, 40, 5, "none", "none"),
])
def test_status(v, t, tol, d, expected):
    assert status([v], [t], [tol], [d])[0] == expected


def test_status_tolerates_float_noise_at_the_boundary():
    v = 100 * (197 - 3) / 197 * 0 + 98.5 + 1e-13 * -1
    assert status([v], [98.5], [0.5], ["higher"])[0] == "green"


def test_default_targets_are_linear_and_illustrative():
    t = default_targets()
    dt = t[t.kpi == "disposition_time"].set_index("year")["target"]
    assert dt.to_dict() == {2025: 90, 2026: 82.5, 2027: 75, 2028: 67.5, 2029: 60}
    assert (t[t.kpi == "clearance_rate"]["target"] == 100).all()
    assert t["illustrative"].all()
    assert "case_turnover" not in set(t.kpi) and "cost_per_case" not in set(t.kpi)
    assert set(t.kpi) == {k.code for k in CATALOGUE if k.target_range}


def test_court_target_overrides_national():
    values = pd.DataFrame({
        "level": ["court", "court", "region"], "code": ["A", "B", "R1"], "year": 2025,
        "category": "all", "kpi": "clearance_rate", "value": [97.0, 97.0, 97.0],
    })
    targets = pd.concat([default_targets(), pd.DataFrame([{
        "kpi": "clearance_rate", "year": 2025, "court_code": "A", "target": 95.0,
        "tolerance": 1.0, "illustrative": False}])], ignore_index=True)
    out = attach_targets(values, targets).set_index("code")
    assert out.loc["A", "target"] == 95 and out.loc["A", "status"] == "green"
    assert out.loc["B", "target"] == 100 and out.loc["B", "status"] == "amber"
    assert out.loc["R1", "status"] == "amber" and bool(out.loc["B", "illustrative"])


def test_catalogue_has_the_19_kpis_with_three_languages():
    assert len(CATALOGUE) == 19 and len(KPIS) == 19
    for k in CATALOGUE:
        assert set(k.names) == {"en", "ru", "kk"} and all(k.names.values())


# --- property: roll-ups equal a direct computation on the union ---------------------

cell = st.fixed_dictionaries({
    "court": st.sampled_from(["A", "B", "C", "D"]),
    "category": st.sampled_from(["civil", "criminal"]),
    "incoming": st.integers(0, 500),
    "resolved": st.integers(0, 500),
    "pending_start": st.integers(0, 300),
    "appealed": st.one_of(st.none(), st.integers(0, 50)),
    "reversed_or_modified": st.integers(0, 50),
})
REGION = {"A": "R1", "B": "R1", "C": "R2", "D": "R2"}


@settings(max_examples=60, deadline=None)
@given(st.lists(cell, min_size=1, max_size=12, unique_by=lambda c: (c["court"], c["category"])))
def test_rollups_equal_direct_computation_on_the_union(cells):
    rows = []
    for c in cells:
        rows.append(dict(
            court_code=c["court"], region_code=REGION[c["court"]], year=2024,
            category=c["category"], incoming=c["incoming"], resolved=c["resolved"],
            pending_start=c["pending_start"],
            pending_end=c["pending_start"] + c["incoming"] + 10,
            appealed=NAN if c["appealed"] is None else c["appealed"],
            reversed_or_modified=NAN if c["appealed"] is None else min(
                c["reversed_or_modified"], c["appealed"]),
        ))
    f = facts_frame(rows)
    res = evaluate(f, empty_inputs(), empty_durations())
    for kpi_code in ("clearance_rate", "appeal_reversal_rate", "pending_change"):
        k = KPIS[kpi_code]
        ok = f[list(k.inputs)].notna().all(axis=1)
        num = sum((f.loc[ok, n] * coef).sum() for n, coef in k.numerator)
        den = f.loc[ok, k.denominator].sum()
        expected = k.scale * num / den if ok.any() and den else NAN
        got = value(res, "national", "KZ", kpi_code).value
        assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)
        # Region numerators and denominators add up to the national ones.
        reg = res[(res.level == "region") & (res.kpi == kpi_code) & (res.category == "all")]
        nat = value(res, "national", "KZ", kpi_code)
        assert np.nansum(reg.denominator) == pytest.approx(np.nansum([nat.denominator]))
        assert np.nansum(reg.numerator) == pytest.approx(np.nansum([nat.numerator]))
        # Coverage: share of incoming in contributing cells.
        total = f["incoming"].sum()
        if total:
            assert nat.coverage == pytest.approx(100 * f.loc[ok, "incoming"].sum() / total)
