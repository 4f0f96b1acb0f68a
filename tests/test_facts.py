"""Case rows to yearly facts, checked against a hand-worked example of the contract's table."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.derive.facts import caseload_facts, combine, derive_facts

NA = pd.NA


def cases_frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["case_id", "court_code", "category", "filed_date", "resolved_date",
            "statutory_days", "e_filed", "hearings_total", "hearings_video", "appealed",
            "appeal_result", "published"]
    df = pd.DataFrame(rows, columns=cols)
    df["filed_date"] = pd.to_datetime(df["filed_date"]).astype("datetime64[s]")
    df["resolved_date"] = pd.to_datetime(df["resolved_date"]).astype("datetime64[s]")
    for c in ("statutory_days", "hearings_total", "hearings_video"):
        df[c] = df[c].astype("Int64")
    for c in ("e_filed", "appealed", "published"):
        df[c] = df[c].astype("boolean")
    for c in ("case_id", "court_code", "category", "appeal_result"):
        df[c] = df[c].astype("string")
    return df


CASES = cases_frame([
    ("c1", "A", "civil", "2023-11-15", "2024-01-10", NA, NA, 2, 1, True, "reversed", NA),
    ("c2", "A", "civil", "2024-03-01", "2024-06-29", NA, True, 3, NA, False, "", NA),
    ("c3", "A", "civil", "2024-05-01", None, NA, False, NA, NA, NA, NA, NA),
    ("c4", "A", "civil", "2023-06-01", None, NA, NA, NA, NA, NA, NA, NA),
    ("c5", "A", "civil", "2024-12-31", "2025-01-01", NA, NA, NA, NA, NA, NA, NA),
    ("c6", "A", "admin_offence", "2024-02-01", "2024-02-10", 15, NA, NA, NA, NA, NA, NA),
    ("c7", "A", "civil", "2024-10-15", None, NA, True, NA, NA, NA, NA, NA),
    ("c8", "A", "civil", "2024-11-15", None, NA, True, NA, NA, NA, NA, NA),
])


@pytest.fixture(scope="module")
def derived():
    return derive_facts(CASES)


def cell(facts: pd.DataFrame, year: int, category: str = "civil") -> pd.Series:
    row = facts[(facts.year == year) & (facts.category == category)]
    assert len(row) == 1
    return row.iloc[0]


def test_facts_2024_civil_by_hand(derived):
    f = cell(derived[0], 2024)
    assert (f.pending_start, f.incoming, f.resolved, f.pending_end) == (2, 5, 2, 5)
    assert f.resolved_on_time == 1  # c1 in 56 days; c2 took 120 > 60
    assert f.pending_over_limit == 3  # c3 (244 days), c4, c7 (77); not c5, c8 (46)
    assert f.e_filed == 3  # c2, c7, c8 (c3 false, c5 not reported)
    assert f.hearings_total == 5 and f.hearings_video == 1
    assert f.appealed == 1 and f.reversed_or_modified == 1
    assert math.isnan(f.published)  # nobody carries the column: not reported, not 0
    assert f.source == "cases"


def test_facts_other_years_and_categories(derived):
    facts = derived[0]
    f23 = cell(facts, 2023)
    assert (f23.pending_start, f23.incoming, f23.resolved, f23.pending_end) == (0, 2, 0, 2)
    assert f23.pending_over_limit == 1  # c4: 213 days; c1: 46 days
    assert math.isnan(f23.e_filed)  # no case filed in 2023 carries e_filed
    f25 = cell(facts, 2025)
    assert (f25.pending_start, f25.incoming, f25.resolved, f25.pending_end) == (5, 0, 1, 4)
    ao = cell(facts, 2024, "admin_offence")
    assert (ao.incoming, ao.resolved, ao.resolved_on_time, ao.pending_end) == (1, 1, 1, 0)
    assert sorted(facts.year.unique()) == [2023, 2024, 2025]


def test_durations_histogram(derived):
    d = derived[1]
    civil24 = d[(d.year == 2024) & (d.category == "civil")].set_index("days")["n"].to_dict()
    assert civil24 == {56: 1, 120: 1}
    assert d[(d.year == 2025)].set_index("days")["n"].to_dict() == {1: 1}


def test_caseload_row_is_the_source_of_its_cell(derived):
    facts, durations = derived
    load = pd.DataFrame([{
        "court_code": "A", "year": 2025, "category": "civil", "pending_start": 5,
        "incoming": 10, "resolved": 12, "pending_end": 3, "resolved_on_time": NA,
        "pending_over_limit": NA, "appealed": NA, "reversed_or_modified": NA, "e_filed": 4,
        "hearings_total": NA, "hearings_video": NA, "published": NA,
    }])
    for c in load.columns[3:]:
        load[c] = load[c].astype("Int64")
    combined, dur = combine(facts, caseload_facts(load), durations)
    f25 = cell(combined, 2025)
    assert f25.source == "caseload" and f25.incoming == 10 and math.isnan(f25.published)
    assert dur[dur.year == 2025].empty
    assert len(combined) == len(facts)


dates = st.dates(min_value=pd.Timestamp("2019-01-01").date(),
                 max_value=pd.Timestamp("2025-12-31").date())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(dates, st.one_of(st.none(), st.integers(0, 900))), min_size=1,
                max_size=40))
def test_case_facts_balance_exactly(rows):
    data = []
    for i, (filed, dur) in enumerate(rows):
        resolved = None if dur is None else pd.Timestamp(filed) + pd.Timedelta(days=dur)
        if resolved is not None and resolved > pd.Timestamp("2025-12-31"):
            resolved = None
        data.append((f"c{i}", "A", "civil", str(filed), resolved, NA, NA, NA, NA, NA, NA, NA))
    facts, durations = derive_facts(cases_frame(data))
    bal = facts.pending_start + facts.incoming - facts.resolved
    assert (bal == facts.pending_end).all()
    # Every resolution is counted once, in the durations of its year.
    total_resolved = facts.resolved.sum()
    assert durations.n.sum() == total_resolved == sum(
        1 for r in data if r[4] is not None)
