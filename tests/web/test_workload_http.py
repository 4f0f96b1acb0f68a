"""``GET /api/v1/workload`` over raw HTTP (where-to-act.md section 2): the spec's columns,
a nation whose need ratio is the ratio of its courts' sums, a judge who sees their own
court, the regions and the nation only, and bad requests answered with a sentence."""

from __future__ import annotations

import pytest

from tests.web.conftest import JUDGE_COURT

COLUMNS = ["level", "code", "year", "workload_minutes", "judge_year_minutes", "judges_needed",
           "judges_in_post", "judge_posts", "need_ratio", "shortfall", "coverage"]


def test_the_nation_is_the_ratio_of_its_courts_sums(as_role):
    response = as_role("staff").get("/api/v1/workload?year=2025")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = response.get_json()
    assert rows and list(rows[0]) == COLUMNS
    courts = [r for r in rows if r["level"] == "court"]
    nation = next(r for r in rows if r["level"] == "national")
    reporting = [r for r in courts if r["judges_in_post"] is not None]
    assert nation["judges_needed"] == pytest.approx(sum(r["judges_needed"] for r in courts))
    assert nation["need_ratio"] == pytest.approx(
        100 * sum(r["judges_in_post"] for r in reporting)
        / sum(r["judges_needed"] for r in reporting))
    assert {r["year"] for r in rows} == {2025}


def test_a_judge_sees_their_own_court_the_regions_and_the_nation(as_role):
    judge = as_role("judge")
    rows = judge.get("/api/v1/workload?year=2025").get_json()
    assert {r["code"] for r in rows if r["level"] == "court"} == {JUDGE_COURT}
    assert any(r["level"] == "region" for r in rows)
    assert any(r["level"] == "national" for r in rows)
    own = judge.get(f"/api/v1/workload?level=court&code={JUDGE_COURT}&format=csv")
    assert own.status_code == 200 and own.mimetype == "text/csv"
    assert own.get_data(as_text=True).splitlines()[0] == ",".join(COLUMNS)
    other = judge.get("/api/v1/workload?level=court&code=KZ11-D01")
    assert other.status_code == 404 and "KZ11-D01" in other.get_json()["error"]


@pytest.mark.parametrize("query, status, words", [
    ("year=1990", 404, "no court of the nation in 1990"),
    ("year=20x5", 400, "year must be"),
    ("level=region&code=KZ-00", 404, "no region"),
    ("level=region", 400, "code is required"),
    ("level=court&code=NOPE", 404, "no court"),
    ("level=planet", 400, "level must be"),
    ("format=xml", 400, "format must be"),
])
def test_bad_requests_are_sentences(as_role, query, status, words):
    response = as_role("analyst").get(f"/api/v1/workload?{query}")
    assert response.status_code == status
    assert words in response.get_json()["error"]


def test_signed_out_is_refused(client):
    assert client.get("/api/v1/workload").status_code in (302, 401)
