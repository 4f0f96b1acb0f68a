"""``period=`` on ``/api/v1/kpi`` and ``/api/v1/gap``, and ``/api/v1/yearend``, over raw
HTTP (periods.md): a year composed from its months is the stored year, every role is
scoped as for years, and a bad period is a 400 sentence, never a 500."""

from __future__ import annotations

import pytest

from data.accounts.access import ANON_PREFIX
from tests.web.conftest import JUDGE_COURT

CELL_KPIS = ("clearance_rate", "disposition_time", "case_turnover", "on_time_rate",
             "backlog_rate", "median_disposition_days", "pending_change", "stability_rate",
             "appeal_reversal_rate", "appeal_rate", "e_filing_rate", "video_hearing_rate",
             "publication_rate")


def _get(client, query: str, path: str = "/api/v1/kpi"):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def test_a_year_to_december_composed_from_months_is_the_stored_year(as_role):
    staff = as_role("staff")
    for level in ("national", "region"):
        year = {(r["code"], r["category"], r["kpi"]): r
                for r in _get(staff, f"level={level}&year=2025") if r["kpi"] in CELL_KPIS}
        ytd = {(r["code"], r["category"], r["kpi"]): r
               for r in _get(staff, f"level={level}&period=2025-YTD12")}
        assert set(ytd) == set(year)
        for key, row in ytd.items():
            assert row["period"] == "2025-YTD12" and year[key]["period"] == "2025"
            for field in ("value", "numerator", "denominator", "coverage"):
                want = year[key][field]
                assert (row[field] is None and want is None) or row[field] == pytest.approx(
                    want, rel=1e-12, abs=1e-9), (key, field)


def test_a_quarter_for_every_role(as_role):
    query = "level=national&kpi=clearance_rate&category=all&period=2025-Q3"
    for role in ("admin", "staff", "analyst", "judge"):
        rows = _get(as_role(role), query)
        assert len(rows) == 1 and rows[0]["period"] == "2025-Q3" and rows[0]["year"] == 2025
        assert rows[0]["target"] == pytest.approx(100)  # the 2025 target of the KPI
    csv = as_role("staff").get(f"/api/v1/kpi?{query}&format=csv").get_data(as_text=True)
    assert csv.splitlines()[0].startswith("level,code,year,period,category,kpi,value")


def test_a_judge_sees_other_courts_of_a_period_anonymised(as_role):
    rows = _get(as_role("judge"), "level=court&period=2025-H1&kpi=clearance_rate&category=all")
    own = [r for r in rows if r["code"] == JUDGE_COURT]
    assert len(own) == 1 and own[0]["numerator"] is not None
    others = [r for r in rows if r["code"] != JUDGE_COURT]
    assert others and all(r["code"].startswith(ANON_PREFIX) for r in others)
    assert all(r["numerator"] is None and r["denominator"] is None for r in others)
    assert _get(as_role("judge"), "level=court&code=KZ11-D01&period=2025-H1") == []


@pytest.mark.parametrize("period", ["2025-Q5", "2025-13", "R12-2025-00", "2025-H3", "2025-q1",
                                    "٢٠٢٥-Q1", "2025-Q1'--", "x" * 3000, "2026-03"])
def test_bad_periods_are_400_sentences(as_role, period):
    staff = as_role("staff")
    for path in ("/api/v1/kpi", "/api/v1/gap"):
        response = staff.get(path, query_string={"period": period, "level": "national",
                                                 "kpi": "clearance_rate"})
        assert response.status_code == 400, (path, period, response.status_code)
        message = response.get_json()["error"]
        assert ("2026-H1" in message and "R12-2026-01" in message) or "as-of date" in message


def test_year_and_period_together_and_period_where_it_does_not_apply(as_role):
    staff = as_role("staff")
    for path in ("/api/v1/kpi?year=2025&period=2025-Q1", "/api/v1/outlook?period=2025-Q1",
                 "/api/v1/annotations?period=2025-Q1", "/api/v1/yearend?period=2025-Q1",
                 "/api/v1/report?level=national&year=2025&period=2025-Q1"):
        response = staff.get(path)
        assert response.status_code == 400, path
        assert response.get_json()["error"]


def test_the_gap_of_a_period(as_role):
    rows = _get(as_role("staff"), "level=national&kpi=clearance_rate&period=2025-H2",
                "/api/v1/gap")
    assert rows and {r["period"] for r in rows} == {"2025-H2"}
    cell = _get(as_role("staff"), "level=national&kpi=clearance_rate&category=all"
                "&period=2025-H2")[0]
    whole = cell["target"] * cell["denominator"] / 100 - cell["numerator"]
    assert sum(r["contribution"] for r in rows) == pytest.approx(whole, rel=1e-9, abs=1e-6)
    response = as_role("staff").get("/api/v1/gap?level=national&kpi=judge_vacancy_rate"
                                    "&period=2025-H2")
    assert response.status_code == 400 and "whole years" in response.get_json()["error"]


def test_yearend_without_a_year_in_progress_is_a_404_sentence(as_role):
    # The web demo is as of 2026-01-01: its data end with the complete year 2025.
    for query in ("", "?year=2025", "?year=2026&level=national"):
        response = as_role("staff").get(f"/api/v1/yearend{query}")
        assert response.status_code == 404
        assert response.get_json()["error"]
    assert as_role("staff").get("/api/v1/yearend?year=20x5").status_code == 400


def test_signed_out_is_refused(client):
    for path in ("/api/v1/kpi?period=2025-Q1", "/api/v1/yearend"):
        assert client.get(path).status_code == 401
