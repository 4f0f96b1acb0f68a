"""Plausibility checks on monthly and quarterly aggregate reports (issue 26): a month
that breaks the flow identity, a break between two parts, a month far out of the
court's own seasonal range; pure and on SQLite and PostgreSQL, in the upload review
and on the loaded data, in three languages."""

from __future__ import annotations

import pandas as pd
import pytest

from data.derive.flags import flags, flags_for_upload
from data.ingest.load import check_file, load_file
from kpi.plausibility import COLUMNS, RULES, messages, part_code, part_flags
from layouts.i18n import t

REGIONS = "region_code,name_en,name_ru,name_kk\nKZ-75,Almaty,Алматы,Алматы\n"
COURTS = ("court_code,name_en,name_ru,name_kk,region_code,level,specialization\n"
          "A,Court A,Суд А,А соты,KZ-75,district,general\n"
          "B,Court B,Суд Б,Б соты,KZ-75,district,general\n")
HEAD = "court_code,year,period,category,pending_start,incoming,resolved,pending_end\n"


def months(court: str, year: int, last: int = 12, incoming=None, broken: dict | None = None,
           jump: dict | None = None, base: int = 100) -> list[dict]:
    """Months 1..last of a court's civil cases: 50 in and 50 out a month unless
    ``incoming`` {month: n} says otherwise; ``broken`` {month: extra} adds to a month's
    pending_end (its flow no longer adds up), ``jump`` {month: extra} to the next
    month's pending_start (a break between the two)."""
    rows, ps = [], base
    for m in range(1, last + 1):
        inc = (incoming or {}).get(m, 50)
        pe = ps + inc - 50 + (broken or {}).get(m, 0)
        rows.append({"court_code": court, "year": year, "period": f"{year}-{m:02d}",
                     "m1": m, "m2": m, "category": "civil", "source": "caseload",
                     "pending_start": ps, "incoming": inc, "resolved": 50, "pending_end": pe})
        ps = pe + (jump or {}).get(m, 0)
    return rows


def csv(rows: list[dict]) -> str:
    cols = HEAD.strip().split(",")
    return HEAD + "".join(",".join(str(r[c]) for c in cols) + "\n" for r in rows)


def found(frame: pd.DataFrame) -> list[tuple]:
    return sorted((r.court_code, r.period, r.field, r.rule) for r in frame.itertuples())


# --- pure ----------------------------------------------------------------------------


def test_part_codes():
    assert [part_code(2026, 3, 3), part_code(2026, 4, 6), part_code(2026, 1, 12)] == [
        "2026-03", "2026-Q2", "2026"]


def test_each_rule_on_hand_made_months():
    rows = [*months("A", 2023), *months("A", 2024), *months("A", 2025, incoming={3: 40}),
            *months("A", 2026, last=9, incoming={3: 500}, broken={5: 40}, jump={7: 60})]
    out = part_flags(pd.DataFrame(rows))
    assert list(out.columns) == COLUMNS
    assert found(out) == [("A", "2026-03", "incoming", "seasonal_outlier"),
                          ("A", "2026-05", "pending_end", "part_flow_identity"),
                          ("A", "2026-08", "pending_start", "part_continuity")]
    by_rule = {r.rule: r for r in out.itertuples()}
    # 500 against March's 40-50 of the years before: 5 times the top of 20-100.
    assert by_rule["seasonal_outlier"].expected == "20–100"
    assert by_rule["seasonal_outlier"].score == pytest.approx(5.0)
    # March's 500 lift pending to 550 by April; May's pending_end is 590 where
    # 550 + 50 - 50 gives 550, and August starts 60 above July's end of 590.
    assert (by_rule["part_flow_identity"].value, by_rule["part_flow_identity"].expected) == \
        (590, "550")
    assert (by_rule["part_continuity"].value, by_rule["part_continuity"].expected) == \
        (650, "590")
    # The most implausible first.
    assert out["score"].is_monotonic_decreasing


def test_what_is_not_flagged():
    # Case-derived months add up by construction: never judged.
    cases = [{**r, "source": "cases"} for r in months("A", 2026, last=6, broken={2: 90})]
    assert part_flags(pd.DataFrame(cases)).empty
    # A month within its seasonal range, or with fewer than two earlier years, or too
    # small to judge (20 cases), or off by 5 cases or fewer: no flag.
    calm = [*months("A", 2024), *months("A", 2025),
            *months("A", 2026, last=4, incoming={1: 95, 2: 26})]
    assert part_flags(pd.DataFrame(calm)).empty
    lone = [*months("A", 2025), *months("A", 2026, last=3, incoming={1: 400})]
    assert part_flags(pd.DataFrame(lone)).empty
    small = [*months("A", 2024, incoming={m: 4 for m in range(1, 13)}, base=10),
             *months("A", 2025, incoming={m: 4 for m in range(1, 13)}, base=10),
             *months("A", 2026, last=1, incoming={1: 15}, base=10)]
    assert "seasonal_outlier" not in set(part_flags(pd.DataFrame(small))["rule"])
    # A pending figure off by less than the tolerance (2 % of what was handled, >= 5).
    near = months("A", 2026, last=2, broken={1: 4})
    assert part_flags(pd.DataFrame(near)).empty


def test_messages_name_the_period_in_three_languages():
    rows = [*months("A", 2024), *months("A", 2025), *months("A", 2026, last=3,
                                                            incoming={3: 600})]
    out = part_flags(pd.DataFrame(rows))
    for lang in ("en", "ru", "kk"):
        (text,) = messages(out, t, lang)
        assert text.startswith("2026-03: incoming") and "600" in text
        assert "{" not in text
    for rule in ("part_flow_identity", "part_continuity", "seasonal_outlier"):
        assert rule in RULES
        for lang in ("en", "ru", "kk"):
            assert t(f"flags.name.{rule}", lang) != f"flags.name.{rule}"


# --- SQLite and PostgreSQL -------------------------------------------------------------


def put(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def monthly(engine, tmp_path):
    """Courts A and B with three complete years of monthly reports."""
    for name, body in (("regions.csv", REGIONS), ("courts.csv", COURTS)):
        assert load_file(engine, put(tmp_path, name, body)).status == "loaded"
    rows = [r for court in ("A", "B") for y in (2023, 2024, 2025) for r in months(court, y)]
    report = load_file(engine, put(tmp_path, "months.csv", csv(rows)))
    assert report.status == "loaded", report.errors[:3]
    return engine


def test_the_upload_review_and_the_loaded_data_flag_a_months_report(monthly, tmp_path):
    bad = [*months("A", 2026, last=9, incoming={3: 500}, broken={5: 40}),
           *months("B", 2026, last=9)]
    path = put(tmp_path, "2026.csv", csv(bad))
    checked = check_file(monthly, path)
    assert checked.report.status == "valid", checked.report.errors[:3]
    with monthly.connect() as conn:
        before = flags_for_upload(conn, checked.result.kind, checked.result.frame)
    want = [("A", "2026-03", "incoming", "seasonal_outlier"),
            ("A", "2026-05", "pending_end", "part_flow_identity")]
    assert found(before) == want
    with monthly.connect() as conn:
        assert flags(conn).empty  # the review wrote nothing
    assert load_file(monthly, path).status == "loaded"
    with monthly.connect() as conn:
        after = flags(conn, year=2026)
        assert found(after) == want
        assert found(flags(conn, court="B")) == []
        assert found(flags(conn, rule="seasonal_outlier")) == want[:1]
    # A corrected file clears them.
    fixed = put(tmp_path, "2026-fixed.csv", csv([*months("A", 2026, last=9),
                                                 *months("B", 2026, last=9)]))
    checked = check_file(monthly, fixed)
    with monthly.connect() as conn:
        assert flags_for_upload(conn, checked.result.kind, checked.result.frame).empty
