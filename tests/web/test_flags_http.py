"""Plausibility flags over raw HTTP (issue 15): GET /api/v1/flags scoped like the KPI
API, the ranked list on /coverage, and the flags an upload would raise, in its review."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.web.conftest import JUDGE_COURT, components, page_body, post_callback
from tests.web.test_upload_http import review, send_file

FLAGGED = "KZ35-D01"  # the small demo (seed 0) has a seconded judge there in 2025
CASELOAD = "KZ15-D02"  # a court that reports aggregate caseload rows in the demo


def test_api_anonymous_401_staff_all_judge_own_court_only(client, as_role):
    assert client.get("/api/v1/flags").status_code == 401
    staff = as_role("staff").get("/api/v1/flags").get_json()
    assert staff and list(staff[0]) == ["court_code", "year", "category", "field", "rule",
                                        "value", "expected", "score", "message", "note"]
    scores = [r["score"] for r in staff]
    assert scores == sorted(scores, reverse=True) and min(scores) > 1
    assert FLAGGED in {r["court_code"] for r in staff}
    judge = as_role("judge")
    assert all(r["court_code"] == JUDGE_COURT for r in judge.get("/api/v1/flags").get_json())
    # Another court is unknown to a judge, whether or not it exists.
    assert judge.get(f"/api/v1/flags?code={FLAGGED}").status_code == 404
    ru = as_role("analyst").get(f"/api/v1/flags?code={FLAGGED}&lang=ru").get_json()
    assert ru and all(any("а" <= ch <= "я" for ch in r["message"]) for r in ru)
    body = as_role("staff").get("/api/v1/flags?format=csv&rule=posts_exceeded")
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))
    assert rows and {r["rule"] for r in rows} == {"posts_exceeded"}


@pytest.mark.parametrize(("query", "status"), [
    ("rule=nope", 400), ("lang=de", 400), ("format=xml", 400), ("year=abc", 400),
    ("year=1999", 404), ("code=NOPE", 404), ("code=" + "x" * 500, 404),
])
def test_api_bad_parameters_get_a_sentence(as_role, query, status):
    response = as_role("staff").get(f"/api/v1/flags?{query}")
    assert response.status_code == status and response.get_json()["error"]


def test_coverage_lists_the_ranked_flags_and_judges_may_not(app, as_role):
    # /coverage computes its flags as it is rendered (callbacks.first_view).
    body = page_body("/coverage", "?lang=en")
    staff = post_callback(as_role("staff"), body)
    assert staff.status_code == 200
    said = json.dumps(components(staff)["coverage-flags"], ensure_ascii=False)
    assert FLAGGED in said and "More in post than posts" in said
    judge = post_callback(as_role("judge"), body)
    assert judge.status_code in (200, 403)
    assert FLAGGED not in judge.get_data(as_text=True)
    assert "More in post than posts" not in judge.get_data(as_text=True)


def caseload(pending_end: int) -> bytes:
    """KZ15-D02's civil caseload of 2023 as the demo has it (3 + 20 − 22 = 1 pending at
    the end), with the pending figure given."""
    return ("court_code,year,category,pending_start,incoming,resolved,pending_end\n"
            f"{CASELOAD},2023,civil,3,20,22,{pending_end}\n").encode()


def test_the_review_shows_the_flags_a_caseload_file_would_raise_and_it_still_loads(app,
                                                                                  as_role):
    analyst = as_role("analyst")
    token = send_file(analyst, caseload(40), name="caseload.csv").get_json()
    answer = review(app, analyst, token)["response"]
    said = json.dumps(answer, ensure_ascii=False)
    assert "upload-flags" in said and "Case flow does not add up" in said
    assert "pending_end is 40, but pending_start + incoming − resolved gives 1." in said
    state = next(v for k, v in answer.items() if k.endswith("review-state"))["data"]
    assert state["ok"] is True  # a warning, not a refusal
    token = send_file(analyst, caseload(1), name="caseload-clean.csv").get_json()
    clean = json.dumps(review(app, analyst, token)["response"], ensure_ascii=False)
    assert "no figure of the file looks implausible" in clean and "upload-flags" not in clean
