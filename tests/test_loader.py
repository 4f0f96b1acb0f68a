"""The loader on SQLite and PostgreSQL: upsert, idempotency, undo, refresh, conflicts."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from sqlalchemy import text

from data.accounts.access import SYSTEM
from data.derive.refresh import refresh_all
from data.ingest.load import load_file
from data.ingest.undo import UndoRefused, undo
from data.store.repository import kpi_values
from tests.conftest import DEMO_AS_OF, year_end_as_of

REGIONS = ("region_code,name_en,name_ru,name_kk\n"
           "KZ-75,Almaty,Алматы,Алматы\nKZ-71,Astana,Астана,Астана\n")
COURTS = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
          "A,Court A,Суд А,А соты,KZ-75,district,general\n"
          "B,Court B,Суд Б,Б соты,KZ-75,district,general\n"
          "C,Court C,Суд В,В соты,KZ-71,district,general\n")
CASES = ("case_id,court_code,category,filed_date,resolved_date,e_filed\n"
         "a1,A,civil,2024-01-10,2024-02-10,1\n"
         "a2,A,civil,2024-03-01,,0\n"
         "a3,A,civil,2023-12-01,2024-01-15,1\n"
         "b1,B,civil,2024-02-01,2024-02-20,1\n"
         "b2,B,criminal,2024-05-01,2024-09-01,1\n"
         "c1,C,civil,2024-04-01,2024-04-11,0\n")


def put(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def load(engine, tmp_path, name, body, **kw):
    kw.setdefault("as_of", year_end_as_of(body))
    return load_file(engine, put(tmp_path, name, body), **kw)


@pytest.fixture
def base(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        assert load(engine, tmp_path, name, body).status == "loaded"
    return engine


def kv(engine, **filters) -> pd.DataFrame:
    with engine.connect() as conn:
        return kpi_values(conn, **filters)


def one(df, **where) -> pd.Series:
    m = pd.Series(True, index=df.index)
    for k, v in where.items():
        m &= df[k] == v
    assert m.sum() == 1, df[m]
    return df[m].iloc[0]


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()


def test_load_cases_computes_kpis_at_every_level(base, tmp_path):
    r = load(base, tmp_path, "cases.csv", CASES)
    assert (r.status, r.kind, r.inserted, r.replaced, r.unchanged) == ("loaded", "cases",
                                                                       6, 0, 0)
    v = kv(base, year=2024, kpi="clearance_rate")
    # 2024: incoming A 2, B 2, C 1 = 5; resolved A 2 (a1, a3), B 2, C 1 = 5
    assert one(v, level="national", category="all").value == pytest.approx(100)
    assert one(v, level="court", code="A", category="civil").value == pytest.approx(100)
    assert one(v, level="region", code="KZ-75", category="all").value == pytest.approx(100)
    e = one(kv(base, year=2024, kpi="e_filing_rate", level="national", category="all"))
    assert e.value == pytest.approx(100 * 3 / 5)
    # The strategy's targets start in 2025: 2024 has none, so no status.
    n24 = one(v, level="national", category="all")
    assert math.isnan(n24.target) and n24.status == "none"


def test_same_file_twice_is_already_loaded(base, tmp_path):
    r1 = load(base, tmp_path, "cases.csv", CASES)
    before = kv(base)
    r2 = load(base, tmp_path, "cases_again.csv", CASES)
    assert r2.status == "already_loaded" and r2.upload_id == r1.upload_id
    assert count(base, "uploads") == 3
    pd.testing.assert_frame_equal(before, kv(base))


def test_reload_replaces_changed_rows_only_and_undo_restores(base, tmp_path):
    load(base, tmp_path, "cases.csv", CASES)
    before = kv(base)
    changed = CASES.replace("a2,A,civil,2024-03-01,,0", "a2,A,civil,2024-03-01,2024-03-05,0")
    r = load(base, tmp_path, "cases2.csv", changed)
    assert (r.inserted, r.replaced, r.unchanged) == (0, 1, 5)
    after = kv(base)
    cr = one(after, level="court", code="A", year=2024, kpi="clearance_rate", category="all")
    assert cr.value == pytest.approx(150)
    u = undo(base, r.upload_id)
    assert u.replaced == 1
    pd.testing.assert_frame_equal(before, kv(base))
    with base.connect() as conn:
        status = conn.execute(text("SELECT status FROM uploads WHERE id = :i"),
                              {"i": r.upload_id}).scalar()
    assert status == "undone"


def test_undo_of_inserts_removes_them_and_kpis(base, tmp_path):
    r = load(base, tmp_path, "cases.csv", CASES)
    undo(base, r.upload_id)
    assert count(base, "cases") == 0 and count(base, "facts") == 0
    assert count(base, "kpi_values") == 0


def test_undo_refused_when_a_later_upload_touched_the_same_rows(base, tmp_path):
    r1 = load(base, tmp_path, "cases.csv", CASES)
    r2 = load(base, tmp_path, "fix.csv", CASES.replace(",2024-02-20,", ",2024-02-21,"))
    with pytest.raises(UndoRefused, match=f"#{r2.upload_id} fix.csv"):
        undo(base, r1.upload_id)
    undo(base, r2.upload_id)
    undo(base, r1.upload_id)
    assert count(base, "cases") == 0


def test_undo_refused_for_unknown_or_already_undone(base, tmp_path):
    r = load(base, tmp_path, "cases.csv", CASES)
    undo(base, r.upload_id)
    with pytest.raises(UndoRefused, match="already undone"):
        undo(base, r.upload_id)
    with pytest.raises(UndoRefused, match="no upload #999"):
        undo(base, 999)


def test_undo_of_courts_refused_while_cases_use_them(base, tmp_path):
    r = load(base, tmp_path, "court_d.csv", COURTS.splitlines()[0]
             + "\nD,Court D,Суд Г,Г соты,KZ-71,district,general\n")
    load(base, tmp_path, "d_cases.csv", "case_id,court_code,category,filed_date\n"
                                        "d1,D,civil,2024-01-01\n")
    with pytest.raises(UndoRefused, match="'D'"):
        undo(base, r.upload_id)


def test_rejected_file_writes_nothing(base, tmp_path):
    before = {t: count(base, t) for t in ("uploads", "cases", "facts", "kpi_values")}
    r = load(base, tmp_path, "bad.csv", CASES + "x9,A,civil,2024-05-01,2024-04-01,1\n")
    assert r.status == "rejected" and r.errors[0].code == "resolved_before_filed"
    assert r.errors[0].line == 8
    assert {t: count(base, t) for t in before} == before


CASELOAD = ("court_code,year,category,pending_start,incoming,resolved,pending_end,e_filed\n"
            "C,2023,civil,10,100,95,15,\n"
            "C,2023,criminal,0,20,20,0,5\n")


def test_caseload_court_kpis_and_missing_optional(base, tmp_path):
    r = load(base, tmp_path, "caseload.csv", CASELOAD)
    assert r.status == "loaded"
    v = kv(base, year=2023, level="court", code="C")
    assert one(v, kpi="clearance_rate", category="all").value == pytest.approx(100 * 115 / 120)
    e = one(v, kpi="e_filing_rate", category="all")
    assert e.value == pytest.approx(25) and e.coverage == pytest.approx(100 * 20 / 120)
    assert math.isnan(one(v, kpi="median_disposition_days", category="all").value)


def test_caseload_and_cases_cannot_share_a_cell(base, tmp_path):
    load(base, tmp_path, "cases.csv", CASES)
    r = load(base, tmp_path, "cl.csv", CASELOAD.replace("C,2023", "A,2024"))
    assert r.status == "rejected" and r.errors[0].code == "case_level_conflict"
    load(base, tmp_path, "cl2.csv", CASELOAD.replace("C,2023", "B,2023"))
    r = load(base, tmp_path, "cases_b.csv", "case_id,court_code,category,filed_date\n"
                                            "b9,B,civil,2023-03-01\n")
    assert r.status == "rejected" and r.errors[0].code == "caseload_conflict"


def test_incremental_refresh_touches_only_the_affected_court_cells(base, tmp_path):
    load(base, tmp_path, "cases.csv", CASES)
    load(base, tmp_path, "cl.csv", CASELOAD)
    before = kv(base)
    load(base, tmp_path, "b_more.csv", "case_id,court_code,category,filed_date,resolved_date\n"
                                       "b3,B,civil,2024-06-01,2024-06-02\n")
    after = kv(base)
    key = ["level", "code", "year", "category", "kpi"]
    merged = before.merge(after, on=key, how="outer", suffixes=("_b", "_a"), indicator=True)
    same = (merged["value_b"] == merged["value_a"]) | (
        merged["value_b"].isna() & merged["value_a"].isna())
    moved = merged[~same | (merged["_merge"] != "both")]
    assert set(moved["code"]) <= {"B", "KZ-75", "KZ"}
    assert "B" in set(moved["code"])
    # The incremental result equals a full recomputation.
    with base.begin() as conn:
        refresh_all(conn)
    full = kv(base)
    pd.testing.assert_frame_equal(after.sort_values(key).reset_index(drop=True),
                                  full.sort_values(key).reset_index(drop=True),
                                  check_dtype=False)


def test_targets_upload_overrides_illustrative_and_undo_restores(base, tmp_path):
    load(base, tmp_path, "cases.csv", CASES)
    r = load(base, tmp_path, "t.csv", "kpi,year,court_code,target,tolerance\n"
                                      "clearance_rate,2024,A,150,1\n"
                                      "e_filing_rate,2025,,80,\n")
    assert r.status == "loaded" and (r.inserted, r.replaced) == (1, 1)
    a = one(kv(base, level="court", code="A", year=2024, kpi="clearance_rate", category="all"))
    assert (a.target, a.status) == (150, "red")
    undo(base, r.upload_id)
    a = one(kv(base, level="court", code="A", year=2024, kpi="clearance_rate", category="all"))
    assert math.isnan(a.target) and a.status == "none"
    with base.connect() as conn:
        row = conn.execute(text("SELECT target, illustrative FROM targets WHERE "
                                "kpi='e_filing_rate' AND year=2025 AND court_code=''")).one()
    assert row[0] == 90 and bool(row[1])


def test_approving_the_illustrative_value_clears_the_illustrative_mark(base, tmp_path):
    r = load(base, tmp_path, "t.csv", "kpi,year,target,tolerance\ne_filing_rate,2025,90,5\n")
    assert (r.inserted, r.replaced, r.unchanged) == (0, 1, 0)
    with base.connect() as conn:
        flag = conn.execute(text("SELECT illustrative FROM targets WHERE "
                                 "kpi='e_filing_rate' AND year=2025 AND court_code=''")).scalar()
    assert not flag


def test_resources_and_surveys_feed_per_court_kpis(base, tmp_path):
    load(base, tmp_path, "cases.csv", CASES)
    load(base, tmp_path, "res.csv", "court_code;year;judge_posts;judges_in_post;budget_kzt\n"
                                    "A;2024;4;3;1 000 000,5\nB;2024;2;2;\n")
    load(base, tmp_path, "sur.csv", "court_code,year,respondents,satisfied,trusting\n"
                                    "A,2024,100,80,60\n")
    v = kv(base, level="national", year=2024)
    vac = one(v, kpi="judge_vacancy_rate")
    assert vac.value == pytest.approx(100 * 1 / 6) and vac.coverage == pytest.approx(200 / 3)
    assert one(v, kpi="caseload_per_judge").value == pytest.approx(4 / 5)
    assert one(v, kpi="satisfaction_rate").value == pytest.approx(80)
    c = one(kv(base, level="court", code="A", year=2024, kpi="cost_per_case"))
    assert c.value == pytest.approx(1000000.5 / 2)


def test_national_rate_is_ratio_of_sums_not_mean_of_court_rates(base, tmp_path):
    load(base, tmp_path, "cases.csv", CASES)
    v = kv(base, year=2024, kpi="e_filing_rate", category="all")
    courts = v[v.level == "court"]
    national = one(v, level="national").value
    assert national == pytest.approx(courts.numerator.sum() / courts.denominator.sum() * 100)
    assert national != pytest.approx(courts.value.mean())


def test_reload_with_missing_cells_replaces_only_changed_rows(base, tmp_path):
    body = ("case_id,court_code,category,filed_date,resolved_date,statutory_days,appealed,"
            "appeal_result,hearings_total\n"
            "m1,A,civil,2024-01-10,2024-02-10,,1,,\n"
            "m2,A,civil,2024-01-11,,90,0,,3\n"
            "m3,A,civil,2024-01-12,2024-03-01,,1,reversed,\n")
    load(base, tmp_path, "m.csv", body)
    r = load(base, tmp_path, "m2.csv", body.replace("2024-03-01", "2024-03-02"))
    assert (r.inserted, r.replaced, r.unchanged) == (0, 1, 2)
    with base.connect() as conn:
        results = dict(conn.execute(text("SELECT case_id, appeal_result FROM cases")).all())
    # "" (no result yet, column present) is kept apart from NULL (not reported).
    assert results == {"m1": "", "m2": "", "m3": "reversed"}


@pytest.mark.slow
def test_small_demo_loads_through_the_real_loader(engine):
    from data.demo.loading import load_demo

    summary = load_demo(engine, "small", seed=1, as_of=DEMO_AS_OF)
    assert "SYNTHETIC" in summary
    with engine.connect() as conn:
        values = kpi_values(conn, year=2025, category="all")
        synthetic = conn.execute(text("SELECT value FROM meta WHERE key='synthetic'")).scalar()
    assert synthetic == "true"
    assert set(values["level"]) == {"national", "region", "court"}
    assert values.loc[values.level == "national", "value"].notna().sum() >= 15
    # Loading the same demo again changes nothing.
    again = load_demo(engine, "small", seed=1, as_of=DEMO_AS_OF)
    assert "already loaded" in again


def test_as_exported_matches_what_a_file_would_load():
    from data.demo.loading import as_exported

    cases = pd.DataFrame({
        "court_code": ["A", "A", "B"], "e_filed": pd.array([True, None, None], "boolean"),
        "appealed": pd.array([None, True, None], "boolean"),
        "appeal_result": pd.array([None, "reversed", None], "string"),
        "published": pd.array([None, None, None], "boolean"),
        "statutory_days": pd.array([None] * 3, "Int64"),
        "hearings_total": pd.array([None] * 3, "Int64"),
        "hearings_video": pd.array([None] * 3, "Int64"),
    })
    out = as_exported(cases)
    assert out["e_filed"].tolist() == [True, False, pd.NA]
    assert out["appeal_result"].tolist() == ["", "reversed", pd.NA]
    assert out["published"].isna().all()


def test_page_cache_serves_fresh_values_after_an_upload_and_an_undo(base, tmp_path):
    from callbacks.context import Services

    services = Services(base)
    assert services.kpi_values(SYSTEM, level="national").empty
    r = load(base, tmp_path, "cases.csv", CASES)
    after = services.kpi_values(SYSTEM, level="national", year=2024)
    assert not after.empty
    pd.testing.assert_frame_equal(after, kv(base, level="national", year=2024))
    undo(base, r.upload_id)
    assert services.kpi_values(SYSTEM, level="national", year=2024).empty


@pytest.mark.parametrize("overlap_rows", [0, 10**9])
def test_facts_derived_beside_the_write_are_the_facts_derived_after_it(
        base, tmp_path, monkeypatch, overlap_rows):
    """Big case uploads derive their facts in a thread while the rows are written
    (load.OVERLAP_ROWS); the facts, durations and KPI cells are the same either way, and
    the same as a full rebuild from the stored cases."""
    from data.derive.refresh import refresh_all
    from data.ingest import load as load_module

    monkeypatch.setattr(load_module, "OVERLAP_ROWS", overlap_rows)
    assert load(base, tmp_path, "cases.csv", CASES).status == "loaded"
    assert load(base, tmp_path, "cases2.csv", CASES.replace("2024-09-01", "2024-08-01")
                ).replaced == 1

    def tables():
        with base.connect() as conn:
            return [pd.read_sql_query(text(f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4"), conn)
                    for t in ("facts", "durations")] + [kpi_values(conn)]

    incremental = tables()
    with base.begin() as conn:
        refresh_all(conn)
    for got, want in zip(incremental, tables()):
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    b2 = one(kv(base, level="court", code="B", year=2024, kpi="clearance_rate",
                category="all"), level="court")
    assert b2["value"] == pytest.approx(100.0)  # both of its 2024 cases resolved in 2024
