"""``GET /api/v1/outlook`` over raw HTTP: the CLI's numbers, the API's access rules."""

from __future__ import annotations

import csv
import io

from data.store import repository
from data.store.db import make_engine
from kpi.outlook import COLUMNS
from tests.web.conftest import JUDGE_COURT, OTHER_COURT


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/outlook").status_code == 401


def test_staff_gets_what_the_cli_computes(as_role, demo_db):
    staff = as_role("staff")
    response = staff.get("/api/v1/outlook?level=region&kpi=clearance_rate&horizon=2030")
    assert response.status_code == 200
    got = response.get_json()
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        want = repository.outlook(conn, level="region", kpi="clearance_rate", horizon=2030)
    engine.dispose()
    assert len(got) == len(want) == 20 * 5
    first = want.iloc[0]
    row = next(r for r in got if r["code"] == first["code"] and r["category"] ==
               first["category"])
    assert list(row) == COLUMNS and row["horizon"] == 2030
    assert row["projected"] == first["projected"] and row["outlook"] == first["outlook"]
    as_csv = staff.get("/api/v1/outlook?level=national&format=csv")
    lines = as_csv.get_data(as_text=True).splitlines()
    assert lines[0] == ",".join(COLUMNS) and len(lines) > 18
    assert "attachment" in as_csv.headers["Content-Disposition"]


def test_judge_gets_nation_regions_and_own_court_only(as_role):
    judge = as_role("judge")
    rows = list(csv.DictReader(io.StringIO(judge.get(
        "/api/v1/outlook?format=csv&kpi=clearance_rate&category=all").get_data(as_text=True))))
    levels = {(r["level"], r["code"]) for r in rows}
    courts = {code for level, code in levels if level == "court"}
    assert courts == {JUDGE_COURT}
    assert ("national", "KZ") in levels and sum(lv == "region" for lv, _ in levels) == 20
    assert judge.get(f"/api/v1/outlook?code={OTHER_COURT}").status_code == 404
    own = judge.get(f"/api/v1/outlook?code={JUDGE_COURT}").get_json()
    assert own and {r["code"] for r in own} == {JUDGE_COURT}


def test_bad_parameters_are_400_with_a_sentence(as_role):
    staff = as_role("staff")
    for query, words in (("horizon=2025", "horizon"), ("horizon=x", "horizon"),
                         ("horizon=2036", "horizon"), ("year=2025", "not year"),
                         ("kpi=nope", "kpi"), ("level=planet", "level"),
                         ("format=xml", "format")):
        response = staff.get(f"/api/v1/outlook?{query}")
        assert response.status_code == 400, query
        assert words in response.get_json()["error"], query
    assert staff.get("/api/v1/outlook?code=NO-SUCH").status_code == 404


def test_a_judge_gets_no_backlog_of_another_court(app, as_role):
    import json

    from layouts import ids
    from tests.web.conftest import components, page_body, post_callback

    judge = as_role("judge")
    # The chart is drawn as it scrolls into view, from the figure the page brings.
    graph = json.dumps(ids.chart(ids.CHART_FIGURE, "court_backlog"), sort_keys=True,
                       separators=(",", ":"))
    for court, allowed in ((JUDGE_COURT, True), (OTHER_COURT, False)):
        # The court profile computes its backlog as it is rendered (callbacks.first_view).
        response = post_callback(judge, page_body(f"/court/{court}", "?lang=en"))
        assert response.status_code == 200
        page = components(response)
        backlog = json.dumps([page.get(graph), page.get(ids.COURT_BACKLOG_NOTE)])
        assert ("Time to disposition" in backlog) is allowed
        refused = response.get_json()["response"]["_pages_content"]["children"]
        assert (refused["props"].get("id") == "forbidden") is not allowed


def test_until_is_the_outlook_as_made_then(as_role, demo_db):
    """until=T: what ``python -m kpi outlook --until T`` gives, ending in T; the horizon
    is then T+1 ... T+10 and anything else a 400 with a sentence."""
    staff = as_role("staff")
    response = staff.get("/api/v1/outlook?level=region&kpi=clearance_rate&category=all"
                         "&until=2024&horizon=2027")
    assert response.status_code == 200
    got = response.get_json()
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        want = repository.outlook(conn, level="region", kpi="clearance_rate",
                                  category="all", horizon=2027, until=2024)
    engine.dispose()
    assert len(got) == len(want) == 20
    assert {r["last_year"] for r in got} == {2024} and {r["horizon"] for r in got} == {2027}
    by_code = {r["code"]: r for r in got}
    for row in want.itertuples(index=False):
        assert by_code[row.code]["upper"] == row.upper
    for query in ("until=2024&horizon=2035", "until=2024&horizon=2024", "until=1066",
                  "until=2030"):
        bad = staff.get(f"/api/v1/outlook?{query}")
        assert bad.status_code == 400, query
        assert "until" in bad.get_json()["error"] or "horizon" in bad.get_json()["error"]
