"""The backlog's age and time to disposition (data/backlog.py), by hand and in the database."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from data.derive.backlog import (
    BUCKET_COLUMNS,
    COLUMNS,
    backlog_age,
    court_backlog,
    grouped_percentiles,
    pooled_backlog,
)
from data.derive.refresh import refresh_all
from data.ingest.load import load_file
from data.ingest.undo import undo
from tests.conftest import year_end_as_of

END_2024 = dt.date(2024, 12, 31)


def cases_frame(rows: list[tuple]) -> pd.DataFrame:
    """(court, category, filed, resolved or None, statutory_days or None), typed as loaded."""
    df = pd.DataFrame(rows, columns=["court_code", "category", "filed_date", "resolved_date",
                                     "statutory_days"])
    df["filed_date"] = pd.to_datetime(df["filed_date"]).astype("datetime64[s]")
    df["resolved_date"] = pd.to_datetime(df["resolved_date"]).astype("datetime64[s]")
    df["statutory_days"] = df["statutory_days"].astype("Int64")
    for c in ("court_code", "category"):
        df[c] = df[c].astype("string")
    return df


def aged(days: int, end: dt.date = END_2024) -> str:
    """The filing date of a case ``days`` old on ``end``."""
    return (end - dt.timedelta(days=days)).isoformat()


def row(frame: pd.DataFrame, code: str, year: int, category: str = "all") -> pd.Series:
    m = (frame["code"] == code) & (frame["year"] == year) & (frame["category"] == category)
    assert m.sum() == 1, frame[m]
    return frame[m].iloc[0]


def buckets(r: pd.Series) -> list[int]:
    return [int(r[c]) for c in BUCKET_COLUMNS]


# --- pure functions -----------------------------------------------------------------


def test_bucket_edges_in_days():
    ages = [0, 91, 92, 182, 183, 365, 366, 730, 731]
    rows, _ = court_backlog(cases_frame([("A", "civil", aged(a), None, None) for a in ages]))
    r = row(rows, "A", 2024, "civil")
    assert buckets(r) == [2, 2, 2, 2, 1]
    assert r.pending_total == 9 and r.courts == 1
    assert list(rows.columns) == COLUMNS


def test_statutory_default_versus_the_cases_own_term():
    cases = cases_frame([
        ("A", "civil", aged(60), None, None),           # default 60: on the limit, not over
        ("A", "civil", aged(61), None, None),           # over the default
        ("A", "civil", aged(45), None, 30),             # own term 30: over
        ("A", "civil", aged(75), None, 90),             # own term 90: not over
        ("A", "admin_offence", aged(16), None, None),   # default 15: over
        ("A", "admin_offence", aged(15), None, None),   # not over
    ])
    rows, _ = court_backlog(cases)
    assert row(rows, "A", 2024, "civil").over_term == 2
    assert row(rows, "A", 2024, "admin_offence").over_term == 1
    assert row(rows, "A", 2024).over_term == 3
    # Configured defaults replace the shipped ones; a case's own term still wins.
    rows, _ = court_backlog(cases, statutory_days={"civil": 100})
    assert row(rows, "A", 2024, "civil").over_term == 1


def test_resolved_on_31_december_is_not_pending_and_1_january_is():
    rows, hist = court_backlog(cases_frame([
        ("A", "civil", "2024-12-01", "2024-12-31", None),
        ("A", "civil", "2024-12-01", "2025-01-01", None),
    ]))
    r = row(rows, "A", 2024, "civil")
    assert (r.pending_total, r.resolved, r.p50_days) == (1, 1, 30.0)
    assert buckets(r) == [1, 0, 0, 0, 0]
    r25 = row(rows, "A", 2025, "civil")
    assert (r25.pending_total, r25.resolved, r25.p50_days) == (0, 1, 31.0)
    assert set(zip(hist["year"], hist["days"])) == {(2024, 30), (2025, 31)}


def test_case_filed_after_the_year_end_counts_from_its_year():
    rows, _ = court_backlog(cases_frame([
        ("A", "civil", "2024-03-01", None, None),
        ("A", "civil", "2025-01-05", None, None),
    ]))
    assert row(rows, "A", 2024, "civil").pending_total == 1
    # On 31 Dec 2025: 360 days (6-12 months) and 670 days (1-2 years).
    assert buckets(row(rows, "A", 2025, "civil")) == [0, 0, 1, 1, 0]


def test_percentiles_by_linear_interpolation():
    rows, _ = court_backlog(cases_frame([
        ("A", "civil", "2024-01-01", d, None)
        for d in ("2024-01-11", "2024-01-21", "2024-01-31", "2024-02-10")  # 10, 20, 30, 40
    ]))
    r = row(rows, "A", 2024, "civil")
    assert (r.resolved, r.p50_days, r.p75_days, r.p90_days) == (4, 25.0, 32.5, 37.0)
    assert r.pending_total == 0 and buckets(r) == [0] * 5  # a real zero


def test_no_resolved_case_gives_missing_percentiles_not_zero():
    rows, _ = court_backlog(cases_frame([("A", "criminal", "2024-05-01", None, None)]))
    r = row(rows, "A", 2024, "criminal")
    assert r.resolved == 0 and math.isnan(r.p50_days) and math.isnan(r.p90_days)
    # Every category of a court-year with case data has a row; zeros are real.
    civil = row(rows, "A", 2024, "civil")
    assert civil.pending_total == 0 and civil.resolved == 0


def test_years_only_where_the_court_has_case_data():
    rows, _ = court_backlog(cases_frame([
        ("A", "civil", "2020-03-01", "2020-04-01", None),
        ("A", "civil", "2023-03-01", "2023-04-01", None),
        ("B", "civil", "2023-05-01", None, None),
    ]))
    years = rows[rows["category"] == "all"].groupby("code")["year"].apply(list).to_dict()
    # A: nothing open in 2021-2022; B: from its first filing to its last event only.
    assert years == {"A": [2020, 2023], "B": [2023]}


def test_a_caseload_cell_has_no_row_and_stays_out_of_all():
    cases = cases_frame([
        ("A", "civil", "2023-11-01", None, None),
        ("A", "criminal", "2024-02-01", None, None),
    ])
    exclude = pd.DataFrame({"court_code": ["A"], "year": [2024], "category": ["civil"]})
    rows, _ = court_backlog(cases, exclude=exclude)
    assert set(rows.loc[rows["year"] == 2024, "category"]) == {
        "all", "criminal", "administrative", "admin_offence"}
    assert row(rows, "A", 2024).pending_total == 1
    assert row(rows, "A", 2023).pending_total == 1


@pytest.mark.parametrize("seed", range(5))
def test_grouped_percentiles_equal_numpy_on_the_expanded_cases(seed):
    rng = np.random.default_rng(seed)
    hist = pd.DataFrame({"g": rng.choice(["x", "y", "z"], 60),
                         "days": rng.integers(0, 400, 60), "n": rng.integers(0, 5, 60)})
    hist.loc[0, "n"] = 1
    got = grouped_percentiles(hist, ["g"]).set_index("g")
    for g, part in hist.groupby("g"):
        sample = np.repeat(part["days"].to_numpy(), part["n"].to_numpy())
        if sample.size == 0:
            assert g not in got.index
            continue
        expected = np.percentile(sample, [50, 75, 90])
        assert got.loc[g, ["p50_days", "p75_days", "p90_days"]].tolist() == expected.tolist()
        assert got.loc[g, "n"] == sample.size


def test_pooled_percentiles_are_over_the_cases_not_the_mean_of_courts():
    cases = cases_frame([
        ("A", "civil", "2024-01-01", "2024-01-11", None),   # 10
        ("A", "civil", "2024-01-01", "2024-01-21", None),   # 20
        ("A", "civil", "2024-01-01", "2024-01-31", None),   # 30
        ("A", "civil", aged(100), None, None),
        ("B", "criminal", "2024-01-01", "2024-04-10", None),  # 100
        ("B", "criminal", aged(800), None, None),
        ("C", "civil", "2024-01-01", "2024-01-06", None),   # 5, another region
    ])
    rows, hist = court_backlog(cases)
    region = {"A": "R1", "B": "R1", "C": "R2"}
    courts = rows.assign(unit=rows["code"].map(region))
    pooled = pooled_backlog(courts, hist.assign(unit=hist["court_code"].map(region)), "region")
    r1 = row(pooled, "R1", 2024)
    assert r1.level == "region" and r1.courts == 2
    assert (r1.resolved, r1.p50_days) == (4, 25.0)  # median of 10, 20, 30, 100
    court_medians = [row(rows, c, 2024).p50_days for c in ("A", "B")]
    assert court_medians == [20.0, 100.0] and np.mean(court_medians) == 60.0
    assert r1.pending_total == 2 and buckets(r1) == [0, 1, 0, 0, 1]
    assert row(pooled, "R1", 2024, "civil").courts == 2  # B's civil row is a real zero
    assert row(pooled, "R2", 2024).p50_days == 5.0
    nation = pooled_backlog(rows.assign(unit="KZ"), hist.assign(unit="KZ"), "national")
    kz = row(nation, "KZ", 2024)
    assert (kz.courts, kz.resolved, kz.p50_days, kz.pending_total) == (3, 5, 20.0, 2)
    assert kz.p90_days == pytest.approx(np.percentile([5, 10, 20, 30, 100], 90))


# --- in the database, through the real loader ----------------------------------------

REGIONS = ("region_code,name_en,name_ru,name_kk\n"
           "KZ-75,Almaty,Алматы,Алматы\nKZ-71,Astana,Астана,Астана\n")
COURTS = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
          "A,Court A,Суд А,А соты,KZ-75,district,general\n"
          "B,Court B,Суд Б,Б соты,KZ-75,district,general\n"
          "C,Court C,Суд В,В соты,KZ-71,district,general\n")
# Ages on 31 Dec 2024 and days to disposition worked out by hand in the comments.
CASES = ("case_id,court_code,category,filed_date,resolved_date,statutory_days\n"
         "a1,A,civil,2024-01-10,2024-02-10,\n"        # resolved in 31 days
         "a2,A,civil,2024-03-01,,\n"                  # pending, 305 days: 6-12 m, over 60
         "a3,A,civil,2023-12-01,2024-01-15,\n"        # 45 days; end of 2023: 30 days old
         "a4,A,criminal,2024-11-20,,90\n"             # pending, 41 days, own term 90
         "a5,A,civil,2024-06-01,2024-12-31,\n"        # resolved on 31 Dec: 213 days
         "b1,B,civil,2024-02-01,2024-02-20,\n"        # 19 days
         "b2,B,criminal,2024-05-01,2024-09-01,\n"     # 123 days
         "b3,B,admin_offence,2024-12-01,,\n"          # pending, 30 days, over 15
         "b4,B,civil,2022-06-30,,\n")                 # pending: 184 / 549 / 915 days
CASELOAD = ("court_code,year,category,pending_start,incoming,resolved,pending_end\n"
            "C,2023,civil,10,100,95,15\n")


def load(engine, tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    report = load_file(engine, path, as_of=year_end_as_of(body))
    assert report.status == "loaded", report.errors
    return report


def read(engine, level: str, code=None, **kw) -> pd.DataFrame:
    with engine.connect() as conn:
        return backlog_age(conn, level, code, **kw)


def whole_table(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.concat([backlog_age(conn, level) for level in ("court", "region", "national")],
                         ignore_index=True)


def facts_check(engine) -> None:
    """Court rows agree with the facts: the same pending cases and the same over-limit ones."""
    with engine.connect() as conn:
        facts = pd.read_sql(text("SELECT court_code AS code, year, category, pending_end, "
                                 "pending_over_limit, resolved FROM facts "
                                 "WHERE source = 'cases'"), conn)
    rows = read(engine, "court")
    m = rows[rows["category"] != "all"].merge(facts, on=["code", "year", "category"],
                                              how="left", suffixes=("", "_f"))
    m = m.fillna({"pending_end": 0, "pending_over_limit": 0, "resolved_f": 0})
    assert (m["pending_total"] == m["pending_end"]).all()
    assert (m["over_term"] == m["pending_over_limit"]).all()
    assert (m["resolved"] == m["resolved_f"]).all()


@pytest.fixture
def loaded(engine, tmp_path):
    load(engine, tmp_path, "regions.csv", REGIONS)
    load(engine, tmp_path, "courts.csv", COURTS)
    load(engine, tmp_path, "caseload.csv", CASELOAD)
    return engine, load(engine, tmp_path, "cases.csv", CASES)


def test_stored_rows_at_every_level_then_undo_removes_them(loaded):
    engine, upload = loaded
    a = read(engine, "court", "A", year=2024)
    assert list(a["category"]) == ["all", "civil", "criminal", "administrative",
                                   "admin_offence"]
    civil = row(a, "A", 2024, "civil")
    assert buckets(civil) == [0, 0, 1, 0, 0] and civil.over_term == 1
    assert (civil.resolved, civil.p50_days, civil.p75_days) == (3, 45.0, 129.0)
    assert civil.p90_days == pytest.approx(179.4)
    crim = row(a, "A", 2024, "criminal")
    assert buckets(crim) == [1, 0, 0, 0, 0] and crim.over_term == 0
    assert crim.resolved == 0 and math.isnan(crim.p50_days)
    assert row(a, "A", 2024, "administrative").pending_total == 0  # a real zero
    b = row(read(engine, "court", "B", year=2024), "B", 2024)
    assert buckets(b) == [1, 0, 0, 0, 1] and b.over_term == 2
    assert (b.resolved, b.p50_days, b.p75_days) == (2, 71.0, 97.0)
    assert [buckets(row(read(engine, "court", "B", year=y), "B", y)) for y in (2022, 2023)] \
        == [[0, 0, 1, 0, 0], [0, 0, 0, 1, 0]]
    assert buckets(row(read(engine, "court", "A", year=2023), "A", 2023)) == [1, 0, 0, 0, 0]

    region = row(read(engine, "region", "KZ-75", year=2024), "KZ-75", 2024)
    assert region.courts == 2 and buckets(region) == [2, 0, 1, 0, 1]
    assert (region.pending_total, region.over_term, region.resolved) == (4, 3, 5)
    # Over the pooled 19, 31, 45, 123, 213 days; the courts' medians average 58.
    assert (region.p50_days, region.p75_days, region.p90_days) == (45.0, 123.0, 177.0)
    nation = read(engine, "national", year=2024)
    pd.testing.assert_frame_equal(
        nation.drop(columns=["level", "code"]).reset_index(drop=True),
        read(engine, "region", "KZ-75", year=2024).drop(columns=["level", "code"])
        .reset_index(drop=True))
    assert row(read(engine, "national"), "KZ", 2022).courts == 1

    # C has aggregate data only: no row for it or its region, in any year.
    assert read(engine, "court", "C").empty and read(engine, "region", "KZ-71").empty
    facts_check(engine)

    undo(engine, upload.upload_id)
    assert whole_table(engine).empty
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM backlog_age")).scalar() == 0


def test_a_change_only_the_backlog_sees_reaches_regions_and_the_nation(loaded, tmp_path):
    engine, _ = loaded
    before = whole_table(engine)
    # a2 filed five months later: the same facts and durations, a younger backlog.
    moved = load(engine, tmp_path, "moved.csv",
                 CASES.replace("a2,A,civil,2024-03-01", "a2,A,civil,2024-08-01"))
    assert (moved.inserted, moved.replaced) == (0, 1)
    for level, code in (("court", "A"), ("region", "KZ-75"), ("national", "KZ")):
        r = row(read(engine, level, code, year=2024), code, 2024)
        assert buckets(r)[:3] == ([1, 1, 0] if level == "court" else [2, 1, 0]), level
    # The incremental result equals a full recomputation.
    after = whole_table(engine)
    with engine.begin() as conn:
        refresh_all(conn)
    pd.testing.assert_frame_equal(after, whole_table(engine))
    undo(engine, moved.upload_id)
    pd.testing.assert_frame_equal(before, whole_table(engine))


def test_another_courts_upload_recomputes_only_its_region_and_the_nation(loaded, tmp_path):
    engine, _ = loaded
    load(engine, tmp_path, "c_cases.csv", "case_id,court_code,category,filed_date\n"
                                          "c1,C,criminal,2024-10-01\n")
    c = row(read(engine, "court", "C", year=2024), "C", 2024)
    assert buckets(c) == [1, 0, 0, 0, 0] and c.over_term == 1 and math.isnan(c.p50_days)
    # C's 2023 is a caseload year and it had no case open then: still no row.
    assert set(read(engine, "court", "C")["year"]) == {2024}
    assert row(read(engine, "region", "KZ-71"), "KZ-71", 2024).pending_total == 1
    kz = row(read(engine, "national", year=2024), "KZ", 2024)
    assert (kz.courts, kz.pending_total, kz.p50_days) == (3, 5, 45.0)
    assert row(read(engine, "region", "KZ-75", year=2024), "KZ-75", 2024).pending_total == 4
    facts_check(engine)


def test_reader_filters_and_empty_result(loaded):
    engine, _ = loaded
    df = read(engine, "court", ["A", "B"], year=[2023, 2024], category="all")
    assert list(zip(df["code"], df["year"])) == [("A", 2023), ("A", 2024), ("B", 2023),
                                                 ("B", 2024)]
    assert list(df.columns) == COLUMNS
    assert df["pending_total"].dtype == "int64" and df["p50_days"].dtype == "float64"
    # Values straight out of a frame (numpy scalars and arrays) filter too.
    same = read(engine, "court", np.array(["A", "B"]), year=df["year"].iloc[-1],
                category="all")
    assert list(same["year"]) == [2024, 2024]
    empty = read(engine, "region", "KZ-71")
    assert empty.empty and list(empty.columns) == COLUMNS
    with pytest.raises(ValueError):
        read(engine, "province")


def test_a_court_moving_region_moves_its_rows_and_undo_moves_them_back(loaded, tmp_path):
    engine, _ = loaded
    before = whole_table(engine)
    moved = load(engine, tmp_path, "courts2.csv",
                 COURTS.replace("B,Court B,Суд Б,Б соты,KZ-75", "B,Court B,Суд Б,Б соты,KZ-71"))
    assert moved.replaced == 1
    assert row(read(engine, "region", "KZ-71", year=2024), "KZ-71", 2024).pending_total == 2
    a_only = row(read(engine, "region", "KZ-75", year=2024), "KZ-75", 2024)
    assert (a_only.courts, a_only.pending_total, a_only.p50_days) == (1, 2, 45.0)
    # B alone had case data in 2022: its old region has no row for that year any more.
    assert set(read(engine, "region", "KZ-75")["year"]) == {2023, 2024}
    assert read(engine, "national")["courts"].max() == 2
    undo(engine, moved.upload_id)
    pd.testing.assert_frame_equal(before, whole_table(engine))
