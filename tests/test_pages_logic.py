"""Pure helpers behind the pages: page state from URLs, drill-down, analysis, formatting."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from callbacks.navigation import clicked_code, drill_href
from kpi.analysis import attention, change_from_previous, peer_percentile
from layouts.format import fmt_number, fmt_value
from layouts.params import page_state, query_string


def test_page_state_tolerates_any_query():
    s = page_state({"year": "20x5", "category": "family", "kpi": "nope", "units": "A,,B,A",
                    "lang": "xx", "evil": "<script>"}, kpi="clearance_rate")
    assert s["year"] is None and s["category"] == "all" and s["kpi"] == "clearance_rate"
    assert s["units"] == ["A", "B"] and s["lang"] == "ru"  # the default outside a request
    assert page_state({"year": "2024", "category": "civil"})["year"] == 2024


def test_query_string_is_stable_and_skips_empty():
    assert query_string({"year": 2024, "region": None, "units": ["A", "B"]}) == \
        "?units=A%2CB&year=2024"
    assert query_string({}) == ""


def test_drill_down_targets():
    state = {"kpi": "e_filing_rate", "year": 2024, "category": "civil", "lang": "ru"}
    assert drill_href("KZ-75", {"KZ-75"}, state) == \
        "/kpi/e_filing_rate?category=civil&region=KZ-75&view=courts&year=2024"
    assert drill_href("KZ75-D01", {"KZ-75"}, state) == \
        "/court/KZ75-D01?category=civil&year=2024"
    assert clicked_code({"points": [{"customdata": ["KZ-10", 5]}]}) == "KZ-10"
    assert clicked_code({"points": []}) is None and clicked_code(None) is None


def test_attention_ranks_by_gap_in_tolerances():
    v = pd.DataFrame({
        "code": ["A", "B", "C", "D"], "kpi": ["clearance_rate", "disposition_time",
                                              "clearance_rate", "clearance_rate"],
        "value": [90.0, 130.0, 99.0, 101.0], "target": [100.0, 90.0, 100.0, 100.0],
        "tolerance": [5.0, 15.0, 5.0, 5.0], "status": ["red", "red", "amber", "green"],
        "denominator": [100.0, 200.0, 50.0, 80.0],
    })
    out = attention(v)
    # B misses by 40 days = 2.67 bands, A by 10 points = 2 bands, C by 0.2 bands.
    assert list(out["code"]) == ["B", "A", "C"]
    assert out["severity"].tolist() == pytest.approx([40 / 15, 2.0, 0.2])
    tiny = attention(v.assign(denominator=[100.0, 200.0, 5.0, 80.0]))
    assert list(tiny["code"]) == ["B", "A"]  # C's 5 cases are too few to judge


def test_change_and_percentile():
    v = pd.DataFrame({"kpi": ["k", "k", "j"], "year": [2024, 2025, 2025],
                      "value": [90.0, 95.5, 3.0]})
    assert change_from_previous(v, 2025) == {"k": 5.5}
    peers = pd.Series([10.0, 20.0, 30.0, np.nan])
    assert peer_percentile(peers, 30.0, "higher") == 100
    assert peer_percentile(peers, 30.0, "lower") == pytest.approx(100 / 3)
    assert peer_percentile(peers, math.nan, "higher") is None


def test_formatting_per_language_and_missing():
    assert fmt_number(1234.5, 1, "en") == "1,234.5"
    assert fmt_number(1234.5, 1, "ru") == "1\u202f234,5"
    assert fmt_value(None, "%") == "no data"
    assert fmt_value(float("nan"), "days") == "no data"
    assert fmt_value(0.0, "%") == "0.0 %"
    assert fmt_value(630932.9, "KZT") == "630,933 ₸"
    assert fmt_value(21, "cases", "ru") == "21 дело"
    assert fmt_value(23, "days", "ru") == "23 дня"
    assert fmt_value(11, "days", "ru") == "11 дней"
    assert fmt_value(156.6, "cases", "ru") == "157 дел"
    assert fmt_value(1, "days", "en") == "1 day"
    assert fmt_value(21, "days", "en") == "21 days"
    assert fmt_value(21, "cases", "kk") == "21 іс"
