"""Periods (periods.md): the codes, the month facts and any period composed from them.

The composed facts are checked against a plain row-by-row count of the contract's
rules with a and b in place of 1 January and 31 December (an independent, slow
implementation), for every kind of period, on random cases.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.derive.facts import caseload_parts, compose, derive_facts, derive_months
from data.store.schema import DEFAULT_STATUTORY_DAYS, FACT_COLUMNS
from kpi.periods import (
    YEARLY_ONLY,
    PeriodError,
    catalogue_for,
    complete_months,
    last_day,
    month_index,
    parse,
    ytd,
)

# --- the codes -------------------------------------------------------------------------


@pytest.mark.parametrize("code,start,end,months", [
    ("2026", "2026-01-01", "2026-12-31", 12),
    ("2026-H1", "2026-01-01", "2026-06-30", 6),
    ("2026-H2", "2026-07-01", "2026-12-31", 6),
    ("2026-Q1", "2026-01-01", "2026-03-31", 3),
    ("2026-Q4", "2026-10-01", "2026-12-31", 3),
    ("2026-02", "2026-02-01", "2026-02-28", 1),
    ("2024-02", "2024-02-01", "2024-02-29", 1),
    ("2026-YTD09", "2026-01-01", "2026-09-30", 9),
    ("R12-2026-09", "2025-10-01", "2026-09-30", 12),
    ("R12-2026-12", "2026-01-01", "2026-12-31", 12),
])
def test_codes(code, start, end, months):
    p = parse(code)
    assert (p.code, p.start.isoformat(), p.end.isoformat(), p.months) == (code, start, end,
                                                                           months)
    assert p.year == int(end[:4])


@pytest.mark.parametrize("code", ["2026-Q5", "2026-Q0", "2026-13", "2026-00", "R12-2026-00",
                                  "R12-2026-13", "2026-H3", "2026-YTD13", "2026-YTD00",
                                  "26", "2026-1", "2026-q1", "", "2026-Q1;DROP", "٢٠٢٦",
                                  "1800", "x" * 500])
def test_bad_codes_name_the_accepted_forms(code):
    with pytest.raises(PeriodError) as err:
        parse(code)
    message = str(err.value)
    assert "2026-H1" in message and "R12-2026-01" in message and "YTD" in message
    assert len(message) < 500


def test_as_of_and_complete_months():
    assert complete_months(dt.date(2026, 9, 30)) == month_index(2026, 9)
    assert complete_months(dt.date(2026, 10, 3)) == month_index(2026, 9)
    assert complete_months(dt.date(2026, 12, 31)) == month_index(2026, 12)
    assert last_day(dt.date(2024, 2, 10)) == dt.date(2024, 2, 29)
    assert ytd(2026, 12).code == "2026" and ytd(2026, 9).code == "2026-YTD09"


def test_catalogue_of_a_period():
    q = {k.code: k for k in catalogue_for(parse("2026-Q2"))}
    year = {k.code: k for k in catalogue_for(parse("2026"))}
    assert q["disposition_time"].scale == pytest.approx(365 * 3 / 12)
    assert q["case_turnover"].scale == pytest.approx(12 / 3)
    assert year["disposition_time"].scale == 365 and year["case_turnover"].scale == 1
    assert not set(q) & YEARLY_ONLY and YEARLY_ONLY <= set(year)
    assert YEARLY_ONLY == {"judge_vacancy_rate", "caseload_per_judge", "cost_per_case",
                           "satisfaction_rate", "trust_rate", "judge_need_ratio"}


# --- facts of a period: composed months against a direct count ------------------------


def direct_facts(cases: pd.DataFrame, a: dt.date, b: dt.date) -> dict[tuple, dict]:
    """The contract's facts of [a, b] per (court, category), case by case."""
    out: dict[tuple, dict] = {}
    for row in cases.itertuples(index=False):
        f = row.filed_date.date()
        r = None if pd.isna(row.resolved_date) else row.resolved_date.date()
        limit = (DEFAULT_STATUTORY_DAYS[row.category] if pd.isna(row.statutory_days)
                 else int(row.statutory_days))
        d = out.setdefault((row.court_code, row.category), {
            c: 0.0 for c in ("pending_start", "incoming", "resolved", "pending_end",
                             "resolved_on_time", "pending_over_limit")})
        d.setdefault("appealed", math.nan)
        d.setdefault("e_filed", math.nan)
        res_in = r is not None and a <= r <= b
        pend_end = f <= b and (r is None or r > b)
        d["pending_start"] += f < a and (r is None or r >= a)
        d["incoming"] += a <= f <= b
        d["resolved"] += res_in
        d["pending_end"] += pend_end
        d["resolved_on_time"] += res_in and (r - f).days <= limit
        d["pending_over_limit"] += pend_end and (b - f).days > limit
        if res_in and not pd.isna(row.appealed):
            d["appealed"] = (0 if math.isnan(d["appealed"]) else d["appealed"]) + row.appealed
        if a <= f <= b and not pd.isna(row.e_filed):
            d["e_filed"] = (0 if math.isnan(d["e_filed"]) else d["e_filed"]) + row.e_filed
    return {k: v for k, v in out.items()
            if v["pending_start"] + v["incoming"] + v["resolved"] + v["pending_end"] > 0}


def frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["court_code", "category", "filed_date", "resolved_date",
                                     "statutory_days", "appealed", "e_filed"])
    df["case_id"] = [f"c{i}" for i in range(len(df))]
    df["filed_date"] = pd.to_datetime(df["filed_date"]).astype("datetime64[s]")
    df["resolved_date"] = pd.to_datetime(df["resolved_date"]).astype("datetime64[s]")
    df["statutory_days"] = df["statutory_days"].astype("Int64")
    for c in ("appealed", "e_filed"):
        df[c] = df[c].astype("boolean")
    for c in ("hearings_total", "hearings_video"):
        df[c] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["published"] = pd.array([pd.NA] * len(df), dtype="boolean")
    df["appeal_result"] = pd.array([pd.NA] * len(df), dtype="string")
    return df


def check_period(cases: pd.DataFrame, code: str) -> None:
    p = parse(code)
    parts, _ = derive_months(cases, through=p.last)
    got = compose(parts, p.first, p.last).set_index(["court_code", "category"])
    want = direct_facts(cases, p.start, p.end)
    assert set(got.index) == set(want), code
    for key, facts in want.items():
        for name, value in facts.items():
            g = got.loc[key, name]
            assert (math.isnan(g) and math.isnan(value)) or g == value, (code, key, name)


CODES = ["2025", "2025-H1", "2025-H2", "2025-Q3", "2025-07", "2025-08", "2025-12",
         "2025-YTD05", "R12-2025-06", "R12-2026-02", "2026-Q1", "2026-01"]

day = st.dates(min_value=dt.date(2024, 6, 1), max_value=dt.date(2026, 3, 31))


@st.composite
def case_rows(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for _ in range(n):
        filed = draw(day)
        resolved = draw(st.one_of(st.none(), st.integers(0, 400).map(
            lambda k, f=filed: min(f + dt.timedelta(days=k), dt.date(2026, 3, 31)))))
        rows.append((draw(st.sampled_from(["A", "B"])),
                     draw(st.sampled_from(["civil", "admin_offence"])), filed, resolved,
                     draw(st.one_of(st.none(), st.integers(0, 120))),
                     draw(st.one_of(st.none(), st.booleans())) if resolved else None,
                     draw(st.one_of(st.none(), st.booleans()))))
    return frame(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_rows())
def test_every_period_composes_to_the_direct_count(cases):
    for code in CODES:
        check_period(cases, code)


def test_a_hand_computed_quarter():
    cases = frame([
        ("A", "civil", "2025-12-20", "2026-01-05", None, None, True),   # pending at start
        ("A", "civil", "2026-02-01", "2026-02-15", None, True, False),   # in and out in Q1
        ("A", "civil", "2026-03-01", None, 10, None, None),   # pending at the end, over 10 days
        ("A", "civil", "2026-04-02", "2026-04-03", None, None, None),   # after the quarter
    ])
    parts, _ = derive_months(cases, through=month_index(2026, 4))
    q1 = compose(parts, month_index(2026, 1), month_index(2026, 3)).iloc[0]
    assert (q1.pending_start, q1.incoming, q1.resolved, q1.pending_end) == (1, 2, 2, 1)
    assert q1.pending_over_limit == 1 and q1.resolved_on_time == 2
    assert q1.appealed == 1 and q1.e_filed == 0


def test_years_from_months_are_the_years():
    rng = np.random.default_rng(5)
    n = 400
    filed = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    took = pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    resolved = (filed + took).where(rng.random(n) < 0.8)
    resolved = resolved.where(resolved <= pd.Timestamp("2025-12-31"))
    cases = frame([("A" if i % 3 else "B", ["civil", "criminal"][i % 2], f, r, None, None, None)
                   for i, (f, r) in enumerate(zip(filed, resolved))])
    years, _ = derive_facts(cases)
    parts, _ = derive_months(cases)
    for year in (2023, 2024, 2025):
        got = compose(parts, month_index(year, 1), month_index(year, 12)) \
            .set_index(["court_code", "category"])[list(FACT_COLUMNS)]
        want = years[years["year"] == year].set_index(["court_code", "category"])[
            list(FACT_COLUMNS)]
        pd.testing.assert_frame_equal(got.sort_index(), want.sort_index().astype("float64"),
                                      check_dtype=False)


# --- aggregate reports: coarser periods only from complete parts ------------------------


def quarters(n: int, year: int = 2026) -> pd.DataFrame:
    rows = []
    start = 10
    for q in range(1, n + 1):
        inc, res = 30 + q, 28
        rows.append({"court_code": "C", "year": year, "category": "civil",
                     "period": f"{year}-Q{q}", "pending_start": start, "incoming": inc,
                     "resolved": res, "pending_end": start + inc - res,
                     "resolved_on_time": 20, "pending_over_limit": q, "appealed": None,
                     "reversed_or_modified": None, "e_filed": 10 if q != 2 else None,
                     "hearings_total": None, "hearings_video": None, "published": None})
        start = start + inc - res
    df = pd.DataFrame(rows)
    for c in FACT_COLUMNS:
        df[c] = df[c].astype("Float64")
    return df


def test_quarters_make_halves_and_the_year_only_when_complete():
    parts = caseload_parts(quarters(4))
    h1 = compose(parts, month_index(2026, 1), month_index(2026, 6)).iloc[0]
    assert (h1.pending_start, h1.incoming, h1.resolved) == (10, 31 + 32, 56)
    assert h1.pending_end == 10 + 31 + 32 - 56 and h1.pending_over_limit == 2
    assert h1.e_filed == 10  # Q2 did not report it: Q1's count, reported
    year = compose(parts, month_index(2026, 1), month_index(2026, 12)).iloc[0]
    assert year.incoming == 31 + 32 + 33 + 34 and year.pending_over_limit == 4
    # A month of a quarterly report, or a year with a quarter missing: not there.
    assert compose(parts, month_index(2026, 2), month_index(2026, 2)).empty
    three = caseload_parts(quarters(3))
    assert compose(three, month_index(2026, 1), month_index(2026, 12)).empty
    assert len(compose(three, month_index(2026, 1), month_index(2026, 9))) == 1
