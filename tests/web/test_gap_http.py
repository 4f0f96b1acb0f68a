"""``GET /api/v1/gap`` over raw HTTP (where-to-act.md section 1): the parts add up to the
scope's own gap as the stored KPI cell says it, for every role; a judge sees other
courts only as "Court 17 of 42" with their contribution; bad requests are sentences."""

from __future__ import annotations

import pytest

from data.accounts.access import ANON_PREFIX
from tests.web.conftest import JUDGE_COURT

REGION = "KZ-10"


def _rows(client, query: str) -> list[dict]:
    response = client.get(f"/api/v1/gap?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def _scope_cell(client, level: str, code: str, year: str, kpi: str) -> dict:
    cells = client.get(f"/api/v1/kpi?level={level}&code={code}&year={year}&kpi={kpi}"
                       "&category=all").get_json()
    assert len(cells) == 1
    return cells[0]


@pytest.mark.parametrize("kpi, level, code", [
    ("clearance_rate", "national", "KZ"), ("disposition_time", "national", "KZ"),
    ("clearance_rate", "region", REGION), ("judge_vacancy_rate", "national", "KZ"),
])
def test_the_parts_add_up_to_the_scopes_gap(as_role, kpi, level, code):
    staff = as_role("staff")
    rows = _rows(staff, f"level={level}&code={code}&kpi={kpi}&year=2025")
    assert rows and {r["kpi"] for r in rows} == {kpi}
    cell = _scope_cell(staff, level, code, "2025", kpi)
    scale = {"disposition_time": 365}.get(kpi, 100)
    direction = -1 if kpi in ("disposition_time", "judge_vacancy_rate") else 1
    whole = direction * (cell["target"] * cell["denominator"] / scale - cell["numerator"])
    assert rows[0]["scope_gap"] == pytest.approx(whole, rel=1e-9, abs=1e-6)
    assert sum(r["contribution"] for r in rows) == pytest.approx(whole, rel=1e-9, abs=1e-6)
    contributions = [r["contribution"] for r in rows]
    assert contributions == sorted(contributions, reverse=True)
    widening = [r for r in rows if r["contribution"] > 0]
    if widening:
        assert widening[-1]["cumulative_share"] == pytest.approx(1.0)
        assert all(r["share"] is None for r in rows if r["contribution"] <= 0)


def test_a_judge_sees_other_courts_anonymised_with_their_contribution_only(as_role):
    query = "level=national&kpi=clearance_rate&year=2025"
    staff, judge = _rows(as_role("staff"), query), _rows(as_role("judge"), query)
    assert len(judge) == len(staff)
    assert [r["contribution"] for r in judge] == pytest.approx(
        [r["contribution"] for r in staff])
    own = [r for r in judge if r["court_code"] == JUDGE_COURT]
    assert len(own) == 1 and own[0]["numerator"] is not None
    others = [r for r in judge if r["court_code"] != JUDGE_COURT]
    assert others and all(r["court_code"].startswith(ANON_PREFIX) for r in others)
    assert all(r["value"] is None and r["numerator"] is None and r["denominator"] is None
               for r in others)
    staff_codes = {r["court_code"] for r in staff}
    assert not staff_codes & {r["court_code"] for r in others}
    csv = as_role("judge").get(f"/api/v1/gap?{query}&format=csv").get_data(as_text=True)
    assert not (staff_codes - {JUDGE_COURT}) & set(csv.replace(",", "\n").split("\n"))


def test_a_judge_in_a_small_region_sees_only_their_own_court(as_role):
    """With fewer than five other courts, anonymous rows could be told apart: left out,
    as in rankings; the scope's gap is still said."""
    query = f"level=region&code={REGION}&kpi=clearance_rate&year=2025"
    staff, judge = _rows(as_role("staff"), query), _rows(as_role("judge"), query)
    assert 1 < len(staff) < 6
    assert [r["court_code"] for r in judge] == [JUDGE_COURT]
    assert judge[0]["scope_gap"] == pytest.approx(staff[0]["scope_gap"])


@pytest.mark.parametrize("query, status, words", [
    ("level=national&kpi=median_disposition_days", 400, "median"),
    ("level=national&kpi=pending_change", 400, "no decomposition"),
    ("level=national&kpi=clearance_rate&year=2021", 404, "no target"),
    ("level=national&kpi=caseload_per_judge", 400, "no decomposition"),
    ("level=region&code=KZ-99&kpi=clearance_rate", 404, "no region"),
    ("level=court&code=KZ10-D01&kpi=clearance_rate", 400, "national or region"),
    ("level=national", 400, "kpi is required"),
    ("level=national&kpi=clearance_rate&year=1999", 404, "no data"),
    ("level=national&kpi=clearance_rate&year=²", 400, "year"),
    ("level=national&kpi=nope", 400, "kpi"),
])
def test_bad_gap_requests_are_sentences(as_role, query, status, words):
    response = as_role("analyst").get(f"/api/v1/gap?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert words in response.get_json()["error"]


def test_the_gap_needs_a_signed_in_user(client):
    assert client.get("/api/v1/gap?level=national&kpi=clearance_rate").status_code == 401
