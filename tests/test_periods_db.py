"""Periods on SQLite and PostgreSQL: as-of dates and completeness, KPIs of every kind
of period against hand-computed facts, the year in progress, the year-end projection,
aggregate reports by quarter and month with their refusals, and undo."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import text

from data.derive import periods
from data.derive.refresh import year_in_progress
from data.ingest.load import load_file
from data.ingest.undo import undo
from kpi.periods import PeriodError

REGIONS = ("region_code,name_en,name_ru,name_kk\n"
           "KZ-75,Almaty,Алматы,Алматы\nKZ-71,Astana,Астана,Астана\n")
COURTS = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
          "A,Court A,Суд А,А соты,KZ-75,district,general\n"
          "B,Court B,Суд Б,Б соты,KZ-75,district,general\n"
          "C,Court C,Суд В,В соты,KZ-71,district,general\n"
          "D,Court D,Суд Г,Г соты,KZ-71,district,general\n")
HEAD = "case_id,court_code,category,filed_date,resolved_date\n"
A = HEAD + ("a1,A,civil,2025-11-10,2026-01-20\n"
            "a2,A,civil,2026-02-01,2026-02-10\n"
            "a3,A,civil,2026-04-05,\n"
            "a4,A,civil,2026-07-01,2026-08-15\n"
            "a5,A,civil,2025-03-01,2025-03-20\n")
B = HEAD + ("b1,B,civil,2026-01-05,2026-03-01\n"
            "b2,B,civil,2026-05-10,2026-06-20\n"
            "b3,B,civil,2025-06-01,2025-07-01\n")
C = HEAD + "c1,C,civil,2026-03-01,2026-03-10\n"


def put(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def loaded(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        assert load_file(engine, put(tmp_path, name, body)).status == "loaded"
    a = load_file(engine, put(tmp_path, "a.csv", A), as_of=dt.date(2026, 9, 30))
    b = load_file(engine, put(tmp_path, "b.csv", B))  # as of the file: 2026-06-30
    c = load_file(engine, put(tmp_path, "c.csv", C), as_of=dt.date(2026, 9, 30))
    assert (a.status, b.status, c.status) == ("loaded",) * 3
    assert (b.as_of, b.as_of_default, a.as_of_default) == ("2026-06-30", True, False)
    return engine


def values(engine, code: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return periods.period_values(conn, code)


def value(frame: pd.DataFrame, kpi: str, level="national", code="KZ", category="all"):
    row = frame[(frame["kpi"] == kpi) & (frame["level"] == level) & (frame["code"] == code)
                & (frame["category"] == category)]
    assert len(row) == 1, row
    return row.iloc[0]


def test_as_of_per_court_and_the_year_in_progress(loaded):
    with loaded.connect() as conn:
        got = dict(zip(*periods.as_of_by_court(conn).to_dict("list").values()))
        assert got == {"A": dt.date(2026, 9, 30), "B": dt.date(2026, 6, 30),
                       "C": dt.date(2026, 9, 30)}
        assert periods.data_as_of(conn) == dt.date(2026, 9, 30)
        assert year_in_progress(conn) == 2026
        # The uploads keep their as-of dates.
        stored = conn.execute(text("SELECT filename, as_of FROM uploads WHERE kind = 'cases' "
                                   "ORDER BY id")).all()
    assert [(f, pd.Timestamp(d).date().isoformat()) for f, d in stored] == [
        ("a.csv", "2026-09-30"), ("b.csv", "2026-06-30"), ("c.csv", "2026-09-30")]


def test_a_quarter_both_courts_complete(loaded):
    q1 = values(loaded, "2026-Q1")
    # A: 1 pending at the start, 1 in, 2 out; B: 1 in, 1 out; C: 1 in, 1 out.
    clearance = value(q1, "clearance_rate")
    assert clearance.value == pytest.approx(100 * 4 / 3)
    assert (clearance.numerator, clearance.denominator) == (4, 3)
    assert value(q1, "clearance_rate", "court", "A").value == pytest.approx(200)
    assert set(q1["period"]) == {"2026-Q1"} and set(q1["year"]) == {2026}
    # The KPIs of yearly inputs exist for years only.
    assert not set(q1["kpi"]) & {"judge_vacancy_rate", "cost_per_case", "trust_rate"}


def test_a_court_not_complete_is_not_reported(loaded):
    q3 = values(loaded, "2026-Q3")
    courts = set(q3.loc[q3["level"] == "court", "code"])
    # B's data end on 30 June; C is complete but had nothing in the quarter.
    assert courts == {"A"}
    # A: a3 pending at the start, a4 in and out: 1 of 1.
    assert value(q3, "clearance_rate", "region", "KZ-75").value == pytest.approx(100)
    assert value(q3, "clearance_rate", "region", "KZ-75").numerator == 1


def test_year_to_date_half_year_month_and_rolling_year(loaded):
    ytd = values(loaded, "2026-YTD09")
    # A: ps 1, in 3, out 3, pending 1; C: in 1, out 1 (B is not complete).
    assert value(ytd, "clearance_rate", "region", "KZ-75").value == pytest.approx(100)
    assert value(ytd, "disposition_time", "region", "KZ-75").value == pytest.approx(
        365 * 9 / 12 * 1 / 3)
    h1 = values(loaded, "2026-H1")
    # A: ps 1, in 2, out 2, pending 1; B: in 2, out 2; C: in 1, out 1.
    assert value(h1, "disposition_time").value == pytest.approx(365 * 6 / 12 * 1 / 5)
    assert value(h1, "case_turnover").value == pytest.approx(12 / 6 * 5 / 1)
    assert value(h1, "pending_change", "court", "A").value == pytest.approx(0)
    feb = values(loaded, "2026-02")
    # A: a2 in and out; B: b1 pending all month.
    assert value(feb, "clearance_rate", "region", "KZ-75").value == pytest.approx(100)
    assert value(feb, "disposition_time", "region", "KZ-75").value == pytest.approx(
        365 / 12 * 1 / 1)
    r12 = values(loaded, "R12-2026-06")
    # July 2025 to June 2026: A in 3 (a1-a3) out 2; B ps 1 (b3), in 2, out 3; C in 1 out 1.
    assert value(r12, "clearance_rate").value == pytest.approx(100 * 6 / 6)
    assert value(r12, "pending_change", "court", "B").value == pytest.approx(-100)
    # The median of a period: merged durations of the cases resolved in it.
    assert value(r12, "median_disposition_days", "court", "A").value == pytest.approx(
        (71 + 9) / 2)


def test_complete_years_keep_their_values_and_the_year_in_progress_is_refused(loaded):
    y25 = values(loaded, "2025")
    # A: in a5, a1; out a5; B: b3 in and out.
    assert value(y25, "clearance_rate").value == pytest.approx(100 * 2 / 3)
    with loaded.connect() as conn:
        stored = conn.execute(text("SELECT DISTINCT year FROM kpi_values ORDER BY year")).all()
    assert [y for (y,) in stored] == [2025]  # 2026 is never computed as a whole year
    with pytest.raises(PeriodError, match="in progress.*2026-YTD09"):
        values(loaded, "2026")
    with pytest.raises(PeriodError, match="after the data's as-of date 2026-09-30"):
        values(loaded, "2026-10")
    with pytest.raises(PeriodError, match="2026-H1"):
        values(loaded, "2026-Q5")


def test_the_year_end_projection(loaded):
    with loaded.connect() as conn:
        table = periods.yearend(conn)
    assert set(table["months"]) == {9} and set(table["year"]) == {2026}

    def row(kpi, level="national", code="KZ"):
        r = table[(table["kpi"] == kpi) & (table["level"] == level) & (table["code"] == code)
                  & (table["category"] == "all")]
        assert len(r) == 1
        return r.iloc[0]

    # Nation: the shares of Jan-Sep in 2025 (cells of A and B): incoming 2 of 3, resolved
    # 2 of 2. Year to date (A and C): ps 1, in 4, out 4. Projected in 6, out 4, pending 3.
    assert row("clearance_rate").ytd_value == pytest.approx(100)
    assert row("clearance_rate").projected == pytest.approx(100 * 4 / 6)
    assert row("disposition_time").projected == pytest.approx(365 * 3 / 4)
    assert row("pending_change").projected == pytest.approx(100 * (3 - 1) / 1)
    assert row("clearance_rate").same_period_last_year == pytest.approx(100)
    # The 2026 target of clearance is 100 with a tolerance of 5: red.
    assert row("clearance_rate").target == pytest.approx(100)
    assert row("clearance_rate").status == "red"
    # Court A: its own shares (incoming 1 of 2, resolved 1 of 1).
    assert row("clearance_rate", "court", "A").projected == pytest.approx(100 * 3 / 6)
    # Court C has no earlier year: m/12.
    assert row("clearance_rate", "court", "C").projected == pytest.approx(
        100 * (1 / (9 / 12)) / (1 / (9 / 12)))
    c_facts = row("case_turnover", "court", "C")
    assert pd.isna(c_facts.projected)  # nothing pending at the projected end
    # Backlog and the median keep their year-to-date value.
    median = row("median_disposition_days")
    assert median.projected == median.ytd_value


# --- aggregate reports by quarter and month -----------------------------------------

LOAD_HEAD = "court_code,year,period,category,pending_start,incoming,resolved,pending_end\n"


def test_caseload_quarters_give_periods_and_the_year(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        load_file(engine, put(tmp_path, name, body))
    body = LOAD_HEAD + "".join(
        f"D,2025,2025-Q{q},civil,{10 + 2 * (q - 1)},{20},{18},{12 + 2 * (q - 1)}\n"
        for q in (1, 2, 3, 4))
    r = load_file(engine, put(tmp_path, "q.csv", body))
    assert r.status == "loaded", r.errors
    with engine.connect() as conn:
        assert periods.as_of_by_court(conn).set_index("court_code")["as_of"]["D"] == \
            dt.date(2025, 12, 31)
        year = periods.period_values(conn, "2025")
        h2 = periods.period_values(conn, "2025-H2")
    assert value(year, "clearance_rate").value == pytest.approx(100 * 72 / 80)
    assert value(year, "pending_change").value == pytest.approx(100 * (18 - 10) / 10)
    assert value(h2, "disposition_time").value == pytest.approx(365 * 6 / 12 * 18 / 36)
    with engine.connect() as conn, pytest.raises(PeriodError):
        # A month of a quarterly report is not there: no court reports it.
        periods.period_values(conn, "2026-01")
    with engine.connect() as conn:
        assert periods.period_values(conn, "2025-02").empty


def test_caseload_months_make_the_year_only_when_all_twelve_are_there(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        load_file(engine, put(tmp_path, name, body))
    body = LOAD_HEAD + "".join(f"D,2025,2025-{m:02d},civil,5,3,3,5\n" for m in range(1, 12))
    assert load_file(engine, put(tmp_path, "m.csv", body)).status == "loaded"
    with engine.connect() as conn:
        nov = periods.period_values(conn, "2025-YTD11")
        assert value(nov, "clearance_rate").value == pytest.approx(100)
        stored = conn.execute(text("SELECT COUNT(*) FROM kpi_values WHERE year = 2025")
                              ).scalar()
    assert stored == 0  # eleven months are not a year
    assert load_file(engine, put(tmp_path, "dec.csv", LOAD_HEAD + "D,2025,2025-12,civil,5,3,3,5\n")
                     ).status == "loaded"
    with engine.connect() as conn:
        assert value(periods.period_values(conn, "2025"), "clearance_rate").value == \
            pytest.approx(100)


def test_grain_refusals_change_nothing(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        load_file(engine, put(tmp_path, name, body))
    first = load_file(engine, put(tmp_path, "q.csv", LOAD_HEAD
                                  + "D,2025,2025-Q1,civil,1,2,2,1\n"))
    assert first.status == "loaded"

    def refused(body: str, code: str) -> str:
        r = load_file(engine, put(tmp_path, f"bad{abs(hash(body))}.csv", body))
        assert r.status == "rejected" and {e.code for e in r.errors} == {code}, r.errors
        return r.errors[0].params

    mixed = LOAD_HEAD + "D,2024,2024-Q1,civil,1,2,2,1\nD,2024,2024-02,civil,1,2,2,1\n"
    assert "quarter" in refused(mixed, "mixed_grain")["grains"]
    held = refused(LOAD_HEAD + "D,2025,2025-04,civil,1,2,2,1\n", "grain_conflict")
    assert (held["held"], held["grain"], held["upload"]) == ("quarter", "month",
                                                             first.upload_id)
    refused(LOAD_HEAD + "D,2025,,civil,1,2,2,1\n", "grain_conflict")
    for bad in ("2025-Q5", "2025-13", "2025-H1", "R12-2025-06", "Q1", "2025-YTD03"):
        refused(LOAD_HEAD + f"D,2025,{bad},criminal,1,2,2,1\n", "bad_period")
    refused(LOAD_HEAD + "D,2025,2024-Q1,criminal,1,2,2,1\n", "period_year")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT period FROM caseload")).all()
    assert rows == [("2025-Q1",)]


def test_russian_and_kazakh_period_headers(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        load_file(engine, put(tmp_path, name, body))
    ru = ("Код суда,Год,Период,Категория,Остаток на начало,Поступило,Рассмотрено,"
          "Остаток на конец\nD,2025,2025-Q1,гражданские дела,1,2,2,1\n")
    kk = ("Сот коды,Жыл,Кезең,Санат,Кезең басындағы қалдық,Түсті,Қаралды,"
          "Кезең соңындағы қалдық\nD,2025,2025-Q2,азаматтық істер,1,2,2,1\n")
    for name, body in (("ru.csv", ru), ("kk.csv", kk)):
        r = load_file(engine, put(tmp_path, name, body))
        assert r.status == "loaded", r.errors
    with engine.connect() as conn:
        got = sorted(p for (p,) in conn.execute(text("SELECT period FROM caseload")).all())
    assert got == ["2025-Q1", "2025-Q2"]


def test_as_of_refusals(engine, tmp_path):
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        load_file(engine, put(tmp_path, name, body))
    early = load_file(engine, put(tmp_path, "a.csv", A), as_of=dt.date(2026, 8, 1))
    assert early.status == "rejected"
    assert [e.code for e in early.errors] == ["as_of_before_data"]
    assert early.errors[0].params["latest"] == "2026-08-15"
    ahead = load_file(engine, put(tmp_path, "a.csv", A),
                      as_of=dt.date.today() + dt.timedelta(days=1))
    assert [e.code for e in ahead.errors] == ["as_of_future"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM cases")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM part_facts")).scalar() == 0


def test_undo_of_a_monthly_upload_restores_exactly_what_it_replaced(loaded, tmp_path):
    def snapshot():
        with loaded.connect() as conn:
            return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}")).all()))
                    for t in ("part_facts", "month_durations", "court_as_of", "facts",
                              "kpi_values")}

    before = snapshot()
    october = HEAD + ("a4,A,civil,2026-07-01,2026-10-02\n"   # a correction
                      "a6,A,civil,2026-10-05,2026-10-20\n")
    r = load_file(loaded, put(tmp_path, "oct.csv", october), as_of=dt.date(2026, 10, 31))
    assert r.status == "loaded"
    with loaded.connect() as conn:
        assert periods.data_as_of(conn) == dt.date(2026, 10, 31)
        oct_values = periods.period_values(conn, "2026-10")
    assert value(oct_values, "clearance_rate", "court", "A").value == pytest.approx(200)
    assert snapshot() != before
    undo(loaded, r.upload_id, user="tester")
    assert snapshot() == before


def test_caseload_frames_written_directly_report_their_year(engine, tmp_path):
    """The national demo writes frames without a file: a row without a period is the
    year's, as validation makes it for a file."""
    from data.ingest.load import LoadReport, write_upload
    from data.store.schema import KINDS

    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        load_file(engine, put(tmp_path, name, body))
    row = {c: None for c in KINDS["caseload"].column_names}
    row.update(court_code="D", year=2025, category="civil", pending_start=1, incoming=4,
               resolved=3, pending_end=2)
    frame = pd.DataFrame([row])
    for c in ("year", "pending_start", "incoming", "resolved", "pending_end",
              *KINDS["caseload"].column_names[8:]):
        frame[c] = frame[c].astype("Int64")
    frame["period"] = frame["period"].astype("string")
    report = write_upload(engine, "caseload", frame, LoadReport("valid", "frame"), user="t",
                          source="demo")
    assert report.status == "loaded"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT period FROM caseload")).all() == [("2025",)]
        assert periods.as_of_by_court(conn).set_index("court_code")["as_of"]["D"] == \
            dt.date(2025, 12, 31)
